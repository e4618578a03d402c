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
from typing import NamedTuple

import numpy as np
import simpy

from sourcing.calendar import CoverageSchedule
from sourcing.scenario import (
    PRIORITIES,
    MakeOption,
    Option,
    OutsourceOption,
    Person,
    SaasOption,
    Scenario,
    ServicePlan,
    Study,
    Team,
    provider_of,
    teams_of,
)

from . import platform as platform_
from .distributions import by_priority
from .incidents import Load
from .staffing import PersonPlan, RotaShift, clip_plans, on_call_rota, plan_team
from .streams import Streams


@dataclass
class Callout:
    """An on-call engineer woken for an incident."""

    time: float
    person: int
    incident: int


class Work(NamedTuple):
    """A stretch of work by one person on one incident: assigned (the person is taken from then on,
    a call-out delay included), started, and stopped (restored, pre-empted, handed over or cancelled)."""

    person: int
    incident: int
    assigned: float
    start: float
    end: float
    on_call: bool


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
    work: list[Work] = field(default_factory=list)
    """Every stretch of work, in the order it stopped."""
    backlog: int = 0
    active_until: float = inf
    """The team runs until this time (the end of a transition when it is only the previous option)."""


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
    """Whether each incident exists under this scenario (SaaS and high availability remove some)."""
    teams: dict[str, TeamRun]
    horizon: float
    by: np.ndarray
    """Who restored each incident: NOBODY, TEAM, PROVIDER or SUPPORT."""
    escalated: np.ndarray
    """Incidents escalated from the team to the provider (hybrid)."""
    plans: dict[str, ServicePlan]
    planned: dict[str, np.ndarray]
    """Planned downtime of changes still in force, per service."""
    platform_outages: dict[str, np.ndarray]
    """SaaS platform outages per service (empty for other options)."""
    maintenance: dict[str, np.ndarray]
    """SaaS scheduled maintenance per service (excluded from the SLA)."""
    provider_crews: dict[str, TeamRun]


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

    __slots__ = ("index", "skills", "levels", "starts", "ends", "lo", "hi", "on", "job", "assigned", "started", "due",
                 "token", "callout", "free_since", "shift_work", "call_work")

    def __init__(self, index: int, skills: list[int], levels: frozenset[int], on_shift: np.ndarray) -> None:
        self.index = index
        self.skills = skills
        self.levels = levels  # the priorities this person handles
        self.starts = on_shift[:, 0].tolist()
        self.ends = on_shift[:, 1].tolist()
        self.lo = self.hi = 0.0  # on_shift(t) == self.on for every t in [lo, hi)
        self.on = False
        self.job = -1
        self.assigned = 0.0
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


@dataclass(frozen=True)
class CrewRules:
    """How a crew works: each incident's hands-on time and call-out delay, which priorities wake the
    on-call engineer, what happens at shift end, and whether P1 pre-empts."""

    repair: np.ndarray
    call_delay: np.ndarray
    on_call_priorities: tuple[int, ...] = ()
    handover: bool = True
    preemption: bool = True

    @classmethod
    def of_team(cls, team: Team, load: Load) -> CrewRules:
        on_call = team.on_call
        delay = (by_priority({p: on_call.call_out_delay for p in PRIORITIES}, PRIORITIES, load.priority,
                             load.u_response) if on_call else np.zeros(len(load)))
        return cls(
            repair=by_priority(team.repair_time, PRIORITIES, load.priority, load.u_repair),
            call_delay=delay,
            on_call_priorities=tuple(sorted(PRIORITIES.index(p) for p in on_call.priorities)) if on_call else (),
            handover=team.shift_end == "handover",
            preemption=team.preemption,
        )


class TeamDesk:
    """An internal team's dispatcher: a queue per priority and service, technicians with skills,
    shifts, an on-call rota and pre-emption by P1.

    Events are tied to incidents, not to the clock: a shift change costs nothing unless work
    waits for it (a wake-up is scheduled) or a job runs into it (a hand-over is scheduled).
    """

    instant = False

    def __init__(self, env: simpy.Environment, name: str, rules: CrewRules, plans: list[PersonPlan],
                 rota: list[RotaShift], services: list[int], service_names: tuple[str, ...], load: Load,
                 record: tuple[list[float], list[float]], team: Team | None = None,
                 active_until: float = inf) -> None:
        self.env = env
        self.name = name
        self.team = team
        self.active_until = active_until
        self.plans = plans
        self.rota = rota
        self.started, self.restored = record
        self.arrival = load.time.tolist()
        self.priority = load.priority.tolist()
        self.service = load.service.tolist()
        self.remaining = rules.repair.tolist()
        self.call_delay = rules.call_delay.tolist()
        self.on_call_priorities = rules.on_call_priorities
        self.handover = rules.handover
        self.preemption = rules.preemption
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
        self.work: list[Work] = []

    # ------------------------------------------------------------------ events

    def arrive(self, job: int) -> None:
        """A new incident for this team."""
        now = self.env.now
        tech = self._free_on_shift(job, now)
        if tech is not None:
            self._start(tech, job, 0.0, False)
            return
        if self.preemption and self.priority[job] == 0 and self._preempt_for(job):
            self._dispatch()  # the interrupted work may go to someone free now, or wait for the next shift
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
        tech.assigned = now
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
                at = min(at, tech.next_start(now))  # now itself when someone free is already on shift
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
        self.work.append(Work(tech.index, tech.job, tech.assigned, min(begin, now), now, tech.callout))
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

    def withdraw(self, job: int) -> bool:
        """Take an open incident away from the team (another option takes it over)."""
        if not isnan(self.restored[job]):
            return False
        self.cancel(job)
        return True

    def cancel(self, job: int) -> None:
        """Stop all work on an incident somebody else has restored (after an escalation)."""
        for tech in self.techs:
            if tech.job == job:
                self._account(tech)
                tech.token += 1
                tech.job = -1
                tech.free_since = self.env.now
                self._after_free(tech)
                return
        queue = self.queues[self.priority[job]][self.service[job]]
        if job in queue:
            queue.remove(job)
            self.waiting[self.priority[job]] -= 1

    def result(self) -> TeamRun:
        now = self.env.now
        in_progress = [Work(t.index, t.job, t.assigned, min(t.started, now), now, t.callout)
                       for t in self.techs if t.job >= 0]
        backlog = sum(self.waiting) + len(in_progress)
        return TeamRun(
            name=self.name, team=self.team, plans=self.plans, rota=self.rota, active_until=self.active_until,
            shift_work=np.array([t.shift_work for t in self.techs]),
            call_work=np.array([t.call_work for t in self.techs]),
            overtime=self.overtime, interventions=self.interventions, callouts=self.callouts,
            work=self.work + in_progress, backlog=backlog,
        )


class ProviderDesk:
    """A provider without a capacity limit: every incident runs on its own clock, in covered hours of
    the coverage window. The provider works only inside its window: work starts after the response
    time counted in covered hours (at the window's next opening when there is no response time), and
    ends after the restoration time.

    Nothing here waits for anything else, so the times are computed in one vectorised pass at the
    end of the run (:meth:`finish`) rather than event by event.
    """

    instant = True
    """Incidents can be handed over before the run starts: nothing here depends on the event clock."""

    def __init__(self, env: simpy.Environment, coverage: CoverageSchedule, restore: np.ndarray,
                 response: np.ndarray, record: tuple[list[float], list[float]], horizon: float,
                 arrival: list[float]) -> None:
        self.env = env
        self.arrival = arrival
        self.coverage = coverage
        self.restore = restore
        self.response = response
        self.started, self.restored = record
        self.horizon = horizon
        self.jobs: list[int] = []
        self.taken: list[float] = []
        self.withdrawn: set[int] = set()

    def arrive(self, job: int) -> None:
        self.jobs.append(job)
        self.taken.append(max(self.arrival[job], self.env.now))

    def withdraw(self, job: int) -> bool:
        """Take back an incident not yet restored (another option takes it over)."""
        taken = self.taken[self.jobs.index(job)]
        if self.restore_from(job, taken) <= self.env.now:
            return False
        self.withdrawn.add(job)
        return True

    def restore_from(self, job: int, t: float) -> float:
        """When the provider restores the incident if it takes it at ``t``."""
        return self.coverage.reach(t, max(float(self.restore[job]), float(self.response[job])))

    def finish(self) -> None:
        if not self.jobs:
            return
        jobs = np.array(self.jobs)
        taken = np.array(self.taken)
        start = self.coverage.reach_many(taken, self.response[jobs])
        done = self.coverage.reach_many(taken, np.maximum(self.restore[jobs], self.response[jobs]))
        for job, a, b in zip(self.jobs, start.tolist(), done.tolist()):
            if job in self.withdrawn:
                continue
            if a <= self.horizon and isnan(self.started[job]):
                self.started[job] = a
            if b <= self.horizon and isnan(self.restored[job]):
                self.restored[job] = b


class HybridDesk:
    """The team handles incidents declared outside the provider's window, the provider those inside it;
    the team's incidents of the listed priorities are escalated to the provider after a delay, and the
    first of the two to restore wins."""

    instant = False

    def __init__(self, env: simpy.Environment, team: TeamDesk, provider, clock: ProviderDesk,
                 window: CoverageSchedule, escalation: tuple[float, frozenset[int]] | None, run: _Record) -> None:
        self.env = env
        self.team = team
        self.provider = provider
        self.clock = clock
        self.window = window
        self.escalation = escalation
        self.run = run

    def withdraw(self, job: int) -> bool:
        desk = self.provider if self.run.by[job] == PROVIDER else self.team
        return desk.withdraw(job)

    def arrive(self, job: int) -> None:
        if self.window.is_open(self.env.now):
            self.run.by[job] = PROVIDER
            self.provider.arrive(job)
            return
        self.run.by[job] = TEAM
        self.team.arrive(job)
        if self.escalation and self.run.priority[job] in self.escalation[1]:
            self.env.timeout(self.escalation[0], job).callbacks.append(self._escalate)

    def _escalate(self, event: simpy.Event) -> None:
        job = event._value
        if not isnan(self.run.restored[job]):
            return
        self.run.escalated[job] = True
        done = self.clock.restore_from(job, self.env.now)
        if done <= self.clock.horizon:
            self.env.timeout(done - self.env.now, job).callbacks.append(self._provider_restored)

    def _provider_restored(self, event: simpy.Event) -> None:
        job = event._value
        if isnan(self.run.restored[job]):
            self.run.restored[job] = self.env.now
            self.run.by[job] = PROVIDER
            self.team.cancel(job)


NOBODY, TEAM, PROVIDER, SUPPORT = 0, 1, 2, 3
"""Who restored an incident: handler codes kept per incident."""


@dataclass
class _Record:
    started: list[float]
    restored: list[float]
    by: list[int]
    escalated: list[bool]
    priority: list[int]


def handled_mask(study: Study, plan: ServicePlan, option: Option, load: Load, idx: np.ndarray) -> np.ndarray:
    """Which of a service's incidents exist under an option: SaaS removes the platform's incidents
    (P1, P2 and failed changes), a high-availability offer prevents a share of some priorities."""
    priority = load.priority[idx]
    if isinstance(option, SaasOption):
        return (priority >= 2) & ~load.from_change[idx]
    if isinstance(option, OutsourceOption):
        prevents = study.providers[option.outsource].prevents
        share = np.array([prevents.get(p, 0.0) for p in PRIORITIES])[priority]
        return load.u_prevent[idx] >= share
    return np.ones(len(idx), dtype=bool)


class _Builder:
    """Creates, once each, the desks a scenario needs, and a router per service."""

    def __init__(self, study: Study, scenario: Scenario, load: Load, streams: Streams, env: simpy.Environment,
                 record: _Record, cache: dict) -> None:
        self.study, self.scenario, self.load, self.streams, self.env = study, scenario, load, streams, env
        self.record = record
        self.cache = cache
        self.arrival = load.time.tolist()
        self.calendar = study.calendar_
        self.horizon = self.calendar.horizon_hours
        self.names = tuple(study.services)
        self.plans = {name: study.plan(scenario, name) for name in study.services}
        self.team_use: dict[str, tuple[set[int], float]] = {}
        self.provider_use: dict[str, set[int]] = {}
        self.support_use: dict[str, set[int]] = {}
        for s, name in enumerate(self.names):
            plan = self.plans[name]
            for option, until in ((plan.option, inf), (plan.previous, plan.transition_end)):
                if option is None:
                    continue
                for team in teams_of(option):
                    served, before = self.team_use.get(team, (set(), 0.0))
                    self.team_use[team] = (served | {s}, max(before, until))
                provider = provider_of(option)
                if provider:
                    self.provider_use.setdefault(provider, set()).add(s)
                if isinstance(option, SaasOption) and not option.desk:
                    self.support_use.setdefault(option.saas, set()).add(s)
        self.teams = {name: self._team(name, *use) for name, use in self.team_use.items()}
        self.clocks: dict[str, ProviderDesk] = {}
        self.providers = {name: self._provider(name, sorted(use)) for name, use in self.provider_use.items()}
        self.support = {name: self._support(name) for name in self.support_use}

    def _team(self, name: str, served: set[int], until: float) -> TeamDesk:
        team = self.study.teams[name]
        if ("team", name) not in self.cache:
            drawn = plan_team(self.study, name, team, self.streams)
            self.cache[("team", name)] = (drawn, on_call_rota(self.study, team, drawn))
        drawn, rota = self.cache[("team", name)]
        plans = clip_plans(drawn, until)
        rota = [r if r.end <= until else RotaShift(r.start, until, r.person) for r in rota if r.start < until]
        return TeamDesk(self.env, name, CrewRules.of_team(team, self.load), plans, rota, sorted(served), self.names,
                        self.load, (self.record.started, self.record.restored), team=team, active_until=until)

    def _provider(self, name: str, served: list[int]):
        offer = self.study.providers[name]
        coverage = self.calendar.schedule(self.study.window(offer.coverage))
        restore = by_priority({p: offer.restore_distribution(p) for p in PRIORITIES}, PRIORITIES,
                              self.load.priority, self.load.u_repair)
        response = (by_priority(offer.performance.response, PRIORITIES, self.load.priority, self.load.u_response)
                    if offer.performance.response else np.zeros(len(self.load)))
        clock = ProviderDesk(self.env, coverage, restore, response, (self.record.started, self.record.restored),
                             self.horizon, self.arrival)
        self.clocks[name] = clock
        if offer.capacity is None:
            return clock
        shifts = np.array(coverage.intervals(self.calendar.warm_up_start, self.horizon)).reshape(-1, 2)
        skills = frozenset(self.names[s] for s in served)
        plans = [PersonPlan(Person(name=f"{name} engineer {k + 1}", role="provider engineer", annual_cost=0.0,
                                   skills=skills, priorities=PRIORITIES, shift=offer.coverage, on_call=False),
                            on_shift=shifts, absent=np.zeros((0, 2)), vacant=np.zeros((0, 2)))
                 for k in range(offer.capacity)]
        rules = CrewRules(repair=restore, call_delay=np.zeros(len(self.load)))
        return TeamDesk(self.env, name, rules, plans, [], served, self.names, self.load,
                        (self.record.started, self.record.restored))

    def _support(self, name: str) -> ProviderDesk:
        support = self.study.saas[name].support
        window = self.calendar.schedule(self.study.window(support.window))
        restore = by_priority({p: support.restore for p in PRIORITIES}, PRIORITIES, self.load.priority,
                              self.load.u_repair)
        response = by_priority({p: support.response for p in PRIORITIES}, PRIORITIES, self.load.priority,
                               self.load.u_response)
        return ProviderDesk(self.env, window, restore, response, (self.record.started, self.record.restored),
                            self.horizon, self.arrival)

    def handler(self, option: Option):
        """The desk that takes incidents under this option, and a function that hands it one."""
        record = self.record
        if isinstance(option, MakeOption):
            desk, code = self.teams[option.make], TEAM
        elif isinstance(option, OutsourceOption):
            desk, code = self.providers[option.outsource], PROVIDER
        elif isinstance(option, SaasOption):
            desk, code = (self.teams[option.desk], TEAM) if option.desk else (self.support[option.saas], SUPPORT)
        else:
            hybrid = option.hybrid
            escalation = None
            if hybrid.escalate is not None:
                escalation = (hybrid.escalate.after,
                              frozenset(PRIORITIES.index(p) for p in hybrid.escalate.priorities))
            window = self.calendar.schedule(self.study.window(hybrid.provider_window))
            desk = HybridDesk(self.env, self.teams[hybrid.team], self.providers[hybrid.provider],
                              self.clocks[hybrid.provider], window, escalation, record)
            return desk, desk.arrive
        by = record.by

        def take(job: int) -> None:
            by[job] = code
            desk.arrive(job)

        return desk, take

    def router(self, name: str, exists_after: np.ndarray):
        """The function that takes the service's incidents, and for each period whether its desk is instant.

        The previous option's desk takes incidents declared before the end of the transition, the new
        one those after. At the end of the transition the new option takes over what is still open
        (or, for a SaaS, the old platform's incidents end with the old platform).
        """
        plan = self.plans[name]
        now_desk, now_handler = self.handler(plan.option)
        if plan.previous is None:
            return now_handler, (now_desk.instant, now_desk.instant)
        before_desk, before_handler = self.handler(plan.previous)
        end = plan.transition_end
        env = self.env
        arrival = self.arrival
        taken: list[int] = []

        def route(job: int) -> None:
            if arrival[job] < end:
                taken.append(job)
                before_handler(job)
            else:
                now_handler(job)

        def take_over(_event: simpy.Event) -> None:
            for job in taken:
                if not isnan(self.record.restored[job]) or not before_desk.withdraw(job):
                    continue
                if exists_after[job]:
                    now_handler(job)
                else:
                    self.record.restored[job] = env.now

        if end < self.horizon:
            _Boundary(env, end - env.now).callbacks.append(take_over)
        return route, (before_desk.instant, now_desk.instant)


def simulate(study: Study, scenario: Scenario, load: Load, streams: Streams,
             cache: dict | None = None) -> ScenarioRun:
    """Play one replication of one scenario on a given incident load.

    ``cache`` may be shared by the scenarios of one replication: team plans and rotas depend only
    on the team and the replication's streams, so they are drawn once.
    """
    env = simpy.Environment(initial_time=study.calendar_.warm_up_start)
    horizon = study.calendar_.horizon_hours
    n = len(load)
    record = _Record(started=[nan] * n, restored=[nan] * n, by=[NOBODY] * n, escalated=[False] * n,
                     priority=load.priority.tolist())
    builder = _Builder(study, scenario, load, streams, env, record, {} if cache is None else cache)
    handled = np.zeros(n, dtype=bool)
    exists_after = np.zeros(n, dtype=bool)
    planned: dict[str, np.ndarray] = {}
    platform: dict[str, np.ndarray] = {}
    maintenance_: dict[str, np.ndarray] = {}
    for s, name in enumerate(builder.names):
        plan = builder.plans[name]
        idx = np.flatnonzero(load.service == s)
        before = load.time[idx] < plan.transition_end if plan.previous is not None else np.zeros(len(idx), bool)
        handled[idx[before]] = handled_mask(study, plan, plan.previous, load, idx[before]) if plan.previous else True
        handled[idx[~before]] = handled_mask(study, plan, plan.option, load, idx[~before])
        exists_after[idx] = handled_mask(study, plan, plan.option, load, idx)
        changes = load.planned[name]
        if isinstance(plan.option, SaasOption):
            offer = study.saas[plan.option.saas]
            start = plan.transition_end
            changes = changes[changes[:, 0] < start] if plan.previous is not None else changes[:0]
            platform[name] = platform_.outages(study, name, offer, start, streams)
            maintenance_[name] = platform_.maintenance(study, name, offer, start, streams)
        else:
            platform[name] = maintenance_[name] = np.zeros((0, 2))
        planned[name] = changes
    routes = [builder.router(name, exists_after) for name in builder.names]
    route = [r for r, _ in routes]
    instant = np.zeros(n, dtype=bool)
    for s, (_, (before, after)) in enumerate(routes):
        idx = np.flatnonzero(load.service == s)
        instant[idx] = np.where(load.time[idx] < builder.plans[builder.names[s]].transition_end, before, after)
    services = load.service.tolist()
    for job in np.flatnonzero(handled & instant).tolist():
        route[services[job]](job)
    env.process(_arrivals(env, load, route, handled & ~instant))
    env.run(until=horizon)
    for desk in (*builder.clocks.values(), *builder.support.values()):
        desk.finish()
    return ScenarioRun(
        scenario=scenario, load=load,
        started=np.array(record.started), restored=np.array(record.restored), handled=handled,
        teams={name: desk.result() for name, desk in builder.teams.items()}, horizon=horizon,
        by=np.array(record.by, dtype=np.int8), escalated=np.array(record.escalated, dtype=bool),
        plans=builder.plans, planned=planned, platform_outages=platform, maintenance=maintenance_,
        provider_crews={name: desk.result() for name, desk in builder.providers.items()
                        if isinstance(desk, TeamDesk)},
    )


def _arrivals(env: simpy.Environment, load: Load, route: list, handled: np.ndarray) -> Iterator[simpy.Event]:
    times = load.time.tolist()
    services = load.service.tolist()
    exists = handled.tolist()
    for i, t in enumerate(times):
        if not exists[i]:
            continue
        if t > env.now:
            yield env.timeout(t - env.now)
        route[services[i]](i)
