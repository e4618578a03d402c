"""Invariants that hold for any valid scenario (Hypothesis draws the scenarios)."""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from simulation.engine import simulate
from simulation.incidents import draw_load
from simulation.metrics import measure
from simulation.streams import Streams
from sourcing.errors import ScenarioError
from sourcing.files import study_from_data

SHIFTS = ["HO", "24/7", "Mon-Fri 07:00-20:00", "Mon-Sat 08:00-12:00; Mon-Fri 14:00-18:00", "daily 22:00-06:00+1"]
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
    load = draw_load(study, streams)
    run = simulate(study, study.scenarios[0], load, streams)
    started, restored = run.started, run.restored
    done = ~np.isnan(restored)
    assert np.all(started[done] >= load.time[done] - 1e-9), "work starts after arrival"
    assert np.all(restored[done] >= started[done] - 1e-9), "restoration after the start of work"
    assert np.all(restored[done] <= run.horizon + 1e-9)
    rows = measure(study, run, 0)
    values = {(r[2], r[4], r[5], r[6]): r[7] for r in rows}
    for (_, metric, _, _), value in values.items():
        if metric.startswith("availability") or metric in ("within_target", "utilisation", "vacancy_share"):
            assert 0.0 <= value <= 1.0 + 1e-12, (metric, value)
        if metric.startswith("cost") or metric.endswith("cost") or metric.endswith("_npv"):
            assert value >= 0.0, (metric, value)
        if metric.endswith("hours") or metric.startswith("ttr") or metric.startswith("wait"):
            assert value >= 0.0, (metric, value)
