"""``sourcing offers template`` and ``sourcing offers compare``: the grid providers fill in, and their offers
simulated on the same incidents and ranked."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from reports.tables import Table
from sourcing import __version__
from sourcing.cells import neutralise_frame
from sourcing.errors import ScenarioError
from sourcing.files import dump_study

from .console import err, out
from .documents import OutputFormat, emit
from .folder import prepare_out, publish, run_record, write_file
from .interrupt import interruptible
from .loading import check_language, load_scenario, parse_weights
from .options import Format, Language, Replications, Seed, Workers
from .output import fail, print_problems, print_tables, styled


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
        fail(f"{out_file}: the grid is an Excel workbook; give a name ending in .xlsx")
    if out_file.exists():
        fail(f"{out_file}: already exists; choose another name so nothing is overwritten")
    content = template([p.strip() for p in providers.split(",") if p.strip()], currency=currency, name=name)
    write_file(out_file, content, "the grid")
    out.print(f"grid written to {out_file}: fill one column per provider, then run "
              f"'sourcing offers compare {out_file} --scenario BASE'", highlight=False)


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

    check_language(language)
    try:
        tender = load_tender(offers_file, language)
    except ScenarioError as exc:
        print_problems(exc)
        raise typer.Exit(2) from None
    base_path = scenario or (offers_file.parent / tender.scenario if tender.scenario else None)
    if base_path is None:
        fail("no base scenario: give --scenario FILE (or 'scenario:' in the offers file)")
    base = load_scenario(base_path, lang=language)
    chosen = parse_weights(weight or [])
    prepare_out(out_dir)
    try:
        with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=err, transient=True, disable=not err.is_terminal) as bar:
            task = bar.add_task(say("app.cli_simulating", "en", label=tender.name,
                                    things=count(len(tender.offers), "count.offers")), total=replications)
            with interruptible():
                comparison = compare_offers(tender, base, replications, seed=seed, workers=workers,
                                            progress=lambda done, total: bar.update(task, completed=done),
                                            weights={**tender.weights, **chosen} if chosen else None)
    except ScenarioError as exc:
        print_problems(exc)
        raise typer.Exit(2) from None
    except ValueError as exc:
        fail(f"--weight: {exc}")
    sections = offer_sections(comparison, language)
    if out_dir is not None:
        from reports.exports import offers_workbook

        publish(out_dir, {
            "offers.csv": lambda path: neutralise_frame(comparison.figures).to_csv(path, index=False),
            "summary.csv": lambda path: neutralise_frame(comparison.summary).to_csv(path, index=False),
            "ranking.csv": lambda path: neutralise_frame(comparison.ranking.scores).to_csv(path),
            "sensitivity.csv": lambda path: neutralise_frame(comparison.ranking.sensitivity).to_csv(path,
                                                                                                  index=False),
            "comparison.xlsx": offers_workbook(comparison, language),
            "offers.yaml": tender_yaml(tender),
            "scenario.yaml": dump_study(comparison.study),
            "run.json": run_record([offers_file, base_path], seed, replications, workers),
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
        emit(output, document, comparison.summary)
        return
    note = say("app.cli_note", language, n=replications, seed=seed)
    out.print(Text(tender.name, style="bold") + Text(f"  ({note})"), highlight=False)
    out.print(Text(say("offers.report_note", language, tender=tender.name, base=base.name)),
              highlight=False, soft_wrap=True)

    def lines(title: str, found: list[str]) -> None:
        """Sentences under a bold title, bold where the sentence says so."""
        out.print(Text(title, style="bold"), highlight=False)
        for line in found:
            out.print(styled(line, "  "), highlight=False, soft_wrap=True)

    def of(*keys: str) -> list[Table]:
        return [table for table in sections if table.key in keys]

    print_tables(of("section.offer_costs"), tender.currency, language)
    lines(say("offers.verdict", language), cost_sentences(comparison, language))
    print_tables(of("section.offers", "section.weights", "section.ranking"), tender.currency, language)
    lines(say("offers.reading", language), ranking_sentences(comparison, language))
    print_tables(of("section.sensitivity"), tender.currency, language)
    if out_dir is not None:
        out.print(f"comparison written to {out_dir}", highlight=False)
