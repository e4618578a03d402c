"""Contract arithmetic: GTI/GTR outcomes, penalties under a monthly cap, variable fees, SaaS credits.

Pure functions over arrays of measured times, so that each rule can be checked by hand.
Conventions:

- The GTR clock counts covered hours of the offer's coverage window from the declaration.
- A penalty *per hour late* is charged for every started covered hour beyond the GTR.
- Penalties and credits belong to the calendar month in which the incident was declared;
  the cap applies to that month's total.
- SaaS availability is measured per calendar month on the 24/7 clock, scheduled maintenance
  excluded; the credit is the highest tier whose threshold the month falls below, up to the cap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .model import PRIORITIES
from .offers import Fees, Penalties, Sla


@dataclass(frozen=True)
class Outcomes:
    """Per incident: whether it was judged, breached its deadline, and by how many covered hours."""

    judged: np.ndarray
    breached: np.ndarray
    late_hours: np.ndarray


def deadline_outcomes(elapsed: np.ndarray, deadline: np.ndarray, finished: np.ndarray) -> Outcomes:
    """Compare covered hours elapsed with deadlines (NaN deadline: best effort, never breached).

    ``finished`` is False for incidents still open at the horizon, whose ``elapsed`` runs to the
    horizon: they are judged only if they have already passed their deadline.
    """
    has_deadline = ~np.isnan(deadline)
    late = np.where(has_deadline, elapsed - np.nan_to_num(deadline, nan=0.0), 0.0)
    breached = has_deadline & (late > 1e-9)
    judged = has_deadline & (finished | breached)
    return Outcomes(judged=judged, breached=breached & judged, late_hours=np.where(breached, late, 0.0))


def deadlines(table: dict[str, float | None], priority: np.ndarray) -> np.ndarray:
    """Each incident's deadline in covered hours from a per-priority table (NaN where none)."""
    values = np.array([np.nan if table.get(p) is None else table[p] for p in PRIORITIES])
    return values[priority]


@dataclass(frozen=True)
class MonthlyPenalties:
    """Penalties per calendar month, before and after the cap, and whether the cap bound."""

    before_cap: np.ndarray
    due: np.ndarray
    capped: np.ndarray


def penalties(penalty: Penalties, month: np.ndarray, priority: np.ndarray, outcomes: Outcomes,
              monthly_fee: np.ndarray) -> MonthlyPenalties:
    """Penalties of each month: per breach plus per started hour late, then the monthly cap."""
    n_months = len(monthly_fee)
    raw = np.zeros(n_months)
    for k, name in enumerate(PRIORITIES):
        mask = outcomes.breached & (priority == k)
        if not mask.any():
            continue
        months = month[mask]
        fee = monthly_fee[months]
        amount = np.zeros(mask.sum())
        if name in penalty.per_breach:
            amount += penalty.per_breach[name].amount + penalty.per_breach[name].share * fee
        if name in penalty.per_hour_late:
            hours = np.ceil(outcomes.late_hours[mask] - 1e-9)
            amount += hours * (penalty.per_hour_late[name].amount + penalty.per_hour_late[name].share * fee)
        np.add.at(raw, months, amount)
    if penalty.monthly_cap is None:
        return MonthlyPenalties(raw, raw.copy(), np.zeros(n_months, dtype=bool))
    cap = penalty.monthly_cap.amount + penalty.monthly_cap.share * monthly_fee
    due = np.minimum(raw, cap)
    return MonthlyPenalties(raw, due, raw > cap + 1e-9)


def variable_fees(fees: Fees, tickets: np.ndarray, hno_interventions: np.ndarray,
                  index: np.ndarray) -> np.ndarray:
    """Per month: tickets beyond those included, plus HNO interventions at the multiplier, indexed."""
    extra = np.maximum(tickets - fees.tickets_included, 0) * fees.extra_ticket
    hno = hno_interventions * fees.extra_ticket * fees.hno_multiplier
    return (extra + hno) * index


@dataclass(frozen=True)
class MonthlyCredits:
    """SaaS credits per month: due under the SLA, and received (only if claimed)."""

    availability: np.ndarray
    below: np.ndarray
    due: np.ndarray
    received: np.ndarray


def sla_credits(sla: Sla, availability: np.ndarray, monthly_fee: np.ndarray) -> MonthlyCredits:
    """Credits of each month from its measured availability."""
    shares = np.array([sla.credit_share(a) for a in availability])
    due = shares * monthly_fee
    below = availability < sla.availability - 1e-12
    return MonthlyCredits(availability, below, due, due if sla.claimed else np.zeros_like(due))
