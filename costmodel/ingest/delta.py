"""Snapshot deltas, the activity series of a bundle, and merging rows of the same statement.

Two snapshots of pg_stat_statements turn cumulative counters into what happened *between* them:
the window is then the time between the snapshots, which needs no knowledge of the last reset.
Entries are matched on the view's key ``(userid, dbid, queryid, toplevel)``. A counter that went
down means the statistics were reset (or the entry evicted and re-created) in between; any
subtraction would then be wrong, so it is an error rather than a guess.

Merging (``--group-by query``, and the hidden rows of other users that have no queryid) sums the
cumulative counters, takes the min of mins and the max of maxes, recomputes the means and pools the
standard deviations, so the merged row reads exactly like a pg_stat_statements entry.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from costmodel.core.errors import IngestError
from costmodel.core.workload import COUNTER_COLUMNS, CUMULATIVE_COLUMNS, TIMESTAMP_COLUMNS, ActivitySeries
from costmodel.ingest.guards import check_same_server

SERIES_COLUMNS: tuple[str, ...] = (
    "calls",
    "rows",
    "total_exec_time",
    "shared_blks_read",
    "shared_blks_hit",
    "wal_bytes",
)
"""Columns of :class:`ActivitySeries` intervals (besides ``seconds``)."""

_POOLED = (
    ("calls", "mean_exec_time", "stddev_exec_time", "total_exec_time"),
    ("plans", "mean_plan_time", "stddev_plan_time", "total_plan_time"),
)


def merge_rows(frame: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Merge rows with equal ``keys`` into one pg_stat_statements-like row each (first-seen order).

    Identity and extra columns keep their value when every merged row agrees, else become NULL;
    ``source_file``/``source_row`` are the first row's; ``merged_rows`` counts the source rows.
    """
    if frame.empty:
        out = frame.copy()
        out["merged_rows"] = pd.Series(dtype=np.int64)
        return out
    work = frame.copy()
    if "merged_rows" not in work:
        work["merged_rows"] = np.ones(len(work), dtype=np.int64)
    for count, mean, stddev, total in _POOLED:
        n = work[count]
        avg = work[mean].where(work[mean].notna(), work[total] / n.where(n > 0))
        work[f"__sq_{count}"] = n * (work[stddev] ** 2 + avg**2)
    groups = work.groupby([work[k] for k in keys], sort=False, dropna=False)
    sums = [c for c in CUMULATIVE_COLUMNS if c in work] + [f"__sq_{c}" for c, *_ in _POOLED] + ["merged_rows"]
    summed = groups[sums].sum(min_count=1)
    mins = [c for c in COUNTER_COLUMNS if c.startswith("min_")] + [c for c in TIMESTAMP_COLUMNS if c in work]
    maxes = [c for c in COUNTER_COLUMNS if c.startswith("max_")]
    low = groups[mins].min()
    high = groups[maxes].max()
    other = [c for c in work.columns if c not in sums and c not in mins and c not in maxes]
    other = [c for c in other if not c.startswith(("mean_", "stddev_"))]
    first = groups[other].first()
    varying = [c for c in other if c not in ("source_file", "source_row") and c not in keys]
    if varying:
        distinct = groups[varying].nunique(dropna=False)
        for column in varying:
            several = distinct[column].to_numpy() > 1
            if several.any():
                values = (
                    first[column].astype(object) if first[column].dtype == object else first[column].copy()
                )
                values[several] = None
                first[column] = values
    out = pd.concat([first, summed, low, high], axis=1).reset_index(drop=True)
    for count, mean, stddev, total in _POOLED:
        n = out[count].where(out[count] > 0)
        out[mean] = out[total] / n
        var = out[f"__sq_{count}"] / n - out[mean] ** 2
        out[stddev] = np.sqrt(var.clip(lower=0))
        out = out.drop(columns=f"__sq_{count}")
    out["merged_rows"] = out["merged_rows"].astype(np.int64)
    order = [c for c in frame.columns if c in out.columns]
    rest = [c for c in out.columns if c not in order]
    out = out[order + rest]
    for column in frame.columns:
        if column in out and out[column].dtype != frame[column].dtype:
            with contextlib.suppress(TypeError, ValueError):
                out[column] = out[column].astype(frame[column].dtype)
    return out


@dataclass(frozen=True)
class Delta:
    """The later snapshot's rows with counters replaced by their increase since the earlier one."""

    frame: pd.DataFrame
    only_earlier: int
    idle: int
    hidden_merged: int
    keys: tuple[str, ...]


def delta_keys(present_earlier: frozenset[str], present_later: frozenset[str], file: str) -> tuple[str, ...]:
    """The entry key both snapshots can be matched on."""
    if ("toplevel" in present_earlier) != ("toplevel" in present_later):
        raise IngestError(
            "one snapshot has the toplevel column and the other does not: the snapshots come from "
            "different pg_stat_statements versions",
            file=file,
            column="toplevel",
            hint="take both snapshots from the same server without an extension upgrade in between",
        )
    both = present_earlier & present_later
    keys: list[str] = [k for k in ("userid", "dbid") if k in both]
    keys.append("queryid" if "queryid" in both else "query")
    if "toplevel" in both:
        keys.append("toplevel")
    return tuple(keys)


def _hide_merge(frame: pd.DataFrame, keys: tuple[str, ...]) -> tuple[pd.DataFrame, int]:
    """Rows without queryid (other users' statements) merged per user, database and toplevel."""
    if "queryid" not in keys:
        return frame, 0
    hidden = frame["queryid"].isna().to_numpy()
    if not hidden.any():
        return frame, 0
    rest = [k for k in keys if k != "queryid"]
    merged = merge_rows(frame[hidden], rest) if rest else merge_rows(frame[hidden], ["queryid"])
    keep = frame[~hidden]
    if "merged_rows" not in keep:
        keep = keep.assign(merged_rows=np.ones(len(keep), dtype=np.int64))
    out = pd.concat([keep, merged], ignore_index=True)
    return out.sort_values("source_row", kind="stable").reset_index(drop=True), int(hidden.sum())


def _key_strings(frame: pd.DataFrame, keys: tuple[str, ...]) -> pd.Series:
    parts = [frame[k].astype("string").fillna("\x00NULL").astype(object) for k in keys]
    key = parts[0]
    for part in parts[1:]:
        key = key + "\x1f" + part
    return key


def _check_unique(frame: pd.DataFrame, key: pd.Series, keys: tuple[str, ...], file: str) -> None:
    dup = key.duplicated(keep=False).to_numpy()
    if dup.any():
        rows = frame["source_row"].to_numpy()[dup][:2]
        raise IngestError(
            f"rows {rows[0]} and {rows[1]} have the same entry key ({', '.join(keys)}): "
            "this is not a plain pg_stat_statements snapshot",
            file=file,
            row=int(rows[1]),
            hint="export the view itself (SELECT * FROM pg_stat_statements), one row per entry",
        )


def snapshot_delta(
    earlier: pd.DataFrame,
    later: pd.DataFrame,
    present_earlier: frozenset[str],
    present_later: frozenset[str],
    earlier_file: str,
    later_file: str,
) -> Delta:
    """Counters of ``later`` minus those of ``earlier``, per entry key; resets are errors."""
    keys = delta_keys(present_earlier, present_later, later_file)
    earlier, _ = _hide_merge(earlier, keys)
    later, hidden = _hide_merge(later, keys)
    ekey = _key_strings(earlier, keys)
    lkey = _key_strings(later, keys)
    _check_unique(earlier, ekey, keys, earlier_file)
    _check_unique(later, lkey, keys, later_file)
    check_same_server(ekey, lkey, later["calls"].to_numpy(), earlier_file, later_file)
    matched = lkey.isin(set(ekey)).to_numpy()
    only_earlier = int((~ekey.isin(set(lkey))).sum())
    both = present_earlier & present_later
    cumulative = [c for c in CUMULATIVE_COLUMNS if c in present_later]
    compare = [c for c in cumulative if c in both] + [c for c in ("stats_since",) if c in both]
    prev = earlier.set_index(ekey.to_numpy())[[*compare, "source_row"]].reindex(lkey.to_numpy())
    out = later.copy()
    for column in cumulative:
        now = later[column].to_numpy(dtype=np.float64)
        if column in both:
            before = prev[column].to_numpy(dtype=np.float64)
            diff = now - before
            down = matched & (diff < 0)
            if down.any():
                _raise_reset(
                    later, prev, keys, column, int(np.flatnonzero(down)[0]), earlier_file, later_file
                )
            out[column] = np.where(matched, diff, now)
        else:
            out[column] = np.where(matched, np.nan, now)
    if "stats_since" in compare:
        newer = (later["stats_since"] > prev["stats_since"].to_numpy()).fillna(False).to_numpy(dtype=bool)
        newer = newer & matched
        if newer.any():
            _raise_reset(
                later, prev, keys, "stats_since", int(np.flatnonzero(newer)[0]), earlier_file, later_file
            )
    for count, mean, _stddev, total in _POOLED:
        n = out[count].where(out[count] > 0)
        out[mean] = out[total] / n
    idle = (out["calls"].to_numpy() == 0) & matched
    out = out[~idle].reset_index(drop=True)
    return Delta(frame=out, only_earlier=only_earlier, idle=int(idle.sum()), hidden_merged=hidden, keys=keys)


def _raise_reset(
    later: pd.DataFrame,
    prev: pd.DataFrame,
    keys: tuple[str, ...],
    column: str,
    index: int,
    earlier_file: str,
    later_file: str,
) -> None:
    row = later.iloc[index]
    ident = ", ".join(f"{k} {row[k]}" for k in keys if k != "query")
    if "query" in keys:
        ident = (ident + ", " if ident else "") + f"query {str(row['query'])[:40]!r}"
    before = prev[column].iloc[index]
    erow = int(prev["source_row"].iloc[index])
    what = (
        f"stats_since moved from {before} to {row[column]}"
        if column == "stats_since"
        else f"counter {column!r} went down from {before:g} to {row[column]:g}"
    )
    raise IngestError(
        f"{what} for the entry ({ident}) between {earlier_file} (row {erow}) and this snapshot: "
        "pg_stat_statements was reset (or the entry evicted and re-created) between the snapshots",
        file=later_file,
        row=int(row["source_row"]),
        column=column,
        hint="take two snapshots with no reset in between, or read the later export alone with --window",
    )


def activity_series(
    frames: Sequence[tuple[pd.DataFrame, frozenset[str], str, datetime]], source: str
) -> ActivitySeries:
    """Per-interval sums over top-level entries of the counter deltas between consecutive snapshots."""
    records: list[dict[str, float]] = []
    starts: list[datetime] = []
    for (earlier, pe, efile, etime), (later, pl, lfile, ltime) in itertools.pairwise(frames):
        delta = snapshot_delta(earlier, later, pe, pl, efile, lfile).frame
        top = delta[delta["toplevel"].fillna(True).to_numpy(dtype=bool)] if "toplevel" in delta else delta
        record = {"seconds": (ltime - etime).total_seconds()}
        for column in SERIES_COLUMNS:
            if column not in pl:
                record[column] = float("nan")  # the export lacks the counter: unknown
            elif top.empty:
                record[column] = (
                    0.0  # no statement ran in the interval: idle, which scale-to-zero needs to see
                )
            else:
                record[column] = float(top[column].sum(min_count=1))
        records.append(record)
        starts.append(etime)
    index = pd.DatetimeIndex(pd.to_datetime(starts, utc=True), name="start")
    intervals = pd.DataFrame(records, index=index, columns=["seconds", *SERIES_COLUMNS])
    return ActivitySeries(intervals=intervals, source=source)
