"""The batch door: run writes a complete, reproducible record; json output matches the table's numbers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from sourcing.cli import app
from sourcing.files import load_study

EXAMPLE = Path(__file__).parents[1] / "scenarios" / "email-1000.yaml"
runner = CliRunner()


def test_run_writes_results_scenario_seed_and_version(tmp_path):
    out = tmp_path / "run1"
    result = runner.invoke(app, ["run", str(EXAMPLE), "-n", "3", "--seed", "7", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {"results.csv", "summary.csv", "scenario.yaml", "run.json",
                                               "controls.csv", "control_means.json"}
    rows = pd.read_csv(out / "results.csv")
    assert list(rows.columns) == ["scenario", "replication", "seed", "scope", "subject", "metric", "priority",
                                  "period", "value"]
    assert set(rows["replication"]) == {0, 1, 2} and set(rows["seed"]) == {7}
    info = json.loads((out / "run.json").read_text())
    assert info["seed"] == 7 and info["replications"] == 3 and info["version"]
    assert load_study(out / "scenario.yaml") == load_study(EXAMPLE)
    assert "Cost of ownership" in result.output and "±" in result.output
    # Nothing but the run folder was created beside it.
    assert [p.name for p in tmp_path.iterdir()] == ["run1"]


def test_run_refuses_to_overwrite_an_earlier_run(tmp_path):
    out = tmp_path / "run1"
    out.mkdir()
    (out / "keep.txt").write_text("earlier")
    result = runner.invoke(app, ["run", str(EXAMPLE), "-n", "2", "--out", str(out)])
    assert result.exit_code == 2
    assert "already exists" in result.output
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_parquet_results(tmp_path):
    out = tmp_path / "p"
    result = runner.invoke(app, ["run", str(EXAMPLE), "-n", "2", "--out", str(out), "--results-format", "parquet"])
    assert result.exit_code == 0, result.output
    assert len(pd.read_parquet(out / "results.parquet")) > 0


def test_json_summary_carries_means_and_intervals(tmp_path):
    result = runner.invoke(app, ["run", str(EXAMPLE), "-n", "4", "--seed", "3", "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["seed"] == 3 and document["replications"] == 4
    rows = {(r["scenario"], r["metric"], r["period"]): r for r in document["summary"]
            if r["scope"] == "scenario"}
    row = rows[("In-house", "cost_of_ownership", "all")]
    assert row["n"] == 4 and row["ci_low"] < row["mean"] < row["ci_high"]


def test_same_seed_same_summary_from_the_command_line():
    a = runner.invoke(app, ["run", str(EXAMPLE), "-n", "2", "--seed", "5", "--format", "json"])
    b = runner.invoke(app, ["run", str(EXAMPLE), "-n", "2", "--seed", "5", "--format", "json", "--workers", "2"])
    assert json.loads(a.stdout)["summary"] == json.loads(b.stdout)["summary"]


def test_schema_and_validate():
    schema = runner.invoke(app, ["schema"])
    assert schema.exit_code == 0 and json.loads(schema.stdout)["title"] == "Sourcing scenario file"
    ok = runner.invoke(app, ["validate", str(EXAMPLE)])
    assert ok.exit_code == 0 and "✓" in ok.output


def test_piped_tables_keep_every_digit_csv_is_tidy_and_compare_warns_on_different_services():
    """Redirected to a file, a table is not cut to 80 columns (no '1,30…'); --format csv gives the summary
    as tidy rows; compare says, before pairing, which services the files do not share."""
    import subprocess
    import sys

    other = EXAMPLE.parent / "small-firm.yaml"
    done = subprocess.run([sys.executable, "-m", "sourcing.cli", "compare", str(EXAMPLE), str(other),
                           "--replications", "3"], capture_output=True, text=True, env={"COLUMNS": "60",
                                                                                       "PATH": "/usr/bin"})
    assert done.returncode == 0, done.stderr
    assert "…" not in done.stdout
    # The row whose first cell is the figure, whatever rule characters rich draws the table with.
    costs = next(line for line in done.stdout.splitlines() if re.sub(r"^\W+", "", line).startswith("Cost of ownership"))
    scenarios = [s.name for f in (EXAMPLE, other) for s in load_study(f).scenarios]
    assert costs.count("k€ ±") == len(scenarios)
    assert "service 'erp' is in small-firm but not in email-1000" in done.stderr
    assert "not paired on the same incidents" in done.stderr

    result = runner.invoke(app, ["run", str(EXAMPLE), "-n", "3", "--format", "csv"])
    assert result.exit_code == 0, result.output
    import io

    table = pd.read_csv(io.StringIO(result.stdout))
    assert {"scenario", "metric", "mean", "ci_low", "ci_high", "p5", "p95"} <= set(table.columns)
    assert set(table["scenario"]) == {s.name for s in load_study(EXAMPLE).scenarios}


def test_tables_speak_the_readers_language():
    result = runner.invoke(app, ["run", str(EXAMPLE), "-n", "3", "--set", "calendar.horizon=1y", "--lang", "fr"])
    assert result.exit_code == 0, result.output
    assert "Coût de possession" in result.stdout and "réplications, graine 1" in result.stdout
    assert "Cost of ownership" not in result.stdout and "k€ ± " in result.stdout
    english = runner.invoke(app, ["run", str(EXAMPLE), "-n", "3", "--set", "calendar.horizon=1y"])
    assert "Cost of ownership" in english.stdout and "replications, seed 1" in english.stdout
