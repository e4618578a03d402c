"""What would it take, on example (b) (e-mail for 1,000 users): wall time of a break-even of the
provider's monthly fee between outsourcing and the in-house team, and of the default tornado (every usual
assumption swung low and high), on two local workers; the reference run is one plain run of the study
with the same replications, in the same process.

Run: ``python benchmarks/whatif.py [--replications 60] [--workers 2] [--rounds 3]``. The reference run and
the tornado are interleaved over the rounds (medians reported). Prints figures, including each question's
time as a multiple of the reference run, and the CPU time of this process and its workers (what a busy,
shared machine changes least); asserts nothing.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from pathlib import Path

from reports.conclusions import value_text
from simulation.replications import run_study
from simulation.whatif import DEFAULT_ASSUMPTIONS, breakeven, sensitivity
from sourcing.files import load_study

ROOT = Path(__file__).resolve().parents[1]


def cpu() -> float:
    """CPU seconds of this process and of its finished workers."""
    return sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF),
                                                  resource.getrusage(resource.RUSAGE_CHILDREN)))


def forget() -> None:
    """Forget the control means computed so far (kept by study structure), so that every round costs what a
    fresh command costs."""
    from simulation import variance

    known = getattr(variance, "_EXPECTED", None)
    if known is not None:
        known.clear()
    elif hasattr(variance._expected, "cache_clear"):
        variance._expected.cache_clear()


def timed(function) -> tuple[object, float, float]:
    """What ``function()`` returns, its wall time and its CPU time (this process and its workers)."""
    t0, c0 = time.perf_counter(), cpu()
    out = function()
    return out, time.perf_counter() - t0, cpu() - c0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replications", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3,
                        help="Rounds of (reference run, tornado), interleaved; medians reported.")
    args = parser.parse_args()
    study = load_study(ROOT / "scenarios" / "email-1000.yaml")
    n, workers, size = args.replications, args.workers, max(20, args.replications * 2 // 3)

    references, tornadoes = [], []
    for _ in range(args.rounds):
        forget()
        references.append(timed(lambda: run_study(study, n, seed=1, workers=workers))[1:])
        forget()
        tornado, *spent = timed(lambda: sensitivity(study, DEFAULT_ASSUMPTIONS, size, 1, workers))
        tornadoes.append(tuple(spent))
    reference, reference_cpu = (statistics.median(t[k] for t in references) for k in (0, 1))
    print(f"reference: one run of example (b), {n} replications, {workers} workers: {reference:.1f} s "
          f"({reference_cpu:.1f} s CPU), median of {', '.join(f'{t:.1f}' for t, _ in references)}")

    found, elapsed, _ = timed(lambda: breakeven(study, "Outsourced, GTR 4h HO", "In-house",
                                                "providers.msp-4h-ho.fees.monthly", replications=n, seed=1,
                                                low=1000.0, high=30000.0, workers=workers))
    answer = ("none in range" if found.value is None else
              f"{value_text(found.value, found.unit)} [{value_text(found.low, found.unit)}, {value_text(found.high, found.unit)}]")
    print(f"break-even of the monthly fee: {answer}; {len(found.points)} values tried, {elapsed:.1f} s "
          f"({elapsed / reference:.1f} x the reference run)")

    elapsed, elapsed_cpu = (statistics.median(t[k] for t in tornadoes) for k in (0, 1))
    ratios = [t / r for (t, _), (r, _) in zip(tornadoes, references)]
    flips = [s.assumption for s in tornado.swings if s.flips]
    print(f"default tornado: {len(tornado.swings)} assumptions, {2 * len(tornado.swings) + 1} evaluations of "
          f"{size} replications, {elapsed:.1f} s ({elapsed / reference:.1f} x the reference run; each round "
          f"{', '.join(f'{r:.1f}' for r in ratios)} x; {elapsed_cpu:.1f} s CPU, {elapsed_cpu / reference_cpu:.1f} x "
          f"the reference's); {tornado.winner} over {tornado.runner_up}; flips the decision: "
          f"{', '.join(flips) or 'none'}; {tornado.evaluations.revalued} of "
          f"{tornado.evaluations.revalued + tornado.evaluations.simulated} swings re-valued without simulating")


if __name__ == "__main__":
    main()
