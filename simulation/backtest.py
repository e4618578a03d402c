"""Back-test of a calibration: the history's own incidents (their opening times and priorities) replayed
through the in-house team, and the simulated time to restore set beside the real one, priority by priority.

In a ticket tool, resolved - opened includes the wait for a technician (queue, nights, weekends) besides the
work itself. The calibration separates them by simulation: the repair-time distribution of each priority
(its family chosen by AIC on resolved - opened) is rescaled, round after round on the same random numbers,
until the simulated time to restore has the history's median and P90 under the team described. What the
team cannot explain (waiting for the user, for a supplier) stays in the repair time: the simulation has no
'pending' state. With ``separate=False`` the history's times are taken as repair times, waiting included,
and the back-test shows how far that overstates the time to restore.

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

from sourcing.calibration import Calibration
from sourcing.calibration_file import (
    TEAM_NAME,
    RepairTime,
    TeamSpec,
    default_repair,
    history_calendar,
    local_hours,
    scenario_data,
    study_of,
)
from sourcing.model import PRIORITIES, Distribution
from sourcing.tickets import History
from sourcing.words import percent, say

from .distributions import by_priority, quantile
from .engine import simulate
from .incidents import Load
from .plan import compile_study
from .streams import Streams

BUDGET = 10_000
"""Most incidents replayed per simulation (the latest of the history)."""
WARM_UP_DAYS = 14
"""Days of the history replayed before the window to fill the queues; never measured."""
ROUNDS = 8
"""Most rounds of rescaling the repair times."""
TOLERANCE = 0.05
"""Rounds stop when every simulated median and P90 is within 5 % of the history's (or within its sampling
noise, 2.5 / sqrt(n), for a priority of few tickets)."""
MIN_TICKETS = 5
"""Fewest resolved tickets of a priority in the window for its repair time to be fitted and compared."""
QUANTILES = np.linspace(0.01, 0.99, 99)
FITTED = np.array([0.1, 0.25, 0.5, 0.75, 0.9])
"""Quantiles of the time to restore the repair times are fitted to (the low ones carry the work of incidents
restored at once, the high ones the nights and the queue)."""


class PriorityCheck(NamedTuple):
    """Real against simulated time to restore of one priority over the window."""

    priority: str
    observed: np.ndarray
    simulated: np.ndarray
    ks: float
    ks_p: float
    wait: float
    """Median simulated wait before work starts (hours)."""

    def quantiles(self) -> tuple[np.ndarray, np.ndarray]:
        """Real and simulated quantiles at 1 %, 2 %... 99 % (a QQ plot)."""
        return np.quantile(self.observed, QUANTILES), np.quantile(self.simulated, QUANTILES)


@dataclass(frozen=True)
class Backtest:
    """The repair times the calibration writes and how the simulated history compares with the real one."""

    separate: bool
    team: TeamSpec
    repair: dict[str, RepairTime]
    checks: tuple[PriorityCheck, ...]
    window: tuple[pd.Timestamp, pd.Timestamp]
    incidents: int
    rounds: int
    converged: bool
    notes: tuple[str, ...]
    fitted: tuple[str, ...] = ()
    """Priorities whose repair time was fitted to the queue (those with enough resolved tickets)."""

    def lines(self) -> list[str]:
        """One line per priority: medians and P90 real against simulated, and the KS distance."""
        out = []
        for check in self.checks:
            real, sim = np.median(check.observed), np.median(check.simulated)
            out.append(f"{check.priority}: median {real:.3g} h real, {sim:.3g} h simulated; P90 "
                       f"{np.quantile(check.observed, 0.9):.3g} h real, {np.quantile(check.simulated, 0.9):.3g} h "
                       f"simulated; KS distance {check.ks:.3f} ({len(check.observed):,} tickets); median wait "
                       f"{check.wait:.3g} h")
        return out


class _Replay(NamedTuple):
    study_data: dict
    calendar_start: pd.Timestamp
    opened: pd.Series
    priority: np.ndarray
    observed: np.ndarray
    """Real time to restore (hours; NaN where not usable)."""


def _window(calibration: Calibration, budget: int) -> tuple[pd.Timestamp, pd.DataFrame]:
    tickets = calibration.history.tickets
    start = calibration.start
    if len(tickets) > budget:
        start = tickets["opened"].iloc[len(tickets) - budget].normalize()
    first = start - pd.Timedelta(days=WARM_UP_DAYS)
    return start, tickets[tickets["opened"] >= first]


def backtest(calibration: Calibration, team: TeamSpec, service: str, time_zone: str, separate: bool = True,
             seed: int = 1, replications: int = 2, budget: int = BUDGET, lang: str = "en") -> Backtest:
    """Replay the history through the team; with ``separate`` (and repair times not given with the team),
    first fit each priority's repair time so that the simulation reproduces the history's median and P90."""
    start, window = _window(calibration, budget)
    repair = {p: default_repair(calibration.repair_for(p)) for p in PRIORITIES}
    observed = ((window["resolved"] - window["opened"]).dt.total_seconds() / 3600).to_numpy()
    priority = window["priority"].cat.codes.to_numpy().astype(np.int8)
    measured = (window["opened"] >= start).to_numpy()
    targets = {}
    for k, p in enumerate(PRIORITIES):
        real = observed[measured & (priority == k) & np.isfinite(observed)]
        if len(real) >= MIN_TICKETS:
            targets[p] = np.quantile(real, FITTED)
    fitting = separate and not team.repair_given
    notes: list[str] = []
    rounds, converged = 0, not fitting
    if fitting:
        repair, rounds, converged, notes = _fit(calibration, team, service, time_zone, repair, targets, start,
                                                window, priority, measured, seed, lang)
    elif team.repair_given:
        notes.append(say("calibrate.notes.given", lang))
    runs = _simulate(calibration, team, service, time_zone, repair, start, window, seed,
                     list(range(1, replications + 1)))
    checks = []
    for k, p in enumerate(PRIORITIES):
        real = observed[measured & (priority == k) & np.isfinite(observed)]
        mine = measured & (priority == k)
        sim = np.concatenate([run.ttr[mine] for run in runs])
        waits = np.concatenate([run.wait[mine] for run in runs])
        sim = sim[np.isfinite(sim)]
        if len(real) < MIN_TICKETS or len(sim) < MIN_TICKETS:
            continue
        test = stats.ks_2samp(real, sim)
        checks.append(PriorityCheck(p, np.sort(real), np.sort(sim), float(test.statistic), float(test.pvalue),
                                    float(np.nanmedian(waits))))
    if not checks:
        notes.append(say("calibrate.notes.nothing", lang, least=MIN_TICKETS))
    return Backtest(separate=fitting and bool(targets), team=team, repair=repair, checks=tuple(checks),
                    window=(start, window["opened"].max()), incidents=int(measured.sum()), rounds=rounds,
                    converged=converged, notes=tuple(notes), fitted=tuple(targets) if fitting else ())


def _fit(calibration: Calibration, team: TeamSpec, service: str, time_zone: str, repair: dict[str, RepairTime],
         targets: dict[str, tuple[float, float]], start: pd.Timestamp, window: pd.DataFrame, priority: np.ndarray,
         measured: np.ndarray, seed: int, lang: str = "en") -> tuple[dict[str, RepairTime], int, bool, list[str]]:
    """Rounds of: simulate; hold each incident's delay (time to restore minus its own work: queue, nights,
    call-out) fixed and solve the repair time that gives the history's median and P90; move halfway there
    (damped, so that a saturated first round cannot make the next one swing)."""
    # Start low (a tenth of the history's times): an empty queue first, then the delays grow to their level.
    repair = {p: (r.scaled(targets[p][2] / 10, targets[p][4] / 10) if p in targets else r) for p, r in repair.items()}
    notes: list[str] = []
    rounds, converged, worst = 0, False, np.inf
    step = dict.fromkeys(targets, 0.5)
    previous: dict[str, float] = {}
    for rounds in range(1, ROUNDS + 1):  # noqa: B007 - the count is reported
        run = _simulate(calibration, team, service, time_zone, repair, start, window, seed, [0])[0]
        worst, settled = 0.0, True
        for k, p in enumerate(PRIORITIES):
            if p not in targets:
                continue
            mine = measured & (priority == k) & np.isfinite(run.ttr)
            if mine.sum() < MIN_TICKETS:
                continue
            sim = run.ttr[mine]
            errors = [float(np.log(np.median(sim) / targets[p][2])),
                      float(np.log(np.quantile(sim, 0.9) / targets[p][4]))]
            worst = max(worst, *map(abs, errors))
            if max(map(abs, errors)) < max(TOLERANCE, 2.5 / np.sqrt(mine.sum())):
                continue
            settled = False
            if p in previous and np.sign(previous[p]) != np.sign(errors[0]):
                step[p] /= 2  # it overshot: smaller steps from now on
            previous[p] = errors[0]
            started = run.arrival[mine] + np.nan_to_num(run.wait[mine])
            paused = run.shifts.on(started) & (k not in run.on_call)

            def finish(work: np.ndarray, started=started, paused=paused, arrival=run.arrival[mine],
                       shifts=run.shifts) -> np.ndarray:
                return np.where(paused, shifts.finish(started, work), started + work) - arrival

            solved = _solve(repair[p], run.u[mine], finish, targets[p])
            # Part of the way in logarithms, never more than doubled or halved in a round.
            median = float(np.clip(repair[p].median ** (1 - step[p]) * solved.median ** step[p],
                                   repair[p].median / 2, repair[p].median * 2))
            p90 = float(np.clip(repair[p].p90 ** (1 - step[p]) * solved.p90 ** step[p], repair[p].p90 / 2,
                                repair[p].p90 * 2))
            repair[p] = repair[p].scaled(median, max(p90, median * 1.02))
        if settled:
            converged = True
            break
    if not converged:
        notes.append(say("calibrate.notes.not_converged", lang, rounds=rounds,
                         gap=percent(float(np.expm1(worst)), lang, 0)))
    tiny = [p for p in targets if repair[p].median < 0.05 * targets[p][2]]
    if tiny:
        notes.append(say("calibrate.notes.tiny", lang, priorities=", ".join(tiny)))
    return repair, rounds, converged, notes


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


def repair_quantile(repair: RepairTime, u: np.ndarray) -> np.ndarray:
    """Work times (hours) at probabilities ``u`` under a repair time, as the engine draws them."""
    return quantile(TypeAdapter(Distribution).validate_python(repair.exact()), u)


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


def _simulate(calibration: Calibration, team: TeamSpec, service: str, time_zone: str,
              repair: dict[str, RepairTime], start: pd.Timestamp, window: pd.DataFrame, seed: int,
              replications: list[int]) -> list[_Run]:
    """Time to restore, wait and work of every incident of the window (in the window's order), per replication."""
    calendar = history_calendar(calibration, time_zone, start=start.date(), warm_up_days=WARM_UP_DAYS)
    data = scenario_data(calibration, service, team, repair, time_zone, calendar=calendar)
    if not team.repair_given:  # the exact fitted values, not the three digits the file shows
        data["teams"][TEAM_NAME]["repair_time"] = {p: repair[p].exact() for p in PRIORITIES}
    plan = compile_study(study_of(data, "back-test"))
    cal = plan.calendar
    time = np.clip(local_hours(cal.calendar, window["opened"]), cal.warm_up_start, np.nextafter(cal.horizon, 0))
    order = np.argsort(time, kind="stable")
    back = np.empty(len(time), dtype=int)
    back[order] = np.arange(len(time))
    codes = window["priority"].cat.codes.to_numpy().astype(np.int8)
    distributions = plan.teams[TEAM_NAME].repair if TEAM_NAME in plan.teams else None
    shifts = Shifts.of([m.shift for m in plan.teams[TEAM_NAME].members])
    rota = plan.teams[TEAM_NAME].on_call
    on_call = tuple(rota.priorities) if rota is not None else ()
    runs = []
    for replication in replications:
        streams = Streams(seed, replication)
        draws = streams.generator("backtest", service)
        n = len(time)
        load = Load(services=plan.service_names, time=time[order], service=np.zeros(n, np.int16),
                    priority=codes[order], u_repair=draws.random(n), u_response=draws.random(n),
                    u_prevent=draws.random(n), from_change=np.zeros(n, bool),
                    planned={name: np.zeros((0, 2)) for name in plan.service_names})
        run = simulate(plan, plan.scenarios[0], load, streams)
        work = by_priority(distributions, load.priority, load.u_repair) if distributions else np.full(n, np.nan)
        runs.append(_Run(load.time[back], (run.restored - load.time)[back], (run.started - load.time)[back], work[back],
                         load.u_repair[back], shifts, on_call))
    return runs


class Calibrated(NamedTuple):
    """Everything one calibration produced: what was read, estimated, back-tested and written."""

    calibration: Calibration
    team: TeamSpec
    backtest: Backtest | None
    repair: dict[str, RepairTime]
    note: str
    """What the repair times written are (fitted to the queue, given, or resolved - opened)."""
    scenario: str
    """The commented scenario file."""


def calibrate_history(history: History, service: str, team: TeamSpec | None = None, separate: bool = True,
                      replay: bool = True, country: str | None = "FR", time_zone: str = "Europe/Paris",
                      seed: int = 1, lang: str = "en") -> Calibrated:
    """A history estimated, back-tested through the team (the placeholder sized from it when None) and written
    as a scenario file: the one path of the command line and the app."""
    from sourcing.calibration import calibrate
    from sourcing.calibration_file import placeholder_team, scenario_yaml, written_repair

    calibration = calibrate(history, country=country, lang=lang)
    team = team or placeholder_team(calibration, time_zone, lang)
    found = (backtest(calibration, team, service, time_zone, separate=separate, seed=seed, lang=lang) if replay
             else None)
    repair, note = written_repair(calibration, found, lang)
    text = scenario_yaml(calibration, service, team, repair, time_zone, note, found.lines() if found else None)
    return Calibrated(calibration, team, found, repair, note, text)
