"""Batch studies into a run store: validated before anything runs, resumable after kill -9 with the same
rows as an uninterrupted run, identical on local processes and a Dask LocalCluster."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from cli.main import app
from simulation.store import SCHEMA, Store, StoreError
from sourcing.batch import load_batch
from sourcing.errors import ScenarioError

ROOT = Path(__file__).parents[1]
EMAIL = (ROOT / "scenarios" / "email-1000.yaml").as_posix()
ORDER = "SELECT * FROM results ORDER BY study, scenario, replication, scope, subject, metric, priority, period"


def write_batch(folder: Path, replications: int = 6, extra: str = "") -> Path:
    path = folder / "batch.yaml"
    path.write_text(f"""\
name: Two team sizes, two fees
seed: 7
replications: {replications}
studies:
  - file: {EMAIL}
grid:
  teams.two-admins.members[0].count: [2, 3]
  providers.msp-4h-ho.fees.monthly: [3000 EUR, 4000 EUR]
variants:
  - {{name: fast growth, set: {{services.email.incidents.growth_per_year: 10%}}}}
{extra}""", encoding="utf-8")
    return path


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"a traceback would reach the user: {result.exception!r}") from result.exception
    return result.exit_code, result.output


def test_a_batch_expands_its_grid_list_and_sample(tmp_path: Path) -> None:
    path = write_batch(tmp_path, extra="""sample:
  n: 3
  seed: 1
  ranges: {services.email.outage_cost_per_hour.business: [5000 EUR, 10000 EUR]}
""")
    batch, planned = load_batch(path)
    assert [p.variant for p in planned][:5] == ["count=2, monthly=3000 EUR", "count=2, monthly=4000 EUR",
                                                "count=3, monthly=3000 EUR", "count=3, monthly=4000 EUR",
                                                "fast growth"]
    costs = [p.study.services["email"].outage_cost_per_hour.business for p in planned[5:]]
    assert len(costs) == 3 and all(5000 <= c <= 10000 for c in costs)
    assert len({p.key for p in planned}) == 8
    assert planned[2].study.teams["two-admins"].size == 3


def test_a_bad_batch_is_refused_before_anything_runs_with_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(f"""\
name: Bad
studies:
  - file: {EMAIL}
  - file: missing.yaml
grid:
  providers.msp.fees.monthly: [3000 EUR]
variants:
  - {{name: impossible, set: {{services.email.users: -5}}}}
""", encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_batch(path)
    message = str(caught.value)
    assert "missing.yaml: (top level): file not found" in message
    assert "'msp' is not under providers" in message and "variant 'impossible'" in message
    code, output = invoke("batch", str(path), "--store", str(tmp_path / "s.duckdb"))
    assert code == 2 and not (tmp_path / "s.duckdb").exists()


def small_batch(folder: Path, replications: int) -> Path:
    """Two studies: the team of two or three, no other variant."""
    text = write_batch(folder, replications=replications).read_text(encoding="utf-8").split("variants:")[0]
    path = folder / "small.yaml"
    path.write_text(text.replace("  providers.msp-4h-ho.fees.monthly: [3000 EUR, 4000 EUR]\n", ""), encoding="utf-8")
    return path


def test_local_processes_and_a_dask_local_cluster_give_identical_rows(tmp_path: Path) -> None:
    path = small_batch(tmp_path, replications=4)
    assert invoke("batch", str(path), "--store", str(tmp_path / "local.duckdb"), "--workers", "2")[0] == 0
    code, output = invoke("batch", str(path), "--store", str(tmp_path / "dask.duckdb"), "--scheduler", "local:2")
    assert code == 0, output
    local = duckdb.connect(str(tmp_path / "local.duckdb"), read_only=True).execute(ORDER).df()
    dask = duckdb.connect(str(tmp_path / "dask.duckdb"), read_only=True).execute(ORDER).df()
    assert len(local) > 5_000  # two studies x four replications x three options, every metric
    pd.testing.assert_frame_equal(local, dask)


def test_a_batch_killed_part_way_and_resumed_gives_the_rows_of_an_uninterrupted_run(tmp_path: Path) -> None:
    path = write_batch(tmp_path, replications=6)
    assert invoke("batch", str(path), "--store", str(tmp_path / "whole.duckdb"))[0] == 0
    killed = tmp_path / "killed.duckdb"
    process = subprocess.Popen([sys.executable, "-m", "cli", "batch", str(path), "--store", str(killed),
                                "--workers", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for line in process.stderr:  # the log of a run left alone: one line per finished task
        if "in all)" in line and int(line.rsplit("(", 1)[1].split()[0]) >= 4:
            break
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    with duckdb.connect(str(killed), read_only=True) as db:
        stored = db.execute("SELECT count(*) FROM done").fetchone()[0]
    assert 0 < stored < 5 * 6, stored
    assert invoke("batch", str(path), "--store", str(killed))[0] == 2  # refuses without --resume
    code, output = invoke("batch", str(path), "--store", str(killed), "--resume")
    assert code == 0, output
    whole = duckdb.connect(str(tmp_path / "whole.duckdb"), read_only=True).execute(ORDER).df()
    again = duckdb.connect(str(killed), read_only=True).execute(ORDER).df()
    pd.testing.assert_frame_equal(whole, again)


def test_a_file_that_is_not_a_run_store_is_refused_with_a_message(tmp_path: Path) -> None:
    foreign = tmp_path / "other.duckdb"
    with duckdb.connect(str(foreign)) as db:
        db.execute("CREATE TABLE sales (x INTEGER)")
    with pytest.raises(StoreError, match="not a run store"):
        Store(foreign)
    older = tmp_path / "older.duckdb"
    with duckdb.connect(str(older)) as db:
        db.execute("CREATE TABLE meta (key VARCHAR, value VARCHAR)")
        db.execute("INSERT INTO meta VALUES ('schema', 'sourcing-store/0')")
    with pytest.raises(StoreError, match="another version"):
        Store(older)
    text = tmp_path / "notes.duckdb"
    text.write_text("not a database", encoding="utf-8")
    code, output = invoke("export", str(text), "--out", str(tmp_path / "x"))
    assert code == 2 and "not a run store" in output and SCHEMA not in output


def test_report_from_a_store_matches_a_fresh_run_and_the_app_browses_it(tmp_path: Path) -> None:
    """The report reads the store (nothing simulated again): each study's recommendation and margin equal
    those of the same scenario run afresh on the same seed; the workbook has a sheet across variants and
    one per study; the HTML page embeds plotly once; the app's store page shows the same table."""
    import openpyxl
    from streamlit.testing.v1 import AppTest

    from simulation.replications import run_study
    from simulation.verdict import verdict
    from sourcing.files import parse_yaml, study_from_data

    store = tmp_path / "s.duckdb"
    assert invoke("batch", str(small_batch(tmp_path, replications=3)), "--store", str(store))[0] == 0
    code, output = invoke("report", str(store), "--format", "json")
    assert code == 0, output
    import json

    reported = json.loads(output)["studies"]
    assert len(reported) == 2 and {r["recommended"] for r in reported} <= {"In-house", "Outsourced, GTR 4h HO",
                                                                            "SaaS 99.9%"}
    with duckdb.connect(str(store), read_only=True) as db:
        variant, text, seed = db.execute("SELECT variant, scenario_yaml, seed FROM studies ORDER BY position "
                                         "LIMIT 1").fetchone()
    study = study_from_data(*parse_yaml(text, "stored"))
    fresh = verdict(run_study(study, 3, seed=seed), study, seed=seed)
    first = next(r for r in reported if r["variant"] == variant)
    assert first["recommended"] == fresh.recommended and first["runner_up"] == fresh.runner_up
    if fresh.difference is not None:
        assert first["margin"] == pytest.approx(fresh.difference[0], rel=1e-9)

    assert invoke("report", str(store), "--out", str(tmp_path / "r.xlsx"))[0] == 0
    book = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert book.sheetnames[0] == "Across variants" and len(book.sheetnames) == 1 + 2 + 1
    assert invoke("report", str(store), "--out", str(tmp_path / "r.html"), "--lang", "fr")[0] == 0
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert page.count("DecompressionStream(") == 1 and "Quelle option l" in page and "Recommandé" in page
    code, output = invoke("report", str(store), "--out", str(tmp_path / "r.html"))
    assert code == 2 and "already exists" in output

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    at.switch_page("webapp/pages/store.py").run()
    assert not at.exception, at.exception
    at.radio(key="store_source").set_value("path").run()
    at.text_input[0].input(str(store)).run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    shown = at.table[0].value
    assert len(shown) == 2 and list(shown["Recommended"]) == [r["recommended"] for r in reported]
    # The studies by their variant's parameters in words, never a path of the file or of the machine.
    studies = at.selectbox(key="store_study").options
    assert len(studies) == 2 and not any("/" in s or "." in s.split(":")[0] or "_" in s for s in studies), studies
    at.text_input[0].input(str(tmp_path / "missing.duckdb")).run()
    assert at.error and "missing.duckdb" in at.error[0].value


def test_the_bundled_batch_validates_with_its_48_variants() -> None:
    batch, planned = load_batch(ROOT / "scenarios" / "batches" / "email-prices.yaml")
    assert len(planned) == 48 and len({p.key for p in planned}) == 48
    code, output = invoke("validate", str(ROOT / "scenarios" / "batches" / "email-prices.yaml"))
    assert code == 0 and "batch of 48 studies" in output


def test_a_precision_batch_stops_where_a_precision_run_stops(tmp_path: Path) -> None:
    """A study with a precision target takes, in the store, exactly the replications that 'run --precision'
    takes on its own (the same rounds, decided on the same replications)."""
    from simulation.replications import run_to_precision
    from sourcing.files import parse_yaml, study_from_data

    path = tmp_path / "precise.yaml"
    path.write_text(f"""\
name: To ten per cent
seed: 5
replications: 4
precision: 10%
max_replications: 200
studies:
  - file: {EMAIL}
grid:
  calendar.horizon: [1y]
""", encoding="utf-8")
    store = tmp_path / "p.duckdb"
    assert invoke("batch", str(path), "--store", str(store), "--workers", "2")[0] == 0
    with duckdb.connect(str(store), read_only=True) as db:
        text = db.execute("SELECT scenario_yaml FROM studies").fetchone()[0]
        stored = db.execute("SELECT count(*) FROM done").fetchone()[0]
    alone = run_to_precision(study_from_data(*parse_yaml(text, "stored")), 0.10, seed=5, initial=4, maximum=200)
    assert stored == alone.replications > 4


@pytest.fixture(scope="module")
def targets_store(tmp_path_factory) -> Path:
    """Six studies of example (b) over a year: two SaaS prices x three availability targets, plain means
    (no control variates, as the README's SQL computes them). At 99.7 % the cheap in-house team misses
    the target; at 99.9 % every option misses it."""
    folder = tmp_path_factory.mktemp("targets")
    path = folder / "targets.yaml"
    path.write_text(f"""\
name: E-mail over a year - SaaS price against the availability target
seed: 3
replications: 4
variance_reduction: false
studies:
  - file: {EMAIL}
grid:
  calendar.horizon: [1y]
  saas.mail-cloud.price_per_user_month: [6 EUR, 26 EUR]
  services.email.availability_target: [99%, 99.7%, 99.9%]
""", encoding="utf-8")
    store = folder / "runs" / "targets.duckdb"   # the store's folder is created
    code, output = invoke("batch", str(path), "--store", str(store))
    assert code == 0, output
    return store


def test_the_readme_batch_block_is_the_bundled_file() -> None:
    """The README showed 'variants:' and 'sample:' sections the bundled batch does not have."""
    from test_examples import readme_blocks

    bundled = (ROOT / "scenarios" / "batches" / "email-prices.yaml").read_text(encoding="utf-8")
    shown = [b for b in readme_blocks("yaml") if "name: E-mail - SaaS price" in b]
    assert shown == [bundled]


def test_the_readmes_sql_recommends_what_the_report_recommends(targets_store: Path) -> None:
    """The README's 'cheapest per variant' ignored the availability targets the report applies: its query
    now gives, study by study, the option the report recommends (the targets change the answer here)."""
    import json

    from test_examples import readme_blocks

    query = next(q for block in readme_blocks("sql") for q in block.split("\n\n")
                 if "-- The recommended option per study" in q)
    with duckdb.connect(str(targets_store), read_only=True) as db:
        chosen = db.execute(query).df()
        cheapest = db.execute("SELECT s.variant, arg_min(c.scenario, c.cost) AS cheapest FROM (SELECT study, "
                              "scenario, avg(value) AS cost FROM results WHERE scope = 'scenario' AND metric = "
                              "'economic_cost' AND period = 'all' GROUP BY ALL) c JOIN studies s USING (study) "
                              "GROUP BY s.variant").df()
    code, output = invoke("report", str(targets_store), "--format", "json")
    assert code == 0, output
    reported = {r["variant"]: r["recommended"] for r in json.loads(output)["studies"]}
    assert len(reported) == 6 and dict(zip(chosen["variant"], chosen["recommended"])) == reported
    ignoring = dict(zip(cheapest["variant"], cheapest["cheapest"]))
    assert any(ignoring[v] != r for v, r in reported.items()), "the targets should matter in this batch"


def test_the_terminal_report_shows_the_map_its_marks_and_each_studys_verdict(targets_store: Path) -> None:
    """The terminal report had only the table across variants; it now shows what the README says and the HTML
    page shows: the map of the recommended option ('?' where the margin is not settled), the table, then
    every study's verdict and figures; the workbook has the map too."""
    import json
    import re

    import openpyxl

    result = CliRunner().invoke(app, ["report", str(targets_store)], terminal_width=250)
    assert result.exit_code == 0, result.output
    text = result.stdout
    studies = json.loads(invoke("report", str(targets_store), "--format", "json")[1])["studies"]
    # the parameters and their values in words, as the reader writes them (no path, no '6 EUR')
    assert ("Rows: SaaS price per user and month (Cloud mail (Exchange Online-type)); columns: Monthly "
            "availability target (E-mail)") in text
    assert "saas.mail-cloud" not in text and "services.email" not in text
    grid = [line for line in text.split("Recommended option", 1)[1].splitlines() if line.startswith("│")][:2]
    assert [line.split("│")[1].strip() for line in grid] == ["6 €", "26 €"]
    for row in studies:
        cell = row["recommended"] + (" ?" if row["settled"] is False else "")
        price = f"{int(row['saas.mail-cloud.price_per_user_month'].split()[0])} €"
        line = next(g for g in grid if g.split("│")[1].strip() == price)
        column = 2 + ["99%", "99.7%", "99.9%"].index(row["services.email.availability_target"])
        assert line.split("│")[column].strip() == cell
    # each study's verdict: a recommendation, or (targets of 99.7 % and 99.9 %) that no option meets them
    assert text.count("Recommended: ") + text.count("No option meets every monthly") == 6
    assert text.count("Verdict") == 6
    assert len(re.findall(r"│ In-house +│ .* k€ ± ", text)) == 6
    french = CliRunner().invoke(app, ["report", str(targets_store), "--lang", "fr"], terminal_width=250).stdout
    assert "Lignes : Prix SaaS par utilisateur et par mois" in french and "saas.mail-cloud" not in french
    assert french.count("Recommandée : ") + french.count("Aucune option ne tient tous les objectifs mensuels") == 6
    target = targets_store.parent / "report.xlsx"
    assert invoke("report", str(targets_store), "--out", str(target))[0] == 0
    book = openpyxl.load_workbook(target)
    assert book.sheetnames[:2] == ["Across variants", "Which option wins where"]
    cells = list(book["Which option wins where"].iter_rows(values_only=True))
    # paths and values in words in the workbook a person reads (the JSON above keeps the identifiers)
    assert cells[2][0].startswith("SaaS price per user and month") and len(cells) == 5
    assert cells[2][1:] == ("99.00 %", "99.70 %", "99.90 %"), cells[2]


def test_a_margin_whose_interval_contains_zero_is_marked_on_the_map(targets_store: Path) -> None:
    """The '?' of the maps never showed when every study had a runner-up (a column of numpy booleans:
    numpy's False is not Python's False)."""
    import dataclasses

    from reports.store import studies, winner_maps
    from simulation.store import Store

    with Store(targets_store, read_only=True) as opened:
        found = [item for item in studies(opened) if item.verdict.difference is not None]   # all with a runner-up

    def marks() -> list[str]:
        return [str(cell) for figure in winner_maps(found) for row in figure.data[0].text for cell in row
                if str(cell).endswith(" ?")]

    assert len(found) == 4
    unsettled = [item.verdict.recommended + " ?" for item in found if item.verdict.difference[1] <= 0]
    assert sorted(marks()) == sorted(unsettled)   # four replications: some margins are not established
    k = next(i for i, item in enumerate(found) if item.verdict.difference[1] > 0)
    mean = found[k].verdict.difference[0]
    found[k] = found[k]._replace(verdict=dataclasses.replace(found[k].verdict, difference=(mean, -mean, 3 * mean)))
    assert sorted(marks()) == sorted([*unsettled, f"{found[k].verdict.recommended} ?"])


CODE = (re.compile(r"\b[a-z_]+(\.[a-z_\-\[\]0-9]+){2,}"),   # a dotted path of the scenario file
        re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b"),              # a snake_case identifier
        re.compile(r"\d+[.,]\d{4,}"))                           # a raw float


def _code_in(text: str) -> list[str]:
    return [m.group(0) for pattern in CODE for m in pattern.finditer(text)]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_store_reports_a_person_reads_hold_no_path_identifier_or_raw_float(targets_store: Path,
                                                                               lang: str) -> None:
    """Issue 21: the workbook and the page of ``sourcing report`` showed dotted paths
    (``saas.mail-cloud.price_per_user_month``), snake_case headers (``economic_cost: In-house``), raw floats
    and the batch file's absolute path. Every visible cell and text is now in words; amounts are numbers with
    a number format; only the machine-readable output (``--format json``) keeps the identifiers."""
    import html as html_text

    import openpyxl

    folder = targets_store.parent
    book_path, page_path = folder / f"words-{lang}.xlsx", folder / f"words-{lang}.html"
    for target in (book_path, page_path):
        code, output = invoke("report", str(targets_store), "--out", str(target), "--lang", lang)
        assert code == 0, output
    book = openpyxl.load_workbook(book_path)
    found = []
    for sheet in book.worksheets:
        found += [(sheet.title, c) for c in _code_in(sheet.title)]
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    found += [(sheet.title, cell.coordinate, c) for c in _code_in(cell.value)]
                    assert str(folder) not in cell.value, (sheet.title, cell.coordinate, cell.value)
                elif isinstance(cell.value, float) and cell.value != round(cell.value, 3):
                    # a long float is fine only with a number format that rounds it on screen
                    assert cell.number_format != "General", (sheet.title, cell.coordinate, cell.value)
    assert not found, found
    across = list(book.worksheets[0].iter_rows(max_row=2, values_only=True))
    assert any(h and h.startswith(("SaaS price per user", "Prix SaaS par utilisateur")) for h in across[0])
    costs = [c for c in book.worksheets[0][2] if isinstance(c.value, float)]
    assert costs and all(c.number_format.endswith('k€"') for c in costs)

    page = page_path.read_text(encoding="utf-8")
    page = re.sub(r"<script.*?</script>|<style.*?</style>", "", page, flags=re.S)
    text = html_text.unescape(re.sub(r"<[^>]+>", " ", page))
    assert not _code_in(text), _code_in(text)
    assert str(folder) not in text and ("Objectif de disponibilité" in text if lang == "fr"
                                        else "availability target" in text)
    # the machine-readable output keeps the identifiers
    rows = json.loads(invoke("report", str(targets_store), "--format", "json")[1])["studies"]
    assert "saas.mail-cloud.price_per_user_month" in rows[0] and "economic_cost: In-house" in rows[0]
