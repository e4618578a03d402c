"""Display tables for the app: the core's figures as labelled text, in the chosen language (no Streamlit)."""

from __future__ import annotations

import pandas as pd

from simulation.compare import Comparison
from simulation.report import decision_sections, format_value, label, sections, unit

from .i18n import category_label, metric_label, t


def as_text(table: pd.DataFrame, currency: str, lang: str) -> pd.DataFrame:
    """Cells rendered as text; row labels translated."""
    shown = table.map(lambda c: c.text(currency) if hasattr(c, "text") else ("" if pd.isna(c) else str(c)))
    shown.index = [metric_label(str(i), lang) for i in shown.index]
    return shown


def kpi_table(comparison: Comparison, currency: str, lang: str) -> pd.DataFrame:
    """Per scenario (rows): the headline figures with their 95 % CI, and whether it is on the frontier."""
    table = decision_sections(comparison)[0][1]
    shown = as_text(table, currency, lang).T
    frontier_column = metric_label("On the cost/availability frontier", lang)
    shown = shown.rename(columns={frontier_column: t("on_frontier", lang)})
    shown[t("on_frontier", lang)] = [t("yes", lang) if s in comparison.frontier else t("no", lang)
                                     for s in shown.index]
    shown.index.name = t("scenario", lang)
    return shown


def differences_table(comparison: Comparison, currency: str, lang: str) -> pd.DataFrame:
    """Paired differences against the baseline: one row per scenario and figure."""
    rows = []
    for row in comparison.differences.itertuples(index=False):
        u = unit(row.metric)
        rows.append({
            t("scenario", lang): row.scenario,
            t("metric", lang): metric_label(label(row.metric), lang),
            t("difference", lang): f"{format_value(row.mean, float('nan'), u, currency)} "
                                   f"[{format_value(row.ci_low, float('nan'), u, currency)}, "
                                   f"{format_value(row.ci_high, float('nan'), u, currency)}]",
            t("significant", lang): t("yes", lang) if row.significant else t("no", lang),
        })
    return pd.DataFrame(rows)


def risk_table(comparison: Comparison, currency: str, lang: str) -> pd.DataFrame:
    return as_text(decision_sections(comparison)[-1][1], currency, lang)


def section_tables(summary: pd.DataFrame, currency: str, lang: str) -> list[tuple[str, pd.DataFrame]]:
    return [(title, as_text(table, currency, lang)) for title, table in sections(summary)]


def service_table(summary: pd.DataFrame, service: str, currency: str, lang: str) -> pd.DataFrame:
    """The service's figures per scenario (availability, downtime, outages, restoration...)."""
    for title, table in sections(summary):
        if title == f"Service: {service}":
            return as_text(table, currency, lang)
    return pd.DataFrame()


def why(comparison: Comparison, summary: pd.DataFrame, currency: str, lang: str) -> list[str]:
    """Plain sentences: which scenario is cheapest, which most available, and what drives the gap."""
    head = comparison.headline
    cost = head[head["metric"] == "economic_cost"].set_index("scenario")["mean"]
    availability = head[head["metric"] == "availability_service_time"].set_index("scenario")["mean"]
    lines = [t("cheapest", lang, s=cost.idxmin()), t("most_available", lang, s=availability.idxmax())]
    diffs = comparison.differences[comparison.differences["metric"] == "economic_cost"]
    costs = summary[(summary["scope"] == "scenario") & summary["metric"].str.startswith("cost.")
                    & (summary["period"] == "all")].pivot_table(index="metric", columns="scenario", values="mean")
    for row in diffs.itertuples(index=False):
        if comparison.baseline not in costs.columns or row.scenario not in costs.columns:
            continue
        delta = (costs[row.scenario] - costs[comparison.baseline]).sort_values(key=abs, ascending=False)
        parts = ", ".join(f"{category_label(m.removeprefix('cost.'), lang)} "
                          f"{format_value(v, float('nan'), 'money', currency)}" for m, v in delta.head(3).items()
                          if abs(v) > 0.5)
        lines.append(t("driver", lang, b=comparison.baseline, s=row.scenario,
                       d=format_value(row.mean, float("nan"), "money", currency),
                       lo=format_value(row.ci_low, float("nan"), "money", currency),
                       hi=format_value(row.ci_high, float("nan"), "money", currency), parts=parts))
    return lines
