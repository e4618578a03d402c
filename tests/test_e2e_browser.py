"""End to end in a real browser: the Streamlit app, served on a free local port, driven by headless
Chromium through Playwright.

One walk through the Compare page, as a user would do it: the page opens with the bundled example
already simulated; another bundled example is chosen in the sidebar and the title and the figures
change; a broken YAML file is uploaded and the app explains what is wrong while the previous results
stay on screen. The time from navigation to the first results is printed (it goes into the release
notes) and a screenshot of the final page is saved in the test's temporary folder.

Debian's Chromium is used (``/usr/bin/chromium``); no browser is downloaded. Without it the test is
skipped, unless ``REQUIRE_BROWSER=1`` (as in CI), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"]
SERVER_START_SECONDS = 60
LONG_MS = 60_000          # a simulation on a slow CI machine
SHORT_MS = 20_000         # an interface reaction (menu, alert, cached rerun)

KPI = "Cost of ownership"
# A figure with its 95 % half-width as the app shows it, e.g. "1,228.3 k€ ± 6.4".
KPI_TEXT = re.compile(r"^-?\d[\d,]*(\.\d+)? ?[kMG]?€ ± \d[\d,]*(\.\d+)?$")

# A complete scenario file with a single fault: a negative number of changes per month.
BROKEN_YAML = """\
name: Broken upload
currency: EUR
calendar:
  start: 2027-01-01
  horizon: 2y
  windows:
    extended: Mon-Fri 07:00-20:00
services:
  email:
    users: 200
    outage_cost_per_hour: {business: 2000 EUR, off_hours: 200 EUR}
    incidents:
      per_user_per_month: 0.1
      priorities: {P1: 2%, P2: 8%, P3: 60%, P4: 30%}
    changes: {per_month: -2, planned_downtime: 30min, failure_rate: 5%}
    restore_targets: {P1: 4h, P2: 8h, P3: 2d, P4: 5d}
    infrastructure: {capex: 20000 EUR, depreciation_years: 4, opex_per_year: 3000 EUR}
teams:
  it:
    members:
      - {name: Alice, annual_cost: 74000 EUR, shift: HO}
      - {count: 2, role: technician, annual_cost: 40k EUR, shift: extended}
    repair_time:
      P1: {median: 1h, p90: 4h}
      P2: {median: 2h, p90: 8h}
      P3: {mean: 1h}
      P4: 30min
scenarios:
  - name: In-house
    default: {make: it}
"""
BROKEN_FIELD = "services.email.changes.per_month"
BROKEN_LINE = next(i for i, line in enumerate(BROKEN_YAML.splitlines(), 1) if "per_month: -2" in line)


# --------------------------------------------------------------------------------------------------
# Fixtures: the browser must exist, the server runs for the whole module, one browser for the module.


@pytest.fixture(scope="module")
def chromium() -> Path:
    """Debian's Chromium, or a skip (a failure when REQUIRE_BROWSER=1)."""
    required = os.environ.get("REQUIRE_BROWSER") == "1"
    missing = None
    if not CHROMIUM.exists():
        missing = f"{CHROMIUM} not found (install Debian's chromium package: apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "the playwright Python package is not installed (pip install -e '.[test]')"
    if missing:
        if required:
            pytest.fail(f"REQUIRE_BROWSER=1 but {missing}", pytrace=False)
        pytest.skip(f"browser test skipped: {missing}")
    return CHROMIUM


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return answer.status == 200 and answer.read().decode().strip() == "ok"
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def _stop(process: subprocess.Popen) -> None:
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


@pytest.fixture(scope="module")
def server(chromium, tmp_path_factory) -> str:
    """``streamlit run app.py`` on a free local port; yields its base URL, stops it at the end."""
    log_path = tmp_path_factory.mktemp("streamlit") / "server.log"
    process = None
    base = ""
    for _attempt in range(3):   # a free port can be taken between the probe and the server's bind
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        logged_before = log_path.stat().st_size if log_path.exists() else 0
        log = open(log_path, "ab")  # closed once the server has stopped
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py",
             "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,   # its own process group, so the teardown reaches every child
        )
        deadline = time.monotonic() + SERVER_START_SECONDS
        while time.monotonic() < deadline and process.poll() is None and not _healthy(f"{base}/_stcore/health"):
            time.sleep(0.25)
        if process.poll() is None and _healthy(f"{base}/_stcore/health"):
            break
        exited = process.poll()
        _stop(process)
        log.close()
        output = log_path.read_bytes()[logged_before:].decode(errors="replace")
        if exited is not None and re.search(r"Port \d+ is not available|already in use", output):
            continue
        why = f"exited with code {exited}" if exited is not None else \
            f"did not answer 'ok' on {base}/_stcore/health within {SERVER_START_SECONDS} s"
        pytest.fail(f"the Streamlit server {why}; its output:\n{output}", pytrace=False)
    else:
        pytest.fail(f"no free port for the Streamlit server; its output:\n{log_path.read_text(errors='replace')}",
                    pytrace=False)
    try:
        yield base
    finally:
        _stop(process)
        log.close()
        assert process.poll() is not None, "the Streamlit server is still running after the test"


@pytest.fixture(scope="module")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, server):
    # Wide and tall enough for the sidebar to stay open and the results table to fit in the screenshot.
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(SHORT_MS)
    try:
        yield page
    finally:
        context.close()


# --------------------------------------------------------------------------------------------------
# Reading the page.


def _study(example: str) -> dict:
    """Name and scenario names of a bundled example, from its file (what the page must show)."""
    data = yaml.safe_load((ROOT / "scenarios" / f"{example}.yaml").read_text(encoding="utf-8"))
    return {"name": data["name"], "scenarios": [s["name"] for s in data["scenarios"]]}


def _kpi_grid(page):
    """The "Per scenario" table: the data grid whose column headers include the KPI.

    ``st.dataframe`` draws its cells on a canvas (glide-data-grid); the grid keeps an accessible
    ``<table role="grid">`` inside the canvas with the same text, with ``aria-colindex`` on header and
    body cells. Playwright's role engine does not see into the canvas, so CSS selectors are used.
    """
    header = page.locator('th[role="columnheader"]', has_text=re.compile(rf"^{re.escape(KPI)}$"))
    return page.locator('[data-testid="stMain"] [data-testid="stDataFrame"] table[role="grid"]').filter(has=header)


def _first_row(page):
    """Locators of the first row's scenario name and KPI cell in the "Per scenario" table."""
    grid = _kpi_grid(page)
    grid.wait_for(state="attached", timeout=LONG_MS)
    column = grid.locator('th[role="columnheader"]', has_text=re.compile(rf"^{re.escape(KPI)}$")).get_attribute(
        "aria-colindex")
    row = grid.locator('tbody tr[role="row"]').first
    return row.locator('td[aria-colindex="1"]'), row.locator(f'td[aria-colindex="{column}"]')


def _settled(page) -> None:
    """Wait until the rerun is over: no element of the main area is left over (stale) from before."""
    from playwright.sync_api import expect

    expect(page.locator('[data-testid="stMain"] [data-stale="true"]')).to_have_count(0, timeout=LONG_MS)


def _read_kpi(page) -> tuple[str, str]:
    """(scenario, KPI text) of the first row of the "Per scenario" table, as shown."""
    name, value = _first_row(page)
    return name.text_content().strip(), value.text_content().strip()


def _choose_example(page, example: str) -> None:
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_role("combobox", name="Bundled example").click()
    page.get_by_role("option", name=example, exact=True).click()


# --------------------------------------------------------------------------------------------------


@pytest.mark.timeout(240)
def test_compare_page_in_a_browser(page, server, tmp_path):
    from playwright.sync_api import expect

    email, small = _study("email-1000"), _study("small-firm")
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    title = page.locator('[data-testid="stMain"] h1').first

    # 1. The page opens with the default example simulated; time to the first results.
    start = time.perf_counter()
    page.goto(server + "/", wait_until="domcontentloaded", timeout=LONG_MS)
    expect(page.get_by_role("heading", name="Per scenario")).to_be_visible(timeout=LONG_MS)
    name_cell, kpi_cell = _first_row(page)
    expect(kpi_cell).to_have_text(KPI_TEXT, timeout=LONG_MS)
    first_results = time.perf_counter() - start
    print(f"\n[e2e] time from navigation to first results (cold server, email-1000): {first_results:.1f} s")

    _settled(page)
    expect(title).to_have_text(email["name"])
    scenario, email_kpi = _read_kpi(page)
    assert scenario == email["scenarios"][0]
    assert KPI_TEXT.match(email_kpi), email_kpi
    assert float(email_kpi.split()[0].replace(",", "")) > 0
    print(f"[e2e] {email['name']}: {KPI} of {scenario!r} = {email_kpi}")

    # 2. Another bundled example: the title and the figures change.
    _choose_example(page, "small-firm")
    expect(title).to_have_text(small["name"], timeout=LONG_MS)
    name_cell, kpi_cell = _first_row(page)
    # The title is drawn before the table is redrawn: wait for the table itself to show the new study.
    expect(name_cell).to_have_text(small["scenarios"][0], timeout=LONG_MS)
    expect(kpi_cell).not_to_have_text(email_kpi, timeout=LONG_MS)
    _settled(page)
    scenario, small_kpi = _read_kpi(page)
    assert scenario == small["scenarios"][0]
    assert KPI_TEXT.match(small_kpi), small_kpi
    assert small_kpi != email_kpi
    print(f"[e2e] {small['name']}: {KPI} of {scenario!r} = {small_kpi}")

    # 3. A broken upload: the problem is explained, the previous results stay.
    broken = tmp_path / "broken-scenario.yaml"
    broken.write_text(BROKEN_YAML, encoding="utf-8")
    page.locator('[data-testid="stSidebar"] [data-testid="stRadioOption"]', has_text="Upload a YAML file").click()
    upload = page.locator('[data-testid="stSidebar"] [data-testid="stFileUploader"] input[type="file"]')
    upload.wait_for(state="attached")
    upload.set_input_files(broken)

    error = page.locator('[data-testid="stMain"] [data-testid="stAlertContentError"]')
    expect(error).to_be_visible(timeout=LONG_MS)
    expect(error).to_contain_text("This scenario file cannot be used:")
    expect(error).to_contain_text(BROKEN_FIELD)
    expect(error).to_contain_text(f"(line {BROKEN_LINE})")
    expect(error).to_contain_text("greater than or equal to 0")
    warning = page.locator('[data-testid="stMain"] [data-testid="stAlertContentWarning"]')
    expect(warning).to_have_text("The previous scenario is still shown.")
    _settled(page)
    expect(title).to_have_text(small["name"])
    assert _read_kpi(page) == (small["scenarios"][0], small_kpi)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    assert not page_errors, f"JavaScript errors in the page: {page_errors}"

    error.scroll_into_view_if_needed()
    shot = tmp_path / "compare-after-broken-upload.png"
    page.screenshot(path=shot)
    assert shot.is_file() and shot.stat().st_size > 0
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    print(f"[e2e] screenshot: {shot}")
