"""``dsqlcost diff A.json B.json``: what changed between two reports, per option and line item.

Architects re-run the report after changing a scenario, a price file or the workload; the diff
shows each option's total before and after and every line item whose monthly cost moved, keyed
by (option, component, region), plus verdict and readiness changes. Inputs are report dicts
(``--format json`` output); anything else is a clear :class:`~costmodel.core.errors.ReportError`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from costmodel.core.errors import ReportError
from costmodel.core.safeio import read_text
from costmodel.report.common import check_report

Key = tuple[str, str, str]


def load_report(path: str | Path) -> dict[str, Any]:
    """Read a JSON report written by ``dsqlcost report --format json``."""
    file = str(path)
    text = read_text(path, ReportError, "report file", hint="write it with `dsqlcost report --format json`")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportError(
            f"not JSON: {exc.msg}",
            file=file,
            row=exc.lineno,
            hint="write it with `dsqlcost report --format json`",
        ) from None
    except RecursionError:
        raise ReportError("the JSON nests too deeply to be a report", file=file, hint=_HINT) from None
    try:
        report = dict(check_report(data))
        _check_shape(report)
    except ReportError as exc:
        exc.file = file
        raise
    return report


_HINT = "write it with `dsqlcost report --format json`"
_SECTIONS: dict[str, type] = {"options": list, "scenario": dict, "verdict": dict, "readiness": dict}


def _number(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return False
    try:
        return math.isfinite(float(value))
    except ValueError:
        return False


def _check_shape(report: Mapping[str, Any]) -> None:
    """Every part the diff reads has the type a report gives it (a damaged file is one line, no traceback)."""
    for key, kind in _SECTIONS.items():
        value = report.get(key)
        if value is not None and not isinstance(value, kind):
            raise ReportError(
                f"'{key}' must be a {kind.__name__}, not {type(value).__name__}", column=key, hint=_HINT
            )
    for index, option in enumerate(report.get("options") or [], start=1):
        where = f"options[{index}]"
        if not isinstance(option, dict) or not isinstance(option.get("name"), str):
            raise ReportError(f"{where} is not an option with a name", column=where, hint=_HINT)
        items = option.get("line_items", [])
        if not isinstance(items, list) or not _number(option.get("total_monthly_usd")):
            raise ReportError(f"{where} has damaged totals or line items", column=where, hint=_HINT)
        for item in items:
            if not isinstance(item, dict) or not _number(item.get("monthly_usd")):
                raise ReportError(f"{where} has a damaged line item", column=where, hint=_HINT)


def _lines(report: Mapping[str, Any]) -> dict[Key, float]:
    out: dict[Key, float] = {}
    for option in report.get("options", []):
        for item in option.get("line_items", []):
            key = (str(option["name"]), str(item.get("component")), str(item.get("region")))
            out[key] = out.get(key, 0.0) + float(item.get("monthly_usd") or 0.0)
    return out


def _totals(report: Mapping[str, Any]) -> dict[str, float]:
    return {str(o["name"]): float(o.get("total_monthly_usd") or 0.0) for o in report.get("options", [])}


def diff_reports(
    a: Mapping[str, Any], b: Mapping[str, Any], *, threshold_usd: float = 0.005
) -> dict[str, Any]:
    """The differences from report ``a`` to report ``b`` (line items moving less than the threshold are left out)."""
    ta, tb = _totals(a), _totals(b)
    options = []
    for name in list(dict.fromkeys([*ta, *tb])):
        before, after = ta.get(name), tb.get(name)
        options.append(
            {
                "name": name,
                "before_usd": before,
                "after_usd": after,
                "delta_usd": None if before is None or after is None else round(after - before, 2),
                "status": "added" if before is None else "removed" if after is None else "changed",
            }
        )
    la, lb = _lines(a), _lines(b)
    lines: list[dict[str, Any]] = []
    for key in sorted(set(la) | set(lb)):
        before, after = la.get(key, 0.0), lb.get(key, 0.0)
        if abs(after - before) < threshold_usd and (
            (key in la) == (key in lb) or max(abs(before), abs(after)) < threshold_usd
        ):
            continue
        lines.append(
            {
                "option": key[0],
                "component": key[1],
                "region": key[2],
                "before_usd": round(before, 4),
                "after_usd": round(after, 4),
                "delta_usd": round(after - before, 4),
            }
        )
    lines.sort(key=lambda r: -abs(float(r["delta_usd"])))
    va, vb = a.get("verdict") or {}, b.get("verdict") or {}
    ra, rb = a.get("readiness") or {}, b.get("readiness") or {}
    return {
        "a": {
            "title": a.get("title"),
            "generated_at": a.get("generated_at"),
            "scenario": (a.get("scenario") or {}).get("name"),
        },
        "b": {
            "title": b.get("title"),
            "generated_at": b.get("generated_at"),
            "scenario": (b.get("scenario") or {}).get("name"),
        },
        "options": options,
        "line_items": lines,
        "verdict": {"before": va.get("recommended"), "after": vb.get("recommended")},
        "readiness": {"before": ra.get("verdict"), "after": rb.get("verdict")},
    }


def render_diff_text(diff: Mapping[str, Any]) -> str:
    """Plain-text rendering of :func:`diff_reports` (stable, pipe-friendly)."""

    def usd(v: Any) -> str:
        if v is None:
            return "—"
        return f"-${-float(v):,.2f}" if float(v) < 0 else f"${float(v):,.2f}"

    def delta(v: Any) -> str:
        return "—" if v is None else f"{float(v):+,.2f}"

    out = [
        f"A: {diff['a']['title']} ({diff['a']['scenario']})",
        f"B: {diff['b']['title']} ({diff['b']['scenario']})",
        "",
    ]
    out.append(f"{'option':32} {'A':>14} {'B':>14} {'change':>12}")
    for o in diff["options"]:
        out.append(
            f"{o['name']:32} {usd(o['before_usd']):>14} {usd(o['after_usd']):>14} {delta(o['delta_usd']):>12}"
        )
    out.append("")
    if diff["line_items"]:
        out.append(f"{'option / component / region':56} {'A':>12} {'B':>12} {'change':>12}")
        for r in diff["line_items"]:
            label = f"{r['option']} / {r['component']} / {r['region']}"
            out.append(
                f"{label:56} {usd(r['before_usd']):>12} {usd(r['after_usd']):>12} {delta(r['delta_usd']):>12}"
            )
    else:
        out.append("no line item changed")
    v, r = diff["verdict"], diff["readiness"]
    out.append("")
    out.append(
        f"recommended: {v['before']} -> {v['after']}"
        if v["before"] != v["after"]
        else f"recommended: {v['after']} (unchanged)"
    )
    out.append(
        f"readiness: {r['before']} -> {r['after']}"
        if r["before"] != r["after"]
        else f"readiness: {r['after']} (unchanged)"
    )
    return "\n".join(out) + "\n"
