"""The batch door: ``sourcing validate``, ``sourcing schema``, ``sourcing run``.

This module only parses options, calls the core and prints; every number comes from
``simulation`` and every rule from ``sourcing``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from . import __version__
from .errors import ScenarioError
from .files import dump_study, load_study
from .scenario import Study

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Make, outsource or buy the service? Simulate IT service scenarios and compare them.",
)
out = Console()
err = Console(stderr=True)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


class ResultsFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"


def _fail(message: str, code: int = 2) -> None:
    err.print(Text("error: ", style="bold red") + Text(message), highlight=False)
    raise typer.Exit(code)


def _load(path: Path) -> Study:
    try:
        return load_study(path)
    except ScenarioError as exc:
        _print_problems(exc)
        raise typer.Exit(2) from None


def _print_problems(exc: ScenarioError) -> None:
    for line in exc.describe().splitlines():
        err.print(Text("✗ ", style="red") + Text(line), highlight=False, soft_wrap=True)


@app.command()
def validate(files: Annotated[list[Path], typer.Argument(help="Scenario files to check.")]) -> None:
    """Check scenario files; print every problem with its file, line and field."""
    failed = 0
    for path in files:
        try:
            study = load_study(path)
        except ScenarioError as exc:
            failed += 1
            _print_problems(exc)
            continue
        names = ", ".join(s.name for s in study.scenarios)
        out.print(Text("✓ ", style="green") + Text(f"{path}: {len(study.services)} services, "
                                                     f"{len(study.teams)} teams, scenarios: {names}"),
                  highlight=False)
    if failed:
        raise typer.Exit(2)


@app.command()
def schema() -> None:
    """Print the JSON Schema of scenario files (for editor completion and checking)."""
    document = Study.model_json_schema(by_alias=True)
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    document["title"] = "Sourcing scenario file"
    out.print_json(json.dumps(document))


def _precision(value: str | None) -> float | None:
    if value is None:
        return None
    from .units import parse_fraction

    try:
        share = parse_fraction(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{exc} (e.g. --precision 1%)") from None
    if not 0 < share < 1:
        raise typer.BadParameter("give a share above 0 % and below 100 %, e.g. --precision 1%")
    return share


Replications = Annotated[int, typer.Option("--replications", "-n", min=2, help="Replications (at least 2).")]
Seed = Annotated[int, typer.Option(min=0, help="Seed of the run; same seed, same numbers.")]
Workers = Annotated[int, typer.Option(min=1, help="Local worker processes.")]
Precision = Annotated[str | None, typer.Option(
    help="Add replications until every scenario's economic-cost 95 % half-width is at most this share of its "
         "mean, e.g. 1%.")]
MaxReplications = Annotated[int, typer.Option(min=2, help="Ceiling on replications with --precision.")]
Format = Annotated[OutputFormat, typer.Option("--format", help="table or json on standard output.")]
Baseline = Annotated[str | None, typer.Option(help="Scenario the others are compared with (paired differences).")]


def _simulate(study: Study, label: str, replications: int, seed: int, workers: int, precision: float | None,
              maximum: int):
    from simulation.replications import run_study, run_to_precision

    with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task(f"{label}: simulating {len(study.scenarios)} scenario(s)", total=replications)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        if precision is None:
            return run_study(study, replications, seed=seed, workers=workers, progress=progress)
        return run_to_precision(study, precision, seed=seed, workers=workers, initial=replications,
                                maximum=maximum, progress=progress)


@app.command()
def run(
    file: Annotated[Path, typer.Argument(help="Scenario file (YAML).")],
    replications: Replications = 30,
    seed: Seed = 1,
    workers: Workers = 1,
    precision: Precision = None,
    max_replications: MaxReplications = 2000,
    baseline: Baseline = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Write results, resolved scenario and seed here.")] = None,
    output: Format = OutputFormat.table,
    results_format: Annotated[
        ResultsFormat, typer.Option(help="File format of tidy results in --out.")] = ResultsFormat.csv,
) -> None:
    """Simulate every scenario of FILE and print means with 95 % confidence intervals."""
    from simulation.compare import compare

    target = _precision(precision)
    study = _load(file)
    chosen = baseline or study.baseline_name
    if chosen not in [s.name for s in study.scenarios]:
        _fail(f"--baseline: '{chosen}' is not a scenario of {file} ({', '.join(s.name for s in study.scenarios)})")
    if out_dir is not None and out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        _fail(f"{out_dir}: already exists and is not empty; choose a new folder so no earlier run is overwritten")
    results = _simulate(study, file.name, replications, seed, workers, target, max_replications)
    decision = compare(results.rows, chosen)
    if out_dir is not None:
        _write(out_dir, file, study, results, results_format, workers)
    if output is OutputFormat.json:
        document = _json_summary(file, study, results)
        document["comparison"] = _json_comparison(decision)
        sys.stdout.write(json.dumps(document, indent=2, default=_jsonable) + "\n")
    else:
        _print_run(study.name, study.currency, results.replications, seed, results, decision)
        if out_dir is not None:
            out.print(f"results written to {out_dir}", highlight=False)


@app.command("compare")
def compare_files(
    files: Annotated[list[Path], typer.Argument(help="Scenario files; their scenarios are compared together.")],
    replications: Replications = 30,
    seed: Seed = 1,
    workers: Workers = 1,
    precision: Precision = None,
    max_replications: MaxReplications = 2000,
    baseline: Baseline = None,
    output: Format = OutputFormat.table,
) -> None:
    """Compare the scenarios of several files on the same seed.

    A service with the same name and definition in two files draws the same incidents in both
    (common random numbers), so paired differences across files are meaningful for it.
    """
    from simulation.compare import compare
    from simulation.statistics import summarize

    target = _precision(precision)
    studies = [(path, _load(path)) for path in files]
    names = [s.name for _, study in studies for s in study.scenarios]
    clash = {n for n in names if names.count(n) > 1}
    parts = []
    for path, study in studies:
        results = _simulate(study, path.name, replications, seed, workers, target, max_replications)
        rows = results.rows.copy()
        rows["scenario"] = [f"{path.stem}: {n}" if n in clash else n for n in rows["scenario"]]
        parts.append(rows)
    keep = min(part["replication"].nunique() for part in parts)
    rows = pd.concat([part[part["replication"] < keep] for part in parts], ignore_index=True)
    scenarios = list(dict.fromkeys(rows["scenario"]))
    chosen = baseline or scenarios[0]
    if chosen not in scenarios:
        _fail(f"--baseline: '{chosen}' is not one of the scenarios ({', '.join(scenarios)})")
    decision = compare(rows, chosen)
    summary = summarize(rows)
    if output is OutputFormat.json:
        document = {"files": [str(p) for p in files], "version": __version__, "seed": seed, "replications": keep,
                    "confidence": 0.95, "summary": summary.replace({float("nan"): None}).to_dict(orient="records"),
                    "comparison": _json_comparison(decision)}
        sys.stdout.write(json.dumps(document, indent=2, default=_jsonable) + "\n")
        return
    currency = studies[0][1].currency
    _print_sections(" vs ".join(p.name for p in files), f"{keep} replications, seed {seed}", currency,
                    decision, summary)


def _jsonable(value: object) -> object:
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def _json_summary(file: Path, study: Study, results) -> dict:
    summary = results.summary.replace({float("nan"): None})
    return {
        "file": str(file),
        "study": study.name,
        "version": __version__,
        "seed": results.seed,
        "replications": results.replications,
        "precision_target": results.target,
        "precision_reached": results.precision,
        "confidence": 0.95,
        "summary": summary.to_dict(orient="records"),
    }


def _json_comparison(decision) -> dict:
    def records(frame):
        return frame.replace({float("nan"): None}).to_dict(orient="records")

    return {"baseline": decision.baseline, "headline": records(decision.headline),
            "paired_differences": records(decision.differences), "frontier": decision.frontier,
            "risk_tail": records(decision.risk)}


def _print_run(name: str, currency: str, replications: int, seed: int, results, decision) -> None:
    note = f"{replications} replications, seed {seed}"
    if results.target is not None:
        reached = "reached" if results.precision <= results.target else "NOT reached (ceiling)"
        note += (f"; precision target {results.target:.1%} {reached}: worst economic-cost half-width "
                 f"{results.precision:.2%} of the mean")
    _print_sections(name, note, currency, decision, results.summary)


def _print_sections(name: str, note: str, currency: str, decision, summary) -> None:
    from simulation.report import decision_sections, sections

    out.print(Text(name, style="bold") + Text(f"  (mean ± 95 % CI half-width; {note})"), highlight=False)
    for title, table in decision_sections(decision) + sections(summary):
        rich_table = Table(title=Text(title), title_justify="left", title_style="bold")
        rich_table.add_column("")
        for column in table.columns:
            rich_table.add_column(Text(str(column)), justify="right")
        for metric, row in table.iterrows():
            rich_table.add_row(Text(metric), *[Text(c.text(currency) if hasattr(c, "text") else
                                                    ("" if pd.isna(c) else str(c))) for c in row])
        out.print(rich_table)


def _write(out_dir: Path, file: Path, study: Study, results, results_format: ResultsFormat, workers: int) -> None:
    """Write everything into a temporary folder first, then move it into place: nothing half-written."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".sourcing-", dir=out_dir.parent))
    try:
        rows = results.rows.copy()
        rows.insert(2, "seed", results.seed)
        if results_format is ResultsFormat.parquet:
            rows.to_parquet(staging / "results.parquet", index=False)
        else:
            rows.to_csv(staging / "results.csv", index=False)
        results.summary.to_csv(staging / "summary.csv", index=False)
        (staging / "scenario.yaml").write_text(dump_study(study), encoding="utf-8")
        source = file.read_bytes()
        run_info = {
            "version": __version__,
            "seed": results.seed,
            "replications": results.replications,
            "workers": workers,
            "source": str(file),
            "source_sha256": hashlib.sha256(source).hexdigest(),
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": " ".join(sys.argv),
        }
        (staging / "run.json").write_text(json.dumps(run_info, indent=2), encoding="utf-8")
        if out_dir.exists():
            out_dir.rmdir()
        os.replace(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    app()
