"""Plotly figures of a report: pure functions from the report dict to a ``plotly.graph_objects.Figure``.

Shared by the HTML report and the dashboard, so both draw the same charts from the same dict. No
I/O, no global state, deterministic output (a fixed small template instead of plotly's default
theme, so the figure JSON does not change when plotly updates its themes).

Every text taken from the report is HTML-escaped before it reaches plotly: plotly.js renders a
subset of HTML in labels and hover texts (``<b>``, ``<br>``, ``<a href>``), so a query text or name
must not be able to add markup or links. Statement ids go on category axes (``type="category"``),
because ids such as ``7017`` would otherwise make plotly draw a numeric axis.
"""

from __future__ import annotations

import html
import zlib
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

from costmodel.core.options import option_order
from costmodel.report.common import (
    component_totals,
    components,
    fleet_clusters,
    fmt_multiplier,
    fmt_share,
    fmt_usd,
    is_number,
    items,
    one_line,
    option_has_unconfirmed,
    option_list,
    section,
    sorted_findings,
)
from costmodel.report.fleetview import cheapest_alone, cluster_weight, fleet_option_names, largest

COLORWAY = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
    "#aec7e8",
    "#ffbb78",
    "#98df8a",
    "#ff9896",
    "#c5b0d5",
    "#c49c94",
    "#f7b6d2",
    "#c7c7c7",
    "#dbdb8d",
    "#9edae5",
)
"""20 distinct colours (D3 category20 order: ten strong, then ten light), so the ~20 components of
five options do not share a colour."""
SEVERITY_COLORS = {"blocker": "#d62728", "warning": "#ff7f0e", "info": "#1f77b4"}
COMPONENT_ORDER = (
    "ComputeDPU",
    "ReadDPU",
    "WriteDPU",
    "MultiRegionWriteDPU",
    "OCCRetryDPU",
    "Storage",
    "WitnessStorage",
    "FreeTierDPU",
    "FreeTierStorage",
    "Discount",
    "ACU",
    "ReaderACU",
    "ACUMinimum",
    "ReadIO",
    "WriteIO",
    "GlobalReplicatedWriteIO",
    "Backup",
    "Transfer",
    "PerformanceInsights",
    "SavingsPlanCommitment",
    "OnDemandAbovePlan",
)
"""Billed components with a colour of their own (its position in :data:`COLORWAY`), so a component
keeps its colour whichever options a report holds; others get one from their name's checksum."""
TEMPLATE = go.layout.Template(
    layout={
        "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13},
        "colorway": list(COLORWAY),
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "xaxis": {"gridcolor": "#e5e5e5", "zerolinecolor": "#999", "automargin": True},
        "yaxis": {"gridcolor": "#e5e5e5", "zerolinecolor": "#999", "automargin": True},
        "legend": {"bgcolor": "rgba(255,255,255,0.8)"},
        "hoverlabel": {"align": "left"},
        "margin": {"l": 60, "r": 30, "t": 90, "b": 50},
        # the title starts below plotly's modebar (a row of icons ~30 px tall at the top right),
        # so a title as wide as a half-width chart is never covered by it
        "title": {
            "x": 0.01,
            "xref": "container",
            "xanchor": "left",
            "y": 1,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": 34},
        },
    }
)
"""A small fixed theme: deterministic JSON, readable in light mode."""
TOP_N = 10
MAX_FINDINGS = 12
MAX_CLUSTERS = 30
"""Clusters drawn one by one in the fleet chart (the most expensive); the rest form one "other" group."""
LABEL_CHARS = 40
HOVER_QUERY_CHARS = 300


def label(value: Any, limit: int | None = LABEL_CHARS) -> str:
    """Report text for a plotly label or hover text: one line, cut at ``limit``, HTML-escaped."""
    return html.escape(one_line(value, limit), quote=False)


COMPONENT_COLORS = (*COLORWAY, "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173")
""":data:`COLORWAY` and five darker tones (D3 category20b), one per :data:`COMPONENT_ORDER` entry."""


def component_color(component: str) -> str:
    """A billed component's colour, the same in every report and figure."""
    if component in COMPONENT_ORDER:
        return COMPONENT_COLORS[COMPONENT_ORDER.index(component) % len(COMPONENT_COLORS)]
    return COMPONENT_COLORS[zlib.crc32(component.encode("utf-8")) % len(COMPONENT_COLORS)]


def _component_rank(component: str) -> tuple[int, str]:
    known = COMPONENT_ORDER.index(component) if component in COMPONENT_ORDER else len(COMPONENT_ORDER)
    return known, component


def cost_by_option_figure(report: Mapping[str, Any]) -> go.Figure:
    """Stacked bars: one bar per option (in the registry's order, :func:`option_order`), one segment
    per billed component in a colour of its own (:func:`component_color`), so adding an option
    neither moves the bars nor recolours the components; the total above each bar (``*`` when it
    includes an unconfirmed price). Credits (free tiers) stack below zero."""
    options = sorted(option_list(report), key=lambda o: option_order(str(o.get("name"))))
    names = [label(o.get("name")) for o in options]
    totals = [component_totals(o) for o in options]
    fig = go.Figure()
    for component in sorted(components(report), key=_component_rank):
        values = [t.get(component) for t in totals]
        fig.add_trace(
            go.Bar(
                name=label(component),
                x=names,
                y=values,
                marker={"color": component_color(component)},
                hovertext=[
                    f"{label(o.get('name'))}<br>{label(component)}: {html.escape(fmt_usd(v))}/month"
                    for o, v in zip(options, values, strict=True)
                ],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    for name, option in zip(names, options, strict=True):
        total = option.get("total_monthly_usd")
        if not is_number(total):
            continue
        top = sum(v for v in component_totals(option).values() if v > 0)
        mark = "*" if option_has_unconfirmed(option) else ""
        fig.add_annotation(
            x=name,
            y=max(float(total), top),
            text=f"<b>{html.escape(fmt_usd(total, 2))}{mark}</b>",
            showarrow=False,
            yshift=12,
        )
    fig.update_layout(
        template=TEMPLATE,
        title={"text": "Monthly cost by option and component"},
        barmode="relative",
        xaxis={"type": "category", "title": {"text": "option"}},
        yaxis={"title": {"text": "USD per month"}, "tickprefix": "$", "separatethousands": True},
        legend={"title": {"text": "component"}},
        height=460,
    )
    return fig


PALETTE = (
    "#636efa",
    "#ef553b",
    "#00cc96",
    "#ab63fa",
    "#ffa15a",
    "#19d3f3",
    "#ff6692",
    "#b6e880",
    "#ff97ff",
    "#fecb52",
)
"""Plotly's default colours, set explicitly so an option's capped (dashed) segment keeps its colour."""


def _cost_line(
    name: str, x: list[float], y: list[float | None], color: str, dash: str, group: str
) -> go.Scatter:
    return go.Scatter(
        name=name,
        x=x,
        y=y,
        mode="lines",
        legendgroup=group,
        line={"color": color, "dash": dash},
        hovertext=[
            f"{name}<br>{html.escape(fmt_multiplier(m))} load: {html.escape(fmt_usd(v, 2))}/month"
            for m, v in zip(x, y, strict=False)
        ],
        hovertemplate="%{hovertext}<extra></extra>",
    )


def break_even_figure(report: Mapping[str, Any]) -> go.Figure:
    """Monthly cost of each option as the load multiplier grows (log axes), with the crossovers
    marked and a dotted line at today's load (×1). A Serverless v2 option's segment above the load
    where max ACU caps it is dashed (the price of a throttled workload)."""
    break_even = section(report, "break_even")
    multipliers = [float(m) for m in items(break_even.get("multipliers")) if is_number(m)]
    costs = section(break_even, "costs")
    fig = go.Figure()
    all_costs: list[float] = []
    capped = section(break_even, "capped_from")
    for n, option in enumerate(option_list(report)):
        name = str(option.get("name"))
        series = items(costs.get(name))
        if not series:
            continue
        y = [float(v) if is_number(v) else None for v in series[: len(multipliers)]]
        all_costs += [v for v in y if v is not None]
        start = capped.get(name)
        cut = (
            next((i for i, m in enumerate(multipliers) if m >= float(start)), len(multipliers))
            if is_number(start)
            else len(multipliers)
        )
        color = PALETTE[n % len(PALETTE)]
        for lo, hi, dash, suffix in (
            (0, cut + 1, "solid", ""),
            (cut, len(multipliers), "dash", " (capped at max ACU)"),
        ):
            if hi - lo < 2 and not (dash == "dash" and hi > lo):
                continue
            fig.add_trace(
                _cost_line(label(name) + suffix, multipliers[lo:hi], y[lo:hi], color, dash, label(name))
            )
    crossovers = [c for c in items(break_even.get("crossovers")) if isinstance(c, Mapping)]
    crossovers = [c for c in crossovers if is_number(c.get("multiplier")) and is_number(c.get("monthly_usd"))]
    if crossovers:
        fig.add_trace(
            go.Scatter(
                name="crossover",
                x=[float(c["multiplier"]) for c in crossovers],
                y=[float(c["monthly_usd"]) for c in crossovers],
                mode="markers",
                marker={"symbol": "x", "size": 11, "color": "black"},
                hovertext=[
                    f"{label(c.get('a'))} = {label(c.get('b'))}<br>at {html.escape(fmt_multiplier(c['multiplier']))}"
                    f" load: {html.escape(fmt_usd(c['monthly_usd'], 2))}/month"
                    for c in crossovers
                ],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    log_y = bool(all_costs) and min(all_costs) > 0
    if all_costs and multipliers and min(multipliers) <= 1 <= max(multipliers):
        fig.add_trace(
            go.Scatter(
                name="today (×1)",
                x=[1.0, 1.0],
                y=[min(all_costs), max(all_costs)],
                mode="lines",
                line={"dash": "dot", "color": "#7f7f7f", "width": 1},
                hoverinfo="skip",
            )
        )
    fig.update_layout(
        template=TEMPLATE,
        title={"text": "Break-even: monthly cost as load grows"},
        xaxis={"type": "log", "dtick": 1, "title": {"text": "load multiplier (× observed load × growth)"}},
        yaxis={
            "type": "log" if log_y else "linear",
            "title": {"text": "USD per month"},
            "tickprefix": "$",
            "separatethousands": True,
            "exponentformat": "none",
            **({"dtick": 1} if log_y else {}),
        },
        height=460,
    )
    if not multipliers:
        _empty(fig, "Break-even was not computed.")
    return fig


STATEMENT_LABEL_CHARS = 48
"""Query text shown as a bar label; the whole (redacted) text and the id are in the hover."""


def statement_labels(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Bar labels for statements: the query text cut to :data:`STATEMENT_LABEL_CHARS` (the id when a
    statement has no text); two statements whose cut texts match get their ids' tails added, since a
    category axis would otherwise draw them as one bar."""
    texts = [label(r.get("query") or r.get("stmt_id"), STATEMENT_LABEL_CHARS) for r in rows]
    seen: dict[str, int] = {}
    for text in texts:
        seen[text] = seen.get(text, 0) + 1
    return [
        f"{text} [{label(r.get('stmt_id'))[-6:]}]" if seen[text] > 1 else text
        for text, r in zip(texts, rows, strict=True)
    ]


def top_statements_figure(report: Mapping[str, Any], option: str | None = None, n: int = TOP_N) -> go.Figure:
    """Horizontal bars of the ``n`` statements that cost most under ``option`` (default: the
    recommended option), largest on top; the hover shows the (redacted) query text."""
    chosen = _pick_option(report, option)
    top = [s for s in items(chosen.get("top_statements") if chosen else None)[:n] if isinstance(s, Mapping)]
    fig = go.Figure(
        go.Bar(
            orientation="h",
            y=statement_labels(top),
            x=[float(s["monthly_usd"]) if is_number(s.get("monthly_usd")) else None for s in top],
            marker={"color": COLORWAY[0]},
            hovertext=[
                f"{label(s.get('stmt_id'))}: {html.escape(fmt_usd(s.get('monthly_usd')))}/month, "
                f"{html.escape(fmt_share(s.get('share')))} of the option<br>{label(s.get('query'), HOVER_QUERY_CHARS)}"
                for s in top
            ],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    )
    name = label(chosen.get("name")) if chosen else "—"
    fig.update_layout(
        template=TEMPLATE,
        title={"text": f"Top {len(top)} statements by monthly cost — {name}"},
        xaxis={"title": {"text": "USD per month"}, "tickprefix": "$", "separatethousands": True},
        yaxis={"type": "category", "autorange": "reversed", "title": {"text": "statement (id on hover)"}},
        height=max(260, 90 + 34 * len(top)),
        showlegend=False,
    )
    if not top:
        _empty(fig, "No statement costs in this report.")
    return fig


def readiness_figure(report: Mapping[str, Any], n: int = MAX_FINDINGS) -> go.Figure:
    """Findings (blockers first) with the share of calls, execution time and cost each touches."""
    readiness = section(report, "readiness")
    findings = sorted_findings(items(readiness.get("findings")))[:n]
    labels = [
        f'{label(f.get("id"))} <span style="color:{SEVERITY_COLORS.get(str(f.get("severity")), "#444")}">'
        f"({label(f.get('severity'))})</span>"
        for f in findings
    ]
    fig = go.Figure()
    for key, title in (
        ("share_calls", "calls"),
        ("share_exec_time", "execution time"),
        ("share_cost", "cost"),
    ):
        values = [float(f[key]) * 100 if is_number(f.get(key)) else None for f in findings]
        fig.add_trace(
            go.Bar(
                name=f"share of {title}",
                orientation="h",
                y=labels,
                x=values,
                hovertext=[
                    f"{lab}<br>{html.escape(fmt_share(f.get(key)))} of {title}<br>{label(f.get('message'), 200)}"
                    for lab, f in zip(labels, findings, strict=True)
                ],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    _schema_only_marks(fig, findings, labels)
    verdict = label(readiness.get("verdict") or "—")
    fig.update_layout(
        template=TEMPLATE,
        title={"text": f"Readiness: {verdict} (DSQL as of {label(readiness.get('as_of') or '—')})"},
        barmode="group",
        xaxis={"title": {"text": "% of the workload"}, "ticksuffix": "%"},
        yaxis={"type": "category", "autorange": "reversed"},
        height=max(260, 110 + 54 * len(findings)),
    )
    if not findings:
        _empty(fig, "No findings: nothing blocks the migration.")
    return fig


def _schema_only_marks(fig: go.Figure, findings: Sequence[Mapping[str, Any]], labels: list[str]) -> None:
    """A finding only in the schema touches 0% of the workload, so its bars have no length and a
    chart of schema-only findings looked empty: mark each one at 0 with the number of schema
    statements it touches."""
    rows = [
        (lab, f)
        for lab, f in zip(labels, findings, strict=True)
        if not any(
            is_number(f.get(k)) and float(f[k]) > 0 for k in ("share_calls", "share_exec_time", "share_cost")
        )
    ]
    if not rows:
        return
    texts = [f"schema only: {len(items(f.get('schema')))} statement(s)" for _, f in rows]
    fig.add_trace(
        go.Scatter(
            name="schema only (no workload share)",
            y=[lab for lab, _ in rows],
            x=[0.0] * len(rows),
            mode="markers+text",
            text=texts,
            textposition="middle right",
            marker={
                "symbol": "diamond",
                "size": 11,
                "color": [SEVERITY_COLORS.get(str(f.get("severity")), "#444") for _, f in rows],
            },
            hovertext=[
                f"{lab}<br>{t}<br>{label(f.get('message'), 200)}"
                for (lab, f), t in zip(rows, texts, strict=True)
            ],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    )
    if len(rows) == len(labels):  # nothing else on the axis: show the whole 0–100% scale
        fig.update_xaxes(range=[0, 100])


def fleet_figure(report: Mapping[str, Any], n: int = MAX_CLUSTERS) -> go.Figure:
    """Grouped bars: per cluster, each option's monthly total for that cluster on its own; a star
    marks the cheapest option for the cluster alone. Beyond ``n`` clusters, the ``n`` most expensive
    are drawn and the rest are summed into one "other clusters" group."""
    clusters = fleet_clusters(report)
    shown, hidden = largest(clusters, n, cluster_weight(report))
    names = fleet_option_names(report)
    rest = [c for c in clusters if not any(c is s for s in shown)]
    labels = [label(c.get("name")) for c in shown]
    if hidden:
        labels.append(f"{hidden:,} other clusters")
    fig = go.Figure()
    for name in names:
        values: list[float | None] = []
        for cluster in shown:
            value = section(cluster, "totals").get(name)
            values.append(float(value) if is_number(value) else None)
        marks = ["★" if cheapest_alone(c) == name else "" for c in shown]
        if hidden:
            parts = [section(c, "totals").get(name) for c in rest]
            values.append(sum(float(v) for v in parts if is_number(v)))
            marks.append("")
        fig.add_trace(
            go.Bar(
                name=label(name),
                x=labels,
                y=values,
                text=marks,
                textposition="outside",
                hovertext=[
                    f"{lab}<br>{label(name)}: {html.escape(fmt_usd(v, 2))}/month"
                    + ("<br>cheapest for this cluster alone" if mark else "")
                    for lab, v, mark in zip(labels, values, marks, strict=True)
                ],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    fig.update_layout(
        template=TEMPLATE,
        title={"text": "Monthly cost per cluster, each option on its own (★ cheapest)"},
        barmode="group",
        xaxis={"type": "category", "title": {"text": "cluster"}},
        yaxis={"title": {"text": "USD per month"}, "tickprefix": "$", "separatethousands": True},
        legend={"title": {"text": "option"}},
        height=max(420, 300 + 4 * len(labels)),
    )
    if not clusters:
        _empty(fig, "Not a fleet report: one cluster.")
    return fig


def _pick_option(report: Mapping[str, Any], name: str | None) -> Mapping[str, Any] | None:
    options = option_list(report)
    wanted = name or section(report, "verdict").get("recommended")
    for option in options:
        if option.get("name") == wanted:
            return option
    return options[0] if options and name is None else None


def _empty(fig: go.Figure, message: str) -> None:
    fig.add_annotation(
        text=message,
        xref="paper",
        yref="paper",
        x=0.5,
        y=0.5,
        showarrow=False,
        font={"size": 15, "color": "#666"},
    )
