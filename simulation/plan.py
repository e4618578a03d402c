"""The plan: a study compiled, once, into the plain frozen objects a run reads.

Like Ciw's ``import_params`` (fill in the defaults, cross-check, then hand plain objects on), the
validated :class:`~sourcing.scenario.Study` is compiled (:mod:`simulation.compile`) once per run and
process: every window a :class:`~sourcing.calendar.CoverageSchedule`, every table per priority a tuple or
an array indexed by priority, every scenario's option for a service an option runtime
(:mod:`simulation.options`). The engine, the measurements, staffing, incidents and the SaaS platform read
only these types; money rules stay in :mod:`sourcing.money`, and the validated offers and teams are kept
beside their compiled parts for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import inf
from typing import Any, Protocol

import numpy as np

from sourcing import money
from sourcing.calendar import Calendar, CoverageSchedule
from sourcing.model import Distribution
from sourcing.offers import Fees, Maintenance, Penalties, PlatformOutages, ProviderOffer, SaasOffer, Sla, Transition
from sourcing.scenario import (
    Absences,
    Departures,
    Economics,
    Infrastructure,
    OutageCost,
    Person,
    Team,
)

from .streams import Streams

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


class Runtime(Protocol):
    """What a run reads of the option running a service (:class:`simulation.options.OptionRuntime` and its
    subclasses are the implementations, built by :mod:`simulation.compile`): the plan holds runtimes
    without depending on the engine they drive, so the engine's and the bill's objects are ``Any`` here."""

    teams: tuple[TeamPlan, ...]
    provider: ProviderPlan | None
    support: SaasPlan | None
    saas: SaasPlan | None
    contract: Any
    keeps_infrastructure: bool
    transition: Transition | None

    def desk(self, desks: Any) -> Any:
        """The engine's desk that takes this option's incidents in one replication."""

    def exists(self, load: Any, idx: np.ndarray) -> np.ndarray:
        """Which of the incidents ``idx`` of a service exist under this option."""

    def platform(self, service: ServicePlan, assignment: Assignment, changes: np.ndarray, streams: Streams,
                 horizon: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The planned downtime still in force, the platform's own outages and its scheduled maintenance."""


@dataclass(frozen=True, eq=False)
class Assignment:
    """Who runs a service in a scenario: its runtime, and the previous one until the transition ends."""

    service: int
    runtime: Runtime
    previous: Runtime | None
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
