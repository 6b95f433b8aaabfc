"""Build small pg_stat_statements exports for the ingest tests, in the forms real tools write.

Writers imitate their originals: :func:`write_csv` is psql ``--csv`` (RFC 4180, booleans ``t``/``f``,
NULL as an empty field, floats in shortest round-trip form), :func:`write_json` is ``json_agg``
(oids as strings, as PostgreSQL's JSON renders them), :func:`write_jsonl` is ``row_to_json`` per
line, :func:`write_unaligned` is ``psql -A`` (no quoting, footer), :func:`write_copy_text` is
``COPY … TO`` text format. Column lists come from ``generations.yaml`` (copied from the reference),
never from the code under test.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).parent
GENERATIONS: dict[str, dict[str, Any]] = yaml.safe_load(
    (HERE / "generations.yaml").read_text(encoding="utf-8")
)
VERSIONS: tuple[str, ...] = tuple(GENERATIONS)
PG16 = GENERATIONS["1.10"]["columns"]

NASTY_TEXTS: tuple[str, ...] = (
    "SELECT a,\n       b\nFROM t\nWHERE id = $1",
    "SELECT name\r\nFROM items\r\nWHERE id = $1",
    'SELECT 1 AS "we""ird, col" /* comma, "quote" */',
    "SELECT /* tab:\there */ $1",
    "SELECT E'back\\\\slash \\n not a newline' /* \\N \\t */",
    "SELECT '🎉 emoji ✓ ünïcödé' /* 日本語 */",
    "SELECT /* " + "x" * 8192 + " */ 1",
    "SELECT $1 -- trailing comment with ; and |",
    '"leading quote" is odd but possible',
    "  leading and trailing spaces  ",
    "SELECT 'line sep \u2028 and para \u2029'",
)
"""Query texts that must survive every export format byte for byte."""


def value_for(column: str, index: int) -> Any:
    """A plausible value for ``column`` in row ``index`` (deterministic)."""
    if column in ("userid", "dbid"):
        return 10 + index % 3
    if column == "toplevel":
        return True
    if column == "queryid":
        return 1000 + index
    if column == "query":
        return f"SELECT {index} FROM t WHERE id = $1"
    if column in ("calls", "plans"):
        return 10 * (index + 1)
    if column == "rows":
        return 5 * (index + 1)
    if column in ("stats_since", "minmax_stats_since"):
        return "2026-11-27 08:00:00+00"
    if column.endswith("_time"):
        return 1.5 * (index + 1)
    return index + 1


def make_rows(columns: Sequence[str], count: int, **overrides: Sequence[Any]) -> list[dict[str, Any]]:
    """``count`` rows over ``columns``; ``overrides`` gives per-row values for some columns."""
    rows = []
    for index in range(count):
        row = {c: value_for(c, index) for c in columns}
        for column, values in overrides.items():
            row[column] = values[index]
        rows.append(row)
    return rows


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def csv_text(
    rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None, delimiter: str = ","
) -> str:
    """psql --csv output."""
    columns = list(columns or rows[0])
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_text(row.get(c)) for c in columns])
    return out.getvalue()


def json_text(rows: Sequence[dict[str, Any]], *, oids_as_text: bool = True) -> str:
    """json_agg output (one element per line, as PostgreSQL prints it)."""
    items = []
    for row in rows:
        item = dict(row)
        if oids_as_text:
            for key in ("userid", "dbid"):
                if item.get(key) is not None:
                    item[key] = str(item[key])
        items.append(json.dumps(item, ensure_ascii=False))
    return "[" + ", \n ".join(items) + "]\n"


def jsonl_text(rows: Sequence[dict[str, Any]]) -> str:
    """row_to_json per line."""
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def unaligned_text(rows: Sequence[dict[str, Any]], separator: str = "\t", footer: bool = True) -> str:
    """psql -A [-F sep] output: no quoting, NULL as empty, a "(N rows)" footer."""
    columns = list(rows[0])
    lines = [separator.join(columns)]
    lines += [separator.join(_text(row.get(c)) for c in columns) for row in rows]
    if footer:
        lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


def copy_text(rows: Sequence[dict[str, Any]], header: bool = True) -> str:
    """COPY … TO text format: tab separated, \\N for NULL, backslash escapes."""

    def escape(value: Any) -> str:
        if value is None:
            return "\\N"
        text = _text(value)
        for raw, esc in (("\\", "\\\\"), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t")):
            text = text.replace(raw, esc)
        return text

    columns = list(rows[0])
    lines = ["\t".join(columns)] if header else []
    lines += ["\t".join(escape(row.get(c)) for c in columns) for row in rows]
    return "\n".join(lines) + "\n"


def write(path: Path, text: str | bytes, *, gz: bool = False, window: str | None = "1h", **meta: Any) -> Path:
    """Write an export (optionally gzipped) and, when ``window`` or ``meta`` is given, its .meta.yaml."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    if gz:
        data = gzip.compress(data, mtime=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    fields = dict(meta)
    if window is not None:
        fields["window"] = window
    if fields:
        (path.parent / f"{path.name}.meta.yaml").write_text(yaml.safe_dump(fields), encoding="utf-8")
    return path


FORMATS: dict[str, Any] = {
    "csv": csv_text,
    "tsv": lambda rows: csv_text(rows, delimiter="\t"),
    "json": json_text,
    "jsonl": jsonl_text,
    "copy-text": copy_text,
}
"""Format name → text writer for formats that carry any text faithfully."""


def bundle(
    root: Path,
    snapshots: Iterable[tuple[str, list[dict[str, Any]]]],
    *,
    window_seconds: float | None = None,
    settings: dict[str, str] | None = None,
    pgss_info: dict[str, Any] | None = None,
    catalog: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write a dsqlcost-bundle/1 directory: snapshots are (taken_at ISO text, rows)."""
    (root / "snapshots").mkdir(parents=True, exist_ok=True)
    listed = []
    taken = []
    for index, (taken_at, rows) in enumerate(snapshots):
        name = f"snapshots/{index:04d}.csv"
        (root / name).write_text(csv_text(rows), encoding="utf-8")
        listed.append({"file": name, "taken_at": taken_at})
        taken.append(taken_at)
    meta: dict[str, Any] = {
        "format": "dsqlcost-bundle/1",
        "tool_version": "0.1.0",
        "created_at": taken[-1],
        "server": {"version": "16.4", "version_num": 160004, "extversion": "1.10", "block_size": 8192},
        "settings": settings
        or {
            "pg_stat_statements.track": "all",
            "pg_stat_statements.track_utility": "on",
            "pg_stat_statements.track_planning": "on",
            "pg_stat_statements.max": "5000",
            "track_io_timing": "on",
            "compute_query_id": "auto",
        },
        "pgss_info": pgss_info
        if pgss_info is not None
        else {"dealloc": 0, "stats_reset": "2026-11-27T08:00:00Z"},
        "database": {"name": "app", "size_bytes": 123456789},
        "window": {
            "start": taken[0],
            "end": taken[-1],
            "seconds": window_seconds,
            "source": "snapshots",
        },
        "snapshots": listed,
        "interrupted": False,
        "description": "test bundle",
    }
    if catalog is not None:
        (root / "catalog.yaml").write_text(yaml.safe_dump(catalog), encoding="utf-8")
        meta["catalog"] = "catalog.yaml"
    meta.update(extra or {})
    (root / "bundle.yaml").write_text(yaml.safe_dump(meta, sort_keys=False), encoding="utf-8")
    return root
