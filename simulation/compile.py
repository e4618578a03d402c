"""The compile step: a validated study turned, once per run and process, into its :class:`~simulation.plan.Plan`.

:data:`RUNTIMES` is the one place that knows the kinds of options; :func:`compiled` keeps the last few
plans, found by the study's content (two equal studies share one plan, a changed study never gets a stale
one); :func:`repriced` gives a plan the prices of a study of the same structure without compiling again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from functools import lru_cache

import numpy as np

from sourcing import money
from sourcing.calendar import Calendar, CoverageSchedule, add_years
from sourcing.model import PRIORITIES
from sourcing.offers import ProviderOffer, SaasOffer
from sourcing.scenario import (
    Absences,
    HybridOption,
    MakeOption,
    OptionModel,
    OutsourceOption,
    SaasOption,
    Scenario,
    Service,
    Study,
    Team,
)
from sourcing.units import HOURS_PER_MONTH

from .options import HybridRuntime, MakeRuntime, OptionRuntime, OutsourceRuntime, SaasRuntime, Schedule
from .plan import (
    Assignment,
    CalendarPlan,
    ChangesPlan,
    LeaveYear,
    MemberPlan,
    OnCallPlan,
    Plan,
    ProviderPlan,
    SaasPlan,
    ScenarioPlan,
    ServicePlan,
    TeamPlan,
)

RUNTIMES: dict[type, type[OptionRuntime]] = {
    MakeOption: MakeRuntime,
    OutsourceOption: OutsourceRuntime,
    SaasOption: SaasRuntime,
    HybridOption: HybridRuntime,
}
"""The one registry of option kinds: which runtime runs each kind of option of a scenario file."""

def compile_study(study: Study) -> Plan:
    """Compile a validated study: once per run, never per replication."""
    calendar = study.calendar_
    dates = _calendar(calendar)
    schedules: dict[str, CoverageSchedule] = {}
    shifts: dict[str, np.ndarray] = {}

    def schedule(ref: str) -> CoverageSchedule:
        if ref not in schedules:
            schedules[ref] = calendar.schedule(study.window(ref))
        return schedules[ref]

    def shift(ref: str) -> np.ndarray:
        """A shift's intervals from the warm-up to the horizon, one array for everyone on that shift."""
        if ref not in shifts:
            intervals = np.array(schedule(ref).intervals(dates.warm_up_start, dates.horizon)).reshape(-1, 2)
            intervals.flags.writeable = False
            shifts[ref] = intervals
        return shifts[ref]

    names = list(study.services)
    plan = Plan(
        name=study.name,
        calendar=dates,
        economics=study.economics,
        services=tuple(_service(k, name, service, dates, schedule) for k, (name, service) in
                       enumerate(study.services.items())),
        teams={name: _team(name, team, names, dates, schedule, shift) for name, team in study.teams.items()},
        providers={name: _provider(name, offer, dates, schedule) for name, offer in study.providers.items()},
        saas={name: _saas(name, offer, schedule) for name, offer in study.saas.items()},
    )
    baseline = study.scenario(study.baseline_name)
    scenarios = tuple(
        ScenarioPlan(scenario.name, tuple(_assignment(plan, schedule, scenario, baseline, k, name)
                                          for k, name in enumerate(names)))
        for scenario in study.scenarios
    )
    return replace(plan, scenarios=scenarios)


class _ByContent:
    """A study found by its content: what :func:`compiled`'s cache is keyed on."""

    __slots__ = ("study", "digest")

    def __init__(self, study: Study) -> None:
        self.study = study
        self.digest = hashlib.sha256(study.model_dump_json().encode()).digest()

    def __hash__(self) -> int:
        return hash(self.digest)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _ByContent) and other.digest == self.digest


@lru_cache(maxsize=8)
def _compiled(key: _ByContent) -> Plan:
    return compile_study(key.study)


def compiled(study: Study) -> Plan:
    """The plan of a study, compiled on first use in this process; the last few plans are kept, found by the
    study's content digest."""
    return _compiled(_ByContent(study))


def runtime_for(option: OptionModel, plan: Plan, schedule: Schedule) -> OptionRuntime:
    """The runtime of an option, from the registry."""
    return RUNTIMES[type(option)].build(option, plan, schedule)


# --------------------------------------------------------------------------- parts


def _calendar(calendar: Calendar) -> CalendarPlan:
    months = money.months_of(calendar)
    how = calendar.hour_of_week
    years = calendar.year_bounds()
    slots = np.arange(len(how), dtype=float)
    year = np.clip(np.searchsorted(years, slots, side="right") - 1, 0, calendar.horizon_years - 1)
    return CalendarPlan(
        calendar=calendar,
        horizon=calendar.horizon_hours,
        warm_up_start=calendar.warm_up_start,
        n_years=calendar.horizon_years,
        years=years,
        months=months,
        month_labels=tuple(calendar.instant(t + 1e-6).strftime("%Y-%m") for t in months.bounds[:-1]),
        hour_of_week=how,
        year_of_hour=year,
        last_hour=min(1.0, calendar.horizon_hours - (len(how) - 1)),
        warm_up_hour_of_week=calendar.warm_up_hour_of_week,
    )


def _service(index: int, name: str, service: Service, dates: CalendarPlan, schedule: Schedule) -> ServicePlan:
    changes = None
    if service.changes is not None and service.changes.per_month > 0:
        spec = service.changes
        openings = np.array([s for s, _ in schedule(spec.window).intervals(0.0, dates.horizon)])
        changes = ChangesPlan(per_month=spec.per_month, planned_downtime=spec.planned_downtime,
                              failure_rate=spec.failure_rate, priority=PRIORITIES.index(spec.incident_priority),
                              openings=openings)
    monthly = np.array([service.monthly_volume(y) for y in range(dates.n_years)])
    return ServicePlan(
        name=name,
        index=index,
        users=service.users,
        users_by_year=np.array([service.users_in_year(y) for y in range(dates.n_years)]),
        p1_impact=service.p1_impact,
        p2_impact=service.p2_impact,
        outage_cost=service.outage_cost_per_hour,
        service_time=schedule(service.service_time),
        business_hours=schedule(service.business_hours),
        availability_target=service.availability_target,
        restore_targets=_by_priority(service.restore_targets),
        per_hour=monthly / HOURS_PER_MONTH,
        weights=service.incidents.weights(),
        cumulative_mix=np.cumsum(service.incidents.mix()),
        changes=changes,
        infrastructure=service.infrastructure,
        calendar=dates,
    )


def _team(name: str, team: Team, services: list[str], dates: CalendarPlan, schedule: Schedule,
          shift: Callable[[str], np.ndarray]) -> TeamPlan:
    named = [m.name is not None and m.count == 1 for m in team.members for _ in range(m.count)]
    members = tuple(
        MemberPlan(
            person=person,
            owner=person.name if is_named else f"{name}/{person.name}",
            shift=shift(person.shift),
            skills=frozenset(k for k, service in enumerate(services) if service in person.skills),
            levels=frozenset(PRIORITIES.index(p) for p in person.priorities),
        )
        for person, is_named in zip(team.people(services), named)
    )
    leave = _leave(team.absences, dates.calendar) if team.absences is not None else ()
    return TeamPlan(
        name=name, team=team, members=members, repair=tuple(team.repair_time[p] for p in PRIORITIES),
        repair_by_service={services.index(service): tuple(own.get(p, team.repair_time[p]) for p in PRIORITIES)
                           for service, own in team.repair_time_by_service.items() if service in services},
        handover=team.shift_end == "handover", preemption=team.preemption,
        on_call=_on_call(team, members, dates, schedule) if team.on_call is not None else None,
        absences=team.absences, leave=leave, departures=team.departures,
    )


def _leave(absences: Absences, calendar: Calendar) -> tuple[LeaveYear, ...]:
    """Blocks of working days, each starting on a Monday of the scenario year: the Mondays of each year,
    and where each block would end."""
    days = absences.annual_leave_days
    if days <= 0:
        return ()
    block = absences.leave_block_days
    n_blocks = int(np.ceil(days / block))
    lengths = [block] * (n_blocks - 1) + [days - block * (n_blocks - 1)]
    minutes = [int(round(((length // 5) * 7 + (length % 5)) * 1440)) for length in lengths]
    years = []
    for year in range(calendar.horizon_years):
        first, last = add_years(calendar.start, year), add_years(calendar.start, year + 1)
        monday = first + timedelta(days=-first.weekday() % 7)
        mondays = []
        while monday + timedelta(days=7) <= last:
            mondays.append(monday)
            monday += timedelta(days=7)
        years.append(LeaveYear(starts=tuple(calendar.local(day, 0) for day in mondays),
                               ends=tuple(tuple(calendar.local(day, m) for m in minutes) for day in mondays)))
    return tuple(years)


def _on_call(team: Team, members: tuple[MemberPlan, ...], dates: CalendarPlan, schedule: Schedule) -> OnCallPlan:
    """The on-call window cut at local midnights; weeks are numbered from the first rotation day of the
    horizon, so the warm-up's weeks (negative numbers) do not move the rota."""
    on_call = team.on_call
    calendar = dates.calendar
    horizon = dates.horizon
    window = schedule(on_call.window)
    weekday = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun").index(on_call.rotation_start)
    first = calendar.start - timedelta(days=(calendar.start.weekday() - weekday) % 7)
    lead_weeks = -(-calendar.warm_up_days // 7) + 1
    edges = calendar.midnights(first - timedelta(days=7 * lead_weeks))
    begin = dates.warm_up_start
    spans = np.array(window.intervals(begin, horizon)).reshape(-1, 2)
    points = np.union1d(spans.ravel(), edges[(edges > begin) & (edges < horizon)])
    a, b = points[:-1], points[1:]
    inside = (b - a > 1e-9) & (np.abs(window.cumulative(b) - window.cumulative(a) - (b - a)) < 1e-6)
    a, b = a[inside], b[inside]
    return OnCallPlan(
        window=window,
        priorities=tuple(sorted(PRIORITIES.index(p) for p in on_call.priorities)),
        call_out_delay=on_call.call_out_delay,
        weekly_hours=window.covered(0.0, horizon) / (horizon / 168),
        pieces=np.column_stack((a, b)),
        weeks=(np.searchsorted(edges, a, side="right") - 1) // 7 - lead_weeks,
        members=tuple(i for i, m in enumerate(members) if m.person.on_call),
    )


def _provider(name: str, offer: ProviderOffer, dates: CalendarPlan, schedule: Schedule) -> ProviderPlan:
    coverage = schedule(offer.coverage)
    response = offer.performance.response
    return ProviderPlan(
        name=name, offer=offer, coverage=coverage, hno=schedule(offer.fees.hno_window),
        restore=tuple(offer.restore_distribution(p) for p in PRIORITIES),
        response=tuple(response[p] for p in PRIORITIES) if response else None,
        gti=_by_priority(offer.gti), gtr=_by_priority(offer.gtr),
        prevents=np.array([offer.prevents.get(p, 0.0) for p in PRIORITIES]),
        capacity=offer.capacity,
        crew_shifts=np.array(coverage.intervals(dates.warm_up_start, dates.horizon)).reshape(-1, 2),
        fees=offer.fees, penalties=offer.penalties, transition=offer.transition, indexation=offer.indexation,
        hosted=offer.hosting == "included",
    )


def _saas(name: str, offer: SaasOffer, schedule: Schedule) -> SaasPlan:
    maintenance = offer.maintenance
    return SaasPlan(
        name=name, offer=offer, support_window=schedule(offer.support.window),
        support_restore=offer.support.restore, support_response=offer.support.response,
        outages=offer.outages, maintenance=maintenance,
        maintenance_window=schedule(maintenance.window) if maintenance is not None else None,
        sla=offer.sla, price_per_user_month=offer.price_per_user_month, indexation=offer.indexation,
        migration=offer.migration,
    )


def _assignment(plan: Plan, schedule: Schedule, scenario: Scenario, baseline: Scenario, index: int,
                service: str) -> Assignment:
    """The baseline scenario is today's situation: a scenario that changes a service's option first runs
    the new offer's transition (or migration), during which the baseline's option still handles the
    incidents and is still paid."""
    option = scenario.option_for(service)
    before = baseline.option_for(service)
    runtime = runtime_for(option, plan, schedule)
    transition = runtime.transition
    if before == option or transition is None or transition.duration <= 0:
        # A set-up or migration cost is due when the scenario changes the option (money charges it only when
        # there is one): whether it moves stays the same whatever the cost, a price.
        return Assignment(index, runtime, None, 0.0, moves=transition is not None and before != option)
    return Assignment(index, runtime, runtime_for(before, plan, schedule), transition.duration, moves=True)


def _by_priority(table: dict[str, float | None]) -> np.ndarray:
    """A per-priority table as an array indexed by priority (NaN where there is no value)."""
    return np.array([np.nan if table.get(p) is None else table[p] for p in PRIORITIES])


def repriced(plan: Plan, study: Study) -> Plan:
    """``plan`` with the prices and judgements of ``study``, a study of the same structure (it differs only in
    re-valued paths, :func:`sourcing.paths.revalued`): what valuing a ledger reads, without compiling
    calendars, shifts and rotas again."""
    names = list(study.services)
    services = tuple(replace(s, outage_cost=study.services[s.name].outage_cost_per_hour,
                             infrastructure=study.services[s.name].infrastructure,
                             availability_target=study.services[s.name].availability_target)
                     for s in plan.services)
    teams = {}
    for name, team in plan.teams.items():
        validated = study.teams[name]
        people = validated.people(names)
        teams[name] = replace(team, team=validated,
                              members=tuple(replace(m, person=p) for m, p in zip(team.members, people)))
    providers = {name: replace(p, offer=study.providers[name], fees=study.providers[name].fees,
                               penalties=study.providers[name].penalties,
                               transition=study.providers[name].transition,
                               indexation=study.providers[name].indexation)
                 for name, p in plan.providers.items()}
    saas = {name: replace(p, offer=study.saas[name], sla=study.saas[name].sla,
                          price_per_user_month=study.saas[name].price_per_user_month,
                          indexation=study.saas[name].indexation, migration=study.saas[name].migration)
            for name, p in plan.saas.items()}
    return replace(plan, economics=study.economics, services=services, teams=teams, providers=providers, saas=saas)
