"""Valuing a ledger: the figures of a run at other prices, from the quantities its replications recorded
(:mod:`simulation.ledger`), exact and without simulating."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sourcing.paths import structure
from sourcing.scenario import Study

from .compile import compiled, repriced
from .ledger import Ledger
from .measures import VALUED
from .metrics import value
from .plan import Plan
from .replications import Results


class NotRevaluable(ValueError):
    """A study that differs from the simulated one in what is simulated: it needs a simulation of its own."""


def valued_matrix(plan: Plan, book: Ledger) -> np.ndarray:
    """The valued rows of every replication of ``book`` at the plan's prices: one row per replication, the
    columns in the order the rows of a run hold them (scenario by scenario)."""
    columns = []
    for scenario in plan.scenarios:
        for part in value(plan, scenario, book.scenarios[scenario.name]):
            columns += part.values
    out = np.empty((len(book), len(columns)))
    for k, column in enumerate(columns):
        out[:, k] = column
    return out


def revalue(results: Results, study: Study, plan: Plan | None = None, checked: bool = False) -> Results:
    """The results of ``results``' replications had they been simulated with ``study``: the same rows, with
    every valued row (:data:`simulation.measures.VALUED`) priced again from the ledger at ``study``'s prices and
    judgements. Exact (the same figures as a simulation of ``study`` on the same seed and replications), and
    no simulation: ``study`` may differ from the simulated one only in re-valued paths
    (:func:`sourcing.paths.revalued`), else :class:`NotRevaluable` (``checked``: the caller knows it does).
    ``plan`` is ``study`` compiled, when the caller has it."""
    if results.ledger is None:
        raise NotRevaluable("these results kept no ledger")
    simulated = results.revalued_from or results.study
    if not checked and structure(study) != structure(simulated):
        raise NotRevaluable("the study differs in what is simulated")
    plan = plan if plan is not None else repriced(compiled(simulated), study)
    matrix = valued_matrix(plan, results.ledger)
    rows = results.rows
    mask = rows["metric"].isin(VALUED).to_numpy()
    if int(mask.sum()) != matrix.size:
        raise AssertionError(f"{int(mask.sum())} valued rows stored, {matrix.size} valued")
    values = rows["value"].to_numpy().copy()
    values[mask] = matrix.ravel()
    fresh = rows.copy(deep=False)
    fresh["value"] = values
    return Results(study=study, seed=results.seed, replications=results.replications, rows=fresh,
                   incidents=results.incidents, target=results.target, precision=results.precision,
                   controls=results.controls, control_means=results.control_means, ledger=results.ledger,
                   revalued_from=simulated)


def figure_by_replication(plan: Plan, book: Ledger, scenario: str, metric: str) -> np.ndarray:
    """One valued whole-horizon figure of a scenario (``economic_cost``...), one value per replication, at the
    plan's prices: what the what-if questions solve on."""
    for part in value(plan, plan.scenario(scenario), book.scenarios[scenario]):
        for key, values in zip(part.keys, part.values):
            if key == ("scenario", "all", metric, "", "all"):
                return np.broadcast_to(values, (len(book),)).astype(float)
    raise KeyError(metric)


def revalue_unordered(rows: pd.DataFrame, book: Ledger, study: Study, plan: Plan | None = None) -> pd.DataFrame:
    """:func:`revalue`'s rows for rows in any order (as a store gives them back): each valued row is found
    by its key (scenario, replication, scope, subject, metric, priority, period), not by its place."""
    plan = plan if plan is not None else compiled(study)
    frames = []
    for scenario in plan.scenarios:
        keys, columns = [], []
        for part in value(plan, scenario, book.scenarios[scenario.name]):
            keys += part.keys
            columns += [np.broadcast_to(v, (len(book),)) for v in part.values]
        if not keys:
            continue
        matrix = np.column_stack(columns)
        index = pd.MultiIndex.from_tuples(
            [(scenario.name, int(r), *key) for r in book.replications.tolist() for key in keys],
            names=["scenario", "replication", "scope", "subject", "metric", "priority", "period"])
        frames.append(pd.Series(matrix.ravel(), index=index))
    found = pd.concat(frames)
    names = list(found.index.names)
    at = pd.MultiIndex.from_frame(rows[names].astype({c: str for c in names if c != "replication"}))
    looked = found.reindex(at).to_numpy()
    fresh = rows.copy()
    values = fresh["value"].to_numpy().copy()
    hit = ~np.isnan(looked)
    values[hit] = looked[hit]
    fresh["value"] = values
    return fresh
