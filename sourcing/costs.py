"""Costs over the horizon: what each option's measured activity costs, year by year.

Functions here take quantities measured by the simulation (hours, counts, shares of a
year) and the scenario's prices, and return :class:`CostLine` rows. They hold the money
rules in one place so that hand-worked cases can be checked against them.

Conventions: scenario year ``y`` runs from the ``y``-th anniversary of the start date;
salaries grow by ``salary_growth`` and prices by ``price_indexation`` each year from year 1;
yearly amounts are discounted at the end of their year, one-off amounts at time zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .offers import ProviderOffer, Retained, SaasOffer
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
    amount: float
    subject: str = ""


def growth(rate: float, year: int) -> float:
    """Index factor for scenario year ``year`` (0-based) at a yearly rate."""
    return (1 + rate) ** year


def hourly_cost(annual_cost: float, economics: Economics) -> float:
    """What an hour of a person's time costs: loaded annual cost over the hours a salary pays for."""
    return annual_cost / economics.working_hours_per_year


@dataclass(frozen=True)
class PersonYear:
    """One person's measured activity in one scenario year."""

    person: Person
    year: int
    employed_share: float
    """Share of the year the post was filled (not vacant)."""
    departures: int = 0
    overtime_hours: float = 0.0
    intervention_hours: float = 0.0


def team_costs(team_name: str, team: Team, economics: Economics, years: Sequence[PersonYear],
               duty_weeks: Sequence[float], callouts: Sequence[int]) -> list[CostLine]:
    """Staff, on-call and overtime costs of an internal team.

    ``duty_weeks[y]`` is the on-call duty held in year ``y`` in weeks of the on-call window,
    ``callouts[y]`` the number of call-outs. A team kept only during a transition has its
    ``employed_share`` reduced to that period.
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


def active_share(year_bounds: Sequence[float], start: float, until: float) -> list[float]:
    """Share of each scenario year that lies inside ``[start, until)``."""
    shares = []
    for a, b in zip(year_bounds[:-1], year_bounds[1:]):
        shares.append(max(0.0, min(b, until) - max(a, start)) / (b - a))
    return shares


def price_index(offer_rate: float | None, economics: Economics, year: int) -> float:
    """A provider's price index in a year: its own indexation, or the study's."""
    return growth(economics.price_indexation if offer_rate is None else offer_rate, year)


def retained_costs(subject: str, retained: Retained | None, economics: Economics,
                   active: Sequence[float]) -> list[CostLine]:
    """The retained organisation's loaded cost, growing with salaries."""
    if retained is None:
        return []
    return [CostLine("retained", y, retained.fte * retained.annual_cost * growth(economics.salary_growth, y) * share,
                     subject) for y, share in enumerate(active)]


def provider_costs(name: str, offer: ProviderOffer, economics: Economics, active: Sequence[float],
                   variable_by_year: Sequence[float], exit_at_end: bool) -> list[CostLine]:
    """A managed-services contract: fixed monthly fee, variable fees, retained organisation, exit."""
    lines = [CostLine("provider_fixed", y, offer.fees.monthly * 12 * price_index(offer.indexation, economics, y)
                      * share, name) for y, share in enumerate(active)]
    lines += [CostLine("provider_variable", y, amount, name) for y, amount in enumerate(variable_by_year)]
    lines += retained_costs(name, offer.retained, economics, active)
    if exit_at_end and offer.exit_cost:
        lines.append(CostLine("exit", len(active) - 1, offer.exit_cost, name))
    return lines


def saas_costs(name: str, offer: SaasOffer, economics: Economics, users_by_year: Sequence[float],
               active: Sequence[float], exit_at_end: bool) -> list[CostLine]:
    """A SaaS subscription: users x price x 12, indexed; retained organisation; exit."""
    lines = [CostLine("subscription", y, users * offer.price_per_user_month * 12
                      * price_index(offer.indexation, economics, y) * share, name)
             for y, (users, share) in enumerate(zip(users_by_year, active))]
    lines += retained_costs(name, offer.retained, economics, active)
    if exit_at_end and offer.exit_cost:
        lines.append(CostLine("exit", len(active) - 1, offer.exit_cost, name))
    return lines


def downtime_costs(service_name: str, cost: OutageCost, business_hours: Sequence[float],
                   off_hours: Sequence[float]) -> list[CostLine]:
    """Business cost of downtime from outage-equivalent hours in and out of business hours, per year."""
    return [
        CostLine("downtime", year, b * cost.business + o * cost.off_hours, service_name)
        for year, (b, o) in enumerate(zip(business_hours, off_hours))
    ]


def npv(yearly: Sequence[float], rate: float, upfront: float = 0.0) -> float:
    """Net present value: ``upfront`` at time zero, ``yearly[y]`` at the end of year ``y + 1``."""
    return upfront + sum(amount / (1 + rate) ** (y + 1) for y, amount in enumerate(yearly))
