"""Replications: each one draws its incidents once and replays them under every scenario.

Replication ``r`` of a run with seed ``S`` depends only on ``(S, r)``, so results are the same
whatever the number of worker processes and whatever order the workers finish in.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from sourcing.scenario import Study

from .engine import simulate
from .incidents import draw_load
from .metrics import COLUMNS, INCIDENT_COLUMNS, incident_rows, measure
from .statistics import summarize
from .streams import Streams

Progress = Callable[[int, int], None]
"""Called with (replications done, replications planned)."""


def run_replication(study: Study, seed: int, replication: int,
                    detail: bool = False) -> tuple[list[tuple], list[tuple]]:
    """Tidy rows of every scenario of the study for one replication (common random numbers), and,
    with ``detail``, one row per incident."""
    streams = Streams(seed, replication)
    load = draw_load(study, streams)
    rows: list[tuple] = []
    incidents: list[tuple] = []
    cache: dict = {}
    for scenario in study.scenarios:
        run = simulate(study, scenario, load, streams, cache)
        rows += measure(study, run, replication)
        if detail:
            incidents += incident_rows(study, run, replication)
    return rows, incidents


def _batch(study: Study, seed: int, replications: list[int], detail: bool) -> tuple[list[tuple], list[tuple]]:
    rows: list[tuple] = []
    incidents: list[tuple] = []
    for r in replications:
        more, detailed = run_replication(study, seed, r, detail)
        rows += more
        incidents += detailed
    return rows, incidents


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

    ``detail`` also keeps one row per incident (for distribution charts)."""
    if replications < 1:
        raise ValueError('"replications" must be >= 1.')
    if workers < 1:
        raise ValueError('"workers" must be >= 1.')
    indices = list(range(first, first + replications))
    chunks: dict[int, tuple[list[tuple], list[tuple]]] = {}
    if workers == 1 or replications == 1:
        for done, r in enumerate(indices, start=1):
            chunks[r] = run_replication(study, seed, r, detail)
            if progress:
                progress(done, replications)
    else:
        size = max(1, min(8, replications // (workers * 4)))
        batches = [indices[k:k + size] for k in range(0, len(indices), size)]
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(_batch, study, seed, batch, detail): batch for batch in batches}
            done = 0
            for future in as_completed(futures):
                batch = futures[future]
                chunks[batch[0]] = future.result()
                done += len(batch)
                if progress:
                    progress(done, replications)
    rows = [row for key in sorted(chunks) for row in chunks[key][0]]
    incidents = [row for key in sorted(chunks) for row in chunks[key][1]]
    return Results(study=study, seed=seed, replications=replications,
                   rows=pd.DataFrame(rows, columns=list(COLUMNS)),
                   incidents=pd.DataFrame(incidents, columns=list(INCIDENT_COLUMNS)) if detail else None)


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
    while True:
        worst = float(relative_precision(results.rows).max())
        if worst <= target or done >= maximum:
            break
        needed = int(np.ceil(done * (worst / target) ** 2 * 1.05))
        extra = int(min(max(needed - done, 10), maximum - done))
        more = run_study(study, extra, seed=seed, workers=workers, progress=report, first=done)
        results = Results(study, seed, done + extra, pd.concat([results.rows, more.rows], ignore_index=True))
        done = results.replications
    results.target = target
    results.precision = worst
    return results
