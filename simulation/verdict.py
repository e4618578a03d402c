"""The verdict: which option, by how much, how sure, what it gives up, and what it depends on.

The recommended option is the one with the lowest mean economic cost among those that meet every
service's monthly availability target (:mod:`simulation.targets`: enough months at or above the target;
every option qualifies when no service has a target). Every figure is the run's one estimate of it (the
summary's, or the paired estimate of :mod:`simulation.compare`), so the verdict, the tables, the reports and
the app say the same numbers. Against the runner-up (the next cheapest that qualifies),
it gives the paired difference with its 95 % interval over the horizon and per year, the probability of
correct selection (the share of bootstrap resamples of the replications in which it is still the
cheapest), or says that the two are equivalent within the indifference amount when the interval of their
difference lies inside it. It says what the choice gives up in availability against the most available
option, and which assumptions move the decision most when a sensitivity was run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sourcing.scenario import Study

from .compare import controls_of, estimate_of, scenario_values
from .plausibility import Doubt, doubts
from .replications import Results
from .statistics import figure
from .targets import Shortfall, shortfalls
from .variance import RareEvent, rare_events

BOOTSTRAP = 2000
INDIFFERENCE = 0.01
"""Two options whose cost difference is surely within 1 % of the cheaper one's cost are equivalent."""


@dataclass
class Verdict:
    """What the run says, in figures; :meth:`sentences` says it in words."""

    recommended: str
    runner_up: str | None
    qualifying: list[str]
    excluded: dict[str, Shortfall]
    """Options that miss a service's monthly availability target, and by how much."""
    difference: tuple[float, float, float] | None
    """Runner-up minus recommended economic cost over the horizon: mean, low, high (95 %)."""
    years: int
    probability: float | None
    """Probability of correct selection among the qualifying options (bootstrap)."""
    equivalent: bool
    indifference: float
    gives_up: tuple[str, float, float, float] | None
    """(most available option, availability points given up: mean, low, high), when it is not the recommended."""
    sensitive_to: list[str] = field(default_factory=list)
    unsustainable: list[str] = field(default_factory=list)
    """Sustainability flags the caller gives with the verdict (keys of the catalogue or text as written)."""
    rest: dict[str, dict[str, float]] = field(default_factory=dict)
    """Mean sustainability figures of each internal team of the recommended option (flagged in words by
    :func:`sentences`, in the reader's language)."""
    rare: list[RareEvent] = field(default_factory=list)
    """Teams whose whole-team absences this run is too short to weigh (:func:`simulation.variance.rare_events`)."""
    doubts: dict[str, Doubt] = field(default_factory=dict)
    """Options whose figures cannot describe a real service (:mod:`simulation.plausibility`): never
    recommended; when every option has one, nothing is."""
    next_option: str | None = None
    """The option the margin is stated against: the runner-up when one qualifies, else the next cheapest
    believable option (which misses a target); None when there is no other option."""
    next_qualifies: bool = False
    """Whether ``next_option`` meets every availability target (False when none does: it is then like the
    recommended)."""
    margin: tuple[float, float, float] | None = None
    """``next_option`` minus recommended economic cost over the horizon: mean, low, high (95 %); negative when
    the recommended costs more (it is the price of meeting the targets)."""
    margin_probability: float | None = None
    """Share of bootstrap resamples of the replications in which the recommended costs less than
    ``next_option`` (how sure the margin's sign is)."""

    def __post_init__(self) -> None:
        """A verdict written with a runner-up only (as before the next option was kept) states its margin
        against that runner-up."""
        if self.next_option is None and self.runner_up is not None:
            self.next_option, self.next_qualifies = self.runner_up, True
            self.margin = self.difference
            self.margin_probability = self.probability

    @property
    def decided(self) -> bool:
        """False when no option's figures can be trusted: the verdict then recommends nothing."""
        return self.recommended not in self.doubts


def verdict(results: Results, study: Study, sensitive_to: list[str] | None = None,
            unsustainable: list[str] | None = None, seed: int = 0) -> Verdict:
    """The verdict of a run (its tidy rows, control variates and study)."""
    cost = scenario_values(results.rows, "economic_cost")
    availability = scenario_values(results.rows, "availability_service_time")
    controls, means = results.controls, results.control_means
    summary = results.summary

    def estimate(column, names):
        return estimate_of(column.dropna(), controls, controls_of(study, means, names))

    excluded = shortfalls(summary, study)
    doubtful = doubts(summary, study)
    believable = [s for s in cost.columns if s not in doubtful] or list(cost.columns)
    options = [s for s in believable if s not in excluded] or believable
    mean_cost = {s: figure(summary, "economic_cost", s) for s in options}
    ranked = sorted(options, key=mean_cost.get)
    best = ranked[0]
    runner = ranked[1] if len(ranked) > 1 else None
    difference = equivalent = probability = None
    indifference = INDIFFERENCE * abs(mean_cost[best])
    if runner is not None:
        diff = estimate(cost[runner] - cost[best], [best, runner])
        difference = (diff.mean, diff.mean - diff.half_width, diff.mean + diff.half_width)
        equivalent = bool(-indifference <= difference[1] and difference[2] <= indifference)
        probability = _pcs(cost[ranked], seed)
    others = sorted((s for s in believable if s != best), key=lambda s: figure(summary, "economic_cost", s))
    following = runner or (others[0] if others else None)
    margin = margin_probability = None
    if following is not None:
        if following == runner:
            margin = difference
        else:
            apart = estimate(cost[following] - cost[best], [best, following])
            margin = (apart.mean, apart.mean - apart.half_width, apart.mean + apart.half_width)
        margin_probability = _pcs(cost[[best, following]], seed)
    most_available = max(availability.columns, key=lambda s: figure(summary, "availability_service_time", s))
    gives_up = None
    if most_available != best:
        gap = estimate(availability[most_available] - availability[best], [best, most_available])
        gives_up = (most_available, gap.mean, gap.mean - gap.half_width, gap.mean + gap.half_width)
    return Verdict(best, runner, ranked, excluded, difference, study.calendar.horizon, probability,
                   bool(equivalent), indifference, gives_up, list(sensitive_to or []), list(unsustainable or []),
                   _rest(summary, best), rare_events(study, controls, results.replications), doubtful,
                   following, following is not None and following not in excluded, margin, margin_probability)


def _rest(summary: pd.DataFrame, scenario: str) -> dict[str, dict[str, float]]:
    """Sustainability figures (their estimates) per internal team of ``scenario``."""
    from .sustainability import METRICS

    part = summary[(summary["scenario"] == scenario) & (summary["scope"] == "team") & summary["metric"].isin(METRICS)
                   & (summary["period"] == "all") & (summary["priority"] == "")]
    out: dict[str, dict[str, float]] = {}
    for team, metric, value in zip(part["subject"], part["metric"], part["mean"]):
        out.setdefault(str(team), {})[str(metric)] = float(value)
    return out


def _pcs(cost, seed: int) -> float:
    """Share of bootstrap resamples of the replications (rows kept whole: common random numbers) in which
    the option cheapest on the full sample is still the cheapest."""
    values = cost.dropna().to_numpy()
    if len(values) < 2:
        return float("nan")
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(values), size=(BOOTSTRAP, len(values)))
    means = values[picks].mean(axis=1)
    return float(np.mean(np.argmin(means, axis=1) == 0))
