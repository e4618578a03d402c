"""Wall time to compare example (b), e-mail for 1,000 users, until every scenario's economic-cost
95 % half-width is at most 1 % of its mean.

Run: ``python benchmarks/compare.py [--workers 2] [--precision 0.01]``. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from simulation.compare import relative_precision
from simulation.replications import run_to_precision
from sourcing.files import load_study

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--precision", type=float, default=0.01)
    parser.add_argument("--maximum", type=int, default=5000)
    parser.add_argument("--file", default=str(ROOT / "scenarios" / "email-1000.yaml"))
    args = parser.parse_args()
    study = load_study(args.file)
    t0 = time.perf_counter()
    results = run_to_precision(study, args.precision, seed=1, workers=args.workers, maximum=args.maximum)
    elapsed = time.perf_counter() - t0
    print(f"{Path(args.file).name}: {len(study.scenarios)} scenarios, target {args.precision:.1%}, "
          f"{args.workers} workers")
    print(f"  replications: {results.replications}   wall time: {elapsed:.1f} s   "
          f"({elapsed / results.replications * 1000:.1f} ms per replication of all scenarios)")
    for scenario, share in relative_precision(results.rows).items():
        print(f"  {scenario:<32} half-width {share:.2%} of the mean")


if __name__ == "__main__":
    main()
