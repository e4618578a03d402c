"""Running a batch into a run store, on local processes or a Dask cluster, resumable at any point.

Work is cut into tasks: a few replications of one study x variant. Each task depends only on the study,
the seed and its replication numbers, so the results are the same, bit for bit, whatever the executor,
the number of workers and the order in which tasks finish. Finished tasks stream back to this process,
which writes them into the store, one transaction each. A study with a precision target runs in rounds:
the first round is its replications; each next round's size is computed from the rounds before, so a
resumed batch replays exactly the decisions an uninterrupted one takes.

Variants that differ only in prices and judgements (:func:`sourcing.paths.revalued`) simulate the same
incidents, repairs and outages: each distinct structure is simulated once, and its other variants are
re-valued from its ledger as its replications finish (exact, no simulation; recorded in the store's
``revaluations`` table). A resumed batch re-values from the ledger the store kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sourcing.batch import Batch, Planned
from sourcing.paths import structure
from sourcing.scenario import Study

from .chunks import Chunk, concat
from .compare import relative_precision
from .compile import compiled, repriced
from .executors import Executor, Payload, Task, tasks_of
from .ledger import concat as ledger_concat
from .measures import VALUED
from .plan import Plan
from .replications import next_target
from .store import Store, StoreError
from .valuation import revalue_unordered, valued_matrix
from .variance import expected_controls_all


@dataclass
class StudyState:
    """Where one study of the batch stands."""

    planned: Planned
    means: dict[str, float]
    done: set[int]
    rounds: list[int]
    """End of each round of replications (precision targets); one round for a fixed number."""
    source: str | None = None
    """The simulated study this one is re-valued from (None: simulated itself)."""

    @property
    def target(self) -> int:
        return self.rounds[-1]


def expected_all(studies: list, executor: Executor) -> list[dict[str, float]]:
    """:func:`simulation.variance.expected_controls` of every study, what takes time in it (a few tenths of a
    second a team and load not met before) on the executor's workers, in parallel (the
    same numbers as computed here)."""
    return expected_controls_all(studies, executor.map)


def run_batch(batch: Batch, planned: list[Planned], store: Store, executor: Executor, resume: bool,
              command: str, batch_file: str, batch_sha256: str,
              progress: Callable[[str, int, int], None] | None = None) -> list[StudyState]:
    """Run every study of the batch into the store (only what is missing with ``resume``)."""
    known = store.known()
    clash = [p for p in planned if p.key in known]
    if clash and not resume:
        raise StoreError(f"{store.path}: already holds {len(clash)} of these studies (e.g. '{clash[0].file}', "
                         f"variant '{clash[0].variant}'): add --resume to finish them, or choose a new store")
    run_id = store.begin_run(batch.seed, command, batch_file, batch_sha256, batch.name)
    states = []
    shapes = {p.key: structure(p.study) for p in planned if p.key not in known}
    firsts: dict[str, Study] = {}  # control means by structure: prices do not move them
    for p in planned:
        if p.key in shapes and batch.variance_reduction:
            firsts.setdefault(shapes[p.key], p.study)
    found = dict(zip(firsts, expected_all(list(firsts.values()), executor)))  # on the workers, in parallel
    for position, p in enumerate(planned):
        if p.key in known:
            means = store.control_means(p.key)  # as the first run computed them
        else:
            means = found.get(shapes[p.key], {})
            store.add_study(run_id, position, p, batch.seed, means)
        states.append(StudyState(p, means, store.done(p.key), [p.replications]))
    by_key = {s.planned.key: s for s in states}
    dependents = _share_simulations(states, store, known)
    plans: dict[str, Plan] = {}  # each re-valued study compiled once
    payloads: dict[str, tuple] = {}  # compiled when a study has work left (a finished one costs nothing)

    def revalued(source: StudyState, chunk: Chunk, ordered: bool = True) -> None:
        """The studies re-valued from ``source``: this chunk of its replications at their prices (``ordered``:
        its rows as the simulation made them; else as a store gives them back), in one transaction."""
        waiting = [state for state in dependents.get(source.planned.key, [])
                   if any(r not in state.done for r in chunk.ledger.replications.tolist())]
        if not waiting:
            return
        controls = chunk.controls if chunk.controls is not None and len(chunk.controls) else None
        mask = chunk.rows["metric"].isin(VALUED).to_numpy()
        values = np.tile(chunk.rows["value"].to_numpy(), (len(waiting), 1))
        for k, state in enumerate(waiting):
            if state.planned.key not in plans:
                plans[state.planned.key] = repriced(compiled(source.planned.study), state.planned.study)
            plan = plans[state.planned.key]
            if ordered:
                values[k, mask] = valued_matrix(plan, chunk.ledger).ravel()
            else:
                values[k] = revalue_unordered(chunk.rows, chunk.ledger, state.planned.study, plan)["value"]
        store.write_revalued([state.planned.key for state in waiting], chunk.rows, values, controls)
        for state in waiting:
            state.done.update(chunk.ledger.replications.tolist())
            if progress:
                progress(state.planned.key, len(state.done), state.target)

    waiting: dict[str, list[Chunk]] = {}  # a source's chunks, re-valued together once it is complete

    def finished(task: Task, chunk: Chunk) -> None:
        store.write(task.study, chunk.rows, chunk.controls if len(chunk.controls) else None,
                    chunk.ledger if task.study in dependents else None)
        state = by_key[task.study]
        state.done.update(task.replications)
        if progress:
            progress(state.planned.key, len(state.done), state.target)
        if task.study in dependents:
            parts = waiting.setdefault(task.study, [])
            parts.append(chunk)
            if all(r in state.done for r in range(state.target)):
                parts.sort(key=lambda c: int(c.ledger.replications[0]))
                controls = [c.controls for c in parts if c.controls is not None and len(c.controls)]
                revalued(state, Chunk(concat([c.rows for c in parts]), parts[0].incidents,
                                      pd.concat(controls, ignore_index=True) if controls else parts[0].controls,
                                      ledger_concat([c.ledger for c in parts])))
                del waiting[task.study]

    for state in states:  # a resumed batch: what its sources finished before it stopped
        if state.planned.key in dependents and state.done:
            book = store.ledger(state.planned.key)
            if book is not None:
                rows = store.rows(state.planned.key)
                controls = store.controls(state.planned.key)
                revalued(state, Chunk(rows, rows.iloc[:0], controls, book), ordered=False)

    while True:
        for state in states:
            _next_round(state, store)
        missing = {state.planned.key: [r for r in range(state.target) if r not in state.done]
                   for state in states if state.source is None}
        tasks = tasks_of(missing, executor.workers)
        if not tasks:
            break
        for task in tasks:
            if task.study not in payloads:
                state = by_key[task.study]
                payloads[task.study] = Payload(compiled(state.planned.study), batch.seed, state.means)
        executor.run(tasks, payloads, finished)
    return states


def _share_simulations(states: list[StudyState], store: Store, known: set[str]) -> dict[str, list[StudyState]]:
    """Which studies are simulated and which re-valued from them: among the studies of a fixed number of
    replications, the first of each structure (same file, structure and replications) is simulated, the
    others re-valued from it. A study already in the store keeps how it was made: one simulated before
    without a ledger is simulated again if unfinished (resume stays exact either way)."""
    earlier = store.revaluations()
    firsts: dict[tuple, StudyState] = {}
    dependents: dict[str, list[StudyState]] = {}
    for state in states:
        p = state.planned
        if p.precision is not None:
            continue
        if p.key in known and p.key not in earlier:
            if state.done:
                continue  # simulated by an earlier run: it finishes as it started
        group = (p.file, p.replications, structure(p.study))
        first = firsts.setdefault(group, state)
        if first is state:
            continue
        if first.done and not store.has_ledger(first.planned.key):
            continue  # simulated before without keeping its ledger (an older store): simulated too
        state.source = first.planned.key
        dependents.setdefault(first.planned.key, []).append(state)
        store.add_revaluation(p.key, first.planned.key)
    return dependents


def _next_round(state: StudyState, store: Store) -> None:
    """Replay the precision rounds on the stored replications: extend the plan while a round is complete
    and the target is not reached (the same decisions an uninterrupted run takes)."""
    p = state.planned
    if p.precision is None:
        return
    while all(r in state.done for r in range(state.target)) and state.target < p.max_replications:
        rows = store.rows(p.key)
        rows = rows[rows["replication"] < state.target]
        controls = store.controls(p.key)
        if controls is not None:
            controls = controls[controls["replication"] < state.target]
        worst = float(relative_precision(rows, controls, state.means or None, study=p.study).max())
        if worst <= p.precision:
            return
        state.rounds.append(next_target(state.target, worst, p.precision, p.max_replications))
