"""Every money rule of the toolkit, each written once, each checked by hand in ``tests/test_money.py``.

Functions here take quantities measured by the simulation (hours, counts, availability, shares of a
period) and the scenario's prices, and return amounts or :class:`CostLine` rows. Every quantity may carry
a leading axis of replications (a ledger of many replications valued at once, :mod:`simulation.ledger`):
the rules are the same arithmetic on arrays, so one replication and a thousand are priced by the same code.

Conventions:

- Scenario year ``y`` runs from the ``y``-th anniversary of the start date. Salaries grow by
  ``salary_growth`` and prices by the offer's indexation (the study's ``price_indexation`` if it
  has none) each year from year 1.
- A monthly fee or subscription is billed per *calendar month*: the month's price times the share
  of the month the contract is in force (a contract in force all month pays the whole fee, whatever
  the month's length). A year's fees are the sum of its months.
- Penalties and credits belong to the calendar month in which the incident was declared (penalties)
  or measured (credits); a share of the fee means a share of that month's billed fee, and the
  monthly cap applies to the month's total.
- A contract's transition (set-up) cost is charged once, at the start, if the scenario moves at
  least one service to it; its exit cost once, at the end of the horizon; its retained organisation
  once, whatever the number of services it serves.
- Yearly amounts are discounted at the end of their year, one-off amounts at time zero.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .model import PRIORITIES
from .offers import Fees, Penalties, ProviderOffer, Retained, SaasOffer, Sla
from .scenario import Economics, Infrastructure, OutageCost, Person, Team

CATEGORIES: tuple[str, ...] = (
    "staff",
    "on_call",
    "overtime",
    "infrastructure",
    "provider_fixed",
    "provider_variable",
    "subscription",
    "transition",
    "exit",
    "retained",
    "penalties",
    "credits",
    "downtime",
)
"""Cost categories in display order. ``penalties`` and ``credits`` are received (negative amounts);
``downtime`` is the business cost of unavailability. Neither is part of the cost of ownership."""
RECEIVED = ("penalties", "credits")
OWNERSHIP = tuple(c for c in CATEGORIES if c not in RECEIVED and c != "downtime")


@dataclass(frozen=True)
class CostLine:
    """An amount of one category, in one scenario year (``year`` is None for a one-off at the start)."""

    category: str
    year: int | None
    amount: float | np.ndarray
    """One amount, or one per replication."""
    subject: str = ""


# --------------------------------------------------------------------------- time, growth, indexation


def growth(rate: float, year: int) -> float:
    """Index factor for scenario year ``year`` (0-based) at a yearly rate."""
    return (1 + rate) ** year


def price_index(offer_rate: float | None, economics: Economics, year: int) -> float:
    """A provider's price index in a year: its own indexation, or the study's."""
    return growth(economics.price_indexation if offer_rate is None else offer_rate, year)


def active_share(year_bounds: Sequence[float], start: float, until: float) -> list[float]:
    """Share of each scenario year that lies inside ``[start, until)``."""
    shares = []
    for a, b in zip(year_bounds[:-1], year_bounds[1:]):
        shares.append(max(0.0, min(b, until) - max(a, start)) / (b - a))
    return shares


@dataclass(frozen=True)
class Months:
    """The calendar months of the horizon: their bounds (simulation hours) and their scenario year."""

    bounds: np.ndarray
    """``n + 1`` instants: the start, each first of the month, and the horizon."""
    whole: np.ndarray
    """Length in hours of each month as a whole calendar month (the first and last may be cut short)."""
    year_bounds: np.ndarray
    """``n_years + 1`` instants: the start and each anniversary."""

    @property
    def n_years(self) -> int:
        return len(self.year_bounds) - 1

    @property
    def year(self) -> np.ndarray:
        """Scenario year of each month (the year in which the month begins)."""
        return np.clip(np.searchsorted(self.year_bounds, self.bounds[:-1], side="right") - 1, 0, self.n_years - 1)

    def in_force(self, start: float = 0.0, until: float = np.inf) -> np.ndarray:
        """Share of each calendar month that lies inside ``[start, until)`` and inside the horizon."""
        begin, end = self.bounds[:-1], self.bounds[1:]
        inside = np.clip(np.minimum(end, until) - np.maximum(begin, start), 0.0, None)
        return inside / self.whole

    def by_year(self, monthly: np.ndarray) -> np.ndarray:
        """Sum of monthly amounts per scenario year (on the last axis: one row per replication)."""
        monthly = np.asarray(monthly, dtype=float)
        if monthly.ndim == 1:
            return np.bincount(self.year, weights=monthly, minlength=self.n_years)
        out = np.zeros((*monthly.shape[:-1], self.n_years))
        for m, y in enumerate(self.year.tolist()):  # month after month, as bincount adds: the same sums
            out[..., y] += monthly[..., m]
        return out

    def of(self, t: np.ndarray) -> np.ndarray:
        """The month of each instant."""
        return np.clip(np.searchsorted(self.bounds, t, side="right") - 1, 0, len(self.bounds) - 2)


def months_of(calendar) -> Months:
    """The months of a :class:`~sourcing.calendar.Calendar`'s horizon."""
    from datetime import timedelta

    bounds = calendar.month_bounds()
    whole = []
    for t in bounds[:-1]:
        first = calendar.instant(t + 1e-6).date().replace(day=1)
        following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        whole.append(calendar.local(following, 0) - calendar.local(first, 0))
    return Months(bounds=bounds, whole=np.array(whole), year_bounds=calendar.year_bounds())


# --------------------------------------------------------------------------- fees and subscriptions


def monthly_fees(price: float | np.ndarray, indexation: float | None, economics: Economics, months: Months,
                 in_force: np.ndarray) -> np.ndarray:
    """What is billed each calendar month for a price per month (a fee, or users x price per user):
    the price, indexed by the month's year, times the share of the month the contract is in force."""
    index = np.array([price_index(indexation, economics, int(y)) for y in months.year])
    return np.asarray(price, dtype=float) * index * in_force


def variable_fees(fees: Fees, tickets: np.ndarray, hno_interventions: np.ndarray,
                  index: np.ndarray) -> np.ndarray:
    """Per month: tickets beyond those included, plus HNO interventions at the multiplier, indexed."""
    extra = np.maximum(tickets - fees.tickets_included, 0) * fees.extra_ticket
    hno = hno_interventions * fees.extra_ticket * fees.hno_multiplier
    return (extra + hno) * index


def index_by_month(indexation: float | None, economics: Economics, months: Months) -> np.ndarray:
    """The price index of each month's year."""
    return np.array([price_index(indexation, economics, int(y)) for y in months.year])


# --------------------------------------------------------------------------- penalties and credits


@dataclass(frozen=True)
class MonthlyPenalties:
    """Penalties per calendar month, before and after the cap, and whether the cap bound."""

    before_cap: np.ndarray
    due: np.ndarray
    capped: np.ndarray


def penalties(penalty: Penalties, month: np.ndarray, priority: np.ndarray, breached: np.ndarray,
              late_hours: np.ndarray, monthly_fee: np.ndarray) -> MonthlyPenalties:
    """Penalties of each month: per breach plus per *started* covered hour late, then the monthly cap.

    ``month`` is the month each incident was declared in, ``monthly_fee`` the fee billed each month
    (a penalty written as a share is a share of it).
    """
    found = penalties_by_replication(penalty, np.zeros(int(breached.sum()), dtype=int), month[breached],
                                     priority[breached], late_hours[breached], monthly_fee, 1)
    return MonthlyPenalties(found.before_cap[0], found.due[0], found.capped[0])


def penalties_by_replication(penalty: Penalties, replication: np.ndarray, month: np.ndarray, priority: np.ndarray,
                             late_hours: np.ndarray, monthly_fee: np.ndarray, replications: int) -> MonthlyPenalties:
    """:func:`penalties` of many replications at once, from their breaches only: each breach's replication
    (0 .. ``replications`` - 1), month, priority and covered hours late; arrays of (replications, months)."""
    n_months = len(monthly_fee)
    raw = np.zeros((replications, n_months))
    for k, name in enumerate(PRIORITIES):
        mask = priority == k
        if not mask.any():
            continue
        months = month[mask]
        fee = monthly_fee[months]
        amount = np.zeros(mask.sum())
        if name in penalty.per_breach:
            amount += penalty.per_breach[name].amount + penalty.per_breach[name].share * fee
        if name in penalty.per_hour_late:
            started_hours = np.ceil(late_hours[mask] - 1e-9)
            amount += started_hours * (penalty.per_hour_late[name].amount + penalty.per_hour_late[name].share * fee)
        np.add.at(raw, (replication[mask], months), amount)
    if penalty.monthly_cap is None:
        return MonthlyPenalties(raw, raw.copy(), np.zeros(raw.shape, dtype=bool))
    cap = penalty.monthly_cap.amount + penalty.monthly_cap.share * monthly_fee
    due = np.minimum(raw, cap)
    return MonthlyPenalties(raw, due, raw > cap + 1e-9)


@dataclass(frozen=True)
class MonthlyCredits:
    """SaaS credits per month: due under the SLA, and received (only if claimed)."""

    availability: np.ndarray
    below: np.ndarray
    due: np.ndarray
    received: np.ndarray


def credit_share(sla: Sla, availability: float) -> float:
    """Share of the monthly fee credited for a month at this availability: the highest tier whose
    threshold the month falls below, up to the cap."""
    share = 0.0
    for tier in sla.credits:
        if availability < tier.below - 1e-12:
            share = max(share, tier.credit)
    return min(share, sla.cap)


def credit_shares(sla: Sla, availability: np.ndarray) -> np.ndarray:
    """:func:`credit_share` of every month of an array (any shape)."""
    availability = np.asarray(availability, dtype=float)
    share = np.zeros(availability.shape)
    for tier in sla.credits:
        share = np.where(availability < tier.below - 1e-12, np.maximum(share, tier.credit), share)
    return np.minimum(share, sla.cap)


def sla_credits(sla: Sla, availability: np.ndarray, monthly_fee: np.ndarray) -> MonthlyCredits:
    """Credits of each month from its measured availability and its billed subscription (availability may
    hold one row per replication)."""
    shares = credit_shares(sla, availability)
    due = shares * monthly_fee
    below = availability < sla.availability - 1e-12
    return MonthlyCredits(availability, below, due, due if sla.claimed else np.zeros_like(due))


# --------------------------------------------------------------------------- contracts


def retained_costs(subject: str, retained: Retained | None, economics: Economics,
                   active: Sequence[float]) -> list[CostLine]:
    """The retained organisation's loaded cost, growing with salaries, while the contract runs."""
    if retained is None:
        return []
    return [CostLine("retained", y, retained.fte * retained.annual_cost * growth(economics.salary_growth, y) * share,
                     subject) for y, share in enumerate(active)]


def one_offs(subject: str, transition_cost: float, moved: bool, exit_cost: float, n_years: int) -> list[CostLine]:
    """A contract's set-up cost, once at the start if the scenario moves a service to it, and its exit
    cost, once at the end of the horizon."""
    lines = []
    if moved and transition_cost:
        lines.append(CostLine("transition", None, transition_cost, subject))
    if exit_cost:
        lines.append(CostLine("exit", n_years - 1, exit_cost, subject))
    return lines


def yearly(months: Months, monthly: np.ndarray) -> list:
    """Monthly amounts summed per scenario year, year by year (each a number, or one per replication)."""
    return list(np.moveaxis(months.by_year(monthly), -1, 0))


def provider_costs(name: str, offer: ProviderOffer, economics: Economics, months: Months, fixed: np.ndarray,
                   variable: np.ndarray, penalties_due: np.ndarray, active: Sequence[float],
                   moved: bool) -> list[CostLine]:
    """A managed-services contract over the horizon: fixed and variable fees (monthly amounts summed per
    year), penalties received, retained organisation, transition and exit."""
    lines = [CostLine("provider_fixed", y, amount, name) for y, amount in enumerate(yearly(months, fixed))]
    lines += [CostLine("provider_variable", y, amount, name) for y, amount in enumerate(yearly(months, variable))]
    lines += [CostLine("penalties", y, -amount, name) for y, amount in enumerate(yearly(months, penalties_due))]
    lines += retained_costs(name, offer.retained, economics, active)
    lines += one_offs(name, offer.transition.cost, moved, offer.exit_cost, months.n_years)
    return lines


def saas_costs(name: str, offer: SaasOffer, economics: Economics, months: Months, subscription: np.ndarray,
               credits_received: np.ndarray, active: Sequence[float], moved: bool) -> list[CostLine]:
    """A SaaS contract over the horizon: subscriptions (monthly amounts summed per year), credits
    received, retained organisation, migration and exit."""
    lines = [CostLine("subscription", y, amount, name) for y, amount in enumerate(yearly(months, subscription))]
    lines += [CostLine("credits", y, -amount, name) for y, amount in enumerate(yearly(months, credits_received))]
    lines += retained_costs(name, offer.retained, economics, active)
    lines += one_offs(name, offer.migration.cost, moved, offer.exit_cost, months.n_years)
    return lines


# --------------------------------------------------------------------------- internal teams and infrastructure


def hourly_cost(annual_cost: float, economics: Economics) -> float:
    """What an hour of a person's time costs: loaded annual cost over the hours a salary pays for."""
    return annual_cost / economics.working_hours_per_year


@dataclass(frozen=True)
class PersonYear:
    """One person's measured activity in one scenario year."""

    person: Person
    year: int
    employed_share: float | np.ndarray
    """Share of the year the post was filled (not vacant); each field may hold one value per replication."""
    departures: int | np.ndarray = 0
    overtime_hours: float | np.ndarray = 0.0
    intervention_hours: float | np.ndarray = 0.0


def team_costs(team_name: str, team: Team, economics: Economics, years: Sequence[PersonYear],
               duty_weeks: Sequence[float], callouts: Sequence[int]) -> list[CostLine]:
    """Staff, hiring, on-call and overtime costs of an internal team.

    Staff: loaded annual cost x salary growth x share of the year the post was filled, plus the hiring
    cost of each departure. Overtime: hours x hourly cost x (1 + overtime premium). On-call: the weekly
    premium per week of the on-call window held, the pay per intervention, and the hours worked on call
    at the overtime rate. ``duty_weeks[y]`` is the duty held in year ``y`` in weeks of the on-call window.
    """
    lines: list[CostLine] = []
    premium = 1 + team.overtime_premium
    for row in years:
        index = growth(economics.salary_growth, row.year)
        hourly = hourly_cost(row.person.annual_cost, economics) * index
        staff = row.person.annual_cost * index * row.employed_share
        if team.departures is not None:
            staff += team.departures.hiring_cost * row.departures
        lines.append(CostLine("staff", row.year, staff, team_name))
        lines.append(CostLine("overtime", row.year, row.overtime_hours * hourly * premium, team_name))
        if team.on_call is not None:
            lines.append(CostLine("on_call", row.year, row.intervention_hours * hourly * premium, team_name))
    if team.on_call is not None:
        for year, (weeks, count) in enumerate(zip(duty_weeks, callouts)):
            amount = (team.on_call.weekly_premium * weeks + team.on_call.per_intervention * count) * growth(
                economics.salary_growth, year)
            lines.append(CostLine("on_call", year, amount, team_name))
    return lines


def infrastructure_costs(service_name: str, infrastructure: Infrastructure, economics: Economics,
                         users_by_year: Sequence[float], active: Sequence[float] | None = None) -> list[CostLine]:
    """Depreciation of the capex (renewed at the end of its life), opex and licences, indexed.

    ``active[y]`` is the share of year ``y`` during which the infrastructure is kept (1 by default).
    """
    lines = []
    for year, users in enumerate(users_by_year):
        running = (infrastructure.opex_per_year + infrastructure.licences_per_year
                   + infrastructure.licences_per_user_per_year * users) * growth(economics.price_indexation, year)
        amount = infrastructure.capex / infrastructure.depreciation_years + running
        share = 1.0 if active is None else active[year]
        lines.append(CostLine("infrastructure", year, amount * share, service_name))
    return lines


def downtime_costs(service_name: str, cost: OutageCost, business_hours: Sequence[float],
                   off_hours: Sequence[float]) -> list[CostLine]:
    """Business cost of downtime from outage-equivalent hours in and out of business hours, per year."""
    return [
        CostLine("downtime", year, b * cost.business + o * cost.off_hours, service_name)
        for year, (b, o) in enumerate(zip(business_hours, off_hours))
    ]


# --------------------------------------------------------------------------- totals


def npv(yearly: Sequence[float] | np.ndarray, rate: float, upfront: float | np.ndarray = 0.0) -> float | np.ndarray:
    """Net present value: ``upfront`` at time zero, ``yearly[y]`` at the end of year ``y + 1`` (years on the
    last axis of an array: one NPV per replication)."""
    if isinstance(yearly, np.ndarray) and yearly.ndim > 1:
        return upfront + sum(yearly[..., y] / (1 + rate) ** (y + 1) for y in range(yearly.shape[-1]))
    return upfront + sum(amount / (1 + rate) ** (y + 1) for y, amount in enumerate(yearly))


@dataclass(frozen=True)
class Totals:
    """A scenario's cost lines added up: per category and year (one-off amounts shown in year 1), the
    cost of ownership and the economic cost per year and in total, and their NPVs."""

    by_category: dict[str, np.ndarray]
    ownership: np.ndarray
    economic: np.ndarray
    downtime: float | np.ndarray
    received: float | np.ndarray
    ownership_npv: float | np.ndarray
    economic_npv: float | np.ndarray


def totals(lines: Sequence[CostLine], n_years: int, rate: float, replications: int | None = None) -> Totals:
    """Ownership excludes the business cost of downtime and what is received; the economic cost is
    ownership + downtime - penalties and credits received. With ``replications``, every amount holds one
    value per replication and every total is an array of them (years on the last axis)."""
    shape = (n_years,) if replications is None else (replications, n_years)
    yearly: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(shape))
    upfront: dict[str, float | np.ndarray] = defaultdict(float)
    for line in lines:
        if line.year is None:
            upfront[line.category] = upfront[line.category] + line.amount
        else:
            yearly[line.category][..., line.year] += line.amount
    ownership, downtime, received = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    upfront_ownership = sum(upfront[c] for c in OWNERSHIP)
    by_category = {}
    for category in CATEGORIES:
        amounts = yearly[category].copy()
        amounts[..., 0] += upfront[category]
        by_category[category] = amounts
        if category == "downtime":
            downtime += yearly[category]
        elif category in RECEIVED:
            received += yearly[category]
        else:
            ownership += yearly[category]
    economic = ownership + downtime + received
    first_year = np.zeros(shape)
    first_year[..., 0] = upfront_ownership
    if replications is None:
        downtime_total, received_total = float(downtime.sum()), float(-received.sum())
    else:
        downtime_total, received_total = downtime.sum(axis=-1), -received.sum(axis=-1)
    return Totals(by_category=by_category, ownership=ownership + first_year, economic=economic + first_year,
                  downtime=downtime_total, received=received_total,
                  ownership_npv=npv(ownership, rate, upfront_ownership),
                  economic_npv=npv(economic, rate, upfront_ownership))


# --------------------------------------------------------------------------- procurement figures


def effective_price(fixed: float, variable: float, penalties_received: float) -> float:
    """What an offer really costs per year: fixed and variable fees minus the penalties it pays back."""
    return fixed + variable - penalties_received


def uncovered_downtime(downtime_cost: float, penalties_received: float) -> float:
    """The business cost of downtime that the penalties do not pay back."""
    return downtime_cost - penalties_received
