"""Back-test of a calibration: the history's own incidents (their opening times, services and priorities)
replayed through the in-house team, and the simulated time to restore set beside the real one.

In a ticket tool, the time to restore (resolved - opened, the SLA clock paused while the ticket waits for
the user or a supplier) includes the wait for a technician (queue, nights, weekends) besides the work
itself. The calibration separates them by simulation: each service's repair-time distribution of each
priority (its family chosen by AIC, or the history's table of quantiles) is rescaled, round after round on
the same random numbers, until the simulated time to restore has the history's quantiles under the team
described. With ``separate=False`` the history's times are taken as repair times, waiting included, and the
back-test shows how far that overstates the time to restore.

A team that cannot reproduce the history (too few people, shifts that do not cover the hours the history
restores incidents in) drives the fitted repair times to absurd values: they are then not written, and the
back-test says which assumption is wrong (:class:`Failure`).

Replaying the real arrivals removes the arrival noise from the comparison; the queue starts from the
incidents of the two weeks before the window, and at most :data:`BUDGET` incidents (the latest) are
replayed so that a large export back-tests in seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd
from pydantic import TypeAdapter
from scipy import optimize, stats

from sourcing.calibration import Desk, with_hours
from sourcing.calibration_file import (
    TEAM_NAME,
    Repairs,
    RepairTime,
    TeamSpec,
    default_repair,
    history_calendar,
    history_repairs,
    local_hours,
    scenario_data,
    study_of,
)
from sourcing.model import PRIORITIES, Distribution
from sourcing.notes import Note, Number, Share

from .compile import compile_study
from .distributions import by_priority, quantile
from .engine import simulate
from .incidents import Load
from .streams import Streams

BUDGET = 10_000
"""Most incidents replayed per simulation (the latest of the history)."""
WARM_UP_DAYS = 14
"""Days of the history replayed before the window to fill the queues; never measured."""
ROUNDS = 10
"""Most rounds of rescaling the repair times."""
START = 10
"""The first round's repair times are the history's times to restore divided by this: a queue shorter than
the history's first, growing to its level as the repair times do (starting at the history's own times
would saturate a busy team at once)."""
TOLERANCE = 0.05
"""Rounds stop when every simulated quantile fitted is within 5 % of the history's (or within its sampling
noise, 2.5 / sqrt(n), for a service and priority of few tickets)."""
MIN_TICKETS = 5
"""Fewest resolved tickets of a service and priority in the window for its repair time to be fitted and
compared."""
POOLED = 30
"""Below this many resolved tickets of a priority, a service's repair time is fitted with those of the other
services short of tickets of that priority."""
QUANTILES = np.linspace(0.01, 0.99, 99)
FITTED = np.array([0.1, 0.25, 0.5, 0.75, 0.9])
"""Quantiles of the time to restore the repair times are fitted to and reported (the low ones carry the work
of incidents restored at once, the high ones the nights and the queue)."""
TINY = 0.05
"""A fitted repair median below this share of the history's median time to restore is absurd: the queue
alone explains the history, the team is too small to have produced it."""
MISFIT = 0.25
"""A fit still this far (25 %) from the history after the last round has failed."""
OFF_HOURS_SHARE = 0.25
"""Above this share of incidents restored outside the team's shifts (priorities not on call), the history was
worked at hours the team described does not work."""


class PriorityCheck(NamedTuple):
    """Real against simulated time to restore of one priority (of one service, or of all) over the window."""

    service: str | None
    priority: str
    observed: np.ndarray
    simulated: np.ndarray
    ks: float
    ks_p: float
    wait: float
    """Median simulated wait before work starts (hours)."""

    def quantiles(self, at: np.ndarray = QUANTILES) -> tuple[np.ndarray, np.ndarray]:
        """Real and simulated quantiles (by default at 1 %, 2 %... 99 %: a QQ plot)."""
        return np.quantile(self.observed, at), np.quantile(self.simulated, at)


class Failure(NamedTuple):
    """Why the team described cannot reproduce the history: which assumption is wrong, with its figures."""

    kind: str
    """'shifts' (the history restores incidents at hours the team does not work), 'size' (the team's queue
    alone is longer than the history's times to restore) or 'fit' (no repair time reproduces the history)."""
    values: dict[str, object]

    @property
    def note(self) -> Note:
        """The failure as a keyed note (``calibrate.failure.<kind>``)."""
        return Note(f"calibrate.failure.{self.kind}", self.values)


@dataclass(frozen=True)
class Backtest:
    """The repair times the calibration writes and how the simulated history compares with the real one."""

    separate: bool
    team: TeamSpec
    repairs: Repairs
    checks: tuple[PriorityCheck, ...]
    """Per priority, all services together."""
    details: tuple[PriorityCheck, ...]
    """Per service and priority."""
    window: tuple[pd.Timestamp, pd.Timestamp]
    incidents: int
    rounds: int
    converged: bool
    notes: tuple[Note, ...]
    """Warnings, as keyed notes (under ``calibrate.notes.``)."""
    fitted: tuple[tuple[str, str], ...] = ()
    """(service, priority) pairs whose repair time was fitted to the queue."""
    unfitted: bool = False
    """Some pairs had too few tickets to be fitted (the history's times are written for them)."""
    failure: Failure | None = None
    utilisation: float = float("nan")
    """Work of the replayed incidents against the team's shift hours over the window."""

    @property
    def warnings(self) -> tuple[Note, ...]:
        """The notes, then the failure's, if any."""
        return self.notes + ((self.failure.note,) if self.failure is not None else ())


class _Window(NamedTuple):
    start: pd.Timestamp
    tickets: pd.DataFrame
    service: np.ndarray
    """Each incident's service (index in ``names``)."""
    names: tuple[str, ...]
    priority: np.ndarray
    measured: np.ndarray
    """Incidents compared: opened in the window and before the censoring cut."""
    observed: np.ndarray
    """Real time to restore (hours, clock paused while pending; NaN where not usable)."""


def _window(desk: Desk, budget: int) -> _Window:
    whole = desk.whole
    tickets = whole.tickets
    start = whole.start
    if len(tickets) > budget:
        start = tickets["opened"].iloc[len(tickets) - budget].normalize()
    first = start - pd.Timedelta(days=WARM_UP_DAYS)
    before = whole.history.tickets
    before = before[(before["opened"] >= first) & (before["opened"] < whole.start)]
    recent = tickets[tickets["opened"] >= first]
    window = pd.concat([with_hours(before, whole.history.time_zone), recent]) if len(before) else recent
    names = tuple(c.service for c in desk.services)
    service = np.zeros(len(window), np.int16)
    if len(names) > 1:
        owner = pd.concat([pd.Series(k, index=c.history.tickets["id"]) for k, c in enumerate(desk.services)])
        service = owner.reindex(window["id"]).fillna(len(names) - 1).to_numpy().astype(np.int16)
    cut = whole.censored_after
    measured = (window["opened"] >= start).to_numpy().copy()
    if cut is not None:
        measured &= (window["opened"] < cut).to_numpy()
    observed = window["ttr"].where(window["resolved"].notna()).to_numpy(float)
    return _Window(start, window, service, names, window["priority"].cat.codes.to_numpy().astype(np.int8),
                   measured, observed)


def backtest(desk: Desk, team: TeamSpec, time_zone: str, separate: bool = True, seed: int = 1,
             replications: int = 2, budget: int = BUDGET) -> Backtest:
    """Replay the history through the team; with ``separate`` (and repair times not given with the team),
    first fit each service's repair time of each priority so that the simulation reproduces the history's
    quantiles. A fit the team cannot reach is not kept: the history's times are replayed instead, and the
    failure says which assumption is wrong."""
    w = _window(desk, budget)
    repairs = history_repairs(desk, own=team.rota)
    targets = _targets(w)
    fitting = separate and not team.repair_given
    notes: list[Note] = []
    rounds, converged, failure = 0, not fitting, None
    if fitting and targets:
        # The fit starts from each family chosen by AIC even where the history's times have two bumps: the
        # second bump of a desk is mostly the night, which the simulated queue puts back on its own.
        fitted, rounds, converged, worst, run = _fit(desk, team, time_zone, history_repairs(desk, tables=False),
                                                     targets, w, seed)
        failure = _failure(desk, team, w, targets, fitted, run, converged, worst)
        if failure is None:
            repairs = fitted
            if not converged:
                notes.append(Note("calibrate.notes.not_converged", {"rounds": rounds,
                                                                     "gap": Share(float(np.expm1(worst)))}))
    elif team.repair_given:
        notes.append(Note("calibrate.notes.given"))
    runs = _simulate(desk, team, time_zone, repairs, w, seed, list(range(1, replications + 1)))
    checks, details, missing = _checks(w, runs)
    if w.start > desk.whole.start:
        notes.append(Note("calibrate.notes.budget", {"count": Number(int(w.measured.sum())),
                                                     "of": Number(len(desk.whole.tickets)), "start": w.start.date()}))
    if missing:
        notes.append(Note("calibrate.notes.not_compared", {"priorities": ", ".join(missing), "least": MIN_TICKETS}))
    if not checks:
        notes.append(Note("calibrate.notes.nothing", {"least": MIN_TICKETS}))
    work = np.nansum([np.nansum(run.work[w.measured]) for run in runs]) / len(runs)
    utilisation = work / runs[0].capacity if runs[0].capacity > 0 else float("nan")
    pairs = tuple((w.names[s], PRIORITIES[k]) for group, k in targets for s in group) if fitting and failure is None \
        else ()
    every = len(w.names) * len(PRIORITIES)
    return Backtest(separate=fitting and bool(targets), team=team, repairs=repairs, checks=checks, details=details,
                    window=(w.start, w.tickets["opened"].max()), incidents=int(w.measured.sum()), rounds=rounds,
                    converged=converged, notes=tuple(notes), fitted=pairs, unfitted=bool(pairs) and len(pairs) < every,
                    failure=failure, utilisation=float(utilisation))


Group = tuple[tuple[int, ...], int]
"""Services (their indices) and a priority whose repair time is fitted as one."""


def _targets(w: _Window) -> dict[Group, np.ndarray]:
    """The history's quantiles each repair time is fitted to: per service and priority with :data:`POOLED`
    tickets or more; the services with fewer of a priority fitted together (tens of P1 a service would fit
    the replay's noise, not the team)."""
    targets: dict[Group, np.ndarray] = {}
    for k in range(len(PRIORITIES)):
        few = []
        for s in range(len(w.names)):
            real = _real(w, (s,), k)
            if len(real) >= POOLED or (len(w.names) == 1 and len(real) >= MIN_TICKETS):
                targets[((s,), k)] = np.quantile(real, FITTED)
            else:
                few.append(s)
        real = _real(w, tuple(few), k)
        if few and len(real) >= MIN_TICKETS:
            targets[(tuple(few), k)] = np.quantile(real, FITTED)
    return targets


def _real(w: _Window, services: tuple[int, ...], k: int) -> np.ndarray:
    mine = w.measured & np.isin(w.service, services) & (w.priority == k)
    real = w.observed[mine]
    return real[np.isfinite(real)]


def _checks(w: _Window, runs: list[_Run]) -> tuple[tuple[PriorityCheck, ...], tuple[PriorityCheck, ...], list[str]]:
    """Real against simulated per priority (all services) and per service and priority; the priorities with
    tickets that could not be compared (too few restored in the replay)."""
    def check(service: str | None, k: int, mine: np.ndarray) -> PriorityCheck | None:
        real = w.observed[mine]
        real = real[np.isfinite(real)]
        sim = np.concatenate([run.ttr[mine] for run in runs])
        waits = np.concatenate([run.wait[mine] for run in runs])
        sim = sim[np.isfinite(sim)]
        if len(real) < MIN_TICKETS or len(sim) < MIN_TICKETS:
            return None
        test = stats.ks_2samp(real, sim)
        return PriorityCheck(service, PRIORITIES[k], np.sort(real), np.sort(sim), float(test.statistic),
                             float(test.pvalue), float(np.nanmedian(waits)))

    checks, details, missing = [], [], []
    for k, p in enumerate(PRIORITIES):
        mine = w.measured & (w.priority == k)
        found = check(None, k, mine)
        if found is not None:
            checks.append(found)
        elif np.isfinite(w.observed[mine]).sum() >= MIN_TICKETS:
            missing.append(p)
        if len(w.names) > 1:
            for s, name in enumerate(w.names):
                found = check(name, k, mine & (w.service == s))
                if found is not None:
                    details.append(found)
    return tuple(checks), tuple(details), missing


def _fit(desk: Desk, team: TeamSpec, time_zone: str, repairs: Repairs, targets: dict[Group, np.ndarray],
         w: _Window, seed: int) -> tuple[Repairs, int, bool, float, _Run]:
    """Rounds of: simulate; hold each incident's delay (time to restore minus its own work: queue, nights,
    call-out) fixed and solve the repair time that gives the history's quantiles; move part of the way there
    (damped, so that a saturated first round cannot make the next one swing)."""
    repairs = {name: dict(times) for name, times in repairs.items()}
    for (group, k), target in targets.items():
        p = PRIORITIES[k]
        start = (repairs[w.names[group[0]]][p] if len(group) == 1 else
                 default_repair(desk.whole.repair_for(p), tables=False))
        if start.family == "exponential":  # one parameter cannot move both the median and the P90
            start = RepairTime("lognormal", start.median, start.p90, start.mean)
        for s in group:
            repairs[w.names[s]][p] = start.scaled(max(target[2] / START, 1 / 60), max(target[4] / START, 1.02 / 60))
    rounds, converged, worst = 0, False, np.inf
    step = dict.fromkeys(targets, 0.7)
    sizes = {key: _real(w, *key).size for key in targets}
    previous: dict[tuple[int, int], float] = {}
    run = None
    for rounds in range(1, ROUNDS + 1):  # noqa: B007 - the count is reported
        run = _simulate(desk, team, time_zone, repairs, w, seed, [0])[0]
        worst, settled = 0.0, True
        for (group, k), target in targets.items():
            s = (group, k)
            name, p = w.names[group[0]], PRIORITIES[k]
            mine = w.measured & np.isin(w.service, group) & (w.priority == k) & np.isfinite(run.ttr)
            if mine.sum() < MIN_TICKETS:
                continue
            sim = np.quantile(run.ttr[mine], FITTED)
            errors = np.log(np.maximum(sim, 1e-6) / np.maximum(target, 1e-6))[[2, 4]]
            noise = max(TOLERANCE, 2.5 / np.sqrt(mine.sum()))
            if sizes[s] >= POOLED:
                worst = max(worst, float(np.max(np.abs(errors))) - noise + TOLERANCE)
            if np.max(np.abs(errors)) < noise:
                continue
            settled = False
            if s in previous and np.sign(previous[s]) != np.sign(errors[0]):
                step[s] /= 2  # it overshot: smaller steps from now on
            previous[s] = float(errors[0])
            started = run.arrival[mine] + np.nan_to_num(run.wait[mine])
            paused = run.shifts.on(started) & (k not in run.on_call)

            def finish(work: np.ndarray, started=started, paused=paused, arrival=run.arrival[mine],
                       shifts=run.shifts) -> np.ndarray:
                return np.where(paused, shifts.finish(started, work), started + work) - arrival

            current = repairs[name][p]
            solved = _solve(current, run.u[mine], finish, target)
            # Part of the way in logarithms, never more than tripled or cut to a third in a round.
            median = float(np.clip(current.median ** (1 - step[s]) * solved.median ** step[s],
                                   current.median / 3, current.median * 3))
            p90 = float(np.clip(current.p90 ** (1 - step[s]) * solved.p90 ** step[s], current.p90 / 3,
                                current.p90 * 3))
            for member in group:
                repairs[w.names[member]][p] = current.scaled(median, max(p90, median * 1.02))
        if settled:
            converged = True
            break
    return repairs, rounds, converged, worst, run


def _solve(current: RepairTime, u: np.ndarray, finish: Callable[[np.ndarray], np.ndarray],
           target: np.ndarray) -> RepairTime:
    """The repair time (same family) whose work on these incidents, finished as ``finish(work)`` says (their
    waits and the team's shift hours held), has the target quantiles :data:`FITTED` (least squares on the
    logarithms)."""
    floor = 1 / 60

    def candidate(x: np.ndarray) -> RepairTime:
        median = float(np.exp(x[0]))
        return current.scaled(median, median * (1.02 + float(np.exp(x[1]))))

    def gaps(x: np.ndarray) -> np.ndarray:
        total = finish(repair_quantile(candidate(x), u))
        return np.log(np.maximum(np.quantile(total, FITTED), floor)) - np.log(np.maximum(target, floor))

    spread = max(current.p90 / current.median - 1.02, 1e-3)
    first = np.array([np.log(max(current.median, floor)), np.log(spread)])
    found = optimize.least_squares(gaps, first, bounds=([np.log(floor), np.log(1e-3)], [np.log(1e5), np.log(1e3)]),
                                   diff_step=1e-2)
    return candidate(found.x)


def _failure(desk: Desk, team: TeamSpec, w: _Window, targets: dict[Group, np.ndarray], fitted: Repairs,
             run: _Run, converged: bool, worst: float) -> Failure | None:
    """Why the fitted repair times cannot be kept, if they cannot: some shrank to nothing, or the fit stays far
    from the history while the history restores incidents at hours the team does not work, or while the
    team's queue alone is as long as the history's times to restore. A fit merely not settled is kept (and
    said)."""
    big = {key: t for key, t in targets.items() if _real(w, *key).size >= POOLED}
    tiny = [f"{w.names[group[0]]} {PRIORITIES[k]}" if len(w.names) > 1 else PRIORITIES[k]
            for (group, k), t in big.items() if fitted[w.names[group[0]]][PRIORITIES[k]].median < TINY * t[2]]
    misfit = not converged and worst >= np.log1p(MISFIT)
    if not tiny and not misfit:
        return None
    resolved = w.tickets["opened"] + pd.to_timedelta(w.observed, unit="h")
    restored_at = local_hours(run.calendar, resolved.fillna(w.tickets["opened"]))
    covered = w.measured & np.isfinite(w.observed) & ~np.isin(w.priority, run.on_call)
    off = float(np.mean(~run.shifts.on(restored_at[covered]))) if covered.any() else 0.0
    if off > OFF_HOURS_SHARE:
        return Failure("shifts", {"share": Share(off),
                                  "priorities": ", ".join(p for k, p in enumerate(PRIORITIES)
                                                          if k not in run.on_call)})
    queued = []  # priorities whose simulated wait alone is as long as the history's time to restore
    for k, p in enumerate(PRIORITIES):
        mine = w.measured & (w.priority == k) & np.isfinite(w.observed)
        if mine.sum() >= POOLED and np.nanmedian(run.wait[mine]) >= np.median(w.observed[mine]):
            queued.append(p)
    if not tiny and not queued:
        return None
    waits = run.wait[w.measured & np.isfinite(run.wait)]
    median_target = float(np.median(w.observed[w.measured & np.isfinite(w.observed)]))
    people = sum(int(m.get("count", 1)) for m in team.data.get("members", []))
    seen = desk.whole.team
    return Failure("size", {"people": people, "priorities": ", ".join(tiny or queued),
                            "wait": Number(float(np.median(waits)) if len(waits) else 0.0, 1),
                            "target": Number(median_target, 1),
                            "seen": seen.people if seen is not None else "?"})


_DISTRIBUTION = TypeAdapter(Distribution)


def repair_quantile(repair: RepairTime, u: np.ndarray) -> np.ndarray:
    """Work times (hours) at probabilities ``u`` under a repair time, as the engine draws them."""
    if repair.family == "quantiles":
        probabilities, hours = repair.table
        return np.exp(np.interp(u, probabilities, np.log(hours)))
    return quantile(_DISTRIBUTION.validate_python(repair.exact()), u)


HANDS_ON_GRID = 100_000
"""Probabilities a repair time's mean is taken over when its family has no closed form (gamma, Weibull)."""


def hands_on(repairs: Repairs) -> dict[str, dict[str, float]]:
    """Mean hands-on time (hours) of each service's repair time of each priority, as the engine draws them."""
    grid = (np.arange(HANDS_ON_GRID) + 0.5) / HANDS_ON_GRID
    out: dict[str, dict[str, float]] = {}
    for name, times in repairs.items():
        out[name] = {}
        for p, repair in times.items():
            mean = getattr(_DISTRIBUTION.validate_python(repair.exact()), "mean", None)
            if not isinstance(mean, int | float):
                mean = np.mean(repair_quantile(repair, grid))
            out[name][p] = float(mean)
    return out


class Shifts(NamedTuple):
    """The hours someone of the team is on shift: merged intervals and the covered hours before each bound."""

    starts: np.ndarray
    ends: np.ndarray
    before: np.ndarray

    @classmethod
    def of(cls, intervals: list[np.ndarray]) -> Shifts:
        pairs = np.concatenate([i for i in intervals if len(i)] or [np.zeros((0, 2))])
        pairs = pairs[np.argsort(pairs[:, 0])] if len(pairs) else pairs
        merged: list[list[float]] = []
        for a, b in pairs.tolist():
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        bounds = np.array(merged).reshape(-1, 2)
        lengths = bounds[:, 1] - bounds[:, 0]
        return cls(bounds[:, 0], bounds[:, 1], np.concatenate([[0.0], np.cumsum(lengths)[:-1]]))

    def on(self, t: np.ndarray) -> np.ndarray:
        i = np.searchsorted(self.starts, t, side="right") - 1
        return (i >= 0) & (t < self.ends[np.maximum(i, 0)])

    def finish(self, t: np.ndarray, work: np.ndarray) -> np.ndarray:
        """When work started at ``t`` in a shift ends, paused outside shifts (handed over, resumed)."""
        if not len(self.starts):
            return t + work
        i = np.maximum(np.searchsorted(self.starts, t, side="right") - 1, 0)
        target = self.before[i] + np.clip(t - self.starts[i], 0, self.ends[i] - self.starts[i]) + work
        j = np.minimum(np.searchsorted(self.before + (self.ends - self.starts), target, side="left"),
                       len(self.starts) - 1)
        return np.maximum(t, self.starts[j] + target - self.before[j])


class _Run(NamedTuple):
    arrival: np.ndarray
    ttr: np.ndarray
    wait: np.ndarray
    work: np.ndarray
    """Each incident's own work (its repair time)."""
    u: np.ndarray
    shifts: Shifts
    on_call: tuple[int, ...]
    """Priorities the team's on-call rota restores outside shifts (their work is not paused at night)."""
    capacity: float
    """Shift hours of every member over the measured window."""
    calendar: object


def _simulate(desk: Desk, team: TeamSpec, time_zone: str, repairs: Repairs, w: _Window, seed: int,
              replications: list[int]) -> list[_Run]:
    """Time to restore, wait and work of every incident of the window (in the window's order), per replication."""
    whole = desk.whole
    calendar = history_calendar(whole, time_zone, start=w.start.date(), warm_up_days=WARM_UP_DAYS)
    data = scenario_data(desk, team, repairs, time_zone, "back-test", calendar=calendar)
    if not team.repair_given:  # the exact fitted values, not the three digits the file shows
        first = w.names[0]
        data["teams"][TEAM_NAME]["repair_time"] = {p: repairs[first][p].exact() for p in PRIORITIES}
        if len(w.names) > 1:
            data["teams"][TEAM_NAME]["repair_time_by_service"] = {
                name: {p: repairs[name][p].exact() for p in PRIORITIES} for name in w.names[1:]}
    plan = compile_study(study_of(data, "back-test"))
    cal = plan.calendar
    time = np.clip(local_hours(cal.calendar, w.tickets["opened"]), cal.warm_up_start, np.nextafter(cal.horizon, 0))
    order = np.argsort(time, kind="stable")
    back = np.empty(len(time), dtype=int)
    back[order] = np.arange(len(time))
    crew = plan.teams[TEAM_NAME]
    shifts = Shifts.of([m.shift for m in crew.members])
    on_call = tuple(crew.on_call.priorities) if crew.on_call is not None else ()
    measured_times = time[w.measured]
    capacity = 0.0
    if len(measured_times):
        low, high = float(measured_times.min()), float(measured_times.max())
        for member in crew.members:
            spans = np.asarray(member.shift).reshape(-1, 2)
            capacity += float(np.sum(np.clip(spans[:, 1], low, high) - np.clip(spans[:, 0], low, high)))
    runs = []
    for replication in replications:
        streams = Streams(seed, replication)
        draws = streams.generator("backtest", "history")
        n = len(time)
        load = Load(services=plan.service_names, time=time[order], service=w.service[order],
                    priority=w.priority[order], u_repair=draws.random(n), u_response=draws.random(n),
                    u_prevent=draws.random(n), from_change=np.zeros(n, bool),
                    planned={name: np.zeros((0, 2)) for name in plan.service_names})
        run = simulate(plan, plan.scenarios[0], load, streams)
        work = by_priority(crew.repair, load.priority, load.u_repair, crew.repair_by_service, load.service)
        runs.append(_Run(load.time[back], (run.restored - load.time)[back], (run.started - load.time)[back], work[back],
                         load.u_repair[back], shifts, on_call, capacity, cal.calendar))
    return runs


# --------------------------------------------------------------------------- the one path


PLAUSIBLE = 0.9
"""Below this availability (24/7) a calibrated service is implausible: the file's assumptions are said."""
CHECK_REPLICATIONS = 1
"""Replications the written file is run for its check: a yearly availability far below 90 % shows in one."""


class ServiceCheck(NamedTuple):
    """A calibrated service's availability when the written file is run, and what takes it down."""

    service: str
    availability: float
    outages: dict[str, float]
    """Per priority (P1, P2): incidents a month, share of the service each takes down, mean simulated hours
    open."""
    backlog: float
    """Incidents still open at the end of the horizon (mean over the replications)."""
    incidents: float
    """Incidents over the horizon (mean over the replications)."""

    @property
    def plausible(self) -> bool:
        return self.availability >= PLAUSIBLE


def check_file(text: str, seed: int = 1) -> tuple[ServiceCheck, ...]:
    """Run the written file a few replications: each service's availability (24/7), its P1 and P2 load and
    time open, and its backlog."""
    from sourcing.files import study_from_text

    from .replications import run_study

    study = study_from_text(text, "calibrated scenario")
    results = run_study(study, CHECK_REPLICATIONS, seed=seed, detail=True, variance_reduction=False)
    rows, incidents = results.rows, results.incidents
    months = study.calendar_.horizon_years * 12
    out = []
    for name, service in study.services.items():
        mine = rows[(rows["scope"] == "service") & (rows["subject"] == name) & (rows["period"] == "all")]
        value = mine.groupby("metric")["value"].mean()
        of = incidents[incidents["service"] == name]
        outages = {}
        for p in ("P1", "P2"):
            chosen = of[of["priority"] == p]
            outages[p] = (len(chosen) / CHECK_REPLICATIONS / months, service.impact(p),
                          float(chosen["ttr"].mean()) if len(chosen) else 0.0)
        out.append(ServiceCheck(name, float(value.get("availability_24_7", 1.0)), outages,
                                float(value.get("backlog", 0.0)), len(of) / CHECK_REPLICATIONS))
    return tuple(out)
