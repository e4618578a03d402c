"""A SaaS platform's own life: its outages and its scheduled maintenance.

Outages come from a unit-rate Poisson process stretched by the offer's rate, and their
durations from uniform draws through the offer's distribution. Two SaaS offers for the same
service therefore see outages at matching points of the same underlying process: the one
with the higher rate simply has more of them (common random numbers across offers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sourcing.units import HOURS_PER_MONTH, HOURS_PER_YEAR

from .distributions import quantile
from .streams import Streams

if TYPE_CHECKING:
    from .plan import SaasPlan

_CHUNK = 64


def outages(service: str, offer: SaasPlan, start: float, horizon: float, streams: Streams) -> np.ndarray:
    """Platform outages from ``start`` (end of the migration) to the horizon, as (n, 2) start/end times."""
    rate = offer.outages.per_year / HOURS_PER_YEAR
    if rate <= 0 or start >= horizon:
        return np.zeros((0, 2))
    arrivals = streams.generator("saas-outages", service)
    target = rate * (horizon - start)
    gaps = arrivals.standard_exponential(_CHUNK)
    while gaps.sum() <= target:
        gaps = np.concatenate((gaps, arrivals.standard_exponential(_CHUNK)))
    points = np.cumsum(gaps)
    begins = start + points[points < target] / rate
    lengths = quantile(offer.outages.duration, streams.generator("saas-outage-lengths", service).random(len(begins)))
    return np.column_stack((begins, np.minimum(begins + lengths, horizon)))


def maintenance(service: str, offer: SaasPlan, start: float, horizon: float, streams: Streams) -> np.ndarray:
    """Scheduled maintenance windows actually used, as (n, 2) start/end times."""
    plan = offer.maintenance
    if plan is None or plan.per_month <= 0 or plan.duration <= 0 or start >= horizon:
        return np.zeros((0, 2))
    rng = streams.generator("saas-maintenance", service)
    openings = np.array([s for s, _ in offer.maintenance_window.intervals(start, horizon)])
    if len(openings) == 0:
        return np.zeros((0, 2))
    count = rng.poisson(plan.per_month * (horizon - start) / HOURS_PER_MONTH)
    begins = np.sort(openings[rng.integers(0, len(openings), size=count)])
    return np.column_stack((begins, np.minimum(begins + plan.duration, horizon)))
