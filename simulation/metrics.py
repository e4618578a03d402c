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

from dataclasses import replace
from datetime import timedelta
from itertools import chain
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from sourcing import money
from sourcing.model import PRIORITIES
from sourcing.units import HOURS_PER_MONTH

from . import sustainability
from .billing import SaasBill, contracts_of
from .ledger import ScenarioLedger, ServiceLedger, TeamLedger
from .measures import (
    NIGHT_END,
    NIGHT_START,
    Context,
    Prices,
    Row,
    Rows,
    Targets,
    Valued,
    cumulative_downtime,
    impact_timeline,
    period,
)
from .records import ScenarioRun, Stretch, TeamRun, Work

if TYPE_CHECKING:
    from .plan import Assignment, Plan, ScenarioPlan, ServicePlan, TeamPlan


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
    for contract, uses in contracts_of(run.scenario):
        found = contract.measure_bill(rows, ctx, [(plan.services[k], a) for k, a in uses])
        if found is not None:
            contracts[contract.name] = found
    ctx.pooled.write(rows)
    rows.mark(("costs",))
    return ScenarioLedger(1, tuple(services), teams, contracts)



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
                if isinstance(part, SaasBill) and part.below is not None and service.availability_target is None:
                    slot.add("service", service.name, "any_month_below", (part.below > 0).astype(float))
                    targets.count_below(part.below)
    for name, team in ledger.teams.items():
        lines += _team_costs(prices, plan.teams[name], team)
    for contract, uses in contracts_of(scenario):
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
