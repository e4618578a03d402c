"""Per-replication measurements, as tidy rows (one row per scenario x subject x metric x period).

A replication is measured in two passes. :func:`record` writes every row that no price changes (times,
availability, counts) and the :class:`~simulation.ledger.ScenarioLedger` of the quantities costs are made
of; :func:`value` prices a ledger with a study's prices and judgements (money rules in :mod:`sourcing.money`,
vectorised over replications) into the other rows (:data:`VALUED`: every cost, penalties, credits, months
below a target). A run values its own ledger; a re-valuation values a stored one at other prices, through
the same function, so both give the same figures.

Downtime is measured on the service's *impact timeline*: a P1 takes away ``p1_impact`` of the
service (all of it by default), a P2 ``p2_impact``, a P3/P4 one user's share; planned downtime, SaaS outages
and SaaS maintenance take it all. Concurrent impacts add up to at most a full outage. The
timeline is integrated against the cumulative covered-time function of each window (agreed
service time, business hours), which is exact at every boundary.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from itertools import chain
from typing import TYPE_CHECKING, ClassVar, NamedTuple

import numpy as np

from sourcing import contracts, money
from sourcing.calendar import CoverageSchedule
from sourcing.model import PRIORITIES
from sourcing.units import HOURS_PER_MONTH

from . import sustainability
from .engine import PROVIDER, ScenarioRun, Stretch, TeamRun, Work
from .ledger import ContractLedger, ScenarioLedger, ServiceLedger, TeamLedger

if TYPE_CHECKING:
    from .plan import Assignment, Plan, ProviderPlan, SaasPlan, ScenarioPlan, ServicePlan, TeamPlan


class Row(NamedTuple):
    """One tidy result: a metric of a subject in a scenario and replication, for a priority and a period."""

    scenario: str
    replication: int
    scope: str
    subject: str
    metric: str
    priority: str
    period: str
    value: float


COLUMNS = Row._fields


@dataclass(frozen=True)
class MetricInfo:
    """How to read a metric: its unit, and whether more is better. Its label, in English and French, is
    ``metric.<identifier>`` in the catalogue (:mod:`sourcing.words`)."""

    unit: str
    higher_is_better: bool | None = None


METRICS: dict[str, MetricInfo] = {
    "availability_service_time": MetricInfo("share", True),
    "availability_24_7": MetricInfo("share", True),
    "downtime_hours": MetricInfo("h", False),
    "downtime_business_hours": MetricInfo("h", False),
    "downtime_off_hours": MetricInfo("h", False),
    "planned_downtime_hours": MetricInfo("h", False),
    "outages": MetricInfo("count", False),
    "incidents": MetricInfo("count"),
    "wait_mean": MetricInfo("h", False),
    "ttr_mean": MetricInfo("h", False),
    "ttr_p50": MetricInfo("h", False),
    "ttr_p90": MetricInfo("h", False),
    "open_at_horizon": MetricInfo("count", False),
    "within_target": MetricInfo("share", True),
    "backlog": MetricInfo("count", False),
    "months_below_target": MetricInfo("count", False),
    "any_month_below": MetricInfo("share", False),
    "months_meeting_target": MetricInfo("share", True),
    "utilisation": MetricInfo("share"),
    "callouts_per_month": MetricInfo("count", False),
    "nights_disturbed_per_person_month": MetricInfo("count", False),
    "overtime_hours": MetricInfo("h", False),
    "intervention_hours": MetricInfo("h", False),
    "vacancy_share": MetricInfo("share", False),
    "gti_compliance": MetricInfo("share", True),
    "gtr_compliance": MetricInfo("share", True),
    "gtr_breaches": MetricInfo("count", False),
    "tickets": MetricInfo("count"),
    "escalations": MetricInfo("count"),
    "penalties_due": MetricInfo("money", True),
    "penalties_before_cap": MetricInfo("money"),
    "cap_binding_months": MetricInfo("count"),
    "sla_availability": MetricInfo("share", True),
    "availability_month": MetricInfo("share", True),
    "sla_availability_month": MetricInfo("share", True),
    "months_below_sla": MetricInfo("count", False),
    "credits_due": MetricInfo("money", True),
    "credits_received": MetricInfo("money", True),
    "cost_of_ownership": MetricInfo("money", False),
    "cost_of_ownership_npv": MetricInfo("money", False),
    "downtime_cost": MetricInfo("money", False),
    "received": MetricInfo("money", True),
    "economic_cost": MetricInfo("money", False),
    "economic_cost_npv": MetricInfo("money", False),
    # Sustainability of an on-call rota and a workload (simulation/sustainability.py).
    "on_call_share_max": MetricInfo("share", False),
    "interventions_per_on_call_week": MetricInfo("count", False),
    "extra_hours_per_person_year": MetricInfo("h", False),
    "daily_rest_broken_per_person_year": MetricInfo("count", False),
    "weekly_rest_broken_per_person_year": MetricInfo("count", False),
    "overtime_max_person_year": MetricInfo("h", False),
}
for _category in money.CATEGORIES:
    METRICS[f"cost.{_category}"] = MetricInfo("money", False)

TOTALS = frozenset({
    "downtime_hours", "downtime_business_hours", "downtime_off_hours", "planned_downtime_hours", "outages",
    "incidents", "months_below_target", "overtime_hours", "intervention_hours", "gtr_breaches", "tickets",
    "escalations", "penalties_due", "penalties_before_cap", "cap_binding_months", "months_below_sla", "credits_due",
    "credits_received", "cost_of_ownership", "downtime_cost", "received", "economic_cost",
    *(f"cost.{c}" for c in money.CATEGORIES)})
"""Metrics whose whole-horizon row (period 'all') adds up the horizon: their label says "over 5 years"."""

VALUED = frozenset({
    "months_below_target", "any_month_below", "months_meeting_target", "months_below_sla", "credits_due",
    "credits_received", "penalties_due", "penalties_before_cap", "cap_binding_months", "cost_of_ownership",
    "cost_of_ownership_npv", "downtime_cost", "received", "economic_cost", "economic_cost_npv",
    *(f"cost.{c}" for c in money.CATEGORIES)})
"""Metrics that :func:`value` writes from a ledger and the study's prices and judgements; every other row is
the same whatever the prices."""

NIGHT_START, NIGHT_END = 20, 8
"""A call-out between 20:00 and 08:00 local time disturbs a night."""


class Rows:
    """The tidy rows of one scenario in one replication, as they are measured, with the places where the
    valued rows (:func:`value`) go."""

    def __init__(self, scenario: str, replication: int) -> None:
        self.scenario = scenario
        self.replication = replication
        self.rows: list[Row] = []
        self.slots: list[tuple[int, tuple]] = []

    def add(self, scope: str, subject: str, metric: str, value: float, priority: str = "",
            period: str = "all") -> None:
        self.rows.append(Row(self.scenario, self.replication, scope, subject, metric, priority, period,
                             float(value)))

    def mark(self, slot: tuple) -> None:
        """The valued rows of ``slot`` go here."""
        self.slots.append((len(self.rows), slot))

    def assemble(self, valued: list[Valued]) -> list[Row]:
        """The measured rows with the valued rows of one replication in their places."""
        if [v.slot for v in valued] != [slot for _, slot in self.slots]:
            raise AssertionError("valued rows and their places differ")
        out: list[Row] = []
        start = 0
        for (position, _), part in zip(self.slots, valued):
            out += self.rows[start:position]
            out += [Row(self.scenario, self.replication, *key, float(v[0])) for key, v in zip(part.keys, part.values)]
            start = position
        out += self.rows[start:]
        return out


@dataclass
class Valued:
    """The valued rows of one place of a scenario's rows: their keys (scope, subject, metric, priority,
    period) and their values, one per replication."""

    slot: tuple
    keys: list[tuple[str, str, str, str, str]]
    values: list[np.ndarray]

    def add(self, scope: str, subject: str, metric: str, value: np.ndarray, priority: str = "",
            period: str = "all") -> None:
        self.keys.append((scope, subject, metric, priority, period))
        self.values.append(np.asarray(value, dtype=float))


def period(year: int | None) -> str:
    return "all" if year is None else f"Y{year + 1}"


def impact_timeline(starts: np.ndarray, ends: np.ndarray, levels: np.ndarray,
                    bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Knots and the unavailability level (0..1) on each ``[knots[k], knots[k+1])``; ``bounds`` are kept as knots."""
    knots = np.unique(np.concatenate((starts, ends, bounds)))
    delta = np.zeros(len(knots))
    np.add.at(delta, np.searchsorted(knots, starts), levels)
    np.add.at(delta, np.searchsorted(knots, ends), -levels)
    level = np.clip(np.cumsum(delta), 0.0, 1.0)
    level[np.abs(level) < 1e-12] = 0.0
    return knots, level


def cumulative_downtime(knots: np.ndarray, level: np.ndarray, window: CoverageSchedule | None) -> np.ndarray:
    """Downtime accumulated from time 0 to each knot, counting only time inside ``window`` (all time if None)."""
    covered = knots if window is None else window.cumulative(knots)
    return np.concatenate(([0.0], np.cumsum(level[:-1] * np.diff(covered))))


class Context:
    """What every part of a replication's measurement shares, and the scenario-wide sums it fills."""

    def __init__(self, plan: Plan, run: ScenarioRun) -> None:
        self.plan = plan
        self.run = run
        self.pooled = Pooled()
        self.economics = plan.economics
        calendar = plan.calendar
        self.horizon = run.horizon
        self.years = calendar.years
        self.n_years = calendar.n_years
        self.money = calendar.months
        self.months = self.money.bounds
        self.month_year = self.money.year
        self.month_labels = calendar.month_labels

    def year_of(self, t: np.ndarray) -> np.ndarray:
        return np.clip(np.searchsorted(self.years, t, side="right") - 1, 0, self.n_years - 1)

    def month_of(self, t: np.ndarray) -> np.ndarray:
        return self.money.of(t)

    def active(self, start: float, until: float) -> list[float]:
        return money.active_share(self.years.tolist(), start, until)


@dataclass
class Pooled:
    """Scenario-wide sums: availability weighted by users, targets and GTR pooled over services (months
    below a target are valued rows: :class:`Targets`)."""

    weighted_availability: float = 0.0
    users: float = 0.0
    within: float = 0.0
    judged: float = 0.0
    gtr_ok: float = 0.0
    gtr_judged: float = 0.0
    downtime: float = 0.0

    def write(self, rows: Rows) -> None:
        rows.add("scenario", "all", "availability_service_time", self.weighted_availability / self.users)
        rows.add("scenario", "all", "downtime_hours", self.downtime)
        if self.judged:
            rows.add("scenario", "all", "within_target", self.within / self.judged)
        if self.gtr_judged:
            rows.add("scenario", "all", "gtr_compliance", self.gtr_ok / self.gtr_judged)
        rows.mark(("pooled",))


@dataclass
class Targets:
    """Months below target pooled over a scenario's services, one value per replication (valued rows)."""

    any_below: np.ndarray
    months_below: np.ndarray
    has_target: bool = False

    def count_below(self, below: np.ndarray) -> None:
        """A service's months below its availability target (or its SaaS SLA)."""
        self.has_target = True
        self.any_below = np.maximum(self.any_below, (below > 0).astype(float))
        self.months_below = self.months_below + below

    def write(self, valued: Valued) -> None:
        if self.has_target:
            valued.add("scenario", "all", "any_month_below", self.any_below)
            valued.add("scenario", "all", "months_below_target", self.months_below)


class Contract:
    """What a scenario pays a provider under one offer, whatever the services and options using it: the
    option runtimes name their contract, the measurements bill each contract once."""

    order: ClassVar[int]
    """Provider contracts are billed before SaaS ones: cost lines are added up in that order."""

    def __init__(self, name: str) -> None:
        self.name = name

    @property
    def key(self) -> tuple[int, str]:
        return self.order, self.name

    def measure_service(self, rows: Rows, ctx: Context, service: ServicePlan,
                        assignment: Assignment) -> np.ndarray | None:
        """Rows of one service under this contract, and what its part of the bill is made of (None if none)."""
        return None

    def value_service(self, out: Valued, prices: Prices, service: ServicePlan, assignment: Assignment,
                      quantities: ServiceLedger) -> object | None:
        """Valued rows of one service under this contract, and that service's part of the bill (None if none)."""
        return None

    def measure_bill(self, rows: Rows, ctx: Context, uses: list[tuple[ServicePlan, Assignment]]) -> object | None:
        """Rows of the whole contract, and what its bill is made of (None if nothing beyond the services')."""
        return None

    def value_bill(self, out: list[Valued], prices: Prices, uses: list[tuple[ServicePlan, Assignment]],
                   parts: list, quantities: object | None) -> list[money.CostLine]:
        """Valued rows and cost lines of the whole contract."""
        raise NotImplementedError


def _contracts(scenario: ScenarioPlan) -> list[tuple[Contract, list[tuple[int, Assignment]]]]:
    """Each contract of a scenario once, with the services that use it (by position), in billing order."""
    bills: dict[tuple[int, str], tuple[Contract, list]] = {}
    for k, assignment in enumerate(scenario.assignments):
        contract = assignment.runtime.contract
        if contract is not None:
            bills.setdefault(contract.key, (contract, []))[1].append((k, assignment))
    return sorted(bills.values(), key=lambda bill: bill[0].order)


def measure(plan: Plan, run: ScenarioRun, replication: int) -> list[Row]:
    """All metrics of one scenario in one replication as tidy rows."""
    return measured(plan, run, replication)[0]


def measured(plan: Plan, run: ScenarioRun, replication: int) -> tuple[list[Row], ScenarioLedger]:
    """All metrics of one scenario in one replication as tidy rows, and its ledger of quantities (whose
    prices make the valued rows: the one path from quantities to money)."""
    rows = Rows(run.scenario.name, replication)
    ledger = record(rows, plan, run)
    return rows.assemble(value(plan, run.scenario, ledger)), ledger


def record(rows: Rows, plan: Plan, run: ScenarioRun) -> ScenarioLedger:
    """The rows no price changes, and the ledger of quantities of one replication."""
    ctx = Context(plan, run)
    services = []
    for service, assignment in zip(plan.services, run.scenario.assignments):
        quantities = _service(rows, ctx, service, assignment)
        contract = assignment.runtime.contract
        if contract is not None:
            sla = contract.measure_service(rows, ctx, service, assignment)
            rows.mark(("contract_service", service.index))
            if sla is not None:
                quantities = replace(quantities, sla_availability=sla[None, :])
        services.append(quantities)
    teams = {name: _team(rows, ctx, team_run) for name, team_run in run.teams.items()}
    contracts = {}
    for contract, uses in _contracts(run.scenario):
        found = contract.measure_bill(rows, ctx, [(plan.services[k], a) for k, a in uses])
        if found is not None:
            contracts[contract.name] = found
    ctx.pooled.write(rows)
    rows.mark(("costs",))
    return ScenarioLedger(1, tuple(services), teams, contracts)


class Prices:
    """What valuing a ledger reads of a compiled study: its calendar of money, economics and judgements."""

    def __init__(self, plan: Plan, replications: int) -> None:
        self.plan = plan
        self.replications = replications
        self.economics = plan.economics
        self.money = plan.calendar.months
        self.years = plan.calendar.years
        self.n_years = plan.calendar.n_years

    def active(self, start: float, until: float) -> list[float]:
        return money.active_share(self.years.tolist(), start, until)


def value(plan: Plan, scenario: ScenarioPlan, ledger: ScenarioLedger) -> list[Valued]:
    """The valued rows of a scenario (:data:`VALUED`) from its ledger, at the plan's prices and judgements,
    for every replication of the ledger at once, in the places :func:`record` marked."""
    prices = Prices(plan, ledger.replications)
    r = ledger.replications
    out: list[Valued] = []
    lines: list[money.CostLine] = []
    targets = Targets(np.zeros(r), np.zeros(r))
    parts: dict[tuple[int, str], list] = {}
    for service, assignment, quantities in zip(plan.services, scenario.assignments, ledger.services):
        here = Valued(("service", service.index), [], [])
        out.append(here)
        if service.availability_target is not None:
            monthly = quantities.availability_month
            below = np.sum(monthly < service.availability_target - 1e-12, axis=-1).astype(float)
            here.add("service", service.name, "months_below_target", below)
            here.add("service", service.name, "any_month_below", (below > 0).astype(float))
            n_months = monthly.shape[-1]
            here.add("service", service.name, "months_meeting_target",
                     1 - below / n_months if n_months else np.ones(r))
            targets.count_below(below)
        lines += money.downtime_costs(service.name, service.outage_cost, list(quantities.downtime_business.T),
                                      list(quantities.downtime_off.T))
        lines += money.infrastructure_costs(service.name, service.infrastructure, prices.economics,
                                            service.users_by_year, prices.active(0.0, assignment.infrastructure_until))
        contract = assignment.runtime.contract
        if contract is not None:
            slot = Valued(("contract_service", service.index), [], [])
            out.append(slot)
            part = contract.value_service(slot, prices, service, assignment, quantities)
            if part is not None:
                parts.setdefault(contract.key, []).append(part)
                if isinstance(part, _SaasBill) and part.below is not None and service.availability_target is None:
                    slot.add("service", service.name, "any_month_below", (part.below > 0).astype(float))
                    targets.count_below(part.below)
    for name, team in ledger.teams.items():
        lines += _team_costs(prices, plan.teams[name], team)
    for contract, uses in _contracts(scenario):
        lines += contract.value_bill(out, prices, [(plan.services[k], a) for k, a in uses],
                                     parts.get(contract.key, []), ledger.contracts.get(contract.name))
    pooled = Valued(("pooled",), [], [])
    targets.write(pooled)
    out.append(pooled)
    out.append(_costs(lines, prices.economics.discount_rate, prices.n_years, r))
    return out


def _service(rows: Rows, ctx: Context, service: ServicePlan, assignment: Assignment) -> ServiceLedger:
    run, pooled = ctx.run, ctx.pooled
    name = service.name
    load = run.load
    horizon = ctx.horizon
    # The impact timeline takes every incident, those of the warm-up included: one still open at the
    # start takes the service down from the start. Everything else counts the horizon's incidents only.
    every = np.flatnonzero((load.service == service.index) & run.handled)
    ends = np.maximum(np.where(np.isnan(run.restored[every]), horizon, run.restored[every]), 0.0)
    begins = np.minimum(np.maximum(load.time[every], 0.0), ends)
    users = service.users_by_year
    kinds = load.priority[every]
    levels = np.select([kinds == 0, kinds == 1], [service.p1_impact, service.p2_impact], 1.0 / users[ctx.year_of(begins)])
    full = np.concatenate((run.planned[name], run.platform_outages[name], run.maintenance[name]))
    knots, level = impact_timeline(np.concatenate((begins, full[:, 0])), np.concatenate((ends, full[:, 1])),
                                   np.concatenate((levels, np.ones(len(full)))),
                                   np.concatenate((ctx.years, ctx.months)))
    idx = every[load.time[every] >= 0]
    arrival = load.time[idx]
    priority = load.priority[idx]
    restored = run.restored[idx]
    service_time = service.service_time
    down_all = cumulative_downtime(knots, level, None)
    down_st = cumulative_downtime(knots, level, service_time)
    down_bh = cumulative_downtime(knots, level, service.business_hours)
    at = np.searchsorted(knots, ctx.years)
    by_year_all = np.diff(down_all[at])
    by_year_bh = np.diff(down_bh[at])
    by_year_off = by_year_all - by_year_bh
    agreed = service_time.covered(0.0, horizon)
    availability = 1 - down_st[at[-1]] / agreed if agreed else 1.0
    rows.add("service", name, "availability_service_time", availability)
    rows.add("service", name, "availability_24_7", 1 - down_all[at[-1]] / horizon)
    rows.add("service", name, "downtime_hours", down_all[at[-1]])
    rows.add("service", name, "downtime_business_hours", by_year_bh.sum())
    rows.add("service", name, "downtime_off_hours", by_year_off.sum())
    planned_hours = float(np.sum(run.planned[name][:, 1] - run.planned[name][:, 0])
                          + np.sum(run.maintenance[name][:, 1] - run.maintenance[name][:, 0]))
    rows.add("service", name, "planned_downtime_hours", planned_hours)
    rows.add("service", name, "outages", int(np.sum(priority == 0)) + len(run.platform_outages[name]))
    rows.add("service", name, "backlog", int(np.sum(np.isnan(restored))))
    for y in range(ctx.n_years):
        rows.add("service", name, "downtime_hours", by_year_all[y], period=period(y))
    within, judged = _restoration(rows, service, arrival, priority, run.started[idx], restored, horizon)
    pooled.weighted_availability += availability * service.users
    pooled.users += service.users
    pooled.within += within
    pooled.judged += judged
    pooled.downtime += down_all[at[-1]]
    monthly = _monthly_availability(rows, ctx, service, knots, down_st)
    return ServiceLedger(by_year_bh[None, :], by_year_off[None, :], monthly[None, :])


def _monthly_availability(rows: Rows, ctx: Context, service: ServicePlan, knots: np.ndarray,
                          down: np.ndarray) -> np.ndarray:
    """Availability in the agreed service time for each calendar month (rows with period 'YYYY-MM'), which
    the months below the service's availability target are counted from (valued rows). ``down`` is the
    downtime in the agreed service time accumulated up to each knot."""
    service_time = service.service_time
    at = np.searchsorted(knots, ctx.months)
    covered = np.diff(service_time.cumulative(ctx.months))
    with np.errstate(invalid="ignore", divide="ignore"):
        monthly = np.where(covered > 0, 1 - np.diff(down[at]) / np.where(covered > 0, covered, 1.0), 1.0)
    for label, value in zip(ctx.month_labels, monthly.tolist()):
        rows.add("service", service.name, "availability_month", value, period=label)
    rows.mark(("service", service.index))
    return monthly


def _restoration(rows: Rows, service: ServicePlan, arrival: np.ndarray, priority: np.ndarray,
                 started: np.ndarray, restored: np.ndarray, horizon: float) -> tuple[int, int]:
    """Time to start and to restore per priority; share within the service's targets. Returns the
    pooled (within target, judged) counts.

    An incident still open at the horizon counts with the time it has waited so far (restored or
    censored at the horizon): dropping it would bias the means low exactly when a team is overwhelmed.
    How many were still open is reported beside the mean (``open_at_horizon``).
    """
    name = service.name
    still_open = np.isnan(restored)
    ttr = np.where(still_open, horizon, restored) - arrival
    wait = np.where(np.isnan(started), horizon, started) - arrival
    within_all = judged_all = 0
    for k, p in enumerate(PRIORITIES):
        mask = priority == k
        rows.add("service", name, "incidents", int(mask.sum()), priority=p)
        if mask.any():
            done = ttr[mask]
            rows.add("service", name, "ttr_mean", done.mean(), priority=p)
            p50, p90 = np.percentile(done, [50, 90])
            rows.add("service", name, "ttr_p50", p50, priority=p)
            rows.add("service", name, "ttr_p90", p90, priority=p)
            rows.add("service", name, "open_at_horizon", int(np.sum(still_open & mask)), priority=p)
            rows.add("service", name, "wait_mean", wait[mask].mean(), priority=p)
        target = service.restore_targets[k]
        if not np.isnan(target):
            judged = mask & (arrival + target <= horizon)
            if judged.any():
                ok = np.where(np.isnan(ttr[judged]), False, ttr[judged] <= target)
                rows.add("service", name, "within_target", ok.mean(), priority=p)
                within_all += int(ok.sum())
                judged_all += int(judged.sum())
    if judged_all:
        rows.add("service", name, "within_target", within_all / judged_all)
    return within_all, judged_all


class ProviderContract(Contract):
    """A managed-services contract: GTI/GTR outcomes in covered hours, penalties under the monthly cap,
    fixed and variable fees, retained organisation, transition and exit."""

    order = 0

    def __init__(self, provider: ProviderPlan) -> None:
        super().__init__(provider.name)
        self.provider = provider

    def measure_bill(self, rows: Rows, ctx: Context, uses: list[tuple[ServicePlan, Assignment]]) -> ContractLedger:
        run, offer, name = ctx.run, self.provider, self.name
        load = run.load
        in_contract = np.zeros(len(load), dtype=bool)
        for service, assignment in uses:
            in_contract |= (load.service == service.index) & (load.time >= assignment.transition_end)
        mine = np.flatnonzero(in_contract & run.handled & (run.by == PROVIDER) & ~run.escalated)
        escalated = np.flatnonzero(in_contract & run.escalated)
        coverage = offer.coverage
        arrival = load.time[mine]
        priority = load.priority[mine]
        restored = run.restored[mine]
        finished = ~np.isnan(restored)
        elapsed = coverage.cumulative(np.where(finished, restored, ctx.horizon)) - coverage.cumulative(arrival)
        gtr = contracts.deadline_outcomes(elapsed, offer.gtr[priority], finished)
        started = run.started[mine]
        has_start = ~np.isnan(started)
        to_start = coverage.cumulative(np.where(has_start, started, ctx.horizon)) - coverage.cumulative(arrival)
        gti = contracts.deadline_outcomes(to_start, offer.gti[priority], has_start)
        for k, p in enumerate(PRIORITIES):
            mask = priority == k
            if (gtr.judged & mask).any():
                rows.add("contract", name, "gtr_compliance", 1 - gtr.breached[mask & gtr.judged].mean(), priority=p)
            rows.add("contract", name, "gtr_breaches", int(gtr.breached[mask].sum()), priority=p)
            if (gti.judged & mask).any():
                rows.add("contract", name, "gti_compliance", 1 - gti.breached[mask & gti.judged].mean(), priority=p)
        if gtr.judged.any():
            rows.add("contract", name, "gtr_compliance", 1 - gtr.breached[gtr.judged].mean())
            ctx.pooled.gtr_ok += int((~gtr.breached & gtr.judged).sum())
            ctx.pooled.gtr_judged += int(gtr.judged.sum())
        if gti.judged.any():
            rows.add("contract", name, "gti_compliance", 1 - gti.breached[gti.judged].mean())
        rows.add("contract", name, "gtr_breaches", int(gtr.breached.sum()))
        rows.mark(("contract", name))
        month = ctx.month_of(arrival)
        n_months = len(ctx.months) - 1
        tickets = np.bincount(np.concatenate((month, ctx.month_of(load.time[escalated]))), minlength=n_months)
        at_start = started[has_start]
        hno_started = offer.hno.is_open_many(at_start) & coverage.is_open_many(at_start)
        hno_count = np.bincount(month[has_start][hno_started], minlength=n_months)
        rows.add("contract", name, "tickets", int(tickets.sum()))
        rows.add("contract", name, "escalations", len(escalated))
        breached = gtr.breached
        return ContractLedger(tickets[None, :].astype(float), hno_count[None, :].astype(float),
                              np.zeros(int(breached.sum()), dtype=np.int64), month[breached], priority[breached],
                              np.asarray(gtr.late_hours, dtype=float)[breached])

    def value_bill(self, out: list[Valued], prices: Prices, uses: list[tuple[ServicePlan, Assignment]],
                   parts: list, quantities: ContractLedger) -> list[money.CostLine]:
        name = self.name
        offer = prices.plan.providers[name]  # the valued plan's terms (a re-valued study has its own)
        economics = prices.economics
        index = money.index_by_month(offer.indexation, economics, prices.money)
        monthly_fee = money.monthly_fees(offer.fees.monthly, offer.indexation, economics, prices.money,
                                         prices.money.in_force())
        due = money.penalties_by_replication(offer.penalties, quantities.breach_replication, quantities.breach_month,
                                             quantities.breach_priority, quantities.breach_late, monthly_fee,
                                             prices.replications)
        here = Valued(("contract", name), [], [])
        here.add("contract", name, "penalties_due", due.due.sum(axis=-1))
        here.add("contract", name, "penalties_before_cap", due.before_cap.sum(axis=-1))
        here.add("contract", name, "cap_binding_months", due.capped.sum(axis=-1))
        out.append(here)
        variable = money.variable_fees(offer.fees, quantities.tickets, quantities.hno, index)
        moved = any(assignment.moves for _, assignment in uses)
        return money.provider_costs(name, offer.offer, economics, prices.money, monthly_fee, variable, due.due,
                                    prices.active(0.0, np.inf), moved)


@dataclass(frozen=True)
class _SaasBill:
    """One service's part of a SaaS contract: its subscription and the credits received, per month (one row
    per replication), and its months below the SLA (None without an SLA)."""

    subscription: np.ndarray
    credits_received: np.ndarray
    moved: bool
    below: np.ndarray | None = None


class SaasContract(Contract):
    """A SaaS contract: SLA availability per month (24/7, maintenance excluded) and credits per service,
    then the subscriptions, credits, retained organisation, migration and exit of the whole contract."""

    order = 1

    def __init__(self, saas: SaasPlan) -> None:
        super().__init__(saas.name)
        self.saas = saas

    @staticmethod
    def _in_force(months: np.ndarray, assignment: Assignment) -> np.ndarray:
        begins = np.maximum(months[:-1], assignment.transition_end)
        return months[1:] - begins > 1e-9

    def measure_service(self, rows: Rows, ctx: Context, service: ServicePlan, assignment: Assignment) -> np.ndarray:
        name = service.name
        start = assignment.transition_end
        outages = ctx.run.platform_outages[name]
        knots, level = impact_timeline(outages[:, 0], outages[:, 1], np.ones(len(outages)), ctx.months)
        down = cumulative_downtime(knots, level, None)
        at = np.searchsorted(knots, ctx.months)
        month_down = np.diff(down[at])
        begins = np.maximum(ctx.months[:-1], start)
        length = ctx.months[1:] - begins
        in_force = length > 1e-9
        availability = np.where(in_force, 1 - month_down / np.where(in_force, length, 1.0), 1.0)
        rows.add("service", name, "sla_availability",
                 float(np.mean(availability[in_force])) if in_force.any() else 1.0)
        for label, value, counted in zip(ctx.month_labels, availability.tolist(), in_force.tolist()):
            if counted:
                rows.add("service", name, "sla_availability_month", value, period=label)
        return availability

    def value_service(self, out: Valued, prices: Prices, service: ServicePlan, assignment: Assignment,
                      quantities: ServiceLedger) -> _SaasBill:
        offer = prices.plan.saas[self.name]  # the valued plan's terms (a re-valued study has its own)
        name = service.name
        in_force = self._in_force(prices.money.bounds, assignment)
        users = service.users_by_year[prices.money.year]
        subscription = money.monthly_fees(users * offer.price_per_user_month, offer.indexation, prices.economics,
                                          prices.money, prices.money.in_force())
        if offer.sla is None:
            return _SaasBill(subscription, np.zeros((prices.replications, len(subscription))), assignment.moves)
        credits = money.sla_credits(offer.sla, quantities.sla_availability, subscription)
        due = np.where(in_force, credits.due, 0.0)
        received = np.where(in_force, credits.received, 0.0)
        below = np.sum(credits.below & in_force, axis=-1).astype(float)
        out.add("service", name, "months_below_sla", below)
        out.add("service", name, "credits_due", due.sum(axis=-1))
        out.add("service", name, "credits_received", received.sum(axis=-1))
        return _SaasBill(subscription, received, assignment.moves, below)

    def value_bill(self, out: list[Valued], prices: Prices, uses: list[tuple[ServicePlan, Assignment]],
                   parts: list[_SaasBill], quantities: object | None) -> list[money.CostLine]:
        """Each SaaS contract once: its services' subscriptions and credits, one retained organisation,
        one migration, one exit."""
        return money.saas_costs(self.name, prices.plan.saas[self.name].offer, prices.economics, prices.money,
                                sum(p.subscription for p in parts), sum(p.credits_received for p in parts),
                                prices.active(0.0, np.inf), moved=any(p.moved for p in parts))


def _table(records: list[tuple], width: int) -> np.ndarray:
    """Records of ``width`` numbers (NamedTuples of the engine) as an (n, width) float array."""
    return np.fromiter(chain.from_iterable(records), dtype=float, count=width * len(records)).reshape(-1, width)


_ON_CALL = Work._fields.index("on_call")
_STRETCH = [Work._fields.index(f) for f in Stretch._fields]
"""Columns of a work record that make a :class:`Stretch` (person, start, end)."""


def _split_by_year(segments: list[tuple[int, float, float]] | np.ndarray, years: np.ndarray,
                   people: int) -> np.ndarray:
    """Hours of (person, start, end) segments per person and scenario year."""
    out = np.zeros((people, len(years) - 1))
    if len(segments) == 0:
        return out
    data = np.asarray(segments, dtype=float)
    person = data[:, 0].astype(int)
    for y in range(len(years) - 1):
        overlap = np.minimum(data[:, 2], years[y + 1]) - np.maximum(data[:, 1], years[y])
        np.add.at(out[:, y], person, np.maximum(overlap, 0.0))
    return out


def _team(rows: Rows, ctx: Context, run: TeamRun) -> TeamLedger:
    calendar = ctx.plan.calendar
    years = ctx.years
    n_years = ctx.n_years
    horizon = calendar.horizon
    months = min(horizon, run.active_until) / HOURS_PER_MONTH
    people = len(run.plans)
    # Only the horizon is measured: shifts, work, overtime and call-outs of the warm-up are left out.
    shift_hours = np.array([float(np.sum(np.clip(p.on_shift[:, 1], 0.0, None) - np.clip(p.on_shift[:, 0], 0.0, None)))
                            for p in run.plans])
    overtime = _split_by_year(_table(run.overtime, len(Stretch._fields)), years, people)
    work = run.work.table()
    on_shift_work = work[work[:, _ON_CALL] == 0][:, _STRETCH]
    worked = _split_by_year(on_shift_work, years, people)
    shift_work = worked.sum(axis=1) - overtime.sum(axis=1)
    on_shift = shift_hours.sum()
    rows.add("team", run.name, "utilisation", shift_work.sum() / on_shift if on_shift else 0.0)
    for plan, hours, work in zip(run.plans, shift_hours, shift_work):
        rows.add("person", f"{run.name}/{plan.person.name}", "utilisation", work / hours if hours else 0.0)
    interventions = _split_by_year(_table(run.interventions, len(Stretch._fields)), years, people)
    vacant = _split_by_year([(i, s, e) for i, p in enumerate(run.plans) for s, e in p.vacant], years, people)
    year_length = np.diff(years)
    active = money.active_share(years.tolist(), 0.0, run.active_until)
    rows.add("team", run.name, "overtime_hours", overtime.sum())
    rows.add("team", run.name, "intervention_hours", interventions.sum())
    rows.add("team", run.name, "vacancy_share", vacant.sum() / (people * years[-1]))
    for y in range(n_years):
        rows.add("team", run.name, "overtime_hours", overtime[:, y].sum(), period=period(y))
    callouts = [c for c in run.callouts if c.time >= 0]
    callouts_by_year = np.bincount(
        np.clip(np.searchsorted(years, [c.time for c in callouts], side="right") - 1, 0, n_years - 1),
        minlength=n_years,
    ) if callouts else np.zeros(n_years, dtype=int)
    duty_weeks = np.zeros(n_years)
    on_call = run.team.on_call
    if on_call is not None:
        weekly = on_call.weekly_hours
        duty = _split_by_year([(0, r.start, r.end) for r in run.rota], years, 1)[0]
        duty_weeks = duty / weekly if weekly else duty * 0
        rota_size = sum(1 for p in run.plans if p.person.on_call)
        local = calendar.calendar.instant
        nights = {(c.person, (local(c.time) - timedelta(hours=NIGHT_END)).date())
                  for c in callouts if _at_night(local(c.time).hour)}
        rows.add("team", run.name, "callouts_per_month", len(callouts) / months)
        rows.add("team", run.name, "nights_disturbed_per_person_month", len(nights) / max(rota_size, 1) / months)
    rest = sustainability.measure(calendar.calendar, horizon, run.plans, run.rota, callouts, run.interventions,
                                  run.overtime, on_call.window if on_call is not None else None)
    for metric, value in rest.items():
        rows.add("team", run.name, metric, value)
    departures = np.zeros((people, n_years))
    for i, plan in enumerate(run.plans):
        if plan.departures:
            departures[i] = np.bincount(np.clip(np.searchsorted(years, plan.departures, side="right") - 1, 0,
                                                n_years - 1), minlength=n_years)
    employed = np.maximum(0.0, np.asarray(active)[None, :] - vacant / year_length[None, :])
    return TeamLedger(employed[None], departures[None], overtime[None], interventions[None],
                      np.asarray(duty_weeks, dtype=float)[None], callouts_by_year.astype(float)[None])


def _team_costs(prices: Prices, team: TeamPlan, quantities: TeamLedger) -> list[money.CostLine]:
    """A team's staff, hiring, on-call and overtime costs from its ledger, at the plan's prices."""
    person_years = [money.PersonYear(person=member.person, year=y, employed_share=quantities.employed[:, i, y],
                                     departures=quantities.departures[:, i, y],
                                     overtime_hours=quantities.overtime[:, i, y],
                                     intervention_hours=quantities.interventions[:, i, y])
                    for i, member in enumerate(team.members) for y in range(prices.n_years)]
    return money.team_costs(team.name, team.team, prices.economics, person_years, list(quantities.duty_weeks.T),
                            list(quantities.callouts.T))


def _at_night(hour: int) -> bool:
    return hour >= NIGHT_START or hour < NIGHT_END


def _costs(lines: list[money.CostLine], rate: float, n_years: int, replications: int) -> Valued:
    """Cost rows per category and year (one-off amounts shown in year 1), totals and NPVs."""
    out = Valued(("costs",), [], [])
    total = money.totals(lines, n_years, rate, replications)
    for category, amounts in total.by_category.items():
        for y in range(n_years):
            out.add("scenario", "all", f"cost.{category}", amounts[:, y], period=period(y))
        out.add("scenario", "all", f"cost.{category}", amounts.sum(axis=-1))
    for y in range(n_years):
        out.add("scenario", "all", "cost_of_ownership", total.ownership[:, y], period=period(y))
        out.add("scenario", "all", "economic_cost", total.economic[:, y], period=period(y))
    out.add("scenario", "all", "cost_of_ownership", total.ownership.sum(axis=-1))
    out.add("scenario", "all", "downtime_cost", total.downtime)
    out.add("scenario", "all", "received", total.received)
    out.add("scenario", "all", "economic_cost", total.economic.sum(axis=-1))
    out.add("scenario", "all", "cost_of_ownership_npv", total.ownership_npv)
    out.add("scenario", "all", "economic_cost_npv", total.economic_npv)
    return out


class IncidentRow(NamedTuple):
    """One incident that exists under a scenario: when it was declared, how long it waited for work and
    until it was restored (clock hours, NaN if still open at the horizon), and who restored it."""

    scenario: str
    replication: int
    service: str
    priority: str
    arrival: float
    wait: float
    ttr: float
    handler: str


INCIDENT_COLUMNS = IncidentRow._fields
HANDLERS = ("nobody", "team", "provider", "support")


def incident_rows(plan: Plan, run: ScenarioRun, replication: int) -> list[IncidentRow]:
    """One row per incident of the horizon that exists under the scenario, for distribution charts."""
    load = run.load
    idx = np.flatnonzero(run.handled & load.measured)
    wait = run.started[idx] - load.time[idx]
    ttr = run.restored[idx] - load.time[idx]
    names = plan.service_names
    name = run.scenario.name
    return [IncidentRow(name, replication, names[s], PRIORITIES[p], t, w, r, HANDLERS[h])
            for s, p, t, w, r, h in zip(load.service[idx].tolist(), load.priority[idx].tolist(),
                                        load.time[idx].tolist(), wait.tolist(), ttr.tolist(),
                                        run.by[idx].tolist())]
