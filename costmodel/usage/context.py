"""What every usage step reads: the statements, per-call divisors, effective kinds, constants.

Built once per :func:`costmodel.usage.compute.compute_usage` call; the steps (tables, CPU, reads,
writes, Serverless v2 I/O, transactions, storage) take it and return their own columns, and write
their estimator descriptions and warnings into :class:`Notes`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from costmodel.classify.roles import one_off_mask
from costmodel.core.assumptions import AssumptionSet
from costmodel.core.catalog import load_catalog
from costmodel.core.profile import KeyShape, ParseStatus, StatementKind
from costmodel.core.timebase import SECONDS_PER_MONTH
from costmodel.core.workload import Workload
from costmodel.scenario.model import Scenario
from costmodel.usage.columns import any_of, column, label_column, objects

DML_WRITES = frozenset(
    {StatementKind.INSERT, StatementKind.UPDATE, StatementKind.DELETE, StatementKind.MERGE}
)
KEYED_SHAPES = [k.value for k in (KeyShape.CONSTANT, KeyShape.PARAMETER, KeyShape.TENANT, KeyShape.UPSERT)]
"""Key shapes of an UPDATE/DELETE that finds its rows by key equality: read by rows, not buffers,
because a write's buffers also count the pages the write itself touches (new row versions, index
insertions, pruning), which DSQL does not bill as reads."""


@dataclass
class Notes:
    """Estimator descriptions (one line per quantity) and warnings, in the order steps add them."""

    estimators: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Facts:
    """Documented byte facts from the price files (formula constants, not assumptions)."""

    entry_floor: float
    """DSQL bills every row and index entry written at >= 128 B (``write_min_bytes_per_row``)."""
    partition_floor: float
    """…and every storage partition read at >= 128 B (``read_min_bytes_per_partition``)."""
    write_io_bytes: float
    """Aurora counts write I/Os in 4 KiB units of log (``write_io_unit_bytes``)."""


def load_facts() -> Facts:
    """The byte facts, from the bundled price catalog (the price files hold these facts)."""
    catalog = load_catalog()
    return Facts(
        entry_floor=float(catalog.decimal_fact("aurora_dsql", "write_min_bytes_per_row")),
        partition_floor=float(catalog.decimal_fact("aurora_dsql", "read_min_bytes_per_partition")),
        write_io_bytes=float(catalog.decimal_fact("aurora_serverless_v2", "write_io_unit_bytes")),
    )


@dataclass(frozen=True)
class Kinds:
    """Effective statement kinds (UNKNOWN where parsing was not trusted) as boolean masks."""

    kind: np.ndarray
    """Object array holding one string per kind (:func:`~costmodel.usage.columns.label_column`): a
    text array took 44 bytes a row, kept with the usage start of every range case; the usage
    table's ``kind`` column is this array."""
    transaction_control: np.ndarray
    is_ctl: np.ndarray
    is_insert: np.ndarray
    is_update: np.ndarray
    is_delete: np.ndarray
    is_merge: np.ndarray
    is_select: np.ndarray
    is_dml: np.ndarray
    counter_based: np.ndarray
    """Neither DML, SELECT nor transaction control: costed from counters (WAL, dirtied pages)."""
    is_begin: np.ndarray
    """``BEGIN`` (transaction control ``begin``): one witness of explicit transactions."""
    is_end: np.ndarray
    """``COMMIT``, ``ROLLBACK`` or ``COMMIT PREPARED``: the other witness."""


def statement_kinds(df: pd.DataFrame, notes: Notes) -> Kinds:
    """The kinds the estimators branch on; an unclassified workload is costed from its counters."""
    n = len(df)
    kind = objects(df, "kind") if "kind" in df.columns else np.full(n, StatementKind.UNKNOWN.value)
    if "parse_status" in df.columns:
        trusted = objects(df, "parse_status") == ParseStatus.OK.value
        kind = np.where(trusted, kind, StatementKind.UNKNOWN.value)
    else:
        notes.estimators["classification"] = (
            "workload not classified: every statement costed from its counters"
        )
    kind = np.where(pd.isna(kind), StatementKind.UNKNOWN.value, kind).astype(str)
    tc = objects(df, "transaction_control") if "transaction_control" in df.columns else np.full(n, None)
    is_ctl = (kind == StatementKind.TRANSACTION.value) | ~pd.isna(tc)
    is_dml = any_of(kind, [k.value for k in DML_WRITES])
    is_select = kind == StatementKind.SELECT.value
    tc_s = pd.Series(tc, index=df.index, dtype=object)
    return Kinds(
        kind=label_column(kind, [member.value for member in StatementKind]),
        transaction_control=tc,
        is_ctl=is_ctl,
        is_insert=kind == StatementKind.INSERT.value,
        is_update=kind == StatementKind.UPDATE.value,
        is_delete=kind == StatementKind.DELETE.value,
        is_merge=kind == StatementKind.MERGE.value,
        is_select=is_select,
        is_dml=is_dml,
        counter_based=~(is_dml | is_select | is_ctl),
        is_begin=(tc_s == "begin").to_numpy(),
        is_end=tc_s.isin(["commit", "rollback", "commit_prepared"]).to_numpy(),
    )


@dataclass(frozen=True)
class UsageContext:
    """The inputs every step shares: statements, calls, time scale, page geometry, kinds."""

    workload: Workload
    df: pd.DataFrame
    assumptions: AssumptionSet
    window: float
    growth: float
    scale: float
    """Monthly calls per observed call: seconds per month / window × growth."""
    calls: np.ndarray
    per: np.ndarray
    """1 / calls (0 where no calls): turns totals into per-call figures."""
    calls_month: np.ndarray
    page: float
    facts: Facts
    kinds: Kinds
    one_off: np.ndarray
    """One-time work (DDL, maintenance, session utility seen a few times): priced once, never scaled
    to a month (:mod:`costmodel.classify.roles`)."""
    row_scale: np.ndarray
    """``scale`` per statement: 0 for one-time work."""

    @property
    def n(self) -> int:
        """Number of statements."""
        return len(self.df)


def build_context(
    workload: Workload, scenario: Scenario, assumptions: AssumptionSet, notes: Notes
) -> UsageContext:
    """Calls, per-call divisor, monthly scale, page size (measured block size wins) and kinds."""
    df = workload.statements
    n = len(df)
    window = float(workload.window.seconds)
    growth = float(scenario.growth)
    scale = SECONDS_PER_MONTH / window * growth
    page = float(assumptions.get("page_bytes"))
    if workload.info.get("block_size"):
        page = float(workload.info["block_size"])
        assumptions.record("page_bytes", page, "bytes", "measured", "Block size reported by the server")
    calls = column(df, "calls")
    if np.isnan(calls).any():
        notes.warnings.append(
            f"{int(np.isnan(calls).sum())} statement(s) without a calls count are not costed"
        )
    calls = np.nan_to_num(calls, nan=0.0)
    per = np.divide(1.0, calls, out=np.zeros(n), where=calls > 0)
    one_off = one_off_mask(df, float(assumptions.get("one_off_max_calls")))
    row_scale = np.where(one_off, 0.0, scale)
    return UsageContext(
        workload=workload,
        df=df,
        assumptions=assumptions,
        window=window,
        growth=growth,
        scale=scale,
        calls=calls,
        per=per,
        calls_month=calls * row_scale,
        page=page,
        facts=load_facts(),
        kinds=statement_kinds(df, notes),
        one_off=one_off,
        row_scale=row_scale,
    )
