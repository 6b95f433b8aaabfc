"""Calibration: fit per-component DPU factors from measured DSQL figures, and apply them.

The DPU formulas are official, but their inputs come from a PostgreSQL that is not DSQL: CPU
time differs (DSQL also spends compute in storage), row widths and index entries are estimates.
Measurements on a real DSQL cluster correct that, component by component:

* ``EXPLAIN ANALYZE VERBOSE`` blocks (:mod:`costmodel.calibrate.explain`) matched to workload
  statements by pglast fingerprint give measured Compute/Read/Write per call; the factor of a
  component is Σ calls × measured / Σ calls × modelled over the matched statements (the printed
  values carry no minimums, so they are compared with the model's raw values).
* CloudWatch sums over a window (:mod:`costmodel.calibrate.cloudwatch`) with the workload of that
  window: compute is a plain ratio; read and write are solved so that the modelled sum *with* the
  per-transaction minimums equals the measured one (the factor scales bytes, never the minimums).

A calibration is a YAML file (``format: dsqlcost-calibration/1``) with ``factors: {compute, read,
write, multi_region_write}``; :func:`load_calibration` reads it and ``estimate_dsql(...,
calibration=…)`` scales the components with it. Factors scale the formulas, never replace them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from costmodel.calibrate.cloudwatch import CloudWatchWindow
from costmodel.calibrate.explain import DpuBlock
from costmodel.core.assumptions import AssumptionSet
from costmodel.core.catalog import PriceCatalog
from costmodel.core.errors import CalibrationError
from costmodel.core.workload import Workload
from costmodel.pricing.calibration import FACTOR_KEYS, Calibration
from costmodel.pricing.class_terms import apply_terms, fit_terms
from costmodel.pricing.dsql import DpuConstants, dpu_per_call
from costmodel.scenario.model import Scenario
from costmodel.usage.compute import compute_usage
from costmodel.usage.model import Usage

WINDOW_MISMATCH = 0.1
"""Relative difference between the CloudWatch and workload windows that earns a note."""


# --------------------------------------------------------------------------- model of the workload


@dataclass(frozen=True)
class _Model:
    usage: Usage
    per_call: pd.DataFrame
    constants: DpuConstants


def _model(workload: Workload, catalog: PriceCatalog, assumptions: AssumptionSet | None) -> _Model:
    usage = compute_usage(workload, Scenario(), assumptions or AssumptionSet())
    constants = DpuConstants.from_catalog(catalog)
    per_call = dpu_per_call(
        usage, constants, active_peers=1, compute_ratio=float(usage.assumptions.get("dsql_compute_ratio"))
    )
    return _Model(usage, per_call, constants)


def _fingerprint(sql: str) -> str | None:
    from pglast import parser

    try:
        return str(parser.fingerprint(sql))
    except Exception:  # pglast raises ParseError and others on bad text: unmatched, not fatal
        return None


def _workload_fingerprints(workload: Workload) -> pd.Series:
    df = workload.statements
    if "fingerprint" in df.columns:
        return df["fingerprint"].astype(object)
    return df["query"].map(lambda q: _fingerprint(q) if isinstance(q, str) else None)


@dataclass
class _Match:
    block: DpuBlock
    rows: list[Any] = field(default_factory=list)
    fingerprint: str | None = None
    reason: str = ""


def _normalised(sql: str) -> str:
    """SQL text with whitespace collapsed, case folded and a trailing semicolon dropped."""
    return " ".join(sql.split()).rstrip(";").strip().lower()


def match_blocks(blocks: Sequence[DpuBlock], workload: Workload) -> list[_Match]:
    """Pair every block with workload statements: by SQL text first, then by fingerprint (or say why not).

    The text match catches statements pglast cannot fingerprint (and exports whose texts were
    normalised the same way); the fingerprint match ties a block's literal SQL to the export's
    normalised ``$1`` form.
    """
    prints = _workload_fingerprints(workload)
    index: dict[str, list[Any]] = {}
    for row, fp in prints.items():
        if isinstance(fp, str):
            index.setdefault(fp, []).append(row)
    texts: dict[str, list[Any]] = {}
    if "query" in workload.statements:
        for row, text in workload.statements["query"].items():
            if isinstance(text, str):
                texts.setdefault(_normalised(text), []).append(row)
    out = []
    for block in blocks:
        if not block.query:
            out.append(_Match(block, reason="no SQL text with the block"))
            continue
        same_text = texts.get(_normalised(block.query))
        if same_text:
            out.append(_Match(block, same_text, _fingerprint(block.query), "matched by text"))
            continue
        fp = _fingerprint(block.query)
        if fp is None:
            out.append(_Match(block, reason="SQL text does not parse"))
        elif fp not in index:
            out.append(_Match(block, fingerprint=fp, reason="no workload statement with this fingerprint"))
        else:
            out.append(_Match(block, index[fp], fp, "matched"))
    return out


def _ratio(measured: float, modelled: float) -> float | None:
    return measured / modelled if modelled > 0 and measured >= 0 else None


@dataclass
class _ExplainSums:
    """Call-weighted measured and modelled DPU of the matched blocks, per component."""

    sums: dict[str, list[float]] = field(
        default_factory=lambda: {k: [0.0, 0.0] for k in ("compute", "read", "write")}
    )
    mr_measured: float = 0.0
    mr_write: float = 0.0


def fit_explain(
    blocks: Sequence[DpuBlock],
    workload: Workload,
    catalog: PriceCatalog,
    *,
    assumptions: AssumptionSet | None = None,
    files: Sequence[str] = (),
) -> Calibration:
    """Factors from EXPLAIN blocks matched to ``workload`` (weighted by each statement's calls)."""
    model = _model(workload, catalog, assumptions)
    matches = match_blocks(blocks, workload)
    matched = [m for m in matches if m.rows]
    if not matched:
        reasons = sorted({m.reason for m in matches})
        raise CalibrationError(
            f"none of the {len(blocks)} EXPLAIN block(s) matched a workload statement ({'; '.join(reasons)})",
            file=", ".join(files) or None,
            hint="precede each block with '-- query: <the SQL>' (or give JSON records with 'query'), "
            "and pass the export of the same statements with --workload",
        )
    sums, records = _compare_blocks(matched, model)
    for m in matches:
        if not m.rows:
            records.append(
                {"label": m.block.label, "file": f"{m.block.file}:{m.block.line}", "unmatched": m.reason}
            )
    notes = [f"{len(matched)} of {len(blocks)} block(s) matched workload statements"]
    factors = _explain_factors(sums, notes)
    cases = _class_cases(matched, model)
    terms = fit_terms(cases.classes, cases.modelled, cases.measured)
    validation = leave_one_shape_out(cases)
    notes.append(_validation_note(validation))
    return Calibration(
        factors,
        basis="explain",
        fitted_from=tuple(files),
        created=_today(),
        notes=tuple(notes),
        statements=tuple(records),
        classes=terms,
        validation=validation,
    )


def _compare_blocks(matched: Sequence[_Match], model: _Model) -> tuple[_ExplainSums, list[dict[str, Any]]]:
    """Measured against modelled DPU for every matched block, summed with call weights.

    A statement matched by several blocks shares its calls among them, so repeating a block does
    not weigh its statement twice.
    """
    pc = model.per_call
    calls = model.usage.calls_window
    per_stmt_blocks: dict[tuple[Any, ...], int] = {}
    for m in matched:
        per_stmt_blocks[tuple(m.rows)] = per_stmt_blocks.get(tuple(m.rows), 0) + 1
    acc = _ExplainSums()
    records: list[dict[str, Any]] = []
    for m in matched:
        rows = m.rows
        w_rows = calls.loc[rows].to_numpy(dtype=float)
        weight = float(w_rows.sum()) / per_stmt_blocks[tuple(rows)]
        values = pc.loc[rows, ["compute_dpu_per_call", "read_dpu_raw_per_call", "write_dpu_raw_per_call"]]
        avg = np.average(values.to_numpy(dtype=float), axis=0, weights=w_rows if w_rows.sum() > 0 else None)
        modelled = {"compute": float(avg[0]), "read": float(avg[1]), "write": float(avg[2])}
        measured = {k: float(m.block.value(k)) for k in modelled}
        for k in acc.sums:
            acc.sums[k][0] += weight * measured[k]
            acc.sums[k][1] += weight * modelled[k]
        if m.block.multi_region_write is not None:
            acc.mr_measured += weight * float(m.block.multi_region_write)
            acc.mr_write += weight * measured["write"]
        records.append(_block_record(m, model, measured, modelled))
    return acc, records


def _block_record(
    m: _Match, model: _Model, measured: dict[str, float], modelled: dict[str, float]
) -> dict[str, Any]:
    """One matched block as the calibration file lists it: where, which statements, the ratios."""
    return {
        "label": m.block.label,
        "file": f"{m.block.file}:{m.block.line}",
        "stmt_ids": [str(model.usage.statements.at[r, "stmt_id"]) for r in m.rows],
        "fingerprint": m.fingerprint,
        "measured": {k: round(v, 6) for k, v in measured.items()},
        "modelled": {k: round(v, 6) for k, v in modelled.items()},
        "ratio": {
            k: (None if (r := _ratio(measured[k], modelled[k])) is None else round(r, 4)) for k in modelled
        },
    }


def _explain_factors(acc: _ExplainSums, notes: list[str]) -> dict[str, float]:
    """Measured ÷ modelled per component; 1.0 kept (and noted) where nothing was there to fit."""
    factors: dict[str, float] = {}
    for k, (meas, mod) in acc.sums.items():
        ratio = _ratio(meas, mod)
        if ratio is None or ratio == 0:
            notes.append(
                f"{k}: not fitted (nothing modelled or measured for the matched statements), 1.0 kept"
            )
            ratio = 1.0
        factors[k] = ratio
    mr_measured, mr_write = acc.mr_measured, acc.mr_write
    factors["multi_region_write"] = mr_measured / mr_write if mr_write > 0 and mr_measured > 0 else 1.0
    if mr_write == 0:
        notes.append("multi_region_write: no Multi-Region Write lines, 1.0 kept")
    return factors


@dataclass(frozen=True)
class ClassCases:
    """Matched statements for the per-class fit: class, shape (fingerprint), modelled and measured DPU."""

    classes: np.ndarray
    shapes: np.ndarray
    modelled: dict[str, np.ndarray]
    measured: dict[str, np.ndarray]


def _class_cases(matched: Sequence[_Match], model: _Model) -> ClassCases:
    stmts, pc = model.usage.statements, model.per_call
    cols = {
        "compute": "compute_dpu_per_call",
        "read": "read_dpu_raw_per_call",
        "write": "write_dpu_raw_per_call",
    }
    return ClassCases(
        classes=np.array([str(stmts.at[m.rows[0], "statement_class"]) for m in matched], dtype=object),
        shapes=np.array([m.fingerprint or m.block.query for m in matched], dtype=object),
        modelled={k: np.array([float(pc.loc[m.rows, c].mean()) for m in matched]) for k, c in cols.items()},
        measured={k: np.array([float(m.block.value(k)) for m in matched]) for k in cols},
    )


def leave_one_shape_out(cases: ClassCases) -> dict[str, Any]:
    """Median and p90 relative error per component of each shape priced by terms fitted without it."""
    errors: dict[str, list[float]] = {k: [] for k in cases.modelled}
    shapes = list(dict.fromkeys(cases.shapes.tolist()))
    for shape in shapes:
        held = cases.shapes == shape
        train = ~held
        terms = fit_terms(
            cases.classes[train],
            {k: v[train] for k, v in cases.modelled.items()},
            {k: v[train] for k, v in cases.measured.items()},
        )
        for comp in cases.modelled:
            got = apply_terms(terms, cases.classes[held], comp, cases.modelled[comp][held])
            meas = cases.measured[comp][held]
            ok = meas > 0
            errors[comp] += (np.abs(got[ok] - meas[ok]) / meas[ok]).tolist()
    return {
        "method": "leave one shape (fingerprint) out: each shape priced by per-class terms fitted on the others",
        "shapes": len(shapes),
        **{
            comp: {
                "cases": len(e),
                "median_error": round(float(np.median(e)), 4) if e else None,
                "p90_error": round(float(np.percentile(e, 90)), 4) if e else None,
            }
            for comp, e in errors.items()
        },
    }


def _validation_note(validation: dict[str, Any]) -> str:
    parts = [
        f"{comp} {v['median_error']:.0%} median / {v['p90_error']:.0%} p90"
        for comp, v in validation.items()
        if isinstance(v, dict) and v.get("median_error") is not None
    ]
    return f"leave-one-shape-out validation over {validation.get('shapes', 0)} shape(s): " + (
        ", ".join(parts) if parts else "no shape to hold out"
    )


def _solve(target: float, billed: Callable[[float], float]) -> tuple[float, str | None]:
    """Factor f with billed(f) = target (billed is non-decreasing in f), by bisection."""
    floor, unit = billed(0.0), billed(1.0)
    if unit <= 0:
        return 1.0, "nothing modelled: 1.0 kept"
    if target <= floor:
        return (
            target / unit,
            "the per-transaction minimums alone exceed the measurement (check statements_per_txn)",
        )
    lo, hi = 0.0, 1.0
    while billed(hi) < target and hi < 1e9:
        hi *= 2.0
    for _ in range(60):
        mid = (lo + hi) / 2.0
        lo, hi = (mid, hi) if billed(mid) < target else (lo, mid)
    return (lo + hi) / 2.0, None


def fit_cloudwatch(
    window: CloudWatchWindow,
    workload: Workload,
    catalog: PriceCatalog,
    *,
    assumptions: AssumptionSet | None = None,
    active_peers: int = 1,
) -> Calibration:
    """Factors so that the model of ``workload`` reproduces the CloudWatch DPU sums of its window."""
    model = _model(workload, catalog, assumptions)
    calls = model.usage.calls_window.to_numpy(dtype=float)
    scale = workload.window.seconds / window.seconds
    notes = [
        f"CloudWatch window {window.seconds:g} s ({window.start.isoformat()} to {window.end.isoformat()}), "
        f"workload window {workload.window.seconds:g} s; measured sums scaled by {scale:.4g}"
    ]
    if abs(scale - 1.0) > WINDOW_MISMATCH:
        notes.append("the CloudWatch and workload windows differ by more than 10%: compare the same period")
    if window.gaps:
        notes.append(f"{window.gaps} missing period(s) counted as zero (--allow-gaps)")
    sums = {k: v * scale for k, v in window.sums.items()}
    ratio = float(model.usage.assumptions.get("dsql_compute_ratio"))

    def summed(key: str, column: str) -> Callable[[float], float]:
        def billed(factor: float) -> float:
            per_call = dpu_per_call(
                model.usage,
                model.constants,
                active_peers=active_peers,
                compute_ratio=ratio,
                factors={key: factor},
            )
            return float(np.nansum(per_call[column].to_numpy(dtype=float) * calls))

        return billed

    model_sum = {
        "compute": summed("compute", "compute_dpu_per_call"),
        "read": summed("read", "read_dpu_per_call"),
        "write": summed("write", "write_dpu_per_call"),
    }
    metric = {"compute": "ComputeDPU", "read": "ReadDPU", "write": "WriteDPU"}
    factors: dict[str, float] = {}
    if not any(m in sums for m in metric.values()):
        if "TotalDPU" not in sums:
            raise CalibrationError("no DPU metric to fit", file=", ".join(window.files))
        modelled_total = sum(model_sum[k](1.0) for k in metric)
        overall = sums["TotalDPU"] / modelled_total if modelled_total > 0 else 1.0
        notes.append(f"only TotalDPU given: one factor {overall:.4g} for every component")
        factors = dict.fromkeys(FACTOR_KEYS, overall)
    else:
        for key, name in metric.items():
            if name not in sums:
                notes.append(f"{key}: {name} not exported, 1.0 kept")
                factors[key] = 1.0
                continue
            factor, note = _solve(sums[name], model_sum[key])
            factors[key] = factor if factor > 0 else 1.0
            if note:
                notes.append(f"{key}: {note}")
        mr, wr = sums.get("MultiRegionWriteDPU", 0.0), sums.get("WriteDPU", 0.0)
        factors["multi_region_write"] = mr / wr / max(active_peers - 1, 1) if mr > 0 and wr > 0 else 1.0
    keys = {"ComputeDPU": "compute", "ReadDPU": "read", "WriteDPU": "write"}
    records = [
        {
            "metric": k,
            "measured": round(v, 6),
            "modelled": round(model_sum[keys[k]](1.0), 6) if k in keys else None,
        }
        for k, v in sorted(sums.items())
    ]
    return Calibration(
        factors,
        basis="cloudwatch",
        fitted_from=window.files,
        created=_today(),
        notes=tuple(notes),
        statements=tuple(records),
    )


def _today() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
