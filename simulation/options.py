"""Option runtimes: one class per kind of option, each saying how that kind runs a service.

A runtime owns what its kind of option changes: the internal teams, provider or SaaS support desk it
uses and the desk that takes its incidents in the engine, which incidents exist under it, what
becomes of the platform (SaaS), whether the in-house infrastructure stays, its transition terms, and
the contract it is billed under (whose bill, in :mod:`simulation.billing`, applies the money rules of
:mod:`sourcing.money`). The compile step builds one per scenario and service through the registry
:data:`simulation.compile.RUNTIMES`: a new kind of option is a new class here, registered there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from sourcing.calendar import CoverageSchedule
from sourcing.model import PRIORITIES
from sourcing.offers import Transition

from . import platform
from .billing import Contract, ProviderContract, SaasContract
from .desks import Desk, HybridDesk

if TYPE_CHECKING:
    from sourcing.scenario import HybridOption, MakeOption, OptionModel, OutsourceOption, SaasOption

    from .engine import Desks
    from .incidents import Load
    from .plan import Assignment, Plan, ProviderPlan, SaasPlan, ServicePlan, TeamPlan
    from .streams import Streams

Schedule = Callable[[str], CoverageSchedule]
"""Compiles a window reference (used while building runtimes)."""

_NOTHING = np.zeros((0, 2))
_NOTHING.flags.writeable = False


class OptionRuntime:
    """How one kind of option runs a service. Subclasses set the attributes and override what differs."""

    teams: tuple[TeamPlan, ...] = ()
    """Internal teams this option puts to work."""
    provider: ProviderPlan | None = None
    """Provider whose engineers this option puts to work."""
    support: SaasPlan | None = None
    """SaaS offer whose support desk takes the user-level incidents."""
    saas: SaasPlan | None = None
    """SaaS offer that replaces the platform."""
    contract: Contract | None = None
    """What the scenario pays for under this option besides its teams."""
    keeps_infrastructure: bool = True
    transition: Transition | None = None
    """The move-in terms of the option's offer (none for an internal team)."""

    @classmethod
    def build(cls, option: OptionModel, plan: Plan, schedule: Schedule) -> OptionRuntime:
        """The runtime of an option of a scenario file, from the compiled teams and offers of ``plan``."""
        raise NotImplementedError

    def desk(self, desks: Desks) -> Desk:
        """The desk that takes this option's incidents in one replication."""
        raise NotImplementedError

    def exists(self, load: Load, idx: np.ndarray) -> np.ndarray:
        """Which of the incidents ``idx`` of a service exist under this option."""
        return np.ones(len(idx), dtype=bool)

    def platform(self, service: ServicePlan, assignment: Assignment, changes: np.ndarray,
                 streams: Streams, horizon: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The planned downtime still in force, the platform's own outages and its scheduled maintenance."""
        return changes, _NOTHING, _NOTHING


class MakeRuntime(OptionRuntime):
    """An internal team restores every incident."""

    def __init__(self, team: TeamPlan) -> None:
        self.team = team
        self.teams = (team,)

    @classmethod
    def build(cls, option: MakeOption, plan: Plan, schedule: Schedule) -> MakeRuntime:
        return cls(plan.teams[option.make])

    def desk(self, desks: Desks) -> Desk:
        return desks.team(self.team.name)


class OutsourceRuntime(OptionRuntime):
    """A provider restores every incident inside its coverage window; a high-availability offer prevents
    a share of them, and a hosting offer retires the in-house infrastructure."""

    def __init__(self, provider: ProviderPlan) -> None:
        self.provider = provider
        self.contract = ProviderContract(provider)
        self.keeps_infrastructure = not provider.hosted
        self.transition = provider.transition

    @classmethod
    def build(cls, option: OutsourceOption, plan: Plan, schedule: Schedule) -> OutsourceRuntime:
        return cls(plan.providers[option.outsource])

    def desk(self, desks: Desks) -> Desk:
        return desks.provider(self.provider.name)

    def exists(self, load: Load, idx: np.ndarray) -> np.ndarray:
        return load.u_prevent[idx] >= self.provider.prevents[load.priority[idx]]


class SaasRuntime(OptionRuntime):
    """The service is bought: the platform's P1/P2 incidents and failed changes disappear, replaced by the
    SaaS platform's own outages; user-level incidents go to an internal desk or to the provider's support."""

    keeps_infrastructure = False

    def __init__(self, saas: SaasPlan, team: TeamPlan | None) -> None:
        self.saas = saas
        self.team = team
        self.teams = (team,) if team is not None else ()
        self.support = None if team is not None else saas
        self.contract = SaasContract(saas)
        self.transition = saas.migration

    @classmethod
    def build(cls, option: SaasOption, plan: Plan, schedule: Schedule) -> SaasRuntime:
        return cls(plan.saas[option.saas], plan.teams[option.desk] if option.desk else None)

    def desk(self, desks: Desks) -> Desk:
        if self.team is not None:
            return desks.team(self.team.name)
        return desks.support(self.saas.name)

    def exists(self, load: Load, idx: np.ndarray) -> np.ndarray:
        return (load.priority[idx] >= 2) & ~load.from_change[idx]

    def platform(self, service: ServicePlan, assignment: Assignment, changes: np.ndarray,
                 streams: Streams, horizon: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Changes of the old platform stop when the migration ends; the SaaS platform's outages and
        maintenance start then."""
        start = assignment.transition_end
        kept = changes[changes[:, 0] < start] if assignment.previous is not None else changes[:0]
        return (kept, platform.outages(service.name, self.saas, start, horizon, streams),
                platform.maintenance(service.name, self.saas, start, horizon, streams))


class HybridRuntime(OptionRuntime):
    """The team takes incidents declared outside the provider window, the provider those inside it; the
    team's incidents of the listed priorities are escalated to the provider after a delay."""

    def __init__(self, team: TeamPlan, provider: ProviderPlan, window: CoverageSchedule,
                 escalation: tuple[float, frozenset[int]] | None) -> None:
        self.team = team
        self.teams = (team,)
        self.provider = provider
        self.window = window
        self.escalation = escalation
        self.contract = ProviderContract(provider)
        self.transition = provider.transition

    @classmethod
    def build(cls, option: HybridOption, plan: Plan, schedule: Schedule) -> HybridRuntime:
        hybrid = option.hybrid
        escalation = None
        if hybrid.escalate is not None:
            escalation = (hybrid.escalate.after, frozenset(PRIORITIES.index(p) for p in hybrid.escalate.priorities))
        return cls(plan.teams[hybrid.team], plan.providers[hybrid.provider], schedule(hybrid.provider_window),
                   escalation)

    def desk(self, desks: Desks) -> Desk:
        return HybridDesk(desks.clock, desks.team(self.team.name), desks.provider(self.provider.name),
                          desks.provider_clock(self.provider.name), self.window, self.escalation, desks.record)
