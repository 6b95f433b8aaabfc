"""Fit the DSQL compute model (``costmodel/usage/dsql_compute.py``) to measured statements.

The fit is robust and small on purpose: the executor-time factor is 1, not fitted (DSQL's query
processor runs PostgreSQL's executor, so the same plan costs at least the source's executor time;
the lab has one cross join and one sort, too few to fit it, and a fit without them drove it to 0);
a grid over ms per MiB moved, and for each grid point the key-less factor as the median, over the classes with both, of the key-less
cases' median residual over the keyed ones' (1 when no class has both: the cost stays in the fixed
costs), and the fixed cost of every statement class as the *median* residual of its cases (an
outlier moves a median little; key-less cases scaled up by the factor).
The grid point with the least ``median + p90 / 2`` relative error wins. ``python -m benchmarks
fidelity --fit`` runs it on the public lab and writes ``costmodel/data/dsql_compute_model.yaml``
with the leave-one-shape-out (held-out) error beside the coefficients.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from costmodel.usage.dsql_compute import ClassCost, ComputeModel, StatementClass, compute_ms, keyless

EXEC_FACTORS = (1.0,)
"""Fixed by mechanism (module docstring); a tuple so a larger lab can grid it again."""
MS_PER_MIB = tuple(float(v) for v in np.arange(0.0, 8.01, 0.25))
WRITES = (StatementClass.SINGLE_ROW_WRITE.value, StatementClass.MULTI_ROW_WRITE.value)


@dataclass(frozen=True)
class ComputeCases:
    """Measured statements: class, source executor ms, bytes moved, unique check, measured DSQL ms."""

    classes: np.ndarray
    exec_ms: np.ndarray
    bytes_moved: np.ndarray
    unique_check: np.ndarray
    keyed_tables: np.ndarray
    """Tables with a primary key each case reads (0 for a key-less table)."""
    measured_ms: np.ndarray
    planning_ms: np.ndarray
    """DSQL planning time per case where measured (EXPLAIN ``Planning Time``), else NaN."""

    def subset(self, keep: np.ndarray) -> ComputeCases:
        return ComputeCases(*(np.asarray(getattr(self, f))[keep] for f in self.__dataclass_fields__))


def relative_errors(model: ComputeModel, cases: ComputeCases) -> np.ndarray:
    """|modelled − measured| / measured of every case."""
    got = compute_ms(
        model, cases.classes, cases.exec_ms, cases.bytes_moved, cases.unique_check, cases.keyed_tables
    )
    return np.abs(got - cases.measured_ms) / cases.measured_ms


def _keyless_factor(resid: np.ndarray, cases: ComputeCases, on_keyless: np.ndarray) -> float:
    """Key-less over keyed median residual, per class that has both; the median of those ratios,
    within 0–1 (a hidden key adds no work). 1 when no class shows both: the cases cannot tell."""
    ratios = []
    for cls in dict.fromkeys(cases.classes.tolist()):
        mask = cases.classes == cls
        off, on = mask & ~on_keyless, mask & on_keyless
        if on.any() and off.any():
            keyed = float(np.median(resid[off]))
            if keyed > 0:
                ratios.append(float(np.median(resid[on])) / keyed)
    return float(np.clip(np.median(ratios), 0.0, 1.0)) if ratios else 1.0


def _fixed(resid: np.ndarray, cases: ComputeCases, planning: float) -> tuple[dict[str, ClassCost], float]:
    """Fixed cost per class (median of the residual, key-less cases scaled up) and the key-less factor."""
    on_keyless = keyless(cases.classes, cases.keyed_tables, cases.unique_check)
    factor = _keyless_factor(resid, cases, on_keyless)
    scaled = resid / np.where(on_keyless, max(factor, 1e-9), 1.0) - planning
    classes: dict[str, ClassCost] = {}
    for cls in StatementClass:
        mask = cases.classes == cls.value
        if mask.any():
            classes[cls.value] = ClassCost(
                max(float(np.median(scaled[mask])), 0.0), int(mask.sum()), "median residual"
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
    return classes, factor


def fit_compute_model(cases: ComputeCases, *, name: str, source: str) -> ComputeModel:
    """The grid point (ms per MiB; exec factor from :data:`EXEC_FACTORS`) with the least median + p90/2 error."""
    planned = cases.planning_ms[~np.isnan(cases.planning_ms)]
    planning = float(np.median(planned)) if len(planned) else 0.0
    best: tuple[float, ComputeModel] | None = None
    mib = cases.bytes_moved / (1024.0 * 1024.0)
    for factor in EXEC_FACTORS:
        for per_mib in MS_PER_MIB:
            executor = np.where(np.isin(cases.classes, WRITES), 0.0, factor * cases.exec_ms)
            resid = cases.measured_ms - np.maximum(executor, per_mib * mib)
            classes, keyless_factor = _fixed(resid, cases, planning)
            model = ComputeModel(
                name, source, planning, factor, per_mib, classes, keyless_factor=keyless_factor
            )
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
    return replace(best[1], fit=fit)


def leave_one_group_out(cases: ComputeCases, groups: Sequence[str], *, name: str, source: str) -> np.ndarray:
    """Each group's errors under a model fitted without it (the held-out figure)."""
    labels = np.asarray(groups)
    out = np.full(len(labels), np.nan)
    for group in dict.fromkeys(labels.tolist()):
        held = labels == group
        model = fit_compute_model(cases.subset(~held), name=name, source=source)
        out[held] = relative_errors(model, cases.subset(held))
    return out
