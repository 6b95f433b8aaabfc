"""Transactions per month, with statements per transaction from several witnesses, each checked.

DSQL bills minimums per transaction and the OCC window is a transaction's length, so statements
per transaction moves both bill and risk; pg_stat_statements does not record it. The witnesses, in
the order they are trusted:

1. the scenario's ``statements_per_txn`` (the user knows);
2. ``pg_stat_database`` ``xact_commit + xact_rollback`` between the first and last snapshot of a
   ``dsqlcost collect`` bundle: every transaction, explicit or autocommit, counted by the server;
3. ``BEGIN`` and ``COMMIT``/``ROLLBACK``/``END`` calls (the larger of the two counts), assuming
   every statement runs inside an explicit transaction;
4. none of them: autocommit, one statement per transaction.

A witness is *implausible* when it implies more than ``statements_per_txn_max`` statements per
transaction or a transaction longer than DSQL's 5-minute limit (``txn_max_seconds``). The usual
cause is the PostgreSQL ≤ 15 undercount: a BEGIN/COMMIT sent through the extended protocol as a
prepared statement is counted once per connection, so an export shows 8 BEGINs against 248,000
statements. An implausible witness is not used: the next one is, or the stated fallback
``statements_per_txn_fallback``, with a warning for the verdict. The range (for the report's
low–high totals) is the witness's value when measured, else fallback … ``statements_per_txn_max``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from costmodel.core.assumptions import AssumptionSet
from costmodel.core.errors import ScenarioError
from costmodel.scenario.model import Scenario
from costmodel.usage.context import Notes, UsageContext
from costmodel.usage.steps import Transactions, TxnInference, WriteColumns

MS_PER_SECOND = 1000.0


@dataclass(frozen=True)
class TxnCounts:
    """What the export says about transactions, over the observed window (not scaled)."""

    work_calls: float
    """Calls of statements that are not transaction control (the ones priced)."""
    begin_calls: float
    end_calls: float
    write_calls: float
    mean_statement_ms: float
    """Mean execution time per work call (ms), for the transaction-length check."""
    xacts: float | None = None
    """pg_stat_database commits + rollbacks in the window (bundles collected by this version)."""


def _txn_seconds(spt: float, counts: TxnCounts, round_trip_ms: float) -> float:
    return spt * (counts.mean_statement_ms + round_trip_ms) / MS_PER_SECOND


def infer_statements_per_txn(
    counts: TxnCounts, scenario_value: float | None, assumptions: AssumptionSet
) -> TxnInference:
    """Pick the first plausible witness (module doc); record the choice in ``assumptions``."""
    limit = float(assumptions.get("statements_per_txn_max"))
    max_seconds = float(assumptions.get("txn_max_seconds"))
    fallback = float(assumptions.get("statements_per_txn_fallback"))
    round_trip = float(assumptions.get("occ_statement_round_trip_ms"))
    if scenario_value is not None:
        if not scenario_value >= 1:
            raise ScenarioError(
                f"statements_per_txn is {scenario_value!r}",
                column="statements_per_txn",
                hint="give the average number of statements per transaction, 1 or more",
            )
        spt = float(scenario_value)
        return _record(
            assumptions,
            TxnInference(spt, "scenario", "scenario", f"scenario statements_per_txn = {spt:g}", spt, spt),
        )
    rejected: list[str] = []
    candidates: list[tuple[str, float, str]] = []
    if counts.xacts is not None and counts.xacts > 0:
        candidates.append(
            (
                "pg_stat_database",
                counts.work_calls / counts.xacts,
                f"statement calls / pg_stat_database transactions (xact_commit + xact_rollback: {counts.xacts:,.0f})",
            )
        )
    explicit = max(counts.begin_calls, counts.end_calls)
    if explicit > 0:
        candidates.append(
            (
                "BEGIN/COMMIT",
                counts.work_calls / explicit,
                f"statement calls / explicit transactions ({counts.begin_calls:,.0f} BEGIN, "
                f"{counts.end_calls:,.0f} COMMIT/ROLLBACK); assumes every statement runs inside one",
            )
        )
    for witness, raw, how in candidates:
        spt = max(1.0, raw)
        seconds = _txn_seconds(spt, counts, round_trip)
        if spt > limit or seconds > max_seconds:
            why = (
                f"{spt:,.0f} statements per transaction (over {limit:g})"
                if spt > limit
                else f"a {seconds:,.0f} s transaction (over DSQL's {max_seconds:g} s limit)"
            )
            rejected.append(f"{witness} implies {why}")
            continue
        detail = f"{how} = {spt:.4g}"
        return _record(
            assumptions, TxnInference(spt, "measured", witness, detail, spt, spt, _notes(rejected, witness))
        )
    if not candidates:
        detail = "no BEGIN/COMMIT in the export: autocommit, one statement per transaction"
        return _record(assumptions, TxnInference(1.0, "default", "autocommit", detail, 1.0, 1.0))
    detail = f"fallback statements_per_txn_fallback = {fallback:g}: every witness was implausible ({'; '.join(rejected)})"
    warning = (
        f"statements per transaction unknown: {'; '.join(rejected)}; on PostgreSQL 15 and older a prepared "
        "(extended-protocol) BEGIN/COMMIT is counted once per connection, so transactions are under-counted. "
        f"Using the stated default {fallback:g} (range {fallback:g}–{limit:g}); give statements_per_txn in the "
        "scenario, or collect a bundle (it records pg_stat_database transactions)"
    )
    return _record(
        assumptions, TxnInference(fallback, "default", "fallback", detail, fallback, limit, (warning,))
    )


def _notes(rejected: list[str], used: str) -> tuple[str, ...]:
    if not rejected:
        return ()
    return (
        f"statements per transaction from {used}; not from {'; '.join(rejected)} (on PostgreSQL 15 and older a "
        "prepared BEGIN/COMMIT is counted once per connection)",
    )


def _record(assumptions: AssumptionSet, inference: TxnInference) -> TxnInference:
    assumptions.record(
        "statements_per_txn",
        inference.statements_per_txn,
        "statements",
        inference.source,
        f"witness: {inference.witness}; {inference.detail}",
    )
    return inference


def transactions(ctx: UsageContext, scenario: Scenario, writes: WriteColumns, notes: Notes) -> Transactions:
    """Transactions per month from the first plausible witness (module doc), recorded."""
    calls_month, k = ctx.calls_month, ctx.kinds
    begin_calls = float(calls_month[k.is_begin].sum())
    end_calls = float(calls_month[k.is_end].sum())
    work_calls = float(calls_month[~k.is_ctl].sum())
    write_calls = float((calls_month * writes.write_fraction)[~k.is_ctl].sum())
    k_calls, one_off = ctx.calls, ctx.one_off
    work_window = float(k_calls[~k.is_ctl & ~one_off].sum())
    exec_ms = (
        np.nan_to_num(ctx.df["mean_exec_time"].to_numpy(dtype=float))
        if "mean_exec_time" in ctx.df
        else np.zeros(ctx.n)
    )
    xacts = ctx.workload.info.get("xacts_window")
    inference = infer_statements_per_txn(
        TxnCounts(
            work_calls=work_window,
            begin_calls=float(k_calls[k.is_begin].sum()),
            end_calls=float(k_calls[k.is_end].sum()),
            write_calls=float((k_calls * writes.write_fraction)[~k.is_ctl].sum()),
            mean_statement_ms=float((exec_ms * k_calls)[~k.is_ctl & ~one_off].sum()) / work_window
            if work_window > 0
            else 0.0,
            xacts=float(xacts) if isinstance(xacts, (int, float)) else None,
        ),
        scenario.statements_per_txn,
        ctx.assumptions,
    )
    spt, spt_source, spt_detail = inference.statements_per_txn, inference.source, inference.detail
    notes.warnings.extend(inference.warnings)
    notes.estimators["statements_per_txn"] = spt_detail
    txns = work_calls / spt
    notes.estimators["write_txns"] = (
        "min(transactions, write statement calls): each write statement in its own transaction until "
        "every transaction holds one (conservative for the write minimum)"
    )
    return Transactions(
        statements_per_txn=spt,
        source=spt_source,
        txns_month=txns,
        write_txns_month=min(txns, write_calls),
        begin_calls=begin_calls,
        end_calls=end_calls,
        work_calls=work_calls,
        write_calls=write_calls,
        inference=inference,
    )
