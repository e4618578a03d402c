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

from .compare import _chosen, _estimate, scenario_values
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
    """Sustainability flags of the teams the recommended option depends on, already in words."""
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
        return _estimate(column.dropna(), controls, _chosen(study, means, names))

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


def sentences(v: Verdict, lang: str = "en", currency: str = "EUR", replications: int | None = None,
              names: dict[str, str] | None = None) -> list[str]:
    """The verdict in plain words, first the answer, then how sure, what it gives up, what it depends on.

    ``names`` maps a service's or a team's identifier to what the reader calls it (``Study.names``; the
    identifier by default)."""
    from sourcing.words import horizon, money, number, percent, points, say

    over = horizon(v.years, lang)
    out = []
    if not v.decided:
        out.append(say("verdict.cannot_be_right", lang))
        out += [doubt_sentence(option, doubt, lang, names) for option, doubt in v.doubts.items()]
        return out
    if v.excluded and set(v.excluded) >= set(v.qualifying):
        out.append(say("verdict.none_meets", lang, best=v.recommended, horizon=over))
    elif v.runner_up is None:
        out.append(say("verdict.only" if v.excluded else "verdict.recommend", lang, best=v.recommended,
                       horizon=over))
    else:
        out.append(say("verdict.recommend", lang, best=v.recommended, horizon=over))
    if v.equivalent and v.runner_up is not None:
        out.append(say("verdict.equivalent", lang, best=v.recommended, runner=v.runner_up,
                       amount=money(v.indifference, currency, lang), horizon=over))
    elif v.next_option is not None and v.margin is not None:
        out += _margin(v, lang, currency, replications)
    for event in v.rare:
        out.append(say("verdict.rare", lang, team=(names or {}).get(event.team, event.team),
                       every=number(1 / event.per_replication, lang, 0), seen=number(max(event.seen, 0), lang, 0),
                       n=number(event.replications, lang, 0), needed=number(event.needed, lang, 0)))
    for option, short in v.excluded.items():
        why = say("verdict.below_target", lang, service=(names or {}).get(short.service, short.service),
                  target=percent(short.target, lang), share=percent(short.months_meeting, lang, 0),
                  required=percent(short.required, lang, 0), below=number(short.months_below_per_year, lang, 1),
                  value=percent(short.availability, lang, 3))
        out.append(say("verdict.excluded", lang, option=option, why=why))
    for option, doubt in v.doubts.items():
        out.append(say("verdict.excluded", lang, option=option, why=doubt_sentence(None, doubt, lang, names)))
    if v.gives_up is not None:
        other, mean, low, high = v.gives_up
        out.append(say("verdict.gives_up", lang, points=points(mean, lang), other=other, low=points(low, lang),
                       high=points(high, lang)))
    elif v.next_option is not None:
        out.append(say("verdict.gives_up_nothing", lang))
    if v.sensitive_to:
        out.append(say("verdict.sensitive", lang, names=", ".join(v.sensitive_to[:3])))
    from .sustainability import flags

    found = list(v.unsustainable)
    for team, figures in v.rest.items():
        found += [f"{(names or {}).get(team, team)}: {flag}" for flag in flags(figures, lang)]
    if found:
        out.append(say("verdict.unsustainable", lang, flags="; ".join(found)))
    return out


def _margin(v: Verdict, lang: str, currency: str, replications: int | None) -> list[str]:
    """By how much the recommended option costs less (or more) than the next option, over the horizon and
    a year, its interval in words, whether the gap is established, and how sure its direction is."""
    from sourcing.words import horizon, money, percent, saving_span, say

    other = v.next_option
    mean, low, high = v.margin
    less = mean >= 0
    span = saving_span(low, high, currency, lang)
    which = ("" if v.next_qualifies and not v.excluded else
             say("verdict.which_meets" if v.next_qualifies else "verdict.which_misses", lang))
    out = [say("verdict.margin_less" if less else "verdict.margin_more", lang, other=other, which=which,
               amount=money(abs(mean), currency, lang), horizon=horizon(v.years, lang),
               per_year=money(abs(mean) / v.years, currency, lang), span=span)]
    if low <= 0 <= high:
        out.append(say("verdict.unsettled" if v.next_qualifies else "verdict.not_established", lang, other=other))
    n = replications or say("verdict.the", lang)
    if v.next_option == v.runner_up and v.probability is not None and v.probability == v.probability:
        out.append(say("verdict.sure", lang, pcs=percent(v.probability, lang, 1), n=n))
    elif v.margin_probability is not None and v.margin_probability == v.margin_probability:
        share = v.margin_probability if less else 1 - v.margin_probability
        out.append(say("verdict.sure_less" if less else "verdict.sure_more", lang, other=other,
                       pcs=percent(share, lang, 1), n=n))
    return out


def doubt_sentence(option: str | None, doubt: Doubt, lang: str = "en", names: dict[str, str] | None = None) -> str:
    """Why an option's figures cannot be right, in words (with the option's name first when given)."""
    from sourcing.words import number, percent, say

    service = (names or {}).get(doubt.service, doubt.service)
    if doubt.kind == "saturated":
        why = say("verdict.doubt_saturated", lang, team=service, share=percent(doubt.availability, lang, 0))
    elif doubt.kind == "backlog":
        why = say("verdict.doubt_backlog", lang, service=service, open=number(doubt.open_at_horizon, lang, 0),
                  months=number(doubt.months_of_incidents, lang, 1))
    else:
        why = say("verdict.doubt_down", lang, service=service, availability=percent(doubt.availability, lang, 1))
    return why if option is None else say("verdict.doubt_option", lang, option=option, why=why)
