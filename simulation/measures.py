"""What every measurement reads and writes: a tidy row, the metrics and their units, the rows and valued
rows of one replication, the context of a scenario being measured and the prices a ledger is valued at.
The measurements (:mod:`simulation.metrics`) and the bills (:mod:`simulation.billing`) both build on it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from sourcing import money
from sourcing.calendar import CoverageSchedule

from .records import ScenarioRun

if TYPE_CHECKING:
    from .plan import Plan


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
