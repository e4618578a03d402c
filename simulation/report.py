"""Headline tables drawn from a run's summary: what the command line prints and the app shows.

Each table is a plain DataFrame of (row label, column label) -> mean, half-width, n, so every
door into the core shows the same numbers with the same confidence intervals.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .metrics import METRICS

SCENARIO_HEADLINES = ("cost_of_ownership", "cost_of_ownership_npv", "downtime_cost", "economic_cost",
                      "economic_cost_npv")
SERVICE_HEADLINES = ("availability_service_time", "availability_24_7", "downtime_hours", "outages", "backlog")
SERVICE_BY_PRIORITY = ("ttr_mean", "ttr_p90", "within_target")
TEAM_HEADLINES = ("utilisation", "callouts_per_month", "nights_disturbed_per_person_month", "overtime_hours",
                  "vacancy_share")


@dataclass(frozen=True)
class Cell:
    """A mean with its confidence-interval half-width and the replications behind it."""

    mean: float
    half_width: float
    n: int
    unit: str

    def text(self, currency: str = "EUR") -> str:
        return format_value(self.mean, self.half_width, self.unit, currency)


def format_value(mean: float, half: float, unit: str, currency: str = "EUR") -> str:
    """``mean ± half`` in the metric's unit (percentages for shares, thousands for money)."""
    if pd.isna(mean):
        return "n/a"
    half_ok = not pd.isna(half)
    if unit == "share":
        digits = 3 if mean > 0.99 else 2
        text = f"{mean * 100:.{digits}f} %"
        return text + (f" ± {half * 100:.{digits}f}" if half_ok else "")
    if unit == "money":
        text = f"{mean / 1000:,.1f} k{_symbol(currency)}"
        return text + (f" ± {half / 1000:,.1f}" if half_ok else "")
    if unit == "h":
        return f"{mean:,.2f} h" + (f" ± {half:,.2f}" if half_ok else "")
    return f"{mean:,.2f}" + (f" ± {half:,.2f}" if half_ok else "")


def _symbol(currency: str) -> str:
    return {"EUR": "€", "USD": "$", "GBP": "£"}.get(currency, f" {currency}")


def sections(summary: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """Titled tables with one row per metric and one column per scenario, each cell a :class:`Cell`.

    The first section holds costs; then one per service and one per team.
    """
    scenarios = list(dict.fromkeys(summary["scenario"]))
    out = [("Costs over the horizon", comparison(summary, "scenario", "all", SCENARIO_HEADLINES, scenarios))]
    for service in dict.fromkeys(summary.loc[summary["scope"] == "service", "subject"]):
        metrics = [(m, "") for m in SERVICE_HEADLINES] + [
            (m, p) for m in SERVICE_BY_PRIORITY for p in ("P1", "P2")]
        out.append((f"Service: {service}", comparison(summary, "service", service, metrics, scenarios)))
    for team in dict.fromkeys(summary.loc[summary["scope"] == "team", "subject"]):
        out.append((f"Team: {team}", comparison(summary, "team", team, TEAM_HEADLINES, scenarios)))
    return [(title, table) for title, table in out if not table.empty]


def comparison(summary: pd.DataFrame, scope: str, subject: str, metrics, scenarios: list[str]) -> pd.DataFrame:
    """Rows: metrics (optionally ``(metric, priority)`` pairs); columns: scenarios; cells: :class:`Cell`."""
    part = summary[(summary["scope"] == scope) & (summary["subject"] == subject) & (summary["period"] == "all")]
    table = {}
    for item in metrics:
        metric, priority = item if isinstance(item, tuple) else (item, "")
        cells = {}
        for scenario in scenarios:
            row = _find(part, scenario, metric, priority)
            if row is not None:
                unit = METRICS[metric].unit if metric in METRICS else ""
                cells[scenario] = Cell(row.mean, row.half_width, int(row.n), unit)
        if cells:
            table[label(f"{metric} {priority}".strip())] = cells
    return pd.DataFrame.from_dict(table, orient="index", columns=scenarios) if table else pd.DataFrame()


def _find(part: pd.DataFrame, scenario: str, metric: str, priority: str):
    hit = part[(part["scenario"] == scenario) & (part["metric"] == metric) & (part["priority"] == priority)]
    return None if hit.empty else next(hit.itertuples(index=False))


def label(metric: str) -> str:
    """Human label of a metric column such as ``ttr_mean P1``."""
    name, _, priority = metric.partition(" ")
    info = METRICS.get(name)
    text = info.label if info else name
    return f"{text} {priority}".strip()
