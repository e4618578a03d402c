"""The batch door: ``sourcing validate``, ``sourcing schema``, ``sourcing run``, ``sourcing calibrate``...

This module only parses options, calls the core and prints; every number comes from
``simulation`` and every rule from ``sourcing``.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import secrets
import shutil
import signal
import sys
import threading
from contextlib import contextmanager, suppress
from dataclasses import asdict
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from sourcing import __version__
from sourcing.cells import neutralise_frame
from sourcing.errors import ScenarioError
from sourcing.files import dump_study, load_study
from sourcing.scenario import Study

from .console import err, out
from .console import table as _table

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Make, outsource or buy the service? Simulate IT service scenarios and compare them.",
)
class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def _emit(output: OutputFormat, document: dict, frame: pd.DataFrame) -> bool:
    """Write the JSON document or the CSV table on standard output; False when the format is a table
    (the caller prints it)."""
    if output is OutputFormat.json:
        sys.stdout.write(json.dumps(document, indent=2, default=_jsonable) + "\n")
        return True
    if output is OutputFormat.csv:
        neutralise_frame(frame).to_csv(sys.stdout, index=False, lineterminator="\n")
        return True
    return False


class ResultsFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"


def _fail(message: str, code: int = 2) -> None:
    err.print(Text("error: ", style="bold red") + Text(message), highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _load(path: Path, sets: list[str] | None = None, lang: str | None = None) -> Study:
    """The scenario file, with the ``--set`` changes applied (each validated as if written in the file), its
    names in ``lang`` where the file translates them."""
    from sourcing.paths import parse_assignment, with_values

    try:
        study = load_study(path, lang)
        if sets:
            changes = {}
            for item in sets:
                try:
                    key, value = parse_assignment(item)
                except ValueError as exc:
                    raise typer.BadParameter(str(exc), param_hint="--set") from None
                changes[key] = value
            study = with_values(study, changes, source=f"{path} with --set")
        return study
    except ScenarioError as exc:
        _print_problems(exc)
        raise typer.Exit(2) from None


def _as_read(path: Path, lang: str, *names: str | None) -> list[str | None]:
    """Option names given on the command line as the file writes them, read in ``lang``: with ``--lang fr``
    a file that translates 'In-house' into 'Interne' takes either name."""
    try:
        table = load_study(path).translations.get(lang, {})
    except ScenarioError:
        return list(names)
    return [table.get(name, name) if name is not None else None for name in names]


def _capitalised(text: str) -> str:
    """A label that heads a column: its first letter upper case (``the monthly fee`` -> ``The monthly fee``)."""
    return text[:1].upper() + text[1:]


def _print_verdict(words: list[str], lang: str = "en") -> None:
    """The verdict, first and in plain words (bold where the sentence says so)."""
    from sourcing.words import say

    out.print(Text(say("section.verdict", lang), style="bold"), highlight=False)
    for line in words:
        text = Text("  ")
        for k, part in enumerate(line.split("**")):
            text.append(part, style="bold" if k % 2 else "")
        out.print(text, highlight=False, soft_wrap=True)


def _print_said(line: str) -> None:
    """A sentence of the catalogue, bold where it says so (``**name**``)."""
    text = Text()
    for k, part in enumerate(line.split("**")):
        text.append(part, style="bold" if k % 2 else "")
    out.print(text, highlight=False, soft_wrap=True)


def _print_notices(study: Study, notes: bool = False, console: Console = err) -> None:
    """Warnings on values a French reader would question (and, with ``notes``, how public holidays
    change the windows): the file is valid and runs as written."""
    from sourcing.checks import notices

    for notice in notices(study):
        if notice.kind == "note" and not notes:
            continue
        style = "yellow" if notice.kind == "warning" else "cyan"
        console.print(Text(f"  {notice.kind}: ", style=style) + Text(notice.text()), highlight=False,
                      soft_wrap=True)


def _print_problems(exc: ScenarioError) -> None:
    for line in exc.describe().splitlines():
        err.print(Text("✗ ", style="red") + Text(line), highlight=False, soft_wrap=True)


@app.command()
def validate(files: Annotated[list[Path], typer.Argument(
        help="Scenario files, offers (a tender YAML file or a filled grid) or batch files to check.")],
        language: Annotated[str, typer.Option("--lang", help="Language of the summaries: en or fr.")] = "en",
) -> None:
    """Check scenario, offers and batch files; print every problem with its file, line and field."""
    from sourcing.files import parse_yaml, read_text, study_from_data
    from sourcing.grid import load_tender
    from sourcing.words import count, say

    _check_language(language)

    failed = 0
    for path in files:
        try:
            study = None
            if path.suffix.lower() in (".xlsx", ".csv"):
                data = None
            else:
                data, root = parse_yaml(read_text(path), str(path))
            if data is None or isinstance(data, dict) and "offers" in data and "calendar" not in data:
                tender = load_tender(path)
                summary = say("app.cli_named", language, things=count(len(tender.offers), "count.offers", language),
                              names=", ".join(tender.offers))
            elif isinstance(data, dict) and "studies" in data and "calendar" not in data:
                from sourcing.batch import load_batch

                batch, planned = load_batch(path)
                variants = len(planned) // max(len(batch.studies), 1)
                summary = say("app.cli_batch", language, studies=count(len(planned), "count.studies", language),
                              files=count(len(batch.studies), "count.base_files", language),
                              variants=count(variants, "count.variants", language))
            else:
                study = study_from_data(data, source=str(path), root=root)
                summary = (f"{count(len(study.services), 'count.services', language)}, "
                           f"{count(len(study.teams), 'count.teams', language)}, "
                           + say("app.cli_named", language,
                                 things=count(len(study.scenarios), "count.scenarios", language),
                                 names=", ".join(s.name for s in study.scenarios)))
        except ScenarioError as exc:
            failed += 1
            _print_problems(exc)
            continue
        out.print(Text("✓ ", style="green") + Text(f"{path}: {summary}"), highlight=False, soft_wrap=True)
        if study is not None:
            _print_notices(study, notes=True, console=out)
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
    from sourcing.units import parse_fraction

    try:
        share = parse_fraction(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{exc} (e.g. --precision 1%)") from None
    if not 0 < share < 1:
        raise typer.BadParameter("give a share above 0 % and below 100 %, e.g. --precision 1%")
    return share


Replications = Annotated[int, typer.Option("--replications", "-n", min=2, max=100_000,
                                           help="Replications (2 to 100,000).")]
Seed = Annotated[int, typer.Option(min=0, help="Seed of the run; same seed, same numbers.")]
Workers = Annotated[int, typer.Option(min=1, max=64, help="Local worker processes (1 to 64).")]
Precision = Annotated[str | None, typer.Option(
    help="Add replications until every scenario's economic-cost 95 % half-width is at most this share of its "
         "mean, e.g. 1%.")]
MaxReplications = Annotated[int, typer.Option(min=2, max=100_000,
                                              help="Ceiling on replications with --precision or --until decided "
                                                   "(at most 100,000).")]
Until = Annotated[str | None, typer.Option(
    help="'decided': add replications until the cheapest option is known with 95 % probability of correct "
         "selection (Kim-Nelson on paired differences), or the options are equivalent within --indifference.")]
Indifference = Annotated[str, typer.Option(
    help="With --until decided: the smallest difference of economic cost that matters, an amount "
         "('10k EUR') or a share of the lowest cost ('1%').")]
Sets = Annotated[list[str] | None, typer.Option(
    "--set", help="Change one value without editing the file: PATH=VALUE with its unit, e.g. "
                  "--set 'providers.msp.fees.monthly=4200 EUR' (repeatable).")]
Language = Annotated[str, typer.Option("--lang", help="Language of the verdict and numbers: en or fr.")]
VarianceReduction = Annotated[bool, typer.Option(
    "--variance-reduction/--no-variance-reduction",
    help="Control variates on the staffing draws (teams whose people may leave); off gives the plain means.")]
Format = Annotated[OutputFormat, typer.Option(
    "--format", help="table (for people), json or csv (for programs) on standard output.")]
Baseline = Annotated[str | None, typer.Option(help="Scenario the others are compared with (paired differences).")]


def _indifference(value: str, currency: str) -> tuple[float | None, float | None]:
    """(amount, share) of an --indifference value."""
    from sourcing.units import parse_fraction, parse_money

    text = value.strip()
    try:
        if text.endswith("%"):
            share = parse_fraction(text)
            if not 0 < share < 1:
                raise ValueError
            return None, share
        amount, unit = parse_money(text)
    except ValueError:
        raise typer.BadParameter(f"'{value}': write an amount such as '10k {currency}' or a share such as "
                                 "'1%'", param_hint="--indifference") from None
    if unit != currency or amount <= 0:
        raise typer.BadParameter(f"'{value}': write a positive amount in {currency}, e.g. '10k {currency}'",
                                 param_hint="--indifference")
    return amount, None


def _simulate(study: Study, label: str, replications: int, seed: int, workers: int, precision: float | None,
              maximum: int, until: str | None = None, indifference: str = "1%", variance_reduction: bool = True,
              lang: str = "en"):
    """The run asked for, and with ``--until decided`` the selection it settled on (else None)."""
    from simulation.decide import run_until_decided
    from simulation.replications import run_study, run_to_precision
    from sourcing.words import count, say

    if until is not None and until != "decided":
        raise typer.BadParameter(f"'{until}': the only value is 'decided'", param_hint="--until")
    amount, share = _indifference(indifference, study.currency)

    with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task(say("app.cli_simulating", lang, label=label,
                                things=count(len(study.scenarios), "count.scenarios", lang)), total=replications)

        def progress(done: int, total: int) -> None:
            _stop_if_asked()
            bar.update(task, completed=done, total=total)

        with _interruptible():
            if until == "decided":
                return run_until_decided(study, indifference=amount, relative=share, seed=seed, workers=workers,
                                         n0=replications, maximum=maximum, progress=progress,
                                         variance_reduction=variance_reduction)
            if precision is None:
                return run_study(study, replications, seed=seed, workers=workers, progress=progress,
                                 variance_reduction=variance_reduction), None
            return run_to_precision(study, precision, seed=seed, workers=workers, initial=replications,
                                    maximum=maximum, progress=progress,
                                    variance_reduction=variance_reduction), None


_CTRL_C = threading.Event()
"""Set by Ctrl-C: Python swallows a KeyboardInterrupt raised while a finaliser runs ("Exception ignored
in ..."), so the run checks this too, at each step and at its end."""


def _on_ctrl_c(signum, frame) -> None:
    _CTRL_C.set()
    raise KeyboardInterrupt


def _stop_if_asked() -> None:
    """Raise KeyboardInterrupt if Ctrl-C was pressed and its exception was lost on the way."""
    if _CTRL_C.is_set():
        raise KeyboardInterrupt


@contextmanager
def _interruptible():
    """Ctrl-C stops the simulation and its workers at once, says so, and leaves nothing written."""
    _CTRL_C.clear()
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, _on_ctrl_c) if main else None
    try:
        yield
        _stop_if_asked()
    except KeyboardInterrupt:
        _fail("interrupted: the simulation and its workers are stopped; nothing was written", code=130)
    except ValueError as exc:  # a run refused by its budget (replications x rows too large for memory)
        _fail(str(exc))
    finally:
        if main:
            signal.signal(signal.SIGINT, previous)


@app.command()
def run(
    file: Annotated[Path | None, typer.Argument(help="Scenario file (YAML); none with --from.")] = None,
    replications: Replications = 30,
    seed: Seed = 1,
    workers: Workers = 1,
    precision: Precision = None,
    max_replications: MaxReplications = 2000,
    until: Until = None,
    indifference: Indifference = "1%",
    variance_reduction: VarianceReduction = True,
    sets: Sets = None,
    language: Language = "en",
    baseline: Baseline = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Write results, resolved scenario and seed here.")] = None,
    output: Format = OutputFormat.table,
    results_format: Annotated[
        ResultsFormat, typer.Option(help="File format of tidy results in --out.")] = ResultsFormat.csv,
    from_dir: Annotated[Path | None, typer.Option(
        "--from", help="A run folder written by --out: its replications valued again at the --set prices and "
                       "judgements, without simulating.")] = None,
) -> None:
    """Simulate every scenario of FILE: the verdict first, then means with 95 % confidence intervals. With
    --from a run folder, value its replications again at the --set prices, without simulating."""
    target = _precision(precision)
    _check_language(language)
    if from_dir is not None:
        if file is not None:
            _fail("give either a scenario file or --from a run folder, not both")
        results, study = _revalued_run(from_dir, sets)
        file, seed = from_dir / "scenario.yaml", results.seed
        chosen = baseline or study.baseline_name
        if chosen not in [s.name for s in study.scenarios]:
            _fail(f"--baseline: '{chosen}' is not a scenario of {file}")
        _prepare_out(out_dir)
        _report_run(file, study, results, None, chosen, seed, language, output, out_dir, results_format, workers)
        return
    if file is None:
        _fail("give a scenario file (or --from a run folder written by --out)")
    study = _load(file, sets, language)
    baseline, = _as_read(file, language, baseline)
    chosen = baseline or study.baseline_name
    if chosen not in [s.name for s in study.scenarios]:
        _fail(f"--baseline: '{chosen}' is not a scenario of {file} ({', '.join(s.name for s in study.scenarios)})")
    _prepare_out(out_dir)
    _print_notices(study)
    results, selection = _simulate(study, file.name, replications, seed, workers, target, max_replications, until,
                                   indifference, variance_reduction, language)
    _report_run(file, study, results, selection, chosen, seed, language, output, out_dir, results_format, workers)


def _revalued_run(folder: Path, sets: list[str] | None):
    """A run folder's replications valued at the ``--set`` values: (results, study). Only prices and
    judgements may change (anything else needs a simulation: said, with the path)."""
    import numpy as np

    from simulation.ledger import from_bytes
    from simulation.replications import Results
    from simulation.valuation import NotRevaluable, revalue
    from sourcing.paths import changed_paths, path_text, revalued

    if not (folder / "ledger.npz").is_file() or not (folder / "run.json").is_file():
        _fail(f"{folder}: not a run folder with a ledger (write one with 'sourcing run FILE --out {folder}')")
    simulated = _load(folder / "scenario.yaml")
    study = _load(folder / "scenario.yaml", sets)
    structural = [p for p in changed_paths(simulated, study) if not revalued(p)]
    if structural:
        _fail(f"--set {path_text(structural[0])}: changes what is simulated, not a price or a judgement: run the "
              f"scenario again with it (sourcing run {folder / 'scenario.yaml'} --set ...)")
    record = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    if (folder / "results.parquet").is_file():
        rows = pd.read_parquet(folder / "results.parquet")
    else:
        rows = pd.read_csv(folder / "results.csv", keep_default_na=False, na_values=[""],
                           dtype={c: str for c in ("scenario", "scope", "subject", "metric", "priority", "period")})
    rows = rows.drop(columns=["seed"])
    for column in ("scenario", "scope", "subject", "metric", "priority", "period"):
        rows[column] = pd.Categorical(rows[column].fillna("").astype(str))
    controls, means = None, None
    if (folder / "controls.csv").is_file():
        controls = pd.read_csv(folder / "controls.csv")
        means = json.loads((folder / "control_means.json").read_text(encoding="utf-8"))
    ledger = from_bytes((folder / "ledger.npz").read_bytes())
    if not np.array_equal(np.sort(rows["replication"].unique()), ledger.replications):
        _fail(f"{folder}: its results and its ledger hold different replications; run the scenario again")
    results = Results(simulated, int(record["seed"]), int(record["replications"]), rows, controls=controls,
                      control_means=means, ledger=ledger)
    try:
        return revalue(results, study), study
    except NotRevaluable as exc:
        _fail(f"{folder}: {exc}")


def _report_run(file: Path, study: Study, results, selection, chosen: str, seed: int, language: str,
                output: OutputFormat, out_dir: Path | None, results_format: ResultsFormat, workers: int) -> None:
    """The verdict, the comparison and the tables of a run (simulated, or re-valued from a run folder)."""
    from reports.verdict import selection_sentence, sentences
    from simulation.compare import compare
    from simulation.verdict import verdict
    from sourcing.words import say

    decision = compare(results.rows, chosen, results.controls, results.control_means, study, results.summary)
    found = verdict(results, study, seed=seed)
    words = sentences(found, language, study.currency, results.replications, study.names)
    if out_dir is not None:
        _write(out_dir, file, study, results, results_format, workers)
    document = _json_summary(file, study, results)
    document["verdict"] = {**asdict(found), "excluded": {k: v._asdict() for k, v in found.excluded.items()},
                           "sentences": [w.replace("**", "") for w in words]}
    if selection is not None:
        document["selection"] = {**asdict(selection), "conclusion": selection_sentence(selection, study.currency)}
    document["comparison"] = _json_comparison(decision)
    if not _emit(output, document, results.summary):
        _print_verdict(words, language)
        if selection is not None:
            out.print(Text(say("decide.title", language), style="bold")
                      + Text(selection_sentence(selection, study.currency, language)), highlight=False,
                      soft_wrap=True)
        _print_run(study, results.replications, seed, results, decision, language)
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
    sets: Sets = None,
    baseline: Baseline = None,
    language: Language = "en",
    output: Format = OutputFormat.table,
) -> None:
    """Compare the scenarios of several files on the same seed (--set applies to every file).

    A service with the same name and definition in two files draws the same incidents in both
    (common random numbers), so paired differences across files are meaningful for it.
    """
    from simulation.compare import compare
    from simulation.statistics import summarize

    target = _precision(precision)
    _check_language(language)
    studies = [(path, _load(path, sets, language)) for path in files]
    labels = _file_labels(files)
    differ = _services_differ(studies, labels)
    names = [s.name for _, study in studies for s in study.scenarios]
    clash = {n for n in names if names.count(n) > 1}
    parts = []
    years: dict[str, int] = {}   # each scenario's horizon (its file's), by the name it is shown under
    for (path, study), tag in zip(studies, labels):
        results, _ = _simulate(study, path.name, replications, seed, workers, target, max_replications,
                               variance_reduction=False, lang=language)  # plain means, paired across files
        rows = results.rows.copy()
        rows["scenario"] = [f"{tag}: {n}" if n in clash else n for n in rows["scenario"]]
        years.update(dict.fromkeys(rows["scenario"].unique(), study.calendar.horizon))
        parts.append(rows)
    keep = min(part["replication"].nunique() for part in parts)
    rows = pd.concat([part[part["replication"] < keep] for part in parts], ignore_index=True)
    scenarios = list(dict.fromkeys(rows["scenario"]))
    chosen = baseline or scenarios[0]
    if chosen not in scenarios:
        _fail(f"--baseline: '{chosen}' is not one of the scenarios ({', '.join(scenarios)})")
    decision = compare(rows, chosen)
    summary = summarize(rows)
    document = {"files": [str(p) for p in files], "version": __version__, "seed": seed, "replications": keep,
                "confidence": 0.95, "services_differ": differ,
                "horizon_years": {str(p): study.calendar.horizon for p, study in studies},
                "summary": summary.replace({float("nan"): None}).to_dict(orient="records"),
                "comparison": _json_comparison(decision)}
    if _emit(output, document, summary):
        return
    from sourcing.words import horizon, say

    currency = studies[0][1].currency
    known = {k: v for _, study in studies for k, v in study.names.items()}
    note = say("app.cli_note", language, n=keep, seed=seed)
    if len(set(years.values())) == 1:
        _print_sections(" vs ".join(labels), note, currency, decision, summary, language,
                        next(iter(years.values())), known)
        return
    each = ", ".join(f"{tag} {horizon(study.calendar.horizon, language)}" for tag, (_, study) in zip(labels, studies))
    out.print(Text(say("app.cli_horizons", language, horizons=each), style="yellow"), highlight=False,
              soft_wrap=True)
    headers = {s: f"{s} ({horizon(years[s], language)})" for s in scenarios}
    _print_sections(" vs ".join(labels), note, currency, decision, summary, language, 0, known, headers)


def _services_differ(studies: list[tuple[Path, Study]], labels: list[str]) -> list[str]:
    """Warn, before anything is simulated, when the files do not describe the same services: a service
    missing from a file, or defined differently, draws other incidents, so its differences across files
    are not paired (common random numbers do not hold for it). Returns the warnings."""
    warnings = []
    first_label, first = labels[0], studies[0][1]
    for label, (_, study) in zip(labels[1:], studies[1:]):
        mine, theirs = set(first.services), set(study.services)
        for name in sorted(mine - theirs):
            warnings.append(f"service '{name}' is in {first_label} but not in {label}")
        for name in sorted(theirs - mine):
            warnings.append(f"service '{name}' is in {label} but not in {first_label}")
        for name in sorted(mine & theirs):
            if first.services[name] != study.services[name]:
                warnings.append(f"service '{name}' is defined differently in {first_label} and {label}")
        if first.calendar != study.calendar:
            warnings.append(f"{first_label} and {label} have different calendars (horizon, start or holidays)")
    for line in warnings:
        err.print(Text("  warning: ", style="yellow") + Text(f"{line}: differences between their scenarios are "
                                                                 "not paired on the same incidents"),
                  highlight=False, soft_wrap=True)
    return warnings


def _file_labels(files: list[Path]) -> list[str]:
    """A short label per file that tells them apart: the file name, with as much of its folder as needed,
    and its position when two arguments name the same file."""
    labels = [p.stem for p in files]
    depth = 1
    while len(set(labels)) < len(labels) and depth < 6:
        depth += 1
        labels = ["/".join(p.with_suffix("").parts[-depth:]) for p in files]
    if len(set(labels)) < len(labels):
        labels = [f"{label} (#{i + 1})" for i, label in enumerate(labels)]
    return labels


@app.command()
def batch(
    file: Annotated[Path, typer.Argument(help="Batch file (YAML): base scenario files and their variants.")],
    store: Annotated[Path, typer.Option(help="Run store (a DuckDB file, created if new).")] = Path("runs.duckdb"),
    workers: Workers = 1,
    scheduler: Annotated[str | None, typer.Option(
        help="A Dask scheduler (tcp://HOST:8786), or local:N for a local cluster of N processes.")] = None,
    resume: Annotated[bool, typer.Option(help="Finish the studies of this batch already in the store.")] = False,
) -> None:
    """Run every study and variant of a batch file into a run store, resumable after any interruption."""
    from simulation.batch import DaskExecutor, LocalExecutor, run_batch
    from simulation.store import Store, StoreError
    from sourcing.batch import load_batch
    from sourcing.words import count

    try:
        spec, planned = load_batch(file)
    except ScenarioError as exc:
        _print_problems(exc)
        raise typer.Exit(2) from None
    if scheduler is not None and workers != 1:
        _fail("give either --workers (local processes) or --scheduler (a Dask cluster), not both")
    try:
        store.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _fail(f"{store}: cannot create its folder ({exc.strerror or exc}); nothing was run")
    try:
        with Store(store) as opened:
            executor = DaskExecutor(scheduler) if scheduler else LocalExecutor(workers)
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

                with _interruptible():
                    try:
                        states = run_batch(spec, planned, opened, executor, max(workers, 1), resume,
                                           " ".join(sys.argv), str(file),
                                           hashlib.sha256(file.read_bytes()).hexdigest(), progress)
                    finally:
                        if hasattr(executor, "close"):
                            executor.close()
    except StoreError as exc:
        _fail(str(exc))
    replications = sum(len(s.done) for s in states)
    out.print(f"{spec.name}: {count(len(states), 'count.studies')}, {count(replications, 'count.replications')} "
              f"in {store}", highlight=False)


def _check_language(language: str) -> None:
    if language not in ("en", "fr"):
        raise typer.BadParameter(f"'{language}': write en or fr", param_hint="--lang")


def _executor(workers: int, scheduler: str | None):
    from simulation.batch import DaskExecutor, LocalExecutor

    if scheduler is not None and workers != 1:
        _fail("give either --workers (local processes) or --scheduler (a Dask cluster), not both")
    return DaskExecutor(scheduler) if scheduler else LocalExecutor(workers)


Scheduler = Annotated[str | None, typer.Option(
    help="A Dask scheduler (tcp://HOST:8786), or local:N for a local cluster of N processes.")]
Evaluations = Annotated[int, typer.Option("--replications", "-n", min=2, max=10_000,
                                          help="Replications at each value tried.")]


def _close(executor) -> None:
    if hasattr(executor, "close"):
        executor.close()


@app.command()
def breakeven(
    file: Annotated[Path, typer.Argument(help="Scenario file (YAML).")],
    between: Annotated[tuple[str, str], typer.Option(help="The two scenarios: A B.")],
    vary: Annotated[str, typer.Option(help="Parameter path, e.g. providers.msp.fees.monthly.")],
    on: Annotated[str, typer.Option(help="cost (economic cost) or availability.")] = "cost",
    low: Annotated[str | None, typer.Option(help="Lowest value to try, with its unit (default: half today's).")] = None,
    high: Annotated[str | None, typer.Option(help="Highest value to try (default: 1.5 times today's).")] = None,
    replications: Evaluations = 60,
    seed: Seed = 1,
    workers: Workers = 1,
    scheduler: Scheduler = None,
    sets: Sets = None,
    language: Language = "en",
    output: Format = OutputFormat.table,
) -> None:
    """The value of one parameter at which two options cost the same (or are as available), with its 95 %
    interval; each value is tried on the same incidents."""
    from simulation.whatif import breakeven as find
    from simulation.whatif import gap
    from sourcing.paths import quantity
    from sourcing.words import INTERVAL_SEPARATOR, count, say

    _check_language(language)
    if on not in ("cost", "availability"):
        raise typer.BadParameter(f"'{on}': write cost or availability", param_hint="--on")
    study = _load(file, sets, language)
    between = tuple(_as_read(file, language, *between))
    try:
        bounds = [quantity(v).number if v is not None else None for v in (low, high)]
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--low/--high") from None
    executor = _executor(workers, scheduler)
    try:
        with _interruptible():
            found = find(study, between[0], between[1], vary, replications=replications, seed=seed, low=bounds[0],
                         high=bounds[1], on=on, workers=workers, executor=executor)
    except ScenarioError as exc:
        _print_problems(exc)
        raise typer.Exit(2) from None
    finally:
        _close(executor)
    points = [{"value": x, "difference": d.mean, "ci_low": d.low, "ci_high": d.high} for x, d in found.points]
    document = {"file": str(file), "between": list(between), "vary": vary, "on": on, "seed": seed,
                "replications": replications, "break_even": found.value, "ci_low": found.low,
                "ci_high": found.high, "unit": found.unit, "today": found.current, "method": found.method,
                "points": points}
    if _emit(output, document, pd.DataFrame(points, columns=["value", "difference", "ci_low", "ci_high"])):
        return
    from reports.conclusions import breakeven_sentence, parameter_text
    from simulation.conclusions import breakeven_conclusion, parameter

    _print_said(breakeven_sentence(breakeven_conclusion(found, study.names), language))
    if found.value is not None:
        out.print(Text(say(f"whatif.cli_method_{found.method}", language, replications=count(replications, "count.replications",
                                                                              language), seed=seed)),
                  highlight=False, soft_wrap=True)
    table = _table(say("whatif.cli_minus", language, what=say(f"whatif.on_{on}", language), a=between[0],
                       b=between[1]), [_capitalised(parameter_text(parameter(vary, study.names), language)),
                                     say("whatif.difference", language), say("whatif.ci", language)])
    for x, d in found.points:
        table.add_row(found.text(x, language), gap(d.mean, on, study.currency, language),
                      f"[{gap(d.low, on, study.currency, language)}{INTERVAL_SEPARATOR[language]}"
                      f"{gap(d.high, on, study.currency, language)}]")
    out.print(table)


@app.command()
def match(
    file: Annotated[Path, typer.Argument(help="Scenario file (YAML).")],
    scenario: Annotated[str, typer.Option(help="The option to improve (A).")],
    like: Annotated[str, typer.Option(help="The option to match (B).")],
    vary: Annotated[str, typer.Option(help="Parameter path, e.g. teams.ops.members[0].count.")],
    on: Annotated[str, typer.Option(help="availability, gtr-compliance or cost.")] = "availability",
    values: Annotated[str | None, typer.Option(
        help="Values to try in order, separated by '|', e.g. 'HO|Mon-Fri 07:00-20:00|24/7' (default: the next "
             "whole numbers).")] = None,
    replications: Evaluations = 60,
    seed: Seed = 1,
    workers: Workers = 1,
    scheduler: Scheduler = None,
    sets: Sets = None,
    language: Language = "en",
    output: Format = OutputFormat.table,
) -> None:
    """The smallest value of a parameter at which option A is at least as good as option B, with the
    probability that it truly is, and what it costs."""
    import yaml

    from simulation.whatif import match as find
    from sourcing.words import say

    _check_language(language)
    if on not in ("availability", "gtr-compliance", "cost"):
        raise typer.BadParameter(f"'{on}': write availability, gtr-compliance or cost", param_hint="--on")
    study = _load(file, sets, language)
    scenario, like = _as_read(file, language, scenario, like)
    tried = [yaml.safe_load(v.strip()) for v in values.split("|")] if values else None
    executor = _executor(workers, scheduler)
    try:
        with _interruptible():
            found = find(study, scenario, like, vary, tried, on, replications, seed, workers, executor)
    except ScenarioError as exc:
        _print_problems(exc)
        raise typer.Exit(2) from None
    finally:
        _close(executor)
    steps = [{"value": st.value, "difference": st.difference.mean, "ci_low": st.difference.low,
              "ci_high": st.difference.high, "probability": st.probability, "cost_per_year": st.cost_per_year}
             for st in found.steps]
    document = {"file": str(file), "scenario": scenario, "like": like, "vary": vary, "on": on,
                "found": None if found.found is None else found.found.value,
                "today_cost_per_year": found.current_cost_per_year, "steps": steps}
    if _emit(output, document, pd.DataFrame(steps, columns=["value", "difference", "ci_low", "ci_high",
                                                            "probability", "cost_per_year"])):
        return
    from reports.conclusions import match_sentence
    from simulation.conclusions import match_conclusion

    _print_said(match_sentence(match_conclusion(found, study.names), study.currency, language))
    shown = found.table(study.currency, language)
    table = _table(say("whatif.cli_minus", language, what=say(f"whatif.on_{on}", language), a=scenario, b=like),
                   list(shown.columns))
    for row in shown.itertuples(index=False):
        table.add_row(*row)
    out.print(table)


@app.command()
def sensitivity(
    file: Annotated[Path, typer.Argument(help="Scenario file (YAML).")],
    vary: Annotated[list[str] | None, typer.Option(
        help="PATH=LOW..HIGH with units, e.g. 'providers.msp.fees.monthly=3000 EUR..5000 EUR' (repeatable); "
             "default: the usual assumptions (staff cost, incident volume and growth, outage cost, repair times, "
             "departures, provider fees and performance, SaaS price and outages).")] = None,
    method: Annotated[str, typer.Option(help="tornado (one at a time), morris or sobol (all at once, SALib).")]
    = "tornado",
    samples: Annotated[int, typer.Option(min=2, max=1000, help="Morris trajectories or Sobol base samples.")] = 8,
    replications: Evaluations = 40,
    seed: Seed = 1,
    workers: Workers = 1,
    scheduler: Scheduler = None,
    sets: Sets = None,
    language: Language = "en",
    output: Format = OutputFormat.table,
) -> None:
    """Which assumptions move the economic-cost difference between the two cheapest options, and which
    swings flip the decision."""
    from simulation.whatif import DEFAULT_ASSUMPTIONS, assumption_label, global_sensitivity, parse_swing
    from simulation.whatif import sensitivity as tornado
    from sourcing.words import decimal_text, horizon, money, say

    _check_language(language)

    if method not in ("tornado", "morris", "sobol"):
        raise typer.BadParameter(f"'{method}': write tornado, morris or sobol", param_hint="--method")
    study = _load(file, sets, language)
    try:
        assumptions = tuple(parse_swing(v, study) for v in vary) if vary else DEFAULT_ASSUMPTIONS
    except (ValueError, ScenarioError) as exc:
        if isinstance(exc, ScenarioError):
            _print_problems(exc)
            raise typer.Exit(2) from None
        raise typer.BadParameter(str(exc), param_hint="--vary") from None
    executor = _executor(workers, scheduler)
    try:
        with _interruptible():
            if method == "tornado":
                found = tornado(study, assumptions, replications, seed, workers, executor)
            else:
                table = global_sensitivity(study, method, samples, replications, seed, workers, executor,
                                           assumptions)
    except ScenarioError as exc:
        _print_problems(exc)
        raise typer.Exit(2) from None
    finally:
        _close(executor)
    if method != "tornado":
        if not _emit(output, {"file": str(file), "method": method, "indices": table.to_dict("records")}, table):
            shown = table.set_index("assumption").map(lambda v: decimal_text(v, language, 4))
            shown.index = [assumption_label(a, language) for a in shown.index]
            _print_tables([(say(f"whatif.cli_{method}", language), shown)], study.currency, language)
        return
    swings = [{"assumption": s.assumption, "low": s.low, "high": s.high, "at_low": s.at_low.mean,
               "at_high": s.at_high.mean, "flips": s.flips} for s in found.swings]
    document = {"file": str(file), "winner": found.winner, "runner_up": found.runner_up,
                "difference": found.base.mean, "swings": swings}
    if _emit(output, document, pd.DataFrame(swings, columns=["assumption", "low", "high", "at_low", "at_high",
                                                             "flips"])):
        return
    from reports.conclusions import tornado_sentences
    from simulation.conclusions import tornado_conclusion

    for line in tornado_sentences(tornado_conclusion(found), assumption_label, study.currency, language):
        _print_said(line)
    out.print(Text(say("whatif.cli_tornado", language, winner=found.winner, runner=found.runner_up,
                       amount=money(-found.base.mean, study.currency, language),
                       horizon=horizon(study.calendar.horizon, language))), highlight=False, soft_wrap=True)
    table = _table(say("whatif.tornado", language), [say(f"whatif.cli_{c}", language) for c in (
        "assumption", "low", "high", "at_low", "at_high", "flips")], first_left=True)
    for s_ in found.swings:
        table.add_row(assumption_label(s_.assumption, language), s_.move(s_.low, language),
                      s_.move(s_.high, language), money(s_.at_low.mean, study.currency, language, signed=True),
                      money(s_.at_high.mean, study.currency, language, signed=True),
                      say("app.yes" if s_.flips else "app.no", language))
    out.print(table)


@app.command()
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
        _fail(str(exc))
    except OSError as exc:
        _fail(f"{out_dir}: cannot write there ({exc.strerror or exc})")
    from sourcing.words import count

    out.print(f"{count(len(written), 'count.files')} written to {out_dir}", highlight=False)


@app.command()
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

    _check_language(language)
    if out_file is not None:
        if out_file.suffix.lower() not in (".html", ".xlsx"):
            raise typer.BadParameter(f"'{out_file.name}': name the report .html or .xlsx", param_hint="--out")
        if out_file.exists():
            _fail(f"{out_file}: already exists; choose another name so nothing is overwritten")
    try:
        with Store(store, read_only=True) as opened:
            found = studies(opened)
            if not found:
                _fail(f"{store}: no study of this store has two finished replications yet; run or resume the "
                      "batch first ('sourcing batch FILE --store STORE --resume')")
            content = None
            if out_file is not None:
                content = (workbook(opened, found, language) if out_file.suffix.lower() == ".xlsx"
                           else html_report(opened, found, language).encode("utf-8"))
    except StoreError as exc:
        _fail(str(exc))
    except ScenarioError as exc:
        _print_problems(exc)
        raise typer.Exit(2) from None
    table = across_variants(found)
    if out_file is not None:
        _write_file(out_file, content, "the report")
        out.print(say("store.cli_written", language, studies=count(len(found), "count.studies", language),
                      path=str(out_file)), highlight=False)
        return
    if _emit(output, {"store": str(store), "studies": table.replace({float("nan"): None}).to_dict("records")},
             table):
        return
    _print_store(store, found, language)


def _print_store(store: Path, found: list, lang: str) -> None:
    """What the HTML report shows, in the terminal: which option wins where (a map over the two swept
    parameters with the most values, ``?`` where the margin is not settled; with one swept parameter, every
    option's cost along it), the table across variants, then each study's verdict and figures."""
    from reports.store import (
        compact,
        cost_along,
        figures_shown,
        parameters_of,
        reader_words,
        study_title,
        winner_grids,
    )
    from reports.verdict import sentences
    from sourcing.words import count, say

    label, value = reader_words(found, lang)
    out.print(Text(say("store.intro", lang, studies=count(len(found), "count.studies", lang), version=__version__)),
              highlight=False, soft_wrap=True)
    for grid in winner_grids(found, lang, label, value):
        out.print(Text(say("store.map_axes", lang, y=label(grid.y), x=label(grid.x))), highlight=False,
                  soft_wrap=True)
        cells = grid.cells.rename(index=value, columns=value)
        cells.index.name = label(grid.y)
        _print_tables([(grid.title, cells)], found[0].study.currency, lang)
    along = cost_along(found, lang)
    if along is not None:
        title, frame = along
        _print_tables([(title, frame.rename(index=value))], found[0].study.currency, lang)
    shown = compact(found, lang, label, value)
    rich_table = _table(say("store.cli_title", lang, studies=count(len(found), "count.studies", lang),
                            store=store.name), list(shown.columns), first_left=True)
    for row in shown.itertuples(index=False):
        rich_table.add_row(*[Text(str(v)) for v in row])
    out.print(rich_table)
    swept = parameters_of(found)
    for item in found:
        out.print(Text(f"\n{study_title(item, swept, label, value, lang)}", style="bold"), highlight=False)
        _print_verdict(sentences(item.verdict, lang, item.study.currency, item.results.replications,
                                 item.study.names), lang)
        _print_tables([("", figures_shown(item, lang).set_index(""))], item.study.currency, lang)


offers_app = typer.Typer(help="Procurement: put providers' offers side by side on the same incidents.",
                         no_args_is_help=True)
app.add_typer(offers_app, name="offers")


@offers_app.command("template")
def offers_template(
    out_file: Annotated[Path, typer.Option("--out", help="Where to write the grid (.xlsx).")],
    providers: Annotated[str, typer.Option(
        help="Provider columns, separated by commas.")] = "Provider A,Provider B,Provider C",
    currency: Annotated[str, typer.Option(help="Currency of every amount.")] = "EUR",
    name: Annotated[str, typer.Option(help="Name of the call for tenders.")] = "Call for tenders",
) -> None:
    """Write the grid procurement sends to providers: one column per provider, one row per field."""
    from sourcing.grid import template

    if out_file.suffix.lower() != ".xlsx":
        _fail(f"{out_file}: the grid is an Excel workbook; give a name ending in .xlsx")
    if out_file.exists():
        _fail(f"{out_file}: already exists; choose another name so nothing is overwritten")
    content = template([p.strip() for p in providers.split(",") if p.strip()], currency=currency, name=name)
    _write_file(out_file, content, "the grid")
    out.print(f"grid written to {out_file}: fill one column per provider, then run "
              f"'sourcing offers compare {out_file} --scenario BASE'", highlight=False)


def _weights(values: list[str]) -> dict[str, float]:
    weights = {}
    for item in values:
        key, sep, number = item.partition("=")
        try:
            if not sep:
                raise ValueError
            weights[key.strip()] = float(number)
            if not math.isfinite(weights[key.strip()]) or weights[key.strip()] < 0:
                raise ValueError
        except ValueError:
            raise typer.BadParameter(f"'{item}': write a weight as criterion=number, e.g. price=40") from None
    return weights


@offers_app.command("compare")
def offers_compare(
    offers_file: Annotated[Path, typer.Argument(help="Offers: a tender YAML file or a filled grid (.xlsx, .csv).")],
    scenario: Annotated[Path | None, typer.Option(
        "--scenario", help="Base scenario whose services and incidents the offers are simulated on.")] = None,
    replications: Replications = 30,
    seed: Seed = 1,
    workers: Workers = 1,
    weight: Annotated[list[str] | None, typer.Option(
        help="Ranking weight, criterion=number (repeat); others keep the tender's weights.")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Write the comparison and its inputs here.")] = None,
    language: Language = "en",
    output: Format = OutputFormat.table,
) -> None:
    """Simulate every offer on the base scenario's incidents, and rank the offers."""
    from reports.report import cost_sentences, offer_sections, ranking_sentences
    from simulation.procurement import compare_offers
    from sourcing.grid import load_tender, tender_yaml
    from sourcing.words import count, say

    _check_language(language)
    try:
        tender = load_tender(offers_file, language)
    except ScenarioError as exc:
        _print_problems(exc)
        raise typer.Exit(2) from None
    base_path = scenario or (offers_file.parent / tender.scenario if tender.scenario else None)
    if base_path is None:
        _fail("no base scenario: give --scenario FILE (or 'scenario:' in the offers file)")
    base = _load(base_path, lang=language)
    chosen = _weights(weight or [])
    _prepare_out(out_dir)
    try:
        with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=err, transient=True, disable=not err.is_terminal) as bar:
            task = bar.add_task(say("app.cli_simulating", "en", label=tender.name,
                                    things=count(len(tender.offers), "count.offers")), total=replications)
            with _interruptible():
                comparison = compare_offers(tender, base, replications, seed=seed, workers=workers,
                                            progress=lambda done, total: bar.update(task, completed=done),
                                            weights={**tender.weights, **chosen} if chosen else None)
    except ScenarioError as exc:
        _print_problems(exc)
        raise typer.Exit(2) from None
    except ValueError as exc:
        _fail(f"--weight: {exc}")
    sections = offer_sections(comparison, language)
    if out_dir is not None:
        from reports.exports import offers_workbook

        _publish(out_dir, {
            "offers.csv": lambda path: neutralise_frame(comparison.figures).to_csv(path, index=False),
            "summary.csv": lambda path: neutralise_frame(comparison.summary).to_csv(path, index=False),
            "ranking.csv": lambda path: neutralise_frame(comparison.ranking.scores).to_csv(path),
            "sensitivity.csv": lambda path: neutralise_frame(comparison.ranking.sensitivity).to_csv(path,
                                                                                                  index=False),
            "comparison.xlsx": offers_workbook(comparison, language),
            "offers.yaml": tender_yaml(tender),
            "scenario.yaml": dump_study(comparison.study),
            "run.json": _run_record([offers_file, base_path], seed, replications, workers),
        })
    def records(frame):
        return frame.replace({float("nan"): None}).to_dict(orient="records")

    if output is not OutputFormat.table:
        document = {"offers": str(offers_file), "scenario": str(base_path), "version": __version__, "seed": seed,
                    "replications": replications, "confidence": 0.95, "weights": comparison.ranking.weights,
                    "weights_entered": comparison.ranking.entered,
                    "compliant": comparison.compliant,
                    "non_compliant": {offer: [{"requirement": b.requirement, "subject": b.subject,
                                               "required": b.required, "offered": b.offered}
                                              for b in found] for offer, found in comparison.breaches.items()},
                    "ranking_uncertainty": [tie._asdict() | {"settled": tie.settled} for tie in comparison.ties],
                    "summary": records(comparison.summary),
                    "ranking": records(comparison.ranking.scores.reset_index(names="offer")),
                    "sensitivity": records(comparison.ranking.sensitivity)}
        _emit(output, document, comparison.summary)
        return
    note = say("app.cli_note", language, n=replications, seed=seed)
    out.print(Text(tender.name, style="bold") + Text(f"  ({note})"), highlight=False)
    out.print(Text(say("offers.report_note", language, tender=tender.name, base=base.name)),
              highlight=False, soft_wrap=True)

    def lines(title: str, found: list[str]) -> None:
        """Sentences under a bold title, bold where the sentence says so."""
        out.print(Text(title, style="bold"), highlight=False)
        for line in found:
            text = Text("  ")
            for k, part in enumerate(line.split("**")):
                text.append(part, style="bold" if k % 2 else "")
            out.print(text, highlight=False, soft_wrap=True)

    _print_tables(sections[:1], tender.currency, language)
    lines(say("offers.verdict", language), cost_sentences(comparison, language))
    _print_tables(sections[1:4], tender.currency, language)
    lines(say("offers.reading", language), ranking_sentences(comparison, language))
    _print_tables(sections[4:], tender.currency, language)
    if out_dir is not None:
        out.print(f"comparison written to {out_dir}", highlight=False)


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


def _print_run(study: Study, replications: int, seed: int, results, decision, lang: str = "en") -> None:
    from sourcing.words import percent, say

    note = say("app.cli_note", lang, n=replications, seed=seed)
    if results.target is not None:
        reached = say("app.cli_reached" if results.precision <= results.target else "app.cli_not_reached", lang)
        note += say("app.cli_precision", lang, target=percent(results.target, lang, 1), reached=reached,
                    worst=percent(results.precision, lang, 2))
    _print_sections(study.name, note, study.currency, decision, results.summary, lang, study.calendar.horizon,
                    study.names)


def _print_sections(name: str, note: str, currency: str, decision, summary, lang: str = "en",
                    years: int | None = None, names: dict[str, str] | None = None,
                    headers: dict[str, str] | None = None) -> None:
    """The comparison's tables; totals say ``years`` (0: the options' horizons differ, and ``headers``
    name each option with its own)."""
    from reports.report import decision_sections, sections

    out.print(Text(name, style="bold") + Text(f"  ({note})"), highlight=False)
    _print_tables(decision_sections(decision, lang, years) + sections(summary, lang, names, years), currency, lang,
                  headers)


def _print_tables(tables: list, currency: str, lang: str = "en", headers: dict[str, str] | None = None) -> None:
    """Each titled table; ``headers`` renames columns (an option with its horizon)."""
    for title, table in tables:
        rich_table = _table(title, [table.index.name or "", *[(headers or {}).get(c, c) for c in table.columns]],
                            first_left=True)
        for metric, row in table.iterrows():
            rich_table.add_row(Text(str(metric)), *[Text(c.text(currency, lang) if hasattr(c, "text") else
                                                         ("" if pd.isna(c) else str(c))) for c in row])
        out.print(rich_table)


def _write_file(target: Path, content: bytes, what: str) -> None:
    """Write ``content`` to ``target`` atomically (a hidden staging file moved into place): a reader never
    sees half a file, and a failure leaves nothing behind."""
    staging = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging.write_bytes(content)
        os.replace(staging, target)
    except OSError as exc:
        with suppress(OSError):
            staging.unlink(missing_ok=True)
        _fail(f"{target}: cannot write {what} there ({exc.strerror or exc}); nothing was written")


STAGING = ".sourcing-"
"""Prefix of the hidden folder a run folder is written into before it is moved into place."""


def _prepare_out(out_dir: Path | None) -> None:
    """Before anything is simulated: the run folder must be new and its place writable. Staging folders
    left by a run that was killed while writing are removed."""
    if out_dir is None:
        return
    _refuse_existing(out_dir)
    parent = out_dir.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        _staging_folder(parent).rmdir()
    except OSError as exc:
        _fail(f"{out_dir}: cannot write in {parent} ({exc.strerror or exc}); nothing was simulated")
    _clean_stale(parent)


def _staging_folder(parent: Path) -> Path:
    """A new hidden folder in ``parent`` for a run folder being written, created with the user's umask as
    ``mkdir`` would (``tempfile.mkdtemp`` makes it owner-only, and the run folder it becomes kept that)."""
    while True:
        folder = parent / f"{STAGING}{os.getpid()}-{secrets.token_hex(4)}"
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        return folder


def _clean_stale(parent: Path) -> None:
    """Remove staging folders whose process no longer runs (a run killed while writing its results)."""
    for folder in parent.glob(f"{STAGING}*"):
        pid = folder.name[len(STAGING):].split("-", 1)[0]
        if folder.is_dir() and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _refuse_existing(out_dir: Path | None) -> None:
    if out_dir is not None and out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        _fail(f"{out_dir}: already exists and is not empty; choose a new folder so no earlier run is overwritten")


def _publish(out_dir: Path, files: dict[str, object]) -> None:
    """Write files (bytes, text, or a function writing to a path) into a temporary folder, then move it
    into place: nothing is ever half-written."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = _staging_folder(out_dir.parent)
    try:
        for name, content in files.items():
            target = staging / name
            if callable(content):
                content(target)
            elif isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(str(content), encoding="utf-8")
        if out_dir.exists():
            out_dir.rmdir()
        os.replace(staging, out_dir)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        _fail(f"{out_dir}: could not write the results ({exc.strerror or exc}); nothing was written")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _run_record(sources: list[Path], seed: int, replications: int, workers: int) -> str:
    return json.dumps({
        "version": __version__,
        "seed": seed,
        "replications": replications,
        "workers": workers,
        "sources": {str(path): hashlib.sha256(path.read_bytes()).hexdigest() for path in sources},
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(sys.argv),
    }, indent=2)


def _write(out_dir: Path, file: Path, study: Study, results, results_format: ResultsFormat, workers: int) -> None:
    from simulation.ledger import to_bytes as ledger_to_bytes

    rows = results.rows.copy()
    rows.insert(2, "seed", results.seed)
    table = ({"results.parquet": lambda path: rows.to_parquet(path, index=False)}
             if results_format is ResultsFormat.parquet
             else {"results.csv": lambda path: neutralise_frame(rows).to_csv(path, index=False)})
    _publish(out_dir, {
        **table,
        "summary.csv": lambda path: neutralise_frame(results.summary).to_csv(path, index=False),
        **({"controls.csv": lambda path: results.controls.to_csv(path, index=False),
            "control_means.json": json.dumps(results.control_means, indent=2)}
           if results.controls is not None else {}),
        "scenario.yaml": dump_study(study),
        "run.json": _run_record([file], results.seed, results.replications, workers),
        **({"ledger.npz": ledger_to_bytes(results.ledger)} if results.ledger is not None else {}),
    })


from .calibrate import calibrate as _calibrate  # noqa: E402 - its own module, registered here

app.command("calibrate")(_calibrate)


def main() -> None:  # pragma: no cover - console entry point
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted: nothing was written\n")
        raise SystemExit(130) from None


if __name__ == "__main__":  # pragma: no cover
    main()
