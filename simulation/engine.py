"""The SimPy model of one scenario: incidents arrive and are restored by whoever the option names.

One :class:`simpy.Environment` per scenario and replication. Arrivals are a SimPy process; the
work itself is driven by timeout callbacks, which keeps the hot path (an incident arriving,
being started, being finished) to two scheduled events. Shifts and the on-call rota are
looked up, not stepped through, so years of calendar cost nothing when nothing happens. Work that
is pre-empted or handed over keeps its remaining time and resumes.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from math import inf, isnan, nan

import numpy as np
import simpy

from sourcing.scenario import PRIORITIES, MakeOption, Scenario, Study, Team

from .distributions import by_priority
from .incidents import Load
from .staffing import PersonPlan, RotaShift, on_call_rota, plan_team
from .streams import Streams


@dataclass
class Callout:
    """An on-call engineer woken for an incident."""

    time: float
    person: int
    incident: int


@dataclass
class TeamRun:
    """What happened to an internal team in one replication."""

    name: str
    team: Team
    plans: list[PersonPlan]
    rota: list[RotaShift]
    shift_work: np.ndarray
    call_work: np.ndarray
    overtime: list[tuple[int, float, float]] = field(default_factory=list)
    """(person, start, end) of every stretch of overtime."""
    interventions: list[tuple[int, float, float]] = field(default_factory=list)
    """(person, start, end) of every stretch of work done on call."""
    callouts: list[Callout] = field(default_factory=list)
    backlog: int = 0


@dataclass
class ScenarioRun:
    """Raw outcome of one scenario in one replication: per-incident times and per-team records."""

    scenario: Scenario
    load: Load
    started: np.ndarray
    """When somebody first started work on each incident (NaN if never)."""
    restored: np.ndarray
    """When each incident was restored (NaN if still open at the horizon)."""
    handled: np.ndarray
    """Whether each incident was routed to a responder under this scenario."""
    teams: dict[str, TeamRun]
    horizon: float


class _Boundary(simpy.events.Event):
    """A timeout that fires before any other event at the same instant.

    Shift ends and wake-ups use it, so an incident arriving exactly when a shift ends finds
    the shift already over (windows are half-open: 08:00-17:00 excludes 17:00).
    """

    def __init__(self, env: simpy.Environment, delay: float, value: object = None) -> None:
        super().__init__(env)
        self._ok = True
        self._value = value
        env.schedule(self, simpy.events.URGENT, delay)


class _Technician:
    """A member's state. Shifts are not simulated hour by hour: whether someone is on shift is
    looked up in their working intervals when it matters."""

    __slots__ = ("index", "skills", "levels", "starts", "ends", "lo", "hi", "on", "job", "started", "due", "token",
                 "callout", "free_since", "shift_work", "call_work")

    def __init__(self, index: int, skills: list[int], levels: frozenset[int], on_shift: np.ndarray) -> None:
        self.index = index
        self.skills = skills
        self.levels = levels  # the priorities this person handles
        self.starts = on_shift[:, 0].tolist()
        self.ends = on_shift[:, 1].tolist()
        self.lo = self.hi = 0.0  # on_shift(t) == self.on for every t in [lo, hi)
        self.on = False
        self.job = -1
        self.started = 0.0
        self.due = 0.0
        self.token = 0
        self.callout = False
        self.free_since = 0.0
        self.shift_work = 0.0
        self.call_work = 0.0

    def _locate(self, t: float) -> None:
        i = bisect_right(self.starts, t) - 1
        if i >= 0 and t < self.ends[i]:
            self.on, self.lo, self.hi = True, self.starts[i], self.ends[i]
        else:
            self.on = False
            self.lo = self.ends[i] if i >= 0 else -inf
            self.hi = self.starts[i + 1] if i + 1 < len(self.starts) else inf

    def on_shift(self, t: float) -> bool:
        if not self.lo <= t < self.hi:
            self._locate(t)
        return self.on

    def shift_end(self, t: float) -> float:
        """End of the shift running at ``t`` (``t`` itself if off shift)."""
        return self.hi if self.on_shift(t) else t

    def next_start(self, t: float) -> float:
        """``t`` if on shift, else the start of the next shift (inf if none)."""
        return t if self.on_shift(t) else self.hi

    def off_shift(self, begin: float, end: float) -> list[tuple[float, float]]:
        """The parts of ``[begin, end)`` outside this person's shifts."""
        parts = []
        cursor = begin
        i = max(0, bisect_right(self.starts, begin) - 1)
        while i < len(self.starts) and self.starts[i] < end:
            if self.ends[i] > cursor:
                if self.starts[i] > cursor:
                    parts.append((cursor, self.starts[i]))
                cursor = max(cursor, self.ends[i])
            i += 1
        if cursor < end:
            parts.append((cursor, end))
        return parts


class TeamDesk:
    """An internal team's dispatcher: a queue per priority and service, technicians with skills,
    shifts, an on-call rota and pre-emption by P1.

    Events are tied to incidents, not to the clock: a shift change costs nothing unless work
    waits for it (a wake-up is scheduled) or a job runs into it (a hand-over is scheduled).
    """

    def __init__(self, env: simpy.Environment, name: str, team: Team, plans: list[PersonPlan],
                 rota: list[RotaShift], services: list[int], service_names: tuple[str, ...], load: Load,
                 record: tuple[list[float], list[float]]) -> None:
        self.env = env
        self.name = name
        self.team = team
        self.plans = plans
        self.rota = rota
        self.started, self.restored = record
        self.arrival = load.time.tolist()
        self.priority = load.priority.tolist()
        self.service = load.service.tolist()
        self.remaining = by_priority(team.repair_time, PRIORITIES, load.priority, load.u_repair).tolist()
        on_call = team.on_call
        self.call_delay = (by_priority({p: on_call.call_out_delay for p in PRIORITIES}, PRIORITIES,
                                       load.priority, load.u_response).tolist() if on_call else [])
        self.on_call_priorities = tuple(sorted(PRIORITIES.index(p) for p in on_call.priorities)) if on_call else ()
        self.handover = team.shift_end == "handover"
        self.preemption = team.preemption
        self.queues = [{s: deque() for s in services} for _ in PRIORITIES]
        self.waiting = [0] * len(PRIORITIES)
        self.techs = [
            _Technician(i, [s for s in services if service_names[s] in plan.person.skills],
                        frozenset(PRIORITIES.index(p) for p in plan.person.priorities), plan.on_shift)
            for i, plan in enumerate(plans)
        ]
        self.duty_starts = [r.start for r in rota]
        self.duty_ends = [r.end for r in rota]
        self.duty_person = [r.person for r in rota]
        self.wake_at = inf
        self.overtime: list[tuple[int, float, float]] = []
        self.interventions: list[tuple[int, float, float]] = []
        self.callouts: list[Callout] = []

    # ------------------------------------------------------------------ events

    def arrive(self, job: int) -> None:
        """A new incident for this team."""
        now = self.env.now
        tech = self._free_on_shift(job, now)
        if tech is not None:
            self._start(tech, job, 0.0, False)
            return
        if self.preemption and self.priority[job] == 0 and self._preempt_for(job):
            return
        self._enqueue(job, front=False)
        if self.priority[job] in self.on_call_priorities and self._call_out(now):
            return
        self._plan_wake()

    def _done(self, event: simpy.Event) -> None:
        tech, token = event._value
        if token != tech.token:
            return
        self.restored[tech.job] = self.env.now
        self._account(tech)
        tech.job = -1
        tech.free_since = self.env.now
        self._after_free(tech)

    def _shift_over(self, event: simpy.Event) -> None:
        """Hand-over: the shift ended before the job did; the work goes back to the queue."""
        tech, token = event._value
        if token != tech.token:
            return
        self._interrupt(tech)
        self._dispatch()

    def _wake(self, event: simpy.Event) -> None:
        if event._value != self.wake_at:
            return
        self.wake_at = inf
        self._dispatch()

    # ------------------------------------------------------------------ mechanics

    def _free_on_shift(self, job: int, now: float) -> _Technician | None:
        service, priority = self.service[job], self.priority[job]
        best = None
        for tech in self.techs:
            if tech.job < 0 and service in tech.skills and priority in tech.levels and tech.on_shift(now) and (
                    best is None or tech.free_since < best.free_since):
                best = tech
        return best

    def _duty_holder(self, now: float) -> _Technician | None:
        i = bisect_right(self.duty_starts, now) - 1
        if i >= 0 and now < self.duty_ends[i]:
            return self.techs[self.duty_person[i]]
        return None

    def _start(self, tech: _Technician, job: int, delay: float, callout: bool) -> None:
        now = self.env.now
        tech.job = job
        tech.started = now + delay
        tech.due = now + delay + self.remaining[job]
        tech.token += 1
        tech.callout = callout
        if isnan(self.started[job]):
            self.started[job] = now + delay
        self.env.timeout(delay + self.remaining[job], (tech, tech.token)).callbacks.append(self._done)
        if self.handover and not callout:
            end = tech.shift_end(now)
            if tech.due > end + 1e-9:
                _Boundary(self.env, end - now, (tech, tech.token)).callbacks.append(self._shift_over)

    def _after_free(self, tech: _Technician) -> None:
        """A technician has finished: take the most urgent work they can do now, or plan a wake-up."""
        now = self.env.now
        job = -1
        if tech.on_shift(now):
            job = self._pick(tech, range(len(PRIORITIES)))
            callout = False
        elif self._duty_holder(now) is tech:
            job = self._pick(tech, self.on_call_priorities)
            callout = True
        if job >= 0:
            self._start(tech, job, 0.0, callout)
        elif any(self.waiting):
            self._plan_wake()

    def _dispatch(self) -> None:
        """Give waiting work to every free technician on shift, then to the on-call engineer."""
        now = self.env.now
        for tech in sorted((t for t in self.techs if t.job < 0), key=lambda t: t.free_since):
            if not any(self.waiting):
                return
            if tech.on_shift(now):
                job = self._pick(tech, range(len(PRIORITIES)))
                if job >= 0:
                    self._start(tech, job, 0.0, False)
        if any(self.waiting[p] for p in self.on_call_priorities):
            self._call_out(now)
        if any(self.waiting):
            self._plan_wake()

    def _plan_wake(self) -> None:
        """Schedule a wake-up at the next moment someone could start waiting work."""
        now = self.env.now
        at = inf
        for tech in self.techs:
            if tech.job < 0 and self._has_work_for(tech):
                start = tech.next_start(now)
                if start > now:
                    at = min(at, start)
        if any(self.waiting[p] for p in self.on_call_priorities):
            i = bisect_right(self.duty_starts, now)  # the next stretch of duty strictly after now
            if i < len(self.duty_starts):
                at = min(at, self.duty_starts[i])
        if at < inf and (at < self.wake_at or self.wake_at < now):
            self.wake_at = at
            _Boundary(self.env, max(0.0, at - now), at).callbacks.append(self._wake)

    def _has_work_for(self, tech: _Technician) -> bool:
        return any(self.queues[p][s] for p in tech.levels if self.waiting[p] for s in tech.skills)

    def _pick(self, tech: _Technician, priorities) -> int:
        for p in priorities:
            if not self.waiting[p] or p not in tech.levels:
                continue
            queues = self.queues[p]
            best = None
            for s in tech.skills:
                q = queues[s]
                if q and (best is None or self.arrival[q[0]] < self.arrival[best[0]]):
                    best = q
            if best is not None:
                job = best.popleft()
                self.waiting[p] -= 1
                return job
        return -1

    def _enqueue(self, job: int, front: bool) -> None:
        q = self.queues[self.priority[job]][self.service[job]]
        if front:
            q.appendleft(job)
        else:
            q.append(job)
        self.waiting[self.priority[job]] += 1

    def _call_out(self, now: float) -> bool:
        """Wake the on-call engineer if they are free and there is work of an on-call priority for them."""
        tech = self._duty_holder(now)
        if tech is None or tech.job >= 0 or tech.on_shift(now):
            return False
        job = self._pick(tech, self.on_call_priorities)
        if job < 0:
            return False
        self.callouts.append(Callout(now, tech.index, job))
        self._start(tech, job, self.call_delay[job], True)
        return True

    def _account(self, tech: _Technician) -> None:
        """Book the work just ended: on call, on shift, or overtime past the shift's end."""
        now = self.env.now
        begin = tech.started
        if now <= begin:
            return
        if tech.callout:
            tech.call_work += now - begin
            self.interventions.append((tech.index, begin, now))
            return
        overtime = 0.0
        for a, b in tech.off_shift(begin, now):
            if b - a > 1e-9:
                self.overtime.append((tech.index, a, b))
                overtime += b - a
        tech.shift_work += now - begin - overtime

    def _interrupt(self, tech: _Technician) -> None:
        """Stop the technician's work; the incident goes back to the head of its queue with what remains."""
        job = tech.job
        self.remaining[job] -= max(0.0, self.env.now - tech.started)
        self._account(tech)
        tech.token += 1
        tech.job = -1
        tech.free_since = self.env.now
        self._enqueue(job, front=True)

    def _preempt_for(self, job: int) -> bool:
        now = self.env.now
        service = self.service[job]
        victim = None
        for tech in self.techs:
            if (tech.job >= 0 and self.priority[tech.job] > 0 and service in tech.skills and 0 in tech.levels
                    and tech.started <= now and (tech.callout or tech.on_shift(now))):
                if victim is None or (self.priority[tech.job], tech.started) > (
                        self.priority[victim.job], victim.started):
                    victim = tech
        if victim is None:
            return False
        callout = victim.callout
        self._interrupt(victim)
        self._start(victim, job, 0.0, callout)
        return True

    def result(self) -> TeamRun:
        backlog = sum(self.waiting) + sum(1 for t in self.techs if t.job >= 0)
        return TeamRun(
            name=self.name, team=self.team, plans=self.plans, rota=self.rota,
            shift_work=np.array([t.shift_work for t in self.techs]),
            call_work=np.array([t.call_work for t in self.techs]),
            overtime=self.overtime, interventions=self.interventions, callouts=self.callouts, backlog=backlog,
        )


def simulate(study: Study, scenario: Scenario, load: Load, streams: Streams) -> ScenarioRun:
    """Play one replication of one scenario on a given incident load."""
    env = simpy.Environment()
    horizon = study.calendar_.horizon_hours
    n = len(load)
    started = [nan] * n
    restored = [nan] * n
    services = list(study.services)
    route: list = [None] * len(services)
    desks: dict[str, TeamDesk] = {}
    for team_name, team in study.teams.items():
        served = [i for i, s in enumerate(services)
                  if isinstance(scenario.option_for(s), MakeOption) and scenario.option_for(s).make == team_name]
        if not served:
            continue
        plans = plan_team(study, team_name, team, streams)
        desk = TeamDesk(env, team_name, team, plans, on_call_rota(study, team, plans), served,
                        tuple(services), load, (started, restored))
        desks[team_name] = desk
        for i in served:
            route[i] = desk.arrive
    handled = np.array([route[s] is not None for s in load.service.tolist()], dtype=bool)
    env.process(_arrivals(env, load, route))
    env.run(until=horizon)
    return ScenarioRun(
        scenario=scenario, load=load,
        started=np.array(started), restored=np.array(restored), handled=handled,
        teams={name: desk.result() for name, desk in desks.items()}, horizon=horizon,
    )


def _arrivals(env: simpy.Environment, load: Load, route: list) -> Iterator[simpy.Event]:
    times = load.time.tolist()
    services = load.service.tolist()
    for i, t in enumerate(times):
        if t > env.now:
            yield env.timeout(t - env.now)
        handler = route[services[i]]
        if handler is not None:
            handler(i)
