"""Same seed, same numbers; common random numbers across scenarios; more staff never waits longer."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import BASE, study
from queueing import mmc_study
from simulation.compile import compile_study
from simulation.engine import simulate
from simulation.incidents import draw_load
from simulation.replications import run_study
from simulation.streams import Streams
from sourcing.files import study_from_data


def realistic():
    return study(
        teams={"it": {"members": [
            {"name": "Alice", "annual_cost": "70000 EUR", "shift": "HO"},
            {"count": 2, "role": "technician", "annual_cost": "40000 EUR", "shift": "Mon-Fri 07:00-20:00"}],
            "on_call": {"weekly_premium": "150 EUR", "call_out_delay": {"median": "20min", "p90": "45min"}},
            "absences": {"annual_leave_days": 25, "sickness": "4%"},
            "departures": {"yearly_probability": "15%", "hiring_delay": "3mo"}}},
        services={"erp": {"changes": {"per_month": 4, "planned_downtime": "1h", "failure_rate": "10%"},
                          "incidents": {"per_month": 80}}},
    )


def test_same_seed_gives_identical_results():
    s = realistic()
    a = run_study(s, replications=3, seed=42).rows
    b = run_study(s, replications=3, seed=42).rows
    pd.testing.assert_frame_equal(a, b)
    c = run_study(s, replications=3, seed=43).rows
    assert not a["value"].equals(c["value"])


def test_one_and_two_workers_give_identical_results():
    s = realistic()
    one = run_study(s, replications=4, seed=5, workers=1).rows
    two = run_study(s, replications=4, seed=5, workers=2).rows
    pd.testing.assert_frame_equal(one, two)


def test_replications_are_independent_of_how_they_are_batched():
    s = realistic()
    whole = run_study(s, replications=4, seed=9).rows
    tail = run_study(s, replications=2, seed=9, first=2).rows
    pd.testing.assert_frame_equal(whole[whole.replication >= 2].reset_index(drop=True), tail)


def _two_team_sizes():
    data = copy.deepcopy(BASE)
    data["teams"]["big"] = copy.deepcopy(data["teams"]["it"])
    data["teams"]["big"]["members"] = [{"count": 3, "annual_cost": "60000 EUR", "shift": "HO"}]
    data["scenarios"] = [{"name": "one", "default": {"make": "it"}}, {"name": "three", "default": {"make": "big"}}]
    return study_from_data(data)


def test_scenarios_differing_only_in_team_size_see_identical_incidents():
    s = _two_team_sizes()
    streams = Streams(8, 0)
    plan = compile_study(s)
    load = draw_load(plan, streams)
    small = simulate(plan, plan.scenarios[0], load, streams)
    large = simulate(plan, plan.scenarios[1], load, streams)
    assert small.load is large.load
    # And drawing again from the same seed gives the very same incidents.
    again = draw_load(plan, Streams(8, 0))
    for field in ("time", "priority", "u_repair", "u_response"):
        np.testing.assert_array_equal(getattr(load, field), getattr(again, field))
    rows = run_study(s, replications=3, seed=8).rows
    counts = rows[(rows.metric == "incidents")].pivot_table(index=["replication", "priority"], columns="scenario",
                                                              values="value")
    np.testing.assert_array_equal(counts["one"], counts["three"])
    # The extra staff shorten the wait.
    waits = rows[(rows.metric == "wait_mean") & (rows.priority == "P3")].groupby("scenario")["value"].mean()
    assert waits["three"] < waits["one"]


def test_adding_a_service_does_not_move_the_others_incidents():
    data = copy.deepcopy(BASE)
    data["services"]["mail"] = copy.deepcopy(data["services"]["erp"])
    bigger = study_from_data(data)
    a = draw_load(compile_study(study()), Streams(4, 1))
    b = draw_load(compile_study(bigger), Streams(4, 1))
    np.testing.assert_array_equal(a.time, b.time[b.service == 0])


def mean_wait(c, seed, arrival_rate=2.0):
    s = study_from_data(mmc_study(c, arrival_rate))
    streams = Streams(seed, 0)
    plan = compile_study(s)
    load = draw_load(plan, streams)
    run = simulate(plan, plan.scenarios[0], load, streams)
    return np.nanmean(run.started - load.time)


@settings(max_examples=15, deadline=None)
@given(c=st.integers(min_value=3, max_value=6), seed=st.integers(min_value=0, max_value=10_000))
def test_more_staff_never_increases_the_mean_wait_on_the_same_seed(c, seed):
    """First come, first served with repair times attached to incidents: waits are monotone in c."""
    assert mean_wait(c + 1, seed) <= mean_wait(c, seed) + 1e-12


def test_more_staff_never_increases_the_wait_with_shifts_and_on_call():
    base = realistic()
    data = base.model_dump(mode="json", by_alias=True, exclude_none=True, context={"currency": "EUR"})
    data["teams"]["it"]["members"].append({"name": "Dora", "annual_cost": "50000 EUR", "shift": "HO"})
    data["teams"]["it"].pop("absences")
    data["teams"]["it"].pop("departures")
    bigger = study_from_data(data)
    data["teams"]["it"]["members"].pop()
    smaller = study_from_data(data)
    for seed in range(5):
        streams = Streams(seed, 0)
        small, big = compile_study(smaller), compile_study(bigger)
        load = draw_load(small, streams)
        w_small = np.nanmean(simulate(small, small.scenarios[0], load, streams).started - load.time)
        w_big = np.nanmean(simulate(big, big.scenarios[0], load, streams).started - load.time)
        assert w_big <= w_small + 1e-9


def test_a_run_to_precision_stops_at_its_target_and_gives_the_rows_of_a_plain_run_of_that_length():
    """Adding replications batch by batch (each at most doubling the run, or 10) reaches the target, and the rows
    are those of one run of the same length on the same seed: stopping changes how many, never which."""
    from simulation.compare import relative_precision
    from simulation.replications import run_study, run_to_precision
    from sourcing.files import load_study
    from sourcing.paths import with_values

    study = with_values(load_study(Path(__file__).parents[1] / "scenarios" / "erp-hybrid.yaml"),
                        {"calendar.horizon": "1y"})
    seen: list[int] = []
    results = run_to_precision(study, 0.1, seed=3, initial=4, maximum=400,
                               progress=lambda done, planned: seen.append(planned))
    assert results.precision <= 0.1 < float(relative_precision(
        results.rows[results.rows["replication"] < 4], None, None, study=study).max())
    planned = sorted(set(seen))
    assert all(b <= max(2 * a, a + 10) for a, b in zip(planned, planned[1:])), planned  # at least 10 more
    again = run_study(study, results.replications, seed=3)
    pd.testing.assert_frame_equal(results.rows.reset_index(drop=True), again.rows.reset_index(drop=True))
