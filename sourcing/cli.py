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


@app.command()
def run(
    file: Annotated[Path, typer.Argument(help="Scenario file (YAML).")],
    replications: Annotated[int, typer.Option("--replications", "-n", min=1, help="Replications.")] = 30,
    seed: Annotated[int, typer.Option(min=0, help="Seed of the run; same seed, same numbers.")] = 1,
    workers: Annotated[int, typer.Option(min=1, help="Local worker processes.")] = 1,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Write results, resolved scenario and seed here.")] = None,
    output: Annotated[
        OutputFormat, typer.Option("--format", help="table or json on standard output.")] = OutputFormat.table,
    results_format: Annotated[
        ResultsFormat, typer.Option(help="File format of tidy results in --out.")] = ResultsFormat.csv,
) -> None:
    """Simulate every scenario of FILE and print means with 95 % confidence intervals."""
    from simulation.replications import run_study

    study = _load(file)
    if out_dir is not None and out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        _fail(f"{out_dir}: already exists and is not empty; choose a new folder so no earlier run is overwritten")
    with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task(f"simulating {len(study.scenarios)} scenario(s)", total=replications)
        results = run_study(study, replications, seed=seed, workers=workers,
                            progress=lambda done, total: bar.update(task, completed=done))
    if out_dir is not None:
        _write(out_dir, file, study, results, results_format, workers)
    if output is OutputFormat.json:
        sys.stdout.write(json.dumps(_json_summary(file, study, results), indent=2, default=_jsonable) + "\n")
    else:
        _print_tables(study, results)
        if out_dir is not None:
            out.print(f"results written to {out_dir}", highlight=False)


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
        "confidence": 0.95,
        "summary": summary.to_dict(orient="records"),
    }


def _print_tables(study: Study, results) -> None:
    from simulation.report import sections

    note = f"mean ± 95 % CI half-width, {results.replications} replications, seed {results.seed}"
    out.print(Text(study.name, style="bold") + Text(f"  ({note})"), highlight=False)
    for title, table in sections(results.summary):
        rich_table = Table(title=Text(title), title_justify="left", title_style="bold")
        rich_table.add_column("")
        for column in table.columns:
            rich_table.add_column(Text(str(column)), justify="right")
        for metric, row in table.iterrows():
            rich_table.add_row(Text(metric), *[Text("" if not hasattr(c, "text") else c.text(study.currency))
                                               for c in row])
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
