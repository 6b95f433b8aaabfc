"""Build the report dict (``docs/report-contract.md``) from one scenario run.

This is the only place that turns pipeline objects into the plain, JSON-ready structure every
front end renders. Query texts are redacted here (literals → ``$n``) unless the caller asks to
show literals, so no renderer can leak them by accident.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from costmodel import __version__
from costmodel.analysis.fleet import FleetResult
from costmodel.analysis.fleet_cluster import ClusterRun
from costmodel.analysis.run import RunResult
from costmodel.analysis.statements import database_breakdown, statement_frame
from costmodel.audit.plan import MigrationPlan
from costmodel.contention.model import Contention
from costmodel.core.estimate import Assumption, LineItem, OptionEstimate
from costmodel.core.gcpause import gc_paused
from costmodel.core.numbers import finite_or_none as _num
from costmodel.core.options import DSQL_SINGLE_REGION, OptionKind
from costmodel.core.workload import Workload
from costmodel.readiness.assess import Readiness
from costmodel.report.plan import plan_section
from costmodel.report.records import StatementTable, as_records
from costmodel.report.redact import redact_query, redact_section
from costmodel.report.summary import build_summary
from costmodel.scenario.model import Scenario, scenario_to_yaml

SCHEMA_VERSION = 1
TOP_N = 10
BREAK_EVEN_POINTS = 201
"""Points of the break-even curve kept in the report (the sweep itself is finer; crossovers are exact)."""
_REF = re.compile(r"^(?P<key>\S+) as_of (?P<as_of>\S+)")


_PLAIN_TYPES = frozenset({str, int, bool, type(None)})
"""Types :func:`_clean` leaves as they are."""


def _clean(value: Any) -> Any:
    """JSON-safe scalars: numpy → Python, NaN/inf → None, Decimal → float, tuples → lists."""
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        if set(map(type, value)) <= _PLAIN_TYPES:  # e.g. a finding's statement ids: no per-item call
            return list(value)
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


def _with_range(entry: dict[str, Any], result: RunResult) -> dict[str, Any]:
    """``total_monthly_usd_range``: [low, high] over the defaults' ends (:mod:`costmodel.analysis.ranges`)."""
    ranges = result.verdict.ranges
    span = ranges.totals.get(entry["name"]) if ranges is not None else None
    entry["total_monthly_usd_range"] = [_num(span[0], 2), _num(span[1], 2)] if span else None
    return entry


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


STATEMENT_ROUNDING: dict[str, int] = {
    "calls": 3,
    "calls_month": 3,
    "mean_exec_ms": 6,
    "rows_per_call": 4,
    "read_bytes_per_call": 1,
    "write_bytes_per_call": 1,
    "cpu_seconds_month": 4,
    "conflict_probability": 6,
    "dsql_compute_dpu_per_call": 8,
    "dsql_read_dpu_per_call": 8,
    "dsql_write_dpu_per_call": 8,
    "dsql_dpu_per_call": 8,
    "dsql_dpu_month": 3,
    "dsql_monthly_usd": 4,
    "sv2_monthly_usd": 4,
}
"""Statement columns of the report and their decimals (text and tuple columns are kept as they are)."""
_TUPLE_COLUMNS = ("tables_read", "tables_written", "findings")


def statement_records(frame: pd.DataFrame, *, show_literals: bool) -> list[dict[str, Any]]:
    """JSON-ready statement rows: rounded numbers, None for unknown, lists for tuples, texts redacted.

    Column-wise, straight from ``frame`` (no copy of it: a single export can have a million rows);
    each distinct text is redacted once. The cyclic garbage collector is paused while the rows are
    built: a million fresh dicts and lists would otherwise trigger full collections that scan every
    object built so far, which doubles the time.
    """
    return as_records(statement_columns(frame, show_literals=show_literals))


def statement_columns(
    frame: pd.DataFrame, *, show_literals: bool, redacted: dict[str, str] | None = None
) -> dict[str, list[Any]]:
    """The columns :func:`statement_records` makes its rows of (same values, same objects).
    ``redacted`` keeps redacted texts across calls (a :class:`StatementTable` converts slices)."""
    with gc_paused():
        columns: dict[str, list[Any]] = {}
        for col in frame.columns:
            if col == "fingerprint":
                continue
            series = frame[col]
            if col in STATEMENT_ROUNDING:
                rounded = pd.to_numeric(series, errors="coerce").astype(float).round(STATEMENT_ROUNDING[col])
                columns[str(col)] = _float_column(rounded.to_numpy(dtype=float, na_value=np.nan))
            elif col == "query":
                columns[str(col)] = _query_column(series, show_literals, redacted)
            elif col in _TUPLE_COLUMNS:
                columns[str(col)] = _list_column(series.tolist())
            else:
                columns[str(col)] = _plain_column(series, tuples=False)
        return columns


def _list_column(values: list[Any]) -> list[list[Any]]:
    """Tuples (or lists) as fresh lists, [] for anything else (None, NaN)."""
    if set(map(type, values)) <= {tuple, list}:
        return list(map(list, values))  # the common case, without a Python-level loop
    return [list(v) if isinstance(v, tuple | list) else [] for v in values]


def _float_column(values: np.ndarray) -> list[float | None]:
    """Floats as Python floats, None where not finite (vectorised test, then a few replacements)."""
    out: list[float | None] = values.tolist()
    for pos in np.flatnonzero(~np.isfinite(values)).tolist():
        out[pos] = None
    return out


def _query_column(
    series: pd.Series, show_literals: bool, redacted: dict[str, str] | None = None
) -> list[str | None]:
    """Texts as shown in the report (redacted unless ``show_literals``), each distinct text once
    (once per table when ``redacted`` carries the texts already redacted from slice to slice)."""
    codes, uniques = pd.factorize(series.to_numpy(dtype=object))
    shown = np.empty(len(uniques) + 1, dtype=object)  # the last entry (code -1) is None
    seen: dict[str, str] = {} if redacted is None else redacted
    for i, value in enumerate(uniques):
        if isinstance(value, str):
            if show_literals:
                shown[i] = value
            else:
                shown[i] = seen.get(value) or seen.setdefault(value, redact_query(value))
    out: list[str | None] = shown[codes].tolist()
    return out


def _plain_column(series: pd.Series, *, tuples: bool) -> list[Any]:
    """A column as JSON-ready Python values: None for NaN/NA/±inf, numpy scalars unwrapped.

    Column-wise rather than per cell: a fleet table has ~50,000 rows × 27 columns."""
    if tuples:
        return series.tolist()
    if series.dtype.kind == "f":
        return _float_column(series.to_numpy(dtype=float, na_value=np.nan))
    values = series.astype(object).where(series.notna(), None).to_numpy(dtype=object)
    plain = values.tolist()
    # numpy and extension dtypes convert to Python scalars above; only an object column can still
    # hold numpy scalars or floats (infer_dtype is one C-level pass)
    scan = series.dtype == object and pd.api.types.infer_dtype(values, skipna=True) not in ("string", "empty")
    if scan and any(isinstance(v, np.generic | float) for v in plain):
        plain = [_plain(v) for v in plain]
    return plain


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


SHORT_WINDOW_SECONDS = 3600.0
"""Below an hour of observation, a monthly figure is a long extrapolation: the report says so."""


def _one_time_warning(result: RunResult) -> str | None:
    usage = result.usage.statements
    if "one_off" not in usage or not usage["one_off"].any():
        return None
    mask = usage["one_off"].to_numpy(dtype=bool)
    kinds = result.workload.statements.loc[usage.index[mask]]
    names = ", ".join(
        dict.fromkeys(" ".join(str(q).split()[:2]).upper() for q in kinds["query"].dropna().tolist()[:20])
    )
    dsql = next((o for o in result.options if o.kind == "dsql"), None)
    once = (
        f"; DSQL ${float(dsql.details['one_time']['usd']):,.2f} once"
        if dsql and "one_time" in dsql.details
        else ""
    )
    return (
        f"one-time work: {int(mask.sum())} statement(s) ({names}) seen at most "
        f"{result.usage.assumptions.get('one_off_max_calls'):g} times in the window are priced once{once}, "
        "not scaled to a month and not in the monthly totals; their readiness findings are one-time fixes"
    )


def _warnings(result: RunResult) -> list[str]:
    seen: dict[str, None] = {}
    seconds = result.workload.window.seconds
    if seconds < SHORT_WINDOW_SECONDS:
        seen[
            f"the observation window is only {seconds:,.0f} s: monthly figures extrapolate it to 730 h at the "
            "observed rate (shaped by the scenario's time profile); collect over hours or days for a budget"
        ] = None
    for w in result.workload.warnings:
        seen.setdefault(w, None)
    one_time = _one_time_warning(result)
    if one_time:
        seen.setdefault(one_time, None)
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
    include_statements: bool = True,
    plan: MigrationPlan | None = None,
    statement_table: bool = False,
) -> dict[str, Any]:
    """The report dict of ``result`` (schema_version 1); every query text redacted by default.

    ``include_statements=False`` leaves ``statements`` empty (the dashboard adds them with
    :func:`statement_records` only when a page or a download needs them). ``plan`` (from
    :func:`costmodel.audit.planrun.plan_for_run`) becomes the ``plan`` section; without it, null.
    ``statement_table=True`` holds the statements as a :class:`StatementTable` (the frame,
    converted a slice at a time when written) for a report that only goes to the JSON writer: a
    million statement dicts are some 1.5 GB.
    """
    workload, scenario = result.workload, result.scenario
    queries = workload.statements["query"] if "query" in workload.statements else pd.Series(dtype=object)
    when = generated_at or dt.datetime.now(dt.UTC).replace(microsecond=0)
    name = title or f"{source_label(workload.sources)}: DSQL vs Aurora Serverless v2"
    window = workload.window
    frame = statement_frame(result)
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
        "scenario": _scenario_dict(scenario),
        "prices": _prices(result.options, result.catalog.overrides),
        "calibration": _clean(result.calibration.summary()) if result.calibration is not None else None,
        "assumptions": [_assumption(a) for a in result.assumptions],
        "options": [_with_range(_option(o, queries, show_literals), result) for o in result.options],
        "verdict": result.verdict.to_dict(),
        "break_even": result.break_even.to_dict(points=break_even_points),
        "readiness": _readiness_dict(result.readiness),
        "contention": _contention_dict(result.contention),
        "one_time_work": _one_time_work(result, show_literals),
        "plan": plan_dict(plan),
        "statements": _statements(frame, show_literals, include_statements, statement_table),
        "databases": database_breakdown(frame),
        "warnings": _warnings(result),
    }
    _add_decision(report, result)
    if not show_literals:
        report["readiness"] = redact_section(report["readiness"])
        report["contention"] = redact_section(report["contention"])
        report["plan"] = redact_section(report["plan"])
    return with_summary(report)


def plan_dict(plan: MigrationPlan | None) -> dict[str, Any] | None:
    """The ``plan`` section: :func:`~costmodel.report.plan.plan_section`, JSON-safe, paths relative."""
    out = _clean(plan_section(plan))
    if isinstance(out, dict):
        out["schema_file"] = _relative(out.get("schema_file"))
        if isinstance(out.get("code"), dict):
            out["code"]["root"] = _relative(out["code"].get("root"))
    return out


def _statements(
    frame: pd.DataFrame, show_literals: bool, include: bool, table: bool
) -> list[dict[str, Any]] | StatementTable:
    if not include:
        return []
    if table:  # texts redacted once for the table, not once per slice they appear in
        redacted: dict[str, str] = {}
        columns = functools.partial(statement_columns, show_literals=show_literals, redacted=redacted)
        return StatementTable(frame, columns)
    return statement_records(frame, show_literals=show_literals)


def with_summary(report: dict[str, Any]) -> dict[str, Any]:
    """``report`` with its first screen (:mod:`costmodel.report.summary`) right after the title,
    built last so that it sees every section (option ranges, verdict caveats …)."""
    summary = build_summary(report)
    out: dict[str, Any] = {}
    for key, value in report.items():
        out[key] = value
        if key == "title":
            out["summary"] = summary
    out.setdefault("summary", summary)
    return out


ONE_TIME_KEPT = 20
"""One-time statements listed in the report (``statements_total`` says how many there are)."""


def _one_time_work(result: RunResult, show_literals: bool) -> dict[str, Any]:
    """DDL, maintenance and session utility seen a few times: priced once, not in the monthly totals."""
    usage = result.usage.statements
    if "one_off" not in usage:
        return {"statements_total": 0, "calls": 0.0, "cost_usd": {}, "statements": []}
    mask = usage["one_off"].to_numpy(dtype=bool)
    work = result.workload.statements.loc[usage.index[mask]]
    rows = [
        {
            "stmt_id": str(sid),
            "kind": None if kind is None else str(kind),
            "calls": float(calls),
            "query": _query(text, show_literals),
        }
        for sid, kind, calls, text in zip(
            work["stmt_id"],
            work.get("kind", pd.Series([None] * len(work), index=work.index)),
            usage.loc[mask, "one_off_calls"],
            work["query"],
        )
    ]
    cost = {
        o.name: round(float(o.details["one_time"]["usd"]), 4)
        for o in result.options
        if isinstance(o.details.get("one_time"), dict)
    }
    return {
        "statements_total": len(rows),
        "calls": float(usage.loc[mask, "one_off_calls"].sum()),
        "max_calls": result.usage.assumptions.get("one_off_max_calls"),
        "cost_usd": cost,
        "note": "priced once, not scaled to a month and not in the monthly totals; Serverless v2 runs it "
        "within its provisioned capacity",
        "statements": rows[:ONE_TIME_KEPT],
    }


def _add_decision(report: dict[str, Any], result: RunResult) -> None:
    """``decision`` (the walked tree) and each option's ``data_locations`` (docs/report-contract.md)."""
    decision = result.decision
    report["decision"] = _clean(decision.to_dict()) if decision is not None else None
    for option in report["options"]:
        locations = decision.data_locations.get(option["name"], ()) if decision is not None else ()
        option["data_locations"] = [loc.to_dict() for loc in locations]


def source_label(sources: Sequence[str]) -> str:
    """A short name for a workload's inputs: the bundle's folder, else the export file names."""
    bundles = [Path(s).parent.name for s in sources if Path(s).name == "bundle.yaml"]
    names = bundles or [Path(s).name for s in sources]
    return ", ".join(names[:3]) + (f" (+{len(names) - 3} more)" if len(names) > 3 else "")


def _scenario_dict(scenario: Scenario) -> dict[str, Any]:
    return {
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
    }


def _relative(path: str | None) -> str | None:
    """A path relative to the working directory when it lies below it (reports are shared)."""
    if not path:
        return path
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return path


_READINESS_DICTS: weakref.WeakKeyDictionary[Readiness, dict[str, Any]] = weakref.WeakKeyDictionary()
"""Readiness sections already built: an Analysis reuses its Readiness across what-ifs."""


def _readiness_dict(readiness: Readiness | None) -> dict[str, Any] | None:
    """The readiness section, without run-to-run noise (lint wall time, absolute paths)."""
    if readiness is None:
        return None
    cached = _READINESS_DICTS.get(readiness)
    if cached is not None:
        return cached
    out: dict[str, Any] = _clean(readiness.to_dict())
    if isinstance(out.get("dsql_lint"), dict):
        out["dsql_lint"].pop("seconds", None)
    out["schema_file"] = _relative(out.get("schema_file"))
    _READINESS_DICTS[readiness] = out
    return out


PATTERNS_KEPT = 50
"""Write patterns and hot spots listed in the report's contention section (the riskiest first; the
``*_total`` counts say how many there are)."""


IDS_KEPT = 20
"""Statement ids listed per write pattern (``stmt_count`` gives the full number)."""


def _short_ids(frame: pd.DataFrame) -> pd.DataFrame:
    if "stmt_ids" not in frame or frame.empty:
        return frame
    return frame.assign(
        stmt_count=frame["stmt_ids"].map(len),
        stmt_ids=frame["stmt_ids"].map(lambda ids: tuple(ids)[:IDS_KEPT]),
    )


def _contention_dict(contention: Contention) -> dict[str, Any]:
    """The contention section: the riskiest write patterns and hot spots, each with a few statement ids."""
    patterns, hot = contention.patterns, contention.hot_spots
    if "conflict_probability" in patterns and len(patterns) > PATTERNS_KEPT:
        patterns = patterns.sort_values("conflict_probability", ascending=False, kind="stable").head(
            PATTERNS_KEPT
        )
    shown = replace(contention, patterns=_short_ids(patterns), hot_spots=_short_ids(hot.head(PATTERNS_KEPT)))
    out: dict[str, Any] = _clean(shown.to_dict())
    out["patterns_total"] = len(contention.patterns)
    out["hot_spots_total"] = len(hot)
    return out


# --------------------------------------------------------------------------------------------------
# Fleet reports: the same contract, with totals over clusters and a ``fleet`` section.
# --------------------------------------------------------------------------------------------------


def _fleet_top(frame: pd.DataFrame, column: str, show_literals: bool) -> list[dict[str, Any]]:
    if column not in frame or frame.empty:
        return []
    usd = frame[column].astype(float).fillna(0.0)
    total = float(usd.sum())
    rows = []
    for idx in usd.sort_values(ascending=False).index[:TOP_N]:
        if usd[idx] <= 0:
            break
        row = frame.loc[idx]
        rows.append(
            {
                "stmt_id": str(row["stmt_id"]),
                "query": _query(row.get("query"), show_literals),
                "calls_month": _num(row.get("calls_month"), 3),
                "monthly_usd": _num(usd[idx], 4),
                "share": _num(usd[idx] / total, 6) if total > 0 else None,
                "dpu_per_call": _num(row.get("dsql_dpu_per_call"), 8)
                if column == "dsql_monthly_usd"
                else None,
                "clusters": int(row.get("clusters") or 0),
            }
        )
    return rows


def _fleet_cluster(run: ClusterRun) -> dict[str, Any]:
    w = run.workload
    return {
        "name": run.name,
        "sources": [_relative(s.removesuffix("/bundle.yaml")) for s in w.sources[:1]],
        "window_seconds": w.window.seconds,
        "window_source": w.window.source,
        "statements": run.statement_count,
        "databases": run.database_count,
        "totals": {o.name: _num(o.total_monthly_usd, 2) for o in run.options},
        "recommended_alone": run.recommended,
        "predicted_conflict_rate": _num(run.predicted_conflict_rate, 6),
        "risk": run.risk,
        "storage_gb": _num(run.storage_gb, 4),
    }


def _fleet_options(fleet: FleetResult, show_literals: bool) -> list[dict[str, Any]]:
    """Fleet totals per option; the top statements of single-region DSQL and of the weighed SV2 option
    come from the deduplicated statements (ranges are per cluster: see each cluster's own report)."""
    dedup = fleet.statements
    weighed = next(
        (
            o.name
            for o in fleet.options
            if o.kind == OptionKind.SERVERLESS_V2 and o.name in fleet.verdict.comparable
        ),
        None,
    )
    options = []
    for option in fleet.options:
        entry = _option(option, pd.Series(dtype=object), show_literals)
        entry["total_monthly_usd_range"] = None
        if option.name == DSQL_SINGLE_REGION.name:
            entry["top_statements"] = _fleet_top(dedup, "dsql_monthly_usd", show_literals)
        elif option.name == weighed:
            entry["top_statements"] = _fleet_top(dedup, "sv2_monthly_usd", show_literals)
        options.append(entry)
    return options


def _fleet_warnings(fleet: FleetResult) -> list[str]:
    """The fleet's own warnings, short windows, then each cluster's and each option's (once each)."""
    warnings = list(fleet.warnings)
    short = [run.name for run in fleet.clusters if run.workload.window.seconds < SHORT_WINDOW_SECONDS]
    if short:
        warnings.append(
            f"{len(short)} cluster(s) were observed for less than an hour ({', '.join(short[:5])}): their monthly "
            "figures extrapolate a short window"
        )
    for run in fleet.clusters:
        warnings += [f"{run.name}: {w}" for w in run.workload.warnings if f"{run.name}: {w}" not in warnings]
    for option in fleet.options:
        warnings += [w for w in option.warnings if w not in warnings]
    return warnings


def _fleet_inputs(fleet: FleetResult, clusters: list[dict[str, Any]], show_literals: bool) -> dict[str, Any]:
    """The ``inputs`` section summed over clusters (sources are the cluster folders)."""
    workloads = [run.workload for run in fleet.clusters]
    excluded: dict[str, int] = {}
    for w in workloads:
        for reason, count in w.excluded.items():
            excluded[reason] = excluded.get(reason, 0) + count
    return {
        "sources": [str(c["sources"][0]) for c in clusters if c["sources"]],
        "generation": ", ".join(sorted({w.generation for w in workloads})),
        "rows_read": sum(w.rows_read for w in workloads),
        "statements": fleet.statement_rows,
        "excluded": excluded,
        "missing_signals": sorted({s for w in workloads for s in w.missing_signals}),
        "unclassifiable": sum(run.unclassifiable for run in fleet.clusters),
        "parse_errors": fleet.status_counts.get("parse_error", 0),
        "truncated": fleet.status_counts.get("truncated", 0),
        "server": {"version": None, "extversion": None},
        "notes": [f"{run.name}: {note}" for run in fleet.clusters for note in run.workload.notes],
        "literals": "shown" if show_literals else "redacted",
    }


def _fleet_window(fleet: FleetResult) -> dict[str, Any]:
    """Each cluster has its own window: the section gives the shortest and says so."""
    seconds = [run.workload.window.seconds for run in fleet.clusters]
    return {
        "seconds": min(seconds) if seconds else 0.0,
        "source": "per cluster",
        "detail": (
            f"each cluster's counters cover its own window ({min(seconds):,.0f} s to {max(seconds):,.0f} s); "
            "see fleet.clusters"
            if seconds
            else "no clusters"
        ),
        "start": None,
        "end": None,
    }


def build_fleet_report(
    fleet: FleetResult,
    *,
    show_literals: bool = False,
    title: str | None = None,
    generated_at: dt.datetime | None = None,
    break_even_points: int = BREAK_EVEN_POINTS,
) -> dict[str, Any]:
    """The report dict of a fleet: options are fleet totals, statements deduplicated by fingerprint,
    and ``fleet`` lists every cluster (its window, totals and risk) and ``databases`` every database."""
    when = generated_at or dt.datetime.now(dt.UTC).replace(microsecond=0)
    clusters = [_fleet_cluster(run) for run in fleet.clusters]
    report: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "dsqlcost", "version": __version__},
        "generated_at": when.isoformat().replace("+00:00", "Z"),
        "title": title or f"fleet of {len(clusters)} clusters: DSQL vs Aurora Serverless v2",
        "inputs": _fleet_inputs(fleet, clusters, show_literals),
        "window": _fleet_window(fleet),
        "scenario": _scenario_dict(fleet.scenario),
        "prices": _prices(fleet.options, fleet.catalog.overrides),
        "calibration": _clean(fleet.calibration.summary()) if fleet.calibration is not None else None,
        "assumptions": [_assumption(a) for a in fleet.assumptions],
        "options": _fleet_options(fleet, show_literals),
        "verdict": fleet.verdict.to_dict(),
        "break_even": fleet.break_even.to_dict(points=break_even_points),
        "readiness": _readiness_dict(fleet.readiness),
        "contention": _clean(fleet.contention),
        "statements": statement_records(fleet.statements, show_literals=show_literals),
        "databases": [row for run in fleet.clusters for row in run.databases],
        "fleet": {
            "clusters": clusters,
            "statement_rows": fleet.statement_rows,
            "distinct_statements": len(fleet.statements),
        },
        "warnings": _fleet_warnings(fleet),
    }
    report["decision"] = None  # the tree is walked per workload, not for a fleet total
    report["plan"] = None  # a migration is planned per cluster (dsqlcost plan on its bundle)
    if not show_literals:
        report["readiness"] = redact_section(report["readiness"])
        report["contention"] = redact_section(report["contention"])
    return with_summary(report)
