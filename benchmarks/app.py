"""The app's cold start, measured in Chromium: seconds from opening the Compare page to its first results
(a figure with its half-width in the main table), on a server just started, each in a browser just
launched, three rounds of:

1. ``app.py``, nothing kept: ``streamlit run app.py`` (no warm-up) with an empty disk cache, what a first
   visitor met before the warm-up: the page imports the app, simulates a first estimate on 5
   replications, shows it, then the other 15;
2. ``server.py``, first start: ``streamlit run server.py`` with an empty disk cache: the server simulates
   the bundled example at start, before it answers (its start-up time is printed);
3. ``server.py``, restart: the same on the disk cache the first start left;

then, on the last server, a second visitor (nothing left to import or simulate). Each round gives the
server a home folder of its own (Streamlit's disk cache is ``~/.streamlit/cache``), removed afterwards.
The number of replications the first results show is printed beside their time.

Then a price knob (``--part knob``): on a ``server.py`` already warm, in a browser just launched, each
round opens the Compare page, waits until it has finished, types a new monthly fee of the outsourcing
offer (a value not tried before, so nothing comes from a cache but the run) and measures the seconds from
the key press to the page redrawn: the main table's figure of the outsourced option changed, the script
finished and nothing left stale (every element of the page drawn again at the new price).

Run: ``python benchmarks/app.py [--rounds 3] [--part cold|knob|all]`` (Debian's ``/usr/bin/chromium`` and
the playwright package). Prints figures and the machine's load; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from webapp.screenshots import HEIGHT, LONG_MS, WIDTH, chromium, serve  # noqa: E402
from webapp.session import DEFAULT_REPLICATIONS  # noqa: E402

FIGURE = '[data-testid="stMain"] [data-testid="stTable"] td:has-text("±")'
"""A figure with its half-width in the Compare page's main table."""
NOTE = re.compile(r"^([\d,]+) replications, seed")
"""The caption under the verdict, which says how many replications the figures are on."""


class Visit(NamedTuple):
    first: float
    """Seconds from opening the page to its first results."""
    replications: int
    """Replications those first results are on."""
    complete: float
    """Seconds to the page with every replication (nothing running any more)."""


def visit(browser, base: str) -> Visit:
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, locale="en-GB")
    page = context.new_page()
    t0 = time.perf_counter()
    page.goto(base, wait_until="commit", timeout=LONG_MS)
    page.locator(FIGURE).first.wait_for(state="visible", timeout=LONG_MS)
    first = time.perf_counter() - t0
    note = page.get_by_text(NOTE).first.text_content(timeout=LONG_MS) or ""
    replications = int(NOTE.match(note).group(1).replace(",", ""))
    every = re.compile(rf"^{DEFAULT_REPLICATIONS} replications, seed")
    page.get_by_text(every).first.wait_for(state="visible", timeout=5 * LONG_MS)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stProgress\"]')", timeout=LONG_MS)
    complete = time.perf_counter() - t0
    context.close()
    return Visit(first, replications, complete)


def started(script: str, home: Path, log: Path):
    """The server, entered: (its context, base URL, seconds it took to answer)."""
    t0 = time.perf_counter()
    server = serve(log, ROOT, script=script, home=home)
    base = server.__enter__()
    return server, base, time.perf_counter() - t0


def round_(number: int, log: Path) -> dict[str, tuple[float, Visit]]:
    out: dict[str, tuple[float, Visit]] = {}
    with tempfile.TemporaryDirectory(prefix="app-bench-") as folder:
        for name, script, home in (("app.py, nothing kept", "app.py", Path(folder) / "empty"),
                                   ("server.py, first start", "server.py", Path(folder) / "kept"),
                                   ("server.py, restart", "server.py", Path(folder) / "kept")):
            home.mkdir(exist_ok=True)
            server, base, start = started(script, home, log)
            try:
                with chromium() as browser:
                    out[name] = (start, visit(browser, base))
                    if name == "server.py, restart":
                        out["second visitor"] = (0.0, visit(browser, base))
            finally:
                server.__exit__(None, None, None)
            print(f"round {number}, {name}: server answered after {start:.1f} s, first results "
                  f"{out[name][1].first:.1f} s ({out[name][1].replications} replications), every replication "
                  f"{out[name][1].complete:.1f} s; load {os.getloadavg()[0]:.1f}", flush=True)
    return out


KNOB = "Monthly fee — Messaging MSP (€)"
"""The price knob the benchmark turns: the outsourcing offer's monthly fee (3,500 € in the file)."""
KNOB_VALUES = (3100, 2700, 2300, 1900, 1500)
OPTION = "Outsourced, GTR 4h HO"
FIGURE_OF = """(option) => {
  const table = document.querySelector('[data-testid="stMain"] [data-testid="stTable"]');
  const row = table && [...table.querySelectorAll('tbody tr')].find(
    r => r.querySelector('th') && r.querySelector('th').textContent.trim() === option);
  const cell = row && row.querySelector('td');
  return cell ? cell.textContent : null;
}"""
"""The outsourced option's economic cost in the main table (its first figure), or null before it shows."""
REDRAWN = """([before, option]) => {
  const figure = (%s)(option);
  const app = document.querySelector('[data-testid="stApp"]');
  return figure !== null && figure !== before && app.getAttribute('data-test-script-state') === 'notRunning'
    && !document.querySelector('[data-testid="stMain"] [data-stale="true"]');
}""" % FIGURE_OF
"""The page redrawn at the new price: the figure changed, the script finished, nothing stale."""


CHANGED = """([before, option]) => { const figure = (%s)(option); return figure !== null && figure !== before; }""" % (
    FIGURE_OF)
"""The new figure in the main table (the rest of the page may still be coming)."""


class Knob(NamedTuple):
    figure: float
    """Seconds from the key press to the main table's new figure."""
    page: float
    """Seconds from the key press to the whole page redrawn."""
    before: str
    after: str


def knob_round(browser, base: str, value: int) -> Knob:
    """Seconds from typing ``value`` into the fee's input (Enter) to the main table's new figure and to the
    page redrawn; the figure before and after."""
    from webapp.screenshots import settled

    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, locale="en-GB")
    page = context.new_page()
    page.goto(base, wait_until="domcontentloaded", timeout=LONG_MS)
    page.wait_for_function(FIGURE_OF, arg=OPTION, timeout=LONG_MS)
    settled(page)
    before = page.evaluate(FIGURE_OF, OPTION)
    field = page.get_by_label(KNOB, exact=True)
    field.fill(str(value))
    t0 = time.perf_counter()
    field.press("Enter")
    page.wait_for_function(CHANGED, arg=[before, OPTION], timeout=LONG_MS, polling="raf")
    figure = time.perf_counter() - t0
    page.wait_for_function(REDRAWN, arg=[before, OPTION], timeout=LONG_MS, polling="raf")
    seconds = time.perf_counter() - t0
    after = page.evaluate(FIGURE_OF, OPTION)
    context.close()
    return Knob(figure, seconds, before or "", after or "")


def knobs(rounds: int, log: Path) -> list[Knob]:
    """The price knob's redraw, ``rounds`` times, on one warm server."""
    out = []
    with tempfile.TemporaryDirectory(prefix="app-bench-") as folder:
        server, base, start = started("server.py", Path(folder), log)
        try:
            for k in range(rounds):
                value = KNOB_VALUES[k % len(KNOB_VALUES)]
                with chromium() as browser:
                    found = knob_round(browser, base, value)
                out.append(found)
                print(f"round {k + 1}, price knob: fee {value:,} €, outsourced {found.before} -> {found.after} k€, "
                      f"new figure after {found.figure:.2f} s, page redrawn in {found.page:.2f} s; load "
                      f"{os.getloadavg()[0]:.1f}", flush=True)
        finally:
            server.__exit__(None, None, None)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--part", choices=("cold", "knob", "all"), default="all")
    args = parser.parse_args(argv)
    log = Path(tempfile.gettempdir()) / "app-bench-server.log"
    if args.part in ("knob", "all"):
        found = knobs(args.rounds, log)
        figures, pages = [k.figure for k in found], [k.page for k in found]
        print(f"\nPrice knob on the Compare page (e-mail for 1,000 users), {WIDTH} px, headless Chromium "
              f"(median; each round): new figure in the main table {statistics.median(figures):.2f} s "
              f"({', '.join(f'{v:.2f}' for v in figures)}), page redrawn {statistics.median(pages):.2f} s "
              f"({', '.join(f'{v:.2f}' for v in pages)}); {os.cpu_count()} cores\n")
        if args.part == "knob":
            return
    rounds = [round_(k, log) for k in range(1, args.rounds + 1)]
    print(f"\nCompare page of the bundled example (e-mail for 1,000 users), {WIDTH} px, headless Chromium, "
          f"{args.rounds} rounds (median, then each round); {os.cpu_count()} cores:")
    for name in rounds[0]:
        starts = [r[name][0] for r in rounds]
        firsts = [r[name][1].first for r in rounds]
        completes = [r[name][1].complete for r in rounds]
        shown = sorted({r[name][1].replications for r in rounds})
        print(f"  {name:24} server answers {statistics.median(starts):4.1f} s | first results "
              f"{statistics.median(firsts):4.1f} s ({', '.join(f'{v:.1f}' for v in firsts)}) on "
              f"{'/'.join(map(str, shown))} replications | all {DEFAULT_REPLICATIONS}: "
              f"{statistics.median(completes):4.1f} s")


if __name__ == "__main__":
    main()
