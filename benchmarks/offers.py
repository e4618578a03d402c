"""The offers comparison on the bundled call for tenders (three offers on example (b)): wall time of
``compare_offers`` at a few replications (what the app's Procurement page waits for), and of the ranking's
sensitivity alone (scan and bisection) against the reference of scoring each weighting of the scan (no
bisection) with one call of pymcdm's own WSM and TOPSIS, in the same process.

Run: ``python benchmarks/offers.py [--replications 3] [--repeat 5]``. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
from pymcdm.methods import TOPSIS, WSM
from pymcdm.normalizations import minmax_normalization, vector_normalization

from simulation.procurement import compare_offers
from sourcing.files import load_study
from sourcing.grid import load_tender
from sourcing.ranking import METHODS, _Problem, moved, sensitivity

ROOT = Path(__file__).resolve().parents[1]
MODELS = {"weighted_sum": WSM(minmax_normalization), "topsis": TOPSIS(vector_normalization)}


def one_call_per_weighting(problem: _Problem, steps: int = 200) -> int:
    """The reference scan: every weighting of every criterion, both directions, scored by pymcdm one at a time."""
    winners = 0
    used = problem.separating
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for method in METHODS:
            for index in range(len(problem.names)):
                for towards in (0.0, 1.0):
                    for value in np.linspace(problem.weights[index], towards, steps + 1)[1:]:
                        w = moved(problem.weights, index, value)[used]
                        scores = MODELS[method](problem.values[:, used], w / w.sum(), problem.types[used])
                        winners += int(np.argmax(scores))
    return winners


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replications", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    tender = load_tender(ROOT / "scenarios" / "email-offers.yaml")
    base = load_study(ROOT / "scenarios" / "email-1000.yaml")

    compare_offers(tender, base, args.replications, seed=1)  # warm: imports, compiled plans
    t0 = time.perf_counter()
    for seed in range(args.repeat):
        comparison = compare_offers(tender, base, args.replications, seed=seed + 2)
    whole = (time.perf_counter() - t0) / args.repeat
    print(f"compare_offers, {len(tender.offers)} offers, {args.replications} replications: {whole:.2f} s "
          f"(mean of {args.repeat})")

    ranking = comparison.ranking
    problem = _Problem.of(ranking.matrix, ranking.weights, ranking.directions)
    t0 = time.perf_counter()
    for _ in range(args.repeat):
        sensitivity(ranking.matrix, ranking.weights, ranking.directions)
    scan = (time.perf_counter() - t0) / args.repeat
    t0 = time.perf_counter()
    one_call_per_weighting(problem)
    reference = time.perf_counter() - t0
    print(f"sensitivity of the ranking ({len(problem.names)} criteria x 2 methods x 2 directions x 200 weightings): "
          f"{scan * 1000:.0f} ms; reference, one pymcdm call per weighting: {reference * 1000:.0f} ms "
          f"({reference / scan:.0f}x)")


if __name__ == "__main__":
    main()
