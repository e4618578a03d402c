"""Screenshots of every page of the app in English and French at 1,400 px, for a reviewer to look at.

``python -m webapp.screenshots`` (or ``make screenshots``) starts ``streamlit run server.py`` on a free
local port, opens it in headless Chromium (Debian's ``/usr/bin/chromium`` through Playwright, nothing
downloaded), chooses the language in the sidebar, visits every page from the sidebar's navigation as a
user would (the session, so the language, is kept), waits for each page to finish, and writes one PNG
per page and language, the whole page tall, into ``out/screenshots/`` (git-ignored): every tab of the
pages with tabs, and the answers of the What-would-it-take page (it runs them, which takes a minute or two).

The server and browser helpers are shared with the browser tests (``tests/test_e2e_browser.py``).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"]
WIDTH = 1400
HEIGHT = 1000
SERVER_START_SECONDS = 60
LONG_MS = 120_000
"""A simulation on a slow, busy machine."""
SHORT_MS = 20_000
"""An interface reaction (menu, alert, cached rerun)."""
PAGES = ("compare", "service", "whatif", "editor", "offers", "calibrate", "assumptions", "store", "downloads")
"""The pages in the order of the sidebar's navigation (``app.py``)."""
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}


class ServerError(RuntimeError):
    """The Streamlit server did not start; the message holds its output."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return answer.status == 200 and answer.read().decode().strip() == "ok"
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def stop(process: subprocess.Popen) -> None:
    """Terminate the server's whole process group; kill it if it does not stop in time."""
    if process.poll() is not None:
        return
    for sig, grace in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


@contextmanager
def serve(log_path: Path, root: Path = ROOT, script: str = "server.py", home: Path | None = None) -> Iterator[str]:
    """``streamlit run server.py`` (the app, warmed before its first visitor; ``script="app.py"``: the app
    alone) on a free local port; yields its base URL once it answers and stops it afterwards. ``home``:
    the server's home folder, where Streamlit keeps its disk cache (``~/.streamlit/cache``).

    A port taken between the probe and the server's bind is retried; any other failure raises
    :class:`ServerError` with the server's output."""
    process = None
    base = ""
    log = None
    for _attempt in range(3):
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        logged_before = log_path.stat().st_size if log_path.exists() else 0
        log = open(log_path, "ab")  # closed once the server has stopped
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", script,
             "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false"],
            cwd=root, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,   # its own process group, so stopping reaches every child
            env=None if home is None else {**os.environ, "HOME": str(home)},
        )
        deadline = time.monotonic() + SERVER_START_SECONDS
        while time.monotonic() < deadline and process.poll() is None and not healthy(f"{base}/_stcore/health"):
            time.sleep(0.25)
        if process.poll() is None and healthy(f"{base}/_stcore/health"):
            break
        exited = process.poll()
        stop(process)
        log.close()
        output = log_path.read_bytes()[logged_before:].decode(errors="replace")
        if exited is not None and re.search(r"Port \d+ is not available|already in use", output):
            continue
        why = f"exited with code {exited}" if exited is not None else \
            f"did not answer 'ok' on {base}/_stcore/health within {SERVER_START_SECONDS} s"
        raise ServerError(f"the Streamlit server {why}; its output:\n{output}")
    else:
        raise ServerError(f"no free port for the Streamlit server; its output:\n"
                          f"{log_path.read_text(errors='replace')}")
    try:
        yield base
    finally:
        stop(process)
        log.close()


@contextmanager
def chromium() -> Iterator:
    """Headless Debian Chromium through Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def settled(page, timeout: int = LONG_MS) -> None:
    """Wait until the app has finished: the script not running (twice, a moment apart, since a rerun may
    follow a run) and nothing left over (stale) from before."""
    from playwright.sync_api import expect

    done = page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')
    for _ in range(2):
        done.wait_for(state="attached", timeout=timeout)
        expect(page.locator('[data-testid="stMain"] [data-stale="true"]')).to_have_count(0, timeout=timeout)
        page.wait_for_timeout(250)
    done.wait_for(state="attached", timeout=timeout)


def open_app(page, base: str, language: str = "en", replications: int | None = None,
             example: str | None = None) -> None:
    """Open the app through a link that sets the language and, if given, the number of replications and
    the bundled example (``?lang=fr&replications=3``), and wait until it has finished."""
    from urllib.parse import urlencode

    query = {"lang": language, "replications": replications, "example": example}
    page.goto(f"{base}/?{urlencode({k: v for k, v in query.items() if v is not None})}",
              wait_until="domcontentloaded", timeout=LONG_MS)
    settled(page)


def visit(page, name: str) -> None:
    """Go to a page by its place in the sidebar's navigation (the session, so the language, is kept)."""
    page.locator('[data-testid="stSidebarNav"] a').nth(PAGES.index(name)).click()
    page.wait_for_timeout(300)
    settled(page)


def whole_page(page, path: Path) -> None:
    """A PNG of the page as tall as its content (the main area scrolls inside the window otherwise)."""
    height = page.evaluate("() => Math.max(...[...document.querySelectorAll("
                           "'[data-testid=\"stMain\"], [data-testid=\"stMainBlockContainer\"]')]"
                           ".map(e => e.scrollHeight))")
    page.set_viewport_size({"width": WIDTH, "height": max(HEIGHT, min(int(height) + 40, 12_000))})
    page.wait_for_timeout(400)   # charts redraw at the new size
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})


def take(out: Path, languages: tuple[str, ...] = ("en", "fr"), tabs: bool = True, results: bool = True) -> list[Path]:
    """Every page in every language, every tab of the pages that have tabs and, with ``results``, the
    answers of the What-would-it-take page (break-even, tornado, match: they simulate, so they take a
    minute); returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with serve(out / "server.log") as base, chromium() as browser:
        for language in languages:
            context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, locale="fr-FR"
                                          if language == "fr" else "en-GB")
            page = context.new_page()
            page.set_default_timeout(SHORT_MS)
            open_app(page, base, language)
            for k, name in enumerate(PAGES, start=1):
                visit(page, name)
                path = out / f"{language}-{k}-{name}.png"
                whole_page(page, path)
                written.append(path)
                tab_list = page.locator('[data-testid="stMain"] [role="tab"]')
                if not tabs or not tab_list.count():
                    continue
                for t in range(tab_list.count()):
                    tab_list.nth(t).click()
                    settled(page)
                    answer = page.locator('[data-testid="stMain"] [data-testid="stBaseButton-primary"]:visible')
                    if results and name == "whatif" and answer.count():
                        answer.first.click()
                        page.wait_for_timeout(500)
                        settled(page, timeout=10 * LONG_MS)
                    elif t == 0:
                        continue   # the page as it opens is already taken
                    path = out / f"{language}-{k}-{name}-tab{t + 1}.png"
                    whole_page(page, path)
                    written.append(path)
                tab_list.nth(0).click()
                settled(page)
            context.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "screenshots", help="folder of the PNGs")
    parser.add_argument("--language", action="append", choices=list(LANGUAGE_NAMES),
                        help="only this language (repeat); both by default")
    parser.add_argument("--no-tabs", action="store_true", help="only the first tab of each page")
    parser.add_argument("--no-results", action="store_true",
                        help="do not run the break-even, tornado and match of the What-would-it-take page")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        sys.stderr.write(f"{CHROMIUM} not found: install Debian's chromium package\n")
        return 1
    start = time.perf_counter()
    written = take(args.out, tuple(args.language or LANGUAGE_NAMES), tabs=not args.no_tabs,
                   results=not args.no_results)
    sys.stdout.write("".join(f"{p}\n" for p in written))
    sys.stdout.write(f"{len(written)} screenshots in {args.out} ({time.perf_counter() - start:.0f} s)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
