"""Replications: each one draws its incidents once and replays them under every scenario.

Replication ``r`` of a run with seed ``S`` depends only on ``(S, r)``, so results are the same
whatever the number of worker processes and whatever order the workers finish in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from sourcing.scenario import Study

from . import ledger as ledgers
from .chunks import Chunk, concat, simulate_chunk
from .compile import compiled
from .executors import Executor, LocalExecutor, Payload, Task, tasks_of
from .ledger import Ledger
from .statistics import figure, summarize
from .variance import expected_controls

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
    controls: pd.DataFrame | None = field(default=None, repr=False)
    """Control variates per replication (``replication`` then one column per control), when used."""
    control_means: dict[str, float] | None = None
    """Their exact expectations (:func:`simulation.variance.expected_controls`)."""
    ledger: Ledger | None = field(default=None, repr=False)
    """The quantities each replication's costs are made of, to value them at other prices
    (:func:`simulation.valuation.revalue`)."""
    revalued_from: Study | None = field(default=None, repr=False)
    """The study that was simulated, when these results are its ledger valued at this study's prices."""

    def extended(self, more: Results) -> Results:
        """These replications followed by ``more`` (the next ones of the same study and seed)."""
        controls = None if self.controls is None else pd.concat([self.controls, more.controls], ignore_index=True)
        book = None if self.ledger is None or more.ledger is None else ledgers.concat([self.ledger, more.ledger])
        return Results(self.study, self.seed, self.replications + more.replications, concat([self.rows, more.rows]),
                       controls=controls, control_means=self.control_means, ledger=book)

    @cached_property
    def summary(self) -> pd.DataFrame:
        """One row per figure: its one estimate (mean and 95 % half-width), whoever shows it."""
        return summarize(self.rows, controls=self.controls, means=self.control_means, study=self.study)

    def figure(self, metric: str, scenario: str, scope: str = "scenario", subject: str = "all",
               priority: str = "", period: str = "all") -> float:
        """A figure's estimate (:func:`simulation.statistics.figure` of :attr:`summary`)."""
        return figure(self.summary, metric, scenario, scope, subject, priority, period)


def run_study(study: Study, replications: int, seed: int = 0, workers: int = 1,
              progress: Progress | None = None, first: int = 0, detail: bool = False,
              variance_reduction: bool = True, control_means: dict[str, float] | None = None,
              executor: Executor | None = None) -> Results:
    """Run replications ``first .. first + replications - 1`` of every scenario of the study, on ``executor``
    (local processes, ``workers`` of them, by default).

    ``detail`` also keeps one row per incident (for distribution charts), for as many of the first
    replications as :data:`MAX_DETAIL_ROWS` allows. The first replication runs before the others, and a
    run whose rows would not fit in :data:`MAX_ROWS` is refused then (``ValueError``), before the rest.
    With ``variance_reduction`` and teams whose people may leave, every replication also measures the
    control variates of :mod:`simulation.variance` and the summary's means use them; without it (or
    without such teams) the summary is the plain one, bit for bit."""
    means = (control_means if control_means is not None else expected_controls(study)) if variance_reduction else {}
    controlled = bool(means)
    if not 1 <= replications <= MAX_REPLICATIONS:
        raise ValueError(f'"replications" must be between 1 and {MAX_REPLICATIONS:,}.')
    if not 1 <= workers <= MAX_WORKERS:
        raise ValueError(f'"workers" must be between 1 and {MAX_WORKERS}.')
    plan = compiled(study)
    chunks: dict[int, Chunk] = {first: simulate_chunk(plan, seed, [first], first + detail, means)}
    check_budget(len(chunks[first].rows), replications)
    detail_until = first + (max(1, MAX_DETAIL_ROWS // max(1, len(chunks[first].incidents))) if detail else 0)
    if progress:
        progress(1, replications)
    done = [1]

    def finished(task: Task, chunk: Chunk) -> None:
        chunks[task.replications[0]] = chunk
        done[0] += len(task.replications)
        if progress:
            progress(done[0], replications)

    executor = executor or LocalExecutor(workers)
    executor.run(tasks_of({"study": range(first + 1, first + replications)}, executor.workers),
                 {"study": Payload(plan, seed, means, None, detail_until)}, finished)
    ordered = [chunks[key] for key in sorted(chunks)]
    rows = concat([c.rows for c in ordered])
    incidents = concat([c.incidents for c in ordered]) if detail else None
    controls = pd.concat([c.controls for c in ordered], ignore_index=True) if controlled else None
    return Results(study=study, seed=seed, replications=replications, rows=rows, incidents=incidents,
                   controls=controls, control_means=means or None,
                   ledger=ledgers.concat([c.ledger for c in ordered]))


def check_budget(rows_per_replication: int, replications: int) -> None:
    """Refuse a run whose tidy rows would not fit in memory, saying how many replications fit."""
    if rows_per_replication * replications > MAX_ROWS:
        fits = max(1, MAX_ROWS // max(1, rows_per_replication))
        rows = rows_per_replication * replications
        raise ValueError(f"{replications:,} replications of this study would hold {rows:,} result rows, more than "
                         f"the {MAX_ROWS:,} a run keeps in memory: ask for at most "
                         f"{fits:,} replications (or split the scenarios into several files)")


def next_target(done: int, worst: float, target: float, maximum: int) -> int:
    """How many replications a precision run should have after ``done`` whose worst relative half-width
    is ``worst``: what the half-width's 1/sqrt(n) law asks for (5 % more), at least 10 more, at most
    double (a half-width measured on few replications of a heavy tail overstates the need), and never
    beyond ``maximum``."""
    needed = int(np.ceil(done * (worst / target) ** 2 * 1.05))
    return int(min(done + max(needed - done, 10), done + max(done, 10), maximum))


def run_to_precision(study: Study, target: float, seed: int = 0, workers: int = 1, initial: int = 20,
                     maximum: int = 2000, progress: Progress | None = None,
                     variance_reduction: bool = True) -> Results:
    """Add replications until every scenario's economic-cost 95 % half-width is at most ``target`` of
    its mean, or ``maximum`` replications have run.

    After each batch the number still needed is estimated from the current half-width, which
    shrinks as one over the square root of the replications (:func:`next_target`).
    """
    from .compare import relative_precision

    if not 0 < target < 1:
        raise ValueError('"target" must be between 0 and 1 (e.g. 0.01 for 1 %).')
    initial = max(2, min(initial, maximum))
    done = 0

    def report(k: int, planned: int) -> None:
        if progress:
            progress(done + k, max(done + planned, done))

    means = expected_controls(study) if variance_reduction else {}
    results = run_study(study, initial, seed=seed, workers=workers, progress=report,
                        variance_reduction=variance_reduction, control_means=means)
    done = results.replications
    check_budget(len(results.rows) // done, maximum)
    while True:
        worst = float(relative_precision(results.rows, results.controls, results.control_means, study=study).max())
        if worst <= target or done >= maximum:
            break
        extra = next_target(done, worst, target, maximum) - done
        more = run_study(study, extra, seed=seed, workers=workers, progress=report, first=done,
                         variance_reduction=variance_reduction, control_means=means)
        results = results.extended(more)
        done = results.replications
    results.target = target
    results.precision = worst
    return results
