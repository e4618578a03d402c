"""End to end in a real browser: the Streamlit app, served on a free local port, driven by headless
Chromium through Playwright, at 1,400 px wide.

1. One walk through the Compare page, as a user would do it: the page opens with the bundled example
   already simulated on every replication (the server, ``server.py``, did it before answering), the
   verdict first; another bundled example is chosen in the sidebar and the title
   and the figures change; a broken YAML file is uploaded and the app explains what is wrong while the
   previous results stay on screen. The time from navigation to the first results is printed (it goes
   into the release notes) and a screenshot of the final page is saved in the test's temporary folder.
2. Every page in French, every tab and expander opened: no English label is on screen, outside what the
   user wrote (the scenario and offers files' names, descriptions and values) and the file's own notation
   (paths such as ``services.email.users``). English is recognised from the catalogue (every English text
   that differs from its French one), from words code could write without the catalogue, and from numbers
   written the English way. Every page is held to it (``NOT_YET`` names any page that is not).
3. No column of the Compare page's main table is hidden behind horizontal scrolling at 1,400 px, in
   French (the longer labels), for three and for five options.
4. The HTML report, opened from its file without a network, draws its charts (plotly.js is embedded once,
   compressed, and unpacked by the browser).

The tests share one server, one browser and, for the French ones, one tab (``xdist_group``: they run
on the same worker, in this order, and the later ones reuse the simulations the first one ran). Debian's
Chromium is used
(``/usr/bin/chromium``); no browser is downloaded. Without it the tests are skipped, unless
``REQUIRE_BROWSER=1`` (as in CI), where a missing browser is a failure.

No test here has a time limit of its own, which a busy machine could reach: each wait for the server or
the browser is bounded by Playwright's (``LONG_MS`` for a simulation, ``SHORT_MS`` for a reaction), and
the suite's hang guard (pyproject.toml) stops anything else that hangs.
"""

from __future__ import annotations

import os
import re
import string
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from sourcing.words import CATALOGUE
from webapp.screenshots import (
    CHROMIUM,
    HEIGHT,
    LONG_MS,
    PAGES,
    SHORT_MS,
    WIDTH,
    ServerError,
    open_app,
    serve,
    settled,
    visit,
)
from webapp.session import DEFAULT_REPLICATIONS

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.xdist_group("browser")

MAIN_HEADING = {"en": "Per scenario", "fr": "Par scénario"}
QUICK = 3
"""Replications of the pages checked for their words and layout: the figures do not matter there, the time does."""
KPI = "Cost of ownership over 5 years (k€)"
# A figure with its 95 % half-width as the main table shows it (unit in the header), e.g. "1,228.3 ± 6.4".
KPI_TEXT = re.compile(r"^-?\d[\d,]*(\.\d+)? ± \d[\d,]*(\.\d+)?$")

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


@pytest.fixture(scope="module")
def server(chromium, tmp_path_factory) -> str:
    """``streamlit run app.py`` on a free local port; yields its base URL, stops it at the end."""
    try:
        with serve(tmp_path_factory.mktemp("streamlit") / "server.log", ROOT) as base:
            yield base
    except ServerError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="module")
def browser(chromium):
    from webapp.screenshots import chromium as launch

    with launch() as browser:
        yield browser


def _context(browser, lang: str = "en"):
    # Wide and tall enough for the sidebar to stay open and the results table to fit in the screenshot.
    return browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, locale="fr-FR" if lang == "fr"
                               else "en-GB")


@contextmanager
def _tab(browser, lang: str = "en"):
    """A tab in a context of its own, closed afterwards."""
    context = _context(browser, lang)
    page = context.new_page()
    page.set_default_timeout(SHORT_MS)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def page(browser, server):
    with _tab(browser) as tab:
        yield tab


@pytest.fixture(scope="module")
def french_page(browser, server):
    """One French tab for the French tests: opening the app in a new tab costs Chromium about twice the
    CPU of opening it again in the same one (its scripts are compiled once)."""
    with _tab(browser, "fr") as tab:
        yield tab


# --------------------------------------------------------------------------------------------------
# Reading the page.


def _study(example: str) -> dict:
    """Name and scenario names of a bundled example, from its file (what the page must show)."""
    data = yaml.safe_load((ROOT / "scenarios" / f"{example}.yaml").read_text(encoding="utf-8"))
    return {"name": data["name"], "scenarios": [s["name"] for s in data["scenarios"]]}


def _main_table(page, lang: str = "en"):
    """The main table of the Compare page: the first table of the page, under the heading "Per scenario"."""
    heading = page.locator('[data-testid="stMain"] h2, [data-testid="stMain"] h3',
                           has_text=re.compile(rf"^{re.escape(MAIN_HEADING[lang])}$"))
    heading.wait_for(state="visible", timeout=LONG_MS)
    return page.locator('[data-testid="stMain"] [data-testid="stTable"] table').first


def _first_row(page):
    """Locators of the first row's option name and KPI cell in the main table."""
    table = _main_table(page)
    table.wait_for(state="attached", timeout=LONG_MS)
    headers = [h.strip() for h in table.locator("thead th").all_text_contents()]
    column = headers.index(KPI)
    row = table.locator("tbody tr").first
    return row.locator("th").first, row.locator("th, td").nth(column)


def _read_kpi(page) -> tuple[str, str]:
    """(scenario, KPI text) of the first row of the main table, as shown."""
    name, value = _first_row(page)
    return name.text_content().strip(), value.text_content().strip()


def _choose_example(page, example: str) -> None:
    """Chooses a bundled example by the title the sidebar shows (its study's name, not its file's)."""
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_role("combobox", name="Bundled example").click()
    page.get_by_role("option", name=_study(example)["name"], exact=True).click()


# --------------------------------------------------------------------------------------------------
# 1. The Compare page, as a user walks through it.


def test_compare_page_in_a_browser(page, server, tmp_path):
    from playwright.sync_api import expect

    email, small = _study("email-1000"), _study("small-firm")
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    title = page.locator('[data-testid="stMain"] h1').first

    # 1. The page opens with the default example simulated, the verdict first; time to the first results.
    start = time.perf_counter()
    page.goto(server + "/", wait_until="domcontentloaded", timeout=LONG_MS)
    expect(page.get_by_role("heading", name="Per scenario")).to_be_visible(timeout=LONG_MS)
    name_cell, kpi_cell = _first_row(page)
    expect(kpi_cell).to_have_text(KPI_TEXT, timeout=LONG_MS)
    first_results = time.perf_counter() - start
    print(f"\n[e2e] time from navigation to first results (cold server, email-1000): {first_results:.1f} s")
    # Not a first estimate: the server simulated (or read from its disk cache) every replication at start.
    expect(page.get_by_text(re.compile(rf"^{DEFAULT_REPLICATIONS} replications, seed 1;"))).to_be_visible()
    expect(page.locator('[data-testid="stMain"] [data-testid="stProgress"]')).to_have_count(0)

    settled(page)
    expect(title).to_have_text(email["name"])
    headings = page.locator('[data-testid="stMain"] h2, [data-testid="stMain"] h3').all_text_contents()
    assert headings[0].strip() == "Verdict", headings
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
    settled(page)
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
    expect(error).to_contain_text("must be 0 or more")
    warning = page.locator('[data-testid="stMain"] [data-testid="stAlertContentWarning"]')
    expect(warning).to_have_text("The previous scenario is still shown.")
    settled(page)
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


# --------------------------------------------------------------------------------------------------
# 2. Every page in French: no English on screen.

CODE_WORDS = ("never", "up to", "down to", "winner", "yes", "no", "n/a", "None", "nan", "NaN", "true", "false",
              "mean", "median", "target", "low", "high", "per year", "over the", "Cost", "Team", "Contract",
              "Weighted sum", "closeness", "Score:", "hours", "replications", "seed", "Effective", "Fixed fees",
              "Uncovered", "breaches", "Frontier", "Baseline", "Figure", "Difference", "Chance", "Months")
"""Words code could write without the catalogue (the old pages did): each one alone on screen is English."""
ENGLISH_NUMBER = re.compile(r"(?<![\d,.])(\d{1,3}(,\d{3})+\.\d+|\d+\.\d+ ?(k€|%|h\b))")
"""A number written the English way (1,228.3 k€, 99.23 %): French writes 1 228,3 k€ and 99,23 %."""
CHECKBOXES = {"true", "false"}
NOT_YET: dict[str, str] = {}
"""Pages whose core-made tables are not in the catalogue yet: visited, their English printed, not failed."""
"""What a data grid's checkbox cells hold for screen readers (the canvas draws a box): not text on screen."""


def english_texts() -> tuple[set[str], set[str]]:
    """The English of the catalogue that differs from its French: (phrases of two words or more, single words).

    A text with placeholders gives its fixed parts ("{a} and {b} are equal at" gives "are equal at")."""
    phrases, single = set(), set()
    for entry in CATALOGUE.values():
        if entry["en"] == entry["fr"]:
            continue
        for literal, *_ in string.Formatter().parse(entry["en"]):
            part = " ".join(literal.replace("**", "").split()).strip(" .,;:()'\"[]-–—·")
            if len(part.split()) >= 2 and len(part) >= 8:
                phrases.add(part)
            elif re.fullmatch(r"[A-Za-z][a-z]{3,}", part) and part.lower() not in {w.lower() for w in FRENCH_TOO}:
                single.add(part)
    return phrases, single


FRENCH_TOO = {"Option", "Service", "Services", "Transition", "Infrastructure", "Source", "Description",
              "Incidents", "Score", "Verdict", "Total", "Note", "File", "Horizon"}
"""English single words that are also French: alone on screen, they say nothing about the language."""


NAMED = {"services", "teams", "providers", "saas", "offers", "windows", "criteria"}
"""Sections whose keys are names the user chose (a service, a team, an offer, a window); other keys are the
file's own words (``fees``, ``monthly``), which must not hide the same English words on screen."""


def user_strings() -> list[str]:
    """Everything the bundled files' authors wrote (names, descriptions, roles, values, the names they chose
    as keys): the page may show it as written. Longest first, so that a name is removed before the words
    inside it."""
    found: set[str] = set()

    def walk(node, named: bool = False) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if named:
                    found.add(str(key))
                walk(value, str(key) in NAMED)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str):
            found.add(node)

    for path in (ROOT / "scenarios").glob("*.yaml"):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return sorted((s for s in found if len(s) > 2), key=len, reverse=True)


def visible_text(page) -> list[str]:
    """What is on screen as separate pieces: each line of the main area and of the sidebar, each text of
    a chart, each cell of a data grid (its accessible copy of the canvas). The scenario file itself (the
    editor's text area and the YAML it shows) is the user's text, left out."""
    return page.evaluate("""() => {
        const lines = [];
        const file = new Set();
        // Material icons are drawn from their names (a ligature): "keyboard_arrow_down" is a glyph, not text.
        const icons = new Set([...document.querySelectorAll('[data-testid="stIconMaterial"]')]
            .map(i => i.textContent.trim()));
        for (const own of document.querySelectorAll('[data-testid="stMain"] textarea, [data-testid="stCode"]')) {
            (own.value || own.innerText).split('\\n').forEach(l => file.add(l.trim()));
        }
        for (const area of document.querySelectorAll('[data-testid="stMain"], [data-testid="stSidebar"]')) {
            lines.push(...area.innerText.split('\\n').filter(l => !file.has(l.trim())));
        }
        for (const text of document.querySelectorAll('[data-testid="stMain"] svg text')) {
            const rows = [...text.querySelectorAll('tspan')];   // a label on two lines: two lines of text
            lines.push(...(rows.length ? rows.map(r => r.textContent) : [text.textContent]));
        }
        for (const cell of document.querySelectorAll(
                '[data-testid="stMain"] [role="gridcell"], [data-testid="stMain"] [role="columnheader"]')) {
            lines.push(cell.textContent);
        }
        return lines.map(l => l.trim()).filter(l => l && !icons.has(l));
    }""")


def english_on_screen(pieces: list[str], known: list[str], phrases: set[str], single: set[str]) -> set[str]:
    """The English among the pieces of text, once what the user wrote and the file's notation are removed."""
    found = set()
    words = [w for w in CODE_WORDS if " " not in w]
    for piece in pieces:
        if piece in CHECKBOXES:
            continue
        # The file's notation: paths such as calendar.windows.early.hours and identifiers such as per_month;
        # folders of the repository (scenarios/...) and command lines (sourcing offers template ...).
        text = re.sub(r"[A-Za-z_][\w-]*(\[\d+\])?(\.[A-Za-z_*][\w\[\]*-]*)+|\b\w+_\w+\b|\b[\w.-]+/[\w./-]*"
                      r"|\bsourcing(?: [a-z]+)+", " ", piece)
        for own in known:
            if own in text:
                text = re.sub(rf"(?<![\w-]){re.escape(own)}(?![\w-])", " ", text)
        flat = " ".join(text.split())
        found |= {f"number {m.group(0)!r}" for m in ENGLISH_NUMBER.finditer(flat)}
        found |= {p for p in phrases if p in flat}
        found |= {w for w in single if re.search(rf"(?<![\w'’-]){w}(?![\w'’-])", flat)}
        found |= {w for w in words if re.search(rf"(?<![\w'’-]){re.escape(w)}(?![\w'’-])", flat)}
        found |= {p for p in CODE_WORDS if " " in p and p.lower() in flat.lower()}
    return found


def everything_shown(page, wide: list[str] | None = None) -> list[str]:
    """Open every closed expander, then show every tab in turn; the text of each state (and, given a list
    ``wide``, the tables too wide for their container in each state, added to it)."""
    closed = page.locator('[data-testid="stMain"] [data-testid="stExpander"] details:not([open]) > summary')
    for _ in range(20):   # the list shrinks as each one opens
        if not closed.count():
            break
        closed.first.click()
        page.wait_for_timeout(150)
    pieces = visible_text(page)
    if wide is not None:
        wide += wide_tables(page)
    tabs = page.locator('[data-testid="stMain"] [role="tab"]')
    for k in range(tabs.count()):
        tabs.nth(k).click()
        page.wait_for_timeout(300)   # the panel (and its charts) are drawn on the client, or by a rerun
        settled(page)
        pieces += visible_text(page)
        if wide is not None:
            wide += wide_tables(page)
    return pieces


CODE_PATTERNS = {
    "dotted path": re.compile(r"(?<![\w./-])[A-Za-z_][\w-]*(\[\d+\])?(\.[A-Za-z_][\w-]*(\[\d+\])?)+"
                              r"(?![\w/-])"),
    "identifier": re.compile(r"(?<![\w.-])[A-Za-z][A-Za-z0-9]*(_[A-Za-z0-9]+)+(?![\w-])"),
    "raw float": re.compile(r"\d[.,]\d{4,}"),
    "absolute path": re.compile(r"(?:^|(?<=[\s(\"'«:=]))(?:/[\w.-]+){2,}|\b[A-Za-z]:\\\w"),
}
"""Code on screen: a dotted path (``providers.msp-4h-ho.fees.monthly``), a snake_case identifier
(``cost_of_ownership``), a raw float (``0.9923``, more than 3 decimals) or an absolute path (``/work/runs``)."""
FILE_NAME = re.compile(r"\.(ya?ml|csv|xlsx|html|duckdb|json|toml|md|png|zip|parquet|py)$", re.IGNORECASE)
"""A file's name (``email-1000.yaml``, ``runs.duckdb``) is what the user downloads or chooses: not a dotted path."""


def code_on_screen(pieces: list[str]) -> set[str]:
    """The code among the pieces of text: each match with its kind (``dotted path 'fees.monthly'``)."""
    found = set()
    for piece in pieces:
        for kind, pattern in CODE_PATTERNS.items():
            for match in pattern.finditer(piece):
                text = match.group(0)
                if kind == "dotted path" and (FILE_NAME.search(text) or re.fullmatch(r"[A-Za-z]\.[A-Za-z]\.?", text)):
                    continue   # a file's name, an abbreviation (e.g., i.e.)
                found.add(f"{kind} {text!r}")
    return found


def wide_tables(page) -> list[str]:
    """Tables wider than their container (a horizontal scroll bar, a header or a cell beyond the visible
    right edge, a header's text cut) and a main area wider than the window: each with its first header."""
    return page.evaluate("""() => {
        const found = [];
        const main = document.querySelector('[data-testid="stMain"]');
        const block = document.querySelector('[data-testid="stMainBlockContainer"]') || main;
        if (block.scrollWidth > block.clientWidth + 1) found.push(`page ${block.scrollWidth} > ${block.clientWidth}`);
        const visible = (e) => e.offsetParent !== null && e.getBoundingClientRect().width > 0;
        for (const table of main.querySelectorAll('[data-testid="stTable"] table, [data-testid="stMarkdown"] table')) {
            if (!visible(table)) continue;
            const name = (table.querySelector('th') || table).textContent.trim().slice(0, 40);
            let box = table.parentElement;
            while (box && box !== main && !['auto', 'scroll', 'hidden'].includes(getComputedStyle(box).overflowX)) {
                box = box.parentElement;
            }
            const right = Math.min(box.getBoundingClientRect().right, main.getBoundingClientRect().right);
            if (box.scrollWidth > box.clientWidth + 1) found.push(`table '${name}' ${box.scrollWidth} > ${box.clientWidth}`);
            for (const cell of table.querySelectorAll('th, td')) {
                if (cell.getBoundingClientRect().right > right + 1) {
                    found.push(`table '${name}': '${cell.textContent.trim().slice(0, 30)}' beyond the edge`);
                    break;
                }
            }
        }
        for (const grid of main.querySelectorAll('[data-testid="stDataFrame"]')) {
            if (!visible(grid)) continue;
            const name = ((grid.querySelector('[role="columnheader"]') || grid).textContent || '').trim().slice(0, 40);
            const frame = grid.getBoundingClientRect();
            if (frame.right > main.getBoundingClientRect().right + 1) found.push(`grid '${name}' beyond the page`);
            const scroller = grid.querySelector('.dvn-scroller');
            if (scroller && scroller.scrollWidth > scroller.clientWidth + 2) {
                found.push(`grid '${name}' ${scroller.scrollWidth} > ${scroller.clientWidth}`);
            }
        }
        return found;
    }""")


def bundled_english() -> set[str]:
    """The bundled examples' texts that have a French version: a French page must not show them."""
    found: set[str] = set()
    for path in (ROOT / "scenarios").glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        found |= {text for text, french in (data.get("translations") or {}).get("fr", {}).items() if text != french}
    return found


def test_every_page_shows_no_code_and_every_table_fits(browser, server):
    """Every page, every tab and expander open, in English and in French at 1,400 px: no dotted path,
    identifier, raw float or absolute path on screen; no table wider than its container."""
    problems: dict[str, set[str]] = {}
    for lang in ("en", "fr"):
        with _tab(browser, lang) as page:
            open_app(page, server, lang, replications=QUICK)
            for name in PAGES:
                visit(page, name)
                wide: list[str] = []
                found = code_on_screen(everything_shown(page, wide)) | set(wide)
                if found:
                    problems[f"{lang} {name}"] = found
    count = sum(len(v) for v in problems.values())
    print(f"\n[e2e] code on screen or tables too wide: {count}")
    for where, found in problems.items():
        print(f"[e2e] {where}: {sorted(found)}")
    assert not problems, f"code on screen or tables too wide: {problems}"
    # The detector is not blind.
    assert code_on_screen(["providers.msp-4h-ho.fees.monthly", "cost_of_ownership (mean)", "1226686.9457",
                           "0,9923", "dans /work/runs/email.duckdb", "teams.two-admins.members[0].count"]) == {
        "dotted path 'providers.msp-4h-ho.fees.monthly'", "identifier 'cost_of_ownership'", "raw float '6.9457'",
        "raw float '0,9923'", "absolute path '/work/runs/email.duckdb'",
        "dotted path 'teams.two-admins.members[0].count'"}
    assert not code_on_screen(["email-1000.yaml", "1 228,3 k€", "99,227 %", "0,35 point", "k€/an", "e.g. this",
                               "3 500 €/mois", "P1/P2/P3", "scenarios/email-1000.yaml", "1,228.3 ± 6.4"])


def test_every_page_in_french_shows_no_english(french_page, server):
    phrases, single = english_texts()
    assert "Cost of ownership" in phrases and "never" in single | set(CODE_WORDS), "the detector knows English"
    known = user_strings()
    bundled = bundled_english()
    page = french_page
    open_app(page, server, "fr", replications=QUICK)
    english: dict[str, set[str]] = {}
    for name in PAGES:
        visit(page, name)
        pieces = everything_shown(page)
        assert pieces, name
        found = english_on_screen(pieces, known, phrases, single)
        found |= {f"example {text!r}" for text in bundled for piece in pieces
                  if re.search(rf"(?<![\w-]){re.escape(text)}(?![\w-])", piece)}
        for word in sorted(found):   # where each one is, for whoever reads the failure
            bare = re.sub(r"^(example|number) '(.*)'$", r"\2", word)
            print(f"[e2e] {name}: {word} in {next((p for p in pieces if bare in p), '')[:120]!r}")
        if name in NOT_YET:
            print(f"\n[e2e] {name}: {len(found)} English words or numbers left ({NOT_YET[name]})")
        elif found:
            english[name] = found
        assert not page.locator('[data-testid="stException"]').count(), name
    assert not english, f"English on French pages: {english}"
    # The detector is not blind: the same check finds the English of an English page.
    assert english_on_screen(["Cost of ownership over 5 years", "never", "1,228.3 ± 6.4", "99.23 %"], known, phrases,
                             single) >= {"Cost of ownership", "never", "number '1,228.3'", "number '99.23 %'"}


# --------------------------------------------------------------------------------------------------
# 3. The main table fits at 1,400 px.


def hidden_columns(table) -> list[str]:
    """Headers of the main table's columns that lie beyond the visible width of its scroll container."""
    return table.evaluate("""(table) => {
        let box = table.parentElement;
        while (box && box !== document.body && !['auto', 'scroll'].includes(getComputedStyle(box).overflowX)) {
            box = box.parentElement;
        }
        const visible = box.getBoundingClientRect();
        const hidden = [...table.querySelectorAll('thead th')]
            .filter(th => th.getBoundingClientRect().right > visible.right + 1)
            .map(th => th.textContent.trim());
        if (box.scrollWidth > box.clientWidth + 1) hidden.push(`scroll ${box.scrollWidth} > ${box.clientWidth}`);
        return hidden;
    }""")


def test_no_main_table_column_is_hidden_at_1400_px(french_page, server):
    page = french_page
    for example, options in (("email-1000", 3), ("small-firm", 5)):
        open_app(page, server, "fr", replications=QUICK, example=example)
        table = _main_table(page, "fr")
        assert table.locator("tbody tr").count() == options
        assert table.locator("thead th").count() >= 6
        assert page.viewport_size["width"] == 1400
        assert not hidden_columns(table), (example, hidden_columns(table))


# --------------------------------------------------------------------------------------------------
# 4. The HTML report draws its charts without a network.


def test_the_html_report_draws_its_charts_offline(browser, tmp_path):
    from reports.exports import run_report
    from simulation.compare import compare
    from simulation.replications import run_study
    from sourcing.files import load_study
    from webapp import charts

    study = load_study(ROOT / "scenarios" / "email-1000.yaml")
    results = run_study(study, replications=3, seed=1)
    decision = compare(results.rows, study.baseline_name)
    figures = [charts.cost_breakdown(results.summary, lang="fr", years=5),
               charts.exceedance(results.rows, lang="fr", years=5)]
    path = tmp_path / "report.html"
    path.write_text(run_report(study, decision, results.summary, figures, 1, 3, "fr"), encoding="utf-8")
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, offline=True)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(path.as_uri())
        page.wait_for_function("document.querySelectorAll('div.chart .main-svg').length >= 2", timeout=LONG_MS)
        titles = page.locator("div.chart .gtitle").all_text_contents()
        assert "Décomposition des coûts sur 5 ans" in titles, titles
        assert not errors, errors
    finally:
        context.close()
