"""What would it take, on example (b) (e-mail for 1,000 users): wall time of a break-even of the
provider's monthly fee between outsourcing and the in-house team, and of the default tornado (every usual
assumption swung low and high), on two local workers; the reference run is one plain run of the study
with the same replications, in the same process.

Run: ``python benchmarks/whatif.py [--replications 60] [--workers 2]``. Prints figures, including each
question's time as a multiple of the reference run; asserts nothing.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from reports.conclusions import value_text
from simulation.replications import run_study
from simulation.whatif import DEFAULT_ASSUMPTIONS, breakeven, sensitivity
from sourcing.files import load_study

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replications", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    study = load_study(ROOT / "scenarios" / "email-1000.yaml")
    n, workers = args.replications, args.workers

    t0 = time.perf_counter()
    run_study(study, n, seed=1, workers=workers)
    reference = time.perf_counter() - t0
    print(f"reference: one run of example (b), {n} replications, {workers} workers: {reference:.1f} s")

    t0 = time.perf_counter()
    found = breakeven(study, "Outsourced, GTR 4h HO", "In-house", "providers.msp-4h-ho.fees.monthly",
                      replications=n, seed=1, low=1000.0, high=30000.0, workers=workers)
    elapsed = time.perf_counter() - t0
    answer = ("none in range" if found.value is None else
              f"{value_text(found.value, found.unit)} [{value_text(found.low, found.unit)}, {value_text(found.high, found.unit)}]")
    print(f"break-even of the monthly fee: {answer}; {len(found.points)} values tried, {elapsed:.1f} s "
          f"({elapsed / reference:.1f} x the reference run)")

    t0 = time.perf_counter()
    tornado = sensitivity(study, DEFAULT_ASSUMPTIONS, max(20, n * 2 // 3), 1, workers)
    elapsed = time.perf_counter() - t0
    flips = [s.assumption for s in tornado.swings if s.flips]
    print(f"default tornado: {len(tornado.swings)} assumptions, {2 * len(tornado.swings) + 1} evaluations of "
          f"{max(20, n * 2 // 3)} replications, {elapsed:.1f} s ({elapsed / reference:.1f} x the reference run); "
          f"{tornado.winner} over {tornado.runner_up}; flips the decision: {', '.join(flips) or 'none'}; "
          f"{tornado.evaluations.revalued} of {tornado.evaluations.revalued + tornado.evaluations.simulated} swings "
          f"re-valued without simulating")


if __name__ == "__main__":
    main()
