"""DSQL ComputeDPU per statement call: a fixed cost by statement class, planning, executor work.

Why not PostgreSQL executor time: DSQL bills query-processor time, and a simple statement spends
3–16 ms there (planning, distributed execution, storage round trips) where PostgreSQL's executor
spends 0.03–0.27 ms (public lab, ``reference/dsql-pricing.md`` additions 2026-12-07). The model::

    compute_ms = k × (planning_ms                  always (with or without track_planning)
                      + fixed_ms[statement class]) point read, scan read, single/multi-row write …
               + max(exec_factor × executor ms,    the source's executor time of reads (joins, sorts …)
                     ms_per_mib × MiB read+written) or moving bytes, whichever dominates: a scan's
                                                   executor time *is* mostly moving its bytes, so
                                                   the two overlap rather than add
    k = keyless_factor on a table without a primary key, else 1

Two parts are mechanisms rather than classes, so a shape the fit has not seen still gets them:

* **Key-less tables.** DSQL stores a table without a primary key as one B-tree ordered by a hidden,
  generated key. Its statements skip the work a declared key brings: an INSERT has no uniqueness
  probe to wait for (the lab: 0.6 ms of execution against 8 ms with a key), a read plans no index
  paths and scans with the limit pushed to storage. In the lab a key-less statement's fixed cost is
  about half its keyed twin's, for INSERTs (7.4 against 14.8 ms) and LIMIT reads (2.3 against
  4.9 ms) alike, so one factor serves both and a fit that has seen one of them prices the other.
  Key-less is read from the catalog (no ``pg_index.indisprimary``); a table the catalog does not
  describe counts as keyed (DSQL tables normally have a key). The factor was chosen as the model's
  form after seeing those two pairs in this lab: ``docs/fidelity.md`` says so beside its figure.
* **Executor time is a floor.** DSQL's query processor is PostgreSQL's executor: the same plan does
  at least the same CPU work, so ``exec_factor`` is 1, not fitted (a fit that has seen no
  executor-bound statement drove it to 0 and priced a cross join at its bytes).

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
from costmodel.usage.columns import per_distinct

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


_WRITE_CLASSES = (StatementClass.SINGLE_ROW_WRITE.value, StatementClass.MULTI_ROW_WRITE.value)
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
    classes: dict[str, ClassCost]
    keyless_factor: float = 1.0
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
            f"{self.name}: (planning {self.planning_ms:.3g} ms + fixed by class ({fixed})) x "
            f"{self.keyless_factor:.3g} on a key-less table + max({self.exec_factor:.3g} x executor ms, "
            f"{self.ms_per_mib:.3g} ms per MiB moved) ({self.source}{error})"
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
                "keyless_factor": round(self.keyless_factor, 4),
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
        numbers = {k: float(coef[k]) for k in ("planning_ms", "exec_factor", "ms_per_mib", "keyless_factor")}
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
    """The :class:`StatementClass` of every statement (vectorised).

    The key shapes are compared only where a point read is still possible, and each class is
    written into one object array holding one string per class (what ``np.select`` into a text
    array, then :func:`~costmodel.usage.columns.label_column`, gave at ten times the cost: a
    million-row range case recomputes it)."""
    is_select = kind == StatementKind.SELECT.value
    is_write = np.isin(kind, _WRITES)
    point = is_select & (np.nan_to_num(joins) == 0)
    point &= np.nan_to_num(aggregates) == 0
    point[point] = np.isin(np.asarray(key_shape)[point], _POINT_SHAPES)
    multi = np.nan_to_num(rows_per_call) > 1.0
    # the first condition that holds wins (as in np.select): written last
    chosen = (
        (is_ctl, StatementClass.TRANSACTION_CONTROL.value),
        (point, StatementClass.POINT_READ.value),
        (is_select, StatementClass.SCAN_READ.value),
        (is_write & multi, StatementClass.MULTI_ROW_WRITE.value),
        (is_write, StatementClass.SINGLE_ROW_WRITE.value),
    )
    classes = np.empty(len(kind), dtype=object)
    classes.fill(StatementClass.DDL_UTILITY.value)  # one object (np.full would make one per row)
    for mask, label in reversed(chosen):
        classes[np.asarray(mask, dtype=bool)] = label
    return classes


def keyless(classes: np.ndarray, keyed_tables: np.ndarray | None, unique_check: np.ndarray) -> np.ndarray:
    """Statements on key-less tables only: reads (and UPDATE/DELETE) whose tables have no primary
    key; INSERTs without the uniqueness check (their target has none). No tables: keyed."""
    keyed = np.full(len(classes), np.nan) if keyed_tables is None else np.asarray(keyed_tables, dtype=float)
    writes = np.isin(classes, _WRITE_CLASSES)
    return np.asarray((keyed == 0) | (np.isnan(keyed) & writes & ~np.asarray(unique_check, dtype=bool)))


def compute_ms(
    model: ComputeModel,
    classes: np.ndarray,
    exec_ms: np.ndarray,
    bytes_moved: np.ndarray,
    unique_check: np.ndarray,
    keyed_tables: np.ndarray | None = None,
) -> np.ndarray:
    """DSQL compute milliseconds per call; NaN where the executor time is unknown.

    ``keyed_tables``: tables with a primary key each statement reads (NaN: it reads none; None:
    unknown, keyed); ``unique_check``: INSERTs into a keyed (or unknown) table.
    """
    fixed = per_distinct(classes, lambda c: model.fixed_ms(str(c)), float)
    ctl = classes == StatementClass.TRANSACTION_CONTROL.value
    planning = np.where(ctl, 0.0, model.planning_ms)
    scale = np.where(keyless(classes, keyed_tables, unique_check), model.keyless_factor, 1.0)
    reads = np.isin(classes, _EXECUTOR_CLASSES)
    executor = np.where(reads, model.exec_factor * np.asarray(exec_ms, dtype=float), 0.0)
    moving = model.ms_per_mib * np.nan_to_num(np.asarray(bytes_moved, dtype=float)) / MIB
    return scale * (planning + fixed) + np.maximum(executor, moving)
