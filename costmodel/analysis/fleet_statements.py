"""The fleet's statement table: every cluster's rows, deduplicated by pglast fingerprint.

Rows arrive from the clusters as numbers plus a text code (:mod:`costmodel.analysis.fleet_cluster`), so
grouping a million rows is integer work: each distinct text maps to its fingerprint group once,
and the texts and profile columns are attached only to the (tens of thousands of) groups.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from costmodel.analysis.fleet_cluster import METRIC_PREFIX, ClusterRun
from costmodel.classify.table import NO_CODE, ProfileTable
from costmodel.readiness.checks import METRICS

FIRST_COLUMNS = ("stmt_id", "query", "kind", "is_write", "parse_status", "key_shape", "tables_read",
                 "tables_written")  # fmt: skip
"""Columns of a deduplicated statement taken from its first row (text and profile of that row)."""
SUM_COLUMNS = ("calls", "calls_month", "cpu_seconds_month", "dsql_dpu_month", "dsql_monthly_usd",
               "sv2_monthly_usd")  # fmt: skip
PER_CALL_COLUMNS = ("mean_exec_ms", "rows_per_call", "read_bytes_per_call", "write_bytes_per_call",
                    "dsql_compute_dpu_per_call", "dsql_read_dpu_per_call", "dsql_write_dpu_per_call",
                    "dsql_dpu_per_call")  # fmt: skip
"""Averaged over the group, weighted by monthly calls."""
_READINESS_PROFILE = ("fingerprint", "features", "lock_strength", "lock_wait", "command")
"""Profile columns readiness reads that the report does not show."""
READINESS_COLUMNS = (*_READINESS_PROFILE, "total_exec_time", *(METRIC_PREFIX + m for m in METRICS))
"""Columns of the deduplicated table that readiness reads and the report does not show."""


@dataclass(frozen=True, eq=False)
class FleetStatements:
    """The deduplicated statements plus the row-level counts the report states."""

    table: pd.DataFrame
    """One row per fingerprint (else text, else row): report columns, then :data:`READINESS_COLUMNS`."""
    rows: int
    status_counts: dict[str, int]
    """Rows per ``parse_status`` over every cluster's statements."""


def fleet_rows(runs: Sequence[ClusterRun]) -> pd.DataFrame:
    """Every cluster's statement rows, in cluster order, with the cluster's position as ``cluster``."""
    frames = [r.statements.assign(cluster=np.int32(i)) for i, r in enumerate(runs)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def group_keys(codes: np.ndarray, table: ProfileTable) -> np.ndarray:
    """Group number per row: one per fingerprint (texts without one: per text; no text: per row)."""
    profile = table.frame.iloc[: len(table.texts)]
    fingerprint = profile["fingerprint"].astype(object)
    labels = [f"fp:{f}" if isinstance(f, str) else f"text:{t}" for f, t in zip(fingerprint, table.texts)]
    per_text, uniques = pd.factorize(pd.Series(labels, dtype=object))
    n_groups = len(uniques)
    safe = np.where(codes == NO_CODE, 0, codes)
    by_text = per_text[safe] if len(per_text) else np.zeros(len(codes), dtype=np.int64)
    return np.where(codes == NO_CODE, n_groups + np.arange(len(codes)), by_text)


def representative_texts(table: ProfileTable) -> list[str]:
    """The text :func:`deduplicate` keeps for each fingerprint group (the first seen; a text without
    a fingerprint is its own group), known as soon as the texts are classified.

    Why: every text of the table occurs in the clusters' rows, which come in the order the table was
    built from, so the first row of a group holds the group's first text in table order. Readiness
    lints exactly these texts (:class:`costmodel.readiness.prelint.PreLint` starts on them early).
    """
    codes = np.arange(len(table.texts), dtype=np.int64)
    keys = group_keys(codes, table)
    _, first = np.unique(keys, return_index=True)
    return [table.texts[i] for i in np.sort(first)]


def _count_distinct(keys: np.ndarray, values: np.ndarray, order: pd.Index) -> np.ndarray:
    """Distinct ``values`` per key (NaN-free integer values), in the order of ``order``."""
    pairs = pd.DataFrame({"k": keys, "v": values}).drop_duplicates()
    counts = pairs.groupby("k", sort=False).size()
    return counts.reindex(order).fillna(0).to_numpy(dtype=np.int64)


def deduplicate(rows: pd.DataFrame, table: ProfileTable) -> FleetStatements:
    """One row per pglast fingerprint across clusters, in first-seen order.

    Counts and monthly figures are summed; per-call figures are averaged weighted by monthly calls;
    ``clusters`` and ``databases`` count where the statement ran; the conflict probability and the
    readiness metrics are the worst over the group (a quota broken in one cluster is a finding).
    """
    if rows.empty:
        return FleetStatements(pd.DataFrame(), 0, {})
    codes = rows["text_code"].to_numpy()
    keys = group_keys(codes, table)
    status = table.frame["parse_status"].to_numpy()[np.where(codes == NO_CODE, table.no_text_row, codes)]
    status_counts = {str(k): int(v) for k, v in pd.Series(status).value_counts().items()}
    work = rows.assign(_key=keys)
    grouped = work.groupby("_key", sort=False)
    first = grouped[["stmt_id", "text_code"]].first()
    out = pd.DataFrame(index=first.index)
    out["stmt_id"] = first["stmt_id"]
    first_codes = first["text_code"].to_numpy()
    texts = np.array([*table.texts, None], dtype=object)
    picked = texts[np.where(first_codes == NO_CODE, table.no_text_row, first_codes)]
    out["query"] = pd.Series(picked, index=out.index, dtype=object)
    profile = table.profiles(first_codes)
    profile.index = out.index
    for col in FIRST_COLUMNS[2:]:
        out[col] = profile[col]
    sums = [c for c in SUM_COLUMNS if c in work]
    out[sums] = grouped[sums].sum(min_count=1)
    weight = work["calls_month"].astype(float).fillna(0.0)
    per_call = [c for c in PER_CALL_COLUMNS if c in work]
    weighted = work[per_call].astype(float).mul(weight, axis=0).assign(_key=keys).groupby("_key", sort=False)
    out[per_call] = weighted.sum(min_count=1)[per_call].div(out["calls_month"].replace(0.0, np.nan), axis=0)
    out["clusters"] = _count_distinct(keys, work["cluster"].to_numpy(), out.index)
    database, _names = pd.factorize(work["database"], use_na_sentinel=True)
    known = database >= 0
    out["databases"] = _count_distinct(keys[known], database[known], out.index)
    if "conflict_probability" in work:
        out["conflict_probability"] = grouped["conflict_probability"].max()
    for col in _READINESS_PROFILE:
        out[col] = profile[col]
    out["total_exec_time"] = grouped["total_exec_time"].sum(min_count=1)
    metrics = [METRIC_PREFIX + m for m in METRICS]
    out[metrics] = grouped[metrics].max()
    return FleetStatements(out.reset_index(drop=True), len(rows), status_counts)


def report_columns(statements: pd.DataFrame) -> pd.DataFrame:
    """The deduplicated table without the readiness-only columns (what the report lists)."""
    return statements.drop(columns=[c for c in READINESS_COLUMNS if c in statements])


def readiness_metrics(statements: pd.DataFrame) -> pd.DataFrame:
    """The readiness metrics of the deduplicated table, under their plain names."""
    return pd.DataFrame(
        {m: statements[METRIC_PREFIX + m].astype(float) for m in METRICS}, index=statements.index
    )
