"""Workload × scenario → monthly usage per statement: the single place time math lives.

:func:`compute_usage` runs the steps in order, each in its own module: the shared context (calls,
monthly scale, kinds: :mod:`.context`), table factors (:mod:`.tables`), CPU (:mod:`.cpu`), bytes
read (:mod:`.reads`), bytes written (:mod:`.writes`), Serverless v2 I/O (:mod:`.io`), transactions
(:mod:`.transactions`) and storage (:mod:`.storage`); DSQL compute per call (:mod:`.dsql_step`, the
model in :mod:`.dsql_compute`) after the bytes, which its byte term reads.

pg_stat_statements gives totals over an observation window; pricing needs per-call quantities
(bytes read and written, CPU time) and monthly volumes. This module turns one into the other for
every statement at once (vectorised: a 5,000-statement workload takes milliseconds) and says, per
statement and per quantity, which estimator produced the number, because several counters are
proxies that can be missing (``wal_bytes`` before PG13, I/O timings without ``track_io_timing``).

Estimators (the ``*_estimator`` columns, summarised in :attr:`Usage.estimators`):

* **CPU** — execution time minus the I/O wait that pg_stat_statements timed
  (``shared/local/temp_blk_*_time``), plus planning time when it was tracked. Without I/O timing
  the whole execution time counts (an over-estimate for I/O-bound statements).
* **DSQL compute** — planning + a fixed cost by statement class + unique check + executor/byte
  term, fitted to the public lab (:mod:`.dsql_compute`); not PostgreSQL's executor time.
* **Bytes read** (DSQL ReadDPU: every row *scanned*, not returned) — rows scanned × logical row
  width + the lab's per-access overhead, out-of-row pages counted continuously, rows from pages for
  aggregates, joins and filtered scans, the INSERT uniqueness-check read (:mod:`.read_bytes`).
* **Bytes written** (DSQL WriteDPU) — rows affected × (row + one entry per secondary index, each
  at least 128 B) from the catalog facts of each written table, else declared defaults. Statements
  that cannot be classified are costed from ``wal_bytes`` (minus full-page images), else from
  dirtied pages, else left NaN and reported.
* **Transactions** — the first plausible witness: the scenario's ``statements_per_txn``,
  ``pg_stat_database`` transactions of a bundle, ``BEGIN``/``COMMIT`` counts, else autocommit; an
  implausible one falls back to a stated default (:mod:`.transactions`).

Unknown counters stay NaN unless an estimator replaces them, and every replacement is named.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from costmodel.core.assumptions import AssumptionSet
from costmodel.core.checkpoint import checkpoint
from costmodel.core.workload import Workload
from costmodel.scenario.model import Scenario
from costmodel.usage.columns import column
from costmodel.usage.context import Notes, UsageContext, build_context
from costmodel.usage.cpu import cpu_columns
from costmodel.usage.dsql_step import dsql_compute_columns, measured_idle_in_transaction, measured_sessions
from costmodel.usage.head import UsageHead, UsageStart
from costmodel.usage.io import write_ios_per_call, write_ios_with_commit_floor
from costmodel.usage.memory import working_set
from costmodel.usage.model import MS_PER_SECOND, Usage
from costmodel.usage.reads import read_columns, read_flags
from costmodel.usage.steps import CpuColumns, ReadColumns, Transactions, WriteColumns
from costmodel.usage.storage import stored_gb
from costmodel.usage.tables import declared_defaults, table_columns, table_keys
from costmodel.usage.transactions import transactions
from costmodel.usage.writes import write_columns


def compute_usage(
    workload: Workload, scenario: Scenario, assumptions: AssumptionSet, *, head: UsageHead | None = None
) -> Usage:
    """Per-statement per-call quantities and monthly volumes of ``workload`` under ``scenario``.

    ``assumptions`` resolves every modelling constant (declared in
    ``costmodel/data/assumptions/usage.yaml``) and records the ones used; scenario overrides are
    expected to be in it already (build it with :func:`costmodel.scenario.model.scenario_assumptions`).
    The same set is read later by the pricing stages, so one report lists every assumption once.

    ``head`` is an earlier run's :func:`usage_head`: when it (or its start) :meth:`~UsageHead.fits`
    this scenario and these assumptions, its steps are not run again (:mod:`.head`; the result is
    the same either way).
    """
    if head is None or not head.fits(scenario, assumptions):
        head = usage_head(workload, scenario, assumptions, start=head.start if head is not None else None)
    return usage_from_head(head, scenario, assumptions)


def usage_start(workload: Workload, scenario: Scenario, assumptions: AssumptionSet) -> UsageStart:
    """The context and the CPU columns (:class:`UsageStart`), recording into ``assumptions``. The
    CPU step reads only the context; its notes are kept apart and replayed after the tables'
    (the order :func:`compute_usage` has always written them in)."""
    notes, cpu_notes = Notes(), Notes()
    checkpoint()  # between steps: a background thread may pause here (costmodel.core.checkpoint)
    ctx = build_context(workload, scenario, assumptions, notes)
    checkpoint()
    cpu = cpu_columns(ctx, cpu_notes)
    keys = table_keys(workload, ctx.kinds)
    return UsageStart(
        ctx=ctx,
        cpu=cpu,
        estimators=dict(notes.estimators),
        warnings=tuple(notes.warnings),
        cpu_estimators=dict(cpu_notes.estimators),
        cpu_warnings=tuple(cpu_notes.warnings),
        recorded=assumptions.copy(),
        keys=keys,
        flags=read_flags(ctx, keys),
        columns=_start_columns(ctx, cpu),
    )


def usage_head(
    workload: Workload, scenario: Scenario, assumptions: AssumptionSet, *, start: UsageStart | None = None
) -> UsageHead:
    """Run the steps before transactions (:class:`UsageHead`), recording into ``assumptions``;
    ``start`` is an earlier run's, taken as it is when it fits (else computed here)."""
    if start is None or not start.fits(scenario, assumptions):
        start = usage_start(workload, scenario, assumptions)
    else:
        assumptions.adopt_records(start.recorded)
    ctx, cpu = replace(start.ctx, assumptions=assumptions), start.cpu
    notes = Notes(estimators=dict(start.estimators), warnings=list(start.warnings))
    defaults = declared_defaults(assumptions, ctx.facts.entry_floor)
    checkpoint()
    tables = table_columns(workload, start.keys, defaults, notes)
    notes.estimators.update(start.cpu_estimators)
    notes.warnings.extend(start.cpu_warnings)
    reads = read_columns(ctx, tables, start.flags, defaults, notes)
    checkpoint()
    writes = write_columns(ctx, tables, reads, notes)
    del tables  # per-statement table factors: not read after the writes (a fifth of the peak)
    checkpoint()
    dsql_ms, dsql_class = dsql_compute_columns(ctx, cpu, reads, writes, notes)
    write_ios_call = write_ios_per_call(ctx, writes, notes)
    checkpoint()
    out = _statement_frame(ctx, start.columns, reads, writes)
    out["dsql_compute_ms_per_call"] = dsql_ms
    out["statement_class"] = dsql_class
    out["unique_check"] = reads.unique_check
    out["keyed_tables"] = reads.keyed_tables
    return UsageHead(
        start=start,
        writes=writes,
        write_ios_call=write_ios_call,
        frame=out,
        estimators=dict(notes.estimators),
        warnings=tuple(notes.warnings),
        recorded=assumptions.copy(),
    )


def usage_from_head(head: UsageHead, scenario: Scenario, assumptions: AssumptionSet) -> Usage:
    """The rest of :func:`compute_usage` after ``head``: transactions, the commit floor of write
    I/Os, measured sessions, storage and the working set. ``assumptions`` (which ``head`` must
    fit) takes the head's records first, as if its steps had run on it."""
    assumptions.adopt_records(head.recorded)
    notes = Notes(estimators=dict(head.estimators), warnings=list(head.warnings))
    ctx, writes = replace(head.ctx, assumptions=assumptions), head.writes
    workload = ctx.workload
    checkpoint()
    txn = transactions(ctx, scenario, writes, notes)
    measured_sessions(ctx, txn.txns_month, notes)
    measured_idle_in_transaction(ctx, txn.txns_month, notes)
    out = head.frame.copy(deep=False)  # shares the head's columns (copy-on-write), adds its own
    out.insert(
        list(out.columns).index("read_ios_month") + 1,
        "write_ios_month",
        write_ios_with_commit_floor(head.write_ios_call, writes, txn.writes_per_write_txn) * ctx.calls_month,
    )
    storage_gb, storage_source = stored_gb(ctx, scenario, notes)
    memory = working_set(workload, assumptions)
    notes.estimators["working_set"] = memory.rule
    return Usage(
        statements=out,
        txns_month=txn.txns_month,
        write_txns_month=txn.write_txns_month,
        statements_per_txn=txn.statements_per_txn,
        statements_per_txn_source=txn.source,
        txn=txn.inference,
        storage_gb=storage_gb,
        storage_source=storage_source,
        assumptions=assumptions,
        estimators=notes.estimators,
        window_seconds=ctx.window,
        growth=ctx.growth,
        warnings=tuple(notes.warnings),
        counts=_counts(ctx, txn),
        working_set=memory,
        active_on_cpu_samples=tuple(int(v) for v in workload.info.get("active_on_cpu_samples") or ()),
    )


def _start_columns(ctx: UsageContext, cpu: CpuColumns) -> dict[str, Any]:
    """The columns of :class:`Usage` that read only the context and the CPU step (kept with the
    start: every head made on it shares them)."""
    df, per, calls_month = ctx.df, ctx.per, ctx.calls_month
    return {
        "stmt_id": df["stmt_id"]
        if "stmt_id" in df.columns
        else pd.Series(df.index.astype(str), index=df.index),
        "kind": ctx.kinds.kind,
        "is_txn_control": ctx.kinds.is_ctl,
        "calls_window": ctx.calls,
        "calls_month": calls_month,
        "exec_ms_per_call": cpu.exec_ms,
        "plan_ms_per_call": cpu.plan_ms,
        "io_wait_ms_per_call": cpu.io_ms,
        "cpu_ms_per_call": cpu.cpu_ms,
        "cpu_estimator": cpu.estimator,
        "jit_ms_per_call": cpu.jit_ms,
        "min_exec_ms": column(df, "min_exec_time"),
        "temp_bytes_per_call": column(df, "temp_blks_written") * per * ctx.page,
        "exec_seconds_month": cpu.exec_ms / MS_PER_SECOND * calls_month,
        "cpu_seconds_month": cpu.cpu_ms / MS_PER_SECOND * calls_month,
        "read_ios_month": column(df, "shared_blks_read") * ctx.row_scale,
        "wal_bytes_month": column(df, "wal_bytes") * ctx.row_scale,
        "retry_factor": np.nan_to_num(column(df, "retry_factor"), nan=0.0),
        "one_off": ctx.one_off,
        "one_off_calls": np.where(ctx.one_off, ctx.calls, 0.0),
    }


def _statement_frame(
    ctx: UsageContext, start: dict[str, Any], reads: ReadColumns, writes: WriteColumns
) -> pd.DataFrame:
    """The per-statement columns of :class:`Usage` (``write_ios_month`` comes after the commit
    floor): the start's columns (:func:`_start_columns`) and the reads' and writes'."""
    return pd.DataFrame(
        {
            **{name: start[name] for name in ("stmt_id", "kind", "is_txn_control")},
            "is_write": writes.write_fraction > 0,
            **{name: start[name] for name in ("calls_window", "calls_month")},
            "rows_per_call": reads.rows,
            **{
                name: start[name]
                for name in (
                    "exec_ms_per_call",
                    "plan_ms_per_call",
                    "io_wait_ms_per_call",
                    "cpu_ms_per_call",
                    "cpu_estimator",
                    "jit_ms_per_call",
                    "min_exec_ms",
                )
            },
            "rows_scanned_per_call": reads.rows_scanned,
            "read_bytes_per_call": reads.read_bytes,
            "read_estimator": reads.estimator,
            "rows_written_per_call": writes.rows_written,
            "write_bytes_per_call": writes.write_bytes,
            "write_call_fraction": writes.write_fraction,
            "write_estimator": writes.estimator,
            "pk_check_bytes_per_call": writes.pk_check,
            **{
                name: start[name]
                for name in (
                    "temp_bytes_per_call",
                    "exec_seconds_month",
                    "cpu_seconds_month",
                    "read_ios_month",
                    "wal_bytes_month",
                    "retry_factor",
                    "one_off",
                    "one_off_calls",
                )
            },
        },
        index=ctx.df.index,
        # the step arrays become the columns as they are: a copy doubled the table at the usage
        # step's peak, and copying stmt_id touched a million strings (each page then copied into
        # every forked range-case worker); the start's columns are shared by every head made on it
        copy=False,
    )


def _counts(ctx: UsageContext, txn: Transactions) -> dict[str, float]:
    return {
        "calls_month": float(ctx.calls_month.sum()),
        "statement_calls_month": txn.work_calls,
        "write_calls_month": txn.write_calls,
        "begin_calls_month": txn.begin_calls,
        "end_calls_month": txn.end_calls,
    }
