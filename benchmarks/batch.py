"""Batch runner: the 48-variant batch of example (b) (``scenarios/batches/email-prices.yaml``) on local
processes with one worker (the reference run), with two, and on a two-worker Dask ``LocalCluster``;
replications per second and scaling efficiency against one worker; then a batch killed part-way
(SIGKILL) and the time ``--resume`` takes to finish it.

Then a structural sweep of example (b): 12 variants that change what is simulated (the incident volume
per user and the messaging team's headcount, a grid of 4 x 3: every variant is simulated, none re-valued),
run the same three ways, interleaved over ``--rounds`` rounds (one round: 1 worker, 2 workers, Dask), with
the median of each and the scaling efficiency of the medians against the one-worker run, and the CPU
time each took (the command and its workers: on a busy, shared machine, what wall times cannot show).

Run: ``python benchmarks/batch.py [--replications 10] [--sweep-replications 20] [--rounds 3]
[--only prices|sweep]``. Each run is the command line a user types, in a subprocess, timed wall-clock.
Prints figures, including ratios to the one-worker reference run; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
BATCH = ROOT / "scenarios" / "batches" / "email-prices.yaml"
SWEEP = {"services.email.incidents.per_user_per_month": ["0.035", "0.045", "0.055", "0.065"],
         "teams.two-admins.members[0].count": ["2", "3", "4"]}
"""The structural sweep: paths whose values change what is simulated (:mod:`sourcing.paths`), 12 variants."""


def batch_file(folder: Path, replications: int) -> Path:
    """The bundled batch with fewer replications per variant (the base file by its absolute path)."""
    text = BATCH.read_text(encoding="utf-8")
    text = text.replace("replications: 40", f"replications: {replications}")
    text = text.replace("../email-1000.yaml", (ROOT / "scenarios" / "email-1000.yaml").as_posix())
    path = folder / "batch.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def sweep_file(folder: Path, replications: int) -> Path:
    """A structural sweep of example (b): every combination of :data:`SWEEP`'s values, ``replications`` each."""
    grid = "\n".join(f"  {p}: [{', '.join(values)}]" for p, values in SWEEP.items())
    path = folder / "sweep.yaml"
    path.write_text(f"name: E-mail - incident volume against the team's headcount\nseed: 1\n"
                    f"replications: {replications}\nstudies:\n"
                    f"  - file: {(ROOT / 'scenarios' / 'email-1000.yaml').as_posix()}\ngrid:\n{grid}\n",
                    encoding="utf-8")
    return path


def run(path: Path, store: Path, *options: str) -> float:
    return timed(path, store, *options)[0]


def timed(path: Path, store: Path, *options: str) -> tuple[float, float]:
    """Wall time and CPU time (the command, its workers and the cluster's processes) of one batch command."""
    t0, c0 = time.perf_counter(), children_cpu()
    subprocess.run([sys.executable, "-m", "cli", "batch", str(path), "--store", str(store), *options],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0, children_cpu() - c0


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def done(store: Path) -> int:
    with duckdb.connect(str(store), read_only=True) as db:
        return int(db.execute("SELECT count(*) FROM done").fetchone()[0])


def sweep(replications: int, rounds: int) -> None:
    """The structural sweep on 1 local worker (reference), 2 local workers and Dask local:2, interleaved."""
    variants = 1
    for values in SWEEP.values():
        variants *= len(values)
    total = variants * replications
    print(f"structural sweep: {variants} variants x {replications} replications of example (b) = {total} "
          f"replications (3 options each, all simulated), {rounds} rounds interleaved")
    runs = (("local, 1 worker (reference)", ("--workers", "1"), 1), ("local, 2 workers", ("--workers", "2"), 2),
            ("Dask LocalCluster, 2 workers", ("--scheduler", "local:2"), 2))
    times: dict[str, list[float]] = {label: [] for label, _, _ in runs}
    cpus: dict[str, list[float]] = {label: [] for label, _, _ in runs}
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        path = sweep_file(folder, replications)
        for k in range(rounds):
            for n, (label, options, _) in enumerate(runs):
                wall, spent = timed(path, folder / f"sweep{k}-{n}.duckdb", *options)
                times[label].append(wall)
                cpus[label].append(spent)
        with duckdb.connect(str(folder / "sweep0-0.duckdb"), read_only=True) as db:
            revalued = int(db.execute("SELECT count(*) FROM revaluations").fetchone()[0])
    print(f"  {revalued} of {variants} variants re-valued, {variants - revalued} simulated")
    one = statistics.median(times[runs[0][0]])
    for label, _, workers in runs:
        elapsed = statistics.median(times[label])
        each = ", ".join(f"{t:.1f}" for t in times[label])
        print(f"  {label:<29}{elapsed:6.1f} s (median of {each}; {statistics.median(cpus[label]):.1f} s CPU), "
              f"{total / elapsed:5.1f} replications/s"
              + ("" if workers == 1 else f", speed-up {one / elapsed:.2f}, scaling efficiency "
                                         f"{one / elapsed / workers:.0%}"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replications", type=int, default=10, help="Replications per variant.")
    parser.add_argument("--sweep-replications", type=int, default=20,
                        help="Replications per variant of the structural sweep.")
    parser.add_argument("--rounds", type=int, default=3, help="Interleaved rounds of the structural sweep.")
    parser.add_argument("--only", choices=("prices", "sweep"), help="Run one of the two benchmarks.")
    args = parser.parse_args()
    if args.only != "sweep":
        prices(args.replications)
    if args.only != "prices":
        sweep(args.sweep_replications, args.rounds)


def prices(replications: int) -> None:
    """The bundled price batch: 1 worker, 2 workers, Dask; then a batch killed part-way and resumed."""
    total = 48 * replications
    print(f"48 variants x {replications} replications of example (b) = {total} replications "
          f"(3 options each), {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        path = batch_file(folder, replications)
        one = run(path, folder / "one.duckdb", "--workers", "1")
        print(f"  local, 1 worker (reference): {one:6.1f} s, {total / one:5.1f} replications/s")
        with duckdb.connect(str(folder / "one.duckdb"), read_only=True) as db:
            revalued = int(db.execute("SELECT count(*) FROM revaluations").fetchone()[0])
        print(f"  {revalued} of 48 variants re-valued from a simulated variant's ledger, {48 - revalued} simulated")
        for label, options, workers in (("local, 2 workers", ("--workers", "2"), 2),
                                        ("Dask LocalCluster, 2 workers", ("--scheduler", "local:2"), 2)):
            store = folder / f"{label.split()[0]}{workers}.duckdb"
            elapsed = run(path, store, *options)
            efficiency = one / elapsed / workers
            print(f"  {label:<29}{elapsed:6.1f} s, {total / elapsed:5.1f} replications/s, speed-up "
                  f"{one / elapsed:.2f}, scaling efficiency {efficiency:.0%}")

        killed = folder / "killed.duckdb"
        process = subprocess.Popen([sys.executable, "-m", "cli", "batch", str(path), "--store",
                                    str(killed), "--workers", "2"], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, text=True)
        for line in process.stderr:
            if "in all)" in line and int(line.rsplit("(", 1)[1].split()[0].replace(",", "")) >= total // 2:
                break
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        before = done(killed)
        resumed = run(path, killed, "--workers", "2", "--resume")
        print(f"  killed (SIGKILL) after {before} of {total} replications; --resume finished the other "
              f"{total - before} in {resumed:.1f} s (startup and checks included)")
        again = run(path, killed, "--workers", "2", "--resume")
        print(f"  --resume of a finished batch: {again:.1f} s (nothing left to run)")


if __name__ == "__main__":
    main()
