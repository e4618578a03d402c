"""One executor interface for every parallel run (``run``, compare, batch, what-if, offers and the app):
local worker processes or a Dask cluster, chosen in one place (:func:`executor_for`), with one chunking rule
(:func:`chunk_size`).

Work is cut into tasks: a few replications of one study. A task depends only on its study's payload (the
compiled plan, the seed, the control means, the scenarios to run, how many replications keep incident
detail) and its replication numbers, so results are the same, bit for bit, whatever the executor, the
number of workers and the order in which tasks finish.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import NamedTuple

from .chunks import Chunk, simulate_chunk
from .plan import Plan


class Task(NamedTuple):
    """Some replications of one study (``study`` is the key of its payload)."""

    study: str
    replications: tuple[int, ...]


class Payload(NamedTuple):
    """What every task of one study shares: given once per worker, never with each task."""

    plan: Plan
    seed: int
    means: dict[str, float]
    only: frozenset[str] | None = None
    """Only these scenarios are simulated (None: all)."""
    detail_until: int = 0
    """Replications before this one keep one row per incident (distribution charts)."""


Done = Callable[[Task, Chunk], None]


def run_chunk(payload: Payload, replications: tuple[int, ...]) -> Chunk:
    """What a worker runs: some replications of one study."""
    return simulate_chunk(payload.plan, payload.seed, list(replications), payload.detail_until,
                          payload.means or None, payload.only)


def chunk_size(replications: int, workers: int) -> int:
    """Replications per task, for a run of ``replications`` in all (every study together): enough tasks to
    keep every worker busy (four each), few enough that scheduling costs little (at most ten a task)."""
    return int(max(1, min(10, math.ceil(replications / (max(workers, 1) * 4)))))


def tasks_of(studies: Mapping[str, Iterable[int]], workers: int) -> list[Task]:
    """The tasks of a run: each study's replications cut by :func:`chunk_size` of the whole run."""
    numbers = {key: list(replications) for key, replications in studies.items()}
    size = chunk_size(sum(len(n) for n in numbers.values()), workers)
    return [Task(key, tuple(n[k:k + size])) for key, n in numbers.items() for k in range(0, len(n), size)]


def worker_start() -> None:
    """In each worker: Ctrl-C is the parent's to handle, and the worker dies with its parent (even killed
    by ``kill -9``)."""
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


class Executor:
    """Runs tasks in parallel and hands each finished chunk to ``done`` in this process, as it finishes."""

    workers: int = 1

    def run(self, tasks: list[Task], payloads: dict[str, Payload], done: Done) -> None:
        raise NotImplementedError

    def map(self, function: Callable, items: list) -> list:
        """``function`` of every item, in parallel (the results in the items' order)."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the workers (nothing to do for local processes: each run starts and ends its own)."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_PAYLOADS: dict[str, Payload] = {}
"""In a local worker: the payloads of the run (about 1 MB a compiled plan), given once per worker."""


def _local_start(payloads: dict[str, Payload]) -> None:
    global _PAYLOADS
    _PAYLOADS = payloads
    worker_start()


def _local_chunk(study: str, replications: tuple[int, ...]) -> Chunk:
    return run_chunk(_PAYLOADS[study], replications)


def _pool(workers: int, **options: object) -> ProcessPoolExecutor:
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method), **options)


def _stop(pool: ProcessPoolExecutor, before: set[int]) -> None:
    """Ctrl-C or a failure: the tasks not started are cancelled (by the pool itself, which keeps its books
    straight) and the workers started since ``before`` (this process's children then) stop now, none goes
    on alone."""
    pool.shutdown(wait=False, cancel_futures=True)
    for process in multiprocessing.active_children():
        if process.pid not in before:
            process.terminate()


class LocalExecutor(Executor):
    """Worker processes on this machine (this process alone with one worker); a worker that dies has its
    tasks run again by a new pool."""

    def __init__(self, workers: int = 1) -> None:
        self.workers = max(1, workers)

    def map(self, function: Callable, items: list) -> list:
        if self.workers == 1 or len(items) <= 1:
            return [function(item) for item in items]
        before = {p.pid for p in multiprocessing.active_children()}
        with _pool(min(self.workers, len(items)), initializer=worker_start) as pool:
            try:
                return list(pool.map(function, items))
            except BaseException:
                _stop(pool, before)
                raise

    def run(self, tasks: list[Task], payloads: dict[str, Payload], done: Done) -> None:
        pending = list(tasks)
        while pending:
            try:
                self._run(pending, payloads, done)
                return
            except BrokenProcessPool:
                continue  # a worker died: the tasks not yet done run again

    def _run(self, pending: list[Task], payloads: dict[str, Payload], done: Done) -> None:
        if self.workers == 1 or len(pending) == 1:
            while pending:
                task = pending[0]
                done(task, run_chunk(payloads[task.study], task.replications))
                pending.pop(0)
            return
        before = {p.pid for p in multiprocessing.active_children()}
        with _pool(min(self.workers, len(pending)), initializer=_local_start, initargs=(payloads,)) as pool:
            futures = {pool.submit(_local_chunk, t.study, t.replications): t for t in pending}
            try:
                while futures:
                    finished, _ = wait(futures, return_when=FIRST_COMPLETED)
                    for future in finished:
                        task = futures.pop(future)
                        done(task, future.result())
                        pending.remove(task)
            except BaseException as exc:
                if not isinstance(exc, BrokenProcessPool):
                    _stop(pool, before)
                raise


class DaskExecutor(Executor):
    """A Dask distributed cluster: ``tcp://HOST:8786`` (``dask scheduler`` and ``dask worker`` started by
    hand, each machine with this package installed) or ``local:N`` (a LocalCluster of N processes).
    Plans travel to the workers once each (scattered); Dask reruns the tasks of a worker that dies."""

    def __init__(self, address: str) -> None:
        from distributed import Client, LocalCluster

        if address.startswith("local:"):
            count = int(address.split(":", 1)[1])
            if sys.platform.startswith("linux"):
                # workers forked from this process, as local processes are: they start with its modules
                # (NumPy, pandas, the simulation) loaded instead of importing them again, and the cluster
                # starts and stops in a fraction of a second instead of seconds (spawned workers)
                import dask

                dask.config.set({"distributed.worker.multiprocessing-method": "fork"})
            import dask

            # nobody reads a local cluster's statistical profile or GIL monitor: they cost CPU the work needs
            dask.config.set({"distributed.worker.profile.enabled": False,
                             "distributed.admin.system-monitor.gil.enabled": False,
                             "distributed.admin.system-monitor.interval": "5s",
                             "distributed.worker.memory.monitor-interval": "5s"})
            self.workers = count
            self.cluster = LocalCluster(n_workers=count, threads_per_worker=1, processes=True,
                                        dashboard_address=None)
            self.client = Client(self.cluster)
        else:
            self.cluster = None
            self.client = Client(address, timeout="30s")
            self.workers = max(1, len(self.client.scheduler_info().get("workers", {})))

    def map(self, function: Callable, items: list) -> list:
        return self.client.gather(self.client.map(function, items, pure=False))

    def run(self, tasks: list[Task], payloads: dict[str, Payload], done: Done) -> None:
        from distributed import as_completed

        scattered = {key: self.client.scatter(payload, broadcast=True) for key, payload in payloads.items()}
        futures = {self.client.submit(run_chunk, scattered[t.study], t.replications, pure=False): t for t in tasks}
        try:
            # results come back with their futures as they finish (no round trip per result)
            for future, chunk in as_completed(futures, with_results=True):
                done(futures[future], chunk)
        except BaseException:
            self.client.cancel(list(futures))
            raise

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def executor_for(workers: int = 1, scheduler: str | None = None) -> Executor:
    """The executor a run asked for: a Dask cluster when ``scheduler`` is given, else local processes."""
    if scheduler is not None and workers != 1:
        raise ValueError("give either workers (local processes) or a scheduler (a Dask cluster), not both")
    return DaskExecutor(scheduler) if scheduler else LocalExecutor(workers)
