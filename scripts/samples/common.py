"""What every sample workload shares: the plan, the context, a pool of client threads.

A sample is driven interval by interval: ``collect`` takes a snapshot, calls the wait hook, which
runs that interval's slice of the workload (its size set by the sample's activity profile, so the
series has a shape, idle gaps included) and then sleeps out the rest of the interval; then the
next snapshot. Counts are deterministic where the workload allows it (seeded choices, fixed
operation counts); timings and a few retries are not.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from tests.pgserver import PgServer

HERE = Path(__file__).resolve().parent


@dataclass
class Context:
    """One sample run: the server, the database, the application role's DSN, per-client state."""

    server: PgServer
    dbname: str
    app_user: str
    app_password: str
    clients: int
    state: dict[str, Any] = field(default_factory=dict)
    _conns: dict[int, psycopg.Connection[Any]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def app_dsn(self) -> str:
        return self.server.dsn(self.dbname, user=self.app_user, password=self.app_password)

    def conn(self, client: int, *, autocommit: bool = False) -> psycopg.Connection[Any]:
        """The client's persistent connection (an application pool keeps them open).

        Auto-prepare is off: PostgreSQL 14–15 pg_stat_statements counts a *prepared* utility
        statement (BEGIN, SAVEPOINT, NOTIFY …) only on its first execution, which would make
        the samples' transaction counts wrong.
        """
        with self._lock:
            if client not in self._conns:
                conn = psycopg.connect(self.app_dsn, autocommit=autocommit)
                conn.prepare_threshold = None
                self._conns[client] = conn
            return self._conns[client]

    def close(self) -> None:
        for conn in self._conns.values():
            conn.close()
        self._conns.clear()

    def run_sql_file(self, name: str) -> None:
        """Run a schema/seed script from scripts/samples/ as the application role (setup, not measured)."""
        with psycopg.connect(self.app_dsn, autocommit=True) as conn:
            conn.execute((HERE / name).read_text())  # type: ignore[arg-type]


def split(total: int, parts: int) -> list[int]:
    """``total`` operations over ``parts`` clients, remainder to the first ones."""
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def run_clients(
    ctx: Context,
    interval: int,
    total_ops: int,
    one_client: Callable[[Context, int, random.Random, int], Counter[str]],
) -> Counter[str]:
    """Run ``total_ops`` operations split over ``ctx.clients`` threads; sum their counters.

    Each client gets its own seeded ``random.Random`` (seed from interval and client number).
    """
    shares = split(total_ops, ctx.clients)
    totals: Counter[str] = Counter()
    with ThreadPoolExecutor(max_workers=ctx.clients) as pool:
        futures = [
            pool.submit(one_client, ctx, client, random.Random(10_000 * interval + client), ops)
            for client, ops in enumerate(shares)
            if ops
        ]
        for future in futures:
            totals.update(future.result())
    return totals


def weighted_picker(items: Sequence[Any], skew: float) -> Callable[[random.Random], Any]:
    """Pick items with Zipf-like weights ``1 / rank**skew`` (a few hot tenants, a long tail)."""
    weights = [1.0 / (rank + 1) ** skew for rank in range(len(items))]
    cum: list[float] = []
    acc = 0.0
    for w in weights:
        acc += w
        cum.append(acc)
    population = list(items)

    def pick(rng: random.Random) -> Any:
        return rng.choices(population, cum_weights=cum, k=1)[0]

    return pick


@dataclass(frozen=True)
class SampleSpec:
    """A sample: how to set it up, how to drive one interval, and what to say about it."""

    name: str
    title: str
    clients: int
    profile: tuple[float, ...]
    """Activity per interval as a fraction of the peak (0 = idle); one entry per interval."""
    peak_ops: int
    """Operations in an interval at profile 1.0 (transactions, requests or batch steps)."""
    interval_s: float
    setup: Callable[[Context], dict[str, Any]]
    """Create and seed the schema (before the statistics reset); returns facts for the README."""
    run_interval: Callable[[Context, int, int], Counter[str]]
    """Drive interval ``i`` with ``ops`` operations; returns counts by operation kind."""
    describe: Callable[[dict[str, Any]], str]
    """One paragraph for bundle.yaml and the README, given the run facts."""
    compress: bool = False
    finish: Callable[[Context], None] | None = None
