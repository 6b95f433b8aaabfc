"""The report for a terminal (rich): verdict first, then the numbers behind it.

Order follows the reader's questions: what should I pick and why (verdict); what does each option
cost, side by side by component; what exactly is billed (line items, unconfirmed prices marked
``*``); which statements drive the cost; can I migrate (readiness) and will OCC hurt (contention);
where the options cross over as load grows; which assumptions the numbers rest on; and every
warning (unconfirmed prices, missing signals, where the observation window came from). A fleet
report adds its clusters side by side after the options, and a report spanning several databases
the cost per database (both in :mod:`costmodel.report.textfleet`).

Width-aware: from :data:`NARROW` columns on, sections are tables; below it they become short
records (two lines per line item, statement or finding) instead of tables squeezed into one-letter
columns. Query texts are folded to one line and cut with ``…``. Line-item notes become numbered
footnotes when a note column would be narrower than :data:`NOTE_MIN_WIDTH`; price references
appear when they fit whole. Colour only on a terminal,
never when ``NO_COLOR`` is set (https://no-color.org) or ``color=False`` (``--no-color``). Text from
the report is shown literally (rich markup is not interpreted) and control characters are made
visible, so a query text cannot restyle or move the terminal.
"""

from __future__ import annotations

import io
import os
import shutil
import sys
from collections.abc import Mapping
from typing import Any

from rich import box
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from costmodel.report.common import (
    assumption_value,
    cheapest_total,
    check_report,
    components,
    conflict_rate_text,
    crossover_lines,
    display_text,
    fmt_multiplier,
    fmt_price,
    fmt_qty,
    fmt_share,
    fmt_usd,
    is_fleet,
    is_number,
    is_unconfirmed,
    items,
    one_line,
    option_has_unconfirmed,
    option_list,
    range_text,
    section,
    sorted_findings,
    sources_text,
    vs_cheapest,
    warning_lines,
)
from costmodel.report.decisionview import has_decision
from costmodel.report.fleetview import show_databases
from costmodel.report.sections import MONEY_CELLS, Cell, SectionTable, findings_table, hot_spots_table, plain
from costmodel.report.summary import driver_line, first_screen, option_line
from costmodel.report.tables import assumptions_table, components_table, drivers_table, line_items_table
from costmodel.report.textdecision import decision_section
from costmodel.report.textfleet import clusters_section, databases_section
from costmodel.report.textparts import (
    MONEY_WIDTH,
    NARROW,
    RISK_STYLE,
    UNCONFIRMED_MARK,
    add_columns,
    bullets,
    cell_text,
    heading,
    lit,
    money,
    records,
    simple_table,
    wrap_name,
)
from costmodel.report.textplan import plan_blocks

DEFAULT_WIDTH = 100
"""Width used when output is not a terminal and ``COLUMNS`` is unset."""
MIN_WIDTH = 40
"""Narrower requests are rendered at this width."""
NOTE_MIN_WIDTH = 32
"""Line-item notes get their own column when it can be this wide; otherwise they become footnotes.
The price reference is shown too when it then fits whole."""
TOP_N = 10
"""Cost drivers listed per option."""
ASSUMPTION_TABLE_WIDTH = 130
"""Assumptions are a table from this width on (key, value, unit, source and a readable meaning
column need it), records below."""

STATEMENT_KEYS = ("stmt_id", "query")
"""Statement id and query: one last column in the terminal, the id above its one-line query."""
HOT_SPOT_LAYOUT: dict[str, dict[str, Any]] = {
    "cluster": {"overflow": "fold", "max_width": 16},
    "table": {"overflow": "fold", "max_width": 20},
    "key_space": {"no_wrap": True},
    "rate_per_s": {"no_wrap": True},
    "conflict_probability": {"no_wrap": True},
    "extra_dpu_month": {"no_wrap": True},
}
ASSUMPTION_LAYOUT: dict[str, dict[str, Any]] = {
    "key": {"overflow": "fold", "max_width": 36},
    "value": {"overflow": "fold", "max_width": 18},
    "unit": {"overflow": "fold", "max_width": 20},
    "source": {"overflow": "fold", "max_width": 20},
    "description": {"overflow": "fold", "ratio": 1, "min_width": 30},
}
ASSUMPTION_STYLE = {"source": "cyan", "description": "dim"}
SEVERITY_STYLE = {"blocker": "bold red", "warning": "yellow", "info": "cyan"}
READINESS_STYLE = {"ready": "bold green", "changes needed": "bold yellow", "blocked": "bold red"}


def want_color(color: bool | None, stream: Any = None) -> bool:
    """Whether to colour: an explicit ``color`` wins; otherwise only on a terminal, without
    ``NO_COLOR`` and with a ``TERM`` other than ``dumb``."""
    if color is not None:
        return color
    if os.environ.get("NO_COLOR", "") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream if stream is not None else sys.stdout, "isatty", None)
    return bool(isatty and isatty())


def terminal_width() -> int:
    """The terminal's width (``COLUMNS`` first), or :data:`DEFAULT_WIDTH` when not a terminal."""
    return shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns


def render_text(report: Mapping[str, Any], *, width: int | None = None, color: bool | None = None) -> str:
    """The report as terminal text, ``width`` columns wide (default: the terminal's), with ANSI colour
    when ``color`` is true (default: only on a terminal without ``NO_COLOR``)."""
    check_report(report)
    use_color = want_color(color)
    cols = max(MIN_WIDTH, width if width is not None else terminal_width())
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=cols,
        force_terminal=use_color,
        color_system="standard" if use_color else None,
        no_color=not use_color,
        highlight=False,
        markup=False,
        emoji=False,
        legacy_windows=False,
        force_jupyter=False,
        force_interactive=False,
        soft_wrap=False,
        _environ={},  # the result must not depend on FORCE_COLOR, COLUMNS … of the caller
    )
    for block in _blocks(report, cols):
        console.print(block)
    return buffer.getvalue()


def _blocks(report: Mapping[str, Any], width: int) -> list[RenderableType]:
    narrow = width < NARROW
    blocks: list[RenderableType] = [_header(report), _verdict(report)]
    blocks += [decision_section(report)] if has_decision(report) else []
    blocks.append(heading("Options (USD per month)"))
    blocks.append(_side_by_side(report, width))
    if is_fleet(report):
        blocks.append(clusters_section(report, width))
    if show_databases(report):
        blocks.append(databases_section(report, width))
    for option in option_list(report):
        blocks.append(_line_items(option, width))
    for option in option_list(report):
        top = [s for s in items(option.get("top_statements"))[:TOP_N] if isinstance(s, Mapping)]
        if top:
            blocks.append(_top_statements(option, top, narrow))
    blocks += [
        _readiness(report, narrow),
        _contention(report, narrow),
        *plan_blocks(report, narrow),
        _break_even(report),
        _warnings(report),
        _assumptions(report, width < ASSUMPTION_TABLE_WIDTH),  # last: the reference, not the answer
    ]
    return blocks


# --- small pieces -----------------------------------------------------------------------------------


def _id_and_query(stmt_id: Any, query: Any) -> Text:
    """Statement id above its one-line query (cut with ``…`` by the column)."""
    label = Text(display_text(stmt_id), style="bold")
    label.append("\n" + one_line(query), style="")
    return label


# --- sections ---------------------------------------------------------------------------------------


def _header(report: Mapping[str, Any]) -> Text:
    tool = section(report, "tool")
    inputs = section(report, "inputs")
    scenario = section(report, "scenario")
    text = Text(display_text(report.get("title") or "dsqlcost report"), style="bold")
    meta = [
        f"generated {report.get('generated_at', '?')} by {tool.get('name', 'dsqlcost')} {tool.get('version', '?')}",
        f"sources: {sources_text(report)}",
        f"statements: {inputs.get('statements', '—')} · literals {inputs.get('literals', 'redacted')}",
    ]
    if scenario:
        meta.append(f"scenario: {scenario.get('name', '—')} ({scenario.get('source', '—')})")
    text.append("\n" + display_text("\n".join(meta)), style="dim")
    return text


def _verdict(report: Mapping[str, Any]) -> RenderableType:
    """The first screen (:mod:`costmodel.report.summary`): verdict, options with their ranges, the
    warnings that change the decision, cost drivers, readiness and OCC risk, then the reasons."""
    verdict = section(report, "verdict")
    summary = first_screen(report)
    readiness = str(verdict.get("readiness") or section(report, "readiness").get("verdict") or "—")
    head = Text(display_text(summary.get("headline") or "no verdict"), style="bold")
    parts: list[RenderableType] = [head]
    options = Text()
    for entry in items(summary.get("options")):
        style = "bold green" if entry.get("recommended") else ("" if entry.get("compared") else "dim")
        options.append(("\n" if options.plain else "") + display_text(option_line(entry)), style=style)
    if options.plain:
        parts.append(options)
    if items(summary.get("warnings")):
        parts.append(bullets("!", items(summary.get("warnings")), "yellow"))
    drivers = [d for d in items(summary.get("drivers")) if isinstance(d, Mapping)]
    if drivers:
        parts.append(Text(f"cost drivers of {display_text(drivers[0].get('option'))}:", style="bold"))
        parts.append(bullets("·", [driver_line(d) for d in drivers], "dim"))
    status = Text(display_text(summary.get("readiness") or ""), style=READINESS_STYLE.get(readiness, ""))
    status.append("\n" + display_text(summary.get("occ") or ""))
    parts.append(status)
    if items(verdict.get("reasons")):
        parts.append(bullets("•", items(verdict.get("reasons"))))
    if items(verdict.get("latency")):
        parts.append(bullets("⏱", items(verdict.get("latency")), "dim"))
    return Panel(Group(*parts), title="Verdict", title_align="left", box=box.ROUNDED, expand=True)


def _side_by_side(report: Mapping[str, Any], width: int) -> RenderableType:
    """Components as rows, options as columns; one row per option when the terminal is too narrow."""
    options = option_list(report)
    if not options:
        return Text("No options were priced.", style="dim")
    label_width = max([len("Total / month"), *(len(c) for c in components(report))])
    column_width = (width - label_width - 1) // len(options) - 2
    if column_width < MONEY_WIDTH:
        return _options_stacked(report)
    recommended = section(report, "verdict").get("recommended")
    table = simple_table()
    table.add_column("Component", no_wrap=True)
    for option in options:
        style = "bold green" if option.get("name") == recommended else "bold"
        header = wrap_name(display_text(option.get("name")), column_width)
        table.add_column(Text(header, style=style), justify="right", overflow="fold")
    names = [str(o.get("name")) for o in options]
    for row in components_table(report).rows:
        table.add_row(lit(row["component"]), *(money(row[n]) if n in row else Text("—") for n in names))
    table.add_section()
    table.add_row(
        Text("Total / month", style="bold"),
        *(money(o.get("total_monthly_usd"), option_has_unconfirmed(o), 2, "bold") for o in options),
    )
    if any(o.get("total_monthly_usd_range") for o in options):
        table.add_row(Text("Range", style="dim"), *(Text(range_text(o), style="dim") for o in options))
    cheapest = cheapest_total(report)
    table.add_row(
        Text("vs cheapest", style="dim"), *(Text(vs_cheapest(o, cheapest), style="dim") for o in options)
    )
    return Group(table, _option_titles(options))


def _options_stacked(report: Mapping[str, Any]) -> RenderableType:
    """Narrow terminals: one row per option (the per-component split is in the line items)."""
    options = option_list(report)
    recommended = section(report, "verdict").get("recommended")
    cheapest = cheapest_total(report)
    table = simple_table()
    table.add_column("Option", overflow="fold")
    table.add_column("Total / month", justify="right", no_wrap=True)
    table.add_column("Range", justify="right", overflow="fold")
    table.add_column("vs cheapest", justify="right", no_wrap=True)
    for option in options:
        table.add_row(
            lit(option.get("name"), "bold green" if option.get("name") == recommended else "bold"),
            money(option.get("total_monthly_usd"), option_has_unconfirmed(option), 2, "bold"),
            Text(range_text(option), style="dim"),
            Text(vs_cheapest(option, cheapest), style="dim"),
        )
    return Group(table, _option_titles(options))


def _option_titles(options: list[Mapping[str, Any]]) -> Text:
    titles = Text()
    for option in options:
        titles.append("\n" + display_text(option.get("name")), style="bold")
        titles.append(": " + display_text(option.get("title") or ""))
    if any(option_has_unconfirmed(o) for o in options):
        titles.append(f"\n{UNCONFIRMED_MARK} includes an unconfirmed price (see Warnings)", style="magenta")
    return titles


def _figures_width(table: SectionTable) -> int:
    """Width the line-item columns before the note need, separators included (an amount may carry ``*``)."""
    widths = [
        max(
            [
                len(c.header),
                *(
                    len(display_text(plain(r.get(c.key), c.cell))) + (c.cell in MONEY_CELLS)
                    for r in table.rows
                ),
            ]
        )
        for c in table.columns[: [c.key for c in table.columns].index("confidence")]
    ]
    return sum(widths) + 3 * len(widths) + 3


LINE_ITEM_LAYOUT: dict[str, dict[str, Any]] = {
    "component": {"overflow": "fold"},
    "region": {"overflow": "fold"},
    "quantity": {"overflow": "fold"},
    "unit": {"overflow": "fold"},
    "unit_price_usd": {"no_wrap": True},
    "monthly_usd": {"no_wrap": True},
    "price_ref": {"no_wrap": True},
}
"""How the terminal lays out the line-item columns (the note's layout depends on the width)."""


def _line_items(option: Mapping[str, Any], width: int) -> RenderableType:
    title = Text(f"\nLine items — {display_text(option.get('name'))}", style="bold underline")
    title.append(f"  {fmt_usd(option.get('total_monthly_usd'), 2)}/month", style="bold")
    spec = line_items_table(option)
    narrow = width < NARROW
    # Notes get their own column only when it can be NOTE_MIN_WIDTH wide next to the figures, and the
    # price reference only when it then fits whole; otherwise notes become footnotes. The confidence
    # of an unconfirmed price leads its note.
    spare = width - _figures_width(spec)
    longest_ref = max((len(display_text(r.get("price_ref"))) for r in spec.rows), default=0)
    inline = not narrow and spare >= NOTE_MIN_WIDTH
    show_ref = inline and spare - NOTE_MIN_WIDTH - 3 >= longest_ref
    columns = [c for c in spec.columns if c.key != "confidence" and (show_ref or c.key != "price_ref")]
    footnotes = Table.grid(padding=(0, 1))
    footnotes.add_column(justify="right", no_wrap=True, style="dim")
    footnotes.add_column(overflow="fold")
    if narrow:
        body = records()
    else:
        body = simple_table(expand=inline)
        note_layout = {"overflow": "fold", "ratio": 1 if inline else None, "no_wrap": not inline}
        add_columns(body, columns, {**LINE_ITEM_LAYOUT, "note": note_layout})
    for row in spec.rows:
        unconfirmed = is_unconfirmed(row)
        note_style = "magenta" if unconfirmed else "dim"
        note = display_text(row.get("note") or "")
        if unconfirmed:
            note = f"{UNCONFIRMED_MARK}{display_text(row.get('confidence'))}" + (f"; {note}" if note else "")
        marker = ""
        if note and not inline:
            marker = f"[{footnotes.row_count + 1}]"
            footnotes.add_row(marker, Text(note, style=note_style))
        if narrow:
            body.add_row("", _line_item_record(row, marker))
            continue
        body.add_row(
            *(
                Text(note if inline else marker, style=note_style)
                if c.key == "note"
                else cell_text(row, c, "dim" if c.key == "price_ref" else "")
                for c in columns
            )
        )
    parts: list[RenderableType] = [title, body]
    if footnotes.row_count:
        parts.append(footnotes)
    if items(option.get("warnings")):
        parts.append(bullets("!", items(option.get("warnings")), "yellow"))
    return Group(*parts)


def _line_item_record(item: Mapping[str, Any], marker: str) -> Text:
    """A line item in two lines (narrow terminals): component, region and amount; then the arithmetic."""
    line = Text(display_text(item.get("component")), style="bold")
    line.append(f" · {display_text(item.get('region'))}  ")
    line.append_text(money(item.get("monthly_usd"), is_unconfirmed(item)))
    line.append(
        f"\n{fmt_qty(item.get('quantity'))} {lit(item.get('unit')).plain}"
        f" × {fmt_price(item.get('unit_price_usd'))} {marker}".rstrip(),
        style="dim",
    )
    return line


def _top_statements(option: Mapping[str, Any], top: list[Mapping[str, Any]], narrow: bool) -> RenderableType:
    """Top drivers: figures first; the statement id above its one-line query gets the remaining width."""
    title = Text(f"\nTop cost drivers — {display_text(option.get('name'))}", style="bold underline")
    if narrow:
        grid = records()
        for rank, stmt in enumerate(top, start=1):
            line = money(stmt.get("monthly_usd"))
            line.append(f"  {fmt_share(stmt.get('share'))} · {fmt_qty(stmt.get('calls_month'))} calls/month")
            if is_number(stmt.get("dpu_per_call")):
                line.append(f" · {fmt_qty(stmt.get('dpu_per_call'))} DPU/call")
            if is_number(stmt.get("clusters")):
                line.append(f" · {fmt_qty(stmt.get('clusters'))} cluster(s)")
            grid.add_row(f"{rank}.", line)
            grid.add_row("", _id_and_query(stmt.get("stmt_id"), stmt.get("query")))
        return Group(title, _cut_queries(grid))
    spec = drivers_table(option, TOP_N)
    return Group(title, _statement_table(spec, {c.key: {"no_wrap": True} for c in spec.columns}))


def _statement_table(spec: SectionTable, layout: Mapping[str, Mapping[str, Any]]) -> Table:
    """A table of statements: the figures (narrow columns), then the statement id above its one-line
    query in the remaining width."""
    columns = [c for c in spec.shown(narrow=True) if c.key not in STATEMENT_KEYS]
    table = simple_table(expand=True)
    add_columns(table, columns, layout)
    table.add_column("Statement / query", no_wrap=True, overflow="ellipsis", ratio=1, min_width=12)
    for row in spec.rows:
        table.add_row(
            *(cell_text(row, c) for c in columns), _id_and_query(row.get("stmt_id"), row.get("query"))
        )
    return table


def _cut_queries(grid: Table) -> Table:
    """Records keep every line on one row: long ids and queries are cut with ``…``, not wrapped."""
    grid.columns[1].no_wrap = True
    grid.columns[1].overflow = "ellipsis"
    return grid


def _readiness(report: Mapping[str, Any], narrow: bool) -> RenderableType:
    readiness = section(report, "readiness")
    verdict = str(readiness.get("verdict") or "—")
    title = Text("\nReadiness  ", style="bold underline")
    title.append(display_text(verdict), style=READINESS_STYLE.get(verdict, "bold"))
    meta = f"DSQL as of {readiness.get('as_of', '—')} · dsql-lint {readiness.get('dsql_lint_version', '—')}"
    if readiness.get("summary"):
        meta += f" · {readiness['summary']}"
    findings = sorted_findings(items(readiness.get("findings")))
    if not findings:
        return Group(title, lit(meta, "dim"), Text("No findings."))
    if narrow:
        grid = records()
        for finding in findings:
            severity = str(finding.get("severity") or "—")
            line = Text(display_text(finding.get("id")), style="bold")
            line.append(
                f"  calls {fmt_share(finding.get('share_calls'))} · cost {fmt_share(finding.get('share_cost'))}"
                f" · effort {display_text(finding.get('effort') or '—')}",
                style="dim",
            )
            line.append("\n" + display_text(finding.get("message") or ""))
            if finding.get("remediation"):
                line.append("\n→ " + display_text(finding["remediation"]), style="dim")
            grid.add_row(lit(severity, SEVERITY_STYLE.get(severity, "")), line)
        return Group(title, lit(meta, "dim"), grid)
    table = simple_table(expand=True)
    spec = findings_table(report)
    columns = spec.shown(narrow=True)
    for column in columns:
        if column.numeric or column.key in ("severity", "effort"):
            table.add_column(column.header, justify="right" if column.numeric else "left", no_wrap=True)
        elif column.cell is Cell.ID:
            table.add_column(column.header, overflow="fold", max_width=24)
        else:
            table.add_column(column.header, overflow="fold", ratio=1)
    for row in spec.rows:
        severity = str(row.get("severity") or "—")
        cells = spec.text_cells(row, columns)
        table.add_row(
            *(
                lit(cell, SEVERITY_STYLE.get(severity, "")) if column.key == "severity" else lit(cell)
                for column, cell in zip(columns, cells)
            )
        )
    return Group(title, lit(meta, "dim"), table)


def _contention(report: Mapping[str, Any], narrow: bool) -> RenderableType:
    contention = section(report, "contention")
    title = Text("\nOCC contention  ", style="bold underline")
    if not contention:
        return Group(title, Text("Not assessed.", style="dim"))
    risk = str(contention.get("risk") or "—")
    title.append(f"predicted conflict rate {conflict_rate_text(contention)} ")
    title.append(f"({display_text(risk)})", style=RISK_STYLE.get(risk, ""))
    spots = [s for s in items(contention.get("hot_spots")) if isinstance(s, Mapping)]
    if not spots:
        return Group(title, Text("No hot spots.", style="dim"))
    figures = [
        (
            spot,
            f"{fmt_qty(spot.get('key_space'))} keys · {fmt_qty(spot.get('rate_per_s'))} writes/s"
            f" · P(conflict) {fmt_share(spot.get('conflict_probability'))}"
            f" · +{fmt_qty(spot.get('extra_dpu_month'))} DPU/month",
        )
        for spot in spots
    ]
    with_cluster = any("cluster" in spot for spot in spots)
    if narrow:
        grid = records()
        for spot, text in figures:
            line = Text(display_text(spot.get("table")), style="bold")
            if with_cluster:
                line = Text(display_text(spot.get("cluster") or "—") + " · ", style="bold").append_text(line)
            line.append(f"  {text}", style="dim")
            grid.add_row("", line)
            grid.add_row("", _id_and_query(spot.get("stmt_id"), spot.get("query")))
        return Group(title, _cut_queries(grid))
    return Group(title, _statement_table(hot_spots_table(report), HOT_SPOT_LAYOUT))


def _break_even(report: Mapping[str, Any]) -> RenderableType:
    title = Text("\nBreak-even", style="bold underline")
    break_even = section(report, "break_even")
    if not break_even:
        return Group(title, Text("Not computed.", style="dim"))
    multipliers = [float(m) for m in items(break_even.get("multipliers")) if is_number(m)]
    parts: list[RenderableType] = [title]
    if multipliers:
        swept = f"load swept from {fmt_multiplier(min(multipliers))} to {fmt_multiplier(max(multipliers))}"
        parts.append(Text(swept, style="dim"))
    lines = crossover_lines(report)
    parts.append(bullets("•", lines) if lines else Text("No crossover in the swept range."))
    return Group(*parts)


def _assumptions(report: Mapping[str, Any], as_records: bool) -> RenderableType:
    parts: list[RenderableType] = [Text("\nAssumptions", style="bold underline")]
    calibration = section(report, "calibration")
    if calibration:
        factors = ", ".join(f"{k} ×{assumption_value(v)}" for k, v in section(calibration, "factors").items())
        source = f"calibrated from {calibration.get('file', '—')} ({calibration.get('fitted_from', '—')})"
        parts.append(lit(f"{source}: {factors}", "dim"))
    rows = [a for a in items(report.get("assumptions")) if isinstance(a, Mapping)]
    if not rows:
        parts.append(Text("None recorded.", style="dim"))
        return Group(*parts)
    if as_records:
        grid = records()
        for row in rows:
            line = lit(row.get("key"), "bold")
            line.append(
                f" = {display_text(assumption_value(row.get('value')))} {display_text(row.get('unit'))}"
            )
            line.append(f"  ({display_text(row.get('source'))})", style="cyan")
            line.append("\n" + display_text(row.get("description")), style="dim")
            grid.add_row("", line)
        parts.append(grid)
        return Group(*parts)
    spec = assumptions_table(report)
    table = simple_table(expand=True)
    add_columns(table, spec.columns, ASSUMPTION_LAYOUT)
    for row in spec.rows:
        table.add_row(*(cell_text(row, c, ASSUMPTION_STYLE.get(c.key, "")) for c in spec.columns))
    parts.append(table)
    return Group(*parts)


def _warnings(report: Mapping[str, Any]) -> RenderableType:
    return Group(Text("\nWarnings", style="bold underline"), bullets("!", warning_lines(report), "yellow"))
