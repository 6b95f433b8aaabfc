"""Transactions per month: explicit BEGIN/COMMIT counts where the export has them, autocommit
otherwise, or the scenario's ``statements_per_txn``."""

from __future__ import annotations

import pandas as pd

from costmodel.core.errors import ScenarioError
from costmodel.scenario.model import Scenario
from costmodel.usage.context import Notes, UsageContext
from costmodel.usage.steps import Transactions, WriteColumns


def transactions(ctx: UsageContext, scenario: Scenario, writes: WriteColumns, notes: Notes) -> Transactions:
    """Statements per transaction (scenario, measured from BEGIN/COMMIT, or autocommit), recorded."""
    calls_month, k = ctx.calls_month, ctx.kinds
    tc_s = pd.Series(k.transaction_control, index=ctx.df.index, dtype=object)
    begin_calls = float(calls_month[(tc_s == "begin").to_numpy()].sum())
    end_calls = float(calls_month[tc_s.isin(["commit", "rollback", "commit_prepared"]).to_numpy()].sum())
    work_calls = float(calls_month[~k.is_ctl].sum())
    write_calls = float((calls_month * writes.write_fraction)[~k.is_ctl].sum())
    explicit = begin_calls if begin_calls > 0 else end_calls
    if scenario.statements_per_txn is not None:
        if not scenario.statements_per_txn >= 1:
            raise ScenarioError(
                f"statements_per_txn is {scenario.statements_per_txn!r}",
                column="statements_per_txn",
                hint="give the average number of statements per transaction, 1 or more",
            )
        spt, spt_source = float(scenario.statements_per_txn), "scenario"
        spt_detail = f"scenario statements_per_txn = {spt:g}"
    elif explicit > 0:
        spt, spt_source = max(1.0, work_calls / explicit), "measured"
        spt_detail = (
            f"statement calls / explicit transactions (BEGIN/COMMIT calls) = {spt:.4g}; assumes every "
            "statement runs inside an explicit transaction"
        )
    else:
        spt, spt_source = 1.0, "default"
        spt_detail = "no BEGIN/COMMIT in the export: autocommit, one statement per transaction"
    ctx.assumptions.record("statements_per_txn", spt, "statements", spt_source, spt_detail)
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
    )
