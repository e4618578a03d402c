"""Reports from a run store: each study's verdict and figures, and which option wins where across the
variants of a batch (a table, and a map of the winner over two swept parameters).

The command line (``sourcing report``) and the app's store page both read a store through here; the
store is opened read-only and nothing is simulated again.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd
import plotly.graph_objects as go

from simulation.compare import Comparison, compare
from simulation.replications import Results
from simulation.store import Store
from simulation.verdict import Verdict, verdict
from sourcing import __version__
from sourcing.cells import neutralise
from sourcing.files import parse_yaml, study_from_data
from sourcing.scenario import Study

from .emphasis import as_html, plain
from .html import STYLE, chart_div, charts_script
from .verdict import sentences

HEADLINE = ("economic_cost", "cost_of_ownership", "availability_service_time", "downtime_hours")
"""The figures of a study's sheet, per option: mean and 95 % half-width."""


class StoredStudy(NamedTuple):
    """One study of a store, read back: its place in the batch, its resolved scenario and its results."""

    key: str
    file: str
    variant: str
    parameters: dict[str, Any]
    study: Study
    results: Results
    comparison: Comparison
    verdict: Verdict


def studies(store: Store, keys: list[str] | None = None) -> list[StoredStudy]:
    """The store's studies (all, or those of ``keys``) with at least two finished replications, in batch
    order, each with its comparison and verdict."""
    table = store.studies()
    out = []
    for row in table.itertuples(index=False):
        if keys is not None and row.study not in keys:
            continue
        rows = store.rows(row.study)
        if rows.empty or rows["replication"].nunique() < 2:
            continue
        source = f"{store.path.name}: study {row.variant} (stored scenario)"
        data, root = parse_yaml(row.scenario_yaml, source)
        study = study_from_data(data, source, root)
        rows = rows.astype({c: "category" for c in ("scenario", "scope", "subject", "metric", "priority",
                                                     "period")})
        controls = store.controls(row.study)
        means = store.control_means(row.study) or None
        results = Results(study, int(row.seed), int(rows["replication"].nunique()), rows, controls=controls,
                          control_means=means)
        comparison = compare(rows, study.baseline_name, controls, means, study, results.summary)
        out.append(StoredStudy(row.study, row.file, row.variant, json.loads(row.parameters or "{}"), study,
                               results, comparison, verdict(results, study, seed=int(row.seed))))
    return out


def across_variants(found: list[StoredStudy]) -> pd.DataFrame:
    """One row per study: the base file, the variant and its parameter values, the replications, the
    recommended option, its margin over the runner-up (economic cost over the horizon, with the 95 %
    interval) and the mean economic cost of every option."""
    records = []
    for item in found:
        v = item.verdict
        record: dict[str, Any] = {"file": item.file, "variant": item.variant, **item.parameters,
                                  "replications": item.results.replications, "recommended": v.recommended,
                                  "runner_up": v.runner_up}
        mean, low, high = v.difference if v.difference is not None else (float("nan"),) * 3
        record.update({"margin": mean, "margin_low": low, "margin_high": high,
                       "settled": None if v.difference is None else bool(low > 0), "decided": v.decided})
        headline = item.comparison.headline
        costs = headline[headline["metric"] == "economic_cost"]
        for option, value in zip(costs["scenario"], costs["mean"]):
            record[f"economic_cost: {option}"] = float(value)
        records.append(record)
    return pd.DataFrame(records)


def parameters_of(found: list[StoredStudy]) -> list[str]:
    """The parameter paths that vary across the studies, in the order the batch gives them."""
    seen: dict[str, set[str]] = {}
    for item in found:
        for path, value in item.parameters.items():
            seen.setdefault(path, set()).add(json.dumps(value, default=str))
    return [path for path, values in seen.items() if len(values) > 1]


def compact(found: list[StoredStudy], lang: str = "en", label: Callable[[str], str] | None = None,
            value: Callable[[Any], str] | None = None) -> pd.DataFrame:
    """The table across variants as a reader scans it: the swept parameters by their short names (the
    variant's name when nothing was swept), the file only when there are several, the recommended option,
    the runner-up and the margin with its interval in the reader's locale. A door that says paths and values
    in words gives ``label`` (a path's header) and ``value`` (a value of the file as the reader writes it)."""
    from sourcing.words import INTERVAL_SEPARATOR, money, say

    table = across_variants(found)
    swept = parameters_of(found)
    short = {p: (label or _short)(p) for p in swept}
    if len(set(short.values())) < len(short):
        short = {p: p for p in swept}
    if value is not None:
        table = table.assign(**{p: table[p].map(value) for p in swept})
    table["file"] = table["file"].map(lambda f: Path(str(f)).name)   # never where it was on the machine
    columns = (["file"] if table["file"].nunique() > 1 else []) + (swept or ["variant"])
    short.update({"file": say("store.file", lang), "variant": say("store.variant", lang),
                  "recommended": say("store.recommended", lang), "runner_up": say("store.runner_up", lang)})
    shown = table[columns + ["recommended", "runner_up"]].rename(columns=short).astype(object)
    shown = shown.where(shown.notna(), "")
    currency = found[0].study.currency if found else "EUR"
    shown[say("store.margin", lang)] = [
        "" if m != m else f"{money(m, currency, lang)} [{money(lo, currency, lang)}"
                          f"{INTERVAL_SEPARATOR.get(lang, ', ')}{money(hi, currency, lang)}]"
        for m, lo, hi in zip(table["margin"], table["margin_low"], table["margin_high"])]
    return shown


def _number(value: Any) -> float | None:
    from sourcing.paths import quantity

    try:
        return quantity(value).number
    except ValueError:
        return None


def _short(path: str) -> str:
    return path.rsplit(".", 1)[-1]


def cost_along(found: list[StoredStudy], lang: str = "en") -> tuple[str, pd.DataFrame] | None:
    """With one swept parameter: the economic cost of every option at each of its values, and the
    recommended option (``?`` when its margin's interval still contains zero); None otherwise."""
    from sourcing.words import money, say

    swept = parameters_of(found)
    if len(swept) != 1:
        return None
    x = swept[0]
    table = across_variants(found)
    currency = found[0].study.currency
    options = [c for c in table.columns if c.startswith("economic_cost: ")]
    rows = {}
    for _, row in table.iterrows():
        rows.setdefault(str(row[x]), {
            **{c.removeprefix("economic_cost: "): money(row[c], currency, lang) for c in options},
            say("store.recommended", lang): _mark(row)})
    frame = pd.DataFrame.from_dict(rows, orient="index").reindex(_in_order(rows))
    return say("store.cost_along", lang, parameter=x), frame


class WinnerMap(NamedTuple):
    """Which option wins where over two swept parameters: rows are the values of ``y``, columns those of
    ``x``, a cell the recommended option, followed by ``?`` when its margin's interval still contains zero."""

    title: str
    x: str
    y: str
    cells: pd.DataFrame


def _in_order(values) -> list[str]:
    """Parameter values as text, in the order of their numbers (``6 EUR`` before ``10 EUR``)."""
    return sorted({str(v) for v in values}, key=lambda v: (_number(v) is None, _number(v) or 0, v))


def _mark(row: Any) -> str:
    """A study's recommended option as a map cell: ``!`` when no option's figures can be right (the cheapest
    is then named, not recommended), ``?`` when its margin's interval still contains zero."""
    if not row.get("decided", True):
        return f"{row['recommended']} !"
    return row["recommended"] + (" ?" if _unsettled(row["settled"]) else "")


def _unsettled(settled: Any) -> bool:
    """A margin whose interval still contains zero (``settled`` is False; None when there is no runner-up)."""
    return settled is not None and settled == settled and not bool(settled)


def winner_grids(found: list[StoredStudy], lang: str = "en", label: Callable[[str], str] | None = None,
                 value: Callable[[Any], str] | None = None) -> list[WinnerMap]:
    """The recommended option over the two swept parameters with the most values, one grid per value of
    any other swept parameter (none when fewer than two parameters are swept)."""
    from sourcing.words import say

    label = label or (lambda path: path)
    value = value or str

    table = across_variants(found)
    swept = sorted(parameters_of(found), key=lambda p: -table[p].astype(str).nunique())
    if len(swept) < 2:
        return []
    x, y, rest = swept[0], swept[1], swept[2:]
    groups = table.groupby([table[p].astype(str) for p in rest], sort=False) if rest else [((), table)]
    out = []
    for key, part in groups:
        cells = pd.DataFrame("", index=pd.Index(_in_order(part[y]), name=_short(y)), columns=_in_order(part[x]))
        for _, row in part.iterrows():
            if not cells.at[str(row[y]), str(row[x])]:   # several files with the same values: the first
                cells.at[str(row[y]), str(row[x])] = _mark(row)
        suffix = ", ".join(f"{label(p)} = {value(v)}" for p, v in zip(rest, key if isinstance(key, tuple) else (key,)))
        out.append(WinnerMap(say("store.winner_map", lang) + (f" ({suffix})" if suffix else ""), x, y, cells))
    return out


def winner_maps(found: list[StoredStudy], lang: str = "en", label: Callable[[str], str] | None = None,
                value: Callable[[Any], str] | None = None) -> list[go.Figure]:
    """Which option wins where, drawn: the grids of :func:`winner_grids` as maps coloured by option; with
    one swept parameter, the economic cost of every option along it. ``label`` and ``value`` say a path and
    a value of the file in words (see :func:`compact`)."""
    from sourcing.words import say, thousands

    label = label or (lambda path: path)
    value = value or str

    table = across_variants(found)
    swept = parameters_of(found)
    if not swept:
        return []
    options = list(dict.fromkeys(o for item in found for o in item.verdict.qualifying + [item.verdict.recommended]))
    colours = {o: c for o, c in zip(options, _PALETTE * 4)}
    if len(swept) == 1:
        x = swept[0]
        part = table.assign(_x=table[x].map(_number)).sort_values("_x")
        figure = go.Figure()
        for option in options:
            column = f"economic_cost: {option}"
            if column in part:
                figure.add_scatter(x=part[x].map(value), y=part[column] / 1000, name=option, mode="lines+markers",
                                   line={"color": colours[option]})
        unit = thousands(found[0].study.currency)
        figure.update_layout(title=say("store.cost_along", lang, parameter=label(x)), xaxis_title=label(x),
                             yaxis_title=say("store.economic_cost_k", lang, unit=unit), height=420)
        return [figure]
    n = max(len(options), 1)
    scale = []
    for k, option in enumerate(options):
        scale += [[k / n, colours[option]], [(k + 1) / n, colours[option]]]
    figures = []
    colon = "\u202f: " if lang == "fr" else ": "
    for grid in winner_grids(found, lang, label, value):
        cells = grid.cells
        codes = [[options.index(c.removesuffix(" ?")) if c else None for c in row] for row in cells.to_numpy()]
        figure = go.Figure(go.Heatmap(z=codes, x=[value(c) for c in cells.columns], y=[value(r) for r in cells.index],
                                      text=cells.to_numpy(), texttemplate="%{text}", zmin=-0.5, zmax=n - 0.5,
                                      colorscale=scale, showscale=False,
                                      hovertemplate=f"{label(grid.x)}{colon}%{{x}}<br>{label(grid.y)}{colon}%{{y}}<br>"
                                                    "%{text}<extra></extra>"))
        figure.update_layout(title=grid.title, xaxis_title=label(grid.x), yaxis_title=label(grid.y),
                             height=140 + 45 * len(cells),
                             xaxis={"type": "category"}, yaxis={"type": "category"})
        figures.append(figure)
    return figures


_PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
            "#17becf"]


def headline(item: StoredStudy) -> pd.DataFrame:
    """Per option: mean and 95 % half-width of the headline figures (numbers, for a workbook)."""
    part = item.comparison.headline
    part = part[part["metric"].isin(HEADLINE)]
    table = part.pivot_table(index="scenario", columns="metric", values=["mean", "half_width"], sort=False)
    table.columns = [f"{metric} ({stat})" for stat, metric in table.columns]
    return table.reset_index()


def figures_shown(item: StoredStudy, lang: str = "en") -> pd.DataFrame:
    """The headline figures as the reader reads them: mean ± 95 % half-width in the reader's locale."""
    from sourcing.words import estimate

    from .report import label, unit

    currency = item.study.currency
    part = item.comparison.headline
    out: dict[str, dict[str, str]] = {}
    for row in part[part["metric"].isin(HEADLINE)].itertuples(index=False):
        half = None if row.half_width != row.half_width else row.half_width
        out.setdefault(row.scenario, {})[label(row.metric, lang, item.study.calendar.horizon)] = estimate(
            row.mean, half, unit(row.metric), currency, lang)
    return pd.DataFrame.from_dict(out, orient="index").rename_axis("").reset_index()


def reader_words(found: list[StoredStudy], lang: str = "en") -> tuple[Callable[[str], str], Callable[[Any], str]]:
    """How a report a person reads says a swept path and a value of the file: the path by its label in the
    registry (``sourcing/labels/param.toml``) with the name of the service, team or offer it is under, the
    value in the reader's locale with its unit (``2 500 €``, ``99,50 %``)."""
    from sourcing.paths import path_label, quantity
    from sourcing.words import value as value_in_words

    names = {key: name for item in found for key, name in item.study.names.items()}

    def label(path: str) -> str:
        return path_label(path, lang, names)

    def value(raw: Any) -> str:
        try:
            found_quantity = quantity(raw)
        except ValueError:
            return names.get(str(raw), str(raw))
        return value_in_words(found_quantity.number, found_quantity.unit, lang)

    return label, value


def study_title(item: StoredStudy, swept: list[str], label: Callable[[str], str], value: Callable[[Any], str],
                lang: str = "en") -> str:
    """A study as a reader names it: its swept parameters in words (the study's name when nothing is swept)."""
    colon, between = ("\u202f: ", "\u202f; ") if lang == "fr" else (": ", "; ")
    said = between.join(f"{label(p)}{colon}{value(item.parameters[p])}" for p in swept if p in item.parameters)
    return said or item.study.name


def workbook(store: Store, found: list[StoredStudy], lang: str = "en") -> bytes:
    """An Excel workbook a person reads: the studies across variants (parameters and options by their names,
    amounts as numbers with a number format), the maps of which option wins where (when two parameters or
    more are swept), then one sheet per study (its verdict in words and its headline figures), and the runs
    that filled the store. Text cells are neutralised. The identifiers stay in the machine-readable outputs
    (``sourcing report --format json``, ``sourcing export``)."""
    from openpyxl.styles import Font

    from sourcing.words import say

    from .excel import add_sheet, by_option, number_format, to_bytes, workbook, write_sheet
    from .report import decision_sections
    from .report import label as metric_label
    from .tables import find

    label, value = reader_words(found, lang)
    swept = parameters_of(found)
    book = workbook()
    currency = found[0].study.currency if found else "EUR"
    years = found[0].study.calendar.horizon if found else None
    money = number_format("money", currency)
    several = len({item.file for item in found}) > 1
    cost = metric_label("economic_cost", lang, years)
    table = across_variants(found)
    frame: dict[str, list] = {}
    if several:
        frame[say("store.file", lang)] = [Path(f).name for f in table["file"]]
    if not swept:   # otherwise each swept parameter has its column
        frame[say("store.study_name", lang)] = [item.study.name for item in found]
    for path in swept:
        frame[label(path)] = [value(v) for v in table[path]]
    frame[say("store.replications", lang)] = list(table["replications"])
    frame[say("store.recommended", lang)] = [_mark(row) for _, row in table.iterrows()]
    frame[say("store.runner_up", lang)] = [v if isinstance(v, str) else "" for v in table["runner_up"]]
    formats: dict[str, Any] = {}
    for key, column in (("store.margin_mean", "margin"), ("store.margin_low", "margin_low"),
                        ("store.margin_high", "margin_high")):
        frame[say(key, lang)] = list(table[column])
        formats[say(key, lang)] = money
    frame[say("store.settled", lang)] = ["" if s is None or s != s else say("app.yes" if s else "app.no", lang)
                                         for s in table["settled"]]
    for column in [c for c in table.columns if c.startswith("economic_cost: ")]:
        name = say("store.cost_of", lang, cost=cost, option=column.removeprefix("economic_cost: "))
        frame[name] = list(table[column])
        formats[name] = money
    write_sheet(book, say("store.sheet_across", lang), pd.DataFrame(frame), formats, freeze_columns=1)

    grids = winner_grids(found, lang, label, value)
    if grids:
        sheet = add_sheet(book, say("store.across", lang))
        for grid in grids:
            sheet.append([neutralise(grid.title)])
            sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
            sheet.append([neutralise(say("store.map_axes", lang, y=label(grid.y), x=label(grid.x)))])
            sheet.append([neutralise(label(grid.y))] + [neutralise(value(c)) for c in grid.cells.columns])
            for index, row in grid.cells.iterrows():
                sheet.append([neutralise(value(index))] + [neutralise(c) for c in row])
            sheet.append([])
        sheet.column_dimensions["A"].width = 40

    for k, item in enumerate(found):
        words = [plain(w) for w in sentences(item.verdict, lang, item.study.currency,
                                                        item.results.replications, item.study.names)]
        notes = [item.study.name, study_title(item, swept, label, value, lang), *words]
        headline = find(decision_sections(item.comparison, lang, item.study.calendar.horizon), "section.comparison")
        shown, shown_formats = by_option(headline, item.study.currency, lang)
        name = f"{k + 1:02d} " + "; ".join(value(item.parameters[p]) for p in swept if p in item.parameters)
        write_sheet(book, name.strip() if swept else f"{k + 1:02d} {item.study.name}", shown, shown_formats,
                    notes=notes)

    runs = store.runs()
    kept = ("run_id", "created", "version", "seed", "batch_name", "batch_file", "batch_sha256")
    read = pd.DataFrame({say(f"store.run_{c.removeprefix('run_')}", lang): runs[c] for c in kept if c in runs})
    if "created" in runs:
        read[say("store.run_created", lang)] = [_when(c, lang) for c in runs["created"]]
    if "batch_file" in runs:   # the file's name, not where it was on the machine that ran the batch
        read[say("store.run_batch_file", lang)] = [Path(str(f)).name for f in runs["batch_file"]]
    write_sheet(book, say("store.sheet_runs", lang), read, {say("store.run_id", lang): "0",
                                                           say("store.run_seed", lang): "0"})
    return to_bytes(book)


def _when(stamp: Any, lang: str) -> str:
    """A stored time (ISO 8601, UTC) as the reader writes it: ``02/12/2026 11:46`` in French."""
    import datetime as dt

    try:
        moment = dt.datetime.fromisoformat(str(stamp)).astimezone(dt.timezone.utc)
    except ValueError:
        return str(stamp)
    return moment.strftime("%d/%m/%Y %H:%M" if lang == "fr" else "%Y-%m-%d %H:%M")


def html_report(store: Store, found: list[StoredStudy], lang: str = "en") -> str:
    """A self-contained HTML page: which option wins where (table and maps), then each study's verdict
    and headline figures. plotly.js is embedded once."""
    from sourcing.words import count, say

    runs = store.runs()
    name = str(runs["batch_name"].iloc[-1]) if len(runs) else store.path.name
    intro = say("store.intro", lang, studies=count(len(found), "count.studies", lang), version=__version__)
    parts = [f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'>", f"<title>{html.escape(name)}</title>",
             f"<style>{STYLE}</style></head><body>", f"<h1>{html.escape(name)}</h1>", f"<p>{html.escape(intro)}</p>"]
    parts.append(f"<h2>{html.escape(say('store.across', lang))}</h2>")
    label, value = reader_words(found, lang)
    swept = parameters_of(found)
    several = len({item.file for item in found}) > 1
    maps = winner_maps(found, lang, label, value)
    parts += [chart_div(figure) for figure in maps]
    shown = compact(found, lang, label, value)
    parts.append(shown.to_html(index=False, escape=True, border=0))
    for item in found:
        title = (f"{Path(item.file).stem} · " if several else "") + study_title(item, swept, label, value, lang)
        parts.append(f"<h2>{html.escape(title)}</h2>")
        for line in sentences(item.verdict, lang, item.study.currency, item.results.replications, item.study.names):
            parts.append(f"<p>{as_html(line)}</p>")
        parts.append(figures_shown(item, lang).to_html(index=False, escape=True, border=0))
    if maps:
        parts.append(charts_script(lang))
    parts.append("</body></html>")
    return "\n".join(parts)
