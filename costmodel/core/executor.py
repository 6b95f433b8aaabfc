"""Where a fleet's parallel work runs: local worker processes, or a Dask cluster.

Why one small protocol: the fleet has two kinds of parallel work — classification batches (a list
of texts in, a list of profiles out) and per-cluster pricing (the fleet's shared tables plus one
cluster's workload in, a slim result out). Both are "map a top-level function over items, results
in order". :class:`LocalExecutor` does that in forked processes on this machine (shared tables are
inherited copy-on-write, not pickled); the Dask executor (:mod:`costmodel.analysis.dask_executor`)
does it as Dask tasks, with the shared tables scattered once to every worker. The stages take an
:class:`Executor` and never know which one runs them, so the results are the same either way.
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
S = TypeVar("S")
R = TypeVar("R")


class Executor(Protocol):
    """Runs a top-level (picklable) function over items, returning results in input order."""

    name: str
    """``local`` or ``dask``: shown in progress and benchmarks."""
    workers: int
    """How many tasks run at once (processes here, worker threads × processes on Dask)."""
    min_batch_texts: int
    """Distinct texts from which classification is cut into batches for :meth:`map` (below, it runs
    in the calling process: a local pool costs more than it saves, a Dask cluster costs little)."""

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """``[fn(item) for item in items]``, run in parallel."""
        ...

    def map_shared(self, fn: Callable[[S, T], R], shared: S, items: Sequence[T]) -> list[R]:
        """``[fn(shared, item) for item in items]``: ``shared`` reaches each worker once."""
        ...


_SHARED: list[tuple[Any, Sequence[Any], Callable[..., Any]]] = []
"""A local worker's ``(shared, items, fn)``, set by the pool initializer (inherited where forked)."""


def _init_shared(shared: Any, items: Sequence[Any], fn: Callable[..., Any]) -> None:
    _SHARED.clear()
    _SHARED.append((shared, items, fn))


def _call_shared(index: int) -> Any:
    shared, items, fn = _SHARED[0]
    return fn(shared, items[index])


def fork_context() -> Any:
    return mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None


class LocalExecutor:
    """Worker processes on this machine, forked where the platform can."""

    name = "local"

    def __init__(self, workers: int, *, min_batch_texts: int = 20_000) -> None:
        """``workers`` processes (1 runs everything in this process)."""
        self.workers = max(1, workers)
        self.min_batch_texts = min_batch_texts

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """In a fresh pool of :attr:`workers` processes (in this process when 1)."""
        if self.workers <= 1 or len(items) <= 1:
            return [fn(item) for item in items]
        with ProcessPoolExecutor(max_workers=self.workers, mp_context=fork_context()) as pool:
            return list(pool.map(fn, items))

    def map_shared(self, fn: Callable[[S, T], R], shared: S, items: Sequence[T]) -> list[R]:
        """Workers start with ``shared`` and ``items`` in place (forked: shared copy-on-write, only
        an index is sent per task); in this process when one worker."""
        if self.workers <= 1 or len(items) <= 1:
            return [fn(shared, item) for item in items]
        with ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=fork_context(),
            initializer=_init_shared,
            initargs=(shared, items, fn),
        ) as pool:
            return list(pool.map(_call_shared, range(len(items)), chunksize=2))


def batches(items: Sequence[T], workers: int, *, per_worker: int = 4, most: int = 5_000) -> list[Sequence[T]]:
    """``items`` cut into about ``per_worker`` batches per worker, none longer than ``most``, so
    the slowest batch does not hold up the end of the map."""
    if not items:
        return []
    size = min(most, -(-len(items) // (max(1, workers) * per_worker)))
    return [items[i : i + size] for i in range(0, len(items), size)]
