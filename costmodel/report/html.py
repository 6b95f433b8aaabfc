"""The report as one self-contained HTML file: tables plus plotly charts, readable offline.

Self-contained on purpose: reports are mailed and attached to tickets, often opened where the
network is restricted. plotly.js is embedded inline once in ``<head>`` (the same bundle
``include_plotlyjs=True`` writes, ~4.8 MB), styles are inline, and there is no ``src``/``href`` to
any other host; the charts come from :mod:`costmodel.report.figures`, the same functions the
dashboard uses.

Every text from the report is HTML-escaped (:func:`esc`); figure JSON is written by
:func:`script_json`, which escapes ``< > /`` like plotly's own ``to_html`` so a query text cannot
close the ``<script>`` element, and keeps one line per list so golden diffs stay readable.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import plotly.io as pio
from plotly.offline import get_plotlyjs

from costmodel.core.timebase import HOURS_PER_MONTH
from costmodel.report import figures
from costmodel.report.common import (
    check_report,
    conflict_rate_text,
    crossover_lines,
    fmt_multiplier,
    fmt_usd,
    is_fleet,
    is_number,
    items,
    one_line,
    option_has_unconfirmed,
    option_list,
    section,
    sources_text,
    warning_lines,
)
from costmodel.report.decisionview import html_decision
from costmodel.report.fleetview import (
    database_note,
    fleet_summary,
    fleet_total_note,
    show_databases,
)
from costmodel.report.plan import items_left_text, items_table, phases_table, plan_lead
from costmodel.report.sections import (
    MONEY_CELLS,
    TOTAL,
    Cell,
    Column,
    SectionTable,
    findings_table,
    hot_spots_table,
    marked,
    plain,
    strong,
    suffix,
)
from costmodel.report.summary import driver_line, first_screen, option_line
from costmodel.report.tables import (
    RISK_LEVEL,
    assumptions_table,
    calibration_text,
    clusters_table,
    components_table,
    databases_table,
    drivers_table,
    line_items_table,
    options_table,
)

MAX_ROWS = 500
"""Clusters and databases listed at most (the most expensive); all are in the JSON and CSV."""
QUERY_CHARS = 200
"""Query texts are cut here in tables; the full (redacted) text is in the cell's tooltip."""
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}
PLOTLYJS_ID = "plotlyjs"
"""``id`` of the ``<script>`` holding the inline plotly.js bundle (tests strip it to compare goldens)."""

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1200px;
padding:1rem 1.5rem;color:#1d1d1f;line-height:1.45}
h1{font-size:1.6rem;margin:.2rem 0}h2{margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
.meta{color:#666;font-size:.9rem}
.verdict{border:1px solid #ccc;border-left:6px solid #2ca02c;border-radius:6px;padding:.6rem 1rem;margin:1rem 0}
.verdict li.warn{color:#8a4b00}
.verdict.changes-needed{border-left-color:#ff7f0e}.verdict.blocked{border-left-color:#d62728}
.headline{font-size:1.2rem;font-weight:600}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem}
th,td{border-bottom:1px solid #e5e5e5;padding:.25rem .6rem;text-align:left;vertical-align:top}
th{background:#f6f6f6}td.num,th.num{text-align:right;white-space:nowrap}
tr.total td{font-weight:700;border-top:2px solid #999}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85em;background:#f3f3f3;
padding:0 .2em;border-radius:3px;word-break:break-word}
.unconfirmed{color:#9467bd}.neg{color:#2ca02c}
.sev-blocker{color:#d62728;font-weight:700}.sev-warning{color:#c56a00}.sev-info{color:#1f77b4}
.warnings li{color:#8a5a00}
.risk-high{color:#d62728;font-weight:700}.risk-elevated{color:#c56a00}
details{margin:.4rem 0}summary{cursor:pointer}
.chart{margin:1rem 0}
footer{margin-top:2rem;color:#666;font-size:.85rem}
"""


def esc(value: Any) -> str:
    """Report text as HTML text or attribute content: one line, control characters visible, escaped."""
    return html.escape(one_line(value), quote=True)


@lru_cache(maxsize=1)
def _plotlyjs() -> str:
    return get_plotlyjs()


def render_html(report: Mapping[str, Any]) -> str:
    """The report as a complete, self-contained HTML document."""
    check_report(report)
    title = esc(report.get("title") or "dsqlcost report")
    tool = section(report, "tool")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="{esc(tool.get("name", "dsqlcost"))} {esc(tool.get("version", ""))}">',
        f"<title>{title}</title>",
        f"<style>{_CSS}</style>",
        "<script>window.PlotlyConfig = {MathJaxConfig: 'local'};</script>",
        f'<script id="{PLOTLYJS_ID}">{_plotlyjs()}</script>',
        "</head>",
        "<body>",
        _header(report),
        _verdict(report),
        html_decision(report),
        _options(report),
        _clusters(report),
        _databases(report),
        _charts(report),
        _line_items(report),
        _drivers(report),
        _readiness(report),
        _contention(report),
        _plan(report),
        _break_even(report),
        _warnings(report),
        _assumptions(report),
        _footer(report),
        "</body>",
        "</html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


def _num(text: str, css: str = "num") -> str:
    return f'<td class="{css}">{html.escape(text)}</td>'


def _money(value: Any, marked: bool = False, places: int | None = None, *, strong: bool = False) -> str:
    css = "num neg" if is_number(value) and float(value) < 0 else "num"
    mark = '<span class="unconfirmed" title="unconfirmed price">*</span>' if marked else ""
    amount = html.escape(fmt_usd(value, places))
    if strong:
        amount = f"<b>{amount}</b>"
    return f'<td class="{css}">{amount}{mark}</td>'


def _code(value: Any, limit: int | None = QUERY_CHARS) -> str:
    full = one_line(value)
    if not full:
        return "—"
    shown = one_line(value, limit)
    tip = f' title="{html.escape(full, quote=True)}"' if shown != full else ""
    return f"<code{tip}>{html.escape(shown)}</code>"


def _table(head: list[tuple[str, bool]], rows: list[str], css: str = "") -> str:
    """A table; ``head`` is (label, numeric) per column; ``rows`` are ready ``<tr>`` strings."""
    ths = "".join(f'<th class="num">{esc(h)}</th>' if num else f"<th>{esc(h)}</th>" for h, num in head)
    klass = f' class="{css}"' if css else ""
    return f"<table{klass}><thead><tr>{ths}</tr></thead><tbody>\n" + "\n".join(rows) + "\n</tbody></table>"


def _header(report: Mapping[str, Any]) -> str:
    tool = section(report, "tool")
    inputs = section(report, "inputs")
    scenario = section(report, "scenario")
    meta = (
        f"generated {report.get('generated_at', '?')} by {tool.get('name', 'dsqlcost')} {tool.get('version', '?')}"
        f" · sources: {sources_text(report)}"
        f" · {inputs.get('statements', '—')} statements · literals {inputs.get('literals', 'redacted')}"
        f" · scenario {scenario.get('name', '—')} ({scenario.get('source', '—')})"
    )
    return f'<header><h1>{esc(report.get("title") or "dsqlcost report")}</h1><p class="meta">{esc(meta)}</p></header>'


def _verdict(report: Mapping[str, Any]) -> str:
    """The first screen (:mod:`costmodel.report.summary`), then the verdict's reasons."""
    verdict = section(report, "verdict")
    summary = first_screen(report)
    readiness = str(verdict.get("readiness") or section(report, "readiness").get("verdict") or "—")
    css = "verdict " + readiness.replace(" ", "-")
    options = "".join(f"<li>{esc(option_line(e))}</li>" for e in items(summary.get("options")))
    warnings = "".join(f'<li class="warn">⚠ {esc(w)}</li>' for w in items(summary.get("warnings")))
    drivers = [d for d in items(summary.get("drivers")) if isinstance(d, Mapping)]
    driven = (
        f"<li>Cost drivers of {esc(drivers[0].get('option'))}:<ul>"
        + "".join(f"<li>{esc(driver_line(d))}</li>" for d in drivers)
        + "</ul></li>"
        if drivers
        else ""
    )
    status = f"<li>{esc(summary.get('readiness'))}</li><li>{esc(summary.get('occ'))}</li>"
    reasons = "".join(f"<li>{esc(r)}</li>" for r in items(verdict.get("reasons")))
    latency = "".join(f"<li>Latency: {esc(n)}</li>" for n in items(verdict.get("latency")))
    return (
        f'<section class="{esc(css)}" id="verdict">'
        f'<div class="headline">{esc(summary.get("headline") or "no verdict")}</div>'
        f"<p>Recommended: <b>{esc(verdict.get('recommended') or '—')}</b> · "
        f"Cheapest: {esc(verdict.get('cheapest') or '—')} · Readiness: <b>{esc(readiness)}</b></p>"
        f'<ul class="first-screen">{options}</ul><ul>{warnings}{driven}{status}</ul>'
        f"<ul>{reasons}{latency}</ul></section>"
    )


def _options(report: Mapping[str, Any]) -> str:
    options = option_list(report)
    summary = _section_table(options_table(report))
    total = (
        '<tr class="total"><td>Total / month</td>'
        + "".join(_money(o.get("total_monthly_usd"), option_has_unconfirmed(o), 2) for o in options)
        + "</tr>"
    )
    matrix = _section_table(components_table(report), total)
    note = ""
    if any(option_has_unconfirmed(o) for o in options):
        note = '<p class="unconfirmed">* includes an unconfirmed price (see Warnings)</p>'
    return f'<section id="options"><h2>Options (USD per month)</h2>{summary}{note}<h3>By component</h3>{matrix}</section>'


def _clusters(report: Mapping[str, Any]) -> str:
    """Fleet reports: per cluster its window, statements, each option's total alone (the cheapest in
    bold), the option it would pick alone and its OCC risk; then the fleet row."""
    if not is_fleet(report):
        return ""
    table, hidden = clusters_table(report, MAX_ROWS)
    notes = ["Bold: the cheapest option for each cluster on its own."]
    if hidden:
        notes.append(
            f"{hidden:,} more cluster(s) not listed: the {len(table.rows) - 1} most expensive are shown "
            "(all are in clusters.csv and the JSON report)."
        )
    note = fleet_total_note(report)
    if note:
        notes.append(note)
    if any(option_has_unconfirmed(o) for o in option_list(report)):
        notes.append("* includes an unconfirmed price (see Warnings)")
    return (
        f'<section id="clusters"><h2>Clusters (USD per month)</h2><p class="meta">{esc(fleet_summary(report))}</p>'
        f"{_section_table(table)}<ul>{''.join(f'<li>{esc(n)}</li>' for n in notes)}</ul></section>"
    )


def _databases(report: Mapping[str, Any]) -> str:
    """Monthly cost per database, for a fleet or a workload spanning several databases."""
    if not show_databases(report):
        return ""
    table, hidden = databases_table(report, MAX_ROWS)
    notes = [database_note(report)]
    if hidden:
        notes.insert(
            0,
            f"{hidden:,} more database(s) not listed: the {len(table.rows)} most expensive are shown "
            "(all are in databases.csv and the JSON report).",
        )
    return (
        f'<section id="databases"><h2>Databases (USD per month)</h2>{_section_table(table)}'
        f"<ul>{''.join(f'<li>{esc(n)}</li>' for n in notes)}</ul></section>"
    )


_JS_UNSAFE = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "/": "\\u002f", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def script_json(value: Any, pad: str = "") -> str:
    """JSON for inside ``<script>``: ``< > /`` escaped (as plotly's own ``to_html`` does), so no text
    can close the element; objects indented, lists of plain values on one line (diffable goldens)."""
    inner = pad + " "
    if isinstance(value, dict) and value:
        body = ",\n".join(f"{inner}{script_json(k)}: {script_json(v, inner)}" for k, v in value.items())
        return "{\n" + body + "\n" + pad + "}"
    if isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        return "[\n" + ",\n".join(inner + script_json(v, inner) for v in value) + "\n" + pad + "]"
    return json.dumps(value, ensure_ascii=False, allow_nan=False).translate(_JS_UNSAFE)


def _figure_html(fig: Any, div_id: str) -> str:
    """A chart: plotly's JSON of the figure (``pio.to_json`` validates and converts numpy) drawn by
    ``Plotly.newPlot``; the page's single inline plotly.js provides ``Plotly``."""
    spec = json.loads(pio.to_json(fig, validate=False))
    height = spec.get("layout", {}).get("height", 450)
    config = json.dumps(PLOTLY_CONFIG)
    return (
        f'<div class="chart"><div id="{div_id}" class="plotly-graph-div" style="height:{height}px; width:100%;"></div>\n'
        f"<script>\n(function () {{\nvar figure = {script_json(spec)};\n"
        f'Plotly.newPlot("{div_id}", figure.data, figure.layout, {config});\n}})();\n</script></div>'
    )


def _charts(report: Mapping[str, Any]) -> str:
    charts = [
        _figure_html(figures.cost_by_option_figure(report), "fig-cost-by-option"),
        _figure_html(figures.break_even_figure(report), "fig-break-even"),
        _figure_html(figures.top_statements_figure(report), "fig-top-statements"),
        _figure_html(figures.readiness_figure(report), "fig-readiness"),
    ]
    if is_fleet(report):
        charts.insert(1, _figure_html(figures.fleet_figure(report), "fig-fleet"))
    return '<section id="charts"><h2>Charts</h2>' + "\n".join(charts) + "</section>"


def _line_items(report: Mapping[str, Any]) -> str:
    blocks = []
    for option in option_list(report):
        table = line_items_table(option)
        warnings = "".join(f"<li>{esc(w)}</li>" for w in items(option.get("warnings")))
        summary = (
            f"<b>{esc(option.get('name'))}</b> — {esc(fmt_usd(option.get('total_monthly_usd'), 2))}/month, "
            f"{len(table.rows)} line items"
        )
        blocks.append(
            f"<details><summary>{summary}</summary>{_section_table(table)}"
            + (f'<ul class="warnings">{warnings}</ul>' if warnings else "")
            + "</details>"
        )
    return '<section id="line-items"><h2>Line items</h2>' + "\n".join(blocks) + "</section>"


def _drivers(report: Mapping[str, Any]) -> str:
    recommended = section(report, "verdict").get("recommended")
    blocks = []
    for option in option_list(report):
        table = drivers_table(option, figures.TOP_N)
        if not table.rows:
            continue
        is_recommended = option.get("name") == recommended
        summary = f"<b>{esc(option.get('name'))}</b>" + (" (recommended)" if is_recommended else "")
        blocks.append(
            f"<details{' open' if is_recommended else ''}><summary>{summary}</summary>{_section_table(table)}</details>"
        )
    return '<section id="drivers"><h2>Top cost drivers</h2>' + "\n".join(blocks) + "</section>"


def _html_cell(row: Mapping[str, Any], column: Column) -> str:
    """One cell: code for ids and SQL, figures right-aligned (money with its unconfirmed mark), prose
    escaped; severity and OCC risk carry a class the stylesheet colours."""
    value = row.get(column.key)
    if column.cell is Cell.CODE:
        return f"<td>{_code(value)}</td>" if value else "<td>—</td>"
    if column.cell is Cell.ID:
        return f"<td>{_code(value, None)}</td>" if value else "<td>—</td>"
    if column.cell in MONEY_CELLS:
        places = 2 if column.cell is Cell.USD2 else None
        return _money(value, marked(row, column), places, strong=strong(row, column))
    text = plain(value, column.cell, column.empty)
    if column.numeric:
        return _num(one_line(text))
    if column.key == "severity":
        return f'<td class="sev-{esc(text)}">{esc(text)}</td>'
    if column.key == "risk" and RISK_LEVEL in row:
        return f'<td class="risk-{esc(row[RISK_LEVEL])}">{esc(text)}</td>'
    css = ' class="unconfirmed"' if marked(row, column) else ""
    shown = f"<b>{esc(text)}</b>" if strong(row, column) else esc(text)
    words = suffix(row, column)
    return f"<td{css}>{shown}{' ' + esc(words) if words else ''}</td>"


def _section_table(table: SectionTable, *extra_rows: str) -> str:
    """A section table as an HTML table (every column); ``extra_rows`` are ready ``<tr>`` strings."""
    columns = table.shown()
    rows = [
        ('<tr class="total">' if row.get(TOTAL) else "<tr>")
        + "".join(_html_cell(row, c) for c in columns)
        + "</tr>"
        for row in table.rows
    ]
    return _table([(c.header, c.numeric) for c in columns], [*rows, *extra_rows])


def _readiness(report: Mapping[str, Any]) -> str:
    readiness = section(report, "readiness")
    meta = f"DSQL as of {readiness.get('as_of', '—')} · dsql-lint {readiness.get('dsql_lint_version', '—')}"
    if readiness.get("summary"):
        meta += f" · {readiness['summary']}"
    table = findings_table(report)
    body = _section_table(table) if table.rows else "<p>No findings.</p>"
    verdict = esc(readiness.get("verdict") or "—")
    return f'<section id="readiness"><h2>Readiness: {verdict}</h2><p class="meta">{esc(meta)}</p>{body}</section>'


def _contention(report: Mapping[str, Any]) -> str:
    contention = section(report, "contention")
    if not contention:
        return '<section id="contention"><h2>OCC contention</h2><p>Not assessed.</p></section>'
    lead = (
        f"<p>Predicted conflict rate <b>{esc(conflict_rate_text(contention))}</b> "
        f"(risk: <b>{esc(contention.get('risk') or '—')}</b>).</p>"
    )
    table = hot_spots_table(report)
    body = _section_table(table) if table.rows else "<p>No hot spots.</p>"
    return f'<section id="contention"><h2>OCC contention</h2>{lead}{body}</section>'


def _plan(report: Mapping[str, Any]) -> str:
    """The migration plan: the phases with their headline figures, then the first items of each."""
    if not section(report, "plan"):
        return ""
    todo = items_table(report)
    more = items_left_text(report)
    return (
        '<section id="plan"><h2>Migration plan (five phases)</h2>'
        f'<p class="meta">{esc(plan_lead(report))}</p>{_section_table(phases_table(report))}'
        + (_section_table(todo) if todo.rows else "")
        + (f'<p class="meta">{esc(more)}</p>' if more else "")
        + "</section>"
    )


def _break_even(report: Mapping[str, Any]) -> str:
    break_even = section(report, "break_even")
    if not break_even:
        return '<section id="break-even"><h2>Break-even</h2><p>Not computed.</p></section>'
    multipliers = [float(m) for m in items(break_even.get("multipliers")) if is_number(m)]
    swept = (
        f"<p>Load swept from {esc(fmt_multiplier(min(multipliers)))} to {esc(fmt_multiplier(max(multipliers)))}.</p>"
        if multipliers
        else ""
    )
    lines = crossover_lines(report)
    body = (
        "<ul>" + "".join(f"<li>{esc(line)}</li>" for line in lines) + "</ul>"
        if lines
        else "<p>No crossover.</p>"
    )
    return f'<section id="break-even"><h2>Break-even</h2>{swept}{body}</section>'


def _assumptions(report: Mapping[str, Any]) -> str:
    calibrated = calibration_text(report)
    lead = f'<p class="meta">{esc(calibrated)}</p>' if calibrated else ""
    table = assumptions_table(report)
    body = _section_table(table) if table.rows else "<p>None recorded.</p>"
    return f'<section id="assumptions"><h2>Assumptions</h2>{lead}{body}</section>'


def _warnings(report: Mapping[str, Any]) -> str:
    lines = "".join(f"<li>{esc(line)}</li>" for line in warning_lines(report))
    return f'<section id="warnings"><h2>Warnings</h2><ul class="warnings">{lines}</ul></section>'


def _footer(report: Mapping[str, Any]) -> str:
    dates = sorted({str(d) for d in section(section(report, "prices"), "as_of").values()})
    prices = f"prices as of {dates[0]} to {dates[-1]}" if dates else "no price dates"
    month = f"every amount is in USD per month of {HOURS_PER_MONTH:g} hours"
    return f"<footer>{esc(prices)} · {esc(month)}</footer>"
