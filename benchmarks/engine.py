"""Engine speed: incidents per second on two workloads, against Ciw on the same workloads in the same
run, and the wall time of each example.

1. Priority M/M/c: c = 5, load 0.8, P1 (30 %) pre-empting P2 (70 %) with the work resumed, mean repair
   1 h, six years (about 210,000 incidents). Ciw: the same queue (``priority_classes`` with "resume").
2. Shifts and on-call: two technicians Mon-Fri 08:00-18:00, one on the other hours, P1 on call for the
   day staff outside their shift (30 min call-out), two priority classes, two years. Ciw has no on-call
   rota: its model is the same queue with a weekly server schedule (2 servers in business hours, 1
   otherwise), the nearest it can express.

Ours and Ciw run in interleaved rounds (ours then Ciw, then Ciw then ours, ...), one replication each
per round on the same seed number, and each figure is the median over the rounds: the machine may be
shared, and a ratio taken within a round cancels most of its load. "Draw and run" is what Ciw does (it
samples as it goes): our draw of the incidents and the engine's run; measuring the run (metrics) is
shown beside it.

Run: ``python benchmarks/engine.py [--rounds 7]`` (Ciw is a benchmark dependency: ``pip install -e '.[bench]'``).
Prints figures, including the ratio of our speed to Ciw's; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from queueing import mmc_study  # noqa: E402
from simulation.compile import compile_study  # noqa: E402
from simulation.engine import simulate  # noqa: E402
from simulation.incidents import draw_load  # noqa: E402
from simulation.metrics import measure  # noqa: E402
from simulation.replications import run_study  # noqa: E402
from simulation.streams import Streams  # noqa: E402
from sourcing.files import load_study, study_from_data  # noqa: E402
from sourcing.grid import is_tender  # noqa: E402

HOURS_PER_YEAR = 8766.0
ROUNDS = 7


def ours(plan, r: int) -> tuple[int, float, float, float]:
    """One replication: incidents, and the seconds to draw them, to run the engine and to measure the run."""
    streams = Streams(1, r)
    t0 = time.perf_counter()
    load = draw_load(plan, streams)
    t1 = time.perf_counter()
    run = simulate(plan, plan.scenarios[0], load, streams)
    t2 = time.perf_counter()
    measure(plan, run, r)
    t3 = time.perf_counter()
    return int(load.measured.sum()), t1 - t0, t2 - t1, t3 - t2


def ciw_run(network, horizon: float, r: int) -> tuple[int, float]:
    """Customers served in one Ciw run over the horizon, and its seconds."""
    import ciw

    ciw.seed(r)
    t0 = time.perf_counter()
    simulation = ciw.Simulation(network)
    simulation.simulate_until_max_time(horizon)
    elapsed = time.perf_counter() - t0
    return len({record.id_number for record in simulation.get_all_records()}), elapsed  # a pre-empted one has several


def _median(values: list[float]) -> str:
    return f"{statistics.median(values):.2f}x (rounds {min(values):.2f}-{max(values):.2f})"


def report(title: str, study, network, horizon: float, rounds: int) -> None:
    plan = compile_study(study)
    try:
        import ciw
    except ImportError:
        ciw = None
    draw_run, with_measure, engine, ciw_rate, ratios, ratios_all = [], [], [], [], [], []
    n = 0
    for r in range(rounds):
        first_ciw = ciw is not None and r % 2 == 1
        if first_ciw:
            m, ciw_time = ciw_run(network(), horizon, r)
        n, draw, run, measured = ours(plan, r)
        if ciw is not None and not first_ciw:
            m, ciw_time = ciw_run(network(), horizon, r)
        draw_run.append(n / (draw + run))
        with_measure.append(n / (draw + run + measured))
        engine.append(n / run)
        if ciw is not None:
            ciw_rate.append(m / ciw_time)
            ratios.append(draw_run[-1] / ciw_rate[-1])
            ratios_all.append(with_measure[-1] / ciw_rate[-1])
    med = statistics.median
    print(f"{title}: {n:,} incidents a replication, {rounds} interleaved rounds (medians)")
    print(f"  ours, draw and run:                {med(draw_run):>10,.0f} incidents/s")
    print(f"  ours, engine only:                 {med(engine):>10,.0f} incidents/s")
    print(f"  ours, draw, run and measure:       {med(with_measure):>10,.0f} incidents/s")
    if ciw is None:
        print("  Ciw: not installed (pip install -e '.[bench]')")
        return
    print(f"  Ciw {ciw.__version__}:                         {med(ciw_rate):>10,.0f} incidents/s")
    print(f"  ratio to Ciw: draw and run {_median(ratios)}; with measuring {_median(ratios_all)}")


def priority_mmc(rounds: int) -> None:
    years = 6
    study = study_from_data(mmc_study(5, 4.0, mix={"P1": "30%", "P2": "70%"}, preemption=True, years=years))
    study = study_from_data({**study.model_dump(mode="json", by_alias=True, exclude_none=True),
                             "calendar": {"start": "2027-01-04", "horizon": f"{years}y", "warm_up": "0d"}})

    def network():
        import ciw

        return ciw.create_network(
            arrival_distributions={"Class 0": [ciw.dists.Exponential(rate=1.2)],
                                   "Class 1": [ciw.dists.Exponential(rate=2.8)]},
            service_distributions={"Class 0": [ciw.dists.Exponential(rate=1.0)],
                                   "Class 1": [ciw.dists.Exponential(rate=1.0)]},
            number_of_servers=[5],
            priority_classes=({"Class 0": 0, "Class 1": 1}, ["resume"]),
        )

    report("1. priority M/M/5, load 0.8, P1 pre-empting P2 (resume)", study, network,
           study.calendar_.horizon_hours, rounds)


def shifts_and_on_call(rounds: int) -> None:
    years = 2
    rate, share = 1.2, {"P1": "20%", "P2": "80%"}
    study = study_from_data({
        "name": "shifts and on-call", "calendar": {"start": "2027-01-04", "horizon": f"{years}y",
                                                   "country": None, "warm_up": "0d"},
        "services": {"svc": {"users": 1000, "outage_cost_per_hour": {"business": "0 EUR", "off_hours": "0 EUR"},
                             "incidents": {"per_month": rate * 730.5, "priorities": share,
                                           "weekly_profile": "flat"}}},
        "teams": {"desk": {
            "members": [{"count": 2, "role": "day", "annual_cost": "50000 EUR", "shift": "Mon-Fri 08:00-18:00"},
                        {"count": 1, "role": "night", "annual_cost": "50000 EUR", "shift": "HNO", "on_call": False}],
            "repair_time": {p: {"mean": "42min"} for p in ("P1", "P2", "P3", "P4")},
            "on_call": {"window": "HNO", "priorities": ["P1"], "call_out_delay": "30min",
                        "weekly_premium": "150 EUR"}}},
        "scenarios": [{"name": "desk", "default": {"make": "desk"}}],
    })

    def network():
        import ciw

        servers, ends = [], []
        for day in range(7):
            if day < 5:
                servers += [1, 2, 1]
                ends += [day * 24 + 8, day * 24 + 18, day * 24 + 24]
            else:
                servers.append(1)
                ends.append(day * 24 + 24)
        schedule = ciw.Schedule(numbers_of_servers=servers, shift_end_dates=ends, preemption="resume")
        service = ciw.dists.Exponential(rate=60 / 42)
        return ciw.create_network(
            arrival_distributions={"Class 0": [ciw.dists.Exponential(rate=rate * 0.2)],
                                   "Class 1": [ciw.dists.Exponential(rate=rate * 0.8)]},
            service_distributions={"Class 0": [service], "Class 1": [service]},
            number_of_servers=[schedule],
            priority_classes=({"Class 0": 0, "Class 1": 1}, ["resume"]),
        )

    report("2. shifts (2 by day, 1 by night) and on-call for P1, two priority classes", study, network,
           study.calendar_.horizon_hours, rounds)


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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="interleaved rounds per workload")
    parser.add_argument("--no-examples", action="store_true", help="skip the wall time of each example")
    args = parser.parse_args()
    priority_mmc(args.rounds)
    shifts_and_on_call(args.rounds)
    if not args.no_examples:
        examples()
