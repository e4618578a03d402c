"""Hypothesis runs derandomised so that no test flickers from one CI run to the next, and with no time limit
(no deadline per example, no health check on slow data generation): on a busy machine those fail tests that
are right.

Streamlit's AppTest scans the metadata of every installed package for components on each run (about
0.16 s of CPU, and the suite starts some forty AppTests); installed packages do not change during a test
session, so the scan runs once per process. The app's own server scans once at start-up anyway."""

import functools
import os

from hypothesis import HealthCheck, settings

settings.register_profile("deterministic", derandomize=True, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("deterministic")

try:
    from streamlit.components.v2 import manifest_scanner
except ImportError:  # another Streamlit: nothing to spare
    pass
else:
    manifest_scanner.scan_component_manifests = functools.cache(manifest_scanner.scan_component_manifests)


FIRST = ("test_variance.py", "test_queueing_theory.py", "test_batch.py", "test_decide.py")
"""Modules whose tests take the most CPU (the statistical proofs and the batch runs), run first: the
workers then share out the many short tests at the end and finish together, instead of one of them
starting a minute-long proof while the other has nothing left."""


def pytest_collection_modifyitems(items) -> None:
    rank = {name: k for k, name in enumerate(FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(FIRST)))  # stable: the rest keep their order


def pytest_xdist_auto_num_workers(config) -> int:
    """``-n auto``: one worker more than CPUs, since the browser tests' worker mostly waits for the
    Streamlit server and Chromium (they have their own processes) while the others compute."""
    return len(os.sched_getaffinity(0)) + 1 if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1) + 1
