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

A reported mean Y is then the multiple control-variate estimate Ȳ − β'(X̄ − μ), β from the least-squares
fit of Y on the first k controls of a fixed order (:func:`control_order`), k chosen per figure out of sample
and at most one control per ten replications beyond the first ten (:func:`estimates`), with a jackknife
confidence interval. Where controls would not narrow a figure's interval, or with too few replications,
the plain mean is reported unchanged, bit for bit: variance reduction never widens an interval.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from math import comb
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.special import gammainc

from sourcing.scenario import Study
from sourcing.units import HOURS_PER_YEAR

from .compile import compiled
from .plan import Plan
from .staffing import PersonPlan

WHOLE_SERVICE = (0, 1)
"""The priorities whose incidents take the whole service down or degrade it (P1, P2): their counts and
their exposure to uncovered stretches drive the cost of downtime."""
MAX_UNCOVERED_TEAM = 6
"""Teams larger than this are never all vacant at once in practice: only their totals are controls."""


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

    def expected(self, members: int, rates: dict[int, np.ndarray] | None = None,
                 until: tuple[float, ...] = ()) -> dict[str, float]:
        """Expectations of the controls of a team of ``members`` independent posts of this kind;
        ``rates`` are the hourly rates of the team's P1 and P2 incidents (for the exposures), ``until`` the
        ends of the transitions the team still runs (for the exposures of incidents declared before)."""
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
                for k, end in enumerate(until):
                    hours = int(np.ceil(end))
                    out[transition_control(k, priority)] = float(np.sum(rate[:hours] * per_hour[:hours]))
        return out

    def whole_team_onsets(self, members: int) -> float:
        """Expected number of times within the horizon that the last present member of a team of ``members``
        posts of this kind leaves: n λ ∫ (1 − p(t)) p(t)^(n−1) dt (one post filled, leaving at the hazard, while
        the others are vacant)."""
        grid = self._grid()
        p = self.vacant_at(grid)
        return members * self.hazard * _integral((1 - p) * p ** (members - 1), self.step)

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


def measured(plans: list[PersonPlan], horizon: float, arrivals: dict[int, np.ndarray] | None = None,
             until: tuple[float, ...] = ()) -> dict[str, float]:
    """The controls of one team in one replication, from its drawn staffing plans and the declaration
    times of its services' P1 and P2 incidents (``arrivals``, by priority index); ``until``: the ends of
    the transitions the team still runs."""
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
            out[f"exposure_P{priority + 1}"] = _exposure(common, times)
            for k, end in enumerate(until):
                out[transition_control(k, priority)] = _exposure(common, times[times < end])
    return out


def _exposure(common: np.ndarray, times: np.ndarray) -> float:
    """For incidents declared at ``times``, the time left until someone is back, summed over those declared
    inside one of the stretches ``common`` when the whole team is vacant."""
    if len(common) == 0:
        return 0.0
    at = np.searchsorted(common[:, 0], times, side="right") - 1
    inside = (at >= 0) & (times < common[np.maximum(at, 0), 1])
    return float(np.sum(common[at[inside], 1] - times[inside]))


def transition_control(k: int, priority: int) -> str:
    """The name of the exposure of P1 (P2) incidents declared before the team's ``k``-th transition end."""
    return f"transition{k + 1}_P{priority + 1}"


def expected_controls(study: Study | Plan) -> dict[str, float]:
    """Every control of the study and its exact expectation, keyed ``team/control`` or ``service/control``.

    Without any team whose people may leave, there is no control (the plain estimator is used)."""
    return expected_controls_all([study])[0]


def expected_controls_all(studies: list[Study | Plan], mapper: Callable | None = None) -> list[dict[str, float]]:
    """:func:`expected_controls` of every study. The renewal expectations (a few tenths of a second each)
    are computed once for each distinct team and load; with ``mapper`` (``map(function, items)`` on worker
    processes) the ones not yet known in this process are computed there, in parallel (the same numbers)."""
    inputs = [_control_inputs(_plan(study)) for study in studies]
    missing = list(dict.fromkeys(args for teams, _ in inputs for _, args in teams if args not in _EXPECTED))
    if mapper is not None and len(missing) > 1:
        for args, value in zip(missing, mapper(_expected_of, missing)):
            _remember(args, value)
    out = []
    for teams, (rates, mixes) in inputs:
        means = {}
        for name, args in teams:
            for control, value in _expected(*args):
                means[f"{name}/{control}"] = value
        if means:
            for service, rate in rates.items():
                for k in WHOLE_SERVICE:
                    means[f"{service}/count_P{k + 1}"] = float(rate.sum() * mixes[service][k])
        out.append(means)
    return out


def _control_inputs(plan: Plan) -> tuple[list[tuple[str, tuple]], tuple[dict, dict]]:
    """Each team whose people may leave, with the arguments of its renewal expectation (:func:`_expected`);
    and the services' incident rates and priority mixes."""
    horizon = plan.calendar.horizon
    rates = {service.name: service.rates for service in plan.services}
    mixes = {service.name: np.diff(service.cumulative_mix, prepend=0.0) for service in plan.services}
    out = []
    for name in used_teams(plan):
        team = plan.teams[name]
        if team.departures is None or team.departures.yearly_probability <= 0:
            continue
        hazard = -np.log1p(-team.departures.yearly_probability) / HOURS_PER_YEAR
        mine = team_services(plan, name)
        by_priority = {k: sum(rates[s] * mixes[s][k] for s in mine) for k in WHOLE_SERVICE}
        key = tuple((k, np.asarray(rate, dtype=float).tobytes()) for k, rate in by_priority.items())
        out.append((name, (hazard, team.departures.hiring_delay, horizon, len(team.members), key,
                           transitions(plan, name))))
    return out, (rates, mixes)


_EXPECTED: dict[tuple, tuple[tuple[str, float], ...]] = {}
"""Renewal expectations computed in this process, by their arguments (the last 256)."""


def _remember(args: tuple, value: tuple[tuple[str, float], ...]) -> None:
    if len(_EXPECTED) >= 256:
        _EXPECTED.pop(next(iter(_EXPECTED)))
    _EXPECTED[args] = value


def _expected_of(args: tuple) -> tuple[tuple[str, float], ...]:
    return _compute_expected(*args)


def _expected(hazard: float, delay: float, horizon: float, members: int,
              rates: tuple[tuple[int, bytes], ...], until: tuple[float, ...] = ()) -> tuple[tuple[str, float], ...]:
    """:meth:`Renewal.expected`, computed once for a given team and load: the variants of a batch that
    change a price or a provider share it (it takes a few tenths of a second)."""
    args = (hazard, delay, horizon, members, rates, until)
    if args not in _EXPECTED:
        _remember(args, _compute_expected(*args))
    return _EXPECTED[args]


def _compute_expected(hazard: float, delay: float, horizon: float, members: int, rates: tuple[tuple[int, bytes], ...],
                      until: tuple[float, ...] = ()) -> tuple[tuple[str, float], ...]:
    by_priority = {k: np.frombuffer(raw, dtype=float) for k, raw in rates}
    found = Renewal(hazard=hazard, delay=delay, horizon=horizon).expected(members, by_priority, until)
    return tuple(found.items())


def _plan(study: Study | Plan) -> Plan:
    return study if isinstance(study, Plan) else compiled(study)


def team_services(plan: Plan, team: str) -> list[str]:
    """The services some member of the team is skilled for."""
    skills: set[int] = set()
    for member in plan.teams[team].members:
        skills |= set(member.skills)
    return [s.name for s in plan.services if s.index in skills]


def transitions(plan: Plan, team: str) -> tuple[float, ...]:
    """The ends of the transitions during which the team still runs a service that a scenario moves
    elsewhere (today's team while a provider takes over), in hours from the start: the incidents declared
    before one of them are the team's to restore in that scenario."""
    ends = {assignment.transition_end for scenario in plan.scenarios for assignment in scenario.assignments
            if assignment.previous is not None and assignment.transition_end > 0
            and team in {t.name for t in assignment.previous.teams}
            and team not in {t.name for t in assignment.runtime.teams}}
    return tuple(sorted(ends))


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
        for control, value in measured(plans[name], horizon, arrivals, transitions(plan, name)).items():
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
    """(Plain half-width / this half-width)²: 1 for the plain mean, never below 1 (the plain mean is kept
    whenever controls would not narrow the interval)."""


def max_controls(n: int) -> int:
    """Most controls a mean of ``n`` replications may use: none below 20 replications, then one per ten
    beyond the first ten. The coefficient of each control is estimated from the same replications; with
    few of them, the estimates of rare-event controls are noise, and choosing among them is optimistic."""
    return max(0, (n - 10) // 10)


def estimates(y: np.ndarray, x: np.ndarray | None, mu: np.ndarray | None,
              confidence: float = 0.95) -> list[Estimate]:
    """The estimate of E[y] for each column of ``y`` (n replications x G figures), with the controls ``x``
    (n x q, in the order of :func:`control_matrix`: the most telling first) of known means ``mu``.

    For each figure, the depth k (the first k controls, k from 0 to :func:`max_controls`) is the one whose
    corrected replications vary least **out of sample**: replication i is corrected with the coefficients
    fitted without it, y_i − β̂₍₋ᵢ₎'(x_i − μ), in closed form (the leave-one-out residual). Only the depth
    is chosen from the data, in a nested family fixed by the study's structure, so the choice cannot fit
    noise the way a search over every subset would. The estimate is then the intercept of the fit of y on
    x − μ (that is, ȳ − β̂'(x̄ − μ)), with the jackknife variance of that intercept (from the delete-one
    residuals; the textbook variance assumes normal controls, and rare staffing events are far from
    normal) and the skewness-corrected interval of :func:`simulation.intervals.skew_half_width` on its
    jackknife pseudo-values. A figure keeps the plain mean (exactly ``y.mean()`` and its interval) when no
    depth helps out of sample, or when the controlled interval would not be narrower than the plain one:
    variance reduction never widens an interval."""
    from .intervals import skew_half_width

    y = np.asarray(y, dtype=float)
    n, figures = y.shape
    plain_mean = np.array([column.mean() for column in y.T]) if n else np.full(figures, np.nan)  # as y.mean() alone
    if n < 2:
        return [Estimate(float(m), float("nan"), n, 0, 1.0) for m in plain_mean]
    plain_half = skew_half_width(y, y.var(axis=0, ddof=1) / n, n - 1, confidence)
    mean, half, used = plain_mean.copy(), plain_half.copy(), np.zeros(figures, dtype=int)
    varying = np.ptp(y, axis=0) > 0
    columns = _usable(x) if x is not None and x.size else []
    depth = min(max_controls(n), len(columns))
    if depth and varying.any():
        ys = y[:, varying]
        best_spread = ys.var(axis=0, ddof=1)  # the plain mean's: replications uncorrected
        chosen = np.zeros(ys.shape[1], dtype=int)
        best_mean, best_half = plain_mean[varying].copy(), plain_half[varying].copy()
        for k in range(1, depth + 1):
            fit = _fit(ys, x[:, columns[:k]] - mu[columns[:k]])
            if fit is None:
                break
            intercept, left_out, pseudo, variance = fit
            better = left_out.var(axis=0, ddof=1) < best_spread * CV_MARGIN
            if not better.any():
                continue
            controlled_half = skew_half_width(pseudo, variance, n - k - 1, confidence)
            better &= controlled_half < plain_half[varying]
            best_spread = np.where(better, left_out.var(axis=0, ddof=1), best_spread)
            chosen = np.where(better, k, chosen)
            best_mean = np.where(better, intercept, best_mean)
            best_half = np.where(better, controlled_half, best_half)
        mean[varying], half[varying], used[varying] = best_mean, best_half, chosen
    with np.errstate(invalid="ignore", divide="ignore"):
        reduction = np.where((used > 0) & (half > 0), (plain_half / np.where(half > 0, half, 1.0)) ** 2, 1.0)
    return [Estimate(float(m), float(h), n, int(q), float(r)) for m, h, q, r in zip(mean, half, used, reduction)]


def controlled_mean(y: np.ndarray, x: np.ndarray | None, mu: np.ndarray | None,
                    confidence: float = 0.95) -> Estimate:
    """:func:`estimates` of one figure."""
    y = np.asarray(y, dtype=float)
    return estimates(y[:, None], x, mu, confidence)[0]


def _fit(y: np.ndarray, centred: np.ndarray) -> tuple[np.ndarray, ...] | None:
    """Least squares of every column of ``y`` on [1, x − μ]: the intercepts, the leave-one-out corrected
    replications, the jackknife pseudo-values of the intercepts and their jackknife variances (None when
    the fit is singular or one replication alone determines it)."""
    n = len(y)
    z = np.column_stack((np.ones(n), centred))
    gram = z.T @ z
    if np.linalg.matrix_rank(gram) < z.shape[1]:
        return None
    inverse = np.linalg.inv(gram)
    theta = inverse @ (z.T @ y)
    residual = y - z @ theta
    projected = z @ inverse  # row i: (Z'Z)^-1 z_i
    leverage = np.einsum("ij,ij->i", projected, z)
    if np.any(leverage >= 1 - 1e-12):
        return None
    scaled = residual / (1 - leverage)[:, None]
    shifts = projected[:, :1] * scaled  # θ̂ − θ̂₍₋ᵢ₎ for the intercept
    # y_i − β̂₍₋ᵢ₎'(x_i − μ) = θ̂₀ + e_i (1 − P_i0) / (1 − h_i), with P = Z (Z'Z)^-1 and h the leverage
    left_out = theta[0] + scaled * (1 - projected[:, :1])
    variance = (n - 1) / n * np.sum((shifts - shifts.mean(axis=0)) ** 2, axis=0)
    pseudo = theta[0] + (n - 1) * shifts
    return theta[0], left_out, pseudo, variance


CV_MARGIN = 0.9
"""A depth of controls is kept only if it cuts the out-of-sample variance of the corrected replications by at
least 10 %: a smaller gain is within the noise of the choice itself."""
MIN_INFORMATIVE = 10
"""A control is used only when at least this many replications differ from its most common value: a rare
event (a whole team away) seen in a handful of replications gives a coefficient that is mostly noise, and the
interval built on it covers less than it says (measured on the examples: up to 3 points of coverage lost
at 100 replications with 5, under 2 with 10)."""


def _usable(x: np.ndarray) -> list[int]:
    """The controls that vary enough to say something, in their order, each once (a team listed twice
    gives the same column twice)."""
    out: list[int] = []
    seen: set[bytes] = set()
    for j in range(x.shape[1]):
        column = x[:, j].round(9)
        values, counts = np.unique(column, return_counts=True)
        if len(values) < 2 or len(column) - counts.max() < MIN_INFORMATIVE or column.tobytes() in seen:
            continue
        seen.add(column.tobytes())
        out.append(j)
    return out


TELLING = ("uncovered_hours", "vacant_hours", "uncovered_square", "exposure_P1", "exposure_P2", "departures")
"""A team's controls, the most telling first: whole-team vacancy drives the costly replications (for a team
of one, any vacancy is whole-team), then the waits it imposes on outages, then the count of departures
(nearly a copy of the vacant hours). A team that only runs a transition has the exposures of the incidents
declared before its end first; the incident counts of the services come after every team's."""


def _rank(name: str) -> tuple[int, str]:
    control = name.split("/", 1)[1]
    if control.startswith("transition"):
        return -1, control
    return (TELLING.index(control) if control in TELLING else len(TELLING)), control


def control_order(names: list[str]) -> list[str]:
    """Controls in the order :func:`estimates` adds them: each team's first, then each team's second, and
    so on (so that two teams share the first places), then the services' incident counts."""
    teams: dict[str, list[str]] = {}
    counts = []
    for name in names:
        subject, control = name.split("/", 1)
        if control.startswith("count_"):
            counts.append(name)
        else:
            teams.setdefault(subject, []).append(name)
    for members in teams.values():
        members.sort(key=_rank)
    depth = max((len(m) for m in teams.values()), default=0)
    ranked = [members[i] for i in range(depth) for members in teams.values() if i < len(members)]
    return ranked + sorted(counts, key=lambda k: (k.split("/", 1)[1], k))


def control_matrix(controls: pd.DataFrame, means: dict[str, float],
                   replications: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The controls of the given replications (n x q, in :func:`control_order`) and their expectations,
    in the same column order."""
    names = control_order([c for c in means if c in controls.columns])
    table = controls.set_index("replication").reindex(replications)[names] if names else None
    if table is None or table.isna().any().any():
        return np.zeros((len(replications), 0)), np.zeros(0)
    return table.to_numpy(dtype=float), np.array([means[c] for c in names])


def scenario_controls(study: Study | Plan, means: dict[str, float], scenarios: list[str]) -> dict[str, float]:
    """The controls that may move the figures of these scenarios: those of the teams they use, the
    exposures before the transition ends of today's team while it still runs a service they move, and the
    incident counts; chosen from the study's structure, never from the data, so that choosing them cannot
    bias the estimate."""
    plan = _plan(study)
    running: set[str] = set()
    handing_over: set[str] = set()
    for name in scenarios:
        try:
            scenario = plan.scenario(name)
        except KeyError:
            return means
        for assignment in scenario.assignments:
            running.update(t.name for t in assignment.runtime.teams)
            if assignment.previous is not None:
                handing_over.update(t.name for t in assignment.previous.teams)

    def relevant(key: str) -> bool:
        subject, control = key.split("/", 1)
        if control.startswith("count_"):
            return True
        if subject in running:
            return not control.startswith("transition")
        return subject in handing_over

    return {k: v for k, v in means.items() if relevant(k)}


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


class RareEvent(NamedTuple):
    """A team whose being wholly away at once is rare, and costly when it happens: how rare, how often this
    run saw it, and how many replications would see it about ten times."""

    team: str
    per_replication: float
    """Expected times per replication that the whole team is away at once (renewal theory)."""
    seen: int
    """Replications of this run in which it happened."""
    replications: int
    needed: int


RARE_EVENTS_WANTED = 10
"""A run sees a rare event often enough to estimate its weight in a mean when it sees it about ten times."""
NEGLIGIBLE = 1e-3
"""Below one time in a thousand replications, the event's weight in any mean is negligible too."""


def rare_events(study: Study | Plan, controls: pd.DataFrame | None, replications: int) -> list[RareEvent]:
    """The teams whose whole-team absences this run is too short to weigh: each is a few replications that
    cost far more than the others (incidents wait for weeks); a run that contains too few of them gives
    intervals that are too low whatever their formula. Said beside the results, with the replications that
    would see about ten of them."""
    plan = _plan(study)
    out = []
    for name in used_teams(plan):
        team = plan.teams[name]
        members = len(team.members)
        if team.departures is None or team.departures.yearly_probability <= 0 or members > MAX_UNCOVERED_TEAM:
            continue
        hazard = -np.log1p(-team.departures.yearly_probability) / HOURS_PER_YEAR
        rate = _onsets(hazard, team.departures.hiring_delay, plan.calendar.horizon, members)
        if rate < NEGLIGIBLE:
            continue
        needed = int(np.ceil(RARE_EVENTS_WANTED / rate))
        if replications >= needed:
            continue
        column = f"{name}/uncovered_hours" if members >= 2 else f"{name}/vacant_hours"
        seen = int((controls[column] > 0).sum()) if controls is not None and column in controls.columns else -1
        out.append(RareEvent(name, rate, seen, replications, needed))
    return out


@lru_cache(maxsize=256)
def _onsets(hazard: float, delay: float, horizon: float, members: int) -> float:
    return Renewal(hazard=hazard, delay=delay, horizon=horizon).whole_team_onsets(members)
