"""The app's first results, measured in Chromium: seconds from navigation to the verdict and the first
figures on the Compare page, on a cold server (just started: nothing imported, nothing simulated) and on
a warm one (a second visitor of the same example), then until every replication is shown.

Run: ``python benchmarks/app.py`` (Debian's ``/usr/bin/chromium`` and the playwright package). Prints
figures, including the warm time as a share of the cold one; asserts nothing.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
FIGURE = '[data-testid="stMain"] [data-testid="stTable"] td:has-text("±")'
"""A figure with its half-width in the Compare page's main table."""


def serve() -> tuple[subprocess.Popen, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                                "--server.port", str(port), "--browser.gatherUsageStats", "false"], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=1) as answer:
                if answer.status == 200:
                    return process, base
        except OSError:
            time.sleep(0.25)
    raise SystemExit("the Streamlit server did not start")


def visit(browser, base: str) -> tuple[float, float]:
    """Seconds to the first figures, and to the page with every replication (no progress bar left)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    t0 = time.perf_counter()
    page.goto(base)
    page.locator(FIGURE).first.wait_for(state="visible", timeout=120_000)
    first = time.perf_counter() - t0
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stProgress\"]') && "
                           "!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=300_000)
    complete = time.perf_counter() - t0
    context.close()
    return first, complete


def main() -> None:
    from playwright.sync_api import sync_playwright

    process, base = serve()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
            cold, cold_all = visit(browser, base)
            warm, warm_all = visit(browser, base)
            browser.close()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    print("Compare page of the bundled example (e-mail for 1,000 users), 1,400 px, headless Chromium:")
    print(f"  cold server: first results {cold:.1f} s, every replication shown {cold_all:.1f} s")
    print(f"  warm server: first results {warm:.1f} s ({warm / cold:.0%} of cold), every replication shown "
          f"{warm_all:.1f} s")


if __name__ == "__main__":
    main()
