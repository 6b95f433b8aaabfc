"""DSQL ComputeDPU per statement call: a fixed cost by statement class, planning, executor work.

Why not PostgreSQL executor time: DSQL bills query-processor time, and a simple statement spends
3–16 ms there (planning, distributed execution, storage round trips) where PostgreSQL's executor
spends 0.03–0.27 ms (public lab, ``reference/dsql-pricing.md`` additions 2026-12-07). The model::

    compute_ms = planning_ms                       always (with or without track_planning)
               + fixed_ms[statement class]         point read, scan read, single/multi-row write …
               + keyed_table_ms × keyed tables     a read of a table with a primary key (below)
               + unique_check_ms                   INSERT/UPSERT into a table with a primary key
               + max(exec_factor × executor ms,    the source's executor time of reads (joins, sorts …)
                     ms_per_mib × MiB read+written) or moving bytes, whichever dominates: a scan's
                                                   executor time *is* mostly moving its bytes, so
                                                   the two overlap rather than add

Two terms are mechanisms rather than classes, so a shape the fit has not seen still gets them:

* **Keyed tables read.** DSQL stores a table without a primary key as one B-tree ordered by a
  hidden key: a read plans no index paths and scans it with the limit pushed to storage. A table
  with a primary key is stored as its primary-key index: the planner weighs index paths on it and
  the scan runs through the index (the lab: a LIMIT read of a key-less table 2.3 ms, of a keyed one
  4.9 ms, the same rows and bytes). Counted from the catalog (``pg_index.indisprimary``); a table the
  catalog does not describe counts as keyed (DSQL tables normally have a key).
* **Executor time is a floor.** DSQL's query processor is PostgreSQL's executor: the same plan does
  at least the same CPU work, so ``exec_factor`` is never fitted below 1 (a fit that has seen no
  executor-bound statement would otherwise drive it to 0 and price a cross join at its bytes).

Its coefficients are data (``costmodel/data/dsql_compute_model.yaml``) with their source and
held-out fit error, fitted by ``python -m benchmarks fidelity --fit``. A workload whose time *is*
DSQL compute time (AWS's worked examples; DSQL statement statistics) is priced with the
``dsql_compute_model`` assumption set to ``source_time``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np

from costmodel.core.errors import ScenarioError
from costmodel.core.profile import KeyShape, StatementKind
from costmodel.core.yamlio import safe_load

MODEL_FILE = Path(__file__).resolve().parents[1] / "data" / "dsql_compute_model.yaml"
FORMAT = "dsqlcost-compute-model/1"
MIB = 1024.0 * 1024.0


class StatementClass(StrEnum):
    """What a statement does on DSQL, for its fixed compute cost."""

    POINT_READ = "point_read"
    """A SELECT that finds its rows by key equality (one storage lookup)."""
    SCAN_READ = "scan_read"
    """Any other SELECT: ranges, scans, LIMIT/OFFSET pages, aggregates, joins."""
    SINGLE_ROW_WRITE = "single_row_write"
    """INSERT/UPDATE/DELETE/MERGE affecting at most one row per call."""
    MULTI_ROW_WRITE = "multi_row_write"
    """The same affecting several rows per call."""
    DDL_UTILITY = "ddl_utility"
    """DDL, utility and unclassified statements (no DSQL measurement: the scan-read cost is used)."""
    TRANSACTION_CONTROL = "transaction_control"
    """BEGIN, COMMIT, ROLLBACK, SAVEPOINT … (per-transaction overhead)."""


_POINT_SHAPES = (KeyShape.CONSTANT.value, KeyShape.PARAMETER.value, KeyShape.TENANT.value)
_WRITES = (
    StatementKind.INSERT.value,
    StatementKind.UPDATE.value,
    StatementKind.DELETE.value,
    StatementKind.MERGE.value,
)


_EXECUTOR_CLASSES = (
    StatementClass.POINT_READ.value,
    StatementClass.SCAN_READ.value,
    StatementClass.DDL_UTILITY.value,
)
"""Classes whose source executor time counts: a write's executor time in PostgreSQL is mostly its
own storage work (heap, TOAST, WAL), which DSQL does differently and the byte term covers."""


@dataclass(frozen=True)
class ClassCost:
    """One class's fixed cost and the evidence behind it."""

    fixed_ms: float
    cases: int = 0
    basis: str = ""


@dataclass(frozen=True)
class ComputeModel:
    """Coefficients of the compute model (see the module docstring)."""

    name: str
    source: str
    planning_ms: float
    exec_factor: float
    ms_per_mib: float
    unique_check_ms: float
    classes: dict[str, ClassCost]
    keyed_table_ms: float = 0.0
    fit: dict[str, Any] = field(default_factory=dict)
    file: str = ""

    def fixed_ms(self, statement_class: str) -> float:
        """The class's fixed cost; a class the fit never saw costs like a scan read."""
        cost = self.classes.get(statement_class) or self.classes.get(StatementClass.SCAN_READ.value)
        return cost.fixed_ms if cost is not None else 0.0

    def describe(self) -> str:
        """One line for the assumptions block: the model, its coefficients and their source."""
        fixed = ", ".join(f"{k} {v.fixed_ms:.3g} ms" for k, v in self.classes.items())
        held = self.fit.get("held_out_median_error")
        error = f"; held-out median error {held:.0%}" if isinstance(held, int | float) else ""
        return (
            f"{self.name}: planning {self.planning_ms:.3g} ms + fixed by class ({fixed}) + "
            f"{self.keyed_table_ms:.3g} ms per keyed table read + unique check "
            f"{self.unique_check_ms:.3g} ms + max({self.exec_factor:.3g} x executor ms, {self.ms_per_mib:.3g} ms "
            f"per MiB moved) ({self.source}{error})"
        )

    def to_dict(self) -> dict[str, Any]:
        """The YAML document (``costmodel/data/dsql_compute_model.yaml``)."""
        return {
            "format": FORMAT,
            "name": self.name,
            "source": self.source,
            "coefficients": {
                "planning_ms": round(self.planning_ms, 4),
                "exec_factor": round(self.exec_factor, 4),
                "ms_per_mib": round(self.ms_per_mib, 4),
                "unique_check_ms": round(self.unique_check_ms, 4),
                "keyed_table_ms": round(self.keyed_table_ms, 4),
            },
            "classes": {
                k: {"fixed_ms": round(v.fixed_ms, 4), "cases": v.cases, "basis": v.basis}
                for k, v in self.classes.items()
            },
            "fit": self.fit,
        }


def _error(message: str, file: str, column: str | None = None) -> ScenarioError:
    return ScenarioError(
        message, file=file, column=column, hint="regenerate it with `python -m benchmarks fidelity --fit`"
    )


def load_compute_model(path: str | Path | None = None) -> ComputeModel:
    """Read the compute model (the packaged one unless ``path`` names another)."""
    file = Path(path) if path is not None else MODEL_FILE
    try:
        data = safe_load(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise _error(f"cannot read the compute model: {exc.strerror}", str(file)) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _error(f"not a compute model (format: {FORMAT} expected)", str(file))
    coef = data.get("coefficients") or {}
    try:
        classes = {
            str(k): ClassCost(float(v["fixed_ms"]), int(v.get("cases", 0)), str(v.get("basis", "")))
            for k, v in (data.get("classes") or {}).items()
        }
        numbers = {k: float(coef[k]) for k in ("planning_ms", "exec_factor", "ms_per_mib", "unique_check_ms")}
        numbers["keyed_table_ms"] = float(coef.get("keyed_table_ms", 0.0))
    except (KeyError, TypeError, ValueError) as exc:
        raise _error(
            f"compute model coefficient missing or not a number: {exc}", str(file), "coefficients"
        ) from None
    unknown = sorted(set(classes) - {c.value for c in StatementClass})
    if unknown:
        raise _error(f"unknown statement class(es) {', '.join(unknown)}", str(file), "classes")
    return ComputeModel(
        name=str(data.get("name", file.stem)),
        source=str(data.get("source", "")),
        classes=classes,
        fit=dict(data.get("fit") or {}),
        file=str(file),
        **numbers,
    )


def statement_classes(
    kind: np.ndarray,
    key_shape: np.ndarray,
    rows_per_call: np.ndarray,
    is_ctl: np.ndarray,
    joins: np.ndarray,
    aggregates: np.ndarray,
) -> np.ndarray:
    """The :class:`StatementClass` of every statement (vectorised)."""
    is_select = kind == StatementKind.SELECT.value
    is_write = np.isin(kind, _WRITES)
    point = is_select & np.isin(key_shape, _POINT_SHAPES) & (np.nan_to_num(joins) == 0)
    point &= np.nan_to_num(aggregates) == 0
    multi = np.nan_to_num(rows_per_call) > 1.0
    return np.select(
        [is_ctl, point, is_select, is_write & multi, is_write],
        [
            StatementClass.TRANSACTION_CONTROL.value,
            StatementClass.POINT_READ.value,
            StatementClass.SCAN_READ.value,
            StatementClass.MULTI_ROW_WRITE.value,
            StatementClass.SINGLE_ROW_WRITE.value,
        ],
        default=StatementClass.DDL_UTILITY.value,
    ).astype(object)


def compute_ms(
    model: ComputeModel,
    classes: np.ndarray,
    exec_ms: np.ndarray,
    bytes_moved: np.ndarray,
    unique_check: np.ndarray,
    keyed_tables: np.ndarray | None = None,
) -> np.ndarray:
    """DSQL compute milliseconds per call; NaN where the executor time is unknown.

    ``keyed_tables``: tables with a primary key each statement reads (None: none known).
    """
    fixed = np.array([model.fixed_ms(str(c)) for c in classes], dtype=float)
    ctl = classes == StatementClass.TRANSACTION_CONTROL.value
    planning = np.where(ctl, 0.0, model.planning_ms)
    reads = np.isin(classes, _EXECUTOR_CLASSES)
    executor = np.where(reads, model.exec_factor * np.asarray(exec_ms, dtype=float), 0.0)
    moving = model.ms_per_mib * np.nan_to_num(np.asarray(bytes_moved, dtype=float)) / MIB
    keyed = np.zeros(len(classes)) if keyed_tables is None else np.nan_to_num(np.asarray(keyed_tables, float))
    keyed_ms = np.where(reads, model.keyed_table_ms * keyed, 0.0)
    return (
        planning
        + fixed
        + keyed_ms
        + np.where(unique_check, model.unique_check_ms, 0.0)
        + np.maximum(executor, moving)
    )
