"""The observation window: how many seconds the counters cover, and exactly how we know.

Precedence (first that applies wins): an explicit ``--window`` → two snapshots (``--since`` or a
bundle) → a metadata YAML beside the export → the ``stats_since`` column (PostgreSQL 17+, ending
at the export time) → ``stats_reset`` (from metadata or ``pg_stat_statements_info``). Every
:class:`~costmodel.core.workload.Window` says in its ``detail`` where its number came from, because a
wrong window scales every monthly figure by the same error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from costmodel.core.assumptions import defaults
from costmodel.core.errors import CostModelError, IngestError
from costmodel.core.timebase import MAX_DURATION_SECONDS, MIN_WINDOW_SECONDS, format_duration, parse_duration
from costmodel.core.workload import Window
from costmodel.ingest.meta import ExportMeta

NO_WINDOW_HINT = (
    "give the window one of four ways: (1) --window 2h (how long the counters ran since the last "
    "reset); (2) two snapshots: --since EARLIER.csv LATER.csv, or a `dsqlcost collect` bundle; "
    "(3) a metadata file beside the export, e.g. pgss.csv.meta.yaml with `window: 2h` (or "
    "window_start and window_end); (4) an export from PostgreSQL 17+ with the stats_since column, "
    "or stats_reset (pg_stat_statements_info) and taken_at in that metadata file"
)


def iso(moment: datetime) -> str:
    """``2026-11-27T10:00:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def explicit_window(window: str | float | None) -> Window | None:
    """``window=`` as given (a duration string, or seconds)."""
    if window is None:
        return None
    if isinstance(window, str):
        try:
            seconds = parse_duration(window, what="--window", minimum=MIN_WINDOW_SECONDS)
        except CostModelError as exc:
            raise IngestError(exc.message, column="--window", hint=exc.hint) from None
        return Window(seconds, "argument", f"given as --window {window.strip()}")
    if (
        isinstance(window, bool)
        or not isinstance(window, (int, float))
        or not MIN_WINDOW_SECONDS <= window <= MAX_DURATION_SECONDS
    ):
        raise IngestError(
            f"window {window!r} must be a number of seconds from {MIN_WINDOW_SECONDS:g} to 100 years",
            column="--window",
        )
    return Window(float(window), "argument", f"given as window={window:g} seconds")


@dataclass(frozen=True)
class ExportClock:
    """When an export was taken, and how we know."""

    moment: datetime
    how: str


def export_clock(path: Path, file: str, meta: ExportMeta | None, meta_file: str | None) -> ExportClock:
    """``taken_at`` from the metadata, else the file's modification time (said so in the detail)."""
    if meta is not None and meta.taken_at is not None:
        return ExportClock(meta.taken_at, f"taken_at in {meta_file}")
    try:
        mtime = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    except OSError as exc:  # pragma: no cover - the file was just read
        raise IngestError(f"cannot stat: {exc}", file=file) from None
    return ExportClock(mtime, f"modification time of {file}; no taken_at metadata")


def _positive(seconds: float, file: str, what: str) -> float:
    if not seconds > 0:
        raise IngestError(
            f"{what} gives a window of {seconds:g} s, which is not positive",
            file=file,
            hint="give taken_at in the metadata file, or --window",
        )
    return seconds


def window_from_export(
    path: Path,
    file: str,
    meta: ExportMeta | None,
    meta_file: str | None,
    stats_since: pd.Series | None,
    stats_reset: datetime | None = None,
    stats_reset_from: str | None = None,
) -> Window | None:
    """The window of one cumulative export: metadata → stats_since → stats_reset → None."""
    if meta is not None and meta.window_seconds is not None:
        if meta.window_start is not None and meta.window_end is not None:
            detail = (
                f"window_start {iso(meta.window_start)} to window_end {iso(meta.window_end)} in {meta_file}"
            )
        elif meta.window_text is not None:
            detail = f"window: {meta.window_text} in {meta_file}"
        else:
            detail = f"window_seconds: {meta.window_seconds:g} in {meta_file}"
        return Window(meta.window_seconds, "metadata", detail, meta.window_start, meta.window_end)
    if stats_since is not None and stats_since.notna().any():
        earliest = stats_since.min().to_pydatetime()
        clock = export_clock(path, file, meta, meta_file)
        seconds = _positive((clock.moment - earliest).total_seconds(), file, "stats_since")
        detail = (
            f"export time {iso(clock.moment)} ({clock.how}) minus the earliest stats_since "
            f"{iso(earliest)} ({format_duration(seconds)}); entries created later ran for less"
        )
        return Window(seconds, "stats_since", detail, earliest, clock.moment)
    reset, reset_from = stats_reset, stats_reset_from
    if reset is None and meta is not None and meta.stats_reset is not None:
        reset, reset_from = meta.stats_reset, f"stats_reset in {meta_file}"
    if reset is not None:
        clock = export_clock(path, file, meta, meta_file)
        seconds = _positive((clock.moment - reset).total_seconds(), file, "stats_reset")
        detail = f"export time {iso(clock.moment)} ({clock.how}) minus {reset_from} {iso(reset)}"
        return Window(seconds, "stats_reset", detail, reset, clock.moment)
    return None


def snapshots_window(earlier: ExportClock, later: ExportClock, earlier_file: str, later_file: str) -> Window:
    """Two snapshots: the time between them."""
    seconds = (later.moment - earlier.moment).total_seconds()
    if not seconds > 0:
        raise IngestError(
            f"cannot tell how far apart the snapshots are: {later_file} is not later than {earlier_file} "
            f"({iso(earlier.moment)} from {earlier.how}; {iso(later.moment)} from {later.how})",
            file=later_file,
            hint="give --window, or taken_at in each export's .meta.yaml",
        )
    detail = (
        f"deltas between {earlier_file} at {iso(earlier.moment)} ({earlier.how}) and "
        f"{later_file} at {iso(later.moment)} ({later.how})"
    )
    return Window(seconds, "snapshots", detail, earlier.moment, later.moment)


def agree(windows: list[tuple[str, Window]]) -> Window:
    """One window for several plain exports: they must cover the same time."""
    first_file, first = windows[0]
    tolerance = float(defaults()["ingest_window_mismatch_fraction"].default)
    for file, other in windows[1:]:
        if abs(other.seconds - first.seconds) > tolerance * max(first.seconds, other.seconds):
            raise IngestError(
                f"the exports cover different windows: {first_file} {format_duration(first.seconds)} "
                f"({first.source}), {file} {format_duration(other.seconds)} ({other.source})",
                file=file,
                hint="read them one at a time, or give --window to state the common window",
            )
    if len(windows) == 1:
        return first
    detail = "; ".join(f"{file}: {w.detail}" for file, w in windows)
    return Window(first.seconds, first.source, detail, first.start, first.end)
