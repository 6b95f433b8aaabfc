"""Read any pg_stat_statements export (or two snapshots, or a ``dsqlcost collect`` bundle) into a Workload.

:func:`load_workload` is the one entry point. The stages live in small modules:
:mod:`~costmodel.ingest.read` (bytes → rows, format from content), :mod:`~costmodel.ingest.columns`
(column generations PG 12–18, strict typing), :mod:`~costmodel.ingest.meta` (metadata YAML,
bundle.yaml, catalog.yaml), :mod:`~costmodel.ingest.window` (which window, and how we know),
:mod:`~costmodel.ingest.delta` (snapshot deltas, activity series, merging). This module wires them
and applies the statement-table policies that need the whole picture: nested statements, filters,
``--group-by query``, statement ids, missing signals and notes for the reader.

Nothing is dropped silently: every row read is either in ``Workload.statements`` or counted in
``Workload.excluded`` under its reason.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from costmodel.core.errors import CostModelError, IngestError
from costmodel.core.workload import (
    COUNTER_COLUMNS,
    IDENTITY_COLUMNS,
    IO_TIMING_COLUMNS,
    SIGNALS,
    TIMESTAMP_COLUMNS,
    ActivitySeries,
    CatalogFacts,
    Window,
    Workload,
)
from costmodel.ingest.appended import first_duplicate, read_appended
from costmodel.ingest.columns import VOCABULARY, Normalised, normalise
from costmodel.ingest.delta import activity_series, merge_rows, snapshot_delta
from costmodel.ingest.guards import plausibility_notes, refuse_repeated
from costmodel.ingest.meta import (
    Bundle,
    ExportMeta,
    find_meta,
    is_bundle,
    read_bundle,
    read_catalog,
    read_meta,
)
from costmodel.ingest.monitoring import set_apart_monitoring
from costmodel.ingest.pieces import read_in_pieces
from costmodel.ingest.read import ProgressFn, read_source
from costmodel.ingest.window import (
    NO_WINDOW_HINT,
    ExportClock,
    agree,
    explicit_window,
    export_clock,
    iso,
    snapshots_window,
    window_from_export,
)

__all__ = ["GROUP_BY_CHOICES", "load_workload"]

GROUP_BY_CHOICES: tuple[str, ...] = ("query",)
INSUFFICIENT_PRIVILEGE = "<insufficient privilege>"
PLANNING_COLUMNS = (
    "plans",
    "total_plan_time",
    "min_plan_time",
    "max_plan_time",
    "mean_plan_time",
    "stddev_plan_time",
)
EXCLUDED_NESTED = "nested (toplevel = false)"
EXCLUDED_ONLY_EARLIER = "only in the earlier snapshot"
EXCLUDED_IDLE = "no calls between the snapshots"
EXCLUDED_BASELINE = "earlier appended snapshots (the baseline of the deltas)"
EXCLUDED_DATABASE = "--database filter"
EXCLUDED_USER = "--user filter"


@dataclass
class _Gathered:
    """What the source-specific readers hand to the common policies."""

    frame: pd.DataFrame
    present: frozenset[str]
    generation: str
    version: str | None
    rows_read: int
    sources: list[str]
    window: Window | None
    files: list[dict[str, Any]]
    excluded: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)
    catalog: CatalogFacts | None = None
    series: ActivitySeries | None = None


def load_workload(
    paths: Sequence[str | Path] | str | Path,
    *,
    since: str | Path | None = None,
    window: str | float | None = None,
    databases: Sequence[str] = (),
    users: Sequence[str] = (),
    include_nested: bool = False,
    group_by: str | None = None,
    progress: ProgressFn | None = None,
    strict_filters: bool = True,
    include_monitoring: bool = False,
    jobs: int = 1,
) -> Workload:
    """Read exports (usually one file or one bundle directory) into a :class:`Workload`.

    ``since`` is an earlier export of the same server: counters become deltas and the window the
    time between the two. ``window`` (``"2h"``, or seconds) overrides every other window source.
    ``databases``/``users`` keep only those (by ``datname``/``rolname`` where exported, else by
    oid); a value that matches no row is an error unless ``strict_filters`` is false (a fleet
    filters every cluster by the same values, and checks them over the fleet). ``include_nested`` keeps ``toplevel = false`` rows (they double count their callers).
    ``group_by="query"`` merges the same text across users and databases. Monitoring and exporter
    statements (:mod:`costmodel.ingest.monitoring`) are set apart unless ``include_monitoring``. ``progress(label, done,
    total)`` is called while large inputs are read. ``jobs`` > 1 reads a large plain CSV export in
    pieces over that many forked processes (:mod:`costmodel.ingest.pieces`; the same frame as one
    process gives). Bad input raises :class:`IngestError`.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    given = [Path(p) for p in paths]
    try:
        workload = _load(
            given, since, window, databases, users, include_nested, group_by, progress, strict_filters, jobs
        )
        return workload if include_monitoring else set_apart_monitoring(workload)
    except CostModelError as exc:
        if not isinstance(exc, IngestError):
            raise IngestError(
                exc.message, file=exc.file, row=exc.row, column=exc.column, hint=exc.hint
            ) from exc
        raise
    except Exception as exc:  # the safety net: a user must never see a traceback for a bad file
        raise IngestError(
            f"cannot read this input (unexpected {type(exc).__name__}: {str(exc)[:200]})",
            file=", ".join(str(p) for p in given),
            hint="check that it is an unmodified export; if it is, please report this error with the file",
        ) from exc


def _load(
    given: list[Path],
    since: str | Path | None,
    window: str | float | None,
    databases: Sequence[str],
    users: Sequence[str],
    include_nested: bool,
    group_by: str | None,
    progress: ProgressFn | None,
    strict_filters: bool = True,
    jobs: int = 1,
) -> Workload:
    if not given:
        raise IngestError("no export given", hint="name an export file or a bundle directory")
    if group_by is not None and group_by not in GROUP_BY_CHOICES:
        raise IngestError(
            f"cannot group by {group_by!r}",
            column="--group-by",
            hint=f"choose one of: {', '.join(GROUP_BY_CHOICES)}",
        )
    explicit = explicit_window(window)
    directories = [p for p in given if p.is_dir()]
    if directories:
        if len(given) != 1 or since is not None:
            raise IngestError(
                "a bundle directory must be given alone (it already holds its snapshots)",
                file=str(directories[0]),
                hint="read one bundle at a time, without --since",
            )
        if not is_bundle(directories[0]):
            raise IngestError(
                "is a directory but not a bundle (no bundle.yaml inside)",
                file=str(directories[0]),
                hint="give an export file, or a directory written by `dsqlcost collect`",
            )
        gathered = _gather_bundle(directories[0], explicit is not None, progress, jobs)
    elif since is not None:
        if len(given) != 1:
            raise IngestError(
                "--since compares one earlier export with one later export",
                hint="give exactly one export after --since EARLIER",
            )
        if Path(since).is_dir():
            raise IngestError(
                "--since takes an earlier export file; a bundle directory already holds its own snapshots",
                file=str(since),
                hint="read the bundle alone: dsqlcost ingest BUNDLE_DIR",
            )
        refuse_repeated([Path(since), given[0]], what="snapshot", content=False)
        gathered = _gather_snapshots(Path(since), given[0], explicit is not None, progress, jobs)
    else:
        repeated = refuse_repeated(given)
        gathered = _gather_exports(given, explicit is not None, progress, jobs)
        gathered.notes.extend(repeated)
    resolved = explicit or gathered.window
    if resolved is None:
        raise IngestError("no observation window", file=", ".join(gathered.sources), hint=NO_WINDOW_HINT)
    if explicit is not None and gathered.window is not None:
        gathered.notes.append(
            f"--window overrides the window from {gathered.window.source}: {gathered.window.detail}"
        )
    return _finish(gathered, resolved, databases, users, include_nested, group_by, strict_filters)


# --------------------------------------------------------------------------- gathering


def _resolve(find: Callable[[], Window | None], explicit: bool) -> Window | None:
    """The window the data gives; with an explicit window its problems do not matter (only noted)."""
    if not explicit:
        return find()
    try:
        return find()
    except IngestError:
        return None


def _read(
    path: Path, file: str, progress: ProgressFn | None, *, allow_empty: bool = False, jobs: int = 1
) -> Normalised:
    if progress is not None:
        progress(f"reading {file}", 0, 1)
    norm = read_in_pieces(path, file, VOCABULARY, jobs, progress)  # texts already shared
    if norm is None:
        norm = normalise(read_source(path, file, VOCABULARY, progress, allow_empty=allow_empty))
        norm.raw.values = []  # typed into norm.frame: the parsed columns need not outlive it (a second table)
        share_equal_texts(norm.frame)
    if progress is not None:
        progress(f"reading {file}", 1, 1)
    return norm


def share_equal_texts(frame: pd.DataFrame, column: str = "query") -> None:
    """Make rows with equal texts hold one string object (in place).

    A parser makes a new string per row: one export of a million rows under many users and
    databases holds each of its ~50,000 distinct texts twenty times over, some 200 MB of copies
    that every later stage keeps alive. Values and dtype are unchanged.
    """
    if column not in frame.columns or frame[column].dtype != object:
        return
    values = frame[column].to_numpy(dtype=object)
    seen: dict[str, str] = {}
    shared = np.fromiter(
        (seen.setdefault(v, v) if type(v) is str else v for v in values), dtype=object, count=len(values)
    )
    if len(seen) < len(values):
        frame[column] = pd.Series(shared, index=frame.index, dtype=object)


def _file_entry(norm: Normalised, role: str) -> dict[str, Any]:
    return {"file": norm.raw.file, "format": norm.raw.format, "rows": norm.raw.nrows, "role": role}


def _meta_for(path: Path) -> tuple[ExportMeta | None, str | None]:
    meta_path = find_meta(path)
    if meta_path is None:
        return None, None
    meta_file = str(meta_path)
    return read_meta(meta_path, meta_file), meta_file


def _meta_info(meta: ExportMeta | None) -> dict[str, Any]:
    if meta is None:
        return {}
    info: dict[str, Any] = {"metadata_file": meta.file}
    for key in ("server_version", "extversion", "taken_at", "stats_reset", "dealloc", "database_size_bytes"):
        value = getattr(meta, key)
        if value is not None:
            info[key] = value
    return info


def _generation(norms: Sequence[Normalised]) -> tuple[str, str | None]:
    labels = {n.generation.label for n in norms}
    if len(labels) == 1:
        return norms[0].generation.label, norms[0].generation.version
    return "; ".join(f"{n.raw.file}: {n.generation.label}" for n in norms), None


def _gather_exports(
    paths: list[Path], explicit: bool, progress: ProgressFn | None, jobs: int = 1
) -> _Gathered:
    norms = [_read(path, str(path), progress, jobs=jobs) for path in paths]
    for norm in norms:
        duplicate = first_duplicate(norm.frame, norm.present)
        if duplicate is None:
            continue
        if len(norms) > 1:
            raise IngestError(
                f"rows {duplicate[0]} and {duplicate[1]} have the same entry key ({duplicate[2]}): "
                "this file holds appended snapshots",
                file=norm.raw.file,
                row=duplicate[1],
                hint="read a file of appended snapshots alone (it is a snapshot series of its own)",
            )
        return _gather_appended(norm, duplicate)
    metas = [_meta_for(path) for path in paths]
    frame = norms[0].frame if len(norms) == 1 else pd.concat([n.frame for n in norms], ignore_index=True)
    generation, version = _generation(norms)

    def resolve() -> Window:
        windows: list[tuple[str, Window]] = []
        for path, norm, (meta, meta_file) in zip(paths, norms, metas):
            found = window_from_export(path, norm.raw.file, meta, meta_file, norm.frame["stats_since"])
            if found is None:
                raise IngestError("no observation window", file=norm.raw.file, hint=NO_WINDOW_HINT)
            windows.append((norm.raw.file, found))
        return agree(windows)

    info: dict[str, Any] = {}
    if len(metas) == 1:
        info.update(_meta_info(metas[0][0]))
    else:
        info["metadata"] = {str(p): _meta_info(m) for p, (m, _) in zip(paths, metas) if m is not None}
        dealloc = [m.dealloc for m, _ in metas if m is not None and m.dealloc is not None]
        if dealloc:
            info["dealloc"] = sum(dealloc)
    notes = [note for n in norms for note in n.notes]
    return _Gathered(
        frame=frame,
        present=frozenset().union(*(n.present for n in norms)),
        generation=generation,
        version=version,
        rows_read=sum(n.raw.nrows for n in norms),
        sources=[n.raw.file for n in norms],
        window=_resolve(resolve, explicit),
        files=[_file_entry(n, "export") for n in norms],
        notes=notes,
        info=info,
    )


def _gather_appended(norm: Normalised, duplicate: tuple[int, int, str]) -> _Gathered:
    """One file of appended snapshots: the delta between its first and last snapshot, never a sum."""
    appended = read_appended(norm.frame, norm.present, norm.raw.file, duplicate)
    notes = [
        *norm.notes,
        f"{norm.raw.file} holds {appended.snapshots} appended snapshots (the same entry key repeats; "
        f"snapshot time from column {appended.time_column}): read as deltas between the first and the "
        "last, not summed",
        *_delta_notes(0, norm, norm),
    ]
    return _Gathered(
        frame=appended.frame.drop(columns=[appended.time_column]),
        present=norm.present,
        generation=norm.generation.label,
        version=norm.generation.version,
        rows_read=norm.raw.nrows,
        sources=[norm.raw.file],
        window=appended.window,
        files=[_file_entry(norm, f"{appended.snapshots} appended snapshots")],
        excluded={
            EXCLUDED_BASELINE: appended.baseline_rows,
            EXCLUDED_IDLE: appended.idle,
        },
        notes=notes,
        info={"appended_snapshots": appended.snapshots},
        series=appended.series,
    )


def _gather_snapshots(
    earlier_path: Path, later_path: Path, explicit: bool, progress: ProgressFn | None, jobs: int = 1
) -> _Gathered:
    earlier = _read(earlier_path, str(earlier_path), progress, jobs=jobs)
    later = _read(later_path, str(later_path), progress, jobs=jobs)
    delta = snapshot_delta(
        earlier.frame, later.frame, earlier.present, later.present, earlier.raw.file, later.raw.file
    )
    emeta, emeta_file = _meta_for(earlier_path)
    lmeta, lmeta_file = _meta_for(later_path)
    found = _resolve(
        lambda: snapshots_window(
            _clock(earlier_path, earlier, emeta, emeta_file),
            _clock(later_path, later, lmeta, lmeta_file),
            earlier.raw.file,
            later.raw.file,
        ),
        explicit,
    )
    notes = [*earlier.notes, *later.notes]
    notes.extend(_delta_notes(delta.hidden_merged, earlier, later))
    info = _meta_info(lmeta)
    return _Gathered(
        frame=delta.frame,
        present=later.present,
        generation=later.generation.label,
        version=later.generation.version,
        rows_read=later.raw.nrows,
        sources=[earlier.raw.file, later.raw.file],
        window=found,
        files=[_file_entry(earlier, "earlier snapshot (--since)"), _file_entry(later, "later snapshot")],
        excluded={EXCLUDED_ONLY_EARLIER: delta.only_earlier, EXCLUDED_IDLE: delta.idle},
        notes=notes,
        info=info,
    )


def _clock(path: Path, norm: Normalised, meta: ExportMeta | None, meta_file: str | None) -> ExportClock:
    """When a snapshot was taken: metadata first, then the time the file itself states (a
    postgres-checkup snapshot's ``snapshot_timestamptz``), then the file's modification time."""
    if (meta is None or meta.taken_at is None) and norm.raw.taken_at is not None:
        return ExportClock(norm.raw.taken_at, f"snapshot_timestamptz in {norm.raw.file}")
    return export_clock(path, norm.raw.file, meta, meta_file)


def _delta_notes(hidden: int, earlier: Normalised, later: Normalised) -> list[str]:
    notes = [
        "counters are deltas between snapshots; min/max/stddev times are the later snapshot's "
        "cumulative values, means are recomputed from the deltas"
    ]
    if hidden:
        notes.append(
            f"{hidden} rows without queryid (other users' statements) were merged per user, database "
            "and toplevel to compute their deltas"
        )
    only_later = sorted(later.present - earlier.present)
    if only_later:
        notes.append(
            f"columns only in the later snapshot have no delta and are unknown: {', '.join(only_later)}"
        )
    if earlier.generation.label != later.generation.label:
        notes.append(
            f"the snapshots have different column sets ({earlier.generation.label} → {later.generation.label})"
        )
    return notes


def _gather_bundle(root: Path, explicit: bool, progress: ProgressFn | None, jobs: int = 1) -> _Gathered:
    bundle = read_bundle(root, str(root))
    # A snapshot taken when nothing had run since the reset has a header and no rows: all zeros.
    norms = [_read(s.path, s.file, progress, allow_empty=True, jobs=jobs) for s in bundle.snapshots]
    first, last = norms[0], norms[-1]
    notes = [note for n in norms for note in n.notes]
    info = dict(bundle.info)
    excluded: dict[str, int] = {}
    series = None
    found: Window | None = None
    if len(norms) >= 2:
        delta = snapshot_delta(
            first.frame, last.frame, first.present, last.present, first.raw.file, last.raw.file
        )
        frame = delta.frame
        excluded = {EXCLUDED_ONLY_EARLIER: delta.only_earlier, EXCLUDED_IDLE: delta.idle}
        notes.extend(_delta_notes(delta.hidden_merged, first, last))
        found = _resolve(lambda: _bundle_window(bundle), explicit)
        if len(norms) >= 3:
            series = _bundle_series(bundle, norms)
    else:
        frame = first.frame
        snap = bundle.snapshots[0]
        taken = snap.taken_at or bundle.created_at
        meta = ExportMeta(file=bundle.file, taken_at=taken) if taken is not None else None
        found = _resolve(
            lambda: window_from_export(
                snap.path,
                first.raw.file,
                meta,
                bundle.file,
                first.frame["stats_since"],
                info.get("stats_reset"),
                f"pgss_info.stats_reset in {bundle.file}",
            ),
            explicit,
        )
        notes.append("the bundle has one snapshot: its counters are cumulative since the last reset")
    first_x, last_x = bundle.snapshots[0].xacts, bundle.snapshots[-1].xacts
    if len(norms) >= 2 and first_x is not None and last_x is not None and last_x >= first_x:
        info["xacts_window"] = last_x - first_x  # pg_stat_database commits + rollbacks between snapshots
    if bundle.interrupted:
        notes.append("the snapshot series was stopped early (interrupted: true in bundle.yaml)")
    notes.extend(f"collect: {note}" for note in bundle.notes)
    first_dealloc, last_dealloc = bundle.snapshots[0].dealloc, bundle.snapshots[-1].dealloc
    if (
        len(norms) >= 2
        and first_dealloc is not None
        and last_dealloc is not None
        and last_dealloc > first_dealloc
    ):
        notes.append(
            f"{last_dealloc - first_dealloc} entries were evicted between the first and last snapshot: "
            "statements evicted and re-created in between are under-counted; raise pg_stat_statements.max"
        )
    if bundle.catalog is not None:
        catalog_file = f"{str(root).rstrip('/')}/{bundle.catalog.relative_to(root)}"
        catalog = read_catalog(bundle.catalog, catalog_file)
    else:
        catalog = None
    frame = _apply_settings(frame, bundle, notes)
    return _Gathered(
        frame=frame,
        present=last.present,
        generation=last.generation.label,
        version=last.generation.version,
        rows_read=last.raw.nrows,
        sources=[bundle.file, *(n.raw.file for n in norms)],
        window=found,
        files=[_file_entry(n, f"snapshot {i}") for i, n in enumerate(norms)],
        excluded=excluded,
        notes=notes,
        info=info,
        catalog=catalog,
        series=series,
    )


def _bundle_window(bundle: Bundle) -> Window:
    first, last = bundle.snapshots[0], bundle.snapshots[-1]
    start = first.taken_at or bundle.window_start
    end = last.taken_at or bundle.window_end
    span = f"{first.file} ({iso(start) if start else 'time unknown'}) → {last.file} ({iso(end) if end else 'time unknown'})"
    if bundle.window_seconds:
        return Window(
            bundle.window_seconds,
            "snapshots",
            f"window.seconds in {bundle.file}; deltas between snapshots {span}",
            start,
            end,
        )
    if start is not None and end is not None and (end - start).total_seconds() > 0:
        return Window(
            (end - start).total_seconds(),
            "snapshots",
            f"taken_at of the first and last snapshot in {bundle.file}: {span}",
            start,
            end,
        )
    raise IngestError(
        "the bundle gives no window: window.seconds is missing and the snapshots have no taken_at",
        file=bundle.file,
        column="window",
        hint="give --window, or collect the bundle again",
    )


def _bundle_series(bundle: Bundle, norms: list[Normalised]) -> ActivitySeries:
    frames = []
    for snap, norm in zip(bundle.snapshots, norms):
        if snap.taken_at is None:
            raise IngestError(
                f"snapshot {snap.file} has no taken_at: the activity series needs the time of every snapshot",
                file=bundle.file,
                column="snapshots",
            )
        frames.append((norm.frame, norm.present, norm.raw.file, snap.taken_at))
    return activity_series(frames, f"{bundle.file}: {len(frames)} snapshots")


def _apply_settings(frame: pd.DataFrame, bundle: Bundle, notes: list[str]) -> pd.DataFrame:
    """Zeros that the server settings say were never measured become unknown (NaN)."""
    settings = bundle.settings
    if settings.get("track_io_timing", "").lower() == "off":
        frame = frame.assign(**{c: np.nan for c in IO_TIMING_COLUMNS})
        notes.append("track_io_timing is off: I/O timing columns are unknown (pg_stat_statements reports 0)")
    if settings.get("pg_stat_statements.track_planning", "").lower() == "off":
        frame = frame.assign(**{c: np.nan for c in PLANNING_COLUMNS})
        notes.append("pg_stat_statements.track_planning is off: planning counts and times are unknown")
    return frame


# --------------------------------------------------------------------------- policies


def _finish(
    gathered: _Gathered,
    window: Window,
    databases: Sequence[str],
    users: Sequence[str],
    include_nested: bool,
    group_by: str | None,
    strict_filters: bool = True,
) -> Workload:
    frame = gathered.frame.reset_index(drop=True)
    notes = list(gathered.notes)
    excluded = {k: v for k, v in gathered.excluded.items() if v}
    unclassifiable = _unclassifiable(frame["query"])
    frame["unclassifiable"] = unclassifiable
    if "merged_rows" not in frame:
        frame["merged_rows"] = np.ones(len(frame), dtype=np.int64)
    frame["stmt_id"] = _statement_ids(frame)
    missing = _missing_signals(frame, gathered.present)

    db_mask = _filter_mask(frame, databases, "datname", "dbid", "database", strict_filters)
    user_mask = _filter_mask(frame, users, "rolname", "userid", "user", strict_filters)
    nested = (frame["toplevel"] == False).fillna(False).to_numpy(dtype=bool)  # noqa: E712 - nullable boolean
    keep = np.ones(len(frame), dtype=bool)
    if not include_nested:
        _count(excluded, EXCLUDED_NESTED, keep & nested)
        keep &= ~nested
    elif nested.any():
        notes.append(
            f"{int(nested.sum())} nested statements (toplevel = false) are kept (--include-nested): "
            "their work is also counted in the statements that called them"
        )
    _count(excluded, EXCLUDED_DATABASE, keep & ~db_mask)
    keep &= db_mask
    _count(excluded, EXCLUDED_USER, keep & ~user_mask)
    keep &= user_mask
    if not keep.all():  # a mask that keeps every row would copy the whole table for nothing
        frame = frame[keep].reset_index(drop=True)
    if group_by == "query" and len(frame):
        before = len(frame)
        frame = merge_rows(frame.drop(columns="stmt_id"), ["query", "toplevel"])
        frame["stmt_id"] = _statement_ids(frame)
        frame["unclassifiable"] = frame["unclassifiable"].astype(bool)
        notes.append(f"--group-by query merged {before} rows into {len(frame)} statements")
    notes.extend(_reader_notes(frame, gathered, int(unclassifiable[keep].sum()) if len(keep) else 0))
    notes.extend(plausibility_notes(frame, window))
    if not len(frame):
        notes.append("no statements are left after the exclusions listed")
    return Workload(
        statements=_ordered(frame),
        window=window,
        sources=tuple(gathered.sources),
        generation=gathered.generation,
        missing_signals=missing,
        rows_read=gathered.rows_read,
        excluded=excluded,
        catalog=gathered.catalog,
        series=gathered.series,
        info={**gathered.info, "files": gathered.files, "extversion_detected": gathered.version},
        notes=tuple(dict.fromkeys(notes)),
    )


def _unclassifiable(query: pd.Series) -> np.ndarray:
    """Rows without a query text: NULL or ``<insufficient privilege>`` (judged once per distinct text)."""
    codes, uniques = pd.factorize(query.to_numpy(dtype=object), use_na_sentinel=True)
    hidden = [str(text).strip() == INSUFFICIENT_PRIVILEGE for text in uniques]
    return np.array([*hidden, True], dtype=bool)[codes]  # code -1 (NULL) takes the last slot


def _count(excluded: dict[str, int], reason: str, mask: np.ndarray) -> None:
    count = int(mask.sum())
    if count:
        excluded[reason] = excluded.get(reason, 0) + count


def _statement_ids(frame: pd.DataFrame) -> pd.Series:
    """``q<queryid>`` (``.N`` suffix when a queryid repeats), ``r<source row>`` without queryid."""
    if frame.empty:
        return pd.Series([], dtype=object)
    queryids = frame["queryid"]
    missing = queryids.isna().tolist()
    rows = frame["source_row"].tolist()
    base = pd.Series(
        [f"r{r}" if gone else f"q{q}" for q, gone, r in zip(queryids.tolist(), missing, rows)],
        index=frame.index,
        dtype=object,
    )
    dup = base.duplicated(keep=False).to_numpy()
    if dup.any():
        repeated = base[dup]  # numbered among themselves: a row that does not repeat is its own group
        number = repeated.groupby(repeated, sort=False).cumcount() + 1
        base = base.copy()
        base[dup] = (repeated + "." + number.astype(str)).to_numpy()
    return base


def _missing_signals(frame: pd.DataFrame, present: frozenset[str]) -> tuple[str, ...]:
    missing = []
    for signal, columns in SIGNALS.items():
        if frame.empty:
            gone = any(c not in present for c in columns)
        else:
            gone = any(c not in frame or bool(frame[c].isna().all()) for c in columns)
        if gone:
            missing.append(signal)
    return tuple(missing)


def _filter_mask(
    frame: pd.DataFrame, wanted: Sequence[str], name_col: str, oid_col: str, what: str, strict: bool = True
) -> np.ndarray:
    """Rows whose name (where exported) or oid is one of ``wanted``; an unknown name is an error
    when ``strict``."""
    if not wanted:
        return np.ones(len(frame), dtype=bool)
    oids = _text(frame[oid_col])
    names = _text(frame[name_col]) if name_col in frame else None
    mask = np.zeros(len(frame), dtype=bool)
    for value in wanted:
        hit = (oids == str(value)).to_numpy()
        if names is not None:
            hit = hit | (names == str(value)).to_numpy()
        if strict and not hit.any():
            raise IngestError(
                f"{what} {value!r} matches no rows; the export has: {_available(frame, name_col, oid_col)}",
                column=f"--{what}",
                hint=f"use one of the {what}s listed (by name where the export has {name_col}, else by oid)",
            )
        mask |= hit
    return mask


FILTER_COLUMNS: dict[str, tuple[str, str]] = {"database": ("datname", "dbid"), "user": ("rolname", "userid")}
"""What ``--database`` / ``--user`` match: the name where exported, else the oid."""


def matched_filter_values(frame: pd.DataFrame, wanted: Sequence[str], what: str) -> set[str]:
    """The values of ``wanted`` (a ``--database`` or ``--user`` list) that some row of ``frame`` has."""
    name_col, oid_col = FILTER_COLUMNS[what]
    if not len(frame) or oid_col not in frame:
        return set()
    found = set(_text(frame[oid_col]))
    if name_col in frame:
        found |= set(_text(frame[name_col]))
    return {str(v) for v in wanted if str(v) in found}


def _text(series: pd.Series) -> pd.Series:
    """Values as text for matching (NULL as ``NULL``)."""
    return series.astype("string").fillna("NULL").astype(object)


def _available(frame: pd.DataFrame, name_col: str, oid_col: str) -> str:
    if name_col in frame:
        pairs = pd.DataFrame({"n": _text(frame[name_col]), "o": _text(frame[oid_col])}).drop_duplicates()
        items = sorted(f"{n} ({o})" for n, o in pairs.itertuples(index=False))
    else:
        items = sorted(set(_text(frame[oid_col])))
    shown = items[:20]
    more = f" … and {len(items) - 20} more" if len(items) > 20 else ""
    return ", ".join(shown) + more if shown else "nothing"


def _reader_notes(frame: pd.DataFrame, gathered: _Gathered, unclassifiable: int) -> list[str]:
    notes: list[str] = []
    info = gathered.info
    dealloc = info.get("dealloc")
    if isinstance(dealloc, (int, float)) and dealloc > 0:
        notes.append(
            f"{int(dealloc)} entries were evicted (pg_stat_statements_info.dealloc): the export is incomplete; "
            "raise pg_stat_statements.max"
        )
    settings = info.get("settings") or {}
    limit = settings.get("pg_stat_statements.max")
    if limit and str(limit).isdigit() and gathered.rows_read >= int(limit):
        notes.append(
            f"the export has as many entries as pg_stat_statements.max ({limit}): entries were probably evicted"
        )
    if "toplevel" not in gathered.present and settings.get("pg_stat_statements.track", "").lower() != "top":
        notes.append(
            "the export has no toplevel column (PostgreSQL 13 or older, or a partial export): nested "
            "statements (pg_stat_statements.track = all) cannot be excluded and may be counted twice"
        )
    if unclassifiable:
        notes.append(
            f"{unclassifiable} statements have no query text (NULL or {INSUFFICIENT_PRIVILEGE}): costed from "
            "their counters, never classified; export as a role with pg_read_all_stats to see them"
        )
    timing = [c for c in ("shared_blk_read_time", "shared_blk_write_time") if c in frame]
    if (
        len(frame)
        and len(timing) == 2
        and frame[timing].notna().all().all()
        and not frame[timing].to_numpy().any()
        and float(frame["shared_blks_read"].fillna(0).sum()) > 0
    ):
        notes.append(
            "shared_blk_read_time and shared_blk_write_time are 0 for every statement although blocks were "
            "read: track_io_timing was probably off, so I/O timing is not measured"
        )
    declared = info.get("extversion")
    if (
        declared
        and gathered.version
        and str(declared) != gathered.version
        and "partial" not in gathered.generation
    ):
        notes.append(f"extversion {declared} is declared but the columns are those of {gathered.generation}")
    return notes


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    head = ["stmt_id", *IDENTITY_COLUMNS, *COUNTER_COLUMNS, *TIMESTAMP_COLUMNS]
    tail = ["unclassifiable", "merged_rows", "source_file", "source_row"]
    extras = [c for c in frame.columns if c not in head and c not in tail]
    return frame[[c for c in head if c in frame] + extras + [c for c in tail if c in frame]]
