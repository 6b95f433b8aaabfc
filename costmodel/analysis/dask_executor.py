"""Fleets on a Dask cluster: the :class:`~costmodel.core.executor.Executor` protocol as Dask tasks.

Why: a SaaS provider with thousands of databases outgrows one machine. Reading the exports stays
on the machine that runs ``dsqlcost`` (workers need no access to its files); the classification
batches and the per-cluster pricing go to the Dask workers. The fleet's shared tables (profile
table, price catalog, calibration, scenario) are scattered once to every worker; each cluster's
workload is scattered on its own; results come back in input order, so the report is the one the
local run prints. Dask (``distributed``) is an optional extra: ``pip install 'dsqlcost[dask]'``.
Workers must run the same dsqlcost version (they unpickle its objects).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any, TypeVar

from costmodel.core.errors import CostModelError, ExecutorError

T = TypeVar("T")
S = TypeVar("S")
R = TypeVar("R")

INSTALL_HINT = "install the optional extra: pip install 'dsqlcost[dask]'"


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise ExecutorError(
            "--executor dask needs Dask distributed, which is not installed", hint=INSTALL_HINT
        ) from None
    return distributed


class DaskExecutor:
    """Tasks on the Dask scheduler at ``scheduler`` (``tcp://host:8786``), or on a local cluster of
    worker processes started here (and stopped on exit) when no address is given.

    Use as a context manager: the client connects on enter and closes on exit.
    """

    name = "dask"
    min_batch_texts = 1
    """Every classification goes out in batches: a task costs milliseconds on a cluster."""

    def __init__(
        self, scheduler: str | None = None, *, local_workers: int | None = None, connect_timeout: str = "20s"
    ) -> None:
        """``local_workers`` sizes the local cluster started without ``scheduler`` (default: cores)."""
        self.scheduler = scheduler
        self.connect_timeout = connect_timeout
        self.local_workers = local_workers or os.cpu_count() or 1
        self.workers = 1
        self._client: Any = None
        self._cluster: Any = None

    def __enter__(self) -> DaskExecutor:
        distributed = _distributed()
        try:
            if self.scheduler is None:
                self._cluster = distributed.LocalCluster(
                    n_workers=self.local_workers,
                    threads_per_worker=1,  # parsing and pricing hold the GIL: one task per process
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
                self._client = distributed.Client(self._cluster)
            else:
                self._client = distributed.Client(self.scheduler, timeout=self.connect_timeout)
        except (OSError, TimeoutError) as exc:
            self.__exit__(None, None, None)
            raise ExecutorError(
                f"cannot reach the Dask scheduler: {exc}",
                column="--scheduler",
                hint="give the address a `dask scheduler` prints (tcp://HOST:8786), or omit it for a local cluster",
            ) from None
        threads = self._client.nthreads()
        self.workers = max(1, sum(threads.values()))
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    @property
    def client(self) -> Any:
        """The connected ``distributed.Client``."""
        if self._client is None:
            raise ExecutorError("the Dask executor is used outside its `with` block")
        return self._client

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """One task per item; items are scattered first (kept out of the task graph)."""
        client = self.client
        data = client.scatter(list(items), hash=False)
        return self._gather(client.map(fn, data, pure=False))

    def map_shared(self, fn: Callable[[S, T], R], shared: S, items: Sequence[T]) -> list[R]:
        """``shared`` is broadcast to every worker once, each item scattered on its own."""
        client = self.client
        [common] = client.scatter([shared], broadcast=True, hash=False)
        data = client.scatter(list(items), hash=False)
        return self._gather([client.submit(fn, common, item, pure=False) for item in data])

    def _gather(self, futures: list[Any]) -> list[Any]:
        try:
            return list(self.client.gather(futures))
        except CostModelError:
            raise
        except Exception as exc:  # a worker died or could not unpickle: say so in one line
            raise ExecutorError(
                f"a Dask task failed: {type(exc).__name__}: {exc}",
                hint="workers need the same dsqlcost version as this machine (pip install 'dsqlcost[dask]')",
            ) from None
