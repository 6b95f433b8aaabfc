"""Fit the DSQL compute model (``costmodel/usage/dsql_compute.py``) to measured statements.

The fit is robust and small on purpose: a grid over the two proportional coefficients
(executor-time factor, ms per MiB moved), and for each grid point the fixed cost of every
statement class as the *median* residual of its cases (an outlier moves a median little), the
unique-check cost as the difference of medians between writes with and without a primary key.
The grid point with the least ``median + p90 / 2`` relative error wins. ``python -m benchmarks
fidelity --fit`` runs it on the public lab and writes ``costmodel/data/dsql_compute_model.yaml``
with the leave-one-shape-out (held-out) error beside the coefficients.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from costmodel.usage.dsql_compute import ClassCost, ComputeModel, StatementClass, compute_ms

EXEC_FACTORS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.0)
MS_PER_MIB = tuple(float(v) for v in np.arange(0.0, 8.01, 0.25))
WRITES = (StatementClass.SINGLE_ROW_WRITE.value, StatementClass.MULTI_ROW_WRITE.value)


@dataclass(frozen=True)
class ComputeCases:
    """Measured statements: class, source executor ms, bytes moved, unique check, measured DSQL ms."""

    classes: np.ndarray
    exec_ms: np.ndarray
    bytes_moved: np.ndarray
    unique_check: np.ndarray
    measured_ms: np.ndarray
    planning_ms: np.ndarray
    """DSQL planning time per case where measured (EXPLAIN ``Planning Time``), else NaN."""

    def subset(self, keep: np.ndarray) -> ComputeCases:
        return ComputeCases(*(np.asarray(getattr(self, f))[keep] for f in self.__dataclass_fields__))


def relative_errors(model: ComputeModel, cases: ComputeCases) -> np.ndarray:
    """|modelled − measured| / measured of every case."""
    got = compute_ms(model, cases.classes, cases.exec_ms, cases.bytes_moved, cases.unique_check)
    return np.abs(got - cases.measured_ms) / cases.measured_ms


def _fixed(resid: np.ndarray, cases: ComputeCases) -> tuple[dict[str, ClassCost], float]:
    classes: dict[str, ClassCost] = {}
    writes = np.isin(cases.classes, WRITES)
    with_pk, without = writes & cases.unique_check, writes & ~cases.unique_check
    unique = (
        float(np.median(resid[with_pk]) - np.median(resid[without]))
        if with_pk.any() and without.any()
        else 0.0
    )
    unique = max(unique, 0.0)
    adjusted = resid - np.where(cases.unique_check, unique, 0.0)
    for cls in StatementClass:
        mask = cases.classes == cls.value
        if mask.any():
            classes[cls.value] = ClassCost(
                max(float(np.median(adjusted[mask])), 0.0), int(mask.sum()), "median residual"
            )
    scan = classes.get(StatementClass.SCAN_READ.value)
    if StatementClass.DDL_UTILITY.value not in classes and scan is not None:
        classes[StatementClass.DDL_UTILITY.value] = ClassCost(
            scan.fixed_ms, 0, "unmeasured: the scan-read cost"
        )
    if StatementClass.TRANSACTION_CONTROL.value not in classes:
        classes[StatementClass.TRANSACTION_CONTROL.value] = ClassCost(
            0.0, 0, "unmeasured: per-transaction overhead is the dsql_txn_overhead_ms assumption"
        )
    return classes, unique


def fit_compute_model(cases: ComputeCases, *, name: str, source: str) -> ComputeModel:
    """The grid point (exec factor, ms per MiB) with the least median + p90/2 relative error."""
    planned = cases.planning_ms[~np.isnan(cases.planning_ms)]
    planning = float(np.median(planned)) if len(planned) else 0.0
    best: tuple[float, ComputeModel] | None = None
    mib = cases.bytes_moved / (1024.0 * 1024.0)
    for factor in EXEC_FACTORS:
        for per_mib in MS_PER_MIB:
            executor = np.where(np.isin(cases.classes, WRITES), 0.0, factor * cases.exec_ms)
            resid = cases.measured_ms - planning - np.maximum(executor, per_mib * mib)
            classes, unique = _fixed(resid, cases)
            model = ComputeModel(name, source, planning, factor, per_mib, unique, classes)
            err = relative_errors(model, cases)
            score = float(np.median(err) + np.percentile(err, 90) / 2)
            if best is None or score < best[0]:
                best = (score, model)
    assert best is not None
    err = relative_errors(best[1], cases)
    fit = {
        "cases": len(err),
        "in_sample_median_error": round(float(np.median(err)), 4),
        "in_sample_p90_error": round(float(np.percentile(err, 90)), 4),
    }
    m = best[1]
    return ComputeModel(
        m.name, m.source, m.planning_ms, m.exec_factor, m.ms_per_mib, m.unique_check_ms, m.classes, fit
    )


def leave_one_group_out(cases: ComputeCases, groups: Sequence[str], *, name: str, source: str) -> np.ndarray:
    """Each group's errors under a model fitted without it (the held-out figure)."""
    labels = np.asarray(groups)
    out = np.full(len(labels), np.nan)
    for group in dict.fromkeys(labels.tolist()):
        held = labels == group
        model = fit_compute_model(cases.subset(~held), name=name, source=source)
        out[held] = relative_errors(model, cases.subset(held))
    return out
