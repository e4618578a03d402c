"""Engine speed: incidents simulated per second on an M/M/c model, and wall time of each example.

Run: ``python benchmarks/engine.py``. Prints figures; asserts nothing (speed is measured
here, never in tests).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from queueing import mmc_study  # noqa: E402
from simulation.engine import simulate  # noqa: E402
from simulation.incidents import draw_load  # noqa: E402
from simulation.metrics import measure  # noqa: E402
from simulation.plan import compile_study  # noqa: E402
from simulation.replications import run_study  # noqa: E402
from simulation.streams import Streams  # noqa: E402
from sourcing.files import load_study, study_from_data  # noqa: E402
from sourcing.grid import is_tender  # noqa: E402


def mmc_rate(repeats: int = 3) -> None:
    """c = 5 technicians, load 0.8, two priority classes (P1 30 %, P2 70 %), six years: ~210,000 incidents."""
    plan = compile_study(study_from_data(mmc_study(5, 4.0, mix={"P1": "30%", "P2": "70%"}, preemption=True, years=6)))
    best_engine = best_total = float("inf")
    n = 0
    for r in range(repeats):
        streams = Streams(1, r)
        t0 = time.perf_counter()
        load = draw_load(plan, streams)
        t1 = time.perf_counter()
        run = simulate(plan, plan.scenarios[0], load, streams)
        t2 = time.perf_counter()
        measure(plan, run, r)
        t3 = time.perf_counter()
        n = len(load)
        best_engine = min(best_engine, t2 - t1)
        best_total = min(best_total, t3 - t0)
    print(f"M/M/5, load 0.8, 2 priority classes with P1 pre-emption: {n:,} incidents")
    print(f"  engine only (SimPy run):               {n / best_engine:>10,.0f} incidents/s  ({best_engine:.2f} s)")
    print(f"  whole replication (draw+run+metrics): {n / best_total:>10,.0f} incidents/s  ({best_total:.2f} s)")


def examples(replications: int = 30) -> None:
    print(f"\nExample scenarios, {replications} replications, 1 worker:")
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        if is_tender(path):
            continue  # offers, not a scenario
        study = load_study(path)
        t0 = time.perf_counter()
        results = run_study(study, replications, seed=1)
        elapsed = time.perf_counter() - t0
        incidents = results.rows.query("metric == 'incidents'")["value"].sum()
        print(f"  {path.name:<40} {elapsed:6.2f} s  ({len(study.scenarios)} scenarios, "
              f"{incidents / replications:,.0f} incidents simulated per replication)")


if __name__ == "__main__":
    mmc_rate()
    examples()
