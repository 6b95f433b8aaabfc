"""The report as JSON: the contract itself, in a stable key order.

Why a canonical order: ``dsqlcost report --format json`` output is diffed between runs and
committed as a golden file, so the same report must always print the same bytes whatever order
the builder inserted keys in. Known records (the top level, options, line items, statements,
findings …) keep the order of ``docs/report-contract.md`` with ``schema_version`` first; keys the
contract does not name follow, sorted; free-form mappings (``details``, ``costs``, ``totals``, ``as_of`` …)
are sorted. Numbers stay numbers (``Decimal`` and numpy scalars become JSON numbers); a NaN or an
infinity is a bug in the builder and raises :class:`ReportError` naming where it is.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from decimal import Decimal
from numbers import Integral, Real
from typing import Any

from costmodel.errors import ReportError
from costmodel.report.common import check_report

_ORDERS: dict[str, tuple[str, ...]] = {
    "report": (
        "schema_version",
        "tool",
        "generated_at",
        "title",
        "inputs",
        "window",
        "scenario",
        "prices",
        "calibration",
        "assumptions",
        "options",
        "verdict",
        "break_even",
        "readiness",
        "contention",
        "statements",
        "databases",
        "fleet",
        "warnings",
    ),
    "tool": ("name", "version"),
    "inputs": (
        "sources",
        "generation",
        "rows_read",
        "statements",
        "excluded",
        "missing_signals",
        "unclassifiable",
        "parse_errors",
        "truncated",
        "server",
        "notes",
        "literals",
    ),
    "window": ("seconds", "source", "detail", "start", "end"),
    "scenario": ("name", "source", "yaml", "regions", "growth", "time_profile"),
    "regions": ("primary", "dsql_peers", "dsql_witness", "global_secondaries"),
    "prices": ("as_of", "unconfirmed", "overrides"),
    "calibration": ("file", "factors", "fitted_from"),
    "assumption": ("key", "value", "unit", "source", "description"),
    "option": (
        "name",
        "kind",
        "title",
        "total_monthly_usd",
        "line_items",
        "details",
        "warnings",
        "top_statements",
    ),
    "line_item": (
        "component",
        "region",
        "quantity",
        "unit",
        "unit_price_usd",
        "monthly_usd",
        "price_ref",
        "usage_based",
        "confidence",
        "note",
    ),
    "top_statement": ("stmt_id", "query", "calls_month", "monthly_usd", "share", "dpu_per_call", "clusters"),
    "verdict": ("recommended", "cheapest", "headline", "reasons", "readiness", "latency"),
    "break_even": ("multipliers", "costs", "crossovers"),
    "crossover": ("a", "b", "multiplier", "monthly_usd"),
    "readiness": ("as_of", "verdict", "summary", "dsql_lint_version", "findings"),
    "finding": (
        "id",
        "severity",
        "source",
        "message",
        "remediation",
        "effort",
        "since",
        "statements",
        "sample_query",
        "share_calls",
        "share_exec_time",
        "share_cost",
    ),
    "contention": ("predicted_conflict_rate", "risk", "clusters", "hot_spots"),
    "contention_cluster": ("cluster", "predicted_conflict_rate", "risk"),
    "hot_spot": (
        "cluster",
        "stmt_id",
        "query",
        "table",
        "key_shape",
        "key_space",
        "rate_per_s",
        "conflict_probability",
        "extra_dpu_month",
    ),
    "statement": (
        "stmt_id",
        "query",
        "database",
        "kind",
        "is_write",
        "calls",
        "calls_month",
        "mean_exec_ms",
        "rows_per_call",
        "tables_read",
        "tables_written",
        "key_shape",
        "parse_status",
        "read_bytes_per_call",
        "write_bytes_per_call",
        "cpu_seconds_month",
        "conflict_probability",
        "dsql_compute_dpu_per_call",
        "dsql_read_dpu_per_call",
        "dsql_write_dpu_per_call",
        "dsql_dpu_per_call",
        "dsql_dpu_month",
        "dsql_monthly_usd",
        "sv2_monthly_usd",
        "findings",
        "clusters",
        "databases",
    ),
    "database": ("cluster", "database", "statements", "calls_month", "dsql_monthly_usd", "sv2_monthly_usd"),
    "fleet": ("clusters", "statement_rows", "distinct_statements"),
    "fleet_cluster": (
        "name",
        "sources",
        "window_seconds",
        "window_source",
        "statements",
        "databases",
        "totals",
        "recommended_alone",
        "predicted_conflict_rate",
        "risk",
        "storage_gb",
    ),
}

# (record type, key) → record type of the value (a list value means: each element has that type).
_CHILDREN: dict[tuple[str, str], str] = {
    ("report", "tool"): "tool",
    ("report", "inputs"): "inputs",
    ("report", "window"): "window",
    ("report", "scenario"): "scenario",
    ("report", "prices"): "prices",
    ("report", "calibration"): "calibration",
    ("report", "assumptions"): "assumption",
    ("report", "options"): "option",
    ("report", "verdict"): "verdict",
    ("report", "break_even"): "break_even",
    ("report", "readiness"): "readiness",
    ("report", "contention"): "contention",
    ("report", "statements"): "statement",
    ("report", "databases"): "database",
    ("report", "fleet"): "fleet",
    ("fleet", "clusters"): "fleet_cluster",
    ("contention", "clusters"): "contention_cluster",
    ("scenario", "regions"): "regions",
    ("option", "line_items"): "line_item",
    ("option", "top_statements"): "top_statement",
    ("break_even", "crossovers"): "crossover",
    ("readiness", "findings"): "finding",
    ("contention", "hot_spots"): "hot_spot",
}


_ONE_LINE_RECORDS = frozenset({"statements", "databases"})
"""Top-level lists written one record per line: they grow with the workload (a fleet has thousands
of databases, a million statements), and a changed record is then a one-line diff."""


def render_json(report: Mapping[str, Any], *, indent: int | None = 2) -> str:
    """The report dict as JSON text (UTF-8, not ASCII-escaped), ending with a newline.

    Objects are indented; lists of plain values (``multipliers``, ``tables_read``) stay on one
    line, and each ``statements`` and ``databases`` record is one line: a 5,000-statement report
    stays fast to write and a changed statement is a one-line diff. ``indent=None`` writes
    everything on one line.
    ``json.loads(render_json(r))`` equals ``r`` for every JSON-compatible report dict.
    """
    check_report(report)
    ordered = _ordered(report, "report")
    try:
        if indent is None:
            text = _compact(ordered)
        else:
            text = _pretty(ordered, "", " " * indent, top=True)
    except (TypeError, ValueError) as exc:
        raise _locate(report, "$") or ReportError(
            f"the report cannot be written as JSON: {exc}", hint="this is a bug in the report builder"
        ) from exc
    return text + "\n"


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, default=_default, separators=(", ", ": "))


def _pretty(value: Any, pad: str, step: str, *, top: bool = False) -> str:
    inner = pad + step
    if isinstance(value, dict) and value:
        parts = []
        for key, child in value.items():
            if top and key in _ONE_LINE_RECORDS and isinstance(child, list) and child:
                rows = ",\n".join(inner + step + _compact(row) for row in child)
                parts.append(f"{inner}{_compact(key)}: [\n{rows}\n{inner}]")
            else:
                parts.append(f"{inner}{_compact(key)}: {_pretty(child, inner, step)}")
        return "{\n" + ",\n".join(parts) + "\n" + pad + "}"
    if isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        return "[\n" + ",\n".join(inner + _pretty(v, inner, step) for v in value) + "\n" + pad + "]"
    return _compact(value)


def canonical_report(report: Mapping[str, Any]) -> dict[str, Any]:
    """The report with plain JSON types and canonical key order (what :func:`render_json` prints)."""
    result = json.loads(render_json(report, indent=None))
    assert isinstance(result, dict)
    return result


def _ordered(value: Any, record: str | None) -> Any:
    """``value`` with every mapping's keys in canonical order (``record`` names the known order)."""
    if isinstance(value, Mapping):
        order = _ORDERS.get(record or "")
        if order is None:
            keys = sorted(value, key=str)
        else:
            keys = [k for k in order if k in value]
            if len(keys) != len(value):
                known = set(keys)
                keys += sorted((k for k in value if k not in known), key=str)
        out: dict[str, Any] = {}
        for key in keys:
            child = value[key]
            if child is None or isinstance(child, str | int | float):
                out[str(key)] = child  # scalars: no recursion (most of a large report)
            else:
                out[str(key)] = _ordered(child, _CHILDREN.get((record or "", str(key))))
        return out
    if isinstance(value, list | tuple):
        if value and isinstance(value[0], Mapping | list | tuple):
            return [_ordered(v, record) for v in value]
        return list(value)
    return value


def _default(value: Any) -> Any:
    """JSON for the number types ``json`` does not know (Decimal, numpy scalars)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Decimal | Real):
        return float(value)
    if hasattr(value, "item") and callable(value.item):  # numpy bool_ and other scalars
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _locate(value: Any, path: str) -> ReportError | None:
    """The first value JSON cannot hold (a non-finite number, an unknown type), as an error naming
    its path; only run after ``json.dumps`` failed, so the fast path builds no path strings."""
    if value is None or isinstance(value, bool | str | int):
        return None
    if isinstance(value, Mapping):
        for key, child in value.items():
            found = _locate(child, f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(value, list | tuple):
        for index, child in enumerate(value):
            found = _locate(child, f"{path}[{index}]")
            if found:
                return found
        return None
    try:
        number = float(_default(value))
    except (TypeError, ValueError):
        return ReportError(
            f"the report holds a {type(value).__name__} at {path}, which JSON cannot represent",
            hint="this is a bug in the report builder: please report it with the input",
        )
    if not math.isfinite(number):
        return ReportError(
            f"the report holds a non-finite number ({value}) at {path}",
            hint="this is a bug in the report builder: please report it with the input",
        )
    return None
