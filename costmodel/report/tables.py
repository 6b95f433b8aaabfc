"""Every human-facing table of the report, its columns named once (see :mod:`costmodel.report.sections`).

Each ``*_COLUMNS`` tuple is the one definition of a table's columns (key in the row, header, cell
kind, unit, whether the terminal may leave it out); each ``*_table`` function turns the report dict
into that table's rows. The Markdown, HTML and terminal printers, the readiness document and the
dashboard print these; a new format prints them too (``docs/adding-a-format.md``). Flags a printer
shows its own way (unconfirmed price, emphasis, "(recommended)") ride in the rows under the ``_``
keys of :mod:`costmodel.report.sections`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from costmodel.report.common import (
    assumption_value,
    cheapest_total,
    component_totals,
    components,
    fleet_clusters,
    is_number,
    is_unconfirmed,
    items,
    option_has_unconfirmed,
    option_list,
    range_text,
    section,
    short_duration,
    vs_cheapest,
    warning_lines,
)
from costmodel.report.decisionview import DECISION_COLUMNS, decision_rows
from costmodel.report.fleetview import (
    cheapest_alone,
    cluster_risk,
    cluster_weight,
    database_rows,
    database_weight,
    fleet_option_names,
    largest,
)
from costmodel.report.sections import (
    MARKED,
    STRONG,
    SUFFIX,
    TOTAL,
    Cell,
    Column,
    SectionTable,
    findings_table,
    hot_spots_table,
    table,
)

RISK_LEVEL = "_risk"
"""Row key of the clusters table: the OCC risk level alone (``elevated``), for formats that colour it."""

OPTION_COLUMNS: tuple[Column, ...] = (
    Column("name", "Option", Cell.TEXT),
    Column("total_monthly_usd", "Monthly", Cell.USD2, unit="USD/month"),
    Column("range", "Range", Cell.FIGURE, unit="USD/month"),
    Column("vs_cheapest", "vs cheapest", Cell.FIGURE),
    Column("title", "What", Cell.TEXT, wide=True),
)
"""The options: total per month, its range over the defaults, the gap to the cheapest."""

COMPONENT_COLUMN = Column("component", "Component", Cell.TEXT)
"""First column of the cost-by-component matrix; one money column per option follows."""

LINE_ITEM_COLUMNS: tuple[Column, ...] = (
    Column("component", "Component", Cell.TEXT),
    Column("region", "Region", Cell.TEXT),
    Column("quantity", "Quantity", Cell.QTY, unit="per month"),
    Column("unit", "Unit", Cell.TEXT),
    Column("unit_price_usd", "Unit price", Cell.PRICE, unit="USD"),
    Column("monthly_usd", "Monthly", Cell.USD, unit="USD/month"),
    Column("confidence", "Confidence", Cell.TEXT, wide=True),
    Column("note", "Note", Cell.TEXT, empty=""),
    Column("price_ref", "Price reference", Cell.CODE, wide=True),
)
"""One option's bill: every billed quantity with its unit price and where the price comes from."""

DRIVER_COLUMNS: tuple[Column, ...] = (
    Column("rank", "#", Cell.COUNT),
    Column("stmt_id", "Statement", Cell.ID),
    Column("calls_month", "Calls/month", Cell.QTY),
    Column("monthly_usd", "Monthly", Cell.USD, unit="USD/month"),
    Column("share", "Share", Cell.SHARE),
    Column("dpu_per_call", "DPU/call", Cell.QTY, optional=True),
    Column("clusters", "Clusters", Cell.COUNT, optional=True),
    Column("query", "Query", Cell.CODE),
)
"""One option's top cost drivers (statements by monthly cost)."""

ASSUMPTION_COLUMNS: tuple[Column, ...] = (
    Column("key", "Key", Cell.ID),
    Column("value", "Value", Cell.VALUE),
    Column("unit", "Unit", Cell.TEXT, empty=""),
    Column("source", "Source", Cell.TEXT, empty=""),
    Column("description", "Meaning", Cell.TEXT, empty=""),
)
"""Every assumption used, with where its value came from."""

CROSSOVER_COLUMNS: tuple[Column, ...] = (
    Column("a", "Option A", Cell.TEXT),
    Column("b", "Option B", Cell.TEXT),
    Column("multiplier", "Load", Cell.MULTIPLIER, unit="× today's load"),
    Column("monthly_usd", "Monthly at crossing", Cell.USD2, unit="USD/month"),
    Column("cheaper_below", "Cheaper below", Cell.TEXT),
    Column("cheaper_above", "Cheaper above", Cell.TEXT),
)
"""Where two options' cost curves cross as the load grows."""

RANGE_COLUMNS: tuple[Column, ...] = (
    Column("name", "Option", Cell.TEXT),
    Column("low", "Low", Cell.USD2, unit="USD/month"),
    Column("total_monthly_usd", "Estimate", Cell.USD2, unit="USD/month"),
    Column("high", "High", Cell.USD2, unit="USD/month"),
)
"""Each option's total between the ends of the defaults that stand in for unknown inputs."""

DATABASE_COLUMNS: tuple[Column, ...] = (
    Column("cluster", "Cluster", Cell.TEXT, optional=True),
    Column("database", "Database", Cell.TEXT),
    Column("statements", "Statements", Cell.QTY, short="Stmts"),
    Column("calls_month", "Calls/month", Cell.QTY),
    Column("dsql_monthly_usd", "DSQL", Cell.USD2, unit="USD/month"),
    Column("sv2_monthly_usd", "Serverless v2", Cell.USD2, unit="USD/month"),
)
"""Monthly cost per database (a fleet, or one workload over several databases)."""

CLUSTER_COLUMNS_BEFORE: tuple[Column, ...] = (
    Column("name", "Cluster", Cell.TEXT),
    Column("window", "Window", Cell.TEXT),
    Column("statements", "Statements", Cell.QTY, short="Stmts"),
)
"""Fleet clusters table before the option columns (one money column per option)."""
CLUSTER_COLUMNS_AFTER: tuple[Column, ...] = (
    Column("alone", "Cheapest alone", Cell.TEXT, short="Cheapest\nalone"),
    Column("risk", "OCC risk", Cell.TEXT),
)
"""Fleet clusters table after the option columns."""

ONE_TIME_COLUMNS: tuple[Column, ...] = (
    Column("stmt_id", "Statement", Cell.ID),
    Column("kind", "Kind", Cell.TEXT),
    Column("calls", "Calls", Cell.QTY),
    Column("query", "Query", Cell.CODE),
)
"""DDL, maintenance and session utility seen a few times: priced once, not per month."""

CALIBRATION_COLUMNS: tuple[Column, ...] = (
    Column("component", "Component", Cell.TEXT),
    Column("factor", "Factor", Cell.VALUE, unit="×"),
)
"""The calibration factors applied to the DSQL model's components."""

DECISION_TABLE_COLUMNS: tuple[Column, ...] = tuple(
    Column(
        name, name.replace("_", " ").capitalize(), Cell.USD2 if name == "monthly_usd" else Cell.TEXT, empty=""
    )
    for name in DECISION_COLUMNS
)
"""The walked decision tree, its outcome and where each option keeps data (``decision.csv`` rows)."""

STATEMENT_COLUMNS: tuple[Column, ...] = (
    Column("stmt_id", "Statement", Cell.ID),
    Column("query", "Query", Cell.CODE),
    Column("database", "Database", Cell.TEXT),
    Column("kind", "Kind", Cell.TEXT),
    Column("is_write", "Write", Cell.TEXT),
    Column("key_shape", "Key shape", Cell.TEXT, wide=True),
    Column("tables_read", "Tables read", Cell.TEXT, wide=True),
    Column("tables_written", "Tables written", Cell.TEXT, wide=True),
    Column("calls_month", "Calls/month", Cell.COUNT),
    Column("mean_exec_ms", "ms/call", Cell.QTY, unit="ms"),
    Column("rows_per_call", "Rows/call", Cell.QTY),
    Column("dsql_dpu_per_call", "DPU/call", Cell.QTY),
    Column("dsql_usd_per_call", "DSQL $/call", Cell.PRICE, unit="USD"),
    Column("dsql_monthly_usd", "DSQL $/month", Cell.USD2, unit="USD/month"),
    Column("sv2_usd_per_call", "SV2 $/call", Cell.PRICE, unit="USD", wide=True),
    Column("sv2_monthly_usd", "SV2 $/month", Cell.USD2, unit="USD/month"),
    Column("conflict_probability", "P(conflict)", Cell.SHARE),
    Column("findings", "Findings", Cell.TEXT),
)
"""Every statement with its profile and its cost per call and per month (the dashboard's Statements
page; ``statements.csv`` carries every column under its machine name)."""

WARNING_COLUMNS: tuple[Column, ...] = (Column("warning", "Warning", Cell.TEXT),)
"""Every warning a reader must see (:func:`costmodel.report.common.warning_lines`)."""


def options_table(report: Mapping[str, Any]) -> SectionTable:
    """One row per option, the recommended one named so."""
    recommended = section(report, "verdict").get("recommended")
    cheapest = cheapest_total(report)
    rows = []
    for option in option_list(report):
        rows.append(
            {
                "name": option.get("name"),
                "total_monthly_usd": option.get("total_monthly_usd"),
                "range": range_text(option),
                "vs_cheapest": vs_cheapest(option, cheapest),
                "title": option.get("title"),
                MARKED: {"total_monthly_usd"} if option_has_unconfirmed(option) else set(),
                STRONG: {"name"},
                SUFFIX: {"name": "(recommended)"} if option.get("name") == recommended else {},
            }
        )
    return table(OPTION_COLUMNS, rows)


def components_table(report: Mapping[str, Any]) -> SectionTable:
    """Components as rows, options as columns: the monthly cost of each component (summed over regions)."""
    options = option_list(report)
    names = [str(o.get("name")) for o in options]
    columns = (COMPONENT_COLUMN, *(Column(n, n, Cell.USD, unit="USD/month") for n in names))
    totals = [component_totals(o) for o in options]
    rows = [
        {"component": c, **{n: t[c] for n, t in zip(names, totals) if c in t}} for c in components(report)
    ]
    return table(columns, rows)


def line_items_table(option: Mapping[str, Any]) -> SectionTable:
    """The line items of one option; an unconfirmed price marks its amount and its confidence."""
    rows = [
        {**item, MARKED: {"monthly_usd", "confidence"} if is_unconfirmed(item) else set()}
        for item in items(option.get("line_items"))
        if isinstance(item, Mapping)
    ]
    return table(LINE_ITEM_COLUMNS, rows)


def drivers_table(option: Mapping[str, Any], top_n: int) -> SectionTable:
    """The ``top_n`` most expensive statements of one option, ranked."""
    top = [s for s in items(option.get("top_statements"))[:top_n] if isinstance(s, Mapping)]
    return table(DRIVER_COLUMNS, [{"rank": rank, **s} for rank, s in enumerate(top, start=1)])


def assumptions_table(report: Mapping[str, Any]) -> SectionTable:
    """Every assumption of the run."""
    return table(ASSUMPTION_COLUMNS, [a for a in items(report.get("assumptions")) if isinstance(a, Mapping)])


def crossovers_table(report: Mapping[str, Any]) -> SectionTable:
    """Every crossover of the break-even sweep."""
    crossings = items(section(report, "break_even").get("crossovers"))
    return table(CROSSOVER_COLUMNS, [c for c in crossings if isinstance(c, Mapping)])


def ranges_table(report: Mapping[str, Any]) -> SectionTable:
    """Options with a range (``total_monthly_usd_range``): low, estimate, high."""
    rows = []
    for option in option_list(report):
        span = option.get("total_monthly_usd_range")
        if isinstance(span, list) and len(span) == 2:
            rows.append({**option, "low": span[0], "high": span[1]})
    return table(RANGE_COLUMNS, rows)


def databases_table(report: Mapping[str, Any], limit: int) -> tuple[SectionTable, int]:
    """The ``limit`` most expensive databases, and how many more there are."""
    shown, hidden = largest(database_rows(report), limit, database_weight)
    return table(DATABASE_COLUMNS, shown), hidden


def clusters_table(report: Mapping[str, Any], limit: int) -> tuple[SectionTable, int]:
    """Fleet reports: the ``limit`` most expensive clusters with each option's total for that cluster
    alone (the cheapest emphasised), then the fleet row; and how many clusters were left out."""
    shown, hidden = largest(fleet_clusters(report), limit, cluster_weight(report))
    names = fleet_option_names(report)
    marked = {str(o.get("name")) for o in option_list(report) if option_has_unconfirmed(o)}
    columns = (
        *CLUSTER_COLUMNS_BEFORE,
        *(Column(n, n, Cell.USD2, unit="USD/month") for n in names),
        *CLUSTER_COLUMNS_AFTER,
    )
    rows: list[dict[str, Any]] = []
    for cluster in shown:
        alone = cheapest_alone(cluster)
        totals = section(cluster, "totals")
        rows.append(
            {
                "name": cluster.get("name"),
                "window": f"{short_duration(cluster.get('window_seconds'))} from {cluster.get('window_source') or '—'}",
                "statements": cluster.get("statements"),
                **{n: totals.get(n) for n in names},
                "alone": alone,
                "risk": cluster_risk(cluster),
                RISK_LEVEL: cluster.get("risk"),
                MARKED: marked,
                STRONG: {alone} if alone is not None and is_number(totals.get(alone)) else set(),
            }
        )
    rows.append(_fleet_row(report, names, marked))
    return table(columns, rows), hidden


def _fleet_row(report: Mapping[str, Any], names: list[str], marked: set[str]) -> dict[str, Any]:
    """The clusters table's last row: the fleet's own totals, its cheapest option emphasised."""
    by_name = {str(o.get("name")): o for o in option_list(report)}
    cheapest = section(report, "verdict").get("cheapest")
    contention = section(report, "contention")
    return {
        "name": "Fleet",
        "window": "per cluster",
        "statements": section(report, "fleet").get("statement_rows"),
        **{n: by_name[n].get("total_monthly_usd") for n in names if n in by_name},
        "alone": cheapest,
        "risk": cluster_risk(contention) if contention else "—",
        RISK_LEVEL: contention.get("risk"),
        MARKED: marked & set(by_name),
        STRONG: {cheapest} if cheapest else set(),
        TOTAL: True,
    }


def one_time_table(report: Mapping[str, Any]) -> SectionTable:
    """The one-time statements listed in the report."""
    rows = items(section(report, "one_time_work").get("statements"))
    return table(ONE_TIME_COLUMNS, [r for r in rows if isinstance(r, Mapping)])


def calibration_table(report: Mapping[str, Any]) -> SectionTable:
    """The calibration factors (empty without a calibration)."""
    factors = section(section(report, "calibration"), "factors")
    return table(CALIBRATION_COLUMNS, [{"component": k, "factor": v} for k, v in factors.items()])


def decision_table(report: Mapping[str, Any]) -> SectionTable:
    """The decision section's rows (questions, branches, outcome, data locations, flags)."""
    return table(DECISION_TABLE_COLUMNS, decision_rows(report))


def warnings_table(report: Mapping[str, Any]) -> SectionTable:
    """The warnings, one per row."""
    return table(WARNING_COLUMNS, [{"warning": line} for line in warning_lines(report)])


def calibration_text(report: Mapping[str, Any]) -> str | None:
    """``Calibrated from FILE (FITTED_FROM): read ×1.2, …`` — or None without a calibration."""
    calibration = section(report, "calibration")
    if not calibration:
        return None
    factors = ", ".join(f"{k} ×{assumption_value(v)}" for k, v in section(calibration, "factors").items())
    return (
        f"Calibrated from {calibration.get('file', '—')} ({calibration.get('fitted_from', '—')}): {factors}"
    )


__all__ = [
    "ASSUMPTION_COLUMNS",
    "CROSSOVER_COLUMNS",
    "DATABASE_COLUMNS",
    "DRIVER_COLUMNS",
    "LINE_ITEM_COLUMNS",
    "OPTION_COLUMNS",
    "assumptions_table",
    "clusters_table",
    "components_table",
    "crossovers_table",
    "databases_table",
    "decision_table",
    "drivers_table",
    "findings_table",
    "hot_spots_table",
    "line_items_table",
    "one_time_table",
    "options_table",
    "ranges_table",
    "warnings_table",
]
