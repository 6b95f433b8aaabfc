"""Several pg_stat_statements snapshots appended into one export file.

One snapshot of the view cannot hold an entry key ``(userid, dbid, toplevel, queryid)`` twice, so
a file that does holds several snapshots one after the other (a cron job appending ``SELECT now(),
* FROM pg_stat_statements`` to the same CSV is the usual origin). Summing such rows multiplies
every counter by the number of snapshots; the counters are cumulative, so the right reading is the
delta between the first and the last snapshot, over the time between them.

With a snapshot-time column the file is split on its distinct values and read as a snapshot series
(:func:`costmodel.ingest.delta.snapshot_delta` for the counters, ``activity_series`` for the
intervals). Without one the snapshots cannot be told apart: that is an error naming the first
duplicated key and the fix. Snapshots of different servers in one file are an error too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from costmodel.core.errors import IngestError
from costmodel.core.workload import ActivitySeries, Window
from costmodel.ingest.delta import activity_series, delta_keys, snapshot_delta
from costmodel.ingest.window import iso

SNAPSHOT_TIME_COLUMNS: tuple[str, ...] = (
    "snapshot_time",
    "snapshot_ts",
    "snapshot_at",
    "snap_time",
    "snap_ts",
    "taken_at",
    "captured_at",
    "collected_at",
    "sampled_at",
    "sample_time",
    "ts",
    "timestamp",
    "now",
)
"""Extra columns read as the time each row's snapshot was taken (first present wins)."""

SERVER_COLUMNS: tuple[str, ...] = (
    "system_identifier",
    "server_id",
    "server",
    "host",
    "hostname",
    "instance",
    "cluster",
    "inet_server_addr",
)
"""Extra columns that name the server a row was taken from."""

ENTRY_KEY: tuple[str, ...] = ("userid", "dbid", "toplevel", "queryid")

APPENDED_HINT = (
    "this file holds several snapshots appended one after another; add the snapshot time as a column "
    "(SELECT now() AS snapshot_time, s.* FROM pg_stat_statements s), or split it into one file per "
    "snapshot and read two of them with --since EARLIER LATER, or collect a bundle with dsqlcost collect"
)


@dataclass(frozen=True)
class Appended:
    """An appended-snapshot file read as the delta between its first and last snapshot."""

    frame: pd.DataFrame
    window: Window
    snapshots: int
    only_earlier: int
    idle: int
    series: ActivitySeries | None
    time_column: str
    baseline_rows: int
    """Rows of the snapshots before the last (read as baselines, not as statements)."""


def _key_text(frame: pd.DataFrame, keys: list[str]) -> pd.Series:
    parts = [frame[k].astype("string").fillna("NULL").astype(object) for k in keys]
    out = parts[0]
    for part in parts[1:]:
        out = out + "\x1f" + part
    return out


def first_duplicate(frame: pd.DataFrame, present: frozenset[str]) -> tuple[int, int, str] | None:
    """``(first row, repeating row, key)`` of the first duplicated entry key, or None.

    Only rows with a queryid are checked: rows without one are other users' hidden statements,
    which pg_stat_statements legitimately shows several times.
    """
    if "queryid" not in present or frame.empty:
        return None
    keys = [k for k in ENTRY_KEY if k in present]
    rows = frame[frame["queryid"].notna().to_numpy()]
    if all(str(rows[k].dtype) in ("Int64", "boolean") for k in keys) and not rows.duplicated(keys).any():
        # typed ids and flags are equal exactly when their texts are (NULL included): no key
        # text per row is needed to know there is no repeat (the usual answer)
        return None
    key = _key_text(rows, keys)
    dup = key.duplicated(keep="first").to_numpy()
    if not dup.any():
        return None
    repeat = int(dup.argmax())
    text = key.iloc[repeat]
    first = int(key.to_numpy().tolist().index(text))
    shown = ", ".join(f"{k} {v}" for k, v in zip(keys, text.split("\x1f")))
    return int(rows["source_row"].iloc[first]), int(rows["source_row"].iloc[repeat]), shown


def _column(frame: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    return next((n for n in names if n in frame.columns), None)


def _check_one_server(frame: pd.DataFrame, file: str) -> None:
    column = _column(frame, SERVER_COLUMNS)
    if column is None:
        return
    values = frame[column].dropna().astype(str).str.strip()
    distinct = list(dict.fromkeys(v for v in values if v))
    if len(distinct) > 1:
        row = int(frame["source_row"].iloc[int((values != distinct[0]).to_numpy().argmax())])
        raise IngestError(
            f"the appended snapshots come from different servers ({column} {distinct[0]!r} and "
            f"{distinct[1]!r}): their counters cannot be subtracted",
            file=file,
            row=row,
            column=column,
            hint="split the file per server and read each as its own export (several exports are a fleet)",
        )


def _times(frame: pd.DataFrame, column: str, file: str) -> pd.Series:
    raw = frame[column]
    parsed = pd.to_datetime(raw.astype("string"), utc=True, errors="coerce", format="mixed")
    bad = parsed.isna().to_numpy()
    if bad.any():
        index = int(bad.argmax())
        raise IngestError(
            f"snapshot time {raw.iloc[index]!r} is not a timestamp",
            file=file,
            row=int(frame["source_row"].iloc[index]),
            column=column,
            hint="write the snapshot time as ISO 8601 (now() in psql prints it so)",
        )
    return parsed


def read_appended(
    frame: pd.DataFrame, present: frozenset[str], file: str, duplicate: tuple[int, int, str]
) -> Appended:
    """The delta between the first and last snapshot of an appended file (errors as documented)."""
    _check_one_server(frame, file)
    column = _column(frame, SNAPSHOT_TIME_COLUMNS)
    first_row, repeat_row, key = duplicate
    if column is None:
        raise IngestError(
            f"rows {first_row} and {repeat_row} have the same entry key ({key}) and the file has no "
            "snapshot-time column: appended snapshots cannot be told apart (summing them would count "
            "every call once per snapshot)",
            file=file,
            row=repeat_row,
            hint=APPENDED_HINT,
        )
    times = _times(frame, column, file)
    moments = sorted(set(times))
    snaps: list[tuple[pd.DataFrame, frozenset[str], str, datetime]] = []
    for moment in moments:
        part = frame[(times == moment).to_numpy()].reset_index(drop=True)
        label = f"{file} @ {iso(moment.to_pydatetime())}"
        if first_duplicate(part, present) is not None:
            again = first_duplicate(part, present)
            assert again is not None
            raise IngestError(
                f"rows {again[0]} and {again[1]} have the same entry key ({again[2]}) and the same "
                f"{column} {iso(moment.to_pydatetime())}: one snapshot cannot hold an entry twice",
                file=file,
                row=again[1],
                column=column,
                hint="give each appended snapshot its own time (now() of the exporting statement)",
            )
        snaps.append((part, present, label, moment.to_pydatetime()))
    if len(snaps) < 2:  # pragma: no cover - duplicates imply two times once each time is unique
        raise IngestError("appended snapshots need two snapshot times", file=file, hint=APPENDED_HINT)
    delta_keys(present, present, file)
    (first, _, first_label, start), (last, _, last_label, end) = snaps[0], snaps[-1]
    delta = snapshot_delta(first, last, present, present, first_label, last_label)
    seconds = (end - start).total_seconds()
    detail = (
        f"{len(snaps)} snapshots appended in {file} ({column}): deltas between the first at "
        f"{iso(start)} and the last at {iso(end)}"
    )
    series = activity_series(snaps, f"{file}: {len(snaps)} appended snapshots") if len(snaps) >= 3 else None
    return Appended(
        frame=delta.frame,
        window=Window(seconds, "snapshots", detail, start, end),
        snapshots=len(snaps),
        only_earlier=delta.only_earlier,
        idle=delta.idle,
        series=series,
        time_column=column,
        baseline_rows=len(frame) - len(last),
    )
