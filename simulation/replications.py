"""Replications: each one draws its incidents once and replays them under every scenario.

Replication ``r`` of a run with seed ``S`` depends only on ``(S, r)``, so results are the same
whatever the number of worker processes and whatever order the workers finish in.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from sourcing.scenario import Study

from .engine import simulate
from .incidents import draw_load
from .metrics import COLUMNS, INCIDENT_COLUMNS, IncidentRow, Row, incident_rows, measure
from .plan import Plan, compiled
from .statistics import summarize
from .streams import Streams

Progress = Callable[[int, int], None]
"""Called with (replications done, replications planned)."""

MAX_REPLICATIONS = 100_000
"""Most replications one run may ask for."""
MAX_WORKERS = 64
"""Most worker processes one run may start."""
MAX_ROWS = 6_000_000
"""Most tidy rows one run may hold in memory (under 1 GB with the summary); a run that would hold more is
refused after its first replication, with the number of replications that fit."""
MAX_DETAIL_ROWS = 300_000
"""Most incident rows kept for distribution charts: the detail of the first replications only."""


def _worker_start() -> None:
    """In each worker: Ctrl-C is the parent's to handle, and the worker dies with its parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: killed when the parent dies, even by kill -9
        except OSError:
            pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)

    def watch() -> None:  # elsewhere (and as a second line of defence): poll the parent
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _batch_of(args: tuple) -> tuple[int, int, tuple[pd.DataFrame, pd.DataFrame]]:
    """A worker's task: (first replication, how many, their rows)."""
    plan, seed, replications, detail_until = args
    return replications[0], len(replications), _batch(plan, seed, replications, detail_until)


def run_replication(study: Study, seed: int, replication: int,
                    detail: bool = False) -> tuple[list[Row], list[IncidentRow]]:
    """Tidy rows of every scenario of the study for one replication (common random numbers), and,
    with ``detail``, one row per incident. The study is compiled once per process (:func:`compiled`)."""
    return replicate(compiled(study), seed, replication, detail)


def replicate(plan: Plan, seed: int, replication: int, detail: bool = False) -> tuple[list[Row], list[IncidentRow]]:
    """:func:`run_replication` on a compiled study."""
    streams = Streams(seed, replication)
    load = draw_load(plan, streams)
    rows: list[Row] = []
    incidents: list[IncidentRow] = []
    cache: dict = {}
    for scenario in plan.scenarios:
        run = simulate(plan, scenario, load, streams, cache)
        rows += measure(plan, run, replication)
        if detail:
            incidents += incident_rows(plan, run, replication)
    return rows, incidents


def _batch(plan: Plan, seed: int, replications: list[int], detail_until: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Replications run one after the other, their rows kept as compact frames (a few dozen bytes a row,
    against about 150 as tuples), so that a run's memory grows with its rows, not with Python objects."""
    frames: list[pd.DataFrame] = []
    details: list[pd.DataFrame] = []
    for r in replications:
        rows, incidents = replicate(plan, seed, r, r < detail_until)
        frames.append(compact(pd.DataFrame(rows, columns=list(COLUMNS))))
        details.append(compact(pd.DataFrame(incidents, columns=list(INCIDENT_COLUMNS))))
    return concat(frames), concat(details)


def compact(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns as categories: a row then costs about twenty bytes whatever its labels."""
    for column in frame.columns:
        if frame[column].dtype != float and not pd.api.types.is_integer_dtype(frame[column]):
            frame[column] = frame[column].astype("category")
    return frame


def concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Frames of :func:`compact` one after the other, their categories united (a plain ``pd.concat``
    would turn columns whose categories differ back into text)."""
    frames = [f for f in frames if len(f)] or frames[:1]
    if len(frames) == 1:
        return frames[0].reset_index(drop=True)
    out = {}
    for column in frames[0].columns:
        if isinstance(frames[0][column].dtype, pd.CategoricalDtype):
            out[column] = pd.api.types.union_categoricals([f[column] for f in frames])
        else:
            out[column] = np.concatenate([f[column].to_numpy() for f in frames])
    return pd.DataFrame(out)


@dataclass
class Results:
    """Every replication's tidy rows for a study, with the seed that reproduces them."""

    study: Study
    seed: int
    replications: int
    rows: pd.DataFrame = field(repr=False)
    incidents: pd.DataFrame | None = field(default=None, repr=False)
    """One row per incident (see ``INCIDENT_COLUMNS``) when the run kept the detail."""
    target: float | None = None
    """Relative precision asked for (``--precision``), if any."""
    precision: float | None = None
    """Worst relative 95 % half-width of a scenario's economic cost, when a target was asked for."""

    @cached_property
    def summary(self) -> pd.DataFrame:
        return summarize(self.rows)


def run_study(study: Study, replications: int, seed: int = 0, workers: int = 1,
              progress: Progress | None = None, first: int = 0, detail: bool = False) -> Results:
    """Run replications ``first .. first + replications - 1`` of every scenario of the study.

    ``detail`` also keeps one row per incident (for distribution charts), for as many of the first
    replications as :data:`MAX_DETAIL_ROWS` allows. The first replication runs before the others, and a
    run whose rows would not fit in :data:`MAX_ROWS` is refused then (``ValueError``), before the rest."""
    if not 1 <= replications <= MAX_REPLICATIONS:
        raise ValueError(f'"replications" must be between 1 and {MAX_REPLICATIONS:,}.')
    if not 1 <= workers <= MAX_WORKERS:
        raise ValueError(f'"workers" must be between 1 and {MAX_WORKERS}.')
    plan = compiled(study)
    indices = list(range(first, first + replications))
    chunks: dict[int, tuple[pd.DataFrame, pd.DataFrame]] = {first: _batch(plan, seed, [first], first + detail)}
    check_budget(len(chunks[first][0]), replications)
    detail_until = first + (max(1, MAX_DETAIL_ROWS // max(1, len(chunks[first][1]))) if detail else 0)
    if progress:
        progress(1, replications)
    indices = indices[1:]
    if workers == 1 or len(indices) <= 1:
        for done, r in enumerate(indices, start=2):
            chunks[r] = _batch(plan, seed, [r], detail_until)
            if progress:
                progress(done, replications)
    else:
        size = max(1, min(8, len(indices) // (workers * 4)))
        batches = [indices[k:k + size] for k in range(0, len(indices), size)]
        pool = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn").Pool(
            min(workers, len(batches)), initializer=_worker_start)
        try:
            done = 1
            for first_index, count, chunk in pool.imap_unordered(_batch_of,
                                                                 [(plan, seed, b, detail_until) for b in batches]):
                chunks[first_index] = chunk
                done += count
                if progress:
                    progress(done, replications)
            pool.close()
        except BaseException:
            pool.terminate()  # Ctrl-C or a failure: no worker goes on alone
            raise
        finally:
            pool.join()
    rows = concat([chunks[key][0] for key in sorted(chunks)])
    incidents = concat([chunks[key][1] for key in sorted(chunks)]) if detail else None
    return Results(study=study, seed=seed, replications=replications, rows=rows, incidents=incidents)


def check_budget(rows_per_replication: int, replications: int) -> None:
    """Refuse a run whose tidy rows would not fit in memory, saying how many replications fit."""
    if rows_per_replication * replications > MAX_ROWS:
        fits = max(1, MAX_ROWS // max(1, rows_per_replication))
        rows = rows_per_replication * replications
        raise ValueError(f"{replications:,} replications of this study would hold {rows:,} result rows, more than "
                         f"the {MAX_ROWS:,} a run keeps in memory: ask for at most "
                         f"{fits:,} replications (or split the scenarios into several files)")


def run_to_precision(study: Study, target: float, seed: int = 0, workers: int = 1, initial: int = 20,
                     maximum: int = 2000, progress: Progress | None = None) -> Results:
    """Add replications until every scenario's economic-cost 95 % half-width is at most ``target`` of
    its mean, or ``maximum`` replications have run.

    After each batch the number still needed is estimated from the current half-width, which
    shrinks as one over the square root of the replications.
    """
    from .compare import relative_precision

    if not 0 < target < 1:
        raise ValueError('"target" must be between 0 and 1 (e.g. 0.01 for 1 %).')
    initial = max(2, min(initial, maximum))
    done = 0

    def report(k: int, planned: int) -> None:
        if progress:
            progress(done + k, max(done + planned, done))

    results = run_study(study, initial, seed=seed, workers=workers, progress=report)
    done = results.replications
    check_budget(len(results.rows) // done, maximum)
    while True:
        worst = float(relative_precision(results.rows).max())
        if worst <= target or done >= maximum:
            break
        needed = int(np.ceil(done * (worst / target) ** 2 * 1.05))
        extra = int(min(max(needed - done, 10), maximum - done))
        more = run_study(study, extra, seed=seed, workers=workers, progress=report, first=done)
        results = Results(study, seed, done + extra, concat([results.rows, more.rows]))
        done = results.replications
    results.target = target
    results.precision = worst
    return results
