"""Offers on the same incidents: each offer's real price and real protection, and their ranking.

For every offer and replication: the effective yearly price (fixed and variable fees minus the
penalties it would pay), the expected penalties and how often the monthly cap binds, the chance of
breaching the GTR per priority, availability, the business cost of downtime left uncovered by
penalties, and the economic cost over the contract and per year. Means carry 95 % confidence intervals.

Eligibility comes before any score, as tender rules have it: an offer that misses a service's monthly
availability target (the one rule of :mod:`simulation.targets`) or one of the tender's mandatory
requirements (coverage window, GTR ceiling, lowest score on a criterion) is non-compliant, with each reason
as a :class:`Breach`, and is ranked apart, after every compliant offer (:func:`standing`).

The ranking's uncertainty: the simulated criteria are means over replications, so two offers whose scores
are close may swap places on another set of replications. :func:`ranking_uncertainty` resamples the
replications (kept whole: common random numbers) :data:`BOOTSTRAP` times, recomputes both methods' scores
on each resample, and gives, for every two offers next to each other in a method's order, the share of
resamples in which the one ahead stays ahead. The rule: they cannot be told apart when it stays ahead in
fewer than :data:`SETTLED` (95 %) of the resamples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd

from sourcing import money
from sourcing.model import PRIORITIES
from sourcing.ranking import METHODS, Ranking, rank, scores_of_matrices
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
    "economic_cost_year": "money",
}
"""Each figure of an offer and its unit; its label is ``figure.<identifier>`` in the catalogue."""
for _p in PRIORITIES:
    FIGURES[f"gtr_breach_{_p}"] = "share"


BOOTSTRAP = 2000
"""Resamples of the replications behind the ranking's uncertainty (as the verdict's probability of correct
selection)."""
SETTLED = 0.95
"""Two offers next to each other in a method's order are told apart when the one ahead stays ahead in at
least this share of the resamples; below it, the report says they cannot be told apart."""

Requirement = Literal["availability", "coverage", "gtr", "score"]


class Breach(NamedTuple):
    """One mandatory requirement an offer fails: which, on what, what is required and what is offered."""

    requirement: Requirement
    subject: str
    """The service (availability), the window (coverage), the priority (gtr) or the criterion (score)."""
    required: float | str
    offered: float | str | None
    """What the offer gives: a GTR in hours (None: best effort), a score, the offer's window, or for
    availability the share of months at the target (the details are in ``shortfall``)."""
    shortfall: Shortfall | None = None
    """For availability: the figures of :func:`simulation.targets.shortfalls`."""


class Tie(NamedTuple):
    """Two offers next to each other in one method's order, and how often the one ahead stays ahead."""

    method: str
    ahead: str
    behind: str
    held: float
    """Share of the bootstrap resamples of the replications in which ``ahead`` scores above ``behind``."""

    @property
    def settled(self) -> bool:
        return self.held >= SETTLED


@dataclass(frozen=True)
class OfferComparison:
    """Per-replication figures of every offer, their summary, eligibility, and the ranking."""

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
    breaches: dict[str, list[Breach]] = field(default_factory=dict)
    """Every mandatory requirement each non-compliant offer fails (availability first); compliant offers are
    absent."""

    @property
    def compliant(self) -> list[str]:
        """The offers that meet every requirement, in the tender's order."""
        return [o for o in self.tender.offers if o not in self.breaches]

    def standing(self, method: str) -> list[str]:
        """The offers in ranking order under a method: the compliant ones by score, then the non-compliant
        ones by score, ranked apart."""
        return standing(self.ranking, self.compliant, method)

    def cost_order(self) -> list[str]:
        """The offers by simulated economic cost per year, cheapest first, compliant ones first."""
        means = self.summary[self.summary["figure"] == "economic_cost_year"].set_index("offer")["mean"]
        compliant = set(self.compliant)
        return sorted(self.tender.offers, key=lambda o: (o not in compliant, float(means.get(o, np.inf))))

    def difference(self, offer: str, other: str, figure: str = "economic_cost_year") -> tuple[float, float]:
        """``other`` minus ``offer`` on a figure, paired on the same incidents: the difference of their
        estimates (the numbers the tables show) and the 95 % half-width of the paired difference (the run's
        estimator, with the controls of both offers' scenarios when the run has them)."""
        from .variance import control_matrix, estimates, scenario_controls

        means = self.summary[self.summary["figure"] == figure].set_index("offer")["mean"]
        wide = self.figures[self.figures["figure"] == figure].pivot(index="replication", columns="offer",
                                                                    values="value")
        paired = (wide[other] - wide[offer]).dropna()
        x = mu = None
        results = self.results
        if results.controls is not None and results.control_means:
            x, mu = control_matrix(results.controls, scenario_controls(self.study, results.control_means,
                                                                       [offer, other]), paired.index.to_numpy())
        half = estimates(paired.to_numpy(dtype=float)[:, None], x, mu)[0].half_width if len(paired) > 1 \
            else float("nan")
        return float(means[other] - means[offer]), float(half)

    @cached_property
    def ties(self) -> list[Tie]:
        """For each method, every two offers next to each other in score order and how often the one ahead
        stays ahead over resamples of the replications (:func:`ranking_uncertainty`)."""
        return ranking_uncertainty(self)


def standing(ranking: Ranking, compliant: list[str], method: str) -> list[str]:
    """Offers in ranking order: compliant offers by descending score, then the others by descending score."""
    ordered = ranking.scores[method].sort_values(ascending=False, kind="stable").index
    eligible = set(compliant)
    return [str(o) for o in ordered if o in eligible] + [str(o) for o in ordered if o not in eligible]


def eligibility(tender: Tender, study: Study, missed: dict[str, Shortfall]) -> dict[str, list[Breach]]:
    """Every mandatory requirement each offer fails: the availability target (the one rule of
    :mod:`simulation.targets`), then the tender's coverage window, GTR ceilings and lowest scores."""
    required = tender.requirements
    window = None
    if required.coverage is not None:
        calendar = study.calendar_
        window = calendar.schedule(study.window(required.coverage))
    out: dict[str, list[Breach]] = {}
    for name, offer in tender.offers.items():
        found: list[Breach] = []
        short = missed.get(name)
        if short is not None:
            found.append(Breach("availability", short.service, short.required, short.months_meeting, short))
        if window is not None:
            offered = study.calendar_.schedule(study.window(offer.coverage))
            spans = window.intervals()  # over the horizon
            inside = sum(offered.covered(begin, end) for begin, end in spans)
            if inside < sum(end - begin for begin, end in spans) - 1e-6:
                found.append(Breach("coverage", required.coverage, required.coverage, offer.coverage))
        for priority, ceiling in required.gtr.items():
            gtr = offer.gtr.get(priority)
            if gtr is None or gtr > ceiling + 1e-9:
                found.append(Breach("gtr", priority, ceiling, gtr))
        for key, lowest in required.scores.items():
            if offer.scores[key] < lowest - 1e-12:
                found.append(Breach("score", key, lowest, offer.scores[key]))
        if found:
            out[name] = found
    return out


def simulated_draws(comparison: OfferComparison, draws: int = BOOTSTRAP, seed: int | None = None) -> np.ndarray:
    """Decision matrices (draws x offers x criteria) whose simulated criteria are the means over bootstrap
    resamples of the replications, shifted so that they centre on the run's estimates (the ranking's matrix);
    qualitative scores stay as entered."""
    matrix = comparison.ranking.matrix
    offers = [str(o) for o in matrix.index]
    columns = {"price": "effective_price", "availability": "availability", "gtr_breach": "gtr_breach",
               "uncovered_downtime": "uncovered_downtime"}
    figures = comparison.figures
    wide = {key: figures[figures["figure"] == figure].pivot(index="replication", columns="offer", values="value")
            .reindex(columns=offers) for key, figure in columns.items()}
    replications = len(next(iter(wide.values())))
    rng = np.random.default_rng(comparison.results.seed if seed is None else seed)
    picks = rng.integers(0, replications, size=(draws, replications))
    out = np.repeat(matrix.to_numpy(dtype=float)[None, :, :], draws, axis=0)
    for key, frame in wide.items():
        values = frame.to_numpy(dtype=float)
        shift = matrix[key].to_numpy(dtype=float) - np.nanmean(values, axis=0)
        out[:, :, list(matrix.columns).index(key)] = np.nanmean(values[picks], axis=1) + shift
    return out


def ranking_uncertainty(comparison: OfferComparison, draws: int = BOOTSTRAP) -> list[Tie]:
    """For each method, every two offers next to each other in score order (the compliant and the
    non-compliant alike), with the share of resamples in which the one ahead stays ahead."""
    ranking = comparison.ranking
    if len(ranking.matrix) < 2 or comparison.figures.empty:
        return []
    matrices = simulated_draws(comparison, draws)
    offers = [str(o) for o in ranking.matrix.index]
    out = []
    for method in METHODS:
        drawn = scores_of_matrices(ranking, matrices, method)
        ordered = [str(o) for o in ranking.scores[method].sort_values(ascending=False, kind="stable").index]
        for ahead, behind in zip(ordered, ordered[1:]):
            i, j = offers.index(ahead), offers.index(behind)
            out.append(Tie(method, ahead, behind, float(np.mean(drawn[:, i] > drawn[:, j]))))
    return out


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
        year_cost = contract_cost / span
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
            "economic_cost_year": year_cost,
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
    missed = {o: short for o, short in shortfalls(results.summary, study).items() if o in tender.offers}
    breaches = eligibility(tender, study, missed)
    ranking = rank(criteria_matrix(tender, summary), entered_weights(weights or {}, tender), directions(tender),
                   [o for o in tender.offers if o not in breaches])
    return OfferComparison(tender, study, results, figures, summary, ranking, missed, breaches)


def entered_weights(weights: dict[str, float], tender: Tender) -> dict[str, float]:
    """Every criterion's weight as entered: ``weights`` (``--weight``), else the tender's, else 0."""
    keys = [*SIMULATED_CRITERIA, *tender.criteria]
    unknown = [k for k in weights if k not in keys]
    if unknown:
        raise ValueError(f"unknown criteria {', '.join(unknown)} (criteria: {', '.join(keys)})")
    return {k: float(weights.get(k, tender.weights.get(k, 0.0))) for k in keys}
