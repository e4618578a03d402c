"""Downloads built from a run: an Excel workbook and a self-contained HTML report (no Streamlit).

Every sheet goes through :func:`_safe` first: text taken from a provider's grid or a scenario file
(an offer named ``=cmd|' /C calc'!A0``) reaches the buyer's Excel as text, never as a live formula.
"""

from __future__ import annotations

import html
import io
from dataclasses import asdict
from datetime import UTC, datetime

import pandas as pd
import plotly.graph_objects as go

from simulation.compare import Comparison
from sourcing import __version__
from sourcing.assumptions import assumptions
from sourcing.cells import neutralise, neutralise_frame
from sourcing.scenario import Study


def _safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell, column name, index label and axis name neutralised (categorical
    columns, text-typed labels and multi-level labels included), ready for ``to_excel``."""
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


def _sheet(writer: pd.ExcelWriter, frame: pd.DataFrame, name: str, index: bool = False) -> None:
    _safe(frame).to_excel(writer, sheet_name=name, index=index)


def headline_table(comparison: Comparison) -> pd.DataFrame:
    """Scenario x metric table of means and 95 % half-widths."""
    table = comparison.headline.pivot_table(index="scenario", columns="metric", values=["mean", "half_width"],
                                            sort=False)
    table.columns = [f"{metric} ({stat})" for stat, metric in table.columns]
    return table.reset_index()


def costs_per_year(summary: pd.DataFrame) -> pd.DataFrame:
    """Mean cost per scenario, category and scenario year (one row per scenario and category)."""
    part = summary[(summary["scope"] == "scenario") & summary["metric"].str.startswith("cost.")]
    table = part.pivot_table(index=["scenario", "metric"], columns="period", values="mean", sort=False)
    table.index = table.index.set_levels([lvl.str.replace("cost.", "", regex=False) if i == 1 else lvl
                                          for i, lvl in enumerate(table.index.levels)])
    table = table.rename_axis(index=["scenario", "category"], columns=None).reset_index()
    return table


def assumptions_table(study: Study) -> pd.DataFrame:
    return pd.DataFrame([asdict(a) for a in assumptions(study)])


def excel_workbook(study: Study, summary: pd.DataFrame, comparison: Comparison, seed: int,
                   replications: int) -> bytes:
    """Summary, costs per year, paired differences, risk tail, assumptions and run record."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        _sheet(writer, headline_table(comparison), "Summary")
        _sheet(writer, costs_per_year(summary), "Costs per year")
        _sheet(writer, comparison.differences, "Against baseline")
        _sheet(writer, comparison.risk, "Risk tail")
        _sheet(writer, summary, "All figures")
        _sheet(writer, assumptions_table(study), "Assumptions")
        _sheet(writer, pd.DataFrame({"field": ["study", "version", "seed", "replications", "baseline", "created"],
                                     "value": [study.name, __version__, seed, replications, comparison.baseline,
                                               datetime.now(UTC).isoformat(timespec="seconds")]}), "Run")
    return buffer.getvalue()


def html_report(study: Study, sections: list[tuple[str, pd.DataFrame]], figures: list[go.Figure], seed: int,
                replications: int, note: str = "") -> str:
    """A single HTML file with the tables and interactive charts; plotly's script is embedded once, so
    the file opens without a network."""
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(study.name)}</title>",
        "<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:1200px}"
        "table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:4px 8px;"
        "text-align:right}th:first-child,td:first-child{text-align:left}h2{margin-top:2rem}</style>",
        "</head><body>",
        f"<h1>{html.escape(study.name)}</h1>",
        f"<p>{html.escape(study.description)}</p>" if study.description else "",
        f"<p>{replications} replications, seed {seed}, version {__version__}. "
        f"Mean ± 95 % confidence half-width. {html.escape(note)}</p>",
    ]
    for title, table in sections:
        parts.append(f"<h2>{html.escape(title)}</h2>")
        parts.append(_table_html(table, study.currency))
    for k, figure in enumerate(figures):
        parts.append(figure.to_html(full_html=False, include_plotlyjs=(k == 0)))
    parts.append("</body></html>")
    return "\n".join(parts)


def _table_html(table: pd.DataFrame, currency: str) -> str:
    shown = table.map(lambda c: c.text(currency) if hasattr(c, "text") else ("" if pd.isna(c) else str(c)))
    return shown.to_html(escape=True, border=0)


def offers_workbook(comparison) -> bytes:
    """Procurement workbook: figures per offer with CIs, ranking, sensitivity, scores, and the run record."""
    from simulation.procurement import FIGURES

    buffer = io.BytesIO()
    summary = comparison.summary.assign(label=[FIGURES[f][0] for f in comparison.summary["figure"]])
    tender = comparison.tender
    received = pd.DataFrame({name: {"provider": offer.provider, "description": offer.description,
                                    "coverage": offer.coverage, "hosting": offer.hosting,
                                    "contract years": offer.contract_years}
                             for name, offer in tender.offers.items()})
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        _sheet(writer, summary.pivot_table(index="label", columns="offer", values="mean", sort=False), "Offers",
               index=True)
        _sheet(writer, summary, "Offers with CI")
        _sheet(writer, comparison.ranking.scores, "Ranking", index=True)
        _sheet(writer, comparison.ranking.sensitivity, "Sensitivity")
        _sheet(writer, pd.DataFrame({o: offer.scores for o, offer in tender.offers.items()}), "Scores", index=True)
        _sheet(writer, pd.DataFrame({"criterion": list(comparison.ranking.weights),
                                     "weight": list(comparison.ranking.weights.values())}), "Weights")
        _sheet(writer, received, "Offers received", index=True)
        _sheet(writer, comparison.figures, "Per replication")
        _sheet(writer, pd.DataFrame({"field": ["tender", "base scenario", "version", "seed", "replications"],
                                     "value": [tender.name, comparison.study.name, __version__,
                                               comparison.results.seed, comparison.results.replications]}), "Run")
    return buffer.getvalue()


def offers_report(comparison, figures: list[go.Figure]) -> str:
    """Self-contained HTML report of a procurement comparison."""
    from simulation.report import offer_sections

    study = comparison.study
    return html_report(study, offer_sections(comparison), figures, comparison.results.seed,
                       comparison.results.replications, note=f"Offers of '{comparison.tender.name}'.")
