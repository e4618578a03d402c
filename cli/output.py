"""What the command line prints on the terminal: errors and problems, notices on a scenario, the verdict and
sentences of the catalogue (bold where they say so), and titled tables."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.text import Text

from reports.emphasis import pieces
from reports.tables import Table, text
from sourcing import __version__
from sourcing.errors import ScenarioError
from sourcing.scenario import Study

from .console import err, out
from .console import table as _table


def fail(message: str, code: int = 2) -> None:
    err.print(Text("error: ", style="bold red") + Text(message), highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def print_problems(exc: ScenarioError) -> None:
    for line in exc.describe().splitlines():
        err.print(Text("✗ ", style="red") + Text(line), highlight=False, soft_wrap=True)


def print_notices(study: Study, notes: bool = False, console: Console = err) -> None:
    """Warnings on values a French reader would question (and, with ``notes``, how public holidays
    change the windows): the file is valid and runs as written."""
    from sourcing.checks import notices

    for notice in notices(study):
        if notice.kind == "note" and not notes:
            continue
        style = "yellow" if notice.kind == "warning" else "cyan"
        console.print(Text(f"  {notice.kind}: ", style=style) + Text(notice.text()), highlight=False,
                      soft_wrap=True)


def capitalised(text: str) -> str:
    """A label that heads a column: its first letter upper case (``the monthly fee`` -> ``The monthly fee``)."""
    return text[:1].upper() + text[1:]


def print_verdict(words: list[str], lang: str = "en") -> None:
    """The verdict, first and in plain words (bold where the sentence says so)."""
    from sourcing.words import say

    out.print(Text(say("section.verdict", lang), style="bold"), highlight=False)
    for line in words:
        out.print(styled(line, "  "), highlight=False, soft_wrap=True)


def styled(line: str, indent: str = "") -> Text:
    """A sentence of the catalogue for the terminal, bold where it says so (``**name**``)."""
    text = Text(indent)
    for part, bold in pieces(line):
        text.append(part, style="bold" if bold else "")
    return text


def print_said(line: str) -> None:
    """A sentence of the catalogue, bold where it says so (``**name**``)."""
    out.print(styled(line), highlight=False, soft_wrap=True)


def print_run(study: Study, replications: int, seed: int, results, decision, lang: str = "en") -> None:
    from sourcing.words import percent, say

    note = say("app.cli_note", lang, n=replications, seed=seed)
    if results.target is not None:
        reached = say("app.cli_reached" if results.precision <= results.target else "app.cli_not_reached", lang)
        note += say("app.cli_precision", lang, target=percent(results.target, lang, 1), reached=reached,
                    worst=percent(results.precision, lang, 2))
    print_sections(study.name, note, study.currency, decision, results.summary, lang, study.calendar.horizon,
                    study.names)


def print_sections(name: str, note: str, currency: str, decision, summary, lang: str = "en",
                    years: int | None = None, names: dict[str, str] | None = None,
                    headers: dict[str, str] | None = None) -> None:
    """The comparison's tables; totals say ``years`` (0: the options' horizons differ, and ``headers``
    name each option with its own)."""
    from reports.report import decision_sections, sections

    out.print(Text(name, style="bold") + Text(f"  ({note})"), highlight=False)
    print_tables(decision_sections(decision, lang, years) + sections(summary, lang, names, years), currency, lang,
                  headers)


def print_tables(tables: list[Table], currency: str, lang: str = "en", headers: dict[str, str] | None = None) -> None:
    """The terminal's renderer of the table model: each table under its title, its cells in the reader's
    locale; ``headers`` renames columns (an option with its horizon)."""
    for table in tables:
        shown = text(table, currency, lang)
        rich_table = _table(table.title, [shown.index.name or "", *[(headers or {}).get(c, c) for c in shown.columns]],
                            first_left=True)
        for metric, row in shown.iterrows():
            rich_table.add_row(Text(str(metric)), *[Text(c) for c in row])
        out.print(rich_table)


def print_store(store: Path, found: list, lang: str) -> None:
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
        print_tables([Table("store.map", grid.title, cells)], found[0].study.currency, lang)
    along = cost_along(found, lang)
    if along is not None:
        title, frame = along
        print_tables([Table("store.cost_along", title, frame.rename(index=value))], found[0].study.currency, lang)
    shown = compact(found, lang, label, value)
    rich_table = _table(say("store.cli_title", lang, studies=count(len(found), "count.studies", lang),
                            store=store.name), list(shown.columns), first_left=True)
    for row in shown.itertuples(index=False):
        rich_table.add_row(*[Text(str(v)) for v in row])
    out.print(rich_table)
    swept = parameters_of(found)
    for item in found:
        out.print(Text(f"\n{study_title(item, swept, label, value, lang)}", style="bold"), highlight=False)
        print_verdict(sentences(item.verdict, lang, item.study.currency, item.results.replications,
                                 item.study.names), lang)
        print_tables([Table("store.figures", "", figures_shown(item, lang).set_index(""))], item.study.currency,
                     lang)
