"""Server CPU for Serverless v2 sizing: what the server burns, not what the executor timed.

Why: pg_stat_statements times the executor (and the planner when tracked). A PostgreSQL server
also spends CPU on every call outside that clock (protocol messages, parse/bind, statistics
accounting, snapshot and commit work, WAL writing, background processes), and on a short
statement that is most of it: on PostgreSQL 15 pgbench select-only burns about four times its
executor time. Conversely the executor clock counts time a backend spends *waiting* for a row lock
(a hot single-row UPDATE) or compiling JIT code configured on the source, neither of which needs
ACUs on the target. This module turns the usage columns into server CPU-seconds with a fitted
per-call and per-transaction overhead (``costmodel/data/sv2_cpu_model.yaml``, fitted by
``python -m benchmarks sv2_cpu`` against utime+stime of the server processes), after taking out:

* **JIT time** where the export has ``jit_*_time`` columns;
* **lock waits** of single-row writes: the executor time of an UPDATE/DELETE/INSERT of at most
  one row per call is capped at ``sv2_lock_wait_mean_over_min`` × its ``min_exec_time`` (a write
  of one row costs about the same CPU every time; a mean far above the minimum is waiting).

A measured input, when given, replaces all of this (:mod:`costmodel.pricing.serverless_v2_measured`):
the report states which input sized the capacity.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from costmodel.core.assumptions import AssumptionSet
from costmodel.core.errors import ScenarioError
from costmodel.core.yamlio import safe_load

MODEL_FILE = "sv2_cpu_model.yaml"
MS_PER_SECOND = 1000.0
_SINGLE_ROW_WRITES = frozenset({"insert", "update", "delete", "merge"})


@dataclass(frozen=True)
class CpuModel:
    """Fitted server overhead outside the executor clock (milliseconds of one core)."""

    per_call_ms: float
    """Every call, transaction control included: protocol, parse/bind, accounting."""
    per_txn_ms: float
    """Every transaction (explicit block or autocommit statement): snapshot, commit, background share."""
    source: str
    fit: dict[str, Any]
    """Fit error and the runs it came from (shown by the benchmark and the report)."""

    def describe(self) -> str:
        """One line for the report's capacity-source note."""
        return (
            f"executor CPU + {self.per_call_ms * 1000:.1f} µs per call + {self.per_txn_ms * 1000:.1f} µs "
            f"per transaction (fitted on pgbench, {self.fit.get('summary', 'see sv2_cpu_model.yaml')})"
        )


@cache
def _bundled_text() -> str:
    return resources.files("costmodel.data").joinpath(MODEL_FILE).read_text(encoding="utf-8")


def load_cpu_model(path: str | Path | None = None) -> CpuModel:
    """The fitted model (bundled file, or ``path``: the benchmark writes a candidate there)."""
    if path is None:
        return _bundled_model()
    return _model(Path(path).read_text(encoding="utf-8"), path)


@cache
def _bundled_model() -> CpuModel:
    """The bundled model, parsed once: every Serverless v2 pricing reads it (24 times per what-if
    with its uncertainty ranges), and parsing the YAML cost 7% of a what-if."""
    return _model(_bundled_text(), None)


def _model(text: str, path: str | Path | None) -> CpuModel:
    data = safe_load(text) or {}
    try:
        return CpuModel(
            per_call_ms=float(data["per_call_ms"]["value"]),
            per_txn_ms=float(data["per_txn_ms"]["value"]),
            source=str(data["source"]),
            fit=dict(data.get("fit") or {}),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ScenarioError(
            f"{path or MODEL_FILE}: field {exc} missing or not a number",
            hint="regenerate it with `python -m benchmarks sv2_cpu --write`",
        ) from exc


def _col(frame: pd.DataFrame, name: str, fill: float = np.nan) -> np.ndarray:
    if name not in frame.columns:
        return np.full(len(frame), fill)
    return np.asarray(pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan))


@dataclass(frozen=True)
class ServerCpu:
    """Server CPU-seconds per month and how they were made up."""

    seconds_month: float
    per_statement: np.ndarray
    """Monthly CPU-seconds per statement (executor part + its calls' overhead), for spreading cost."""
    executor_seconds: float
    overhead_seconds: float
    jit_removed_seconds: float
    lock_wait_removed_seconds: float
    source: str = "model"
    detail: str = ""

    def as_details(self) -> dict[str, Any]:
        """The figures a report shows under ``capacity_source``."""
        return {
            "capacity_source": self.source,
            "capacity_source_detail": self.detail,
            "server_cpu_seconds_month": self.seconds_month,
            "executor_cpu_seconds_month": self.executor_seconds,
            "overhead_cpu_seconds_month": self.overhead_seconds,
            "jit_removed_cpu_seconds_month": self.jit_removed_seconds,
            "lock_wait_removed_cpu_seconds_month": self.lock_wait_removed_seconds,
        }


def executor_cpu_ms(frame: pd.DataFrame, ratio: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per call: executor CPU with JIT and single-row lock waits taken out, and the two removed parts.

    The executor CPU per call is the usage's monthly ``cpu_seconds_month`` over its calls (execution
    minus timed I/O waits, plus planning when tracked)."""
    calls = np.nan_to_num(_col(frame, "calls_month"))
    monthly = np.nan_to_num(_col(frame, "cpu_seconds_month"))
    cpu = np.divide(monthly * MS_PER_SECOND, calls, out=np.zeros(len(frame)), where=calls > 0)
    jit = np.clip(np.nan_to_num(_col(frame, "jit_ms_per_call")), 0.0, cpu)
    cpu = cpu - jit
    rows = _col(frame, "rows_per_call")
    low = _col(frame, "min_exec_ms")
    single = (np.nan_to_num(rows, nan=2.0) <= 1.0) & (low > 0)
    # the kind is compared only where the rows and the minimum allow a single-row write
    kind = frame["kind"].to_numpy()[single] if "kind" in frame.columns else np.full(int(single.sum()), "")
    # compared as they are: a kind that is not text (None, NaN) is no write either way
    single[single] = np.isin(np.asarray(kind, dtype=object), list(_SINGLE_ROW_WRITES))
    cap = np.where(single, np.nan_to_num(low) * ratio, np.inf)
    capped = np.minimum(cpu, cap)
    return capped, jit, cpu - capped


def server_cpu(usage: Any, model: CpuModel, assumptions: AssumptionSet) -> ServerCpu:
    """Monthly server CPU from ``usage`` (a :class:`costmodel.usage.compute.Usage`-like object).

    Overhead per transaction is spread over the statements by their calls, like the per-call
    overhead (transaction control included).
    """
    ratio = float(assumptions.get("sv2_lock_wait_mean_over_min"))
    if not ratio >= 1:
        raise ScenarioError(
            f"assumption sv2_lock_wait_mean_over_min = {ratio!r} is below 1",
            column="assumptions.sv2_lock_wait_mean_over_min",
            hint="give how far a single-row write's mean may exceed its minimum before the rest counts as waiting",
        )
    per_call = assumptions.get("sv2_cpu_overhead_per_call_ms")
    per_txn = assumptions.get("sv2_cpu_overhead_per_txn_ms")
    model = CpuModel(
        model.per_call_ms if per_call is None else float(per_call),
        model.per_txn_ms if per_txn is None else float(per_txn),
        model.source if per_call is None and per_txn is None else "assumption override",
        model.fit,
    )
    if model.per_call_ms < 0 or model.per_txn_ms < 0:
        raise ScenarioError(
            "a Serverless v2 CPU overhead assumption is negative",
            column="assumptions.sv2_cpu_overhead_per_call_ms",
            hint="give milliseconds of one core >= 0, or leave it null for the fitted value",
        )
    frame = usage.statements
    calls = np.nan_to_num(_col(frame, "calls_month"))
    cpu_ms, jit_ms, lock_ms = executor_cpu_ms(frame, ratio)
    txns = float(getattr(usage, "txns_month", 0.0) or 0.0)
    commit = model.per_txn_ms * txns * calls / calls.sum() if calls.sum() > 0 else np.zeros(len(frame))
    overhead = model.per_call_ms * calls + commit
    executor = cpu_ms * calls
    per_statement = (executor + overhead) / MS_PER_SECOND
    return ServerCpu(
        seconds_month=float(per_statement.sum()),
        per_statement=per_statement,
        executor_seconds=float(executor.sum()) / MS_PER_SECOND,
        overhead_seconds=float(overhead.sum()) / MS_PER_SECOND,
        jit_removed_seconds=float((jit_ms * calls).sum()) / MS_PER_SECOND,
        lock_wait_removed_seconds=float((lock_ms * calls).sum()) / MS_PER_SECOND,
        source="model",
        detail=f"pg_stat_statements: {model.describe()}",
    )
