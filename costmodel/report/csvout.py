"""The report as spreadsheet-style CSV: one file per table, made to be opened in Excel or LibreOffice.

Format (documented in ``docs/report-contract.md`` § CSV export):

- RFC 4180: a header row, comma separator, CRLF line ends, fields quoted only when they hold a
  comma, quote or line break (quotes doubled). Query texts keep their line breaks inside quotes.
- UTF-8 **with a byte-order mark** by default. Why: Excel opens a BOM-less CSV in the ANSI code
  page and garbles ``Größe`` or ``→``; LibreOffice and pandas (``encoding="utf-8-sig"``) read the
  BOM correctly; ``bom=False`` writes plain UTF-8 for tools that choke on it.
- Units in column names (``monthly_usd``, ``unit_price_usd``, ``calls_per_month``,
  ``quantity_per_month`` with a ``unit`` column next to it); numbers plain (``0.0000123``: no
  exponent, currency symbol or grouping), booleans ``TRUE``/``FALSE``, dates ISO 8601, fractions
  0–1, lists joined with ``; ``.
- Formula-injection safe (:mod:`costmodel.report.safe`): text cells that could start a formula get
  a leading ``'``; numeric columns stay numbers.
- Stable column order; statement keys the contract does not name are appended (sorted) before
  ``query`` so a newer builder's columns are not lost.
"""

from __future__ import annotations

import csv
import io
import operator
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from costmodel.core.errors import ReportError
from costmodel.core.gcpause import gc_paused
from costmodel.core.safeio import open_output
from costmodel.report.common import (
    cheapest_total,
    check_report,
    fleet_clusters,
    is_fleet,
    is_number,
    is_unconfirmed,
    items,
    option_list,
    section,
)
from costmodel.report.decisionview import DECISION_COLUMNS, decision_rows
from costmodel.report.fleetview import database_rows, fleet_option_names
from costmodel.report.safe import CellKind, cell, column_cells, neutralise

Row = Mapping[str, Any]

TEXT = CellKind.TEXT
NUM = CellKind.NUMBER
BOOL = CellKind.BOOL
AUTO = CellKind.AUTO
ID = CellKind.ID


@dataclass(frozen=True)
class Column:
    """One CSV column: its header, how its cells are written, and how a value is read from a row
    (``key``, when set, names the row key ``get`` reads, so a whole column is read in one pass)."""

    name: str
    kind: CellKind
    get: Callable[[Row], Any]
    key: str | None = None


def _key(name: str) -> Callable[[Row], Any]:
    return lambda row: row.get(name)


def _col(name: str, kind: CellKind, source: str | None = None) -> Column:
    return Column(name, kind, _key(source or name), source or name)


def _rounded(name: str, places: int, source: str | None = None) -> Column:
    """A number column rounded to the precision of its unit (a key count is whole, a probability
    has 6 decimals): the report keeps the model's full floats, a spreadsheet does not need 15 digits."""
    key = source or name

    def get(row: Row) -> Any:
        value = row.get(key)
        return round(float(value), places) if is_number(value) else value

    return Column(name, NUM, get)


OPTION_COLUMNS: tuple[Column, ...] = (
    _col("option", TEXT, "name"),
    _col("kind", TEXT),
    _col("title", TEXT),
    _col("total_monthly_usd", NUM),
    _col("total_monthly_usd_low", NUM),
    _col("total_monthly_usd_high", NUM),
    _col("usage_based_monthly_usd", NUM),
    _col("fixed_monthly_usd", NUM),
    _col("above_cheapest_monthly_usd", NUM),
    _col("above_cheapest_fraction", NUM),
    _col("recommended", BOOL),
    _col("cheapest", BOOL),
    _col("line_item_count", NUM),
    _col("unconfirmed_line_item_count", NUM),
    _col("capacity_source", TEXT),
    _col("capacity_source_detail", TEXT),
    _col("ha_assumption", TEXT),
    _col("savings_plan", TEXT),
    _col("warnings", TEXT),
)

LINE_ITEM_COLUMNS: tuple[Column, ...] = (
    _col("option", TEXT),
    _col("component", TEXT),
    _col("region", TEXT),
    _col("quantity_per_month", NUM, "quantity"),
    _col("unit", TEXT),
    _col("unit_price_usd", NUM),
    _col("monthly_usd", NUM),
    _col("usage_based", BOOL),
    _col("confidence", TEXT),
    _col("unconfirmed", BOOL),
    _col("price_ref", TEXT),
    _col("note", TEXT),
)

_STATEMENT_KNOWN: tuple[Column, ...] = (
    _col("stmt_id", ID),
    _col("database", ID),
    _col("kind", TEXT),
    _col("is_write", BOOL),
    _col("parse_status", TEXT),
    _col("key_shape", TEXT),
    _col("calls_observed", NUM, "calls"),
    _col("calls_per_month", NUM, "calls_month"),
    _col("mean_exec_ms", NUM),
    _col("rows_per_call", NUM),
    _col("read_bytes_per_call", NUM),
    _col("write_bytes_per_call", NUM),
    _col("cpu_seconds_per_month", NUM, "cpu_seconds_month"),
    _col("conflict_probability", NUM),
    _col("dsql_compute_dpu_per_call", NUM),
    _col("dsql_read_dpu_per_call", NUM),
    _col("dsql_write_dpu_per_call", NUM),
    _col("dsql_dpu_per_call", NUM),
    _col("dsql_dpu_per_month", NUM, "dsql_dpu_month"),
    _col("dsql_monthly_usd", NUM),
    _col("sv2_monthly_usd", NUM),
    _col("tables_read", TEXT),
    _col("tables_written", TEXT),
    _col("findings", TEXT),
)
_STATEMENT_FLEET: tuple[Column, ...] = (
    _col("cluster_count", NUM, "clusters"),
    _col("database_count", NUM, "databases"),
)
"""Fleet statements are deduplicated across clusters and count where they ran; these columns follow
``findings`` in fleet reports only."""
_STATEMENT_SOURCES = {
    "calls",
    "calls_month",
    "cpu_seconds_month",
    "dsql_dpu_month",
    "clusters",
    "databases",
} | {c.name for c in _STATEMENT_KNOWN}
QUERY_COLUMN = _col("query", TEXT)

FINDING_COLUMNS: tuple[Column, ...] = (
    _col("finding_id", TEXT, "id"),
    _col("severity", TEXT),
    _col("source", TEXT),
    _col("effort", TEXT),
    _col("since", TEXT),
    _col("calls_fraction", NUM, "share_calls"),
    _col("exec_time_fraction", NUM, "share_exec_time"),
    _col("cost_fraction", NUM, "share_cost"),
    Column("statement_count", NUM, lambda row: len(items(row.get("statements")))),
    _col("statements", ID),
    _col("message", TEXT),
    _col("remediation", TEXT),
    _col("sample_query", TEXT),
)

ASSUMPTION_COLUMNS: tuple[Column, ...] = (
    _col("key", TEXT),
    _col("value", AUTO),
    _col("unit", TEXT),
    _col("source", TEXT),
    _col("description", TEXT),
)

CROSSOVER_COLUMNS: tuple[Column, ...] = (
    _col("option_a", TEXT, "a"),
    _col("option_b", TEXT, "b"),
    _col("load_multiplier", NUM, "multiplier"),
    _col("monthly_usd", NUM),
)

HOT_SPOT_CLUSTER = _col("cluster", ID)
"""First column of ``hot_spots.csv`` in fleet reports (a hot spot is inside one cluster)."""
HOT_SPOT_COLUMNS: tuple[Column, ...] = (
    _col("stmt_id", ID),
    _col("table", TEXT),
    _col("key_shape", TEXT),
    _rounded("key_space_keys", 0, "key_space"),
    _rounded("writes_per_second", 4, "rate_per_s"),
    _rounded("conflict_probability", 6),
    _rounded("extra_dpu_per_month", 1, "extra_dpu_month"),
    _col("query", TEXT),
)

CLUSTER_COLUMNS_BEFORE: tuple[Column, ...] = (
    _col("cluster", ID, "name"),
    _col("sources", TEXT),
    _col("window_seconds", NUM),
    _col("window_source", TEXT),
    _col("statement_count", NUM, "statements"),
    _col("database_count", NUM, "databases"),
)
"""``clusters.csv`` columns before the ``<option>_monthly_usd`` columns (one per option)."""
CLUSTER_COLUMNS_AFTER: tuple[Column, ...] = (
    _col("recommended_alone", TEXT),
    _col("predicted_conflict_fraction", NUM, "predicted_conflict_rate"),
    _col("occ_risk", TEXT, "risk"),
    _col("storage_gb", NUM),
)

DATABASE_COLUMNS: tuple[Column, ...] = (
    _col("cluster", ID),
    _col("database", ID),
    _col("statement_count", NUM, "statements"),
    _col("calls_per_month", NUM, "calls_month"),
    _col("dsql_monthly_usd", NUM),
    _col("sv2_monthly_usd", NUM),
)

DECISION_CSV_COLUMNS: tuple[Column, ...] = tuple(
    _col(name, NUM if name == "monthly_usd" else TEXT) for name in DECISION_COLUMNS
)
"""``decision.csv``: the walked tree, its outcome and every option's data locations."""

PLAN_COLUMNS: tuple[Column, ...] = (
    _col("phase", NUM),
    _col("phase_name", TEXT),
    _col("item_id", TEXT, "id"),
    _col("title", TEXT),
    _col("where", TEXT),
    _col("severity", TEXT),
    _col("effort", TEXT),
    _col("mechanical_fix", BOOL, "mechanical"),
    _col("calls_fraction", NUM, "share_calls"),
    _col("cost_fraction", NUM, "share_cost"),
    _col("detail", TEXT),
    _col("query", TEXT),
)
"""``plan.csv``: the migration plan's items (file:line in ``where`` when code was audited)."""

CSV_FILES: tuple[str, ...] = (
    "options.csv",
    "line_items.csv",
    "statements.csv",
    "findings.csv",
    "assumptions.csv",
    "break_even.csv",
    "crossovers.csv",
    "hot_spots.csv",
    "clusters.csv",
    "databases.csv",
    "decision.csv",
    "plan.csv",
)
"""The files :func:`write_csv` writes, in this order (README.md lists each with its columns)."""
FLEET_ONLY: tuple[str, ...] = ("clusters.csv",)
"""Files only a fleet report has rows for: a single export does not write them."""


def csv_files(report: Mapping[str, Any]) -> tuple[str, ...]:
    """The files :func:`write_csv` writes for ``report``: every file of :data:`CSV_FILES`, but the
    fleet-only ones only for a fleet (a single export's ``clusters.csv`` was a header alone)."""
    return tuple(name for name in CSV_FILES if is_fleet(report) or name not in FLEET_ONLY)


def csv_tables(report: Mapping[str, Any]) -> dict[str, tuple[list[str], list[list[str]]]]:
    """Every table as (header, rows of cell strings), keyed by file name, ready to write."""
    tables = _column_tables(report)
    with gc_paused():
        return {name: (header, _rows(cells)) for name, (header, cells) in tables.items()}


def _column_tables(report: Mapping[str, Any]) -> dict[str, tuple[list[str], list[list[str]]]]:
    """Every table as (header, columns of cell strings): tables are built a column at a time."""
    check_report(report)
    with gc_paused():
        return _build_tables(report)


def _build_tables(report: Mapping[str, Any]) -> dict[str, tuple[list[str], list[list[str]]]]:
    tables = {
        "options.csv": _table(OPTION_COLUMNS, list(_option_rows(report))),
        "line_items.csv": _table(LINE_ITEM_COLUMNS, list(_line_item_rows(report))),
        "statements.csv": _table(*_statement_table(report)),
        "findings.csv": _table(FINDING_COLUMNS, _mappings(section(report, "readiness").get("findings"))),
        "assumptions.csv": _table(ASSUMPTION_COLUMNS, _mappings(report.get("assumptions"))),
        "break_even.csv": _columns_of(*_break_even_table(report)),
        "crossovers.csv": _table(
            CROSSOVER_COLUMNS, _mappings(section(report, "break_even").get("crossovers"))
        ),
        "hot_spots.csv": _table(*_hot_spot_table(report)),
        "clusters.csv": _table(_cluster_columns(report), list(fleet_clusters(report))),
        "databases.csv": _table(
            DATABASE_COLUMNS if is_fleet(report) else DATABASE_COLUMNS[1:], list(database_rows(report))
        ),
        "decision.csv": _table(DECISION_CSV_COLUMNS, decision_rows(report)),
        "plan.csv": _table(PLAN_COLUMNS, _plan_rows(report)),
    }
    return tables


def _rows(columns: list[list[str]]) -> list[list[str]]:
    return [list(row) for row in zip(*columns)]


def _columns_of(header: list[str], rows: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    if not rows:
        return header, [[] for _ in header]
    return header, [list(column) for column in zip(*rows)]


def write_csv(
    report: Mapping[str, Any], out_dir: Path, *, bom: bool = True, sensitive: bool = False
) -> list[Path]:
    """Write one CSV per table into ``out_dir`` (created if missing) and return the paths written.

    Each file goes through :func:`costmodel.core.safeio.open_output` (regular files only, mode 0644,
    0600 when ``sensitive``: literals kept).

    Raises :class:`ReportError` when the directory cannot be created or a file cannot be written.
    """
    tables = _column_tables(report)
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(
            f"cannot create the CSV output directory: {exc.strerror or exc}",
            file=str(out_dir),
            hint="give --out a directory you can write to",
        ) from exc
    written: list[Path] = []
    encoding = "utf-8-sig" if bom else "utf-8"
    for name in csv_files(report):
        header, columns = tables[name]
        path = out_dir / name
        try:
            with (
                open_output(path, sensitive=sensitive, example="a new directory") as raw,
                io.TextIOWrapper(raw, encoding=encoding, newline="") as handle,
            ):
                if len(header) < 2:  # csv quotes the lone empty field of a one-column row
                    writer = csv.writer(handle, lineterminator="\r\n")
                    writer.writerow(header)
                    writer.writerows(_rows(columns))
                else:
                    with gc_paused():
                        text = _csv_text(header, columns)
                    handle.write(text)
        except OSError as exc:
            raise ReportError(
                f"cannot write {name}: {exc.strerror or exc}",
                file=str(path),
                hint="give --out a directory you can write to",
            ) from exc
        written.append(path)
    return written


def _table(columns: Sequence[Column], rows: Sequence[Row]) -> tuple[list[str], list[list[str]]]:
    """The header and the columns of cells: each column is read and written in one pass."""
    header = [neutralise(c.name) for c in columns]
    read = _read_keys(rows, [c.key for c in columns if c.key is not None])
    body = []
    for column in columns:
        if column.key is not None and read is not None:
            values = read.get(column.key) or [None] * len(rows)
        else:
            values = list(map(column.get, rows))
        body.append(column_cells(column.kind, values))
    return header, body


def _read_keys(rows: Sequence[Row], keys: list[str]) -> dict[str, list[Any]] | None:
    """The values of ``keys`` as columns when every row is a dict with the same keys (one pass over
    the rows, then a transpose); a key no row has is left out (its cells are empty). None when the
    rows differ, and each column is then read with ``Column.get``."""
    if len(rows) < 2 or set(map(type, rows)) != {dict}:
        return None
    first = rows[0]
    present = [k for k in dict.fromkeys(keys) if k in first]
    if len(present) < 2 or set(map(len, rows)) != {len(first)}:
        return None
    try:
        values = list(map(operator.itemgetter(*first), rows))  # same size, same keys: same key set
    except KeyError:
        return None
    position = {key: index for index, key in enumerate(first)}
    columns = list(zip(*values))
    return {key: list(columns[position[key]]) for key in present}


_QUOTED = re.compile('[",\r\n]')
"""Characters that make the csv module (QUOTE_MINIMAL, ``,`` delimiter, CRLF) quote a field."""


def _csv_text(header: list[str], columns: list[list[str]]) -> str:
    """The table as ``csv.writer(lineterminator="\\r\\n")`` writes it (at least two columns): fields
    quoted when they hold a comma, quote or line break, quotes doubled; one ``join`` per row."""
    lines = [",".join(_quote_column(header))]
    lines += map(",".join, zip(*(_quote_column(column) for column in columns)))
    lines.append("")
    return "\r\n".join(lines)


def _quote_column(column: list[str]) -> list[str]:
    if not _QUOTED.search("".join(column)):
        return column
    cache = {v: '"' + v.replace('"', '""') + '"' if _QUOTED.search(v) else v for v in set(column)}
    return list(map(cache.__getitem__, column))


def _mappings(value: Any) -> list[Row]:
    return [v for v in items(value) if isinstance(v, Mapping)]


def _sv2_basis(option: Mapping[str, Any]) -> Row:
    """What a Serverless v2 option was sized from and its HA assumption; a Savings Plan's terms."""
    details = section(option, "details")
    plan = section(details, "savings_plan")
    return {
        "capacity_source": details.get("capacity_source"),
        "capacity_source_detail": details.get("capacity_source_detail"),
        "ha_assumption": details.get("ha"),
        "savings_plan": plan.get("summary") or details.get("savings_plan_variant"),
    }


def _option_rows(report: Mapping[str, Any]) -> Iterator[Row]:
    verdict = section(report, "verdict")
    cheapest = cheapest_total(report)
    for option in option_list(report):
        line_items = _mappings(option.get("line_items"))
        usage = [
            i["monthly_usd"]
            for i in line_items
            if i.get("usage_based", True) and is_number(i.get("monthly_usd"))
        ]
        fixed = [
            i["monthly_usd"]
            for i in line_items
            if not i.get("usage_based", True) and is_number(i.get("monthly_usd"))
        ]
        total = option.get("total_monthly_usd")
        above = above_fraction = None
        if cheapest is not None and is_number(total):
            above = round(float(total) - cheapest, 2)
            above_fraction = round(float(total) / cheapest - 1, 4) if cheapest > 0 else None
        span = option.get("total_monthly_usd_range")
        low, high = (span[0], span[1]) if isinstance(span, list) and len(span) == 2 else (None, None)
        yield {
            **option,
            "total_monthly_usd_low": low,
            "total_monthly_usd_high": high,
            "usage_based_monthly_usd": round(sum(float(v) for v in usage), 4),
            "fixed_monthly_usd": round(sum(float(v) for v in fixed), 4),
            "above_cheapest_monthly_usd": above,
            "above_cheapest_fraction": above_fraction,
            "recommended": option.get("name") == verdict.get("recommended"),
            "cheapest": option.get("name") == verdict.get("cheapest"),
            "line_item_count": len(line_items),
            "unconfirmed_line_item_count": sum(1 for i in line_items if is_unconfirmed(i)),
            **_sv2_basis(option),
            "warnings": items(option.get("warnings")),
        }


def _line_item_rows(report: Mapping[str, Any]) -> Iterator[Row]:
    for option in option_list(report):
        for item in _mappings(option.get("line_items")):
            yield {"option": option.get("name"), **item, "unconfirmed": is_unconfirmed(item)}


def _statement_table(report: Mapping[str, Any]) -> tuple[list[Column], list[Row]]:
    rows = _mappings(report.get("statements"))
    shapes = {tuple(row) for row in rows}  # a few key sets (usually one) for 100,000 rows
    extra: set[str] = set()
    for shape in shapes:
        extra.update(str(k) for k in shape if k not in _STATEMENT_SOURCES and k != "query")
    columns = [*_STATEMENT_KNOWN]
    columns += [
        c
        for c in _STATEMENT_FLEET
        if any(c.key in shape for shape in shapes) and any(c.get(r) is not None for r in rows)
    ]
    for name in sorted(extra):
        sample = next((r[name] for r in rows if r.get(name) is not None), None)
        kind = NUM if is_number(sample) else BOOL if isinstance(sample, bool) else TEXT
        columns.append(_col(name, kind))
    columns.append(QUERY_COLUMN)
    return columns, rows


def _break_even_table(report: Mapping[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Wide form, ready to chart: one row per load multiplier, one ``<option>_monthly_usd`` column per option."""
    break_even = section(report, "break_even")
    multipliers = items(break_even.get("multipliers"))
    costs = section(break_even, "costs")
    names = [str(o.get("name")) for o in option_list(report) if o.get("name") in costs]
    names += sorted(str(n) for n in costs if n not in names)
    header = [neutralise(h) for h in ["load_multiplier", *(f"{n}_monthly_usd" for n in names)]]
    rows: list[list[str]] = []
    for index, multiplier in enumerate(multipliers):
        row = [cell(multiplier, NUM)]
        for name in names:
            series = items(costs.get(name))
            row.append(cell(series[index] if index < len(series) else None, NUM))
        rows.append(row)
    return header, rows


def _hot_spot_table(report: Mapping[str, Any]) -> tuple[list[Column], list[Row]]:
    """Hot spots; in a fleet report each one names its cluster in the first column."""
    rows = _mappings(section(report, "contention").get("hot_spots"))
    if any("cluster" in row for row in rows):
        return [HOT_SPOT_CLUSTER, *HOT_SPOT_COLUMNS], rows
    return list(HOT_SPOT_COLUMNS), rows


def _cluster_columns(report: Mapping[str, Any]) -> list[Column]:
    """One ``<option>_monthly_usd`` column per option (the cluster's own total, before account-level
    lines), between the cluster's facts and its verdict; the header is stable for a given set of
    options, so a single-cluster report writes the same header with no rows."""
    totals = [Column(f"{name}_monthly_usd", NUM, _cluster_total(name)) for name in fleet_option_names(report)]
    return [*CLUSTER_COLUMNS_BEFORE, *totals, *CLUSTER_COLUMNS_AFTER]


def _cluster_total(option: str) -> Callable[[Row], Any]:
    return lambda row: section(row, "totals").get(option)


def _plan_rows(report: Mapping[str, Any]) -> list[Row]:
    """Every item the report keeps of each plan phase, with the phase's number and name."""
    return [
        {**item, "phase": phase.get("number"), "phase_name": phase.get("name")}
        for phase in _mappings(section(report, "plan").get("phases"))
        for item in _mappings(phase.get("items"))
    ]
