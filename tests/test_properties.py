"""Invariants that hold for any valid scenario (Hypothesis draws the scenarios)."""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from simulation.compile import compile_study
from simulation.engine import simulate
from simulation.incidents import draw_load
from simulation.metrics import measure
from simulation.streams import Streams
from sourcing.errors import ScenarioError
from sourcing.files import study_from_data
from sourcing.model import PRIORITIES

SHIFTS = ["HO", "24/7", "Mon-Fri 07:00-20:00", "Mon-Sat 08:00-12:00; Mon-Fri 14:00-18:00", "daily 22:00-06:00+1",
          "Mon-Fri 18:00-22:00", "daily 06:00-14:00", "daily 14:00-22:00"]
DISTRIBUTIONS = st.sampled_from(["30min", "2h", {"mean": "1h"}, {"median": "1h", "p90": "5h"},
                                 {"median": "20min", "p90": "8h"}])


@st.composite
def studies(draw):
    mix = draw(st.lists(st.integers(0, 10), min_size=4, max_size=4).filter(lambda w: sum(w) > 0))
    members = [{"count": draw(st.integers(1, 3)), "annual_cost": f"{draw(st.integers(20, 90))}k EUR",
                "shift": draw(st.sampled_from(SHIFTS)),
                "priorities": draw(st.sampled_from([["P1", "P2", "P3", "P4"], ["P1", "P2"], ["P3", "P4"], ["P1"]]))}
               for _ in range(draw(st.integers(1, 3)))]
    team = {
        "members": members,
        "repair_time": {p: draw(DISTRIBUTIONS) for p in ("P1", "P2", "P3", "P4")},
        "shift_end": draw(st.sampled_from(["overtime", "handover"])),
        "preemption": draw(st.booleans()),
    }
    if draw(st.booleans()):
        team["on_call"] = {"weekly_premium": "100 EUR", "priorities": draw(st.sampled_from([["P1"], ["P1", "P2"]])),
                           "call_out_delay": draw(DISTRIBUTIONS)}
    if draw(st.booleans()):
        team["absences"] = {"annual_leave_days": draw(st.integers(0, 30)), "sickness": f"{draw(st.integers(0, 10))}%"}
    if draw(st.booleans()):
        team["departures"] = {"yearly_probability": f"{draw(st.integers(0, 50))}%", "hiring_delay": "2mo"}
    service = {
        "users": draw(st.integers(1, 500)),
        "service_time": draw(st.sampled_from(["24/7", "HO"])),
        "outage_cost_per_hour": {"business": "500 EUR", "off_hours": "50 EUR"},
        "incidents": {"per_month": draw(st.floats(0, 60)), "weekly_profile": draw(st.sampled_from(["office", "flat"])),
                      "priorities": {p: w / sum(mix) for p, w in zip(("P1", "P2", "P3", "P4"), mix)}},
    }
    if draw(st.booleans()):
        service["changes"] = {"per_month": draw(st.integers(0, 6)), "planned_downtime": "1h", "failure_rate": "20%"}
    try:
        return study_from_data({
            "name": "property", "calendar": {"start": "2027-03-01", "horizon": "1y"},
            "services": {"svc": service}, "teams": {"t": team},
            "scenarios": [{"name": "make", "default": {"make": "t"}}],
        })
    except ScenarioError:
        assume(False)  # some drawn members leave a priority nobody handles: not a valid scenario


@settings(max_examples=40)
@given(study=studies(), seed=st.integers(0, 2**32 - 1))
def test_invariants(study, seed):
    streams = Streams(seed, 0)
    plan = compile_study(study)
    load = draw_load(plan, streams)
    run = simulate(plan, plan.scenarios[0], load, streams)
    started, restored = run.started, run.restored
    done = ~np.isnan(restored)
    assert np.all(started[done] >= load.time[done] - 1e-9), "work starts after arrival"
    assert np.all(restored[done] >= started[done] - 1e-9), "restoration after the start of work"
    assert np.all(restored[done] <= run.horizon + 1e-9)
    rows = measure(plan, run, 0)
    values = {(r[2], r[4], r[5], r[6]): r[7] for r in rows}
    for (_, metric, _, _), value in values.items():
        if metric.startswith("availability") or metric in ("within_target", "utilisation", "vacancy_share"):
            assert 0.0 <= value <= 1.0 + 1e-12, (metric, value)
        if metric.startswith("cost") or metric.endswith("cost") or metric.endswith("_npv"):
            assert value >= 0.0, (metric, value)
        if metric.endswith("hours") or metric.startswith("ttr") or metric.startswith("wait"):
            # An incident is declared at ``now + (time - now)``, which may round a few ulps below its time.
            assert value >= -1e-9, (metric, value)
    idle = idle_while_work_waits(study, run)
    assert idle <= 1e-6, f"{idle:.4f} h in which a technician who may take waiting work is on shift and idle"


STAGGERED = ["Mon-Fri 08:00-18:00", "Mon-Fri 18:00-22:00", "daily 06:00-14:00", "daily 14:00-22:00",
             "daily 22:00-06:00+1", "HO", "24/7"]


@st.composite
def busy_teams(draw):
    """Teams of people on staggered shifts under a heavy load with many P1s: pre-emption, hand-over and
    overtime at shift changes happen often."""
    members = [{"name": f"m{k}", "annual_cost": "50k EUR", "shift": draw(st.sampled_from(STAGGERED)),
                "priorities": draw(st.sampled_from([["P1", "P2", "P3", "P4"], ["P1", "P2"], ["P2", "P3", "P4"]]))}
               for k in range(draw(st.integers(2, 3)))]
    team = {"members": members, "repair_time": {p: draw(DISTRIBUTIONS) for p in ("P1", "P2", "P3", "P4")},
            "shift_end": draw(st.sampled_from(["overtime", "handover"])), "preemption": True}
    if draw(st.booleans()):
        team["on_call"] = {"weekly_premium": "100 EUR", "priorities": ["P1"], "call_out_delay": draw(DISTRIBUTIONS)}
    if draw(st.booleans()):
        team["absences"] = {"annual_leave_days": 25, "sickness": "5%"}
    service = {"users": 100, "outage_cost_per_hour": {"business": "500 EUR", "off_hours": "50 EUR"},
               "incidents": {"per_month": draw(st.floats(20, 150)), "weekly_profile": "flat",
                             "priorities": {"P1": "25%", "P2": "25%", "P3": "25%", "P4": "25%"}}}
    try:
        return study_from_data({
            "name": "busy", "calendar": {"start": "2027-03-01", "horizon": "1y"},
            "services": {"svc": service}, "teams": {"t": team},
            "scenarios": [{"name": "make", "default": {"make": "t"}}],
        })
    except ScenarioError:
        assume(False)


@settings(max_examples=25)
@given(study=busy_teams(), seed=st.integers(0, 2**32 - 1))
def test_no_technician_idles_on_shift_while_work_they_may_take_waits(study, seed):
    streams = Streams(seed, 0)
    plan = compile_study(study)
    load = draw_load(plan, streams)
    run = simulate(plan, plan.scenarios[0], load, streams)
    idle = idle_while_work_waits(study, run)
    assert idle <= 1e-6, f"{idle:.4f} h in which a technician who may take waiting work is on shift and idle"


def _union(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[list[float]] = []
    for a, b in sorted(i for i in intervals if i[1] > i[0]):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def _minus(base: list[tuple[float, float]], holes: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out = []
    holes = _union(holes)
    for a, b in _union(base):
        cursor = a
        for h0, h1 in holes:
            if h1 <= cursor or h0 >= b:
                continue
            if h0 > cursor:
                out.append((cursor, h0))
            cursor = max(cursor, h1)
        if cursor < b:
            out.append((cursor, b))
    return out


def _overlap(x: list[tuple[float, float]], y: np.ndarray) -> float:
    """Length of the intersection of intervals ``x`` with sorted disjoint intervals ``y`` (an (n, 2) array)."""
    total = 0.0
    for a, b in x:
        lo, hi = np.searchsorted(y[:, 1], a, side="right"), np.searchsorted(y[:, 0], b, side="left")
        part = y[lo:hi]
        total += float(np.clip(np.minimum(part[:, 1], b) - np.maximum(part[:, 0], a), 0.0, None).sum())
    return total


def idle_while_work_waits(study, run) -> float:
    """Hours during which an incident waits while a technician who may take it is on shift and idle.

    An incident waits from its declaration to its restoration, except while somebody is assigned to it;
    a technician is idle on shift during their shifts (absences already removed) when assigned to nothing.
    """
    load = run.load
    total = 0.0
    for team in run.teams.values():
        busy = {i: [(w.assigned, w.end) for w in team.work if w.person == i] for i in range(len(team.plans))}
        idle = {i: np.array(_minus([tuple(x) for x in plan.on_shift.tolist()], busy[i])).reshape(-1, 2)
                for i, plan in enumerate(team.plans)}
        worked_on: dict[int, list[tuple[float, float]]] = {}
        for w in team.work:
            worked_on.setdefault(w.incident, []).append((w.assigned, w.end))
        for job in np.flatnonzero(run.by == 1).tolist():
            end = run.restored[job] if not np.isnan(run.restored[job]) else run.horizon
            worked = worked_on.get(job, [])
            waiting = _minus([(float(load.time[job]), float(end))], worked)
            if not waiting:
                continue
            service, priority = load.services[load.service[job]], PRIORITIES[load.priority[job]]
            for i, plan in enumerate(team.plans):
                if service in plan.person.skills and priority in plan.person.priorities:
                    total += _overlap(waiting, idle[i])
    return total
