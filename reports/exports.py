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

import base64
import functools
import html
import io
import json
import zlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from simulation.compare import Comparison
from simulation.measures import METRICS
from sourcing import __version__, words
from sourcing.assumptions import assumptions, shown
from sourcing.cells import neutralise, neutralise_frame
from sourcing.scenario import Study

from .report import cell_text, label

say = words.say

FORMATS = {
    "money": '#,##0.0,"\u00a0k{symbol}"',
    "share": '0.00"\u00a0"%',
    "share3": '0.000"\u00a0"%',
    "probability": '0.0"\u00a0"%',
    "h": '#,##0.00"\u00a0h"',
    "count": "#,##0.00",
    "integer": "0",
    "score": "0.000",
}
"""Excel number formats by unit (the comma after the digits shows thousands: 1228345 reads 1,228.3 k€); a
no-break space before every unit, as the reports write them (``99.23 %``, ``4.50 h``)."""
MAX_WIDTH = 60
MIME_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --------------------------------------------------------------------------- cells and sheets


def safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell, column name, index label and axis name neutralised (categorical
    columns, text-typed labels and multi-level labels included)."""
    out = frame.copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.CategoricalDtype):
            out[column] = out[column].astype(object)
    columns, index = out.columns, out.index
    out = neutralise_frame(out)
    out.columns = _safe_axis(columns)
    out.index = _safe_axis(index)
    return out


def _safe_axis(axis: pd.Index) -> pd.Index:
    names = [neutralise(n) for n in axis.names]
    if isinstance(axis, pd.MultiIndex):
        return pd.MultiIndex.from_tuples([tuple(neutralise(v) for v in t) for t in axis], names=names)
    if axis.dtype == object or pd.api.types.is_string_dtype(axis.dtype) or isinstance(axis.dtype, pd.CategoricalDtype):
        return pd.Index([neutralise(v) for v in axis], dtype=object, name=names[0])
    return axis.rename(names[0])


def number_format(unit: str, currency: str = "EUR", mean: float | None = None) -> str | None:
    """The Excel number format of a figure's unit (three decimals of percent above 99 %)."""
    if unit == "share" and mean is not None and abs(mean) > 0.99:
        return FORMATS["share3"]
    found = FORMATS.get(unit)
    return found.format(symbol=words.symbol(currency)) if found else None


Format = str | None | Callable[[int], str | None]
"""A column's number format: one for every row, or one per row (its position in the frame)."""


def write_sheet(book, title: str, frame: pd.DataFrame, formats: dict[str, Format] | None = None,
                freeze_columns: int = 1, notes: Sequence[str] = ()) -> None:
    """``frame`` as a sheet: notes on top, a bold header row frozen with the first ``freeze_columns``
    columns, numbers kept as numbers with their column's format, text neutralised, widths that fit."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(_sheet_title(title, book))
    frame = safe(frame)
    for note in notes:
        sheet.append([neutralise(note)])
        sheet.cell(row=sheet.max_row, column=1).font = Font(italic=True)
    header_row = sheet.max_row + 1 if notes else 1
    sheet.append([str(c) for c in frame.columns])
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    formats = formats or {}
    for position, row in enumerate(frame.itertuples(index=False)):
        sheet.append([_cell(v) for v in row])
        for k, column in enumerate(frame.columns):
            wanted = formats.get(column)
            code = wanted(position) if callable(wanted) else wanted
            if code:
                sheet.cell(row=sheet.max_row, column=k + 1).number_format = code
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=freeze_columns + 1)
    for k, column in enumerate(frame.columns, start=1):
        texts = [str(column)] + [_shown_length(v) for v in frame[column].head(500)]
        width = min(MAX_WIDTH, max(10, max(len(t) for t in texts) + 2))
        sheet.column_dimensions[get_column_letter(k)].width = width
    if any(len(str(c)) > MAX_WIDTH for c in frame.columns):
        sheet.row_dimensions[header_row].height = 45


def _shown_length(value: Any) -> str:
    """Roughly what a cell shows: a number in k€ or % is shorter than its raw digits."""
    if isinstance(value, float):
        return f"{value:,.2f}"[:12]
    return "" if value is None else str(value)


def _cell(value: Any) -> Any:
    """A value openpyxl writes as a number, a boolean or text (NaN as an empty cell)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, (int, float, bool, str)):
        return value
    return str(value)


def _sheet_title(title: str, book) -> str:
    """A sheet title Excel accepts: at most 31 characters, none of []:*?/\\, unique in the book."""
    text = "".join(c for c in title if c not in "[]:*?/\\")[:31] or "Sheet"
    taken = set(book.sheetnames)
    base, k = text, 2
    while text in taken:
        text = f"{base[:28]} {k}"
        k += 1
    return text


def _workbook():
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    return book


def _bytes(book) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------- tables of a run


def headline_table(comparison: Comparison, currency: str = "EUR", lang: str = "en",
                   years: int | None = None) -> tuple[pd.DataFrame, dict[str, Format]]:
    """Option x figure: each headline figure's mean and its 95 % half-width as numbers, headers in the
    reader's language; and the number format of each column."""
    head = comparison.headline
    metrics = list(dict.fromkeys(head["metric"]))
    scenarios = list(dict.fromkeys(head["scenario"]))
    index = head.set_index(["scenario", "metric"])
    table: dict[str, list] = {say("export.option", lang): scenarios}
    formats: dict[str, Format] = {}
    for metric in metrics:
        kind = METRICS[metric].unit if metric in METRICS else ""
        name = label(metric, lang, years)
        means = [index.at[(s, metric), "mean"] if (s, metric) in index.index else None for s in scenarios]
        halves = [index.at[(s, metric), "half_width"] if (s, metric) in index.index else None for s in scenarios]
        table[name] = means
        table[f"{name} {say('export.half_width', lang)}"] = halves
        reference = max((abs(m) for m in means if m is not None), default=0.0)
        formats[name] = formats[f"{name} {say('export.half_width', lang)}"] = number_format(kind, currency, reference)
    table[say("section.frontier", lang)] = [say("app.yes" if s in comparison.frontier else "app.no", lang)
                                            for s in scenarios]
    return pd.DataFrame(table), formats


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


def differences_table(comparison: Comparison, currency: str = "EUR", lang: str = "en",
                      years: int | None = None) -> tuple[pd.DataFrame, dict[str, Format]]:
    """Paired differences against the baseline: option, figure, mean, interval, significance."""
    part = comparison.differences.reset_index(drop=True)
    kinds = [METRICS[m].unit if m in METRICS else "" for m in part["metric"]]
    frame = pd.DataFrame({
        say("export.option", lang): part["scenario"],
        say("export.figure", lang): [label(m, lang, years) for m in part["metric"]],
        say("export.difference", lang): part["mean"],
        say("export.ci_low", lang): part["ci_low"],
        say("export.ci_high", lang): part["ci_high"],
        say("export.significant", lang): [say("app.yes" if s else "app.no", lang) for s in part["significant"]],
        say("export.replications", lang): part["n"],
    })

    def by_row(position: int) -> str | None:
        return number_format(kinds[position], currency, part["mean"].iloc[position] if kinds[position] == "share"
                             and abs(part["mean"].iloc[position]) > 0.99 else None)

    return frame, {frame.columns[k]: by_row for k in (2, 3, 4)}


def risk_frame(comparison: Comparison, currency: str = "EUR", lang: str = "en",
               years: int | None = None) -> tuple[pd.DataFrame, dict[str, Format]]:
    """Per option: P95 of economic cost and of downtime, the chance of a month below target or SLA, and the
    months below, as numbers."""
    risk = comparison.risk
    over = words.horizon(years, lang) if years else ""
    columns = [("p95_economic_cost", say("section.p95_cost", lang, horizon=over).strip(), "money"),
               ("p95_downtime_hours", say("section.p95_downtime", lang, horizon=over).strip(), "h"),
               ("p_month_below", say("section.p_month_below", lang), "probability"),
               ("months_below", say("section.months_below", lang, horizon=over).strip(), "count")]
    frame = pd.DataFrame({say("export.option", lang): risk["scenario"],
                          **{name: risk[key] for key, name, _ in columns if key in risk}})
    return frame, {name: number_format(kind, currency) for key, name, kind in columns if key in risk}


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
    book = _workbook()
    currency = study.currency
    years = study.calendar.horizon
    if verdict:
        write_sheet(book, say("export.sheet.verdict", lang),
                    pd.DataFrame({say("verdict.title", lang): [plain(v) for v in verdict]}), freeze_columns=0,
                    notes=[study.name])
    frame, formats = headline_table(comparison, currency, lang, years)
    write_sheet(book, say("export.sheet.summary", lang), frame, formats,
                notes=[study.name, say("compare.table_note", lang)])
    frame, formats = costs_per_year(summary, currency, lang)
    write_sheet(book, say("export.sheet.costs", lang), frame, formats, freeze_columns=2)
    frame, formats = differences_table(comparison, currency, lang, years)
    write_sheet(book, say("export.sheet.against", lang), frame, formats, freeze_columns=2,
                notes=[say("section.against", lang, baseline=comparison.baseline)])
    frame, formats = risk_frame(comparison, currency, lang, years)
    write_sheet(book, say("export.sheet.risk", lang), frame, formats)
    frame, formats = figures_table(summary, currency, lang, study.names)
    write_sheet(book, say("export.sheet.figures", lang), frame, formats, freeze_columns=0)
    write_sheet(book, say("export.sheet.assumptions", lang), assumptions_table(study, lang))
    write_sheet(book, say("export.sheet.run", lang), _record([
        ("export.study", study.name), ("export.version", __version__), ("export.seed", seed),
        ("export.replications", replications), ("export.baseline", comparison.baseline),
        ("export.language", words.LANGUAGES.get(lang, lang)),
        ("export.created", datetime.now(UTC).isoformat(timespec="seconds"))], lang))
    return _bytes(book)


def tidy_csv(rows: pd.DataFrame, seed: int | None = None) -> bytes:
    """The tidy rows of a run as CSV: identifiers and plain numbers, one row per figure, text neutralised."""
    frame = rows if seed is None else rows.assign(seed=seed)
    return safe(frame).to_csv(index=False).encode("utf-8")


def plain(text: str) -> str:
    """A sentence of the app without its Markdown emphasis."""
    return text.replace("**", "")


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
    book = _workbook()
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
    return _bytes(book)


# --------------------------------------------------------------------------- HTML reports


STYLE = ("body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:1200px;"
         "padding:0 1rem;color:#222}h1{font-size:1.8rem}h2{margin-top:2.2rem;font-size:1.3rem}"
         ".verdict{border:1px solid #ccc;border-radius:8px;padding:.5rem 1.2rem;background:#fafafa}"
         "table{border-collapse:collapse;margin:1rem 0;font-size:.92rem}td,th{border:1px solid #ccc;"
         "padding:4px 8px;text-align:right;vertical-align:top}th:first-child,td:first-child{text-align:left}"
         "thead th{background:#f3f3f3}.note{color:#666;font-size:.9rem}.chart{min-height:440px;margin:1rem 0}")


@functools.lru_cache(maxsize=1)
def _plotly_packed() -> str:
    """plotly.js, deflate-compressed and base64-encoded (about 2 MB instead of 4.8)."""
    from plotly.offline import get_plotlyjs

    return base64.b64encode(zlib.compress(get_plotlyjs().encode("utf-8"), 9)).decode("ascii")


def _loader(packed: str, message: str) -> str:
    """The script that unpacks plotly.js once and draws every chart of the page (each ``div.chart`` holds
    its figure as JSON); a browser without DecompressionStream shows ``message`` in each chart's place."""
    return (
        "<script>(function(){var charts=document.querySelectorAll('div.chart');"
        "function draw(){charts.forEach(function(d){var f=JSON.parse(d.getAttribute('data-figure'));"
        "Plotly.newPlot(d,f.data,f.layout,{responsive:true,displaylogo:false});});}"
        "function fail(){charts.forEach(function(d){d.textContent=" + json.dumps(message) + ";});}"
        "if(!window.DecompressionStream){fail();return;}"
        f"var b=atob('{packed}');var a=new Uint8Array(b.length);"
        "for(var i=0;i<b.length;i++){a[i]=b.charCodeAt(i);}"
        "new Response(new Blob([a]).stream().pipeThrough(new DecompressionStream('deflate'))).text()"
        ".then(function(t){var s=document.createElement('script');s.textContent=t;document.head.appendChild(s);"
        "draw();}).catch(fail);})();</script>")


def chart_div(figure: Any) -> str:
    """A chart's place in a report page; :func:`charts_script`, once per page, draws every one."""
    return f"<div class='chart' data-figure='{html.escape(figure.to_json(), quote=True)}'></div>"


def charts_script(lang: str = "en") -> str:
    """The one embedded, compressed copy of plotly.js that draws the page's charts, offline."""
    return _loader(_plotly_packed(), say("export.report_old_browser", lang))


def html_report(title: str, sections: Sequence[tuple[str, pd.DataFrame]], figures: Sequence[Any], lang: str = "en",
                currency: str = "EUR", verdict: Sequence[str] = (), intro: Sequence[str] = (),
                note: str = "") -> str:
    """A single HTML file: the verdict first, the tables, then the interactive charts (plotly figures,
    drawn by one embedded, compressed copy of plotly.js: the file opens without a network)."""
    parts = [f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'>",
             "<meta name='viewport' content='width=device-width, initial-scale=1'>",
             f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>",
             f"<h1>{html.escape(title)}</h1>"]
    if verdict:
        parts.append(f"<div class='verdict'><h2>{html.escape(say('verdict.title', lang))}</h2>")
        parts += [f"<p>{_emphasis(line)}</p>" for line in verdict]
        parts.append("</div>")
    parts += [f"<p class='note'>{html.escape(line)}</p>" for line in intro]
    for heading, table in sections:
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        parts.append(table_html(table, currency, lang))
    if figures:
        parts.append(f"<h2>{html.escape(say('export.report_charts', lang))}</h2>")
        parts += [chart_div(figure) for figure in figures]
        parts.append(charts_script(lang))
    created = say("export.report_created", lang, version=__version__, date=datetime.now(UTC).date().isoformat())
    parts.append(f"<p class='note'>{html.escape(note)}</p>" if note else "")
    parts.append(f"<p class='note'>{html.escape(created)}</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _emphasis(line: str) -> str:
    """A sentence with its **bold** Markdown as HTML, everything else escaped."""
    pieces = html.escape(line).split("**")
    return "".join(f"<strong>{p}</strong>" if k % 2 else p for k, p in enumerate(pieces))


def table_html(table: pd.DataFrame, currency: str = "EUR", lang: str = "en") -> str:
    shown_table = table.map(lambda c: cell_text(c, currency, lang))
    return shown_table.to_html(escape=True, border=0)


def run_report(study: Study, comparison: Comparison, summary: pd.DataFrame, figures: Sequence[Any], seed: int,
               replications: int, lang: str = "en", verdict: Sequence[str] = (), note: str = "") -> str:
    """The report of a run: the verdict, the main table, every table of the run, the charts."""
    from .report import decision_sections, sections

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
