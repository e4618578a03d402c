"""Per-replication measurements, as tidy rows (one row per scenario x subject x metric x period).

Downtime is measured on the service's *impact timeline*: a P1 takes the whole service down,
a P2 takes away ``p2_impact`` of it, a P3/P4 one user's share; planned downtime, SaaS outages
and SaaS maintenance take it all. Concurrent impacts add up to at most a full outage. The
timeline is integrated against the cumulative covered-time function of each window (agreed
service time, business hours), which is exact at every boundary.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from sourcing import contracts, money
from sourcing.calendar import CoverageSchedule
from sourcing.scenario import PRIORITIES, HybridOption, MakeOption, OutsourceOption, SaasOption, ServicePlan, Study
from sourcing.units import HOURS_PER_MONTH

from .engine import PROVIDER, ScenarioRun, TeamRun

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
    "planned_downtime_hours": MetricInfo("Planned downtime and maintenance", "h", False),
    "outages": MetricInfo("Outages (P1 and platform)", "count", False),
    "incidents": MetricInfo("Incidents", "count"),
    "wait_mean": MetricInfo("Time to start work, mean", "h", False),
    "ttr_mean": MetricInfo("Time to restore, mean", "h", False),
    "ttr_p50": MetricInfo("Time to restore, median", "h", False),
    "ttr_p90": MetricInfo("Time to restore, P90", "h", False),
    "open_at_horizon": MetricInfo("Still open at the horizon (counted up to it in the times to restore)", "count",
                                  False),
    "within_target": MetricInfo("Restored within target", "share", True),
    "backlog": MetricInfo("Open incidents at the end", "count", False),
    "months_below_target": MetricInfo("Months below the availability target or SLA", "count", False),
    "any_month_below": MetricInfo("At least one month below target or SLA", "share", False),
    "utilisation": MetricInfo("Share of shift hours spent restoring incidents (not total workload)", "share"),
    "callouts_per_month": MetricInfo("On-call call-outs per month", "count", False),
    "nights_disturbed_per_person_month": MetricInfo("Nights disturbed per on-call person per month", "count",
                                                    False),
    "overtime_hours": MetricInfo("Overtime", "h", False),
    "intervention_hours": MetricInfo("Work done on call", "h", False),
    "vacancy_share": MetricInfo("Posts vacant", "share", False),
    "gti_compliance": MetricInfo("Started within GTI", "share", True),
    "gtr_compliance": MetricInfo("Restored within GTR", "share", True),
    "gtr_breaches": MetricInfo("GTR breaches", "count", False),
    "tickets": MetricInfo("Tickets to the provider", "count"),
    "escalations": MetricInfo("Escalations to the provider", "count"),
    "penalties_due": MetricInfo("Penalties due (after cap)", "money", True),
    "penalties_before_cap": MetricInfo("Penalties before the cap", "money"),
    "cap_binding_months": MetricInfo("Months where the penalty cap binds", "count"),
    "sla_availability": MetricInfo("SaaS monthly availability (SLA basis)", "share", True),
    "availability_month": MetricInfo("Availability of the month in agreed service time", "share", True),
    "sla_availability_month": MetricInfo("SaaS availability of the month (SLA basis)", "share", True),
    "months_below_sla": MetricInfo("Months below the SaaS SLA", "count", False),
    "credits_due": MetricInfo("Service credits due", "money", True),
    "credits_received": MetricInfo("Service credits received", "money", True),
    "cost_of_ownership": MetricInfo("Cost of ownership", "money", False),
    "cost_of_ownership_npv": MetricInfo("Cost of ownership, NPV", "money", False),
    "downtime_cost": MetricInfo("Business cost of downtime", "money", False),
    "received": MetricInfo("Penalties and credits received", "money", True),
    "economic_cost": MetricInfo("Economic cost (ownership + downtime − received)", "money", False),
    "economic_cost_npv": MetricInfo("Economic cost, NPV", "money", False),
}
for _category in money.CATEGORIES:
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


class _Context:
    """What every part of a replication's measurement shares."""

    def __init__(self, study: Study, run: ScenarioRun) -> None:
        self.study = study
        self.run = run
        self.calendar = study.calendar_
        self.horizon = run.horizon
        self.years = self.calendar.year_bounds()
        self.n_years = self.calendar.horizon_years
        self.money = money.months_of(self.calendar)
        self.months = self.money.bounds
        self.month_year = self.money.year
        self.month_labels = [self.calendar.instant(t + 1e-6).strftime("%Y-%m") for t in self.months[:-1]]

    def year_of(self, t: np.ndarray) -> np.ndarray:
        return np.clip(np.searchsorted(self.years, t, side="right") - 1, 0, self.n_years - 1)

    def month_of(self, t: np.ndarray) -> np.ndarray:
        return self.money.of(t)

    def active(self, start: float, until: float) -> list[float]:
        return money.active_share(self.years.tolist(), start, until)


def measure(study: Study, run: ScenarioRun, replication: int) -> list[tuple]:
    """All metrics of one scenario in one replication as tidy rows (see ``COLUMNS``)."""
    rows = _Rows(run.scenario.name, replication)
    ctx = _Context(study, run)
    lines: list[money.CostLine] = []
    pooled = _Pooled()
    saas: dict[str, list[_SaasBill]] = defaultdict(list)
    for s, name in enumerate(run.load.services):
        lines += _service(rows, ctx, s, name, pooled, saas)
    for team_run in run.teams.values():
        lines += _team(rows, study, team_run)
    lines += _contracts(rows, ctx, pooled)
    lines += _saas_contracts(ctx, saas)
    pooled.write(rows, study)
    _costs(rows, lines, study.economics.discount_rate, ctx.n_years)
    return rows.rows


@dataclass
class _Pooled:
    """Scenario-wide sums: availability weighted by users, targets and GTR pooled over services."""

    weighted_availability: float = 0.0
    users: float = 0.0
    within: float = 0.0
    judged: float = 0.0
    gtr_ok: float = 0.0
    gtr_judged: float = 0.0
    downtime: float = 0.0
    any_below: float = 0.0
    months_below: float = 0.0
    has_target: bool = False

    def write(self, rows: _Rows, study: Study) -> None:
        rows.add("scenario", "all", "availability_service_time", self.weighted_availability / self.users)
        rows.add("scenario", "all", "downtime_hours", self.downtime)
        if self.judged:
            rows.add("scenario", "all", "within_target", self.within / self.judged)
        if self.gtr_judged:
            rows.add("scenario", "all", "gtr_compliance", self.gtr_ok / self.gtr_judged)
        if self.has_target:
            rows.add("scenario", "all", "any_month_below", self.any_below)
            rows.add("scenario", "all", "months_below_target", self.months_below)


def _service(rows: _Rows, ctx: _Context, s: int, name: str, pooled: _Pooled,
             saas: dict[str, list[_SaasBill]]) -> list[money.CostLine]:
    study, run = ctx.study, ctx.run
    service = study.services[name]
    plan = run.plans[name]
    load = run.load
    horizon = ctx.horizon
    # The impact timeline takes every incident, those of the warm-up included: one still open at the
    # start takes the service down from the start. Everything else counts the horizon's incidents only.
    every = np.flatnonzero((load.service == s) & run.handled)
    ends = np.maximum(np.where(np.isnan(run.restored[every]), horizon, run.restored[every]), 0.0)
    begins = np.minimum(np.maximum(load.time[every], 0.0), ends)
    users = np.array([service.users_in_year(y) for y in range(ctx.n_years)])
    kinds = load.priority[every]
    levels = np.select([kinds == 0, kinds == 1], [1.0, service.p2_impact], 1.0 / users[ctx.year_of(begins)])
    full = np.concatenate((run.planned[name], run.platform_outages[name], run.maintenance[name]))
    knots, level = impact_timeline(np.concatenate((begins, full[:, 0])), np.concatenate((ends, full[:, 1])),
                                   np.concatenate((levels, np.ones(len(full)))),
                                   np.concatenate((ctx.years, ctx.months)))
    idx = every[load.time[every] >= 0]
    arrival = load.time[idx]
    priority = load.priority[idx]
    restored = run.restored[idx]
    service_time = ctx.calendar.schedule(study.window(service.service_time))
    business = ctx.calendar.schedule(study.window(service.business_hours))
    down_all = cumulative_downtime(knots, level, None)
    down_st = cumulative_downtime(knots, level, service_time)
    down_bh = cumulative_downtime(knots, level, business)
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
    within, judged = _restoration(rows, name, service, arrival, priority, run.started[idx], restored, horizon)
    pooled.weighted_availability += availability * service.users
    pooled.users += service.users
    pooled.within += within
    pooled.judged += judged
    pooled.downtime += down_all[at[-1]]

    below = _monthly_targets(rows, ctx, name, service, knots, level, service_time, run, plan)
    if below is not None:
        pooled.has_target = True
        pooled.any_below = max(pooled.any_below, float(below > 0))
        pooled.months_below += below

    lines = money.downtime_costs(name, service.outage_cost_per_hour, by_year_bh, by_year_off)
    lines += money.infrastructure_costs(name, service.infrastructure, study.economics, users,
                                        ctx.active(0.0, _infrastructure_until(study, plan)))
    if isinstance(plan.option, SaasOption):
        bill, saas_below = _saas(rows, ctx, name, plan)
        saas[plan.option.saas].append(bill)
        if saas_below is not None and service.availability_target is None:
            pooled.has_target = True
            pooled.any_below = max(pooled.any_below, float(saas_below > 0))
            pooled.months_below += saas_below
    return lines


def _keeps_infrastructure(study: Study, option) -> bool:
    if isinstance(option, (MakeOption, HybridOption)):
        return True
    if isinstance(option, OutsourceOption):
        return study.providers[option.outsource].hosting == "client"
    return False


def _infrastructure_until(study: Study, plan: ServicePlan) -> float:
    if _keeps_infrastructure(study, plan.option):
        return np.inf
    if plan.previous is not None and _keeps_infrastructure(study, plan.previous):
        return plan.transition_end
    return 0.0


def _monthly_targets(rows: _Rows, ctx: _Context, name: str, service, knots, level, service_time, run,
                     plan: ServicePlan) -> int | None:
    """Availability in the agreed service time for each calendar month (rows with period 'YYYY-MM');
    and the months below the service's availability target (None without a target)."""
    down = cumulative_downtime(knots, level, service_time)
    at = np.searchsorted(knots, ctx.months)
    covered = np.diff(service_time.cumulative(ctx.months))
    with np.errstate(invalid="ignore", divide="ignore"):
        monthly = np.where(covered > 0, 1 - np.diff(down[at]) / np.where(covered > 0, covered, 1.0), 1.0)
    for label, value in zip(ctx.month_labels, monthly.tolist()):
        rows.add("service", name, "availability_month", value, period=label)
    if service.availability_target is None:
        return None
    below = int(np.sum(monthly < service.availability_target - 1e-12))
    rows.add("service", name, "months_below_target", below)
    rows.add("service", name, "any_month_below", float(below > 0))
    return below


@dataclass(frozen=True)
class _SaasBill:
    """One service's part of a SaaS contract: its subscription and the credits received, per month."""

    subscription: np.ndarray
    credits_received: np.ndarray
    moved: bool


def _saas(rows: _Rows, ctx: _Context, name: str, plan: ServicePlan) -> tuple[_SaasBill, int | None]:
    """SLA availability per month (24/7, maintenance excluded) and credits; the service's part of the
    subscription; and the number of months below the SLA (None without an SLA)."""
    study = ctx.study
    offer = study.saas[plan.option.saas]
    service = study.services[name]
    start = plan.transition_end
    outages = ctx.run.platform_outages[name]
    knots, level = impact_timeline(outages[:, 0], outages[:, 1], np.ones(len(outages)), ctx.months)
    down = cumulative_downtime(knots, level, None)
    at = np.searchsorted(knots, ctx.months)
    month_down = np.diff(down[at])
    begins = np.maximum(ctx.months[:-1], start)
    length = ctx.months[1:] - begins
    in_force = length > 1e-9
    availability = np.where(in_force, 1 - month_down / np.where(in_force, length, 1.0), 1.0)
    users = np.array([service.users_in_year(y) for y in ctx.month_year])
    subscription = money.monthly_fees(users * offer.price_per_user_month, offer.indexation, study.economics,
                                      ctx.money, ctx.money.in_force())
    rows.add("service", name, "sla_availability", float(np.mean(availability[in_force])) if in_force.any() else 1.0)
    for label, value, counted in zip(ctx.month_labels, availability.tolist(), in_force.tolist()):
        if counted:
            rows.add("service", name, "sla_availability_month", value, period=label)
    moved = plan.transition_cost > 0 or plan.previous is not None
    if offer.sla is None:
        return _SaasBill(subscription, np.zeros_like(subscription), moved), None
    credits = money.sla_credits(offer.sla, availability, subscription)
    due = np.where(in_force, credits.due, 0.0)
    received = np.where(in_force, credits.received, 0.0)
    below = int(np.sum(credits.below & in_force))
    rows.add("service", name, "months_below_sla", below)
    rows.add("service", name, "credits_due", due.sum())
    rows.add("service", name, "credits_received", received.sum())
    if service.availability_target is None:
        rows.add("service", name, "any_month_below", float(below > 0))
    return _SaasBill(subscription, received, moved), below


def _saas_contracts(ctx: _Context, bills: dict[str, list[_SaasBill]]) -> list[money.CostLine]:
    """Each SaaS contract once: its services' subscriptions and credits, one retained organisation,
    one migration, one exit."""
    lines: list[money.CostLine] = []
    for offer_name, parts in bills.items():
        offer = ctx.study.saas[offer_name]
        lines += money.saas_costs(offer_name, offer, ctx.study.economics, ctx.money,
                                  sum(p.subscription for p in parts), sum(p.credits_received for p in parts),
                                  ctx.active(0.0, np.inf), moved=any(p.moved for p in parts))
    return lines


def _restoration(rows: _Rows, name: str, service, arrival: np.ndarray, priority: np.ndarray,
                 started: np.ndarray, restored: np.ndarray, horizon: float) -> tuple[int, int]:
    """Time to start and to restore per priority; share within the service's targets. Returns the
    pooled (within target, judged) counts.

    An incident still open at the horizon counts with the time it has waited so far (restored or
    censored at the horizon): dropping it would bias the means low exactly when a team is overwhelmed.
    How many were still open is reported beside the mean (``open_at_horizon``).
    """
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
            rows.add("service", name, "ttr_p50", np.percentile(done, 50), priority=p)
            rows.add("service", name, "ttr_p90", np.percentile(done, 90), priority=p)
            rows.add("service", name, "open_at_horizon", int(np.sum(still_open & mask)), priority=p)
            rows.add("service", name, "wait_mean", wait[mask].mean(), priority=p)
        target = service.restore_targets.get(p)
        if target is not None:
            judged = mask & (arrival + target <= horizon)
            if judged.any():
                ok = np.where(np.isnan(ttr[judged]), False, ttr[judged] <= target)
                rows.add("service", name, "within_target", ok.mean(), priority=p)
                within_all += int(ok.sum())
                judged_all += int(judged.sum())
    if judged_all:
        rows.add("service", name, "within_target", within_all / judged_all)
    return within_all, judged_all


def _contracts(rows: _Rows, ctx: _Context, pooled: _Pooled) -> list[money.CostLine]:
    """Each provider offer in force: GTI/GTR outcomes, penalties under the cap, fees."""
    study, run = ctx.study, ctx.run
    load = run.load
    users_of: dict[str, list[int]] = defaultdict(list)
    for s, name in enumerate(load.services):
        option = run.plans[name].option
        offer = option.outsource if isinstance(option, OutsourceOption) else (
            option.hybrid.provider if isinstance(option, HybridOption) else None)
        if offer is not None:
            users_of[offer].append(s)
    lines: list[money.CostLine] = []
    for offer_name, services in users_of.items():
        offer = study.providers[offer_name]
        start = {s: run.plans[load.services[s]].transition_end for s in services}
        in_contract = np.zeros(len(load), dtype=bool)
        for s in services:
            in_contract |= (load.service == s) & (load.time >= start[s])
        mine = np.flatnonzero(in_contract & run.handled & (run.by == PROVIDER) & ~run.escalated)
        escalated = np.flatnonzero(in_contract & run.escalated)
        coverage = ctx.calendar.schedule(study.window(offer.coverage))
        arrival = load.time[mine]
        priority = load.priority[mine]
        restored = run.restored[mine]
        finished = ~np.isnan(restored)
        elapsed = coverage.cumulative(np.where(finished, restored, ctx.horizon)) - coverage.cumulative(arrival)
        gtr = contracts.deadline_outcomes(elapsed, contracts.deadlines(offer.gtr, priority), finished)
        started = run.started[mine]
        has_start = ~np.isnan(started)
        to_start = coverage.cumulative(np.where(has_start, started, ctx.horizon)) - coverage.cumulative(arrival)
        gti = contracts.deadline_outcomes(to_start, contracts.deadlines(offer.gti, priority), has_start)
        for k, p in enumerate(PRIORITIES):
            mask = priority == k
            if (gtr.judged & mask).any():
                rows.add("contract", offer_name, "gtr_compliance", 1 - gtr.breached[mask & gtr.judged].mean(),
                         priority=p)
            rows.add("contract", offer_name, "gtr_breaches", int(gtr.breached[mask].sum()), priority=p)
            if (gti.judged & mask).any():
                rows.add("contract", offer_name, "gti_compliance", 1 - gti.breached[mask & gti.judged].mean(),
                         priority=p)
        if gtr.judged.any():
            rows.add("contract", offer_name, "gtr_compliance", 1 - gtr.breached[gtr.judged].mean())
            pooled.gtr_ok += int((~gtr.breached & gtr.judged).sum())
            pooled.gtr_judged += int(gtr.judged.sum())
        if gti.judged.any():
            rows.add("contract", offer_name, "gti_compliance", 1 - gti.breached[gti.judged].mean())
        rows.add("contract", offer_name, "gtr_breaches", int(gtr.breached.sum()))

        index = money.index_by_month(offer.indexation, study.economics, ctx.money)
        monthly_fee = money.monthly_fees(offer.fees.monthly, offer.indexation, study.economics, ctx.money,
                                         ctx.money.in_force())
        month = ctx.month_of(arrival)
        due = money.penalties(offer.penalties, month, priority, gtr.breached, gtr.late_hours, monthly_fee)
        rows.add("contract", offer_name, "penalties_due", due.due.sum())
        rows.add("contract", offer_name, "penalties_before_cap", due.before_cap.sum())
        rows.add("contract", offer_name, "cap_binding_months", int(due.capped.sum()))
        n_months = len(monthly_fee)
        tickets = np.bincount(np.concatenate((month, ctx.month_of(load.time[escalated]))), minlength=n_months)
        hno = ctx.calendar.schedule(study.window(offer.fees.hno_window))
        at_start = started[has_start]
        hno_started = hno.is_open_many(at_start) & coverage.is_open_many(at_start)
        hno_count = np.bincount(month[has_start][hno_started], minlength=n_months)
        rows.add("contract", offer_name, "tickets", int(tickets.sum()))
        rows.add("contract", offer_name, "escalations", len(escalated))
        variable = money.variable_fees(offer.fees, tickets, hno_count, index)
        moved = any(run.plans[load.services[s]].transition_cost > 0 or run.plans[load.services[s]].previous is not None
                    for s in services)
        lines += money.provider_costs(offer_name, offer, study.economics, ctx.money, monthly_fee, variable, due.due,
                                      ctx.active(0.0, np.inf), moved)
    return lines


def _split_by_year(segments: list[tuple[int, float, float]], years: np.ndarray, people: int) -> np.ndarray:
    """Hours of (person, start, end) segments per person and scenario year."""
    out = np.zeros((people, len(years) - 1))
    if not segments:
        return out
    data = np.array(segments, dtype=float)
    person = data[:, 0].astype(int)
    for y in range(len(years) - 1):
        overlap = np.minimum(data[:, 2], years[y + 1]) - np.maximum(data[:, 1], years[y])
        np.add.at(out[:, y], person, np.maximum(overlap, 0.0))
    return out


def _team(rows: _Rows, study: Study, run: TeamRun) -> list[money.CostLine]:
    calendar = study.calendar_
    years = calendar.year_bounds()
    n_years = calendar.horizon_years
    months = min(calendar.horizon_hours, run.active_until) / HOURS_PER_MONTH
    people = len(run.plans)
    # Only the horizon is measured: shifts, work, overtime and call-outs of the warm-up are left out.
    shift_hours = np.array([float(np.sum(np.clip(p.on_shift[:, 1], 0.0, None) - np.clip(p.on_shift[:, 0], 0.0, None)))
                            for p in run.plans])
    overtime = _split_by_year(run.overtime, years, people)
    worked = _split_by_year([(w.person, w.start, w.end) for w in run.work if not w.on_call], years, people)
    shift_work = worked.sum(axis=1) - overtime.sum(axis=1)
    on_shift = shift_hours.sum()
    rows.add("team", run.name, "utilisation", shift_work.sum() / on_shift if on_shift else 0.0)
    for plan, hours, work in zip(run.plans, shift_hours, shift_work):
        rows.add("person", f"{run.name}/{plan.person.name}", "utilisation", work / hours if hours else 0.0)
    interventions = _split_by_year(run.interventions, years, people)
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
    if run.team.on_call is not None:
        window = calendar.schedule(study.window(run.team.on_call.window))
        weekly = window.covered(0.0, calendar.horizon_hours) / (calendar.horizon_hours / 168)
        duty = _split_by_year([(0, r.start, r.end) for r in run.rota], years, 1)[0]
        duty_weeks = duty / weekly if weekly else duty * 0
        rota_size = sum(1 for p in run.plans if p.person.on_call)
        nights = {(c.person, (calendar.instant(c.time) - timedelta(hours=NIGHT_END)).date())
                  for c in callouts if _at_night(calendar.instant(c.time).hour)}
        rows.add("team", run.name, "callouts_per_month", len(callouts) / months)
        rows.add("team", run.name, "nights_disturbed_per_person_month", len(nights) / max(rota_size, 1) / months)
    person_years = []
    for i, plan in enumerate(run.plans):
        departures = np.bincount(np.clip(np.searchsorted(years, plan.departures, side="right") - 1, 0, n_years - 1),
                                 minlength=n_years) if plan.departures else np.zeros(n_years, dtype=int)
        for y in range(n_years):
            employed = max(0.0, active[y] - vacant[i, y] / year_length[y])
            person_years.append(money.PersonYear(
                person=plan.person, year=y, employed_share=employed,
                departures=int(departures[y]), overtime_hours=overtime[i, y],
                intervention_hours=interventions[i, y],
            ))
    return money.team_costs(run.name, run.team, study.economics, person_years, duty_weeks.tolist(),
                            callouts_by_year.tolist())


def _at_night(hour: int) -> bool:
    return hour >= NIGHT_START or hour < NIGHT_END


def _costs(rows: _Rows, lines: list[money.CostLine], rate: float, n_years: int) -> None:
    """Cost rows per category and year (one-off amounts shown in year 1), totals and NPVs."""
    total = money.totals(lines, n_years, rate)
    for category, amounts in total.by_category.items():
        for y in range(n_years):
            rows.add("scenario", "all", f"cost.{category}", amounts[y], period=period(y))
        rows.add("scenario", "all", f"cost.{category}", amounts.sum())
    for y in range(n_years):
        rows.add("scenario", "all", "cost_of_ownership", total.ownership[y], period=period(y))
        rows.add("scenario", "all", "economic_cost", total.economic[y], period=period(y))
    rows.add("scenario", "all", "cost_of_ownership", total.ownership.sum())
    rows.add("scenario", "all", "downtime_cost", total.downtime)
    rows.add("scenario", "all", "received", total.received)
    rows.add("scenario", "all", "economic_cost", total.economic.sum())
    rows.add("scenario", "all", "cost_of_ownership_npv", total.ownership_npv)
    rows.add("scenario", "all", "economic_cost_npv", total.economic_npv)


INCIDENT_COLUMNS = ("scenario", "replication", "service", "priority", "arrival", "wait", "ttr", "handler")
HANDLERS = ("nobody", "team", "provider", "support")


def incident_rows(study: Study, run: ScenarioRun, replication: int) -> list[tuple]:
    """One row per incident that exists under the scenario: waits and times to restore (clock hours,
    NaN if still open at the horizon), for distribution charts."""
    load = run.load
    idx = np.flatnonzero(run.handled & load.measured)
    wait = run.started[idx] - load.time[idx]
    ttr = run.restored[idx] - load.time[idx]
    names = load.services
    return [(run.scenario.name, replication, names[s], PRIORITIES[p], t, w, r, HANDLERS[h])
            for s, p, t, w, r, h in zip(load.service[idx].tolist(), load.priority[idx].tolist(),
                                        load.time[idx].tolist(), wait.tolist(), ttr.tolist(),
                                        run.by[idx].tolist())]
