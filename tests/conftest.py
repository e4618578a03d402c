"""Hypothesis runs derandomised so that no test flickers from one CI run to the next.

Streamlit's AppTest scans the metadata of every installed package for components on each run (about
0.16 s of CPU, and the suite starts some forty AppTests); installed packages do not change during a test
session, so the scan runs once per process. The app's own server scans once at start-up anyway."""

import functools

from hypothesis import settings

settings.register_profile("deterministic", derandomize=True, deadline=None, print_blob=True)
settings.load_profile("deterministic")

try:
    from streamlit.components.v2 import manifest_scanner
except ImportError:  # another Streamlit: nothing to spare
    pass
else:
    manifest_scanner.scan_component_manifests = functools.cache(manifest_scanner.scan_component_manifests)
