"""The DSQL compute step of :func:`costmodel.usage.compute.compute_usage` (model: :mod:`.dsql_compute`)."""

from __future__ import annotations

import numpy as np

from costmodel.core.errors import ScenarioError
from costmodel.usage.columns import column, count_labels, objects
from costmodel.usage.context import Notes, UsageContext
from costmodel.usage.dsql_compute import compute_ms, load_compute_model, statement_classes
from costmodel.usage.steps import CpuColumns, ReadColumns, WriteColumns


def dsql_compute_columns(
    ctx: UsageContext, cpu: CpuColumns, reads: ReadColumns, writes: WriteColumns, notes: Notes
) -> tuple[np.ndarray, np.ndarray]:
    """DSQL compute ms per call and the statement class of every statement.

    ``source_time`` takes the export's CPU time as DSQL compute time (AWS's worked examples, DSQL
    statement statistics); ``fitted`` (default) applies the fitted per-class model, whose name,
    coefficients and source are recorded as an assumption so every report shows them.
    """
    df, k = ctx.df, ctx.kinds
    mode = str(ctx.assumptions.get("dsql_compute_model"))
    rows_written = writes.rows_written
    per_call_rows = np.where(np.isnan(rows_written) | (rows_written == 0), reads.rows, rows_written)
    classes = statement_classes(
        k.kind,
        objects(df, "key_shape"),
        per_call_rows,
        k.is_ctl,
        column(df, "join_count"),
        column(df, "aggregate_count"),
    )
    if mode == "source_time":
        notes.estimators["dsql_compute"] = "source time: the export's CPU time is DSQL compute time"
        return cpu.cpu_ms, classes
    if mode != "fitted":
        raise ScenarioError(
            f"dsql_compute_model {mode!r} is not a mode",
            column="dsql_compute_model",
            hint="use 'fitted' (the per-class model) or 'source_time' (the time is DSQL compute time)",
        )
    model = load_compute_model()
    ctx.assumptions.record(
        "dsql_compute_model_coefficients",
        model.describe(),
        "ms per call",
        "fitted (costmodel/data/dsql_compute_model.yaml)",
        "ComputeDPU model: planning + fixed cost by statement class + executor and byte terms",
    )
    notes.estimators["dsql_compute"] = f"{count_labels(classes)} ({model.describe()})"
    moved = reads.read_bytes + reads.pk_check + np.nan_to_num(writes.write_bytes)
    out = compute_ms(model, classes, np.nan_to_num(cpu.cpu_ms - cpu.plan_ms), moved, reads.unique_check)
    return np.where(np.isnan(cpu.cpu_ms), np.nan, out), classes


def measured_idle_in_transaction(ctx: UsageContext, txns_month: float, notes: Notes) -> None:
    """Set ``dsql_idle_in_txn_seconds_per_txn`` from collect's pg_stat_activity samples.

    Mean sessions idle in a transaction × window = idle transaction-seconds in the window, over the
    window's transactions. A value the user gave (scenario, --assume) wins; without samples the
    default stays and is listed as such.
    """
    samples = ctx.workload.info.get("activity_samples") or []
    counts = [
        float(s["idle_in_transaction"]) for s in samples if isinstance(s, dict) and "idle_in_transaction" in s
    ]
    key = "dsql_idle_in_txn_seconds_per_txn"
    ctx.assumptions.get(key)
    source = next((a.source for a in ctx.assumptions.used() if a.key == key), "default")
    if not counts or source != "default" or txns_month <= 0 or ctx.scale <= 0:
        return
    window_txns = txns_month / ctx.scale
    seconds = float(np.mean(counts)) * ctx.window / window_txns
    ctx.assumptions.set(key, seconds, "measured")
    ctx.assumptions.get(key)
    notes.estimators["idle_in_transaction"] = (
        f"{np.mean(counts):.3g} session(s) idle in a transaction on average over {len(counts)} pg_stat_activity "
        f"sample(s) x {ctx.window:g} s / {window_txns:,.0f} transactions = {seconds:.4g} s per transaction"
    )
