"""Between scenarios: paired differences (common random numbers), the cost-versus-availability
frontier, and the risk tail.

Every scenario of a run replays the same incidents in replication ``r``, so the difference of
a metric between two scenarios is taken replication by replication before averaging: its
confidence interval is far narrower than the two separate intervals suggest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

HEADLINES = ("cost_of_ownership", "economic_cost", "availability_service_time", "within_target", "gtr_compliance",
             "downtime_hours")
DIFFERENCES = ("cost_of_ownership", "economic_cost", "availability_service_time", "downtime_hours")
COST = "economic_cost"
AVAILABILITY = "availability_service_time"


def scenario_values(rows: pd.DataFrame, metric: str) -> pd.DataFrame:
    """A replication x scenario table of one scenario-level metric (whole horizon)."""
    part = rows[(rows["scope"] == "scenario") & (rows["metric"] == metric) & (rows["period"] == "all")]
    part = part[part["value"].notna()]
    # What part.pivot_table(index="replication", columns="scenario", values="value", aggfunc="first",
    # sort=False) gives, a few times faster (the Compare page asks for it at every change of a price).
    replication, replications = pd.factorize(part["replication"], sort=False)
    names = part["scenario"].astype(str).to_numpy()
    shown = set(names)
    order = [name for name in (str(s) for s in pd.unique(rows["scenario"])) if name in shown]
    column = pd.Index(order).get_indexer(names)
    table = np.full((len(replications), len(order)), np.nan)
    table[replication[::-1], column[::-1]] = part["value"].to_numpy(dtype=float)[::-1]   # the first one stays
    kind = part["scenario"].dtype
    columns = (pd.CategoricalIndex(order, dtype=kind, name="scenario") if isinstance(kind, pd.CategoricalDtype)
               else pd.Index(order, name="scenario"))
    return pd.DataFrame(table, index=pd.Index(replications, name="replication"), columns=columns)


@dataclass(frozen=True)
class Comparison:
    """What a decision needs, per scenario and against the baseline."""

    baseline: str
    headline: pd.DataFrame
    """Per scenario and metric: mean, half_width (95 %), n."""
    differences: pd.DataFrame
    """Per scenario and metric: mean paired difference against the baseline, its 95 % CI, n."""
    frontier: list[str]
    """Scenarios no other scenario beats on both economic cost and availability."""
    risk: pd.DataFrame
    """Per scenario: P95 of economic cost, P95 of downtime, probability of a month below target or SLA."""


def compare(rows: pd.DataFrame, baseline: str | None = None, controls: pd.DataFrame | None = None,
            means: dict[str, float] | None = None, study=None, summary: pd.DataFrame | None = None) -> Comparison:
    """Headline figures, paired differences, frontier and risk tail of a run's tidy rows (means and paired
    differences with control variates when ``controls`` and their ``means`` are given). With the run's
    ``summary``, the headline figures are its rows: one estimate per figure, whoever shows it."""
    scenarios = [str(s) for s in pd.unique(rows["scenario"])]
    baseline = baseline or scenarios[0]
    if baseline not in scenarios:
        raise ValueError(f"baseline '{baseline}' is not a scenario of the run ({', '.join(scenarios)})")
    top = rows[(rows["scope"] == "scenario") & (rows["period"] == "all")]  # filtered once: read many times
    headline = []
    for metric in HEADLINES:
        table = scenario_values(top, metric)
        for scenario in table.columns:
            values = table[scenario].dropna()
            if not len(values):
                continue
            row = None if summary is None else summary[
                (summary["scenario"] == scenario) & (summary["scope"] == "scenario") & (summary["metric"] == metric)
                & (summary["period"] == "all") & (summary["priority"] == "")]
            if row is not None and len(row):
                mean, half = float(row["mean"].iloc[0]), float(row["half_width"].iloc[0])
            else:
                estimate = estimate_of(values, controls, controls_of(study, means, [scenario]))
                mean, half = estimate.mean, estimate.half_width
            headline.append({"scenario": scenario, "metric": metric, "mean": mean, "half_width": half,
                             "n": len(values)})
    differences = []
    for metric in DIFFERENCES:
        table = scenario_values(top, metric)
        if baseline not in table.columns:
            continue
        for scenario in table.columns:
            if scenario == baseline:
                continue
            diff = (table[scenario] - table[baseline]).dropna()
            estimate = estimate_of(diff, controls, controls_of(study, means, [scenario, baseline]))
            mean, half = estimate.mean, estimate.half_width
            differences.append({"scenario": scenario, "metric": metric, "mean": mean,
                                "ci_low": mean - half, "ci_high": mean + half, "n": len(diff),
                                "significant": bool(half == half and abs(mean) > half)})
    headline_frame = pd.DataFrame(headline)
    return Comparison(
        baseline=baseline,
        headline=headline_frame,
        differences=pd.DataFrame(differences, columns=["scenario", "metric", "mean", "ci_low", "ci_high", "n",
                                                       "significant"]),
        frontier=frontier(headline_frame),
        risk=risk_tail(rows),
    )


def frontier(headline: pd.DataFrame) -> list[str]:
    """Scenarios on the Pareto frontier of mean economic cost (lower is better) and availability (higher)."""
    cost = headline[headline["metric"] == COST].set_index("scenario")["mean"]
    availability = headline[headline["metric"] == AVAILABILITY].set_index("scenario")["mean"]
    names = [s for s in cost.index if s in availability.index]
    on = []
    for s in names:
        dominated = any(
            cost[o] <= cost[s] and availability[o] >= availability[s]
            and (cost[o] < cost[s] or availability[o] > availability[s])
            for o in names if o != s
        )
        if not dominated:
            on.append(s)
    return on


def risk_tail(rows: pd.DataFrame) -> pd.DataFrame:
    """Per scenario: P95 over replications of economic cost and of downtime, and the share of
    replications with at least one month below the availability target or SLA."""
    cost = scenario_values(rows, COST)
    downtime = scenario_values(rows, "downtime_hours")
    below = scenario_values(rows, "any_month_below")
    months = scenario_values(rows, "months_below_target")
    out = []
    for scenario in cost.columns:
        out.append({
            "scenario": scenario,
            "p95_economic_cost": float(np.percentile(cost[scenario].dropna(), 95)),
            "p95_downtime_hours": float(np.percentile(downtime[scenario].dropna(), 95)),
            "p_month_below": float(below[scenario].mean()) if scenario in below.columns else float("nan"),
            "months_below": float(months[scenario].mean()) if scenario in months.columns else float("nan"),
            "n": int(cost[scenario].count()),
        })
    return pd.DataFrame(out)


def relative_precision(rows: pd.DataFrame, controls: pd.DataFrame | None = None,
                       means: dict[str, float] | None = None, metric: str = COST, study=None) -> pd.Series:
    """Per scenario: 95 % half-width of the metric's mean divided by the mean (0 for a metric that is the
    same in every replication, a zero cost included; infinite for one that varies around zero). With
    controls, the control-variate estimate's half-width."""
    table = scenario_values(rows, metric)
    out = {}
    for s in table.columns:
        column = table[s].dropna()
        estimate = estimate_of(column, controls, controls_of(study, means, [s]))
        half, mean = estimate.half_width, abs(estimate.mean)
        out[s] = 0.0 if half == 0 else (half / mean if mean > 0 else np.inf)
    return pd.Series(out, dtype=float)


def controls_of(study, means: dict[str, float] | None, scenarios: list[str]) -> dict[str, float] | None:
    """The control means that bear on these scenarios (none without means or a study)."""
    from .variance import scenario_controls

    return scenario_controls(study, means, scenarios) if means and study is not None else means


def estimate_of(column: pd.Series, controls: pd.DataFrame | None, means: dict[str, float] | None):
    """Mean and half-width of one metric's replications (indexed by replication), controlled if possible."""
    from .variance import control_matrix, controlled_mean

    if controls is None or not means:
        return controlled_mean(column.to_numpy(dtype=float), None, None)
    x, mu = control_matrix(controls, means, column.index.to_numpy())
    return controlled_mean(column.to_numpy(dtype=float), x, mu)
