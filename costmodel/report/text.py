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
    component_totals,
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
from costmodel.report.sections import Cell, findings_table
from costmodel.report.summary import driver_line, first_screen, option_line
from costmodel.report.textdecision import decision_section
from costmodel.report.textfleet import clusters_section, databases_section
from costmodel.report.textparts import (
    MONEY_WIDTH,
    NARROW,
    RISK_STYLE,
    UNCONFIRMED_MARK,
    bullets,
    heading,
    lit,
    money,
    records,
    simple_table,
    wrap_name,
)

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
    totals = [component_totals(o) for o in options]
    for component in components(report):
        table.add_row(lit(component), *(money(t[component]) if component in t else Text("—") for t in totals))
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


def _figures_width(line_items: list[Mapping[str, Any]]) -> int:
    """Width the line-item columns before the note need, separators included."""
    widths = [
        max([len(header), *(len(fn(i)) for i in line_items)])
        for header, fn in (
            ("Component", lambda i: display_text(i.get("component"))),
            ("Region", lambda i: display_text(i.get("region"))),
            ("Quantity", lambda i: fmt_qty(i.get("quantity"))),
            ("Unit", lambda i: display_text(i.get("unit"))),
            ("Unit price", lambda i: fmt_price(i.get("unit_price_usd"))),
            ("Monthly", lambda i: fmt_usd(i.get("monthly_usd")) + UNCONFIRMED_MARK),
        )
    ]
    return sum(widths) + 3 * len(widths) + 3


def _line_items(option: Mapping[str, Any], width: int) -> RenderableType:
    title = Text(f"\nLine items — {display_text(option.get('name'))}", style="bold underline")
    title.append(f"  {fmt_usd(option.get('total_monthly_usd'), 2)}/month", style="bold")
    line_items = [i for i in items(option.get("line_items")) if isinstance(i, Mapping)]
    narrow = width < NARROW
    # Notes get their own column only when it can be NOTE_MIN_WIDTH wide next to the figures, and the
    # price reference only when it then fits whole; otherwise notes become footnotes.
    spare = width - _figures_width(line_items)
    longest_ref = max((len(display_text(i.get("price_ref"))) for i in line_items), default=0)
    inline = not narrow and spare >= NOTE_MIN_WIDTH
    show_ref = inline and spare - NOTE_MIN_WIDTH - 3 >= longest_ref
    footnotes = Table.grid(padding=(0, 1))
    footnotes.add_column(justify="right", no_wrap=True, style="dim")
    footnotes.add_column(overflow="fold")
    if narrow:
        body = records()
    else:
        body = simple_table(expand=inline)
        for name, justify in (
            ("Component", "left"),
            ("Region", "left"),
            ("Quantity", "right"),
            ("Unit", "left"),
        ):
            body.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
        body.add_column("Unit price", justify="right", no_wrap=True)
        body.add_column("Monthly", justify="right", no_wrap=True)
        body.add_column("Note", overflow="fold", ratio=1 if inline else None, no_wrap=not inline)
        if show_ref:
            body.add_column("Price reference", no_wrap=True)
    for item in line_items:
        unconfirmed = is_unconfirmed(item)
        note_style = "magenta" if unconfirmed else "dim"
        note = display_text(item.get("note") or "")
        if unconfirmed:
            note = f"{UNCONFIRMED_MARK}{display_text(item.get('confidence'))}" + (f"; {note}" if note else "")
        marker = ""
        if note and not inline:
            marker = f"[{footnotes.row_count + 1}]"
            footnotes.add_row(marker, Text(note, style=note_style))
        if narrow:
            line = Text(display_text(item.get("component")), style="bold")
            line.append(f" · {display_text(item.get('region'))}  ")
            line.append_text(money(item.get("monthly_usd"), unconfirmed))
            line.append(
                f"\n{fmt_qty(item.get('quantity'))} {lit(item.get('unit')).plain}"
                f" × {fmt_price(item.get('unit_price_usd'))} {marker}".rstrip(),
                style="dim",
            )
            body.add_row("", line)
            continue
        cells = [
            lit(item.get("component")),
            lit(item.get("region")),
            Text(fmt_qty(item.get("quantity"))),
            lit(item.get("unit")),
            Text(fmt_price(item.get("unit_price_usd"))),
            money(item.get("monthly_usd"), unconfirmed),
            Text(note if inline else marker, style=note_style),
        ]
        if show_ref:
            cells.append(lit(item.get("price_ref"), "dim"))
        body.add_row(*cells)
    parts: list[RenderableType] = [title, body]
    if footnotes.row_count:
        parts.append(footnotes)
    if items(option.get("warnings")):
        parts.append(bullets("!", items(option.get("warnings")), "yellow"))
    return Group(*parts)


def _top_statements(option: Mapping[str, Any], top: list[Mapping[str, Any]], narrow: bool) -> RenderableType:
    """Top drivers: figures first; the statement id above its one-line query gets the remaining width."""
    title = Text(f"\nTop cost drivers — {display_text(option.get('name'))}", style="bold underline")
    has_dpu = any(is_number(s.get("dpu_per_call")) for s in top)
    has_clusters = any(is_number(s.get("clusters")) for s in top)
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
    table = simple_table(expand=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("Calls/month", justify="right", no_wrap=True)
    table.add_column("Monthly", justify="right", no_wrap=True)
    table.add_column("Share", justify="right", no_wrap=True)
    if has_dpu:
        table.add_column("DPU/call", justify="right", no_wrap=True)
    if has_clusters:
        table.add_column("Clusters", justify="right", no_wrap=True)
    table.add_column("Statement / query", no_wrap=True, overflow="ellipsis", ratio=1, min_width=12)
    for rank, stmt in enumerate(top, start=1):
        cells = [
            Text(str(rank)),
            Text(fmt_qty(stmt.get("calls_month"))),
            money(stmt.get("monthly_usd")),
            Text(fmt_share(stmt.get("share"))),
        ]
        if has_dpu:
            cells.append(Text(fmt_qty(stmt.get("dpu_per_call"))))
        if has_clusters:
            cells.append(Text(fmt_qty(stmt.get("clusters"))))
        cells.append(_id_and_query(stmt.get("stmt_id"), stmt.get("query")))
        table.add_row(*cells)
    return Group(title, table)


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
    table = simple_table(expand=True)
    if with_cluster:
        table.add_column("Cluster", overflow="fold", max_width=16)
    table.add_column("Table", overflow="fold", max_width=20)
    table.add_column("Keys", justify="right", no_wrap=True)
    table.add_column("Writes/s", justify="right", no_wrap=True)
    table.add_column("P(conflict)", justify="right", no_wrap=True)
    table.add_column("Extra DPU/month", justify="right", no_wrap=True)
    table.add_column("Statement / query", no_wrap=True, overflow="ellipsis", ratio=1, min_width=12)
    for spot, _ in figures:
        table.add_row(
            *([lit(spot.get("cluster") or "—")] if with_cluster else []),
            lit(spot.get("table")),
            Text(fmt_qty(spot.get("key_space"))),
            Text(fmt_qty(spot.get("rate_per_s"))),
            Text(fmt_share(spot.get("conflict_probability"))),
            Text(fmt_qty(spot.get("extra_dpu_month"))),
            _id_and_query(spot.get("stmt_id"), spot.get("query")),
        )
    return Group(title, table)


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
    table = simple_table(expand=True)
    table.add_column("Key", overflow="fold", max_width=36)
    table.add_column("Value", justify="right", overflow="fold", max_width=18)
    table.add_column("Unit", overflow="fold", max_width=20)
    table.add_column("Source", overflow="fold", max_width=20)
    table.add_column("Meaning", overflow="fold", ratio=1, min_width=30)
    for row in rows:
        table.add_row(
            lit(row.get("key")),
            lit(assumption_value(row.get("value"))),
            lit(row.get("unit")),
            lit(row.get("source"), "cyan"),
            lit(row.get("description"), "dim"),
        )
    parts.append(table)
    return Group(*parts)


def _warnings(report: Mapping[str, Any]) -> RenderableType:
    return Group(Text("\nWarnings", style="bold underline"), bullets("!", warning_lines(report), "yellow"))
