"""The bills: what a scenario pays a provider or a SaaS vendor under one offer, whatever the services and
options using it. Each option runtime (:mod:`simulation.options`) names its contract; the measurements
(:mod:`simulation.metrics`) bill each contract once, with the money rules of :mod:`sourcing.money`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from sourcing import contracts, money
from sourcing.model import PRIORITIES

from .ledger import ContractLedger, ServiceLedger
from .measures import Context, Prices, Rows, Valued, cumulative_downtime, impact_timeline
from .records import PROVIDER

if TYPE_CHECKING:
    from .plan import Assignment, ProviderPlan, SaasPlan, ScenarioPlan, ServicePlan


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



def contracts_of(scenario: ScenarioPlan) -> list[tuple[Contract, list[tuple[int, Assignment]]]]:
    """Each contract of a scenario once, with the services that use it (by position), in billing order."""
    bills: dict[tuple[int, str], tuple[Contract, list]] = {}
    for k, assignment in enumerate(scenario.assignments):
        contract = assignment.runtime.contract
        if contract is not None:
            bills.setdefault(contract.key, (contract, []))[1].append((k, assignment))
    return sorted(bills.values(), key=lambda bill: bill[0].order)



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
class SaasBill:
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
                      quantities: ServiceLedger) -> SaasBill:
        offer = prices.plan.saas[self.name]  # the valued plan's terms (a re-valued study has its own)
        name = service.name
        in_force = self._in_force(prices.money.bounds, assignment)
        users = service.users_by_year[prices.money.year]
        subscription = money.monthly_fees(users * offer.price_per_user_month, offer.indexation, prices.economics,
                                          prices.money, prices.money.in_force())
        if offer.sla is None:
            return SaasBill(subscription, np.zeros((prices.replications, len(subscription))), assignment.moves)
        credits = money.sla_credits(offer.sla, quantities.sla_availability, subscription)
        due = np.where(in_force, credits.due, 0.0)
        received = np.where(in_force, credits.received, 0.0)
        below = np.sum(credits.below & in_force, axis=-1).astype(float)
        out.add("service", name, "months_below_sla", below)
        out.add("service", name, "credits_due", due.sum(axis=-1))
        out.add("service", name, "credits_received", received.sum(axis=-1))
        return SaasBill(subscription, received, assignment.moves, below)

    def value_bill(self, out: list[Valued], prices: Prices, uses: list[tuple[ServicePlan, Assignment]],
                   parts: list[SaasBill], quantities: object | None) -> list[money.CostLine]:
        """Each SaaS contract once: its services' subscriptions and credits, one retained organisation,
        one migration, one exit."""
        return money.saas_costs(self.name, prices.plan.saas[self.name].offer, prices.economics, prices.money,
                                sum(p.subscription for p in parts), sum(p.credits_received for p in parts),
                                prices.active(0.0, np.inf), moved=any(p.moved for p in parts))
