"""The desks that take incidents in a run: an internal team on its shifts and on-call rota
(:class:`TeamDesk`), a provider or a SaaS vendor's support (:class:`ProviderDesk`), a team that escalates
to a provider (:class:`HybridDesk`); each writes what happens to an incident in the run's :class:`Record`."""

from __future__ import annotations

from bisect import bisect_right
from collections import deque
from dataclasses import dataclass
from heapq import heappush
from math import inf, isnan
from typing import TYPE_CHECKING

import numpy as np

from sourcing.calendar import CoverageSchedule
from sourcing.model import PRIORITIES

from .distributions import by_priority
from .incidents import Load
from .records import PROVIDER, TEAM, Callout, TeamRun, WorkLog
from .staffing import PersonPlan, RotaShift

if TYPE_CHECKING:
    from .plan import TeamPlan
from .clock import Clock


@dataclass
class Record:
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


class Technician:
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


def _free_since(tech: Technician) -> float:
    return tech.free_since


class TeamDesk:
    """An internal team's dispatcher: a queue per priority and service, technicians with skills,
    shifts, an on-call rota and pre-emption by P1. A provider of limited capacity is one too, its
    engineers on shift during its coverage window.

    Events are tied to incidents, not to the clock: a shift change costs nothing unless work
    waits for it (a wake-up is scheduled) or a job runs into it (a hand-over is scheduled).
    """

    instant = False

    def __init__(self, clock: Clock, name: str, rules: CrewRules, techs: list[Technician], rota: list[RotaShift],
                 services: list[int], load: Load, record: Record, code: int = TEAM,
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

    def _done(self, work: tuple[Technician, int]) -> None:
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

    def _shift_over(self, work: tuple[Technician, int]) -> None:
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

    def _free_on_shift(self, job: int, now: float) -> Technician | None:
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

    def _duty_holder(self, now: float) -> Technician | None:
        i = bisect_right(self.duty_starts, now) - 1
        if i >= 0 and now < self.duty_ends[i]:
            return self.techs[self.duty_person[i]]
        return None

    def _start(self, tech: Technician, job: int, delay: float, callout: bool, now: float) -> None:
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

    def _after_free(self, tech: Technician, now: float) -> None:
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

    def _has_work_for(self, tech: Technician) -> bool:
        return any(self.queues_of[tech.index])

    def _pick(self, tech: Technician, priorities) -> int:
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

    def _account(self, tech: Technician, now: float) -> None:
        """Log the work just ended (booked on shift, on call or as overtime after the run: :class:`TeamRun`)."""
        begin = tech.started
        self.log.append((tech.index, tech.job, tech.assigned, begin if begin <= now else now, now, tech.callout))

    def _interrupt(self, tech: Technician) -> None:
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
                 response: np.ndarray, record: Record, code: int, horizon: float, arrival: list[float]) -> None:
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
                 window: CoverageSchedule, escalation: tuple[float, frozenset[int]] | None, run: Record) -> None:
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
