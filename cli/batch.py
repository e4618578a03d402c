"""``sourcing batch``, ``sourcing export`` and ``sourcing report``: many studies into a run store, its tables
out, and which option wins where."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from sourcing.errors import ScenarioError

from .console import err, out
from .documents import OutputFormat, emit
from .folder import write_file
from .interrupt import interruptible
from .loading import check_language, open_executor
from .options import Format, Language, Workers
from .output import fail, print_problems, print_store


def batch(
    file: Annotated[Path, typer.Argument(help="Batch file (YAML): base scenario files and their variants.")],
    store: Annotated[Path, typer.Option(help="Run store (a DuckDB file, created if new).")] = Path("runs.duckdb"),
    workers: Workers = 1,
    scheduler: Annotated[str | None, typer.Option(
        help="A Dask scheduler (tcp://HOST:8786), or local:N for a local cluster of N processes.")] = None,
    resume: Annotated[bool, typer.Option(help="Finish the studies of this batch already in the store.")] = False,
) -> None:
    """Run every study and variant of a batch file into a run store, resumable after any interruption."""
    from simulation.batch import run_batch
    from simulation.store import Store, StoreError
    from sourcing.batch import load_batch
    from sourcing.words import count

    try:
        spec, planned = load_batch(file)
    except ScenarioError as exc:
        print_problems(exc)
        raise typer.Exit(2) from None
    executor = open_executor(workers, scheduler)
    try:
        try:
            store.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            fail(f"{store}: cannot create its folder ({exc.strerror or exc}); nothing was run")
        try:
            with Store(store) as opened:
                total = sum(p.replications for p in planned)
                with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                              TimeElapsedColumn(), console=err, transient=True, disable=not err.is_terminal) as bar:
                    overall = bar.add_task(f"{spec.name}: {count(len(planned), 'count.studies')}", total=total)
                    per_study = {p.key: bar.add_task(f"  {p.file} / {p.variant}"[:60], total=p.replications)
                                 for p in planned[:20]}
                    counts = {p.key: 0 for p in planned}

                    names = {p.key: f"{p.file} / {p.variant}" for p in planned}

                    def progress(key: str, done: int, target: int) -> None:
                        counts[key] = done
                        bar.update(overall, completed=sum(counts.values()))
                        if key in per_study:
                            bar.update(per_study[key], completed=done, total=target)
                        if not err.is_terminal:  # a log for runs left alone (nohup, a cluster job)
                            err.print(f"{names[key]}: {done}/{target} replications "
                                      f"({sum(counts.values())} in all)", highlight=False, soft_wrap=True)

                    with interruptible():
                        states = run_batch(spec, planned, opened, executor, resume, " ".join(sys.argv), str(file),
                                           hashlib.sha256(file.read_bytes()).hexdigest(), progress)
        except StoreError as exc:
            fail(str(exc))
    finally:
        executor.close()
    replications = sum(len(s.done) for s in states)
    out.print(f"{spec.name}: {count(len(states), 'count.studies')}, {count(replications, 'count.replications')} "
              f"in {store}", highlight=False)


def export(
    store: Annotated[Path, typer.Argument(help="Run store (DuckDB file).")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the tables (created).")],
    formats: Annotated[str, typer.Option("--format", help="parquet, csv, or both: parquet,csv")] = "parquet,csv",
) -> None:
    """Export every table of a run store as Parquet and/or CSV files."""
    from simulation.store import Store, StoreError

    kinds = [k.strip() for k in formats.split(",") if k.strip()]
    if not kinds or any(k not in ("parquet", "csv") for k in kinds):
        raise typer.BadParameter("write parquet, csv or parquet,csv", param_hint="--format")
    try:
        with Store(store, read_only=True) as opened:
            written = opened.export(out_dir, kinds)
    except StoreError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{out_dir}: cannot write there ({exc.strerror or exc})")
    from sourcing.words import count

    out.print(f"{count(len(written), 'count.files')} written to {out_dir}", highlight=False)


def report(
    store: Annotated[Path, typer.Argument(help="Run store (DuckDB file) written by 'sourcing batch'.")],
    out_file: Annotated[Path | None, typer.Option(
        "--out", help="report.html (self-contained page) or report.xlsx (workbook); without it, the table of "
                      "which option wins where on standard output.")] = None,
    language: Language = "en",
    output: Format = OutputFormat.table,
) -> None:
    """Which option wins where across a batch's variants, and each study's verdict, read from a run store
    (nothing is simulated again)."""
    from reports.store import across_variants, html_report, studies, workbook
    from simulation.store import Store, StoreError
    from sourcing.words import count, say

    check_language(language)
    if out_file is not None:
        if out_file.suffix.lower() not in (".html", ".xlsx"):
            raise typer.BadParameter(f"'{out_file.name}': name the report .html or .xlsx", param_hint="--out")
        if out_file.exists():
            fail(f"{out_file}: already exists; choose another name so nothing is overwritten")
    try:
        with Store(store, read_only=True) as opened:
            found = studies(opened)
            if not found:
                fail(f"{store}: no study of this store has two finished replications yet; run or resume the "
                      "batch first ('sourcing batch FILE --store STORE --resume')")
            content = None
            if out_file is not None:
                content = (workbook(opened, found, language) if out_file.suffix.lower() == ".xlsx"
                           else html_report(opened, found, language).encode("utf-8"))
    except StoreError as exc:
        fail(str(exc))
    except ScenarioError as exc:
        print_problems(exc)
        raise typer.Exit(2) from None
    table = across_variants(found)
    if out_file is not None:
        write_file(out_file, content, "the report")
        out.print(say("store.cli_written", language, studies=count(len(found), "count.studies", language),
                      path=str(out_file)), highlight=False)
        return
    if emit(output, {"store": str(store), "studies": table.replace({float("nan"): None}).to_dict("records")},
             table):
        return
    print_store(store, found, language)
