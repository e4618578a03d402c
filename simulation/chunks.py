"""What one worker computes: some replications of one study, each drawing its incidents once and replaying
them under every scenario (common random numbers), as compact frames, control variates and a ledger.

Replication ``r`` of a run with seed ``S`` depends only on ``(S, r)``, so a chunk's rows are the same
whatever chunk, worker or executor computes them (:mod:`simulation.executors`).
"""

from __future__ import annotations

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
from .staffing import Staffing
from .streams import Streams
from .variance import load_controls, used_teams


class Chunk(NamedTuple):
    """What some replications produced: tidy rows, incident detail, control variates (one row each) and the
    ledger of quantities their costs are made of."""

    rows: pd.DataFrame
    incidents: pd.DataFrame
    controls: pd.DataFrame
    ledger: Ledger | None = None


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
    staffing = Staffing(plan.calendar, streams)
    scenarios = {}
    for scenario in plan.scenarios:
        if only is not None and scenario.name not in only:
            continue
        run = simulate(plan, scenario, load, streams, staffing)
        more, scenarios[scenario.name] = measured(plan, run, replication)
        rows += more
        if detail:
            incidents += incident_rows(plan, run, replication)
    controls = {}
    if means:
        # every team the controls read, its staffing drawn all the same when no simulated scenario ran it
        plans = {name: staffing.people(plan.teams[name]) for name in used_teams(plan)}
        controls = load_controls(plan, load, plans, means)
    return rows, incidents, controls, Ledger(np.array([replication]), scenarios)


def simulate_chunk(plan: Plan, seed: int, replications: list[int], detail_until: int,
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
