"""The compile step: a study turned, once, into the plain objects a run reads.

Like Ciw's ``import_params`` (fill in the defaults, cross-check, then hand plain objects on), the
validated :class:`~sourcing.scenario.Study` is compiled once per run and process: every window a
:class:`~sourcing.calendar.CoverageSchedule`, every table per priority a tuple or an array indexed by
priority, every scenario's option for a service an option runtime (:mod:`simulation.options`) chosen
in :data:`RUNTIMES`, the one place that knows the kinds of options. The engine, the measurements,
staffing, incidents and the SaaS platform read only the plan; money rules stay in
:mod:`sourcing.money`, and the validated offers and teams are kept beside their compiled parts for them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from math import inf

import numpy as np

from sourcing import money
from sourcing.calendar import Calendar, CoverageSchedule, add_years
from sourcing.model import PRIORITIES, Distribution
from sourcing.offers import Fees, Maintenance, Penalties, PlatformOutages, ProviderOffer, SaasOffer, Sla, Transition
from sourcing.scenario import (
    Absences,
    Departures,
    Economics,
    HybridOption,
    Infrastructure,
    MakeOption,
    OptionModel,
    OutageCost,
    OutsourceOption,
    Person,
    SaasOption,
    Scenario,
    Service,
    Study,
    Team,
)
from sourcing.units import HOURS_PER_MONTH

from .options import HybridRuntime, MakeRuntime, OptionRuntime, OutsourceRuntime, SaasRuntime, Schedule

RUNTIMES: dict[type, type[OptionRuntime]] = {
    MakeOption: MakeRuntime,
    OutsourceOption: OutsourceRuntime,
    SaasOption: SaasRuntime,
    HybridOption: HybridRuntime,
}
"""The one registry of option kinds: which runtime runs each kind of option of a scenario file."""

EMPTY = np.zeros((0, 2))
"""No intervals."""


@dataclass(frozen=True, eq=False)
class CalendarPlan:
    """The horizon, its warm-up, its years and its calendar months, in simulation hours."""

    calendar: Calendar
    """Time zone and holidays, for reading an instant as a local time."""
    horizon: float
    warm_up_start: float
    """Zero without a warm-up, negative otherwise."""
    n_years: int
    years: np.ndarray
    """``n_years + 1`` instants: the start and each anniversary."""
    months: money.Months
    month_labels: tuple[str, ...]
    """``YYYY-MM`` of each calendar month of the horizon."""
    hour_of_week: np.ndarray
    """Local hour of the week of each whole hour of the horizon (public holidays take Sunday's)."""
    year_of_hour: np.ndarray
    """Scenario year of each whole hour of the horizon."""
    last_hour: float
    """Share of the last whole hour that lies inside the horizon."""
    warm_up_hour_of_week: np.ndarray
    """Local hour of the week of each whole hour of the warm-up."""


@dataclass(frozen=True, eq=False)
class ChangesPlan:
    """A service's changes: how many, their planned downtime, how often they fail and into what."""

    per_month: float
    planned_downtime: float
    failure_rate: float
    priority: int
    openings: np.ndarray
    """Openings of the maintenance window over the horizon: a change starts at one of them."""


@dataclass(frozen=True, eq=False)
class ServicePlan:
    """One service: its users, what an outage costs, its windows and targets, and its incident load."""

    name: str
    index: int
    users: float
    """Users at the start (they weight the scenario's availability)."""
    users_by_year: np.ndarray
    p1_impact: float
    p2_impact: float
    outage_cost: OutageCost
    service_time: CoverageSchedule
    business_hours: CoverageSchedule
    availability_target: float | None
    restore_targets: np.ndarray
    """Restoration target per priority in clock hours (NaN without one)."""
    per_hour: np.ndarray
    """Expected incidents per hour of a flat week, per scenario year."""
    weights: np.ndarray
    """The weekly profile: 168 hourly weights of mean 1."""
    cumulative_mix: np.ndarray
    """Cumulative probabilities of P1..P4."""
    changes: ChangesPlan | None
    infrastructure: Infrastructure
    calendar: CalendarPlan

    @property
    def rates(self) -> np.ndarray:
        """Expected incidents in each whole hour of the horizon (computed when asked for: a long horizon's
        hours weigh megabytes per service)."""
        rate = self.per_hour[self.calendar.year_of_hour] * self.weights[self.calendar.hour_of_week]
        rate[-1] *= self.calendar.last_hour
        return rate

    @property
    def warm_up_rates(self) -> np.ndarray:
        """Expected incidents in each whole hour of the warm-up, at the first year's volume."""
        return self.per_hour[0] * self.weights[self.calendar.warm_up_hour_of_week]


@dataclass(frozen=True, eq=False)
class MemberPlan:
    """One person of a team: who, whose random streams, and their working intervals."""

    person: Person
    owner: str
    """Whose streams draw their absences: a named person keeps theirs in every team that lists them."""
    shift: np.ndarray
    """Shift intervals from the start of the warm-up to the horizon, before absences."""
    skills: frozenset[int]
    """Indices of the services they can restore."""
    levels: frozenset[int]
    """Indices of the priorities they handle."""


@dataclass(frozen=True, eq=False)
class OnCallPlan:
    """A team's on-call rota: its window cut into pieces at local midnights, each with its rota week."""

    window: CoverageSchedule
    priorities: tuple[int, ...]
    """Priorities that wake the on-call engineer."""
    call_out_delay: Distribution
    weekly_hours: float
    """Covered hours of the window in an average week of the horizon."""
    pieces: np.ndarray
    """(n, 2) stretches of the window, each inside one local day."""
    weeks: np.ndarray
    """Rota week of each piece (week 0 starts on the first rotation day of the horizon)."""
    members: tuple[int, ...]
    """Indices of the members on the rota."""


@dataclass(frozen=True, eq=False)
class LeaveYear:
    """Where a scenario year's blocks of annual leave may fall: each Monday of the year, and the end of
    the k-th block if it starts that Monday."""

    starts: tuple[float, ...]
    ends: tuple[tuple[float, ...], ...]


@dataclass(frozen=True, eq=False)
class TeamPlan:
    """An internal team, compiled: its members, repair times, rules, on-call rota and absences."""

    name: str
    team: Team
    """The validated team, whose prices the money rules read."""
    members: tuple[MemberPlan, ...]
    repair: tuple[Distribution, ...]
    """Repair time per priority."""
    repair_by_service: dict[int, tuple[Distribution, ...]]
    """Services (by index) whose repair times differ from the team's: one per priority."""
    handover: bool
    preemption: bool
    on_call: OnCallPlan | None
    absences: Absences | None
    leave: tuple[LeaveYear, ...]
    """Where annual leave may fall, per scenario year (empty without annual leave)."""
    departures: Departures | None


@dataclass(frozen=True, eq=False)
class ProviderPlan:
    """A managed-services offer, compiled: its clock, its real performance and its terms."""

    name: str
    offer: ProviderOffer
    """The validated offer, which the money rules read."""
    coverage: CoverageSchedule
    hno: CoverageSchedule
    """The window in which an intervention is billed at the HNO multiplier."""
    restore: tuple[Distribution, ...]
    """Restoration time per priority, in covered hours."""
    response: tuple[Distribution, ...] | None
    """Time until an engineer starts, per priority, in covered hours (None: at once)."""
    gti: np.ndarray
    """GTI per priority in covered hours (NaN: none)."""
    gtr: np.ndarray
    """GTR per priority in covered hours (NaN: best effort)."""
    prevents: np.ndarray
    """Share of the incidents of each priority that never happen under this offer."""
    capacity: int | None
    crew_shifts: np.ndarray
    """The coverage window from the warm-up to the horizon: the shift of engineers of a limited capacity."""
    fees: Fees
    penalties: Penalties
    transition: Transition
    indexation: float | None
    hosted: bool
    """The provider hosts the platform: the in-house infrastructure goes."""


@dataclass(frozen=True, eq=False)
class SaasPlan:
    """A SaaS offer, compiled: its support desk, its platform's outages and maintenance, its SLA, its prices."""

    name: str
    offer: SaasOffer
    """The validated offer, which the money rules read."""
    support_window: CoverageSchedule
    support_restore: Distribution
    support_response: Distribution
    outages: PlatformOutages
    maintenance: Maintenance | None
    maintenance_window: CoverageSchedule | None
    sla: Sla | None
    price_per_user_month: float
    indexation: float | None
    migration: Transition


@dataclass(frozen=True, eq=False)
class Assignment:
    """Who runs a service in a scenario: its runtime, and the previous one until the transition ends."""

    service: int
    runtime: OptionRuntime
    previous: OptionRuntime | None
    """The baseline's runtime, still handling incidents (and paid) until ``transition_end``."""
    transition_end: float
    """Hours from the start during which ``previous`` still runs (0 if no transition)."""
    moves: bool
    """The scenario moves the service to a new contract (its set-up or migration cost is due)."""

    @property
    def infrastructure_until(self) -> float:
        """Until when the in-house infrastructure is kept (and paid)."""
        if self.runtime.keeps_infrastructure:
            return inf
        if self.previous is not None and self.previous.keeps_infrastructure:
            return self.transition_end
        return 0.0


@dataclass(frozen=True, eq=False)
class ScenarioPlan:
    """A scenario: an assignment per service, in the order of the study's services."""

    name: str
    assignments: tuple[Assignment, ...]


@dataclass(frozen=True, eq=False)
class Plan:
    """A whole study, compiled once: what the engine and the measurements read."""

    name: str
    calendar: CalendarPlan
    economics: Economics
    services: tuple[ServicePlan, ...]
    teams: dict[str, TeamPlan]
    providers: dict[str, ProviderPlan]
    saas: dict[str, SaasPlan]
    scenarios: tuple[ScenarioPlan, ...] = ()

    @property
    def service_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.services)

    def scenario(self, name: str) -> ScenarioPlan:
        for scenario in self.scenarios:
            if scenario.name == name:
                return scenario
        raise KeyError(name)


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


_COMPILED: dict[int, tuple[Study, Plan]] = {}
_KEEP = 8


def compiled(study: Study) -> Plan:
    """The plan of a study, compiled on first use in this process (the last few studies are kept; each
    entry holds its study, so that the id it is found by cannot be reused while it is kept)."""
    hit = _COMPILED.get(id(study))
    if hit is None or hit[0] is not study:
        if len(_COMPILED) >= _KEEP:
            _COMPILED.pop(next(iter(_COMPILED)))
        hit = _COMPILED[id(study)] = (study, compile_study(study))
    return hit[1]


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
