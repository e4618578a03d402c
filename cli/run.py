"""``sourcing validate``, ``sourcing schema``, ``sourcing run`` and ``sourcing compare``: check scenario files,
simulate one, or compare the scenarios of several."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from sourcing import __version__
from sourcing.errors import ScenarioError
from sourcing.scenario import Study

from .console import err, out
from .documents import OutputFormat, emit, json_comparison, json_summary
from .folder import ResultsFormat, prepare_out, write_run
from .interrupt import interruptible, stop_if_asked
from .loading import check_language, load_scenario, names_as_read, parse_indifference, parse_precision
from .options import (
    Baseline,
    Format,
    Indifference,
    Language,
    MaxReplications,
    Precision,
    Replications,
    Seed,
    Sets,
    Until,
    VarianceReduction,
    Workers,
)
from .output import fail, print_notices, print_problems, print_run, print_sections, print_verdict


def validate(files: Annotated[list[Path], typer.Argument(
        help="Scenario files, offers (a tender YAML file or a filled grid) or batch files to check.")],
        language: Annotated[str, typer.Option("--lang", help="Language of the summaries: en or fr.")] = "en",
) -> None:
    """Check scenario, offers and batch files; print every problem with its file, line and field."""
    from sourcing.files import parse_yaml, read_text, study_from_data
    from sourcing.grid import load_tender
    from sourcing.words import count, say

    check_language(language)

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
            print_problems(exc)
            continue
        out.print(Text("✓ ", style="green") + Text(f"{path}: {summary}"), highlight=False, soft_wrap=True)
        if study is not None:
            print_notices(study, notes=True, console=out)
    if failed:
        raise typer.Exit(2)


def schema() -> None:
    """Print the JSON Schema of scenario files (for editor completion and checking)."""
    document = Study.model_json_schema(by_alias=True)
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    document["title"] = "Sourcing scenario file"
    out.print_json(json.dumps(document))


def simulate(study: Study, label: str, replications: int, seed: int, workers: int, precision: float | None,
              maximum: int, until: str | None = None, indifference: str = "1%", variance_reduction: bool = True,
              lang: str = "en"):
    """The run asked for, and with ``--until decided`` the selection it settled on (else None)."""
    from simulation.decide import run_until_decided
    from simulation.replications import run_study, run_to_precision
    from sourcing.words import count, say

    if until is not None and until != "decided":
        raise typer.BadParameter(f"'{until}': the only value is 'decided'", param_hint="--until")
    amount, share = parse_indifference(indifference, study.currency)

    with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task(say("app.cli_simulating", lang, label=label,
                                things=count(len(study.scenarios), "count.scenarios", lang)), total=replications)

        def progress(done: int, total: int) -> None:
            stop_if_asked()
            bar.update(task, completed=done, total=total)

        with interruptible():
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
    target = parse_precision(precision)
    check_language(language)
    if from_dir is not None:
        if file is not None:
            fail("give either a scenario file or --from a run folder, not both")
        results, study = _revalued_run(from_dir, sets)
        file, seed = from_dir / "scenario.yaml", results.seed
        chosen = baseline or study.baseline_name
        if chosen not in [s.name for s in study.scenarios]:
            fail(f"--baseline: '{chosen}' is not a scenario of {file}")
        prepare_out(out_dir)
        _report_run(file, study, results, None, chosen, seed, language, output, out_dir, results_format, workers)
        return
    if file is None:
        fail("give a scenario file (or --from a run folder written by --out)")
    study = load_scenario(file, sets, language)
    baseline, = names_as_read(file, language, baseline)
    chosen = baseline or study.baseline_name
    if chosen not in [s.name for s in study.scenarios]:
        fail(f"--baseline: '{chosen}' is not a scenario of {file} ({', '.join(s.name for s in study.scenarios)})")
    prepare_out(out_dir)
    print_notices(study)
    results, selection = simulate(study, file.name, replications, seed, workers, target, max_replications, until,
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
        fail(f"{folder}: not a run folder with a ledger (write one with 'sourcing run FILE --out {folder}')")
    simulated = load_scenario(folder / "scenario.yaml")
    study = load_scenario(folder / "scenario.yaml", sets)
    structural = [p for p in changed_paths(simulated, study) if not revalued(p)]
    if structural:
        fail(f"--set {path_text(structural[0])}: changes what is simulated, not a price or a judgement: run the "
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
        fail(f"{folder}: its results and its ledger hold different replications; run the scenario again")
    results = Results(simulated, int(record["seed"]), int(record["replications"]), rows, controls=controls,
                      control_means=means, ledger=ledger)
    try:
        return revalue(results, study), study
    except NotRevaluable as exc:
        fail(f"{folder}: {exc}")


def _report_run(file: Path, study: Study, results, selection, chosen: str, seed: int, language: str,
                output: OutputFormat, out_dir: Path | None, results_format: ResultsFormat, workers: int) -> None:
    """The verdict, the comparison and the tables of a run (simulated, or re-valued from a run folder)."""
    from reports.emphasis import plain
    from reports.verdict import selection_sentence, sentences
    from simulation.compare import compare
    from simulation.verdict import verdict
    from sourcing.words import say

    decision = compare(results.rows, chosen, results.controls, results.control_means, study, results.summary)
    found = verdict(results, study, seed=seed)
    words = sentences(found, language, study.currency, results.replications, study.names)
    if out_dir is not None:
        write_run(out_dir, file, study, results, results_format, workers)
    document = json_summary(file, study, results)
    document["verdict"] = {**asdict(found), "excluded": {k: v._asdict() for k, v in found.excluded.items()},
                           "sentences": [plain(w) for w in words]}
    if selection is not None:
        document["selection"] = {**asdict(selection), "conclusion": selection_sentence(selection, study.currency)}
    document["comparison"] = json_comparison(decision)
    if not emit(output, document, results.summary):
        print_verdict(words, language)
        if selection is not None:
            out.print(Text(say("decide.title", language), style="bold")
                      + Text(selection_sentence(selection, study.currency, language)), highlight=False,
                      soft_wrap=True)
        print_run(study, results.replications, seed, results, decision, language)
        if out_dir is not None:
            out.print(f"results written to {out_dir}", highlight=False)


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

    target = parse_precision(precision)
    check_language(language)
    studies = [(path, load_scenario(path, sets, language)) for path in files]
    labels = _file_labels(files)
    differ = _services_differ(studies, labels)
    names = [s.name for _, study in studies for s in study.scenarios]
    clash = {n for n in names if names.count(n) > 1}
    parts = []
    years: dict[str, int] = {}   # each scenario's horizon (its file's), by the name it is shown under
    for (path, study), tag in zip(studies, labels):
        results, _ = simulate(study, path.name, replications, seed, workers, target, max_replications,
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
        fail(f"--baseline: '{chosen}' is not one of the scenarios ({', '.join(scenarios)})")
    decision = compare(rows, chosen)
    summary = summarize(rows)
    document = {"files": [str(p) for p in files], "version": __version__, "seed": seed, "replications": keep,
                "confidence": 0.95, "services_differ": differ,
                "horizon_years": {str(p): study.calendar.horizon for p, study in studies},
                "summary": summary.replace({float("nan"): None}).to_dict(orient="records"),
                "comparison": json_comparison(decision)}
    if emit(output, document, summary):
        return
    from sourcing.words import horizon, say

    currency = studies[0][1].currency
    known = {k: v for _, study in studies for k, v in study.names.items()}
    note = say("app.cli_note", language, n=keep, seed=seed)
    if len(set(years.values())) == 1:
        print_sections(" vs ".join(labels), note, currency, decision, summary, language,
                        next(iter(years.values())), known)
        return
    each = ", ".join(f"{tag} {horizon(study.calendar.horizon, language)}" for tag, (_, study) in zip(labels, studies))
    out.print(Text(say("app.cli_horizons", language, horizons=each), style="yellow"), highlight=False,
              soft_wrap=True)
    headers = {s: f"{s} ({horizon(years[s], language)})" for s in scenarios}
    print_sections(" vs ".join(labels), note, currency, decision, summary, language, 0, known, headers)


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
