"""The proof of the estimator on the bundled examples: coverage and half-widths at the sizes users run.

For each example (and the one-person team against a provider of the tests), a pool of replications is
simulated once; runs of n = 10, 20, 50 and 100 are drawn from it (tests/coverage.py), and for every
option's economic cost and availability, and their paired differences against the baseline, it prints the
coverage of the pool's mean by the reported interval (controlled and plain) and the controlled half-width
over the plain one. The test suite holds the one-person team and a team whose departures dominate to their
tolerances (tests/test_variance.py); this prints the whole table, examples included, for the README and
the review. A pool of 400 replications of every example takes about 15 minutes of CPU (the 24/7 service
desk alone about 8).

    python benchmarks/variance.py [--replications 400] [--seeds 1000] [--only email-1000,small-firm]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from coverage import pool_figures, table  # noqa: E402
from test_variance import ONE_PERSON  # noqa: E402

from sourcing.files import load_study, study_from_data  # noqa: E402

EXAMPLES = ("email-1000", "small-firm", "erp-hybrid", "service-desk-24-7")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=400, help="replications in each pool")
    parser.add_argument("--seeds", type=int, default=1000, help="runs drawn at each size")
    parser.add_argument("--only", default="", help="comma-separated examples (default: all, and the one-person team)")
    args = parser.parse_args()
    chosen = [n for n in args.only.split(",") if n] or ["one-person", *EXAMPLES]
    pd.set_option("display.width", 250)
    pd.set_option("display.max_colwidth", 70)
    for name in chosen:
        study = study_from_data(ONE_PERSON) if name == "one-person" else load_study(ROOT / "scenarios" / f"{name}.yaml")
        start = time.perf_counter()
        figures = pool_figures(study, args.replications, seed=2027)
        simulated = time.perf_counter() - start
        result = table(figures, seeds=args.seeds)
        print(f"\n{name}: pool of {args.replications} replications ({simulated:.0f} s), {args.seeds} runs per size")
        print(result.round(3).to_string(index=False))
        by_size = result.groupby("n").agg(coverage_min=("coverage", "min"), coverage_median=("coverage", "median"),
                                          plain_min=("plain_coverage", "min"),
                                          plain_median=("plain_coverage", "median"),
                                          ratio_median=("half_width_ratio", "median"),
                                          ratio_min=("half_width_ratio", "min"), widest=("widest_ratio", "max"))
        print(by_size.round(3).to_string())


if __name__ == "__main__":
    main()
