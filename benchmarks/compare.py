"""Wall time to settle example (b), e-mail for 1,000 users, three options:

- to 1 % precision (every scenario's economic-cost 95 % half-width at most 1 % of its mean), with the
  plain estimator (the reference run, as before variance reduction) and with control variates;
- until decided (Kim-Nelson, indifference 1 % of the lowest cost, 95 % probability of correct selection).

Run: ``python benchmarks/compare.py [--workers 2] [--skip-plain]``. Prints figures, including the ratio of
each run's wall time to the plain reference run in the same process; asserts nothing.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from reports.verdict import selection_sentence
from simulation.compare import relative_precision
from simulation.decide import run_until_decided
from simulation.replications import run_to_precision
from sourcing.files import load_study

ROOT = Path(__file__).resolve().parents[1]


def to_precision(study, precision: float, workers: int, maximum: int, reduction: bool) -> float:
    t0 = time.perf_counter()
    results = run_to_precision(study, precision, seed=1, workers=workers, maximum=maximum,
                               variance_reduction=reduction)
    elapsed = time.perf_counter() - t0
    label = "control variates" if reduction else "plain (reference)"
    print(f"  to {precision:.0%}, {label}: {results.replications} replications, {elapsed:.1f} s "
          f"({elapsed / results.replications * 1000:.0f} ms a replication of every scenario)")
    shares = relative_precision(results.rows, results.controls, results.control_means, study=study)
    for scenario, share in shares.items():
        print(f"      {scenario:<32} half-width {share:.2%} of the mean")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--precision", type=float, default=0.01)
    parser.add_argument("--maximum", type=int, default=6000)
    parser.add_argument("--skip-plain", action="store_true", help="skip the slow plain reference run")
    parser.add_argument("--file", default=str(ROOT / "scenarios" / "email-1000.yaml"))
    args = parser.parse_args()
    study = load_study(args.file)
    print(f"{Path(args.file).name}: {len(study.scenarios)} scenarios, {args.workers} workers")
    reference = None if args.skip_plain else to_precision(study, args.precision, args.workers, args.maximum, False)
    reduced = to_precision(study, args.precision, args.workers, args.maximum, True)
    t0 = time.perf_counter()
    results, selection = run_until_decided(study, relative=0.01, seed=1, workers=args.workers,
                                           maximum=args.maximum)
    decided = time.perf_counter() - t0
    print(f"  until decided (indifference 1 %): {selection.replications} replications, {decided:.1f} s")
    print(f"      {selection_sentence(selection, study.currency)}")
    if reference:
        print(f"  ratio to the plain reference run: control variates {reduced / reference:.2f}, "
              f"until decided {decided / reference:.2f}")


if __name__ == "__main__":
    main()
