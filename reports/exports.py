"""Downloads built from a run, for every door: Excel workbooks, tidy CSV and self-contained HTML reports.

- **Excel**: one sheet per table, labels in the reader's language, numbers kept as numbers with an
  Excel number format (thousands of the currency ``k€``, percentages, hours), frozen header rows and
  column widths that fit; Excel shows them with the reader's own separators.
- **CSV**: tidy and machine-readable: identifiers, plain numbers, one row per figure.
- **HTML**: the verdict first, then the tables and the charts, in the reader's language; self-contained
  (it opens without a network) yet small: plotly.js is embedded once, compressed, and unpacked by the
  browser (``DecompressionStream``).

Every text cell goes through :func:`sourcing.cells.neutralise`: text taken from a provider's grid or a
scenario file (an offer named ``=cmd|' /C calc'!A0``) reaches the buyer's spreadsheet as text, never as a
live formula. Nothing here imports Streamlit; plotly is imported only to embed its script in a report.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from simulation.compare import Comparison
from simulation.measures import METRICS
from sourcing import __version__, words
from sourcing.assumptions import assumptions, shown
from sourcing.cells import neutralise_frame
from sourcing.scenario import Study

from .emphasis import plain
from .excel import FORMATS, Format, by_figure, by_option, number_format, to_bytes, workbook, write_sheet
from .html import html_report
from .report import decision_sections, label
from .tables import Table, find

say = words.say

# --------------------------------------------------------------------------- tables of a run


def costs_per_year(summary: pd.DataFrame, currency: str = "EUR", lang: str = "en") -> tuple[pd.DataFrame,
                                                                                           dict[str, Format]]:
    """Mean cost per option, category and scenario year, and over the horizon (one row per option and
    category), in the currency (shown in thousands)."""
    part = summary[(summary["scope"] == "scenario") & summary["metric"].str.startswith("cost.")]
    table = part.pivot_table(index=["scenario", "metric"], columns="period", values="mean", sort=False,
                             observed=True)
    periods = sorted((p for p in table.columns if str(p).startswith("Y")), key=lambda p: int(str(p)[1:]))
    unit = words.thousands(currency)
    money = number_format("money", currency)
    rows = []
    for (scenario, metric), values in table.iterrows():
        row = {say("export.option", lang): scenario,
               say("export.category", lang): say(f"cost.{str(metric).removeprefix('cost.')}", lang)}
        for period in periods:
            row[say("export.year", lang, n=str(period)[1:], unit=unit)] = values.get(period)
        row[say("export.total", lang, horizon=words.horizon(len(periods), lang), unit=unit)] = values.get("all")
        rows.append(row)
    frame = pd.DataFrame(rows)
    return frame, {c: money for c in frame.columns[2:]}


def figures_table(summary: pd.DataFrame, currency: str = "EUR", lang: str = "en",
                  names: dict[str, str] | None = None) -> tuple[pd.DataFrame, dict[str, Format]]:
    """Every figure of the run, one per row: the identifier and the label, the mean and half-width with
    the number format of the figure's own unit."""
    names = names or {}
    part = summary.reset_index(drop=True)
    metrics = part["metric"].astype(str).tolist()
    kinds = [METRICS[m].unit if m in METRICS else "" for m in metrics]
    frame = pd.DataFrame({
        say("export.option", lang): part["scenario"].astype(str),
        say("export.scope", lang): [words.say_or(f"export.scope_of.{s}", str(s), lang) for s in part["scope"]],
        say("export.subject", lang): [_subject(str(s), names) for s in part["subject"]],
        say("export.figure", lang): [label(m, lang) for m in metrics],
        say("export.priority", lang): part["priority"].astype(str),
        say("export.period", lang): [_period(str(p), lang) for p in part["period"]],
        say("app.mean", lang): part["mean"],
        say("export.half_width", lang): part["half_width"],
        say("export.replications", lang): part["n"],
    })
    means = part["mean"].tolist()

    def by_row(position: int) -> str | None:
        mean = means[position]
        return number_format(kinds[position], currency, mean if mean == mean else None)

    return frame, {frame.columns[6]: by_row, frame.columns[7]: by_row}


def _subject(subject: str, names: dict[str, str]) -> str:
    """What a figure is about by its name: the whole option (``all``) left blank, a team member under the
    team's name (``Messaging admins / admin 1``)."""
    if subject == "all":
        return ""
    return " / ".join(names.get(part, part) for part in subject.split("/"))


def _period(period: str, lang: str) -> str:
    """A figure's period in words: the whole horizon, ``Year 2``; a month as written (``2027-03``)."""
    if period == "all":
        return say("export.period_all", lang)
    if period[:1] == "Y" and period[1:].isdigit():
        return say("export.period_year", lang, n=period[1:])
    return period


def assumptions_table(study: Study, lang: str = "en") -> pd.DataFrame:
    """The assumptions a person reads: each parameter by its label in the registry and the name it is under
    (not its path in the file), the value as the file writes it, its unit, whether it is the tool's default
    and where it comes from."""
    from sourcing.paths import path_label

    rows = [shown(a, lang) for a in assumptions(study)]
    for row in rows:
        row["path"] = path_label(str(row["path"]), lang, study.names)
        row["default"] = say("app.yes" if row["default"] else "app.no", lang)
    return pd.DataFrame(rows).rename(columns={
        "path": say("assumptions.parameter", lang), "value": say("assumptions.value", lang),
        "unit": say("app.unit", lang), "default": say("assumptions.default", lang),
        "source": say("assumptions.source", lang)})


def _record(fields: list[tuple[str, Any]], lang: str) -> pd.DataFrame:
    return pd.DataFrame({say("export.field", lang): [say(k, lang) for k, _ in fields],
                         say("export.value", lang): [v for _, v in fields]})


def excel_workbook(study: Study, summary: pd.DataFrame, comparison: Comparison, seed: int, replications: int,
                   lang: str = "en", verdict: Sequence[str] = ()) -> bytes:
    """The verdict, the summary per option, costs per year, paired differences, risk tail, every figure,
    the assumptions and the run record: one sheet per table."""
    book = workbook()
    currency = study.currency
    years = study.calendar.horizon
    if verdict:
        write_sheet(book, say("export.sheet.verdict", lang),
                    pd.DataFrame({say("verdict.title", lang): [plain(v) for v in verdict]}), freeze_columns=0,
                    notes=[study.name])
    tables = decision_sections(comparison, lang, years)
    frame, formats = by_option(find(tables, "section.comparison"), currency, lang)
    write_sheet(book, say("export.sheet.summary", lang), frame, formats,
                notes=[study.name, say("compare.table_note", lang)])
    frame, formats = costs_per_year(summary, currency, lang)
    write_sheet(book, say("export.sheet.costs", lang), frame, formats, freeze_columns=2)
    against = next((t for t in tables if t.key == "section.against"), Table("section.against", "", pd.DataFrame()))
    frame, formats = by_figure(against, currency, lang)
    write_sheet(book, say("export.sheet.against", lang), frame, formats, freeze_columns=2,
                notes=[say("section.against", lang, baseline=comparison.baseline)])
    frame, formats = by_option(find(tables, "section.risk"), currency, lang)
    write_sheet(book, say("export.sheet.risk", lang), frame, formats)
    frame, formats = figures_table(summary, currency, lang, study.names)
    write_sheet(book, say("export.sheet.figures", lang), frame, formats, freeze_columns=0)
    write_sheet(book, say("export.sheet.assumptions", lang), assumptions_table(study, lang))
    write_sheet(book, say("export.sheet.run", lang), _record([
        ("export.study", study.name), ("export.version", __version__), ("export.seed", seed),
        ("export.replications", replications), ("export.baseline", comparison.baseline),
        ("export.language", words.LANGUAGES.get(lang, lang)),
        ("export.created", datetime.now(UTC).isoformat(timespec="seconds"))], lang))
    return to_bytes(book)


def tidy_csv(rows: pd.DataFrame, seed: int | None = None) -> bytes:
    """The tidy rows of a run as CSV: identifiers and plain numbers, one row per figure, text neutralised."""
    frame = rows if seed is None else rows.assign(seed=seed)
    return neutralise_frame(frame).to_csv(index=False).encode("utf-8")


# --------------------------------------------------------------------------- procurement


def offers_workbook(comparison, lang: str = "en") -> bytes:
    """Procurement workbook: each offer's figures with their intervals, the ranking and what it says, the
    sensitivity of the winner, the scores and weights, the offers as received, every replication, the run."""
    from simulation.procurement import FIGURES
    from sourcing.tender import criterion_label

    from .report import figure_label, ranking_sentences

    tender = comparison.tender
    currency = tender.currency
    offers = list(tender.offers)
    summary = comparison.summary.set_index(["offer", "figure"])
    book = workbook()
    rows, kinds = [], []
    for figure, kind in FIGURES.items():
        row = {say("export.figure", lang): figure_label(figure, lang)}
        for offer in offers:
            found = (offer, figure) in summary.index
            row[tender.name_of(offer)] = summary.at[(offer, figure), "mean"] if found else None
            row[f"{tender.name_of(offer)} {say('export.half_width', lang)}"] = \
                summary.at[(offer, figure), "half_width"] if found else None
        rows.append(row)
        kinds.append(kind)
    frame = pd.DataFrame(rows)
    write_sheet(book, say("export.sheet.offers", lang), frame,
                {c: (lambda k: number_format(kinds[k], currency)) for c in frame.columns[1:]},
                notes=[tender.name, say("offers.report_note", lang, tender=tender.name, base=comparison.study.name)])
    from .report import compliance_text

    scores = comparison.ranking.scores
    frame = pd.DataFrame({
        say("export.offer", lang): [tender.name_of(o) for o in scores.index],
        say("eligibility.column", lang): [compliance_text(comparison, o, lang) for o in scores.index],
        say("ranking.weighted_sum_score", lang): scores["weighted_sum"],
        say("ranking.weighted_sum_rank", lang): scores["weighted_sum_rank"],
        say("ranking.topsis_score", lang): scores["topsis"],
        say("ranking.topsis_rank", lang): scores["topsis_rank"]})
    write_sheet(book, say("export.sheet.ranking", lang), frame,
                {frame.columns[2]: FORMATS["score"], frame.columns[4]: FORMATS["score"]},
                notes=[plain(s) for s in ranking_sentences(comparison, lang)])
    sensitivity = comparison.ranking.sensitivity
    if not sensitivity.empty:
        frame = pd.DataFrame({
            say("export.method", lang): [say(f"ranking.method_{m}", lang) for m in sensitivity["method"]],
            say("export.criterion", lang): [criterion_label(c, tender.criteria, lang)
                                            for c in sensitivity["criterion"]],
            say("export.weight", lang): sensitivity["weight"],
            say("export.winner", lang): [tender.name_of(w) for w in sensitivity["winner"]],
            say("export.switch_below", lang): sensitivity["switch_below"],
            say("export.winner_below", lang): [tender.name_of(w) if w else "" for w in sensitivity["winner_below"]],
            say("export.switch_above", lang): sensitivity["switch_above"],
            say("export.winner_above", lang): [tender.name_of(w) if w else "" for w in sensitivity["winner_above"]]})
        percent = FORMATS["share"].replace("0.00", "0", 1)
        write_sheet(book, say("export.sheet.sensitivity", lang), frame,
                    {frame.columns[k]: percent for k in (2, 4, 6)}, freeze_columns=2)
    keys = list(tender.criteria)
    frame = pd.DataFrame({say("export.criterion", lang): [criterion_label(k, tender.criteria, lang) for k in keys],
                          **{tender.name_of(o): [tender.offers[o].scores.get(k) for k in keys] for o in offers}})
    write_sheet(book, say("export.sheet.scores", lang), frame)
    ranking = comparison.ranking
    frame = pd.DataFrame({
        say("export.criterion", lang): [criterion_label(k, tender.criteria, lang) for k in ranking.entered],
        say("ranking.entered", lang): list(ranking.entered.values()),
        say("ranking.normalised", lang): [ranking.weights[k] for k in ranking.entered]})
    write_sheet(book, say("export.sheet.weights", lang), frame, {frame.columns[2]: FORMATS["share"]},
                notes=[say("section.weights", lang)])
    frame = pd.DataFrame({
        say("export.offer", lang): [tender.name_of(o) for o in offers],
        say("export.identifier", lang): offers,
        say("export.provider", lang): [tender.offers[o].provider for o in offers],
        say("export.description", lang): [tender.offers[o].description for o in offers],
        say("export.coverage", lang): [tender.offers[o].coverage for o in offers],
        say("export.hosting", lang): [tender.offers[o].hosting for o in offers],
        say("export.contract_years", lang): [tender.offers[o].contract_years for o in offers]})
    write_sheet(book, say("export.sheet.received", lang), frame)
    figures = comparison.figures
    # Each figure by its label, its value as a number in the figure's format (the identifiers stay in the
    # machine-readable files written beside the workbook).
    figure_kinds = [FIGURES.get(f, "") for f in figures["figure"]]
    frame = pd.DataFrame({say("export.offer", lang): [tender.name_of(o) for o in figures["offer"]],
                          say("export.replication", lang): figures["replication"],
                          say("export.figure", lang): [figure_label(f, lang) for f in figures["figure"]],
                          say("export.value", lang): figures["value"]})
    write_sheet(book, say("export.sheet.replications", lang), frame,
                {frame.columns[3]: lambda k: number_format(figure_kinds[k], currency) or FORMATS["count"]},
                freeze_columns=0)
    write_sheet(book, say("export.sheet.run", lang), _record([
        ("export.tender", tender.name), ("export.base", comparison.study.name), ("export.version", __version__),
        ("export.seed", comparison.results.seed), ("export.replications", comparison.results.replications),
        ("export.language", words.LANGUAGES.get(lang, lang)),
        ("export.created", datetime.now(UTC).isoformat(timespec="seconds"))], lang))
    return to_bytes(book)


def run_report(study: Study, comparison: Comparison, summary: pd.DataFrame, figures: Sequence[Any], seed: int,
               replications: int, lang: str = "en", verdict: Sequence[str] = (), note: str = "") -> str:
    """The report of a run: the verdict, the main table, every table of the run, the charts."""
    from .report import sections

    years = study.calendar.horizon
    intro = ([study.description] if study.description else []) + [
        say("export.report_run", lang, n=replications, seed=seed, version=__version__)]
    tables = decision_sections(comparison, lang, years) + sections(summary, lang, study.names)
    return html_report(study.name, tables, figures, lang, study.currency, verdict, intro, note)


def offers_report(comparison, figures: Sequence[Any], lang: str = "en") -> str:
    """Self-contained HTML report of a procurement comparison: which offer and what it costs, what the
    rankings say, then the tables and the charts."""
    from .report import cost_sentences, offer_sections, ranking_sentences

    tender = comparison.tender
    intro = [say("offers.report_note", lang, tender=tender.name, base=comparison.study.name),
             say("export.report_run", lang, n=comparison.results.replications, seed=comparison.results.seed,
                 version=__version__)]
    return html_report(tender.name, offer_sections(comparison, lang), figures, lang, tender.currency,
                       cost_sentences(comparison, lang) + ranking_sentences(comparison, lang), intro)
