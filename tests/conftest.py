"""Hypothesis runs derandomised so that no test flickers from one CI run to the next."""

from hypothesis import settings

settings.register_profile("deterministic", derandomize=True, deadline=None, print_blob=True)
settings.load_profile("deterministic")
