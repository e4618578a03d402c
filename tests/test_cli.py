"""The batch door: run writes a complete, reproducible record; json output matches the table's numbers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from cli.main import app
from sourcing.files import load_study

EXAMPLE = Path(__file__).parents[1] / "scenarios" / "email-1000.yaml"
runner = CliRunner()


def test_run_writes_results_scenario_seed_and_version(tmp_path):
    out = tmp_path / "run1"
    result = runner.invoke(app, ["run", str(EXAMPLE), "-n", "3", "--seed", "7", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {"results.csv", "summary.csv", "scenario.yaml", "run.json",
                                               "controls.csv", "control_means.json", "ledger.npz"}
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
    done = subprocess.run([sys.executable, "-m", "cli", "compare", str(EXAMPLE), str(other),
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


def test_help_text_carries_no_markup():
    """Every command's --help reads as plain text: no reST or markdown markup (``--set``, **bold**, :func:)."""
    import re

    import typer

    group = typer.main.get_command(app)

    def commands(command, path):
        yield path
        for name, sub in getattr(command, "commands", {}).items():
            yield from commands(sub, [*path, name])

    for path in commands(group, []):
        shown = runner.invoke(app, [*path, "--help"], terminal_width=200)
        assert shown.exit_code == 0, (path, shown.output)
        assert not re.search(r"``|\*\*|:(func|class|mod|data):|`[^`]+`", shown.output), (path, shown.output)


def test_schema_describes_the_overtime_premium_as_a_premium_on_the_hourly_rate(tmp_path):
    schema = json.loads(runner.invoke(app, ["schema"]).stdout)
    described = schema["$defs"]["Team"]["properties"]["overtime_premium"]["description"]
    assert "hourly rate" in described and "yearly" not in described
    text = EXAMPLE.read_text(encoding="utf-8")
    bad = tmp_path / "premium.yaml"
    bad.write_text(text.replace("teams:\n  two-admins:\n", "teams:\n  two-admins:\n    overtime_premium: lots\n"),
                   encoding="utf-8")
    refused = runner.invoke(app, ["validate", str(bad)])
    assert refused.exit_code == 2 and "overtime_premium" in refused.output
    assert "premium" in refused.output.split("overtime_premium", 1)[1] and "yearly" not in refused.output


def test_out_folders_and_files_take_the_users_umask(tmp_path):
    """A run folder is created as mkdir would create it (the umask decides), not owner-only."""
    import os
    import stat

    previous = os.umask(0o022)
    try:
        result = runner.invoke(app, ["run", str(EXAMPLE), "-n", "2", "--out", str(tmp_path / "shared" / "run")])
    finally:
        os.umask(previous)
    assert result.exit_code == 0, result.output
    folder = tmp_path / "shared" / "run"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755
    assert {stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()} == {0o644}
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]


def test_money_beyond_any_budget_is_refused_at_every_door_of_the_command_line():
    """A salary of 1e300 EUR (written out in full) once ran and ended in a decimal traceback while printing."""
    huge = "1" + "0" * 300 + " EUR"
    result = runner.invoke(app, ["run", str(EXAMPLE), "-n", "2", "--set",
                                 f"teams.two-admins.members[0].annual_cost={huge}"])
    assert result.exit_code == 2 and not isinstance(result.exception, Exception)   # SystemExit is not one
    assert "teams.two-admins.members[0].annual_cost" in result.output and "Traceback" not in result.output
    low = runner.invoke(app, ["breakeven", str(EXAMPLE), "--between", "In-house", "SaaS 99.9%", "--vary",
                              "saas.mail-cloud.price_per_user_month", "--low", huge, "-n", "2"])
    assert low.exit_code == 2 and "--low" in low.output and "Traceback" not in low.output


def test_compare_says_each_files_own_horizon():
    """Totals of files over 5 and 4 years were all labelled 'over 5 years': each option now carries its own
    file's horizon, the rows none, and a sentence says the horizons differ."""
    erp = EXAMPLE.parent / "erp-hybrid.yaml"   # 4 years; email-1000 runs over 5
    result = runner.invoke(app, ["compare", str(EXAMPLE), str(erp), "-n", "2"], terminal_width=400)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    rows = [line.split("│")[1] for line in lines if line.startswith("│")]
    assert rows and not any(" over " in row for row in rows)
    headers = [line for line in lines if line.startswith("┃") and "Hybrid + P1 escalation" in line]
    assert headers and all("Hybrid + P1 escalation (over 4 years)" in h and "In-house (over 5 years)" in h
                           for h in headers if "In-house (" in h)
    assert "email-1000 over 5 years, erp-hybrid over 4 years" in result.stdout
    alone = runner.invoke(app, ["compare", str(erp), "-n", "2", "--lang", "fr"], terminal_width=400)
    assert "Coût de possession sur 4 ans" in alone.stdout and "sur 5 ans" not in alone.stdout


def test_validate_counts_in_the_singular_and_the_plural(tmp_path):
    """'1 services, 1 teams' once: the summary of a valid file counts as each language does."""
    names = ", ".join(s.name for s in load_study(EXAMPLE).scenarios)
    english = runner.invoke(app, ["validate", str(EXAMPLE)], terminal_width=300)
    assert english.exit_code == 0 and f"1 service, 1 team, 3 scenarios: {names}" in english.stdout
    french = runner.invoke(app, ["validate", str(EXAMPLE), "--lang", "fr"], terminal_width=300)
    assert french.exit_code == 0 and f"1 service, 1 équipe, 3 scénarios : {names}" in french.stdout
    batch = runner.invoke(app, ["validate", str(EXAMPLE.parent / "batches" / "email-prices.yaml")],
                          terminal_width=300)
    assert batch.exit_code == 0 and "(1 base file x 48 variants)" in batch.stdout
