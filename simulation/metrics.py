"""Per-replication measurements, as tidy rows (one row per scenario x subject x metric x period).

Downtime is measured on the service's *impact timeline*: a P1 takes the whole service down,
a P2 takes away ``p2_impact`` of it, a P3/P4 one user's share; planned downtime takes it all.
Concurrent impacts add up to at most a full outage. The timeline is integrated against the
cumulative covered-time function of each window (agreed service time, business hours), which
is exact at every boundary.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from sourcing import costs
from sourcing.calendar import CoverageSchedule
from sourcing.scenario import PRIORITIES, MakeOption, Study
from sourcing.units import HOURS_PER_MONTH

from .engine import ScenarioRun, TeamRun

COLUMNS = ("scenario", "replication", "scope", "subject", "metric", "priority", "period", "value")


@dataclass(frozen=True)
class MetricInfo:
    """How to read a metric: its label, unit, and whether more is better."""

    label: str
    unit: str
    higher_is_better: bool | None = None


METRICS: dict[str, MetricInfo] = {
    "availability_service_time": MetricInfo("Availability in agreed service time", "share", True),
    "availability_24_7": MetricInfo("Availability 24/7", "share", True),
    "downtime_hours": MetricInfo("Downtime (outage-equivalent)", "h", False),
    "downtime_business_hours": MetricInfo("Downtime in business hours", "h", False),
    "downtime_off_hours": MetricInfo("Downtime off business hours", "h", False),
    "planned_downtime_hours": MetricInfo("Planned downtime", "h", False),
    "outages": MetricInfo("Outages (P1)", "count", False),
    "incidents": MetricInfo("Incidents", "count"),
    "wait_mean": MetricInfo("Time to start work, mean", "h", False),
    "ttr_mean": MetricInfo("Time to restore, mean", "h", False),
    "ttr_p50": MetricInfo("Time to restore, median", "h", False),
    "ttr_p90": MetricInfo("Time to restore, P90", "h", False),
    "within_target": MetricInfo("Restored within target", "share", True),
    "backlog": MetricInfo("Open incidents at the end", "count", False),
    "utilisation": MetricInfo("Staff utilisation on shift", "share"),
    "callouts_per_month": MetricInfo("On-call call-outs per month", "count", False),
    "nights_disturbed_per_person_month": MetricInfo("Nights disturbed per on-call person per month", "count",
                                                    False),
    "overtime_hours": MetricInfo("Overtime", "h", False),
    "intervention_hours": MetricInfo("Work done on call", "h", False),
    "vacancy_share": MetricInfo("Posts vacant", "share", False),
    "cost_of_ownership": MetricInfo("Cost of ownership", "money", False),
    "cost_of_ownership_npv": MetricInfo("Cost of ownership, NPV", "money", False),
    "downtime_cost": MetricInfo("Business cost of downtime", "money", False),
    "economic_cost": MetricInfo("Economic cost (ownership + downtime)", "money", False),
    "economic_cost_npv": MetricInfo("Economic cost, NPV", "money", False),
}
for _category in costs.CATEGORIES:
    METRICS[f"cost.{_category}"] = MetricInfo(f"Cost: {_category.replace('_', ' ')}", "money", False)

NIGHT_START, NIGHT_END = 20, 8
"""A call-out between 20:00 and 08:00 local time disturbs a night."""


class _Rows:
    def __init__(self, scenario: str, replication: int) -> None:
        self.scenario = scenario
        self.replication = replication
        self.rows: list[tuple] = []

    def add(self, scope: str, subject: str, metric: str, value: float, priority: str = "",
            period: str = "all") -> None:
        self.rows.append((self.scenario, self.replication, scope, subject, metric, priority, period, float(value)))


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


def measure(study: Study, run: ScenarioRun, replication: int) -> list[tuple]:
    """All metrics of one scenario in one replication as tidy rows (see ``COLUMNS``)."""
    rows = _Rows(run.scenario.name, replication)
    calendar = study.calendar_
    horizon = run.horizon
    years = calendar.year_bounds()
    n_years = calendar.horizon_years
    load = run.load
    cost_lines: list[costs.CostLine] = []
    economics = study.economics

    for s, name in enumerate(load.services):
        service = study.services[name]
        option = run.scenario.option_for(name)
        idx = np.flatnonzero((load.service == s) & run.handled)
        arrival = load.time[idx]
        priority = load.priority[idx]
        restored = run.restored[idx]
        ends = np.where(np.isnan(restored), horizon, restored)
        year_of = np.clip(np.searchsorted(years, arrival, side="right") - 1, 0, n_years - 1)
        users = np.array([service.users_in_year(y) for y in range(n_years)])
        levels = np.select([priority == 0, priority == 1], [1.0, service.p2_impact], 1.0 / users[year_of])
        planned = load.planned[name]
        starts = np.concatenate((arrival, planned[:, 0]))
        stops = np.concatenate((ends, planned[:, 1]))
        levels = np.concatenate((levels, np.ones(len(planned))))
        knots, level = impact_timeline(starts, stops, levels, years)
        service_time = calendar.schedule(study.window(service.service_time))
        business = calendar.schedule(study.window(service.business_hours))
        down_all = cumulative_downtime(knots, level, None)
        down_st = cumulative_downtime(knots, level, service_time)
        down_bh = cumulative_downtime(knots, level, business)
        at = np.searchsorted(knots, years)
        by_year_all = np.diff(down_all[at])
        by_year_bh = np.diff(down_bh[at])
        by_year_off = by_year_all - by_year_bh
        agreed = service_time.covered(0.0, horizon)
        rows.add("service", name, "availability_service_time", 1 - down_st[at[-1]] / agreed if agreed else 1.0)
        rows.add("service", name, "availability_24_7", 1 - down_all[at[-1]] / horizon)
        rows.add("service", name, "downtime_hours", down_all[at[-1]])
        rows.add("service", name, "downtime_business_hours", by_year_bh.sum())
        rows.add("service", name, "downtime_off_hours", by_year_off.sum())
        rows.add("service", name, "planned_downtime_hours", float(np.sum(planned[:, 1] - planned[:, 0])))
        rows.add("service", name, "outages", int(np.sum(priority == 0)))
        rows.add("service", name, "backlog", int(np.sum(np.isnan(restored))))
        for y in range(n_years):
            rows.add("service", name, "downtime_hours", by_year_all[y], period=period(y))
        _restoration(rows, name, service, arrival, priority, run.started[idx], restored, horizon)
        cost_lines += costs.downtime_costs(name, service.outage_cost_per_hour, by_year_bh, by_year_off)
        if isinstance(option, MakeOption):
            cost_lines += costs.infrastructure_costs(name, service.infrastructure, economics, users)

    for team_run in run.teams.values():
        cost_lines += _team(rows, study, team_run)

    _costs(rows, cost_lines, economics.discount_rate, n_years)
    return rows.rows


def _restoration(rows: _Rows, name: str, service, arrival: np.ndarray, priority: np.ndarray,
                 started: np.ndarray, restored: np.ndarray, horizon: float) -> None:
    ttr = restored - arrival
    wait = started - arrival
    for k, p in enumerate(PRIORITIES):
        mask = priority == k
        rows.add("service", name, "incidents", int(mask.sum()), priority=p)
        done = ttr[mask & ~np.isnan(ttr)]
        if len(done):
            rows.add("service", name, "ttr_mean", done.mean(), priority=p)
            rows.add("service", name, "ttr_p50", np.percentile(done, 50), priority=p)
            rows.add("service", name, "ttr_p90", np.percentile(done, 90), priority=p)
        waited = wait[mask & ~np.isnan(wait)]
        if len(waited):
            rows.add("service", name, "wait_mean", waited.mean(), priority=p)
        target = service.restore_targets.get(p)
        if target is not None:
            judged = mask & (arrival + target <= horizon)
            if judged.any():
                ok = np.where(np.isnan(ttr[judged]), False, ttr[judged] <= target)
                rows.add("service", name, "within_target", ok.mean(), priority=p)


def _split_by_year(segments: list[tuple[int, float, float]], years: np.ndarray, people: int) -> np.ndarray:
    """Hours of (person, start, end) segments per person and scenario year."""
    out = np.zeros((people, len(years) - 1))
    for person, start, end in segments:
        for y in range(len(years) - 1):
            overlap = min(end, years[y + 1]) - max(start, years[y])
            if overlap > 0:
                out[person, y] += overlap
    return out


def _team(rows: _Rows, study: Study, run: TeamRun) -> list[costs.CostLine]:
    calendar = study.calendar_
    years = calendar.year_bounds()
    n_years = calendar.horizon_years
    months = calendar.horizon_hours / HOURS_PER_MONTH
    people = len(run.plans)
    shift_hours = np.array([float(np.sum(p.on_shift[:, 1] - p.on_shift[:, 0])) for p in run.plans])
    on_shift = shift_hours.sum()
    rows.add("team", run.name, "utilisation", run.shift_work.sum() / on_shift if on_shift else 0.0)
    for plan, hours, work in zip(run.plans, shift_hours, run.shift_work):
        rows.add("person", f"{run.name}/{plan.person.name}", "utilisation", work / hours if hours else 0.0)
    overtime = _split_by_year(run.overtime, years, people)
    interventions = _split_by_year(run.interventions, years, people)
    vacant = _split_by_year([(i, s, e) for i, p in enumerate(run.plans) for s, e in p.vacant], years, people)
    year_length = np.diff(years)
    rows.add("team", run.name, "overtime_hours", overtime.sum())
    rows.add("team", run.name, "intervention_hours", interventions.sum())
    rows.add("team", run.name, "vacancy_share", vacant.sum() / (people * years[-1]))
    for y in range(n_years):
        rows.add("team", run.name, "overtime_hours", overtime[:, y].sum(), period=period(y))
    callouts_by_year = np.bincount(
        np.clip(np.searchsorted(years, [c.time for c in run.callouts], side="right") - 1, 0, n_years - 1),
        minlength=n_years,
    ) if run.callouts else np.zeros(n_years, dtype=int)
    duty_weeks = np.zeros(n_years)
    if run.team.on_call is not None:
        window = calendar.schedule(study.window(run.team.on_call.window))
        weekly = window.covered(0.0, calendar.horizon_hours) / (calendar.horizon_hours / 168)
        duty = _split_by_year([(0, r.start, r.end) for r in run.rota], years, 1)[0]
        duty_weeks = duty / weekly if weekly else duty * 0
        rota_size = sum(1 for p in run.plans if p.person.on_call)
        nights = {(c.person, (calendar.instant(c.time) - timedelta(hours=NIGHT_END)).date())
                  for c in run.callouts if _at_night(calendar.instant(c.time).hour)}
        rows.add("team", run.name, "callouts_per_month", len(run.callouts) / months)
        rows.add("team", run.name, "nights_disturbed_per_person_month", len(nights) / max(rota_size, 1) / months)
    person_years = []
    for i, plan in enumerate(run.plans):
        departures = np.bincount(np.clip(np.searchsorted(years, plan.departures, side="right") - 1, 0, n_years - 1),
                                 minlength=n_years) if plan.departures else np.zeros(n_years, dtype=int)
        for y in range(n_years):
            person_years.append(costs.PersonYear(
                person=plan.person, year=y, employed_share=1 - vacant[i, y] / year_length[y],
                departures=int(departures[y]), overtime_hours=overtime[i, y],
                intervention_hours=interventions[i, y],
            ))
    return costs.team_costs(run.name, run.team, study.economics, person_years, duty_weeks.tolist(),
                            callouts_by_year.tolist())


def _at_night(hour: int) -> bool:
    return hour >= NIGHT_START or hour < NIGHT_END


def _costs(rows: _Rows, lines: list[costs.CostLine], rate: float, n_years: int) -> None:
    by = defaultdict(float)
    for line in lines:
        by[(line.category, line.year)] += line.amount
    ownership = np.zeros(n_years)
    downtime = np.zeros(n_years)
    upfront_ownership = 0.0
    for category in costs.CATEGORIES:
        total = 0.0
        for y in [None, *range(n_years)]:
            amount = by.get((category, y), 0.0)
            if y is not None:
                rows.add("scenario", "all", f"cost.{category}", amount, period=period(y))
                if category == "downtime":
                    downtime[y] += amount
                else:
                    ownership[y] += amount
            elif category != "downtime":
                upfront_ownership += amount
            total += amount
        rows.add("scenario", "all", f"cost.{category}", total)
    for y in range(n_years):
        rows.add("scenario", "all", "cost_of_ownership", ownership[y], period=period(y))
        rows.add("scenario", "all", "economic_cost", ownership[y] + downtime[y], period=period(y))
    rows.add("scenario", "all", "cost_of_ownership", upfront_ownership + ownership.sum())
    rows.add("scenario", "all", "downtime_cost", downtime.sum())
    rows.add("scenario", "all", "economic_cost", upfront_ownership + ownership.sum() + downtime.sum())
    rows.add("scenario", "all", "cost_of_ownership_npv", costs.npv(ownership, rate, upfront_ownership))
    rows.add("scenario", "all", "economic_cost_npv", costs.npv(ownership + downtime, rate, upfront_ownership))
