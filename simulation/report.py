"""Headline tables drawn from a run: what the command line prints (and the HTML report reuses).

Each section is a titled DataFrame with one row per figure and one column per scenario; cells
are :class:`Cell` (a mean with its 95 % half-width) or :class:`Span` (a paired difference with
its interval) or plain text, so every door into the core shows the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .compare import Comparison
from .metrics import METRICS

SCENARIO_HEADLINES = ("cost_of_ownership", "cost_of_ownership_npv", "downtime_cost", "received", "economic_cost",
                      "economic_cost_npv")
SERVICE_HEADLINES = ("availability_service_time", "availability_24_7", "downtime_hours", "outages", "backlog",
                     "months_below_target", "sla_availability", "months_below_sla", "credits_received")
SERVICE_BY_PRIORITY = ("ttr_mean", "open_at_horizon", "ttr_p90", "within_target")
CONTRACT_HEADLINES = ("gti_compliance", "gtr_compliance", "gtr_breaches", "penalties_due", "penalties_before_cap",
                      "cap_binding_months", "tickets", "escalations")
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


@dataclass(frozen=True)
class Span:
    """A paired difference and its confidence interval."""

    mean: float
    low: float
    high: float
    unit: str

    def text(self, currency: str = "EUR") -> str:
        return (f"{_number(self.mean, self.unit, currency, signed=True)} "
                f"[{_number(self.low, self.unit, currency, signed=True, bare=True)}, "
                f"{_number(self.high, self.unit, currency, signed=True, bare=True)}]")


def format_value(mean: float, half: float, unit: str, currency: str = "EUR") -> str:
    """``mean ± half`` in the metric's unit (percentages for shares, thousands for money)."""
    if pd.isna(mean):
        return "n/a"
    text = _number(mean, unit, currency)
    if pd.isna(half):
        return text
    return f"{text} ± {_number(half, unit, currency, bare=True, digits_like=mean)}"


def _number(value: float, unit: str, currency: str, signed: bool = False, bare: bool = False,
            digits_like: float | None = None) -> str:
    sign = "+" if signed else ""
    if unit == "share":
        reference = value if digits_like is None else digits_like
        digits = 3 if abs(reference) > 0.99 or (signed and abs(value) < 0.01) else 2
        return f"{value * 100:{sign},.{digits}f}" + ("" if bare else " %")
    if unit == "money":
        return f"{value / 1000:{sign},.1f}" + ("" if bare else f" k{_symbol(currency)}")
    if unit == "h":
        return f"{value:{sign},.2f}" + ("" if bare else " h")
    return f"{value:{sign},.2f}"


def _symbol(currency: str) -> str:
    return {"EUR": "€", "USD": "$", "GBP": "£"}.get(currency, f" {currency}")


def label(metric: str) -> str:
    """Human label of a metric such as ``ttr_mean P1``."""
    name, _, priority = metric.partition(" ")
    info = METRICS.get(name)
    text = info.label if info else name
    return f"{text} {priority}".strip()


def unit(metric: str) -> str:
    return METRICS[metric].unit if metric in METRICS else ""


def decision_sections(comparison: Comparison) -> list[tuple[str, pd.DataFrame]]:
    """The comparison at a glance, the paired differences against the baseline, and the risk tail."""
    scenarios = list(dict.fromkeys(comparison.headline["scenario"]))
    table: dict[str, dict] = {}
    for row in comparison.headline.itertuples(index=False):
        table.setdefault(label(row.metric), {})[row.scenario] = Cell(row.mean, row.half_width, row.n,
                                                                    unit(row.metric))
    table["On the cost/availability frontier"] = {s: "yes" if s in comparison.frontier else "no" for s in scenarios}
    out = [("Comparison", pd.DataFrame.from_dict(table, orient="index", columns=scenarios))]
    others = [s for s in scenarios if s != comparison.baseline]
    if not comparison.differences.empty and others:
        diffs: dict[str, dict] = {}
        for row in comparison.differences.itertuples(index=False):
            diffs.setdefault(label(row.metric), {})[row.scenario] = Span(row.mean, row.ci_low, row.ci_high,
                                                                        unit(row.metric))
        out.append((f"Against the baseline '{comparison.baseline}' (paired difference, 95 % CI)",
                    pd.DataFrame.from_dict(diffs, orient="index", columns=others)))
    risk = comparison.risk.set_index("scenario")
    tail = {
        "P95 of economic cost": {s: Cell(risk.at[s, "p95_economic_cost"], float("nan"), 0, "money")
                                 for s in risk.index},
        "P95 of downtime": {s: Cell(risk.at[s, "p95_downtime_hours"], float("nan"), 0, "h") for s in risk.index},
        "Chance of a month below target or SLA": {
            s: Cell(risk.at[s, "p_month_below"], float("nan"), 0, "share") for s in risk.index
            if risk.at[s, "p_month_below"] == risk.at[s, "p_month_below"]},
        "Months below target or SLA over the horizon": {
            s: Cell(risk.at[s, "months_below"], float("nan"), 0, "count") for s in risk.index
            if risk.at[s, "months_below"] == risk.at[s, "months_below"]},
    }
    out.append(("Risk tail", pd.DataFrame.from_dict(tail, orient="index", columns=list(risk.index))))
    return out


def sections(summary: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """Titled tables with one row per metric and one column per scenario, each cell a :class:`Cell`:
    costs, then one section per service, per provider contract and per team."""
    scenarios = list(dict.fromkeys(summary["scenario"]))
    categories = tuple(m for m in dict.fromkeys(summary.loc[summary["scope"] == "scenario", "metric"])
                       if m.startswith("cost."))
    out = [("Costs over the horizon", comparison(summary, "scenario", "all", SCENARIO_HEADLINES, scenarios)),
           ("Cost breakdown", comparison(summary, "scenario", "all", categories, scenarios, skip_zero=True))]
    for service in dict.fromkeys(summary.loc[summary["scope"] == "service", "subject"]):
        metrics = [(m, "") for m in SERVICE_HEADLINES] + [
            (m, p) for m in SERVICE_BY_PRIORITY for p in ("P1", "P2")]
        out.append((f"Service: {service}", comparison(summary, "service", service, metrics, scenarios)))
    for contract in dict.fromkeys(summary.loc[summary["scope"] == "contract", "subject"]):
        metrics = [(m, "") for m in CONTRACT_HEADLINES] + [("gtr_compliance", p) for p in ("P1", "P2")]
        out.append((f"Contract: {contract}", comparison(summary, "contract", contract, metrics, scenarios)))
    for team in dict.fromkeys(summary.loc[summary["scope"] == "team", "subject"]):
        out.append((f"Team: {team}", comparison(summary, "team", team, TEAM_HEADLINES, scenarios)))
    return [(title, table) for title, table in out if not table.empty]


def comparison(summary: pd.DataFrame, scope: str, subject: str, metrics, scenarios: list[str],
               skip_zero: bool = False) -> pd.DataFrame:
    """Rows: metrics (optionally ``(metric, priority)`` pairs); columns: scenarios; cells: :class:`Cell`."""
    part = summary[(summary["scope"] == scope) & (summary["subject"] == subject) & (summary["period"] == "all")]
    index = {(row.scenario, row.metric, row.priority): row for row in part.itertuples(index=False)}
    table = {}
    for item in metrics:
        metric, priority = item if isinstance(item, tuple) else (item, "")
        cells = {}
        for scenario in scenarios:
            row = index.get((scenario, metric, priority))
            if row is not None:
                cells[scenario] = Cell(row.mean, row.half_width, int(row.n), unit(metric))
        if cells and not (skip_zero and all(abs(c.mean) < 1e-9 for c in cells.values())):
            table[label(f"{metric} {priority}".strip())] = cells
    return pd.DataFrame.from_dict(table, orient="index", columns=scenarios) if table else pd.DataFrame()


def offer_sections(comparison) -> list[tuple[str, pd.DataFrame]]:
    """Procurement: each offer's figures on the same incidents, the ranking, and the winner's margins."""
    from sourcing.tender import SIMULATED_CRITERIA

    from .procurement import FIGURES

    offers = list(comparison.tender.offers)
    summary = comparison.summary.set_index(["offer", "figure"])
    figures = {}
    for figure, (text, kind) in FIGURES.items():
        figures[text] = {o: Cell(summary.at[(o, figure), "mean"], summary.at[(o, figure), "half_width"],
                                 int(summary.at[(o, figure), "n"]), kind)
                         for o in offers if (o, figure) in summary.index}
    for key, criterion in comparison.tender.criteria.items():
        figures[f"Score: {criterion.label} ({criterion.low:g}-{criterion.high:g})"] = {
            o: f"{comparison.tender.offers[o].scores[key]:g}" for o in offers}
    out = [("Offers on the same incidents", pd.DataFrame.from_dict(figures, orient="index", columns=offers))]
    scores = comparison.ranking.scores
    ranking = {
        "Weighted sum: score": {o: f"{scores.at[o, 'weighted_sum']:.3f}" for o in offers},
        "Weighted sum: rank": {o: str(scores.at[o, "weighted_sum_rank"]) for o in offers},
        "TOPSIS: closeness": {o: f"{scores.at[o, 'topsis']:.3f}" for o in offers},
        "TOPSIS: rank": {o: str(scores.at[o, "topsis_rank"]) for o in offers},
    }
    out.append(("Ranking", pd.DataFrame.from_dict(ranking, orient="index", columns=offers)))
    labels = {k: text for k, (text, _) in SIMULATED_CRITERIA.items()}
    labels.update({k: c.label for k, c in comparison.tender.criteria.items()})
    margins: dict[str, dict] = {}
    for row in comparison.ranking.sensitivity.itertuples(index=False):
        name = f"{labels.get(row.criterion, row.criterion)} (weight {row.weight:.0%})"
        margins.setdefault(name, {})[row.method] = _margin(row)
    if margins:
        names = {"weighted_sum": f"weighted sum (winner {comparison.ranking.winner('weighted_sum')})",
                 "topsis": f"TOPSIS (winner {comparison.ranking.winner('topsis')})"}
        out.append(("How far each weight must move before the winner changes",
                    pd.DataFrame.from_dict(margins, orient="index").rename(columns=names)))
    return out


def _margin(row) -> str:
    parts = []
    if row.switch_below == row.switch_below:
        parts.append(f"down to {row.switch_below:.0%}: {row.winner_below}")
    if row.switch_above == row.switch_above:
        parts.append(f"up to {row.switch_above:.0%}: {row.winner_above}")
    return "; ".join(parts) if parts else "never"
