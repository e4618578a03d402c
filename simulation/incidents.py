"""The incident load of a replication, drawn once and replayed under every option.

Arrivals are a non-homogeneous Poisson process whose rate is constant within each hour:
monthly volume x weekly profile x yearly growth. Incidents of the warm-up (negative times, before
the start) come from streams of their own at the first year's rate: they fill the queues before the
start and are never measured, and the incidents of the horizon are the same with or without them.
Each incident also carries uniform draws (its *difficulty* ``u_repair`` and its ``u_response``)
that every option turns into its own repair and response times through its own distribution, so a
hard incident is hard for the internal team and for the provider alike (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sourcing.model import PRIORITIES
from sourcing.units import HOURS_PER_MONTH

from .streams import Streams

if TYPE_CHECKING:
    from .plan import CalendarPlan, ChangesPlan, Plan, ServicePlan


@dataclass(frozen=True)
class Load:
    """Incidents of all services of a study, sorted by arrival, plus planned downtime."""

    services: tuple[str, ...]
    time: np.ndarray
    service: np.ndarray
    priority: np.ndarray
    u_repair: np.ndarray
    u_response: np.ndarray
    u_prevent: np.ndarray
    """Uniform draw deciding whether a high-availability offer prevents the incident."""
    from_change: np.ndarray
    planned: dict[str, np.ndarray]
    """Per service, planned-downtime intervals as an (n, 2) array of start and end times."""

    def __len__(self) -> int:
        return len(self.time)

    @property
    def measured(self) -> np.ndarray:
        """Incidents declared within the horizon (not in the warm-up)."""
        return self.time >= 0

    def of_service(self, name: str) -> np.ndarray:
        """Indices of the incidents of one service."""
        return np.flatnonzero(self.service == self.services.index(name))


def draw_load(plan: Plan, streams: Streams) -> Load:
    """Draw every service's incidents and changes for one replication."""
    parts = [_service_incidents(plan.calendar, service, streams) for service in plan.services]
    planned = {service.name: part[-1] for service, part in zip(plan.services, parts)}
    time = np.concatenate([p[0] for p in parts])
    order = np.argsort(time, kind="stable")
    service = np.concatenate([np.full(len(p[0]), i, dtype=np.int16) for i, p in enumerate(parts)])

    def merged(k: int) -> np.ndarray:
        return np.concatenate([p[k] for p in parts])[order]

    return Load(
        services=plan.service_names,
        time=time[order],
        service=service[order],
        priority=merged(1),
        u_repair=merged(2),
        u_response=merged(3),
        u_prevent=merged(4),
        from_change=merged(5),
        planned=planned,
    )


def _arrivals(service: ServicePlan, rate: np.ndarray, origin: float, limit: float,
              streams: Streams, *names: str) -> tuple[np.ndarray, ...]:
    """Poisson arrivals at hourly rates from ``origin``, with each incident's priority and uniform draws."""
    arrivals = streams.generator("arrivals", *names)
    counts = arrivals.poisson(rate)
    time = origin + np.repeat(np.arange(len(rate), dtype=float), counts) + arrivals.random(int(counts.sum()))
    time = np.minimum(np.sort(time), limit)
    n = len(time)
    priority = np.minimum(
        np.searchsorted(service.cumulative_mix, streams.generator("priorities", *names).random(n), side="right"),
        len(PRIORITIES) - 1,
    ).astype(np.int8)
    u_repair = streams.generator("repair", *names).random(n)
    u_response = streams.generator("response", *names).random(n)
    u_prevent = streams.generator("prevent", *names).random(n)
    return time, priority, u_repair, u_response, u_prevent


def _service_incidents(calendar: CalendarPlan, service: ServicePlan, streams: Streams) -> tuple[np.ndarray, ...]:
    name = service.name
    time, priority, u_repair, u_response, u_prevent = _arrivals(
        service, service.rates, 0.0, calendar.horizon, streams, name)
    if calendar.warm_up_start < 0:
        warm = _arrivals(service, service.warm_up_rates, calendar.warm_up_start, np.nextafter(0.0, -1.0), streams,
                         name, "warm-up")
        time, priority, u_repair, u_response, u_prevent = (np.concatenate(pair) for pair in zip(
            warm, (time, priority, u_repair, u_response, u_prevent)))
    n = len(time)
    from_change = np.zeros(n, dtype=bool)
    planned = np.zeros((0, 2))
    if service.changes is not None:
        changes = service.changes
        change_time, planned = _changes(changes, calendar.horizon, streams.generator("changes", name))
        k = len(change_time)
        time = np.concatenate((time, change_time))
        priority = np.concatenate((priority, np.full(k, changes.priority, dtype=np.int8)))
        rng = streams.generator("changes", name, "failures")
        u_repair = np.concatenate((u_repair, rng.random(k)))
        u_response = np.concatenate((u_response, rng.random(k)))
        u_prevent = np.concatenate((u_prevent, rng.random(k)))
        from_change = np.concatenate((from_change, np.ones(k, dtype=bool)))
    return time, priority, u_repair, u_response, u_prevent, from_change, planned


def _changes(changes: ChangesPlan, horizon: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Changes fall at the opening of random maintenance-window occurrences; a share fail into incidents.

    Returns the arrival times of the failed-change incidents (end of the planned downtime),
    and the planned-downtime intervals.
    """
    openings = changes.openings
    if len(openings) == 0:
        return np.zeros(0), np.zeros((0, 2))
    count = rng.poisson(changes.per_month * horizon / HOURS_PER_MONTH)
    starts = np.sort(openings[rng.integers(0, len(openings), size=count)])
    ends = np.minimum(starts + changes.planned_downtime, horizon)
    failed = rng.random(count) < changes.failure_rate
    planned = np.column_stack((starts, ends)) if changes.planned_downtime > 0 else np.zeros((0, 2))
    return ends[failed], planned
