"""CPU per call: execution time minus the I/O waits pg_stat_statements timed, plus planning time.

Without I/O timing the whole execution time counts (an over-estimate for I/O-bound statements);
planning time is added when ``track_planning`` recorded it.
"""

from __future__ import annotations

import numpy as np

from costmodel.core.workload import IO_TIMING_COLUMNS
from costmodel.usage.columns import column, count_labels, label_column, setting
from costmodel.usage.context import Notes, UsageContext
from costmodel.usage.model import CpuEstimator
from costmodel.usage.steps import CpuColumns

JIT_TIME_COLUMNS = (
    "jit_generation_time",
    "jit_inlining_time",
    "jit_optimization_time",
    "jit_emission_time",
    "jit_deform_time",
)
"""pg_stat_statements' JIT compile times (ms, totals); part of total_exec_time."""


def cpu_columns(ctx: UsageContext, notes: Notes) -> CpuColumns:
    """Execution, planning, timed I/O wait and CPU per call, with the ``planning``/``cpu`` lines."""
    df, per, workload = ctx.df, ctx.per, ctx.workload
    exec_ms = column(df, "total_exec_time") * per
    plan_total = column(df, "total_plan_time")
    planning_on = setting(workload, "pg_stat_statements.track_planning") == "on" or bool(
        np.nansum(plan_total) > 0
    )
    plan_ms = np.where(planning_on & ~np.isnan(plan_total), np.nan_to_num(plan_total) * per, 0.0)
    notes.estimators["planning"] = (
        "planning time included (track_planning on)"
        if planning_on
        else "planning time not tracked: CPU is execution only"
    )
    io_cols = [column(df, c) for c in IO_TIMING_COLUMNS]
    io_known = ~np.all([np.isnan(c) for c in io_cols], axis=0)
    timing = setting(workload, "track_io_timing")
    reads_blocks = np.nansum(column(df, "shared_blks_read")) > 0
    timed = np.nansum(np.nan_to_num(io_cols[0])) > 0
    if timing == "off" or (timing is None and reads_blocks and not timed):
        io_known[:] = False
    io_ms = np.where(io_known, np.nansum(io_cols, axis=0) * per, np.nan)
    cpu_ms = (
        np.where(io_known, np.maximum(np.nan_to_num(exec_ms) - np.nan_to_num(io_ms), 0.0), exec_ms) + plan_ms
    )
    cpu_est = np.where(io_known, CpuEstimator.EXEC_MINUS_IO.value, CpuEstimator.EXEC.value)
    notes.estimators["cpu"] = (
        f"{count_labels(cpu_est)} (exec_minus_io: total_exec_time minus timed I/O waits; exec: I/O timing "
        f"{'off' if timing == 'off' else 'not recorded'}, the whole execution time counts)"
    )
    # Serverless v2 sizing takes JIT compilation out (pricing/serverless_v2_cpu.py).
    jit_cols = [column(df, c) for c in JIT_TIME_COLUMNS]
    jit_ms = np.where(
        np.all([np.isnan(c) for c in jit_cols], axis=0), np.nan, np.nansum(jit_cols, axis=0) * per
    )
    return CpuColumns(
        exec_ms=exec_ms,
        plan_ms=plan_ms,
        io_ms=io_ms,
        cpu_ms=cpu_ms,
        estimator=label_column(cpu_est, [member.value for member in CpuEstimator]),
        jit_ms=jit_ms,
    )
