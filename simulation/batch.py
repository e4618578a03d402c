"""Running a batch into a run store, on local processes or a Dask cluster, resumable at any point.

Work is cut into tasks: a few replications of one study x variant. Each task depends only on the study,
the seed and its replication numbers, so the results are the same, bit for bit, whatever the executor,
the number of workers and the order in which tasks finish. Finished tasks stream back to this process,
which writes them into the store, one transaction each. A study with a precision target runs in rounds:
the first round is its replications; each next round's size is computed from the rounds before, so a
resumed batch replays exactly the decisions an uninterrupted one takes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import NamedTuple

from sourcing.batch import Batch, Planned

from .compare import relative_precision
from .plan import Plan, compiled
from .replications import Chunk, _batch, _worker_start, next_target
from .store import Store, StoreError
from .variance import expected_controls


class Task(NamedTuple):
    """Some replications of one study x variant."""

    study: str
    replications: tuple[int, ...]


def run_chunk(plan: Plan, seed: int, replications: tuple[int, ...], means: dict[str, float]) -> Chunk:
    """What a worker runs: the replications' tidy rows and control variates (the study compiled once, in
    the process that sends the tasks)."""
    return _batch(plan, seed, list(replications), 0, means or None)


Done = Callable[[Task, Chunk], None]


class LocalExecutor:
    """Worker processes on this machine; a worker that dies has its tasks run again by a new pool."""

    def __init__(self, workers: int) -> None:
        self.workers = workers

    def run(self, tasks: list[Task], payloads: dict[str, tuple], done: Done) -> None:
        pending = list(tasks)
        while pending:
            try:
                self._run(pending, payloads, done)
                return
            except BrokenProcessPool:
                continue  # a worker died: the tasks not yet written run again

    def _run(self, pending: list[Task], payloads: dict[str, tuple], done: Done) -> None:
        if self.workers == 1:
            while pending:
                task = pending[0]
                done(task, run_chunk(*payloads[task.study][:2], task.replications, payloads[task.study][2]))
                pending.pop(0)
            return
        with ProcessPoolExecutor(max_workers=self.workers, initializer=_worker_start) as pool:
            futures = {pool.submit(run_chunk, *payloads[t.study][:2], t.replications, payloads[t.study][2]): t
                       for t in pending}
            try:
                while futures:
                    finished, _ = wait(futures, return_when=FIRST_COMPLETED)
                    for future in finished:
                        task = futures.pop(future)
                        done(task, future.result())
                        pending.remove(task)
            except BaseException:
                for future in futures:
                    future.cancel()
                for process in list(getattr(pool, "_processes", {}).values()):
                    process.terminate()  # Ctrl-C: no worker goes on alone
                raise


class DaskExecutor:
    """A Dask distributed cluster: ``tcp://HOST:8786`` (``dask scheduler`` and ``dask worker`` started by
    hand, each machine with this package installed) or ``local:N`` (a LocalCluster of N processes).
    Studies travel to the workers once each (scattered); Dask reruns the tasks of a worker that dies."""

    def __init__(self, address: str) -> None:
        from distributed import Client, LocalCluster

        if address.startswith("local:"):
            count = int(address.split(":", 1)[1])
            self.cluster = LocalCluster(n_workers=count, threads_per_worker=1, processes=True,
                                        dashboard_address=None)
            self.client = Client(self.cluster)
        else:
            self.cluster = None
            self.client = Client(address, timeout="30s")

    def run(self, tasks: list[Task], payloads: dict[str, tuple], done: Done) -> None:
        from distributed import as_completed

        scattered = {key: self.client.scatter(payload[0], broadcast=True) for key, payload in payloads.items()}
        futures = {self.client.submit(run_chunk, scattered[t.study], payloads[t.study][1], t.replications,
                                      payloads[t.study][2], pure=False): t for t in tasks}
        try:
            for future in as_completed(futures):
                done(futures[future], future.result())
        except BaseException:
            self.client.cancel(list(futures))
            raise

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


@dataclass
class StudyState:
    """Where one study of the batch stands."""

    planned: Planned
    means: dict[str, float]
    done: set[int]
    rounds: list[int]
    """End of each round of replications (precision targets); one round for a fixed number."""

    @property
    def target(self) -> int:
        return self.rounds[-1]


def chunk_size(replications: int, workers: int) -> int:
    """Enough tasks to keep every worker busy, few enough that scheduling costs little."""
    return int(max(1, min(10, math.ceil(replications / (workers * 4)))))


def run_batch(batch: Batch, planned: list[Planned], store: Store, executor, workers: int, resume: bool,
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
    for position, p in enumerate(planned):
        if p.key in known:
            means = store.control_means(p.key)  # as the first run computed them
        else:
            means = expected_controls(p.study) if batch.variance_reduction else {}
            store.add_study(run_id, position, p, batch.seed, means)
        states.append(StudyState(p, means, store.done(p.key), [p.replications]))
    by_key = {s.planned.key: s for s in states}
    payloads: dict[str, tuple] = {}  # compiled when a study has work left (a finished one costs nothing)

    def finished(task: Task, chunk: Chunk) -> None:
        store.write(task.study, chunk.rows, chunk.controls if len(chunk.controls) else None)
        state = by_key[task.study]
        state.done.update(task.replications)
        if progress:
            progress(state.planned.key, len(state.done), state.target)

    while True:
        for state in states:
            _next_round(state, store)
        tasks = []
        for state in states:
            missing = [r for r in range(state.target) if r not in state.done]
            size = chunk_size(len(missing), workers)
            tasks += [Task(state.planned.key, tuple(missing[k:k + size])) for k in range(0, len(missing), size)]
        if not tasks:
            break
        for task in tasks:
            if task.study not in payloads:
                state = by_key[task.study]
                payloads[task.study] = (compiled(state.planned.study), batch.seed, state.means)
        executor.run(tasks, payloads, finished)
    return states


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
