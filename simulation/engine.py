"""The discrete-event model of one scenario: incidents arrive and are restored by whoever the option names.

One event list (:class:`Clock`) per scenario and replication, reading only the compiled plan
(:mod:`simulation.plan`). The work is driven by timed callbacks in SimPy's order, which keeps the hot
path (an incident arriving, being started, being finished) to a couple of scheduled events. Shifts and
the on-call rota are looked up, not stepped through, so years of calendar cost nothing when nothing
happens. Work that is pre-empted or handed over keeps its remaining time and resumes. Each option's
desk is built by its runtime (:mod:`simulation.options`).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from heapq import heappop, heappush
from itertools import count
from math import inf, isnan, nan
from typing import TYPE_CHECKING, Any

import numpy as np

from sourcing.calendar import CoverageSchedule
from sourcing.model import PRIORITIES

from .distributions import by_priority
from .incidents import Load
from .records import NOBODY, PROVIDER, SUPPORT, TEAM, Callout, ScenarioRun, TeamRun, WorkLog
from .staffing import PersonPlan, RotaShift, Staffing, clip_plans
from .streams import Streams

if TYPE_CHECKING:
    from .plan import Assignment, Plan, ProviderPlan, SaasPlan, ScenarioPlan, TeamPlan


@dataclass
class _Record:
    """Per incident, as the run goes: when work started, when it was restored, by whom, whether it was
    escalated (lists, written one incident at a time)."""

    started: list[float]
    restored: list[float]
    by: list[int]
    escalated: list[bool]
    priority: list[int]
    time: list[float]
    """When each incident is declared (the load's, as a list read by every desk)."""
    service: list[int]


class Clock:
    """The engine's event list: callbacks in the order of their instant, and among callbacks due at the same
    instant in the order they were scheduled; *boundaries* (a shift ends, a wake-up, the end of a
    transition) before any callback at their instant.

    Windows are half-open (08:00-17:00 excludes 17:00), so an incident declared exactly when a shift
    ends must find it over: that is why boundaries come first. Each callback is kept with the instant it
    is due (``now + delay``) and a sequence number, in a binary heap: the order SimPy's event queue gives
    timeouts (instant, then creation), without an event object, a callback list and a step per callback.
    The engine only ever needed timed callbacks from SimPy (no processes, no resources), and its hot
    path is two of them per incident.
    """

    def __init__(self, start: float) -> None:
        self.now: float = start
        """The current simulation time (set when a callback runs, and after :meth:`run`)."""
        self.queue: list[tuple[float, int, Callable[[Any], None], Any]] = []
        """The heap of (instant, sequence number, callback, argument): what :meth:`after` pushes, and what a
        desk's hot path pushes onto directly, with a number from :attr:`order`."""
        self._due: list[tuple[float, int, Callable[[Any], None], Any]] = []
        self.order = count()
        """Sequence numbers: callbacks due at the same instant run in the order they were scheduled."""
        self._coming: tuple[float, int] | None = None
        """The instant and sequence number of the next arrival (None when there is none)."""
        self._times: list[float] = []
        self._jobs: list[int] = []
        self._services: list[int] = []
        self._routes: list[Callable[[int], None]] = []
        self._k = 0

    def after(self, delay: float, callback: Callable[[Any], None], argument: Any = None) -> None:
        """Call ``callback(argument)`` in ``delay`` hours (``delay`` >= 0, as SimPy's timeouts)."""
        if delay < 0:
            raise ValueError(f"negative delay {delay}")
        heappush(self.queue, (self.now + delay, next(self.order), callback, argument))

    def boundary(self, delay: float, callback: Callable[[Any], None], argument: Any = None) -> None:
        """Call ``callback(argument)`` in ``delay`` hours, before anything else scheduled for that instant."""
        if delay < 0:
            raise ValueError(f"negative delay {delay}")
        heappush(self._due, (self.now + delay, next(self.order), callback, argument))

    def declare(self, times: list[float], jobs: list[int], services: list[int],
                routes: list[Callable[[int], None]]) -> None:
        """Hand each of ``jobs`` to the route of its service (``routes[services[job]](job)``) at its time
        (``times[job]``), in the order of ``jobs``.

        Arrivals are a stream beside the heap, not entries in it: one is pending at a time, with the
        instant and sequence number a timeout scheduled when the one before it was handed on would have
        (``now + (time - now)``, then the next number), so ties with other callbacks fall exactly as they
        would in the heap. Those due at once (at or before the current time) are handed on at once.
        """
        self._times, self._jobs, self._services, self._routes = times, jobs, services, routes
        self._k = 0
        self._hand_on_due()

    def _hand_on_due(self) -> None:
        """Hand on the arrivals due by now from ``_k`` on, and make the next one pending."""
        times, jobs, services, routes = self._times, self._jobs, self._services, self._routes
        k, now = self._k, self.now
        while k < len(jobs):
            job = jobs[k]
            if times[job] > now:
                self._coming = (now + (times[job] - now), next(self.order))
                self._k = k
                return
            routes[services[job]](job)
            k += 1
        self._coming = None
        self._k = k

    def run(self, until: float) -> None:
        """Run every callback due before ``until`` (not those due at ``until`` itself); then the time is ``until``."""
        queue, due, order = self.queue, self._due, self.order
        times, jobs, services, routes = self._times, self._jobs, self._services, self._routes
        coming, k, n = self._coming, self._k, len(self._jobs)
        while True:
            if coming is not None and (not queue or coming < queue[0]) and not (due and due[0][0] <= coming[0]):
                at = coming[0]
                if at >= until:
                    break
                self.now = at
                job = jobs[k]
                routes[services[job]](job)
                k += 1
                coming = None
                while k < n:  # hand on those declared by now, and make the next one pending
                    job = jobs[k]
                    if times[job] > at:
                        coming = (at + (times[job] - at), next(order))
                        break
                    routes[services[job]](job)
                    k += 1
                continue
            if due and (not queue or due[0][0] <= queue[0][0]):
                at, _, callback, argument = heappop(due)
                if at >= until:
                    heappush(due, (at, _, callback, argument))
                    break
            elif queue:
                at, _, callback, argument = heappop(queue)
                if at >= until:
                    heappush(queue, (at, _, callback, argument))
                    break
            else:
                break
            self.now = at
            callback(argument)
        self._coming, self._k = coming, k
        self.now = until


class _Technician:
    """A member's state. Shifts are not simulated hour by hour: whether someone is on shift is
    looked up in their working intervals when it matters."""

    __slots__ = ("index", "skills", "levels", "starts", "ends", "lo", "hi", "on", "job", "assigned", "started", "due",
                 "token", "callout", "free_since")

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

    def locate(self, t: float) -> None:
        """Set :attr:`on` for ``t`` and the interval [lo, hi) around ``t`` where it stays so (desks on the hot
        path test ``lo <= t < hi`` themselves and call this only when ``t`` falls outside)."""
        i = bisect_right(self.starts, t) - 1
        if i >= 0 and t < self.ends[i]:
            self.on, self.lo, self.hi = True, self.starts[i], self.ends[i]
        else:
            self.on = False
            self.lo = self.ends[i] if i >= 0 else -inf
            self.hi = self.starts[i + 1] if i + 1 < len(self.starts) else inf

    def on_shift(self, t: float) -> bool:
        if not self.lo <= t < self.hi:
            self.locate(t)
        return self.on


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
    def of_team(cls, team: TeamPlan, load: Load) -> CrewRules:
        on_call = team.on_call
        delay = (by_priority((on_call.call_out_delay,) * len(PRIORITIES), load.priority, load.u_response)
                 if on_call else np.zeros(len(load)))
        return cls(
            repair=by_priority(team.repair, load.priority, load.u_repair, team.repair_by_service, load.service),
            call_delay=delay,
            on_call_priorities=on_call.priorities if on_call else (),
            handover=team.handover,
            preemption=team.preemption,
        )


_EVERY_PRIORITY = range(len(PRIORITIES))


def _free_since(tech: _Technician) -> float:
    return tech.free_since


class TeamDesk:
    """An internal team's dispatcher: a queue per priority and service, technicians with skills,
    shifts, an on-call rota and pre-emption by P1. A provider of limited capacity is one too, its
    engineers on shift during its coverage window.

    Events are tied to incidents, not to the clock: a shift change costs nothing unless work
    waits for it (a wake-up is scheduled) or a job runs into it (a hand-over is scheduled).
    """

    instant = False

    def __init__(self, clock: Clock, name: str, rules: CrewRules, techs: list[_Technician], rota: list[RotaShift],
                 services: list[int], load: Load, record: _Record, code: int = TEAM,
                 team: TeamPlan | None = None, plans: list[PersonPlan] | None = None,
                 active_until: float = inf) -> None:
        self.clock = clock
        self._events, self._order = clock.queue, clock.order  # Clock.after, inlined in _start
        self.code = code
        self.by = record.by
        self.name = name
        self.team = team
        self.active_until = active_until
        self.plans = plans or []
        self.rota = rota
        self.started, self.restored = record.started, record.restored
        self.arrival = record.time
        self.priority = record.priority
        self.service = record.service
        self.remaining = rules.repair.tolist()
        self.call_delay = rules.call_delay.tolist()
        self.on_call_priorities = rules.on_call_priorities
        self.handover = rules.handover
        self.preemption = rules.preemption
        self.queues = [{s: deque() for s in services} for _ in PRIORITIES]
        self.queues_of = [[self.queues[p][s] for p in sorted(t.levels) for s in t.skills] for t in techs]
        """Per technician (by index), the queues of work they may take."""
        self.waiting = [0] * len(PRIORITIES)
        self.techs = techs
        self.duty_starts = [r.start for r in rota]
        self.duty_ends = [r.end for r in rota]
        self.duty_person = [r.person for r in rota]
        self.wake_at = inf
        self.free = len(techs)
        """How many technicians have no job (on shift or not)."""
        self.callouts: list[Callout] = []
        self.log: list[tuple[int, int, float, float, float, bool]] = []
        """Every stretch of work as it stops: the fields of :class:`Work`."""

    # ------------------------------------------------------------------ events

    def arrive(self, job: int) -> None:
        """A new incident for this team."""
        self.by[job] = self.code
        now = self.clock.now
        if self.free:
            tech = self._free_on_shift(job, now)
            if tech is not None:
                self._start(tech, job, 0.0, False, now)
                return
        priority = self.priority[job]
        if self.preemption and priority == 0 and self._preempt_for(job):
            self._dispatch()  # the interrupted work may go to someone free now, or wait for the next shift
            return
        self.queues[priority][self.service[job]].append(job)
        self.waiting[priority] += 1
        if self.on_call_priorities:
            if priority in self.on_call_priorities and self._call_out(now):
                return
        elif not self.free:
            return  # everybody is busy and nobody is on call: whoever finishes first takes it
        self._plan_wake()

    def _done(self, work: tuple[_Technician, int]) -> None:
        tech, token = work
        if token != tech.token:
            return
        now = self.clock.now
        job, begin = tech.job, tech.started
        self.restored[job] = now
        self.log.append((tech.index, job, tech.assigned, begin if begin <= now else now, now, tech.callout))
        tech.job = -1
        tech.free_since = now
        self.free += 1
        if any(self.waiting):
            self._after_free(tech, now)

    def _shift_over(self, work: tuple[_Technician, int]) -> None:
        """Hand-over: the shift ended before the job did; the work goes back to the queue."""
        tech, token = work
        if token != tech.token:
            return
        self._interrupt(tech)
        self._dispatch()

    def _wake(self, at: float) -> None:
        if at != self.wake_at:
            return
        self.wake_at = inf
        self._dispatch()

    # ------------------------------------------------------------------ mechanics

    def _free_on_shift(self, job: int, now: float) -> _Technician | None:
        """The technician free the longest among those on shift who may take the job (None if nobody)."""
        if not self.free:
            return None
        service, priority = self.service[job], self.priority[job]
        best = None
        for tech in self.techs:
            if tech.job < 0 and service in tech.skills and priority in tech.levels and (
                    best is None or tech.free_since < best.free_since):
                if not tech.lo <= now < tech.hi:
                    tech.locate(now)
                if tech.on:
                    best = tech
        return best

    def _duty_holder(self, now: float) -> _Technician | None:
        i = bisect_right(self.duty_starts, now) - 1
        if i >= 0 and now < self.duty_ends[i]:
            return self.techs[self.duty_person[i]]
        return None

    def _start(self, tech: _Technician, job: int, delay: float, callout: bool, now: float) -> None:
        start, remaining = now + delay, self.remaining[job]
        tech.job = job
        tech.assigned = now
        tech.started = start
        tech.due = due = start + remaining
        tech.token = token = tech.token + 1
        tech.callout = callout
        self.free -= 1
        if isnan(self.started[job]):
            self.started[job] = start
        if delay + remaining < 0:
            raise ValueError(f"negative delay {delay + remaining}")  # as Clock.after
        heappush(self._events, (now + (delay + remaining), next(self._order), self._done, (tech, token)))
        if self.handover and not callout:
            if not tech.lo <= now < tech.hi:
                tech.locate(now)
            end = tech.hi if tech.on else now  # the end of the shift running now
            if due > end + 1e-9:
                self.clock.boundary(end - now, self._shift_over, (tech, token))

    def _after_free(self, tech: _Technician, now: float) -> None:
        """A technician has finished: take the most urgent work they can do now, or plan a wake-up."""
        if not any(self.waiting):
            return
        job = -1
        if not tech.lo <= now < tech.hi:
            tech.locate(now)
        if tech.on:
            job = self._pick(tech, _EVERY_PRIORITY)
            callout = False
        elif self._duty_holder(now) is tech:
            job = self._pick(tech, self.on_call_priorities)
            callout = True
        if job >= 0:
            self._start(tech, job, 0.0, callout, now)
        else:
            self._plan_wake()

    def _dispatch(self) -> None:
        """Give waiting work to every free technician on shift, then to the on-call engineer."""
        now = self.clock.now
        for tech in sorted((t for t in self.techs if t.job < 0), key=_free_since) if self.free else ():
            if not any(self.waiting):
                return
            if tech.on_shift(now):
                job = self._pick(tech, _EVERY_PRIORITY)
                if job >= 0:
                    self._start(tech, job, 0.0, False, now)
        if self.on_call_priorities and any(self.waiting[p] for p in self.on_call_priorities):
            self._call_out(now)
        if any(self.waiting):
            self._plan_wake()

    def _plan_wake(self) -> None:
        """Schedule a wake-up at the next moment someone could start waiting work: the next shift start of
        a free technician who may take some of it (now itself if one is already on shift), or the next
        stretch of duty when work of an on-call priority waits. One wake-up is pending at a time."""
        if not self.free and not self.on_call_priorities:
            return  # everybody is busy: whoever finishes first takes the work
        now = self.clock.now
        at = inf
        if self.free:
            queues_of = self.queues_of
            for tech in self.techs:
                if tech.job < 0 and any(queues_of[tech.index]):
                    if not tech.lo <= now < tech.hi:
                        tech.locate(now)
                    start = now if tech.on else tech.hi
                    if start < at:
                        at = start
        for p in self.on_call_priorities:
            if self.waiting[p]:
                i = bisect_right(self.duty_starts, now)  # the next stretch of duty strictly after now
                if i < len(self.duty_starts) and self.duty_starts[i] < at:
                    at = self.duty_starts[i]
                break
        if at < inf and (at < self.wake_at or self.wake_at < now):
            self.wake_at = at
            self.clock.boundary(max(0.0, at - now), self._wake, at)

    def _has_work_for(self, tech: _Technician) -> bool:
        return any(self.queues_of[tech.index])

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
        self._start(tech, job, self.call_delay[job], True, now)
        return True

    def _account(self, tech: _Technician, now: float) -> None:
        """Log the work just ended (booked on shift, on call or as overtime after the run: :class:`TeamRun`)."""
        begin = tech.started
        self.log.append((tech.index, tech.job, tech.assigned, begin if begin <= now else now, now, tech.callout))

    def _interrupt(self, tech: _Technician) -> None:
        """Stop the technician's work; the incident goes back to the head of its queue with what remains."""
        job = tech.job
        now = self.clock.now
        self.remaining[job] -= max(0.0, now - tech.started)
        self._account(tech, now)
        tech.token += 1
        tech.job = -1
        tech.free_since = now
        self.free += 1
        self._enqueue(job, front=True)

    def _preempt_for(self, job: int) -> bool:
        now = self.clock.now
        service, priority = self.service[job], self.priority
        victim = None
        for tech in self.techs:
            if (tech.job >= 0 and priority[tech.job] > 0 and service in tech.skills and 0 in tech.levels
                    and tech.started <= now and (tech.callout or tech.on_shift(now))):
                if victim is None or (priority[tech.job], tech.started) > (priority[victim.job], victim.started):
                    victim = tech
        if victim is None:
            return False
        callout = victim.callout
        self._interrupt(victim)
        self._start(victim, job, 0.0, callout, now)
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
                now = self.clock.now
                self._account(tech, now)
                tech.token += 1
                tech.job = -1
                tech.free_since = now
                self.free += 1
                self._after_free(tech, now)
                return
        queue = self.queues[self.priority[job]][self.service[job]]
        if job in queue:
            queue.remove(job)
            self.waiting[self.priority[job]] -= 1

    def result(self) -> TeamRun:
        now = self.clock.now
        in_progress = [(t.index, t.job, t.assigned, t.started if t.started <= now else now, now, t.callout)
                       for t in self.techs if t.job >= 0]
        backlog = sum(self.waiting) + len(in_progress)
        return TeamRun(
            name=self.name, team=self.team, plans=self.plans, rota=self.rota, active_until=self.active_until,
            callouts=self.callouts, work=WorkLog(self.log + in_progress), stopped=len(self.log), backlog=backlog,
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

    def __init__(self, clock: Clock, coverage: CoverageSchedule, restore: np.ndarray,
                 response: np.ndarray, record: _Record, code: int, horizon: float, arrival: list[float]) -> None:
        self.clock = clock
        self.code = code
        self.by = record.by
        self.arrival = arrival
        self.coverage = coverage
        self.restore = restore
        self.response = response
        self.started, self.restored = record.started, record.restored
        self.horizon = horizon
        self.jobs: list[int] = []
        self.taken: list[float] = []
        self.withdrawn: set[int] = set()

    def arrive(self, job: int) -> None:
        self.by[job] = self.code
        self.jobs.append(job)
        self.taken.append(max(self.arrival[job], self.clock.now))

    def withdraw(self, job: int) -> bool:
        """Take back an incident not yet restored (another option takes it over)."""
        taken = self.taken[self.jobs.index(job)]
        if self.restore_from(job, taken) <= self.clock.now:
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
        kept = ~np.isin(jobs, list(self.withdrawn))
        for times, record in ((start, self.started), (done, self.restored)):
            within = kept & (times <= self.horizon)
            for job, t in zip(jobs[within].tolist(), times[within].tolist()):
                if isnan(record[job]):
                    record[job] = t


class HybridDesk:
    """The team handles incidents declared outside the provider's window, the provider those inside it;
    the team's incidents of the listed priorities are escalated to the provider after a delay, and the
    first of the two to restore wins."""

    instant = False

    def __init__(self, clock: Clock, team: TeamDesk, provider: Desk, provider_clock: ProviderDesk,
                 window: CoverageSchedule, escalation: tuple[float, frozenset[int]] | None, run: _Record) -> None:
        self.clock = clock
        self.team = team
        self.provider = provider
        self.provider_clock = provider_clock
        self.window = window
        self.escalation = escalation
        self.run = run

    def withdraw(self, job: int) -> bool:
        desk = self.provider if self.run.by[job] == PROVIDER else self.team
        return desk.withdraw(job)

    def arrive(self, job: int) -> None:
        if self.window.is_open(self.clock.now):
            self.run.by[job] = PROVIDER
            self.provider.arrive(job)
            return
        self.run.by[job] = TEAM
        self.team.arrive(job)
        if self.escalation and self.run.priority[job] in self.escalation[1]:
            self.clock.after(self.escalation[0], self._escalate, job)

    def _escalate(self, job: int) -> None:
        if not isnan(self.run.restored[job]):
            return
        self.run.escalated[job] = True
        done = self.provider_clock.restore_from(job, self.clock.now)
        if done <= self.provider_clock.horizon:
            self.clock.after(done - self.clock.now, self._provider_restored, job)

    def _provider_restored(self, job: int) -> None:
        if isnan(self.run.restored[job]):
            self.run.restored[job] = self.clock.now
            self.run.by[job] = PROVIDER
            self.team.cancel(job)


Desk = TeamDesk | ProviderDesk | HybridDesk
"""Takes incidents (``arrive``), gives back those not yet restored (``withdraw``); ``instant`` if it can
take them before the run starts."""

class Desks:
    """The desks of one scenario in one replication, each created once however many services use it:
    a desk per team, per provider and per SaaS support the scenario's runtimes name."""

    def __init__(self, plan: Plan, scenario: ScenarioPlan, load: Load, streams: Streams, clock: Clock,
                 record: _Record, staffing: Staffing) -> None:
        self.plan, self.load, self.streams, self.clock, self.record = plan, load, streams, clock, record
        self.staffing = staffing
        self.arrival = record.time
        self.horizon = plan.calendar.horizon
        team_use: dict[str, tuple[TeamPlan, set[int], float]] = {}
        provider_use: dict[str, tuple[ProviderPlan, set[int]]] = {}
        support_use: dict[str, SaasPlan] = {}
        for assignment in scenario.assignments:
            s = assignment.service
            for runtime, until in ((assignment.runtime, inf), (assignment.previous, assignment.transition_end)):
                if runtime is None:
                    continue
                for team in runtime.teams:
                    _, served, before = team_use.get(team.name, (team, set(), 0.0))
                    team_use[team.name] = (team, served | {s}, max(before, until))
                if runtime.provider is not None:
                    provider_use.setdefault(runtime.provider.name, (runtime.provider, set()))[1].add(s)
                if runtime.support is not None:
                    support_use.setdefault(runtime.support.name, runtime.support)
        self.teams = {name: self._team(*use) for name, use in team_use.items()}
        self.clocks: dict[str, ProviderDesk] = {}
        self.providers = {name: self._provider(offer, sorted(served)) for name, (offer, served) in provider_use.items()}
        self.supports = {name: self._support(offer) for name, offer in support_use.items()}

    def team(self, name: str) -> TeamDesk:
        return self.teams[name]

    def provider(self, name: str) -> Desk:
        """The provider's desk: its clock, or its crew when its capacity is limited."""
        return self.providers[name]

    def provider_clock(self, name: str) -> ProviderDesk:
        """The provider's own clock (what an escalated incident waits for)."""
        return self.clocks[name]

    def support(self, name: str) -> ProviderDesk:
        return self.supports[name]

    def _team(self, team: TeamPlan, served: set[int], until: float) -> TeamDesk:
        drawn, rota = self.staffing.of(team)
        plans = clip_plans(drawn, until)
        rota = [r if r.end <= until else RotaShift(r.start, until, r.person) for r in rota if r.start < until]
        services = sorted(served)
        techs = [_Technician(i, [s for s in services if s in member.skills], member.levels, person.on_shift)
                 for i, (member, person) in enumerate(zip(team.members, plans))]
        return TeamDesk(self.clock, team.name, CrewRules.of_team(team, self.load), techs, rota, services, self.load,
                        self.record, team=team, plans=plans, active_until=until)

    def _provider(self, offer: ProviderPlan, served: list[int]) -> Desk:
        load = self.load
        restore = by_priority(offer.restore, load.priority, load.u_repair)
        response = (by_priority(offer.response, load.priority, load.u_response) if offer.response
                    else np.zeros(len(load)))
        clock = ProviderDesk(self.clock, offer.coverage, restore, response, self.record, PROVIDER, self.horizon,
                             self.arrival)
        self.clocks[offer.name] = clock
        if offer.capacity is None:
            return clock
        every = frozenset(range(len(PRIORITIES)))
        techs = [_Technician(k, served, every, offer.crew_shifts) for k in range(offer.capacity)]
        rules = CrewRules(repair=restore, call_delay=np.zeros(len(load)))
        return TeamDesk(self.clock, offer.name, rules, techs, [], served, load, self.record, code=PROVIDER)

    def _support(self, offer: SaasPlan) -> ProviderDesk:
        load = self.load
        restore = by_priority((offer.support_restore,) * len(PRIORITIES), load.priority, load.u_repair)
        response = by_priority((offer.support_response,) * len(PRIORITIES), load.priority, load.u_response)
        return ProviderDesk(self.clock, offer.support_window, restore, response, self.record, SUPPORT, self.horizon,
                            self.arrival)

    def router(self, assignment: Assignment, exists_after: np.ndarray) -> tuple[Callable[[int], None],
                                                                               tuple[bool, bool]]:
        """The function that takes the service's incidents, and for each period whether its desk is instant.

        The previous option's desk takes incidents declared before the end of the transition, the new
        one those after. At the end of the transition the new option takes over what is still open
        (or, for a SaaS, the old platform's incidents end with the old platform).
        """
        now_desk = assignment.runtime.desk(self)
        if assignment.previous is None:
            return now_desk.arrive, (now_desk.instant, now_desk.instant)
        before_desk = assignment.previous.desk(self)
        end = assignment.transition_end
        clock = self.clock
        arrival = self.arrival
        restored = self.record.restored
        taken: list[int] = []

        def route(job: int) -> None:
            if arrival[job] < end:
                taken.append(job)
                before_desk.arrive(job)
            else:
                now_desk.arrive(job)

        def take_over(_: None) -> None:
            for job in taken:
                if not isnan(restored[job]) or not before_desk.withdraw(job):
                    continue
                if exists_after[job]:
                    now_desk.arrive(job)
                else:
                    restored[job] = clock.now

        if end < self.horizon:
            clock.boundary(end - clock.now, take_over)
        return route, (before_desk.instant, now_desk.instant)


def simulate(plan: Plan, scenario: ScenarioPlan, load: Load, streams: Streams,
             staffing: Staffing | None = None) -> ScenarioRun:
    """Play one replication of one scenario of a compiled study on a given incident load.

    ``staffing`` may be shared by the scenarios of one replication: team plans and rotas depend only
    on the team and the replication's streams, so they are drawn once.
    """
    calendar = plan.calendar
    clock = Clock(calendar.warm_up_start)
    horizon = calendar.horizon
    n = len(load)
    record = _Record(started=[nan] * n, restored=[nan] * n, by=[NOBODY] * n, escalated=[False] * n,
                     priority=load.priority.tolist(), time=load.time.tolist(), service=load.service.tolist())
    desks = Desks(plan, scenario, load, streams, clock, record,
                  Staffing(plan.calendar, streams) if staffing is None else staffing)
    handled = np.zeros(n, dtype=bool)
    exists_after = np.zeros(n, dtype=bool)
    planned: dict[str, np.ndarray] = {}
    platform: dict[str, np.ndarray] = {}
    maintenance: dict[str, np.ndarray] = {}
    for service, assignment in zip(plan.services, scenario.assignments):
        runtime, previous = assignment.runtime, assignment.previous
        idx = np.flatnonzero(load.service == service.index)
        before = load.time[idx] < assignment.transition_end if previous is not None else np.zeros(len(idx), bool)
        handled[idx[before]] = previous.exists(load, idx[before]) if previous is not None else True
        handled[idx[~before]] = runtime.exists(load, idx[~before])
        exists_after[idx] = runtime.exists(load, idx)
        planned[service.name], platform[service.name], maintenance[service.name] = runtime.platform(
            service, assignment, load.planned[service.name], streams, horizon)
    routes = [desks.router(assignment, exists_after) for assignment in scenario.assignments]
    route = [r for r, _ in routes]
    instant = np.zeros(n, dtype=bool)
    for assignment, (_, (before, after)) in zip(scenario.assignments, routes):
        idx = np.flatnonzero(load.service == assignment.service)
        instant[idx] = np.where(load.time[idx] < assignment.transition_end, before, after)
    services = record.service
    for job in np.flatnonzero(handled & instant).tolist():
        route[services[job]](job)
    clock.declare(record.time, np.flatnonzero(handled & ~instant).tolist(), services, route)
    clock.run(horizon)
    for desk in (*desks.clocks.values(), *desks.supports.values()):
        desk.finish()
    return ScenarioRun(
        scenario=scenario, load=load,
        started=np.array(record.started), restored=np.array(record.restored), handled=handled,
        teams={name: desk.result() for name, desk in desks.teams.items()}, horizon=horizon,
        by=np.array(record.by, dtype=np.int8), escalated=np.array(record.escalated, dtype=bool),
        planned=planned, platform_outages=platform, maintenance=maintenance,
    )
