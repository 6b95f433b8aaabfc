"""The fleet sections of the terminal report: clusters side by side, and the cost per database.

A fleet report prices every cluster on its own and totals the fleet (``docs/report-contract.md``,
``fleet`` and ``databases``). The clusters table answers "which option is cheapest for each
cluster, and how risky is OCC there": one row per cluster with its window, statements, each
option's total for that cluster alone, the option it would pick alone and its OCC risk, then a
Fleet row with the fleet totals. Width-aware like the rest: option headers and option names break
after hyphens, rows grow to two lines before the table gives way to records, and below
:data:`~costmodel.report.textparts.NARROW` columns clusters and databases are short records. A
fleet can hold a thousand clusters: the :data:`MAX_ROWS` most expensive are listed and the rest
counted (every one is in the JSON and CSV output).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from costmodel.report.common import (
    display_text,
    fleet_clusters,
    fmt_qty,
    fmt_usd,
    option_has_unconfirmed,
    option_list,
    section,
    short_duration,
)
from costmodel.report.fleetview import (
    cheapest_alone,
    cluster_risk,
    cluster_weight,
    database_note,
    fleet_option_names,
    fleet_summary,
    fleet_total_note,
    largest,
)
from costmodel.report.tables import CLUSTER_COLUMNS_AFTER, CLUSTER_COLUMNS_BEFORE, databases_table
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
    simple_table,
    wrap_name,
)

MAX_ROWS = 40
"""Clusters and databases listed at most (the most expensive); the rest are counted, and every row
is in the JSON and CSV output."""
CLUSTER_NAME_WIDTH = 24
"""Cluster and database names longer than this fold onto more lines."""
CHEAPEST_ALONE_WIDTH = 14
"""Cheapest-alone option names wrap after a hyphen within this width when the full name does not
fit (``serverless-v2-`` / ``io-optimized``: two lines)."""


CLUSTER_LAYOUT: dict[str, dict[str, Any]] = {
    "name": {"overflow": "fold", "max_width": CLUSTER_NAME_WIDTH},
    "window": {"no_wrap": True},
    "statements": {"no_wrap": True},
    "alone": {"no_wrap": True},
    "risk": {"no_wrap": True},
}
"""How the terminal lays out the clusters table's fixed columns (option columns follow the width)."""
DATABASE_LAYOUT: dict[str, dict[str, Any]] = {
    "cluster": {"overflow": "fold", "max_width": CLUSTER_NAME_WIDTH},
    "database": {"overflow": "fold", "max_width": CLUSTER_NAME_WIDTH},
    "statements": {"no_wrap": True},
    "calls_month": {"no_wrap": True},
    "dsql_monthly_usd": {"no_wrap": True},
    "sv2_monthly_usd": {"no_wrap": True},
}
"""How the terminal lays out the databases table's columns."""


def _window_cell(cluster: Mapping[str, Any], with_source: bool) -> str:
    """The window length; its source below it when the clusters' windows come from different sources
    (otherwise the summary line names the one source)."""
    text = short_duration(cluster.get("window_seconds"))
    return f"{text}\n{display_text(cluster.get('window_source') or '—')}" if with_source else text


def clusters_section(report: Mapping[str, Any], width: int) -> RenderableType:
    """Clusters as rows: window, statements, each option's total for that cluster alone, the option
    it would pick alone and its OCC risk; a Fleet row with the fleet totals. Records when narrow."""
    shown, hidden = largest(fleet_clusters(report), MAX_ROWS, cluster_weight(report))
    names = fleet_option_names(report)
    marked = {str(o.get("name")) for o in option_list(report) if option_has_unconfirmed(o)}
    rows, fleet_row = _cluster_rows(report, shown, names)
    parts: list[RenderableType] = [heading("Clusters (USD per month)"), lit(fleet_summary(report), "dim")]
    layout = _cluster_layout([*rows, fleet_row], names, width)
    if layout is None:
        parts.append(_cluster_records(rows, fleet_row, names, marked))
    else:
        parts.append(_cluster_table(rows, fleet_row, names, marked, layout))
    notes = []
    if hidden:
        notes.append(
            f"{hidden:,} more cluster(s) not listed: the {len(shown)} most expensive are shown "
            "(every cluster is in clusters.csv and the JSON report)"
        )
    note = fleet_total_note(report)
    if note:
        notes.append(note)
    if notes:
        parts.append(bullets("·", notes, "dim"))
    return Group(*parts)


ClusterRow = tuple[str, str, str, list[Any], str, str, str]
"""(name, window, statements, totals by option, cheapest alone, risk text, risk level)."""


def _cluster_rows(
    report: Mapping[str, Any], shown: list[Mapping[str, Any]], names: list[str]
) -> tuple[list[ClusterRow], ClusterRow]:
    """The cells of each shown cluster and of the Fleet row (the fleet totals and risk)."""
    mixed = len({str(c.get("window_source")) for c in fleet_clusters(report)}) > 1
    by_name = {str(o.get("name")): o for o in option_list(report)}
    contention = section(report, "contention")
    rows: list[ClusterRow] = [
        (
            display_text(c.get("name")),
            _window_cell(c, mixed),
            fmt_qty(c.get("statements")),
            [section(c, "totals").get(n) for n in names],
            display_text(cheapest_alone(c) or "—"),
            cluster_risk(c),
            str(c.get("risk") or ""),
        )
        for c in shown
    ]
    fleet_row: ClusterRow = (
        "Fleet",
        "",
        fmt_qty(section(report, "fleet").get("statement_rows")),
        [by_name[n].get("total_monthly_usd") if n in by_name else None for n in names],
        display_text(section(report, "verdict").get("cheapest") or "—"),
        cluster_risk(contention) if contention else "—",
        str(contention.get("risk") or ""),
    )
    return rows, fleet_row


def _cluster_table(
    rows: list[ClusterRow],
    fleet_row: ClusterRow,
    names: list[str],
    marked: set[str],
    layout: tuple[int, int, bool],
) -> Table:
    """The clusters table (columns of :mod:`costmodel.report.tables`, short headers), the Fleet row last."""
    option_width, alone_width, split_risk = layout
    table = simple_table()
    add_columns(table, CLUSTER_COLUMNS_BEFORE, CLUSTER_LAYOUT, narrow=True)
    for name in names:
        header = wrap_name(display_text(name), option_width)
        table.add_column(Text(header, style="bold"), justify="right", no_wrap=True)
    add_columns(table, CLUSTER_COLUMNS_AFTER, CLUSTER_LAYOUT, narrow=True)
    for index, (name, window, stmts, totals, alone, risk, level) in enumerate([*rows, fleet_row]):
        if index == len(rows):
            table.add_section()
        style = "bold" if index == len(rows) else ""
        table.add_row(
            lit(name, style),
            Text(window, style="dim"),
            Text(stmts, style=style),
            *(
                money(v, n in marked, 2, "bold green" if n == alone else style)
                for n, v in zip(names, totals, strict=True)
            ),
            lit(wrap_name(alone, alone_width), style),
            Text(risk.replace(" ", "\n", 1) if split_risk else risk, style=RISK_STYLE.get(level, "")),
        )
    return table


def _cluster_layout(rows: list[ClusterRow], names: list[str], width: int) -> tuple[int, int, bool] | None:
    """Widths (option column, cheapest-alone column) and whether the risk takes two lines, so the
    clusters table fits into ``width``; None when it cannot (then clusters are records). Option
    headers and cheapest-alone names break after hyphens, never inside a word; rows grow to two
    lines before the layout gives up."""
    if width < NARROW or not names:
        return None

    def longest(values: list[str]) -> int:
        return max((len(v) for v in values), default=0)

    def segments(text: str) -> list[str]:
        return text.replace("-", "-\0").split("\0")

    name_w = min(max(len("Cluster"), longest([r[0] for r in rows])), CLUSTER_NAME_WIDTH)
    window_w = max(len("Window"), longest([line for r in rows for line in r[1].split("\n")]))
    stmts_w = max(len("Stmts"), longest([r[2] for r in rows]))
    risk_w = max(len("OCC risk"), longest([r[5] for r in rows]))
    risk_split_w = max(len("OCC risk"), longest([part for r in rows for part in r[5].split(" ", 1)]))
    money_w = max(MONEY_WIDTH, longest([fmt_usd(v, 2) + UNCONFIRMED_MARK for r in rows for v in r[3]]))
    option_min = max(money_w, longest([seg for n in names for seg in segments(n)]))
    alone = [r[4] for r in rows]
    alone_min = max(len("Cheapest"), longest([seg for a in alone for seg in segments(a)]))
    alone_two = max(alone_min, CHEAPEST_ALONE_WIDTH)
    gaps = 3 * (4 + len(names))
    base = name_w + window_w + stmts_w + gaps
    for alone_w, split in ((longest(alone), False), (alone_two, False), (alone_two, True), (alone_min, True)):
        option_w = (width - base - alone_w - (risk_split_w if split else risk_w)) // len(names)
        if option_w >= option_min:
            return min(option_w, max(option_min, longest(names))), alone_w, split
    return None


def _cluster_records(
    rows: list[ClusterRow], fleet_row: ClusterRow, names: list[str], marked: set[str]
) -> Table:
    """Narrow terminals: per cluster (and for the fleet) a line of facts, then one line per option
    with the cheapest one for the cluster alone pointed out."""
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(overflow="fold", ratio=1)
    for index, (name, window, stmts, totals, alone, risk, level) in enumerate([*rows, fleet_row]):
        line = Text(name, style="bold")
        facts = [window.replace("\n", " from ")] if window else []
        facts.append(f"{stmts} statements")
        line.append("  " + " · ".join(facts) + " · OCC ", style="dim")
        line.append(risk, style=RISK_STYLE.get(level, ""))
        for option, value in zip(names, totals, strict=True):
            line.append(f"\n  {option} ")
            line.append_text(money(value, option in marked, 2, "bold green" if option == alone else ""))
            if option == alone:
                line.append(" ← cheapest" if index == len(rows) else " ← cheapest alone", style="dim")
        grid.add_row(line)
    return grid


def databases_section(report: Mapping[str, Any], width: int) -> RenderableType:
    """Monthly cost per database (DSQL and the weighed Serverless v2 option, allocated by statement)."""
    spec, hidden = databases_table(report, MAX_ROWS)
    rows = spec.rows
    with_cluster = any(c.key == "cluster" for c in spec.columns)
    parts: list[RenderableType] = [heading("Databases (USD per month)")]
    if width < NARROW:
        grid = Table.grid(padding=(0, 1), expand=True)
        grid.add_column(overflow="fold", ratio=1)
        for row in rows:
            label = display_text(row.get("database") or "—")
            if with_cluster:
                label = f"{display_text(row.get('cluster') or '—')} / {label}"
            line = Text(label, style="bold")
            line.append(
                f"\n  {fmt_qty(row.get('statements'))} statements · {fmt_qty(row.get('calls_month'))} calls/month",
                style="dim",
            )
            line.append("\n  DSQL ")
            line.append_text(money(row.get("dsql_monthly_usd"), places=2))
            line.append(" · Serverless v2 ")
            line.append_text(money(row.get("sv2_monthly_usd"), places=2))
            grid.add_row(line)
        parts.append(grid)
    else:
        table = simple_table()
        add_columns(table, spec.columns, DATABASE_LAYOUT, narrow=True)
        for row in spec.rows:
            table.add_row(*(cell_text(row, c, "bold" if c.key == "database" else "") for c in spec.columns))
        parts.append(table)
    notes = [database_note(report)]
    if hidden:
        notes.insert(
            0,
            f"{hidden:,} more database(s) not listed: the {len(rows)} most expensive are shown "
            "(every database is in databases.csv and the JSON report)",
        )
    parts.append(bullets("·", notes, "dim"))
    return Group(*parts)
