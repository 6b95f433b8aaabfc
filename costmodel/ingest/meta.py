"""Metadata beside an export, and the YAML files of a ``dsqlcost collect`` bundle.

pg_stat_statements counters are cumulative since a reset, so a number of seconds must come from
somewhere outside the counters. A small YAML beside the export (``pgss.csv.meta.yaml`` or
``pgss.meta.yaml``) is the lightest way to give it; a bundle (docs/bundle-format.md) carries it in
``bundle.yaml``. Both are validated strictly: an unknown key is a typo that would otherwise
silently lose the window.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from costmodel.core.errors import CostModelError, IngestError
from costmodel.core.safeio import read_text_capped
from costmodel.core.timebase import MAX_DURATION_SECONDS, MIN_WINDOW_SECONDS, parse_duration
from costmodel.core.workload import CatalogFacts, IndexFacts, TableFacts
from costmodel.core.yamlio import AliasRefused, safe_load_untrusted

META_KEYS: frozenset[str] = frozenset(
    {
        "window",
        "window_seconds",
        "window_start",
        "window_end",
        "server_version",
        "extversion",
        "taken_at",
        "stats_reset",
        "dealloc",
        "database_size_bytes",
    }
)
"""Keys allowed in ``<export>.meta.yaml`` (``dealloc`` from pg_stat_statements_info is optional)."""

META_EXAMPLE = "window: 2h   (or window_seconds: 7200, or window_start: … + window_end: …)"
BUNDLE_FORMAT = "dsqlcost-bundle/1"


def to_utc(value: Any, *, file: str, key: str) -> datetime:
    """A YAML/ISO timestamp as an aware UTC datetime (naive values are taken as UTC)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            moment = pd.Timestamp(value.strip()).to_pydatetime()
        except (ValueError, TypeError, OverflowError):
            raise IngestError(
                f"{key} {value!r} is not a timestamp",
                file=file,
                column=key,
                hint="write ISO 8601: 2026-11-27T10:00:00Z",
            ) from None
        if not isinstance(moment, datetime):  # NaT
            raise IngestError(f"{key} {value!r} is not a timestamp", file=file, column=key)
    else:
        raise IngestError(
            f"{key} must be a timestamp, not {type(value).__name__}",
            file=file,
            column=key,
            hint="write ISO 8601: 2026-11-27T10:00:00Z",
        )
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def load_yaml(path: Path, file: str) -> Any:
    """Untrusted YAML (no anchors or aliases, a regular file within the byte cap) as plain data.

    Syntax errors, aliases and unreadable files become IngestErrors naming the file.
    """
    text = read_text_capped(path, file, what="file", encoding="utf-8-sig")
    try:
        return safe_load_untrusted(text)
    except AliasRefused as exc:
        raise IngestError(
            f"{exc} (line {exc.line})" if exc.line else str(exc),
            file=file,
            row=exc.line,
            hint="write the values out (dsqlcost collect never writes aliases)",
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise IngestError(
            f"invalid YAML: {exc.problem}" + (f" (line {line})" if line else ""), file=file, row=line
        ) from None
    except yaml.YAMLError as exc:
        raise IngestError(f"invalid YAML: {exc}", file=file) from None
    except RecursionError:
        raise IngestError("the YAML nests too deeply", file=file) from None


@dataclass(frozen=True)
class ExportMeta:
    """The validated content of an export's metadata YAML."""

    file: str
    window_seconds: float | None = None
    window_text: str | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None
    taken_at: datetime | None = None
    stats_reset: datetime | None = None
    server_version: str | None = None
    extversion: str | None = None
    dealloc: int | None = None
    database_size_bytes: float | None = None
    """pg_database_size() of the exported database (storage is priced from it)."""


def meta_candidates(path: Path) -> list[Path]:
    """``pgss.csv.gz`` → ``pgss.csv.gz.meta.yaml``, ``pgss.csv.meta.yaml``, ``pgss.meta.yaml``."""
    names = [path.name]
    stem = path.name
    if stem.endswith(".gz"):
        stem = stem[:-3]
        names.append(stem)
    base = stem.split(".")[0] if "." in stem.lstrip(".") else stem
    names.append(base)
    seen: list[Path] = []
    for name in names:
        candidate = path.with_name(f"{name}.meta.yaml")
        if candidate not in seen:
            seen.append(candidate)
    return seen


def find_meta(path: Path) -> Path | None:
    """The metadata file beside an export, if any."""
    for candidate in meta_candidates(path):
        if candidate.is_file():
            return candidate
    return None


def read_meta(path: Path, file: str) -> ExportMeta:
    """Validate an export's metadata YAML (unknown keys are an error)."""
    data = load_yaml(path, file)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise IngestError("metadata must be a mapping of keys to values", file=file, hint=META_EXAMPLE)
    unknown = sorted(str(k) for k in data if k not in META_KEYS)
    if unknown:
        raise IngestError(
            f"unknown key {unknown[0]!r} in metadata",
            file=file,
            column=unknown[0],
            hint=f"allowed keys: {', '.join(sorted(META_KEYS))}",
        )
    forms = [k for k in ("window", "window_seconds") if k in data]
    if "window_start" in data or "window_end" in data:
        forms.append("window_start/window_end")
    if len(forms) > 1:
        raise IngestError(
            f"metadata gives the window twice ({' and '.join(forms)})", file=file, hint="keep one of them"
        )
    seconds: float | None = None
    text: str | None = None
    start = end = None
    if "window" in data:
        text = str(data["window"])
        try:
            seconds = parse_duration(text, what="window", minimum=MIN_WINDOW_SECONDS)
        except CostModelError as exc:
            raise IngestError(exc.message, file=file, column="window", hint=exc.hint) from None
    elif "window_seconds" in data:
        value = data["window_seconds"]
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not MIN_WINDOW_SECONDS <= value <= MAX_DURATION_SECONDS
        ):
            raise IngestError(
                f"window_seconds {value!r} is not a positive number of seconds (1 s to 100 years)",
                file=file,
                column="window_seconds",
            )
        seconds = float(value)
    elif forms:
        if "window_start" not in data or "window_end" not in data:
            missing = "window_end" if "window_start" in data else "window_start"
            raise IngestError(
                f"{missing} is missing", file=file, column=missing, hint="give both, or window: 2h"
            )
        start = to_utc(data["window_start"], file=file, key="window_start")
        end = to_utc(data["window_end"], file=file, key="window_end")
        seconds = (end - start).total_seconds()
        if seconds <= 0:
            raise IngestError("window_end is not after window_start", file=file, column="window_end")
    dealloc = data.get("dealloc")
    if dealloc is not None and (isinstance(dealloc, bool) or not isinstance(dealloc, int) or dealloc < 0):
        raise IngestError(f"dealloc {dealloc!r} is not a count", file=file, column="dealloc")
    return ExportMeta(
        file=file,
        window_seconds=seconds,
        window_text=text,
        window_start=start,
        window_end=end,
        taken_at=to_utc(data["taken_at"], file=file, key="taken_at")
        if data.get("taken_at") is not None
        else None,
        stats_reset=(
            to_utc(data["stats_reset"], file=file, key="stats_reset")
            if data.get("stats_reset") is not None
            else None
        ),
        server_version=str(data["server_version"]) if data.get("server_version") is not None else None,
        extversion=str(data["extversion"]) if data.get("extversion") is not None else None,
        dealloc=dealloc,
        database_size_bytes=_number(data.get("database_size_bytes"), file, "database_size_bytes"),
    )


# --------------------------------------------------------------------------- bundles


@dataclass(frozen=True)
class Snapshot:
    """One snapshot file of a bundle."""

    path: Path
    file: str
    taken_at: datetime | None
    dealloc: int | None = None
    """pg_stat_statements_info.dealloc when the snapshot was taken (collect records it)."""
    xacts: int | None = None
    """pg_stat_database xact_commit + xact_rollback when the snapshot was taken (collect records it)."""


@dataclass(frozen=True)
class Bundle:
    """A validated ``bundle.yaml`` (docs/bundle-format.md)."""

    root: Path
    file: str
    snapshots: tuple[Snapshot, ...]
    window_seconds: float | None
    window_start: datetime | None
    window_end: datetime | None
    created_at: datetime | None
    catalog: Path | None
    info: dict[str, Any] = field(default_factory=dict)
    schema: Path | None = None
    """The schema dump the bundle names (``schema:``), checked to lie inside the bundle."""
    settings: dict[str, str] = field(default_factory=dict)
    interrupted: bool = False
    notes: tuple[str, ...] = ()
    """Notes the collector wrote (``notes:`` in bundle.yaml)."""


def is_bundle(path: Path) -> bool:
    """A directory with a ``bundle.yaml``."""
    return path.is_dir() and (path / "bundle.yaml").is_file()


def _mapping(value: Any, file: str, key: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise IngestError(f"{key} must be a mapping", file=file, column=key)
    return value


def bundle_member(root: Path, rel: Any, file: str, key: str) -> Path:
    """The one place a path named in bundle.yaml becomes a file to read (snapshots, catalog, schema).

    The name must be relative and resolve (symbolic links followed) inside the bundle directory,
    to a regular file. Why: an uploaded bundle naming ``/etc/…`` or ``../../secret.csv`` made the
    dashboard load a file from outside the upload. An escaping name is refused before the file
    system is asked anything, so the error never tells whether that outside path exists.
    """
    if not isinstance(rel, str) or not rel.strip() or "\x00" in rel:
        raise IngestError(f"{key} must name a file inside the bundle, not {rel!r}", file=file, column=key)
    name = Path(rel)
    outside = IngestError(
        f"{key} {rel!r} points outside the bundle",
        file=file,
        column=key,
        hint="a bundle names its files relative to its own directory (snapshots/0000.csv)",
    )
    if name.is_absolute() or ".." in name.parts or rel.startswith("\\") or ":" in name.parts[0]:
        raise outside
    try:
        base = root.resolve(strict=True)
        resolved = (base / name).resolve()
    except (OSError, RuntimeError):
        raise outside from None
    if base not in resolved.parents:
        raise outside
    try:
        mode = resolved.stat().st_mode
    except OSError:
        raise IngestError(f"{key} file {rel!r} is missing", file=file, column=key) from None
    if not stat.S_ISREG(mode):
        raise IngestError(f"{key} {rel!r} is not a regular file", file=file, column=key)
    return root / name


_SCALARS = (str, int, float, bool, date, datetime)
_TYPED_KEYS: dict[str, tuple[tuple[type, ...], str]] = {
    "description": ((str,), "text"),
    "tool_version": ((str,), "text"),
    "collected_from": ((str,), "text"),
    "scope": ((str,), "text"),
    "interrupted": ((bool,), "true or false"),
    "notes": ((list,), "a list of texts"),
    "database": ((dict, str), "a mapping (name, size_bytes)"),
    "settings": ((dict,), "a mapping of setting → value"),
}
"""bundle.yaml keys checked by type before use (a bundle may come from an upload)."""


def _check_types(data: dict[str, Any], file: str) -> None:
    """Refuse values of the wrong type, and nested containers where only plain values belong."""
    for key, (types, what) in _TYPED_KEYS.items():
        value = data.get(key)
        if value is not None and (
            not isinstance(value, types) or (bool not in types and isinstance(value, bool))
        ):
            raise IngestError(f"{key} must be {what}, not {type(value).__name__}", file=file, column=key)
    for key in ("settings", "database", "server", "pgss_info"):
        value = data.get(key)
        if isinstance(value, dict):
            for name, item in value.items():
                if item is not None and not isinstance(item, _SCALARS):
                    raise IngestError(
                        f"{key}.{name} must be a plain value, not {type(item).__name__}",
                        file=file,
                        column=key,
                    )
    for note in data.get("notes") or ():
        if not isinstance(note, str):
            raise IngestError(
                f"notes must be a list of texts, not of {type(note).__name__}", file=file, column="notes"
            )


def read_bundle(root: Path, display: str) -> Bundle:
    """Validate ``bundle.yaml`` (shape, types, contained paths) and locate the files it names."""
    file = f"{display.rstrip('/')}/bundle.yaml"
    data = load_yaml(root / "bundle.yaml", file)
    if not isinstance(data, dict):
        raise IngestError("bundle.yaml must be a mapping", file=file)
    _check_types(data, file)
    fmt = str(data.get("format", ""))
    if fmt != BUNDLE_FORMAT:
        raise IngestError(
            f"unsupported bundle format {fmt!r} (this version reads {BUNDLE_FORMAT})",
            file=file,
            column="format",
            hint="collect the bundle again with this version of dsqlcost",
        )
    listed = data.get("snapshots")
    if not isinstance(listed, list) or not listed:
        raise IngestError("bundle.yaml lists no snapshots", file=file, column="snapshots")
    snapshots = _bundle_snapshots(root, display, file, listed)
    window = _mapping(data.get("window"), file, "window")
    seconds = _window_seconds(window, file)
    settings, info = _bundle_info(data, listed, file)
    catalog_rel = data.get("catalog")
    catalog = bundle_member(root, catalog_rel, file, "catalog") if catalog_rel else None
    schema_rel = data.get("schema")
    schema = bundle_member(root, schema_rel, file, "schema") if schema_rel else None
    return Bundle(
        root=root,
        file=file,
        snapshots=tuple(snapshots),
        window_seconds=float(seconds) if seconds is not None else None,
        window_start=to_utc(window["start"], file=file, key="window.start") if window.get("start") else None,
        window_end=to_utc(window["end"], file=file, key="window.end") if window.get("end") else None,
        created_at=to_utc(data["created_at"], file=file, key="created_at")
        if data.get("created_at")
        else None,
        catalog=catalog,
        schema=schema,
        info=info,
        settings=settings,
        interrupted=bool(data.get("interrupted", False)),
        notes=tuple(str(n) for n in data.get("notes") or () if n)
        if isinstance(data.get("notes"), list)
        else (),
    )


def _bundle_snapshots(root: Path, display: str, file: str, listed: list[Any]) -> list[Snapshot]:
    """Each listed snapshot: its file (kept inside the bundle), time, dealloc and transaction counts.

    Transaction counts are kept only when both commits and rollbacks are non-negative integers.
    """
    snapshots: list[Snapshot] = []
    for index, entry in enumerate(listed, start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
            raise IngestError(f"snapshot entry {index} has no file", file=file, column="snapshots")
        rel = entry["file"]
        path = bundle_member(root, rel, file, "snapshots")
        taken = entry.get("taken_at")
        dealloc = entry.get("dealloc")
        commits, rollbacks = entry.get("xact_commit"), entry.get("xact_rollback")
        counted = all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (commits, rollbacks))
        snapshots.append(
            Snapshot(
                path=path,
                file=f"{display.rstrip('/')}/{rel}",
                taken_at=to_utc(taken, file=file, key="taken_at") if taken is not None else None,
                dealloc=dealloc if isinstance(dealloc, int) and not isinstance(dealloc, bool) else None,
                xacts=int(commits or 0) + int(rollbacks or 0) if counted else None,
            )
        )
    return snapshots


def _window_seconds(window: dict[str, Any], file: str) -> Any:
    """``window.seconds`` when given, checked to be a non-negative number."""
    seconds = window.get("seconds")
    if seconds is not None and (
        isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0
    ):
        raise IngestError(
            f"window.seconds {seconds!r} is not a number of seconds", file=file, column="window"
        )
    return seconds


def _bundle_info(data: dict[str, Any], listed: list[Any], file: str) -> tuple[dict[str, str], dict[str, Any]]:
    """The server settings, and the facts the ingest summary shows: server version, pg_stat_statements
    dealloc and reset, the bundle's own description, and the per-snapshot activity samples."""
    server = _mapping(data.get("server"), file, "server")
    settings = {str(k): str(v) for k, v in _mapping(data.get("settings"), file, "settings").items()}
    pgss_info = _mapping(data.get("pgss_info"), file, "pgss_info")
    info: dict[str, Any] = {}
    if server.get("version") is not None:
        info["server_version"] = str(server["version"])
    if server.get("version_num") is not None:
        info["server_version_num"] = server["version_num"]
    if server.get("extversion") is not None:
        info["extversion"] = str(server["extversion"])
    if server.get("block_size") is not None:
        info["block_size"] = server["block_size"]
    if settings:
        info["settings"] = settings
    if pgss_info.get("dealloc") is not None:
        info["dealloc"] = pgss_info["dealloc"]
    if pgss_info.get("stats_reset") is not None:
        info["stats_reset"] = to_utc(pgss_info["stats_reset"], file=file, key="pgss_info.stats_reset")
    for key in ("database", "description", "tool_version"):
        if data.get(key) is not None:
            info[key] = data[key]
    samples = [e.get("active_on_cpu") for e in listed if isinstance(e, dict)]
    samples = [v for v in samples if isinstance(v, int) and not isinstance(v, bool) and v >= 0]
    if samples:
        info["active_on_cpu_samples"] = samples
    activity_samples = [
        e["activity"] for e in listed if isinstance(e, dict) and isinstance(e.get("activity"), dict)
    ]
    if activity_samples:
        info["activity_samples"] = activity_samples
    session_stats = [
        e["sessions"] for e in listed if isinstance(e, dict) and isinstance(e.get("sessions"), dict)
    ]
    if session_stats:
        info["session_stats"] = session_stats
    return settings, info


def _number(value: Any, file: str, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise IngestError(f"{where} must be a number, not {value!r}", file=file, column=where)
    return float(value)


def read_catalog(path: Path, file: str) -> CatalogFacts:
    """``catalog.yaml`` → :class:`CatalogFacts` (unknown keys are ignored: collect may add facts)."""
    data = load_yaml(path, file)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise IngestError("catalog.yaml must be a mapping", file=file)
    tables_in = data.get("tables") or []
    if not isinstance(tables_in, list):
        raise IngestError("tables must be a list", file=file, column="tables")
    tables: dict[str, TableFacts] = {}
    for index, entry in enumerate(tables_in, start=1):
        where = f"tables[{index}]"
        if not isinstance(entry, dict) or not entry.get("name"):
            raise IngestError(f"{where} has no name", file=file, column=where)
        schema = str(entry.get("schema") or "public")
        name = str(entry["name"])
        indexes: list[IndexFacts] = []
        for item in entry.get("indexes") or []:
            if not isinstance(item, dict) or not item.get("name"):
                raise IngestError(f"{where}: an index has no name", file=file, column=where)
            indexes.append(
                IndexFacts(
                    name=str(item["name"]),
                    columns=tuple(str(c) for c in item.get("columns") or ()),
                    unique=bool(item.get("unique", False)),
                    primary=bool(item.get("primary", False)),
                )
            )
        n_distinct: dict[str, float] = {}
        widths: dict[str, float] = {}
        for column in entry.get("columns") or []:
            if not isinstance(column, dict) or not column.get("name"):
                raise IngestError(f"{where}: a column has no name", file=file, column=where)
            cname = str(column["name"])
            nd = _number(column.get("n_distinct"), file, f"{where}.{cname}.n_distinct")
            aw = _number(column.get("avg_width"), file, f"{where}.{cname}.avg_width")
            if nd is not None:
                n_distinct[cname] = nd
            if aw is not None:
                widths[cname] = aw
        count = entry.get("secondary_index_count")
        if count is not None and (isinstance(count, bool) or not isinstance(count, int)):
            raise IngestError(
                f"{where}.secondary_index_count must be a whole number", file=file, column=where
            )
        tables[f"{schema}.{name}".lower()] = TableFacts(
            schema=schema,
            name=name,
            size_bytes=_number(entry.get("size_bytes"), file, f"{where}.size_bytes"),
            row_estimate=_number(entry.get("row_estimate"), file, f"{where}.row_estimate"),
            avg_row_width=_number(entry.get("avg_row_width"), file, f"{where}.avg_row_width"),
            secondary_index_count=count,
            primary_key=tuple(str(c) for c in entry.get("primary_key") or ()),
            indexes=tuple(indexes),
            column_n_distinct=n_distinct,
            column_avg_width=widths,
            table_bytes=_number(entry.get("table_bytes"), file, f"{where}.table_bytes"),
            logical_row_bytes=_number(entry.get("logical_row_bytes"), file, f"{where}.logical_row_bytes"),
            stored_row_bytes=_number(entry.get("stored_row_bytes"), file, f"{where}.stored_row_bytes"),
        )
    return CatalogFacts(
        tables=tables,
        database_size_bytes=_number(data.get("database_size_bytes"), file, "database_size_bytes"),
        source=file,
    )
