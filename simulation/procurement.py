"""Offers on the same incidents: each offer's real price and real protection, and their ranking.

For every offer and replication: the effective yearly price (fixed and variable fees minus the
penalties it would pay), the expected penalties and how often the monthly cap binds, the chance of
breaching the GTR per priority, availability, the business cost of downtime left uncovered by
penalties, and the economic cost over the contract. Means carry 95 % confidence intervals.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sourcing import money
from sourcing.model import PRIORITIES
from sourcing.ranking import Ranking, rank
from sourcing.scenario import Study
from sourcing.tender import SIMULATED_CRITERIA, Tender, tender_study

from .replications import Progress, Results, run_study
from .targets import Shortfall, shortfalls

FIGURES: dict[str, str] = {
    "effective_price": "money",
    "fees": "money",
    "variable_fees": "money",
    "penalties": "money",
    "cap_binding": "share",
    "gtr_breach": "share",
    "availability": "share",
    "downtime_cost": "money",
    "uncovered_downtime": "money",
    "economic_cost_contract": "money",
}
"""Each figure of an offer and its unit; its label is ``figure.<identifier>`` in the catalogue."""
for _p in PRIORITIES:
    FIGURES[f"gtr_breach_{_p}"] = "share"


def figure_label(figure: str, lang: str = "en") -> str:
    """What a figure of an offer is called (``gtr_breach_P1``: the chance of breaching the GTR, P1)."""
    from sourcing.words import say

    if figure.startswith("gtr_breach_P"):
        return say("figure.gtr_breach_priority", lang, priority=figure.removeprefix("gtr_breach_"))
    return say(f"figure.{figure}", lang)


@dataclass(frozen=True)
class OfferComparison:
    """Per-replication figures of every offer, their summary, and the ranking."""

    tender: Tender
    study: Study
    results: Results
    figures: pd.DataFrame
    """Tidy: offer, replication, figure, value."""
    summary: pd.DataFrame
    """Per offer and figure: mean, half_width (95 %), n."""
    ranking: Ranking
    shortfalls: dict[str, Shortfall] = field(default_factory=dict)
    """Offers that do not meet a service's monthly availability target (:mod:`simulation.targets`): not
    eligible, whatever their rank."""


def offer_figures(tender: Tender, study: Study, rows: pd.DataFrame) -> pd.DataFrame:
    """Tidy per-replication figures of each offer from the run's rows."""
    years = study.calendar_.horizon_years
    months = len(study.calendar_.month_bounds()) - 1
    scenario_rows = rows[rows["scope"] == "scenario"]
    replications = sorted(rows["replication"].unique())
    out = []
    for name, offer in tender.offers.items():
        mine = scenario_rows[scenario_rows["scenario"] == name]
        contract = rows[(rows["scenario"] == name) & (rows["scope"] == "contract") & (rows["subject"] == name)]

        def total(metric: str, period: str = "all", frame: pd.DataFrame = mine, missing: float = np.nan) -> pd.Series:
            """The metric per replication; ``missing`` where a replication has no such row (a share of
            incidents breaching the GTR when no incident was judged is 0: none breached)."""
            part = frame[(frame["metric"] == metric) & (frame["period"] == period) & (frame["priority"] == "")]
            return part.set_index("replication")["value"].reindex(replications, fill_value=missing)

        fees = total("cost.provider_fixed") / years
        variable = total("cost.provider_variable") / years
        penalties = -total("cost.penalties") / years
        downtime = total("downtime_cost") / years
        span = min(offer.contract_years, years)
        contract_cost = sum(total("economic_cost", f"Y{y + 1}") for y in range(span))
        judged = {p: contract[(contract["metric"] == "gtr_compliance") & (contract["priority"] == p)]
                  .set_index("replication")["value"] for p in PRIORITIES}
        values = {
            "effective_price": money.effective_price(fees, variable, penalties),
            "fees": fees,
            "variable_fees": variable,
            "penalties": penalties,
            "cap_binding": total("cap_binding_months", frame=contract, missing=0.0) / months,
            "gtr_breach": 1 - total("gtr_compliance", frame=contract, missing=1.0),
            "availability": total("availability_service_time"),
            "downtime_cost": downtime,
            "uncovered_downtime": money.uncovered_downtime(downtime, penalties),
            "economic_cost_contract": contract_cost,
            **{f"gtr_breach_{p}": 1 - series for p, series in judged.items()},
        }
        for figure, series in values.items():
            for replication, value in series.items():
                out.append((name, int(replication), figure, float(value)))
    return pd.DataFrame(out, columns=["offer", "replication", "figure", "value"])


def summarize_offers(figures: pd.DataFrame, results: Results | None = None, study: Study | None = None) -> pd.DataFrame:
    """Estimate, 95 % half-width and replications of each figure of each offer: the run's one estimator
    (:func:`simulation.variance.estimates`, with the controls of the offer's scenario when the run has them)."""
    from .variance import control_matrix, estimates, scenario_controls

    rows = []
    for (offer, figure), part in figures.groupby(["offer", "figure"], sort=False):
        part = part.dropna(subset=["value"])
        values = part["value"].to_numpy(dtype=float)
        if not len(values):
            rows.append({"offer": offer, "figure": figure, "mean": np.nan, "half_width": np.nan, "n": 0})
            continue
        x = mu = None
        if results is not None and results.controls is not None and results.control_means and study is not None:
            x, mu = control_matrix(results.controls, scenario_controls(study, results.control_means, [offer]),
                                   part["replication"].to_numpy())
        estimate = estimates(values[:, None], x, mu)[0]
        rows.append({"offer": offer, "figure": figure, "mean": estimate.mean, "half_width": estimate.half_width,
                     "n": len(values)})
    return pd.DataFrame(rows)


def criteria_matrix(tender: Tender, summary: pd.DataFrame) -> pd.DataFrame:
    """Offers x criteria: simulated means and qualitative scores (the ranking's decision matrix)."""
    means = summary.pivot_table(index="offer", columns="figure", values="mean", sort=False)
    matrix = pd.DataFrame(index=list(tender.offers))
    matrix["price"] = means["effective_price"]
    matrix["availability"] = means["availability"]
    matrix["gtr_breach"] = means["gtr_breach"]
    matrix["uncovered_downtime"] = means["uncovered_downtime"]
    for key in tender.criteria:
        matrix[key] = [tender.offers[o].scores[key] for o in matrix.index]
    return matrix


def directions(tender: Tender) -> dict[str, str]:
    """Whether less ('min') or more ('max') is better, per criterion."""
    return {**SIMULATED_CRITERIA, **dict.fromkeys(tender.criteria, "max")}


def compare_offers(tender: Tender, base: Study, replications: int, seed: int = 1, workers: int = 1,
                   progress: Progress | None = None, weights: dict[str, float] | None = None,
                   detail: bool = False) -> OfferComparison:
    """Simulate every offer on the base scenario's incidents and rank the offers."""
    study = tender_study(base, tender)
    results = run_study(study, replications, seed=seed, workers=workers, progress=progress, detail=detail)
    figures = offer_figures(tender, study, results.rows)
    summary = summarize_offers(figures, results, study)
    ranking = rank(criteria_matrix(tender, summary), entered_weights(weights or {}, tender), directions(tender))
    missed = {o: short for o, short in shortfalls(results.summary, study).items() if o in tender.offers}
    return OfferComparison(tender, study, results, figures, summary, ranking, missed)


def entered_weights(weights: dict[str, float], tender: Tender) -> dict[str, float]:
    """Every criterion's weight as entered: ``weights`` (``--weight``), else the tender's, else 0."""
    keys = [*SIMULATED_CRITERIA, *tender.criteria]
    unknown = [k for k in weights if k not in keys]
    if unknown:
        raise ValueError(f"unknown criteria {', '.join(unknown)} (criteria: {', '.join(keys)})")
    return {k: float(weights.get(k, tender.weights.get(k, 0.0))) for k in keys}
