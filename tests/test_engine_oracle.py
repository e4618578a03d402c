"""The engine replayed incident by incident through SimPy, an independent discrete-event library.

The engine keeps its own event list (SimPy's order, instant then creation) for speed. Here the same
incidents (arrival, priority, and the repair time the engine gave each) go through a SimPy
``PriorityResource`` of c servers, which serves the lowest priority number first and, within a priority,
the earliest request. Every incident must start work at the same instant in both (to 1e-9 hour)."""

from __future__ import annotations

import numpy as np
import pytest
import simpy

from queueing import mmc_study
from simulation.compile import compile_study
from simulation.engine import simulate
from simulation.incidents import draw_load
from simulation.streams import Streams
from sourcing.files import study_from_data


def simpy_starts(arrival: np.ndarray, priority: np.ndarray, repair: np.ndarray, servers: int,
                 until: float) -> np.ndarray:
    """When each incident starts work before ``until`` in a non-pre-emptive priority M/M/c queue run by SimPy
    (NaN if it does not)."""
    env = simpy.Environment(initial_time=float(arrival.min()))
    desk = simpy.PriorityResource(env, capacity=servers)
    started = np.full(len(arrival), np.nan)

    def incident(k: int):
        yield env.timeout(arrival[k] - env.now)
        with desk.request(priority=int(priority[k])) as granted:
            yield granted
            started[k] = env.now
            yield env.timeout(repair[k])

    for k in range(len(arrival)):
        env.process(incident(k))
    env.run(until=until)
    return started


@pytest.mark.parametrize(("servers", "rate", "mix", "seed"), [
    (1, 0.8, {"P3": "100%"}, 11),
    (5, 4.0, {"P1": "10%", "P2": "30%", "P3": "60%"}, 12),
    (3, 2.7, {"P2": "50%", "P4": "50%"}, 13),
])
def test_every_incident_starts_when_simpy_starts_it(servers: int, rate: float, mix: dict, seed: int) -> None:
    study = study_from_data(mmc_study(servers, rate, mix=mix, preemption=False))
    plan = compile_study(study)
    streams = Streams(seed, 0)
    load = draw_load(plan, streams)
    run = simulate(plan, plan.scenarios[0], load, streams)
    done = ~np.isnan(run.restored)
    assert done.sum() > 5000   # a year of a busy queue: thousands of incidents, many of them waiting
    assert (run.started[done] > load.time[done] + 1e-6).mean() > 0.2
    # An incident still in work at the horizon holds its server past it; one never started has no repair
    # time in the run, and none is needed: it does not start before the horizon in either.
    repair = np.where(done, run.restored - run.started, 2 * (run.horizon - load.time.min()))
    oracle = simpy_starts(load.time, load.priority, repair, servers, until=run.horizon)
    assert np.array_equal(np.isnan(oracle), np.isnan(run.started))
    assert np.nanmax(np.abs(oracle - run.started)) < 1e-9
