"""DSQL statement statistics: per-statement measured calls, time, rows and DPU as calibration truth.

Aurora DSQL can publish, per normalised statement, calls, planning + execution time, rows and DPUs
(CloudWatch metrics, the normalised SQL in CloudWatch Logs; ``reference/dsql-pricing.md``,
additions 2026-12-07). AWS's metric and label names were not seen when this was written, so the
accepted export is a JSON form with documented field names and aliases (``docs/calibration.md``):

* a JSON array of records, JSON lines, or a CloudWatch Logs export (``aws logs filter-log-events``:
  ``{"events": [{"timestamp": …, "message": "<one JSON record>"}]}``);
* each record: ``query`` (the normalised SQL), ``calls``, ``total_time_ms`` (planning + execution),
  ``rows``, ``dpu`` (total), and optionally ``compute_dpu``, ``read_dpu``, ``write_dpu``. Several
  records of one query (one per period) are summed.

A missing required field is an error naming the file, the record and the field (exit 2).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from costmodel.calibrate.explain import DpuBlock
from costmodel.core.errors import CalibrationError
from costmodel.core.safeio import read_text

FIELDS: dict[str, tuple[str, ...]] = {
    "query": ("query", "normalized_sql", "normalised_sql", "sql", "statement", "query_text"),
    "calls": ("calls", "call_count", "executions"),
    "total_time_ms": ("total_time_ms", "total_time", "time_ms", "total_exec_time"),
    "rows": ("rows", "row_count"),
    "dpu": ("dpu", "total_dpu", "dpus"),
    "compute_dpu": ("compute_dpu",),
    "read_dpu": ("read_dpu",),
    "write_dpu": ("write_dpu",),
}
"""Canonical field → accepted names (compared without case, ``_`` or ``-``: ``totalDpu`` works)."""
REQUIRED = ("query", "calls", "total_time_ms", "rows", "dpu")
HINT = (
    "each record needs query, calls, total_time_ms, rows and dpu (compute_dpu, read_dpu, write_dpu "
    "optional); see docs/calibration.md"
)


@dataclass(frozen=True)
class StatementStat:
    """One normalised statement's measured totals over the export's window."""

    query: str
    calls: float
    total_time_ms: float
    rows: float
    dpu: float
    components: dict[str, float]
    """``compute``/``read``/``write`` DPU totals where the export has them."""
    file: str
    record: int

    def per_call(self, component: str = "total") -> float | None:
        """Measured DPU per call (``total`` or a component; None when the export lacks it)."""
        value = self.dpu if component == "total" else self.components.get(component)
        return None if value is None or self.calls <= 0 else value / self.calls


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


_ALIASES = {_key(alias): canon for canon, names in FIELDS.items() for alias in names}


def _records(text: str, file: str) -> list[Any]:
    stripped = text.strip()
    if not stripped:
        raise CalibrationError("statement statistics file is empty", file=file, hint=HINT)
    try:
        data = json.loads(stripped)
    except json.JSONDecodeError:
        data = None
    if data is None:  # JSON lines
        out = []
        for n, line in enumerate(stripped.splitlines(), start=1):
            if line.strip():
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise CalibrationError(f"not JSON: {exc.msg}", file=file, row=n, hint=HINT) from None
        return out
    if isinstance(data, dict) and isinstance(data.get("events"), list):
        out = []
        for n, event in enumerate(data["events"], start=1):
            message = event.get("message") if isinstance(event, dict) else None
            try:
                out.append(json.loads(message) if isinstance(message, str) else message)
            except json.JSONDecodeError:
                raise CalibrationError(
                    "log event message is not a JSON record", file=file, row=n, column="message", hint=HINT
                ) from None
        return out
    return data if isinstance(data, list) else [data]


def _number(value: Any, file: str, record: int, field: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or number < 0:
        raise CalibrationError(
            f"record {record}: {field} = {value!r} is not a non-negative number",
            file=file,
            row=record,
            column=field,
            hint=HINT,
        )
    return number


def read_statement_stats(path: str | Path) -> list[StatementStat]:
    """The export's statements (records of one query summed), in first-seen order."""
    file = str(path)
    text = read_text(path, CalibrationError, "statement statistics file", hint=HINT)
    merged: dict[str, StatementStat] = {}
    for n, raw in enumerate(_records(text, file), start=1):
        if not isinstance(raw, dict):
            raise CalibrationError(f"record {n} is not a JSON object", file=file, row=n, hint=HINT)
        fields = {_ALIASES[_key(k)]: v for k, v in raw.items() if _key(k) in _ALIASES}
        for name in REQUIRED:
            if fields.get(name) in (None, ""):
                raise CalibrationError(
                    f"record {n} has no {name!r} field", file=file, row=n, column=name, hint=HINT
                )
        query = str(fields["query"])
        nums = {k: _number(fields[k], file, n, k) for k in ("calls", "total_time_ms", "rows", "dpu")}
        comps = {
            k.removesuffix("_dpu"): _number(fields[k], file, n, k)
            for k in ("compute_dpu", "read_dpu", "write_dpu")
            if fields.get(k) not in (None, "")
        }
        seen = merged.get(query)
        if seen is not None:
            comps = {k: seen.components.get(k, 0.0) + v for k, v in comps.items()}
            nums = {
                "calls": seen.calls + nums["calls"],
                "total_time_ms": seen.total_time_ms + nums["total_time_ms"],
                "rows": seen.rows + nums["rows"],
                "dpu": seen.dpu + nums["dpu"],
            }
        merged[query] = StatementStat(
            query, components=comps, file=file, record=n if seen is None else seen.record, **nums
        )
    if not merged:
        raise CalibrationError("no statement records found", file=file, hint=HINT)
    return list(merged.values())


def as_blocks(stats: list[StatementStat]) -> list[DpuBlock]:
    """Per-call measured DPU of each statement as EXPLAIN-like blocks, so the same matching and fit apply.

    Calibration needs the components: a statement without ``compute_dpu``/``read_dpu``/``write_dpu``
    is an error naming the first missing field.
    """
    out = []
    for s in stats:
        for comp in ("compute", "read", "write"):
            if comp not in s.components:
                raise CalibrationError(
                    f"record {s.record} ({s.query[:40]!r}) has no '{comp}_dpu' field: calibration fits each "
                    "DPU component",
                    file=s.file,
                    row=s.record,
                    column=f"{comp}_dpu",
                    hint=HINT,
                )
        per = {
            k: Decimal(repr(s.components[k] / s.calls)) if s.calls > 0 else Decimal(0) for k in s.components
        }
        out.append(
            DpuBlock(
                file=s.file,
                line=s.record,
                label=f"statement statistics: {s.query[:40]}",
                query=s.query,
                query_identifier=None,
                planning_ms=None,
                execution_ms=s.total_time_ms / s.calls if s.calls > 0 else None,
                compute=per["compute"],
                read=per["read"],
                write=per["write"],
                total=Decimal(repr(s.dpu / s.calls)) if s.calls > 0 else Decimal(0),
            )
        )
    return out


def _fingerprint(sql: str) -> str | None:
    from pglast import parser

    try:
        return str(parser.fingerprint(sql))
    except Exception:  # unparsable text: matched by text only
        return None


def _normalised(sql: str) -> str:
    return " ".join(sql.split()).rstrip(";").strip().lower()


def compare_measured(stats: list[StatementStat], statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Measured vs modelled DSQL DPU per call for every measured statement (``report --measured``).

    ``statements`` are the report's statement records (``query`` and ``dsql_*_dpu_per_call``);
    a measured statement is matched by SQL text, then by pglast fingerprint, or listed unmatched.
    """
    by_text: dict[str, dict[str, Any]] = {}
    by_print: dict[str, dict[str, Any]] = {}
    for rec in statements:
        query = rec.get("query")
        if isinstance(query, str):
            by_text.setdefault(_normalised(query), rec)
            fp = _fingerprint(query)
            if fp is not None:
                by_print.setdefault(fp, rec)
    out = []
    for s in stats:
        found: dict[str, Any] | None = by_text.get(_normalised(s.query))
        if found is None:
            fp = _fingerprint(s.query)
            found = by_print.get(fp) if fp is not None else None
        row: dict[str, Any] = {"query": s.query, "calls": s.calls, "measured_dpu_per_call": s.per_call()}
        if found is None:
            row.update(
                stmt_id=None, modelled_dpu_per_call=None, error=None, unmatched="no workload statement"
            )
            out.append(row)
            continue
        modelled = found.get("dsql_dpu_per_call")
        measured = s.per_call()
        row["stmt_id"] = found.get("stmt_id")
        row["modelled_dpu_per_call"] = modelled
        row["error"] = (
            None if modelled is None or not measured else round(float(modelled) / measured - 1.0, 4)
        )
        for comp in ("compute", "read", "write"):
            value = s.per_call(comp)
            if value is not None:
                row[f"measured_{comp}_dpu_per_call"] = value
                row[f"modelled_{comp}_dpu_per_call"] = found.get(f"dsql_{comp}_dpu_per_call")
        out.append(row)
    return out


def measured_table(rows: list[dict[str, Any]]) -> str:
    """The comparison as plain text (the table, Markdown and HTML formats print it after the report)."""
    lines = [
        "Measured (DSQL statement statistics) vs modelled DSQL DPU per call",
        f"{'statement':<48} {'calls':>10} {'measured':>10} {'modelled':>10} {'error':>8}",
    ]
    for r in rows:
        query = " ".join(str(r["query"]).split())[:48]
        measured = r["measured_dpu_per_call"]
        modelled = r["modelled_dpu_per_call"]
        error = "unmatched" if r.get("unmatched") else ("-" if r["error"] is None else f"{r['error']:+.0%}")
        lines.append(
            f"{query:<48} {r['calls']:>10,.0f} {measured if measured is None else f'{measured:.5f}':>10} "
            f"{'-' if modelled is None else f'{float(modelled):.5f}':>10} {error:>8}"
        )
    return "\n".join(lines) + "\n"
