"""The SimPy model of one scenario: incidents arrive and are restored by whoever the option names.

One :class:`simpy.Environment` per scenario and replication. Arrivals, shifts and the on-call
rota are SimPy processes; the work itself is driven by timeout callbacks, which keeps the hot
path (an incident arriving, being started, being finished) to two scheduled events. Work that
is pre-empted or handed over keeps its remaining time and resumes.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from math import isnan, nan

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

    Shift and rota boundaries use it, so an incident arriving exactly when a shift ends
    finds the shift already over (windows are half-open: 08:00-17:00 excludes 17:00).
    """

    def __init__(self, env: simpy.Environment, delay: float) -> None:
        super().__init__(env)
        self._ok = True
        self._value = None
        env.schedule(self, simpy.events.URGENT, delay)


class _Technician:
    __slots__ = ("index", "skills", "on_shift", "on_duty", "job", "started", "due", "mark", "token", "callout",
                 "shift_work", "call_work")

    def __init__(self, index: int, skills: list[int]) -> None:
        self.index = index
        self.skills = skills
        self.on_shift = False
        self.on_duty = False
        self.job = -1
        self.started = 0.0
        self.due = 0.0
        self.token = 0
        self.callout = False
        self.mark = 0.0
        self.shift_work = 0.0
        self.call_work = 0.0


class TeamDesk:
    """An internal team's dispatcher: a queue per priority and service, technicians with skills,
    shifts, on-call duty and pre-emption by P1."""

    def __init__(self, env: simpy.Environment, name: str, team: Team, plans: list[PersonPlan],
                 rota: list[RotaShift], services: list[int], service_names: tuple[str, ...], load: Load,
                 record: tuple[list[float], list[float]]) -> None:
        self.env = env
        self.name = name
        self.team = team
        self.plans = plans
        self.rota = rota
        self.services = services
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
            _Technician(i, [s for s in services if service_names[s] in plan.person.skills])
            for i, plan in enumerate(plans)
        ]
        self.idle: list[_Technician] = []
        self.duty: list[_Technician] = []
        self.overtime: list[tuple[int, float, float]] = []
        self.interventions: list[tuple[int, float, float]] = []
        self.callouts: list[Callout] = []
        for tech, plan in zip(self.techs, plans):
            if len(plan.on_shift):
                env.process(self._shifts(tech, plan.on_shift))
        if rota:
            env.process(self._rota())

    # ------------------------------------------------------------------ processes

    def _shifts(self, tech: _Technician, intervals: np.ndarray) -> Iterator[simpy.Event]:
        env = self.env
        for start, end in intervals.tolist():
            if start > env.now:
                yield _Boundary(env, start - env.now)
            self._shift_on(tech)
            yield _Boundary(env, end - env.now)
            self._shift_off(tech)

    def _rota(self) -> Iterator[simpy.Event]:
        env = self.env
        for shift in self.rota:
            tech = self.techs[shift.person]
            if shift.start > env.now:
                yield _Boundary(env, shift.start - env.now)
            tech.on_duty = True
            self.duty.append(tech)
            if tech.job < 0 and not tech.on_shift:
                self._call_out(tech)
            yield _Boundary(env, shift.end - env.now)
            tech.on_duty = False
            self.duty.remove(tech)

    # ------------------------------------------------------------------ events

    def arrive(self, job: int) -> None:
        """A new incident for this team."""
        service = self.service[job]
        for k, tech in enumerate(self.idle):
            if service in tech.skills:
                del self.idle[k]
                self._start(tech, job, 0.0, False)
                return
        if self.preemption and self.priority[job] == 0 and self._preempt_for(job):
            return
        self._enqueue(job, front=False)
        if self.duty and self.priority[job] in self.on_call_priorities:
            for tech in self.duty:
                if tech.job < 0 and not tech.on_shift and self._call_out(tech):
                    return

    def _done(self, event: simpy.Event) -> None:
        tech, token = event._value
        if token != tech.token:
            return
        self.restored[tech.job] = self.env.now
        self._account(tech)
        tech.job = -1
        self._next(tech)

    def _shift_on(self, tech: _Technician) -> None:
        if tech.job >= 0:
            self._account(tech)
        tech.on_shift = True
        if tech.job < 0:
            self._next(tech)

    def _shift_off(self, tech: _Technician) -> None:
        if tech.job < 0:
            tech.on_shift = False
            if tech in self.idle:
                self.idle.remove(tech)
            if tech.on_duty:
                self._call_out(tech)
            return
        self._account(tech)
        tech.on_shift = False
        if self.handover and not tech.callout and tech.due > self.env.now + 1e-9:
            self._interrupt(tech)
            self._redistribute()

    # ------------------------------------------------------------------ mechanics

    def _start(self, tech: _Technician, job: int, delay: float, callout: bool) -> None:
        now = self.env.now
        tech.job = job
        tech.started = tech.mark = now + delay
        tech.due = now + delay + self.remaining[job]
        tech.token += 1
        tech.callout = callout
        if isnan(self.started[job]):
            self.started[job] = now + delay
        self.env.timeout(delay + self.remaining[job], (tech, tech.token)).callbacks.append(self._done)

    def _next(self, tech: _Technician) -> None:
        """A technician is free: take the most urgent work they can do, or wait."""
        if tech.on_shift:
            job = self._pick(tech, range(len(PRIORITIES)))
            if job >= 0:
                self._start(tech, job, 0.0, False)
            else:
                self.idle.append(tech)
        elif tech.on_duty:
            job = self._pick(tech, self.on_call_priorities)
            if job >= 0:
                self._start(tech, job, 0.0, True)

    def _pick(self, tech: _Technician, priorities) -> int:
        for p in priorities:
            if not self.waiting[p]:
                continue
            queues = self.queues[p]
            best = None
            for s in tech.skills:
                q = queues[s]
                if q and (best is None or self.arrival[q[0]] < self.arrival[best[0]]):
                    best = q
            if best is not None:
                self.waiting[p] -= 1
                return best.popleft()
        return -1

    def _enqueue(self, job: int, front: bool) -> None:
        q = self.queues[self.priority[job]][self.service[job]]
        if front:
            q.appendleft(job)
        else:
            q.append(job)
        self.waiting[self.priority[job]] += 1

    def _call_out(self, tech: _Technician) -> bool:
        """Wake the on-call engineer if there is work of an on-call priority they can do."""
        job = self._pick(tech, self.on_call_priorities)
        if job < 0:
            return False
        self.callouts.append(Callout(self.env.now, tech.index, job))
        self._start(tech, job, self.call_delay[job], True)
        return True

    def _account(self, tech: _Technician) -> None:
        """Book the work done since the last mark: on shift, on call, or overtime past the shift's end."""
        now = self.env.now
        begin = tech.mark
        if now > begin:
            if tech.callout:
                tech.call_work += now - begin
                self.interventions.append((tech.index, begin, now))
            elif tech.on_shift:
                tech.shift_work += now - begin
            else:
                self.overtime.append((tech.index, begin, now))
            tech.mark = now

    def _interrupt(self, tech: _Technician) -> None:
        """Stop the technician's work; the incident goes back to the head of its queue with what remains."""
        job = tech.job
        self.remaining[job] -= max(0.0, self.env.now - tech.started)
        self._account(tech)
        tech.token += 1
        tech.job = -1
        self._enqueue(job, front=True)

    def _preempt_for(self, job: int) -> bool:
        service = self.service[job]
        victim = None
        for tech in self.techs:
            if (tech.job >= 0 and self.priority[tech.job] > 0 and (tech.on_shift or tech.on_duty)
                    and service in tech.skills and tech.started <= self.env.now):
                if victim is None or (self.priority[tech.job], tech.started) > (
                        self.priority[victim.job], victim.started):
                    victim = tech
        if victim is None:
            return False
        callout = victim.callout
        self._interrupt(victim)
        self._start(victim, job, 0.0, callout)
        return True

    def _redistribute(self) -> None:
        """After a hand-over, give waiting work to idle colleagues, or call the on-call engineer."""
        for tech in list(self.idle):
            job = self._pick(tech, range(len(PRIORITIES)))
            if job >= 0:
                self.idle.remove(tech)
                self._start(tech, job, 0.0, False)
        for tech in self.duty:
            if tech.job < 0 and not tech.on_shift:
                self._call_out(tech)

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
