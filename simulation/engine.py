"""The discrete-event model of one scenario: incidents arrive and are restored by whoever the option names.

One event list (:class:`Clock`) per scenario and replication, reading only the compiled plan
(:mod:`simulation.plan`). The work is driven by timed callbacks in SimPy's order, which keeps the hot
path (an incident arriving, being started, being finished) to a couple of scheduled events. Shifts and
the on-call rota are looked up, not stepped through, so years of calendar cost nothing when nothing
happens. Work that is pre-empted or handed over keeps its remaining time and resumes. Each option's
desk is built by its runtime (:mod:`simulation.options`).
"""

from __future__ import annotations

from collections.abc import Callable
from math import inf, isnan, nan
from typing import TYPE_CHECKING

import numpy as np

from sourcing.model import PRIORITIES

from .distributions import by_priority
from .incidents import Load
from .records import NOBODY, PROVIDER, SUPPORT, ScenarioRun
from .staffing import RotaShift, Staffing, clip_plans
from .streams import Streams

if TYPE_CHECKING:
    from .plan import Assignment, Plan, ProviderPlan, SaasPlan, ScenarioPlan, TeamPlan
from .clock import Clock
from .desks import CrewRules, Desk, ProviderDesk, Record, TeamDesk, Technician


class Desks:
    """The desks of one scenario in one replication, each created once however many services use it:
    a desk per team, per provider and per SaaS support the scenario's runtimes name."""

    def __init__(self, plan: Plan, scenario: ScenarioPlan, load: Load, streams: Streams, clock: Clock,
                 record: Record, staffing: Staffing) -> None:
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
        techs = [Technician(i, [s for s in services if s in member.skills], member.levels, person.on_shift)
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
        techs = [Technician(k, served, every, offer.crew_shifts) for k in range(offer.capacity)]
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
    record = Record(started=[nan] * n, restored=[nan] * n, by=[NOBODY] * n, escalated=[False] * n,
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
