"""Build the report dict (``docs/report-contract.md``) from one scenario run.

This is the only place that turns pipeline objects into the plain, JSON-ready structure every
front end renders. Query texts are redacted here (literals → ``$n``) unless the caller asks to
show literals, so no renderer can leak them by accident.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from costmodel import __version__
from costmodel.analysis import RunResult
from costmodel.estimate import Assumption, LineItem, OptionEstimate
from costmodel.report.redact import redact_query
from costmodel.scenario import scenario_to_yaml
from costmodel.workload import Workload

SCHEMA_VERSION = 1
TOP_N = 10
BREAK_EVEN_POINTS = 201
"""Points of the break-even curve kept in the report (the sweep itself is finer; crossovers are exact)."""
_REF = re.compile(r"^(?P<key>\S+) as_of (?P<as_of>\S+)")


def _clean(value: Any) -> Any:
    """JSON-safe scalars: numpy → Python, NaN/inf → None, Decimal → float, tuples → lists."""
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_clean(v) for v in value.tolist()]
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def _num(value: Any, places: int | None = None) -> float | None:
    if value is None or value is pd.NA:
        return None
    out = float(value)
    if not math.isfinite(out):
        return None
    return round(out, places) if places is not None else out


def _query(text: Any, show_literals: bool) -> str | None:
    if text is None or (isinstance(text, float) and math.isnan(text)) or text is pd.NA:
        return None
    return str(text) if show_literals else redact_query(str(text))


def _line_item(item: LineItem) -> dict[str, Any]:
    return {
        "component": item.component,
        "region": item.region,
        "quantity": _num(item.quantity, 6),
        "unit": item.unit,
        "unit_price_usd": _num(item.unit_price, 12),
        "monthly_usd": _num(item.monthly_usd, 4),
        "price_ref": item.price_ref,
        "usage_based": item.usage_based,
        "confidence": item.confidence,
        "note": item.note,
    }


def _top_statements(option: OptionEstimate, queries: pd.Series, show_literals: bool) -> list[dict[str, Any]]:
    frame = option.statements
    if frame is None or "monthly_usd" not in frame or frame.empty:
        return []
    usd = frame["monthly_usd"].astype(float).fillna(0.0)
    total = float(usd.sum())
    rows = []
    for idx in usd.sort_values(ascending=False).index[:TOP_N]:
        if usd[idx] <= 0:
            break
        row = frame.loc[idx]
        dpu = row.get("total_dpu_per_call") if "total_dpu_per_call" in frame else None
        rows.append(
            {
                "stmt_id": str(row.get("stmt_id", idx)),
                "query": _query(queries.get(idx), show_literals),
                "calls_month": _num(row.get("calls_month"), 3),
                "monthly_usd": _num(usd[idx], 4),
                "share": _num(usd[idx] / total, 6) if total > 0 else None,
                "dpu_per_call": _num(dpu, 8) if dpu is not None else None,
            }
        )
    return rows


def _option(option: OptionEstimate, queries: pd.Series, show_literals: bool) -> dict[str, Any]:
    return {
        "name": option.name,
        "kind": option.kind,
        "title": option.title,
        "total_monthly_usd": _num(option.total_monthly_usd, 2),
        "line_items": [_line_item(i) for i in option.line_items],
        "details": _clean(option.details),
        "warnings": list(option.warnings),
        "top_statements": _top_statements(option, queries, show_literals),
    }


def _prices(options: Iterable[OptionEstimate], overrides: Iterable[str]) -> dict[str, Any]:
    as_of: dict[str, str] = {}
    unconfirmed: list[str] = []
    for option in options:
        for item in option.line_items:
            match = _REF.match(item.price_ref)
            if not match:
                continue
            as_of[match["key"]] = match["as_of"]
            if "UNCONFIRMED" in item.price_ref and match["key"] not in unconfirmed:
                unconfirmed.append(match["key"])
    return {
        "as_of": dict(sorted(as_of.items())),
        "unconfirmed": sorted(unconfirmed),
        "overrides": list(overrides),
    }


def _assumption(a: Assumption) -> dict[str, Any]:
    return {
        "key": a.key,
        "value": _clean(a.value),
        "unit": a.unit,
        "source": a.source,
        "description": a.description,
    }


def _inputs(workload: Workload, show_literals: bool) -> dict[str, Any]:
    df = workload.statements
    status = df["parse_status"] if "parse_status" in df else pd.Series(dtype=str)
    info = workload.info or {}
    server = info.get("server") if isinstance(info.get("server"), Mapping) else {}
    return {
        "sources": list(workload.sources),
        "generation": workload.generation,
        "rows_read": int(workload.rows_read),
        "statements": len(df),
        "excluded": dict(workload.excluded),
        "missing_signals": list(workload.missing_signals),
        "unclassifiable": workload.unclassifiable_count,
        "parse_errors": int((status == "parse_error").sum()),
        "truncated": int((status == "truncated").sum()),
        "server": _clean(
            {
                "version": (server or {}).get("version", info.get("server_version")),
                "extversion": (server or {}).get("extversion", info.get("extversion")),
            }
        ),
        "notes": list(workload.notes),
        "literals": "shown" if show_literals else "redacted",
    }


def _statements(result: RunResult, show_literals: bool) -> list[dict[str, Any]]:
    df = result.workload.statements
    usage = result.usage.statements
    dsql = result.options[0].statements if result.options and result.options[0].kind == "dsql" else None
    findings = result.readiness.statements["findings"] if result.readiness is not None else None
    conflict = result.contention.conflict_probability
    out = []
    for idx in df.index:
        row = df.loc[idx]
        u = usage.loc[idx]
        calls = _num(row.get("calls"), 3)
        mean_ms = _num(row["total_exec_time"] / row["calls"], 6) if row.get("calls") else None
        record: dict[str, Any] = {
            "stmt_id": str(row.get("stmt_id", idx)),
            "query": _query(row.get("query"), show_literals),
            "kind": row.get("kind"),
            "is_write": _clean(row.get("is_write")),
            "parse_status": row.get("parse_status"),
            "calls": calls,
            "calls_month": _num(u.get("calls_month"), 3),
            "mean_exec_ms": mean_ms,
            "rows_per_call": _num(u.get("rows_per_call"), 4),
            "tables_read": _clean(row.get("tables_read") or ()),
            "tables_written": _clean(row.get("tables_written") or ()),
            "key_shape": row.get("key_shape"),
            "read_bytes_per_call": _num(u.get("read_bytes_per_call"), 1),
            "write_bytes_per_call": _num(u.get("write_bytes_per_call"), 1),
            "cpu_seconds_month": _num(u.get("cpu_seconds_month"), 4),
            "conflict_probability": _num(conflict.get(idx), 6) if idx in conflict.index else None,
        }
        if dsql is not None and idx in dsql.index:
            d = dsql.loc[idx]
            record.update(
                {
                    "dsql_compute_dpu_per_call": _num(d.get("compute_dpu_per_call"), 8),
                    "dsql_read_dpu_per_call": _num(d.get("read_dpu_per_call"), 8),
                    "dsql_write_dpu_per_call": _num(d.get("write_dpu_per_call"), 8),
                    "dsql_dpu_per_call": _num(d.get("total_dpu_per_call"), 8),
                    "dsql_dpu_month": _num(d.get("dpu_month"), 3),
                    "dsql_monthly_usd": _num(d.get("monthly_usd"), 4),
                }
            )
        record["findings"] = list(findings.loc[idx]) if findings is not None and idx in findings.index else []
        out.append(record)
    return out


SHORT_WINDOW_SECONDS = 3600.0
"""Below an hour of observation, a monthly figure is a long extrapolation: the report says so."""


def _warnings(result: RunResult) -> list[str]:
    seen: dict[str, None] = {}
    seconds = result.workload.window.seconds
    if seconds < SHORT_WINDOW_SECONDS:
        seen[
            f"the observation window is only {seconds:,.0f} s: monthly figures extrapolate it to 730 h at the "
            "observed rate (shaped by the scenario's time profile); collect over hours or days for a budget"
        ] = None
    for option in result.options:
        for w in option.warnings:
            seen.setdefault(w, None)
    for w in result.usage.warnings:
        seen.setdefault(w, None)
    for signal in result.workload.missing_signals:
        seen.setdefault(
            f"signal missing from the export: {signal} (see the estimators in the assumptions)", None
        )
    return list(seen)


def build_report(
    result: RunResult,
    *,
    show_literals: bool = False,
    title: str | None = None,
    generated_at: dt.datetime | None = None,
    break_even_points: int = BREAK_EVEN_POINTS,
) -> dict[str, Any]:
    """The report dict of ``result`` (schema_version 1); every query text redacted by default."""
    workload, scenario = result.workload, result.scenario
    queries = workload.statements["query"] if "query" in workload.statements else pd.Series(dtype=object)
    when = generated_at or dt.datetime.now(dt.UTC).replace(microsecond=0)
    name = title or (
        f"{', '.join(s.rstrip('/').split('/')[-1] for s in workload.sources)}: DSQL vs Aurora Serverless v2"
    )
    window = workload.window
    report: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "dsqlcost", "version": __version__},
        "generated_at": when.isoformat().replace("+00:00", "Z"),
        "title": name,
        "inputs": _inputs(workload, show_literals),
        "window": {
            "seconds": window.seconds,
            "source": window.source,
            "detail": window.detail,
            "start": _clean(window.start),
            "end": _clean(window.end),
        },
        "scenario": {
            "name": scenario.name,
            "source": scenario.source,
            "yaml": scenario_to_yaml(scenario),
            "regions": {
                "primary": scenario.regions.primary,
                "dsql_peers": list(scenario.regions.dsql_peers),
                "dsql_witness": scenario.regions.dsql_witness,
                "global_secondaries": list(scenario.regions.global_secondaries),
            },
            "growth": scenario.growth,
            "time_profile": scenario.time_profile.kind,
        },
        "prices": _prices(result.options, result.catalog.overrides),
        "calibration": _clean(result.calibration.summary()) if result.calibration is not None else None,
        "assumptions": [_assumption(a) for a in result.assumptions],
        "options": [_option(o, queries, show_literals) for o in result.options],
        "verdict": result.verdict.to_dict(),
        "break_even": result.break_even.to_dict(points=break_even_points),
        "readiness": _clean(result.readiness.to_dict()) if result.readiness is not None else None,
        "contention": _clean(result.contention.to_dict()),
        "statements": _statements(result, show_literals),
        "warnings": _warnings(result),
    }
    if not show_literals:
        _redact_nested(report["readiness"])
        _redact_nested(report["contention"])
    return report


def _redact_nested(section: Any) -> None:
    """Redact every ``query`` / ``sample_query`` text inside a section built by another stage."""
    if isinstance(section, dict):
        for key, value in section.items():
            if key in ("query", "sample_query") and isinstance(value, str):
                section[key] = redact_query(value)
            else:
                _redact_nested(value)
    elif isinstance(section, list):
        for value in section:
            _redact_nested(value)
