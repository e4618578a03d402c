"""Reports from a run store: each study's verdict and figures, and which option wins where across the
variants of a batch (a table, and a map of the winner over two swept parameters).

The command line (``sourcing report``) and the app's store page both read a store through here; the
store is opened read-only and nothing is simulated again.
"""

from __future__ import annotations

import html
import io
import json
import re
from collections.abc import Callable
from typing import Any, NamedTuple

import pandas as pd
import plotly.graph_objects as go

from sourcing import __version__
from sourcing.cells import neutralise
from sourcing.files import parse_yaml, study_from_data
from sourcing.scenario import Study

from .compare import Comparison, compare, scenario_values
from .exports import STYLE, chart_div, charts_script
from .replications import Results
from .store import Store
from .verdict import Verdict, sentences, verdict

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


def _sheet_name(k: int, variant: str, used: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\']", " ", f"{k + 1:02d} {variant}")[:31].strip()
    while name in used:
        name = name[:28] + f"~{len(used) % 100:02d}"
    used.add(name)
    return name


def workbook(store: Store, found: list[StoredStudy], lang: str = "en") -> bytes:
    """An Excel workbook: the studies across variants, the maps of which option wins where (when two
    parameters or more are swept), then one sheet per study (its verdict in words and its headline figures),
    and the runs that filled the store. Text cells are neutralised."""
    from sourcing.words import say

    buffer = io.BytesIO()
    where = say("store.across", lang)[:31]
    used: set[str] = {"Across variants", "Runs", where}
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        _safe(across_variants(found)).to_excel(writer, sheet_name="Across variants", index=False)
        row = 0
        for grid in winner_grids(found, lang):
            pd.DataFrame({"": [grid.title, say("store.map_axes", lang, y=grid.y, x=grid.x)]}).pipe(_safe).to_excel(
                writer, sheet_name=where, index=False, header=False, startrow=row)
            _safe(grid.cells.reset_index()).to_excel(
                writer, sheet_name=where, index=False, startrow=row + 2)
            row += len(grid.cells) + 5
        for k, item in enumerate(found):
            name = _sheet_name(k, item.variant, used)
            words = [w.replace("**", "") for w in sentences(item.verdict, lang, item.study.currency,
                                                            item.results.replications, item.study.names)]
            head = pd.DataFrame({"": [item.file, item.variant, *words]})
            _safe(head).to_excel(writer, sheet_name=name, index=False, header=False)
            _safe(headline(item)).to_excel(writer, sheet_name=name, index=False, startrow=len(head) + 1)
        _safe(store.runs()).to_excel(writer, sheet_name="Runs", index=False)
        for sheet in writer.book.worksheets:
            sheet.freeze_panes = "A2" if sheet.title in ("Across variants", "Runs") else None
    return buffer.getvalue()


def _safe(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].map(lambda v: neutralise(v) if isinstance(v, str) else v)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


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
    maps = winner_maps(found, lang)
    parts += [chart_div(figure) for figure in maps]
    shown = compact(found, lang)
    parts.append(shown.to_html(index=False, escape=True, border=0))
    for item in found:
        parts.append(f"<h2>{html.escape(item.file)} / {html.escape(item.variant)}</h2>")
        for line in sentences(item.verdict, lang, item.study.currency, item.results.replications, item.study.names):
            bits = html.escape(line).split("**")
            parts.append("<p>" + "".join(f"<b>{b}</b>" if i % 2 else b for i, b in enumerate(bits)) + "</p>")
        parts.append(figures_shown(item, lang).to_html(index=False, escape=True, border=0))
    if maps:
        parts.append(charts_script(lang))
    parts.append("</body></html>")
    return "\n".join(parts)
