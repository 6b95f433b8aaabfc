"""The report as GitHub-flavoured Markdown, for pull requests and tickets.

Verdict first, then the options table; per-option detail (component split, line items, other
options' cost drivers, assumptions) folds into ``<details>`` blocks so the comment stays short. It
fits in a GitHub comment (65,536 characters) for any workload: only the top cost drivers are listed,
never every statement.

Escaping, because query texts and names come from the workload: inline text escapes Markdown
punctuation and ``< > &`` (no link, emphasis or HTML can be injected); query texts go in code spans
whose backtick fence is longer than any backtick run inside, with ``|`` escaped so a pipe cannot
split a table cell; text inside ``<summary>`` is HTML-escaped. Newlines fold to spaces in cells.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

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
    warning_lines,
)
from costmodel.report.decisionview import markdown_decision
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
    assumptions_table,
    calibration_text,
    clusters_table,
    components_table,
    databases_table,
    drivers_table,
    line_items_table,
    options_table,
)

QUERY_CHARS = 160
"""Query texts longer than this are cut with ``…`` (the full text is in the JSON and CSV)."""
TOP_N = 10
MAX_ROWS = 25
"""Clusters and databases listed at most (the most expensive); the rest are counted (all are in the
JSON and CSV), so a 1,000-cluster fleet still fits in one comment."""
MAX_WARNINGS = 60
"""Warnings listed at most, for the same reason; the text and JSON reports list every one."""

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~$#])")
_BLOCK_START = re.compile(r"^[-+>=]")
_ORDERED_LIST = re.compile(r"^(\d+)([.)])(?=\s|$)")
_BACKTICKS = re.compile(r"`+")


def md_text(value: Any) -> str:
    """Inline Markdown for untrusted text: one line; emphasis, code, link, table, strike-through and math
    (``$``) punctuation backslash-escaped; ``< > &`` as entities; a leading list/quote/heading marker escaped."""
    text = one_line(value)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    if _BLOCK_START.match(text):
        return "\\" + text
    return _ORDERED_LIST.sub(r"\1\\\2", text)


def md_code(value: Any, limit: int | None = QUERY_CHARS) -> str:
    """Untrusted text as a code span safe in a table cell (``—`` when empty)."""
    text = one_line(value, limit)
    if not text:
        return "—"
    runs = [len(run) for run in _BACKTICKS.findall(text)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if text[0] in "` " or text[-1] in "` " else ""
    return f"{fence}{pad}{text.replace('|', chr(92) + '|')}{pad}{fence}"


def html_text(value: Any) -> str:
    """Untrusted text inside an HTML element of the Markdown (``<summary>``)."""
    return html.escape(one_line(value), quote=True)


def render_markdown(report: Mapping[str, Any]) -> str:
    """The report as GitHub-flavoured Markdown, ending with a newline."""
    check_report(report)
    out: list[str] = []
    out += _verdict(report)
    out += markdown_decision(report, md_text)
    out += _options(report)
    out += _clusters(report)
    out += _databases(report)
    out += _line_items(report)
    out += _top_drivers(report)
    out += _readiness(report)
    out += _contention(report)
    out += _plan(report)
    out += _break_even(report)
    out += _warnings(report)
    out += _assumptions(report)  # last: the reference, not the answer
    out += _footer(report)
    return "\n".join(out).rstrip("\n") + "\n"


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def _align(*spec: str) -> str:
    return "|" + "|".join({"l": "---", "r": "---:", "c": ":---:"}[s] for s in spec) + "|"


def _details(summary_html: str, body: list[str], *, open_: bool = False) -> list[str]:
    """A ``<details>`` block; the blank lines let GitHub render the Markdown inside."""
    return [
        f"<details{' open' if open_ else ''}><summary>{summary_html}</summary>",
        "",
        *body,
        "",
        "</details>",
        "",
    ]


def _money(value: Any, marked: bool = False, places: int | None = None) -> str:
    return fmt_usd(value, places) + ("\\*" if marked else "")


def _verdict(report: Mapping[str, Any]) -> list[str]:
    """The first screen (:mod:`costmodel.report.summary`), then the verdict's reasons."""
    verdict = section(report, "verdict")
    summary = first_screen(report)
    readiness = verdict.get("readiness") or section(report, "readiness").get("verdict") or "—"
    out = [f"# {md_text(report.get('title') or 'dsqlcost report')}", ""]
    out.append(f"> **{md_text(summary.get('headline') or 'no verdict')}**")
    out.append(">")
    out.append(
        f"> Recommended: **{md_text(verdict.get('recommended') or '—')}** · "
        f"Cheapest: {md_text(verdict.get('cheapest') or '—')} · Readiness: **{md_text(readiness)}**"
    )
    out.append("")
    out += [f"- {md_text(option_line(entry))}" for entry in items(summary.get("options"))]
    out.append("")
    out += [f"- ⚠ {md_text(w)}" for w in items(summary.get("warnings"))]
    drivers = [d for d in items(summary.get("drivers")) if isinstance(d, Mapping)]
    if drivers:
        out.append(f"- Cost drivers of {md_text(drivers[0].get('option'))}:")
        out += [f"  - {md_text(driver_line(d))}" for d in drivers]
    out.append(f"- {md_text(summary.get('readiness'))}")
    out.append(f"- {md_text(summary.get('occ'))}")
    out.append("")
    out += [f"- {md_text(reason)}" for reason in items(verdict.get("reasons"))]
    latency = items(verdict.get("latency"))
    if latency:
        out.append("- Latency: " + "; ".join(md_text(note) for note in latency))
    out.append("")
    return out


def _options(report: Mapping[str, Any]) -> list[str]:
    options = option_list(report)
    out = ["## Options (USD per month)", ""]
    if not options:
        return [*out, "No options were priced.", ""]
    out += [*_section_table(options_table(report)), ""]
    if any(option_has_unconfirmed(o) for o in options):
        out += ["\\* includes an unconfirmed price (see Warnings)", ""]
    out += _details("Cost by component", _section_table(components_table(report)))
    return out


def _clusters(report: Mapping[str, Any]) -> list[str]:
    """Fleet reports: one row per cluster with each option's total for that cluster alone."""
    if not is_fleet(report):
        return []
    table, hidden = clusters_table(report, MAX_ROWS)
    out = ["## Clusters (USD per month)", "", md_text(fleet_summary(report)), ""]
    out += [*_section_table(table), ""]
    notes = ["Bold: the cheapest option for each cluster on its own."]
    if hidden:
        notes.append(
            f"{hidden:,} more cluster(s) not listed: the {len(table.rows) - 1} most expensive are shown (all are in "
            "clusters.csv and the JSON report)."
        )
    note = fleet_total_note(report)
    if note:
        notes.append(note)
    out += [f"- {md_text(n)}" for n in notes]
    if any(option_has_unconfirmed(o) for o in option_list(report)):
        out.append("- \\* includes an unconfirmed price (see Warnings)")
    return [*out, ""]


def _databases(report: Mapping[str, Any]) -> list[str]:
    """Monthly cost per database, for a fleet or a workload spanning several databases."""
    if not show_databases(report):
        return []
    table, hidden = databases_table(report, MAX_ROWS)
    out = ["## Databases (USD per month)", "", *_section_table(table), ""]
    if hidden:
        out.append(
            f"- {hidden:,} more database(s) not listed: the {len(table.rows)} most expensive are shown (all are in "
            "databases.csv and the JSON report)."
        )
    out += [f"- {md_text(database_note(report))}", ""]
    return out


def _line_items(report: Mapping[str, Any]) -> list[str]:
    out = ["## Line items", ""]
    for option in option_list(report):
        table = line_items_table(option)
        body = _section_table(table)
        if items(option.get("warnings")):
            body += ["", *(f"- {md_text(w)}" for w in items(option.get("warnings")))]
        summary = (
            f"<b>{html_text(option.get('name'))}</b> — {html_text(fmt_usd(option.get('total_monthly_usd'), 2))}"
            f"/month, {len(table.rows)} line items"
        )
        out += _details(summary, body)
    return out


def _top_drivers(report: Mapping[str, Any]) -> list[str]:
    recommended = section(report, "verdict").get("recommended")
    out = ["## Top cost drivers", ""]
    ordered = sorted(option_list(report), key=lambda o: o.get("name") != recommended)
    for option in ordered:
        table = drivers_table(option, TOP_N)
        if not table.rows:
            continue
        if option.get("name") == recommended:
            out += [f"### {md_text(option.get('name'))} (recommended)", "", *_section_table(table), ""]
        else:
            out += _details(html_text(option.get("name")), _section_table(table))
    return out


def _readiness(report: Mapping[str, Any]) -> list[str]:
    readiness = section(report, "readiness")
    out = [f"## Readiness: {md_text(readiness.get('verdict') or '—')}", ""]
    meta = f"DSQL as of {readiness.get('as_of', '—')} · dsql-lint {readiness.get('dsql_lint_version', '—')}"
    if readiness.get("summary"):
        meta += f" · {readiness['summary']}"
    out += [md_text(meta), ""]
    table = findings_table(report)
    if not table.rows:
        return [*out, "No findings.", ""]
    return [*out, *_section_table(table), ""]


def _md_cell(row: Mapping[str, Any], column: Column) -> str:
    """One cell: code spans for ids and SQL, figures as they are, prose escaped; flags as ``\\*`` (an
    unconfirmed amount; bold for an unconfirmed text), bold, and words after the cell."""
    value = row.get(column.key)
    if column.cell is Cell.CODE:
        text = md_code(value) if value else "—"
    elif column.cell is Cell.ID:
        text = md_code(value, None) if value else "—"
    elif column.numeric and not column.free_text:
        text = plain(value, column.cell, column.empty)  # digits, $, %, < and —: nothing to escape
        text += "\\*" if marked(row, column) and column.cell in MONEY_CELLS else ""
    else:
        text = md_text(plain(value, column.cell, column.empty))
        text = f"**{text}**" if marked(row, column) and text else text
    text = f"**{text}**" if strong(row, column) or (row.get(TOTAL) and column.key == "name") else text
    words = suffix(row, column)
    return f"{text} {md_text(words)}" if words else text


def _section_table(table: SectionTable) -> list[str]:
    """A section table as a Markdown table (every column: Markdown has room)."""
    columns = table.shown()
    return [
        _row(*(c.header if c.header == "#" else md_text(c.header) for c in columns)),
        _align(*("r" if c.numeric else "l" for c in columns)),
        *(_row(*(_md_cell(row, c) for c in columns)) for row in table.rows),
    ]


def _contention(report: Mapping[str, Any]) -> list[str]:
    contention = section(report, "contention")
    out = ["## OCC contention", ""]
    if not contention:
        return [*out, "Not assessed.", ""]
    out += [
        f"Predicted conflict rate **{conflict_rate_text(contention)}** "
        f"(risk: **{md_text(contention.get('risk') or '—')}**).",
        "",
    ]
    table = hot_spots_table(report)
    if table.rows:
        out += [*_section_table(table), ""]
    return out


def _plan(report: Mapping[str, Any]) -> list[str]:
    """The migration plan: the phases with their headline figures, then the first items of each."""
    if not section(report, "plan"):
        return []
    out = ["## Migration plan (five phases)", "", md_text(plan_lead(report)), ""]
    out += [*_section_table(phases_table(report)), ""]
    todo = items_table(report)
    if todo.rows:
        out += [*_section_table(todo), ""]
    more = items_left_text(report)
    return [*out, md_text(more), ""] if more else out


def _break_even(report: Mapping[str, Any]) -> list[str]:
    break_even = section(report, "break_even")
    out = ["## Break-even", ""]
    if not break_even:
        return [*out, "Not computed.", ""]
    multipliers = [float(m) for m in items(break_even.get("multipliers")) if is_number(m)]
    if multipliers:
        out += [
            f"Load swept from {fmt_multiplier(min(multipliers))} to {fmt_multiplier(max(multipliers))}.",
            "",
        ]
    lines = crossover_lines(report)
    out += [f"- {md_text(line)}" for line in lines] if lines else ["No crossover in the swept range."]
    out.append("")
    return out


def _assumptions(report: Mapping[str, Any]) -> list[str]:
    out = ["## Assumptions", ""]
    calibrated = calibration_text(report)
    if calibrated:
        out += [md_text(calibrated), ""]
    table = assumptions_table(report)
    if not table.rows:
        return [*out, "None recorded.", ""]
    sources = sorted({str(r.get("source")) for r in table.rows})
    out += _details(html_text(f"{len(table.rows)} assumptions ({', '.join(sources)})"), _section_table(table))
    return out


def _warnings(report: Mapping[str, Any]) -> list[str]:
    lines = warning_lines(report)
    out = ["## Warnings", "", *(f"- {md_text(line)}" for line in lines[:MAX_WARNINGS])]
    if len(lines) > MAX_WARNINGS:
        out.append(f"- … {len(lines) - MAX_WARNINGS:,} more warning(s): see the text or JSON report")
    return [*out, ""]


def _footer(report: Mapping[str, Any]) -> list[str]:
    tool = section(report, "tool")
    inputs = section(report, "inputs")
    dates = sorted({str(d) for d in section(section(report, "prices"), "as_of").values()})
    prices = f"prices as of {dates[0]} to {dates[-1]}" if dates else "no price dates"
    text = (
        f"generated {report.get('generated_at', '?')} by {tool.get('name', 'dsqlcost')} {tool.get('version', '?')}"
        f" · {inputs.get('statements', '—')} statements · literals {inputs.get('literals', 'redacted')} · {prices}"
    )
    return ["---", "", f"<sub>{html_text(text)}</sub>", ""]
