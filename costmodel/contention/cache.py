"""Scenario-free results of the OCC model, kept per statement table and dropped with it.

The write patterns, the statements' signals and the shape of the per-table conflict sums depend
only on the classified statement table (and on which statements ran), not on the scenario; the
dashboard re-runs the model on every what-if and the CLI once per range case, so they are worked
out once per table. A table is held by a weak reference and checked by identity (a DataFrame is not
hashable); its entry goes when the table is garbage-collected, so a closed dashboard session keeps
nothing here.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import pandas as pd

T = TypeVar("T")

TABLES = 8
"""Statement tables remembered at once (least recently used dropped first)."""
KEYS_PER_TABLE = 16
"""Results kept per table (e.g. one layout per set of statements that ran)."""


class TableCache:
    """``get(table, key, build)``: ``build()`` once per (table, key); thread-safe (the dashboard's
    range worker and a what-if may both run the model)."""

    def __init__(self, tables: int = TABLES, per_table: int = KEYS_PER_TABLE) -> None:
        self._entries: OrderedDict[int, tuple[weakref.ref[pd.DataFrame], OrderedDict[Hashable, Any]]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()
        self._tables = tables
        self._per_table = per_table
        self._dead: list[tuple[int, weakref.ref[pd.DataFrame]]] = []

    def get(self, table: pd.DataFrame, key: Hashable, build: Callable[[], T]) -> T:
        """The result for ``key`` on ``table``, built on first use (outside the lock: two threads
        asking at once may both build it; the results are equal)."""
        with self._lock:
            self._purge()
            hit = self._entries.get(id(table))
            if hit is not None and hit[0]() is table and key in hit[1]:
                self._entries.move_to_end(id(table))
                hit[1].move_to_end(key)
                found: T = hit[1][key]
                return found
        value = build()
        with self._lock:
            self._purge()
            ident = id(table)
            hit = self._entries.get(ident)
            if hit is None or hit[0]() is not table:
                ref = weakref.ref(table, functools.partial(self._forget, ident))
                hit = (ref, OrderedDict())
                self._entries[ident] = hit
            self._entries.move_to_end(ident)
            hit[1][key] = value
            while len(hit[1]) > self._per_table:
                hit[1].popitem(last=False)
            while len(self._entries) > self._tables:
                self._entries.popitem(last=False)
        return value

    def _forget(self, ident: int, dead: weakref.ref[pd.DataFrame]) -> None:
        """A table was garbage-collected: drop its results (unless its id already names another).
        The collector may run this while this thread holds the lock: then the next call drops it."""
        if not self._lock.acquire(blocking=False):
            self._dead.append((ident, dead))
            return
        try:
            self._drop(ident, dead)
        finally:
            self._lock.release()

    def _drop(self, ident: int, dead: weakref.ref[pd.DataFrame]) -> None:
        hit = self._entries.get(ident)
        if hit is not None and hit[0] is dead:
            del self._entries[ident]

    def _purge(self) -> None:
        """Drop the tables collected while the lock was held (call with the lock held)."""
        while self._dead:
            self._drop(*self._dead.pop())

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
