"""The DSQL compute step of :func:`costmodel.usage.compute.compute_usage` (model: :mod:`.dsql_compute`)."""

from __future__ import annotations

from typing import Any

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
    executor = np.nan_to_num(cpu.cpu_ms - cpu.plan_ms)
    out = compute_ms(model, classes, executor, moved, reads.unique_check, reads.keyed_tables)
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


def _session_deltas(stats: list[Any]) -> tuple[dict[str, float], str] | None:
    """Counters over the window (last − first snapshot), or since the statistics reset (one snapshot)."""
    needed = ("sessions", "idle_in_transaction_time_ms", "transactions")
    keys = (*needed, "active_time_ms")
    rows = [
        {
            **s,
            "active_time_ms": s.get("active_time_ms")
            if isinstance(s.get("active_time_ms"), int | float)
            else 0,
        }
        for s in stats
        if isinstance(s, dict) and all(isinstance(s.get(k), int | float) for k in needed)
    ]
    if not rows:
        return None
    if len(rows) >= 2 and float(rows[-1]["sessions"]) >= float(rows[0]["sessions"]):
        return {k: float(rows[-1][k]) - float(rows[0][k]) for k in keys}, "over the window"
    return {k: float(rows[-1][k]) for k in keys}, "since the statistics reset"


def measured_sessions(ctx: UsageContext, txns_month: float, notes: Notes) -> None:
    """Transactions per session and idle-in-transaction time from pg_stat_database (PostgreSQL 14+).

    ``collect`` records ``sessions`` and ``idle_in_transaction_time`` with the transactions of the
    same rows; their ratios replace ``dsql_transactions_per_session`` (the per-session overhead is
    spread over them) and ``dsql_idle_in_txn_seconds_per_txn`` (DSQL meters a transaction's open
    time as compute). A value the user gave wins; without the counters (older servers, exports
    without a bundle) the assumptions stay and are listed as such. Sessions here are PostgreSQL's:
    behind a connection pooler they count pooled server connections, not the application's.
    """
    got = _session_deltas(ctx.workload.info.get("session_stats") or [])
    if got is None:
        return
    counts, basis = got
    if counts["transactions"] <= 0:
        return
    if counts["sessions"] > 0 and _unset(ctx, "dsql_transactions_per_session"):
        per_session = counts["transactions"] / counts["sessions"]
        ctx.assumptions.set("dsql_transactions_per_session", per_session, "measured")
        ctx.assumptions.get("dsql_transactions_per_session")
        monthly = f"; {txns_month / per_session:,.0f} sessions per month" if txns_month > 0 else ""
        notes.estimators["sessions"] = (
            f"{counts['sessions']:,.0f} session(s) and {counts['transactions']:,.0f} transactions {basis} "
            f"(pg_stat_database): {per_session:,.4g} transactions per session{monthly}"
        )
    if basis == "over the window" and ctx.window > 0 and _unset(ctx, "occ_concurrent_transactions"):
        busy_ms = counts["active_time_ms"] + counts["idle_in_transaction_time_ms"]
        in_flight = busy_ms / 1000.0 / ctx.window
        ctx.assumptions.set("occ_concurrent_transactions", round(in_flight, 3), "measured")
        ctx.assumptions.get("occ_concurrent_transactions")
        notes.estimators["concurrency"] = (
            f"{in_flight:.3g} session(s) in a statement or a transaction on average over the window "
            "(pg_stat_database active + idle-in-transaction time): bounds OCC retries of saturated patterns"
        )
    if _unset(ctx, "dsql_idle_in_txn_seconds_per_txn"):
        seconds = counts["idle_in_transaction_time_ms"] / 1000.0 / counts["transactions"]
        ctx.assumptions.set("dsql_idle_in_txn_seconds_per_txn", seconds, "measured")
        ctx.assumptions.get("dsql_idle_in_txn_seconds_per_txn")
        notes.estimators["idle_in_transaction"] = (
            f"{counts['idle_in_transaction_time_ms'] / 1000.0:,.4g} s idle in a transaction over "
            f"{counts['transactions']:,.0f} transactions {basis} (pg_stat_database) = {seconds:.4g} s per transaction"
        )


def _unset(ctx: UsageContext, key: str) -> bool:
    """True while ``key`` still holds its default (no scenario, argument or measurement set it)."""
    ctx.assumptions.get(key)
    source = next((a.source for a in ctx.assumptions.used() if a.key == key), "default")
    return source == "default"
