"""Variance reduction for the rare staffing events that dominate an in-house option's spread.

A few percent of replications have every post of a team vacant at once (departures with a long hiring
delay): incidents then wait for months and the economic cost of that replication is several times the
usual one. Its spread is driven by *how long* and *how often* posts are vacant, and the expectation of
that is known exactly: each person's departures form an alternating renewal process (filled for an
exponential time at the team's hazard, then vacant for the hiring delay), independent of everyone else's.

So each replication measures, per team with departures, a few **control variates** from its staffing
draws alone (no incident involved) whose expectations are computed by renewal theory:

- ``vacant_hours``: hours any post is vacant, summed over the team (E = n ∫ p(t) dt);
- ``departures``: departures within the horizon (E = n M(H));
- ``uncovered_hours``: hours during which every member is vacant at once (E = ∫ p(t)^n dt);
- ``uncovered_square``: the sum of the squared lengths of those stretches, which is what a long
  outage costs (E = 2 ∫∫_{s<t} q(s, t)^n dt ds);
- ``exposure_P1`` and ``exposure_P2``: for every P1 (P2) incident of the team's services declared
  while the team is uncovered, the time left until someone is back (E = ∫ λ(t) R(t) dt, with
  R(t) = ∫_t q(t, u)^n du, since incidents arrive independently of staffing);

and, per service, the number of P1 and P2 incidents (``count_P1``, ``count_P2``; E = ∫ λ(t) dt), which
carry most of the remaining noise of the downtime cost. Here p(t) is the probability that one post is
vacant at t, M the renewal function of departures and q(s, t) the probability that one post is vacant
throughout [s, t].

Every reported mean Y is then corrected by the multiple control-variate estimator Ȳ − β'(X̄ − μ), β from
the least-squares fit of Y on X, with a jackknife confidence interval (n − q − 1 degrees of freedom).
With no control (no team with departures) or too few replications for the controls, the plain mean is
reported unchanged, bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from math import comb

import numpy as np
import pandas as pd
from scipy.special import gammainc, stdtrit

from sourcing.scenario import Study
from sourcing.units import HOURS_PER_YEAR

from .plan import Plan, compiled
from .staffing import PersonPlan

WHOLE_SERVICE = (0, 1)
"""The priorities whose incidents take the whole service down or degrade it (P1, P2): their counts and
their exposure to uncovered stretches drive the cost of downtime."""
MAX_UNCOVERED_TEAM = 6
"""Teams larger than this are never all vacant at once in practice: only their totals are controls."""
REPLICATIONS_PER_CONTROL = 5
"""A control is used only with at least this many replications per control, plus ten."""


# --------------------------------------------------------------------------- renewal theory


@dataclass(frozen=True)
class Renewal:
    """One post's departures and vacancies over ``[0, horizon)``: departure hazard per hour, hiring delay."""

    hazard: float
    delay: float
    horizon: float
    step: float = 0.25

    def _grid(self, start: float = 0.0) -> np.ndarray:
        n = int(np.ceil((self.horizon - start) / self.step))
        return start + self.step * np.arange(n + 1)

    def departures_by(self, t: np.ndarray) -> np.ndarray:
        """M(t): expected departures in ``[0, t]`` (zero before 0). The k-th departure is at
        (k - 1) x delay plus a Gamma(k, hazard) time."""
        t = np.asarray(t, dtype=float)
        out = np.zeros_like(t)
        k = 1
        while True:
            shifted = t - (k - 1) * self.delay
            if np.all(shifted <= 0):
                break
            term = gammainc(k, np.clip(shifted, 0.0, None) * self.hazard)  # the Gamma(k, hazard) CDF
            out += term
            if term.max() < 1e-15 or k > 10_000:
                break
            k += 1
        return out

    def vacant_at(self, t: np.ndarray) -> np.ndarray:
        """p(t): the post is vacant at t iff a departure fell in (t - delay, t] (at most one can)."""
        return self.departures_by(t) - self.departures_by(np.asarray(t) - self.delay)

    def expected(self, members: int, rates: dict[int, np.ndarray] | None = None) -> dict[str, float]:
        """Expectations of the controls of a team of ``members`` independent posts of this kind;
        ``rates`` are the hourly rates of the team's P1 and P2 incidents (for the exposures)."""
        grid = self._grid()
        p = self.vacant_at(grid)
        out = {"vacant_hours": members * _integral(p, self.step),
               "departures": members * float(self.departures_by(np.array([self.horizon]))[0])}
        if 2 <= members <= MAX_UNCOVERED_TEAM or (members == 1 and rates):
            left = self.remaining(members)
            if members >= 2:
                out["uncovered_hours"] = _integral(p ** members, self.step)
                out["uncovered_square"] = 2 * _integral(left, self.step)
            for priority, rate in (rates or {}).items():
                per_hour = _hourly_means(left, self.step, len(rate))
                out[f"exposure_P{priority + 1}"] = float(np.sum(rate * per_hour))
        return out

    def remaining(self, n: int) -> np.ndarray:
        """R(s) on the grid: E[time until someone is back, if all n posts are vacant at s] =
        ∫ (M(s) - M(u))^n du over u in [s - d, min(s, H - d)], M(u) = 0 for u < 0 (u = t - d: a post is
        vacant throughout [s, t] iff its departure fell in (t - d, s]). Its integral is half E[Σ L²]."""
        d, h = self.delay, self.horizon
        grid = self._grid(-d)
        m = self.departures_by(grid)
        powers = [m ** j for j in range(n + 1)]
        prefix = [np.concatenate(([0.0], np.cumsum((pw[1:] + pw[:-1]) / 2) * self.step)) for pw in powers]

        def integral_of(j: int, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
            pos_lo = np.clip((lo + d) / self.step, 0, len(grid) - 1)
            pos_hi = np.clip((hi + d) / self.step, 0, len(grid) - 1)
            cumulative = prefix[j]
            at_lo = np.interp(pos_lo, np.arange(len(grid)), cumulative)
            at_hi = np.interp(pos_hi, np.arange(len(grid)), cumulative)
            return np.where(hi > lo, at_hi - at_lo, 0.0)

        s = self._grid()
        ms = self.departures_by(s)
        lo, hi = s - d, np.minimum(s, h - d)
        inner = np.zeros_like(s)
        for j in range(n + 1):
            inner += comb(n, j) * (-1) ** j * ms ** (n - j) * integral_of(j, lo, hi)
        return np.clip(inner, 0.0, None)


def _integral(values: np.ndarray, step: float) -> float:
    return float(np.sum((values[1:] + values[:-1]) / 2) * step)


def _hourly_means(values: np.ndarray, step: float, hours: int) -> np.ndarray:
    """Mean of a function sampled every ``step`` hours from 0, over each whole hour."""
    per = int(round(1 / step))
    cumulative = np.concatenate(([0.0], np.cumsum((values[1:] + values[:-1]) / 2) * step))
    at = np.minimum(np.arange(hours + 1) * per, len(cumulative) - 1)
    return np.diff(cumulative[at])


# --------------------------------------------------------------------------- measured controls


def _intersection(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Intersection of two sorted lists of disjoint intervals."""
    out = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i, 0], b[j, 0]), min(a[i, 1], b[j, 1])
        if hi > lo:
            out.append((lo, hi))
        if a[i, 1] < b[j, 1]:
            i += 1
        else:
            j += 1
    return np.array(out, dtype=float).reshape(-1, 2)


def measured(plans: list[PersonPlan], horizon: float,
             arrivals: dict[int, np.ndarray] | None = None) -> dict[str, float]:
    """The controls of one team in one replication, from its drawn staffing plans and the declaration
    times of its services' P1 and P2 incidents (``arrivals``, by priority index)."""
    vacant = [np.clip(p.vacant, 0.0, horizon).reshape(-1, 2) for p in plans]
    out = {"vacant_hours": float(sum(np.sum(v[:, 1] - v[:, 0]) for v in vacant)),
           "departures": float(sum(sum(1 for d in p.departures if d < horizon) for p in plans))}
    if 1 <= len(plans) <= MAX_UNCOVERED_TEAM:
        common = vacant[0]
        for v in vacant[1:]:
            common = _intersection(common, v)
        lengths = common[:, 1] - common[:, 0]
        if len(plans) >= 2:
            out["uncovered_hours"] = float(lengths.sum())
            out["uncovered_square"] = float(np.sum(lengths ** 2))
        for priority, times in (arrivals or {}).items():
            if len(common) == 0:
                out[f"exposure_P{priority + 1}"] = 0.0
                continue
            at = np.searchsorted(common[:, 0], times, side="right") - 1
            inside = (at >= 0) & (times < common[np.maximum(at, 0), 1])
            out[f"exposure_P{priority + 1}"] = float(np.sum(common[at[inside], 1] - times[inside]))
    return out


def expected_controls(study: Study | Plan) -> dict[str, float]:
    """Every control of the study and its exact expectation, keyed ``team/control`` or ``service/control``.

    Without any team whose people may leave, there is no control (the plain estimator is used)."""
    plan = _plan(study)
    horizon = plan.calendar.horizon
    rates = {service.name: service.rates for service in plan.services}
    mixes = {service.name: np.diff(service.cumulative_mix, prepend=0.0) for service in plan.services}
    out = {}
    for name in used_teams(plan):
        team = plan.teams[name]
        if team.departures is None or team.departures.yearly_probability <= 0:
            continue
        hazard = -np.log1p(-team.departures.yearly_probability) / HOURS_PER_YEAR
        mine = team_services(plan, name)
        by_priority = {k: sum(rates[s] * mixes[s][k] for s in mine) for k in WHOLE_SERVICE}
        key = tuple((k, np.asarray(rate, dtype=float).tobytes()) for k, rate in by_priority.items())
        for control, value in _expected(hazard, team.departures.hiring_delay, horizon, len(team.members), key):
            out[f"{name}/{control}"] = value
    if out:
        for service, rate in rates.items():
            for k in WHOLE_SERVICE:
                out[f"{service}/count_P{k + 1}"] = float(rate.sum() * mixes[service][k])
    return out


@lru_cache(maxsize=256)
def _expected(hazard: float, delay: float, horizon: float, members: int,
              rates: tuple[tuple[int, bytes], ...]) -> tuple[tuple[str, float], ...]:
    """:meth:`Renewal.expected`, computed once for a given team and load: the variants of a batch that
    change a price or a provider share it (it takes a few tenths of a second)."""
    by_priority = {k: np.frombuffer(raw, dtype=float) for k, raw in rates}
    found = Renewal(hazard=hazard, delay=delay, horizon=horizon).expected(members, by_priority)
    return tuple(found.items())


def _plan(study: Study | Plan) -> Plan:
    return study if isinstance(study, Plan) else compiled(study)


def team_services(plan: Plan, team: str) -> list[str]:
    """The services some member of the team is skilled for."""
    skills: set[int] = set()
    for member in plan.teams[team].members:
        skills |= set(member.skills)
    return [s.name for s in plan.services if s.index in skills]


def load_controls(plan: Plan, load, plans: dict[str, list[PersonPlan]], means: dict[str, float]) -> dict[str, float]:
    """The controls of one replication, from its incident load and its teams' drawn staffing."""
    horizon = plan.calendar.horizon
    measured_now = load.measured & ~load.from_change
    out = {}
    for name in used_teams(plan):
        if f"{name}/vacant_hours" not in means:
            continue
        mine = [load.services.index(s) for s in team_services(plan, name)]
        of_team = measured_now & np.isin(load.service, mine)
        arrivals = {k: load.time[of_team & (load.priority == k)] for k in WHOLE_SERVICE}
        for control, value in measured(plans[name], horizon, arrivals).items():
            out[f"{name}/{control}"] = value
    for s, service in enumerate(load.services):
        for k in WHOLE_SERVICE:
            key = f"{service}/count_P{k + 1}"
            if key in means:
                out[key] = float(np.sum(measured_now & (load.service == s) & (load.priority == k)))
    return out


# --------------------------------------------------------------------------- the estimator


@dataclass(frozen=True)
class Estimate:
    """A mean with its 95 % half-width, the controls it used and the variance it saved."""

    mean: float
    half_width: float
    n: int
    controls: int
    reduction: float
    """Variance of the plain mean over the variance of this one (1 for the plain mean)."""


def controlled_mean(y: np.ndarray, x: np.ndarray | None, mu: np.ndarray | None,
                    confidence: float = 0.95) -> Estimate:
    """The multiple control-variate estimate of E[y] given controls ``x`` (n x q) of known means ``mu``.

    The estimate is the intercept of the least-squares fit of y on x − μ (that is, ȳ − β'(x̄ − μ)). Its
    confidence interval uses the jackknife variance of that intercept (in closed form, from the
    delete-one residuals e_i / (1 − h_i)): the controls of rare staffing events are far from normal, and
    the textbook interval assuming normality covered the truth in only about 80 % of seeds where the
    jackknife's covers it in about 95 % (tests/test_variance.py). Controls that hardly vary
    (:data:`MIN_INFORMATIVE`), or repeat another, are dropped; with fewer than 5 replications per control
    (plus 10) the plain mean is returned (exactly ``y.mean()`` and its Student-t half-width)."""
    y = np.asarray(y, dtype=float)
    n = len(y)
    plain_half = (stdtrit(n - 1, 0.5 + confidence / 2) * y.std(ddof=1) / np.sqrt(n)) if n >= 2 else np.nan
    plain = Estimate(float(y.mean()) if n else np.nan, float(plain_half), n, 0, 1.0)
    if x is None or x.size == 0 or n < 3:
        return plain
    keep = np.array([_informative(column) for column in x.T], dtype=bool)
    x, mu = x[:, keep], mu[keep]
    _, first = np.unique(x.round(9), axis=1, return_index=True)  # the same team listed twice: one control
    x, mu = x[:, np.sort(first)], mu[np.sort(first)]
    q = x.shape[1]
    if q == 0 or n < REPLICATIONS_PER_CONTROL * q + 10 or np.ptp(y) == 0:
        return plain
    z = np.column_stack((np.ones(n), x - mu))
    gram = z.T @ z
    if np.linalg.matrix_rank(gram) < q + 1:
        return plain
    inverse = np.linalg.inv(gram)
    theta = inverse @ (z.T @ y)
    residual = y - z @ theta
    projected = z @ inverse  # row i: (Z'Z)^-1 z_i
    leverage = np.einsum("ij,ij->i", projected, z)
    if np.any(leverage >= 1 - 1e-12):
        return plain
    shifts = projected[:, 0] * residual / (1 - leverage)  # θ̂ - θ̂_(i) for the intercept
    variance = (n - 1) / n * float(np.sum((shifts - shifts.mean()) ** 2))
    half = float(stdtrit(n - q - 1, 0.5 + confidence / 2) * np.sqrt(variance))
    reduction = float(y.var(ddof=1) / n / variance) if variance > 0 else np.inf
    return Estimate(float(theta[0]), half, n, q, reduction)


MIN_INFORMATIVE = 5
"""A control is used only when at least this many replications differ from its most common value: a
control seen off its usual value once or twice would fit those replications exactly and say nothing."""


def _informative(column: np.ndarray) -> bool:
    values, counts = np.unique(column.round(9), return_counts=True)
    return len(values) > 1 and len(column) - counts.max() >= MIN_INFORMATIVE


def control_matrix(controls: pd.DataFrame, means: dict[str, float],
                   replications: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The controls of the given replications (n x q) and their expectations, in the same column order."""
    names = [c for c in means if c in controls.columns]
    table = controls.set_index("replication").reindex(replications)[names] if names else None
    if table is None or table.isna().any().any():
        return np.zeros((len(replications), 0)), np.zeros(0)
    return table.to_numpy(dtype=float), np.array([means[c] for c in names])


def scenario_controls(study: Study | Plan, means: dict[str, float], scenarios: list[str]) -> dict[str, float]:
    """The controls that may move the figures of these scenarios: those of the teams they use (today's
    team too while a transition runs) and the incident counts; chosen from the study's structure, never
    from the data, so that choosing them cannot bias the estimate."""
    plan = _plan(study)
    teams: set[str] = set()
    for name in scenarios:
        try:
            scenario = plan.scenario(name)
        except KeyError:
            return means
        for assignment in scenario.assignments:
            for runtime in (assignment.runtime, assignment.previous):
                if runtime is not None:
                    teams.update(t.name for t in runtime.teams)
    return {k: v for k, v in means.items() if k.split("/", 1)[0] in teams or "/count_" in k}


def used_teams(study: Study | Plan) -> list[str]:
    """Teams that run a service in at least one scenario (the others cannot move any figure)."""
    plan = _plan(study)
    used: dict[str, None] = {}
    for scenario in plan.scenarios:
        for assignment in scenario.assignments:
            for runtime in (assignment.runtime, assignment.previous):
                if runtime is not None:
                    used.update(dict.fromkeys(t.name for t in runtime.teams))
    return [t for t in plan.teams if t in used]
