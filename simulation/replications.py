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
from typing import NamedTuple

import numpy as np
import pandas as pd

from sourcing.scenario import Study

from . import ledger as ledgers
from .compile import compiled
from .engine import simulate
from .incidents import draw_load
from .ledger import Ledger
from .measures import COLUMNS, Row
from .metrics import INCIDENT_COLUMNS, IncidentRow, incident_rows, measured
from .plan import Plan
from .staffing import plan_team
from .statistics import figure, summarize
from .streams import Streams
from .variance import expected_controls, load_controls, used_teams

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


_RUN: tuple = ()
"""In a worker of :func:`run_study`'s pool: the plan, seed, detail limit and control means of the run."""


def _worker_start(*run: object) -> None:
    """In each worker: Ctrl-C is the parent's to handle, and the worker dies with its parent. ``run`` is
    what every task of the run shares, given once per worker: a task carrying the compiled plan (about
    1 MB pickled) kept the pool's task thread writing into a pipe that terminated workers no longer read,
    and Ctrl-C then hung in ``Pool.terminate``."""
    global _RUN
    _RUN = run
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


class Chunk(NamedTuple):
    """What some replications produced: tidy rows, incident detail, control variates (one row each) and the
    ledger of quantities their costs are made of."""

    rows: pd.DataFrame
    incidents: pd.DataFrame
    controls: pd.DataFrame
    ledger: Ledger | None = None


def _batch_of(replications: list[int]) -> tuple[int, int, Chunk]:
    """A worker's task: (first replication, how many, what they produced)."""
    plan, seed, detail_until, means = _RUN
    return replications[0], len(replications), _batch(plan, seed, replications, detail_until, means)


def run_replication(study: Study, seed: int, replication: int,
                    detail: bool = False) -> tuple[list[Row], list[IncidentRow]]:
    """Tidy rows of every scenario of the study for one replication (common random numbers), and,
    with ``detail``, one row per incident. The study is compiled once per process (:func:`compiled`)."""
    return replicate(compiled(study), seed, replication, detail)


def replicate(plan: Plan, seed: int, replication: int, detail: bool = False) -> tuple[list[Row], list[IncidentRow]]:
    """:func:`run_replication` on a compiled study."""
    rows, incidents, _, _ = _replicate(plan, seed, replication, detail, None)
    return rows, incidents


def _replicate(plan: Plan, seed: int, replication: int, detail: bool, means: dict[str, float] | None,
               only: frozenset[str] | None = None) -> tuple[list[Row], list[IncidentRow], dict[str, float], Ledger]:
    """One replication: tidy rows, incident detail, (with control ``means``) its control variates, measured
    on the same incidents and the same staffing draws as every scenario, and its ledger. With ``only``, just
    those scenarios are simulated (each scenario's rows are the same whatever else is simulated: every
    random input has its own stream)."""
    streams = Streams(seed, replication)
    load = draw_load(plan, streams)
    rows: list[Row] = []
    incidents: list[IncidentRow] = []
    cache: dict = {}
    scenarios = {}
    for scenario in plan.scenarios:
        if only is not None and scenario.name not in only:
            continue
        run = simulate(plan, scenario, load, streams, cache)
        more, scenarios[scenario.name] = measured(plan, run, replication)
        rows += more
        if detail:
            incidents += incident_rows(plan, run, replication)
    controls = {}
    if means:
        plans = {key[1]: value[0] for key, value in cache.items() if key[0] == "team"}
        for name in used_teams(plan):  # a team no simulated scenario ran: its staffing drawn all the same
            if name not in plans:
                plans[name] = plan_team(plan.teams[name], plan.calendar, streams)
        controls = load_controls(plan, load, plans, means)
    return rows, incidents, controls, Ledger(np.array([replication]), scenarios)


def _batch(plan: Plan, seed: int, replications: list[int], detail_until: int,
           means: dict[str, float] | None, only: frozenset[str] | None = None) -> Chunk:
    """Replications run one after the other, their rows kept as compact frames (a few dozen bytes a row,
    against about 150 as tuples), so that a run's memory grows with its rows, not with Python objects;
    with control ``means``, each replication's control variates too."""
    rows: list[Row] = []
    details: list[IncidentRow] = []
    controls = []
    books = []
    for r in replications:
        more, incidents, measured_controls, book = _replicate(plan, seed, r, r < detail_until, means, only)
        rows += more
        details += incidents
        books.append(book)
        if means:
            controls.append({"replication": r, **measured_controls})
    return Chunk(compact(rows, COLUMNS), compact(details, INCIDENT_COLUMNS), pd.DataFrame(controls),
                 ledgers.concat(books))


def compact(rows: list[tuple], columns: tuple[str, ...]) -> pd.DataFrame:
    """Rows as a frame whose text columns are categories: a row then costs about twenty bytes whatever
    its labels (built column by column, without going through text columns first)."""
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype="category" if c not in ("replication", "value") else float)
                             for c in columns})
    out = {}
    for name, values in zip(columns, zip(*rows)):
        first = values[0]
        if isinstance(first, str):
            out[name] = pd.Categorical(values)
        elif isinstance(first, (int, np.integer)) and not isinstance(first, bool):
            out[name] = np.array(values, dtype=np.int64)
        else:
            out[name] = np.array(values, dtype=float)
    return pd.DataFrame(out)


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
              variance_reduction: bool = True, control_means: dict[str, float] | None = None) -> Results:
    """Run replications ``first .. first + replications - 1`` of every scenario of the study.

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
    indices = list(range(first, first + replications))
    chunks: dict[int, Chunk] = {first: _batch(plan, seed, [first], first + detail, means)}
    check_budget(len(chunks[first][0]), replications)
    detail_until = first + (max(1, MAX_DETAIL_ROWS // max(1, len(chunks[first][1]))) if detail else 0)
    if progress:
        progress(1, replications)
    indices = indices[1:]
    if workers == 1 or len(indices) <= 1:
        size = 10  # replications turned into one frame at a time
        for k in range(0, len(indices), size):
            part = indices[k:k + size]
            chunks[part[0]] = _batch(plan, seed, part, detail_until, means)
            if progress:
                progress(1 + k + len(part), replications)
    else:
        size = max(1, min(8, len(indices) // (workers * 4)))
        batches = [indices[k:k + size] for k in range(0, len(indices), size)]
        pool = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn").Pool(
            min(workers, len(batches)), initializer=_worker_start, initargs=(plan, seed, detail_until, means))
        try:
            done = 1
            for first_index, count, chunk in pool.imap_unordered(_batch_of, batches):
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
