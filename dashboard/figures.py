"""Dashboard-only figures: pure functions from plain data to plotly figures, tested without a browser.

The report's own charts (cost by option, break-even, top statements, readiness) come from
:mod:`costmodel.report.figures` and are reused as they are; this module adds what only the
interactive pages show — cost by region, the hour-of-week heat map, the simulated week of
Serverless v2 capacity, and OCC hot spots. Same fixed template and the same escaping of report
text as the report figures, so both look alike and no query text can add markup.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import numpy as np
import plotly.graph_objects as go

from costmodel.core.timebase import MINUTES_PER_WEEK
from costmodel.pricing.serverless_v2_capacity import CapacitySimulation
from costmodel.report.common import fmt_share, fmt_usd, is_number, items, option_list, section
from costmodel.report.figures import COLORWAY, TEMPLATE, label
from costmodel.scenario.activity import WeekProfile

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
HOURS_PER_DAY = 24
TIMELINE_BUCKET_MINUTES = 5
"""The week timeline draws one point per 5 minutes (peak ACU in the bucket): 2,016 points, not 10,080."""
PAUSED_COLOR = "rgba(127,127,127,0.25)"


def _empty(fig: go.Figure, message: str) -> go.Figure:
    fig.add_annotation(
        text=html.escape(message),
        xref="paper",
        yref="paper",
        x=0.5,
        y=0.5,
        showarrow=False,
        font={"size": 15, "color": "#666"},
    )
    return fig


def cost_by_region_figure(report: Mapping[str, Any]) -> go.Figure:
    """Stacked bars: one bar per option, one segment per region (sum of its line items there)."""
    options = option_list(report)
    names = [label(o.get("name")) for o in options]
    totals: list[dict[str, float]] = []
    regions: dict[str, None] = {}
    for option in options:
        by_region: dict[str, float] = {}
        for item in items(option.get("line_items")):
            if isinstance(item, Mapping) and is_number(item.get("monthly_usd")):
                region = str(item.get("region") or "global")
                by_region[region] = by_region.get(region, 0.0) + float(item["monthly_usd"])
                regions.setdefault(region, None)
        totals.append(by_region)
    fig = go.Figure()
    for region in regions:
        values = [t.get(region) for t in totals]
        fig.add_trace(
            go.Bar(
                name=label(region),
                x=names,
                y=values,
                hovertext=[
                    f"{name}<br>{label(region)}: {html.escape(fmt_usd(v))}/month"
                    for name, v in zip(names, values)
                ],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    fig.update_layout(
        template=TEMPLATE,
        title={"text": "Monthly cost by option and region"},
        barmode="relative",
        xaxis={"type": "category", "title": {"text": "option"}},
        yaxis={"title": {"text": "USD per month"}, "tickprefix": "$", "separatethousands": True},
        legend={"title": {"text": "region"}},
        height=420,
    )
    if not regions:
        _empty(fig, "No line items.")
    return fig


def hour_of_week_figure(profile: WeekProfile) -> go.Figure:
    """Heat map of the load per hour of the week (UTC; 1 = the week's average hour, 0 = idle)."""
    hourly = np.asarray(profile.hourly(), dtype=float)
    grid = hourly.reshape(len(DAYS), HOURS_PER_DAY)
    fig = go.Figure(
        go.Heatmap(
            z=grid,
            x=[f"{h:02d}:00" for h in range(HOURS_PER_DAY)],
            y=list(DAYS),
            colorscale="Blues",
            zmin=0,
            zmax=max(float(hourly.max(initial=0.0)), 1.5),
            colorbar={"title": {"text": "× average"}},
            hovertemplate="%{y} %{x} UTC: %{z:.2f}× the average hour<extra></extra>",
        )
    )
    fig.update_layout(
        template=TEMPLATE,
        title={"text": f"Load by hour of the week (UTC) — profile {label(profile.kind)}"},
        xaxis={"type": "category", "title": {"text": "hour (UTC)"}},
        yaxis={"type": "category", "autorange": "reversed"},
        height=340,
    )
    if not hourly.any():
        _empty(fig, "The profile has no activity.")
    return fig


def capacity_timeline_figure(sim: CapacitySimulation, bucket: int = TIMELINE_BUCKET_MINUTES) -> go.Figure:
    """One simulated week of the Serverless v2 writer: billed ACU, CPU demand, paused stretches
    (grey) and resumes (markers), at ``bucket``-minute resolution (peak per bucket)."""
    n = MINUTES_PER_WEEK // bucket
    hours = np.arange(n) * bucket / 60.0
    acu = np.asarray(sim.acu, dtype=float)[: n * bucket].reshape(n, bucket).max(axis=1)
    demand = np.asarray(sim.demand_acu, dtype=float)[: n * bucket].reshape(n, bucket).max(axis=1)
    paused = np.asarray(sim.paused, dtype=bool)[: n * bucket].reshape(n, bucket).all(axis=1)
    top = max(float(acu.max(initial=0.0)), float(demand.max(initial=0.0)), 1.0) * 1.1
    fig = go.Figure()
    if paused.any():
        fig.add_trace(
            go.Bar(
                name="paused",
                x=hours,
                y=np.where(paused, top, 0.0),
                width=bucket / 60.0,
                marker={"color": PAUSED_COLOR, "line": {"width": 0}},
                hovertemplate="paused at hour %{x:.1f}<extra></extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            name="billed ACU",
            x=hours,
            y=acu,
            mode="lines",
            line={"shape": "hv", "color": COLORWAY[0], "width": 1.5},
            hovertemplate="hour %{x:.1f}: %{y:.1f} ACU billed<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            name="CPU demand (ACU)",
            x=hours,
            y=demand,
            mode="lines",
            line={"color": COLORWAY[1], "width": 1, "dash": "dot"},
            hovertemplate="hour %{x:.1f}: demand %{y:.2f} ACU<extra></extra>",
        )
    )
    resumes = np.asarray(sim.resume_minutes, dtype=float)
    if resumes.size:
        fig.add_trace(
            go.Scatter(
                name="resume",
                x=resumes / 60.0,
                y=np.full(resumes.shape, top),
                mode="markers",
                marker={"symbol": "triangle-down", "size": 9, "color": COLORWAY[3]},
                hovertemplate="resume at hour %{x:.1f}<extra></extra>",
            )
        )
    fig.update_layout(
        template=TEMPLATE,
        title={"text": "Serverless v2 writer over one simulated week (UTC, Monday 00:00 first)"},
        xaxis={
            "title": {"text": "hour of the week"},
            "tickvals": [d * HOURS_PER_DAY for d in range(len(DAYS))],
            "ticktext": list(DAYS),
            "range": [0, MINUTES_PER_WEEK / 60.0],
        },
        yaxis={"title": {"text": "ACU"}, "rangemode": "tozero"},
        barmode="overlay",
        bargap=0,
        height=380,
    )
    return fig


def hot_spots_figure(report: Mapping[str, Any], n: int = 10) -> go.Figure:
    """Horizontal bars of the OCC hot spots: conflict probability per commit, with the share of the
    DSQL bill their retries add in the hover."""
    contention = section(report, "contention")
    spots = [s for s in items(contention.get("hot_spots")) if isinstance(s, Mapping)][:n]
    ylabels = [f"{label(s.get('table'))} · {label(s.get('stmt_id'), 24)}" for s in spots]
    fig = go.Figure(
        go.Bar(
            orientation="h",
            y=ylabels,
            x=[
                float(s["conflict_probability"]) * 100 if is_number(s.get("conflict_probability")) else None
                for s in spots
            ],
            marker={"color": COLORWAY[3]},
            hovertext=[
                f"{lab}<br>conflict chance per commit: {html.escape(fmt_share(s.get('conflict_probability')))}"
                f"<br>retries add {html.escape(fmt_share(s.get('extra_share')))} of DSQL DPU"
                f"<br>{label(s.get('query'), 200)}"
                for lab, s in zip(ylabels, spots)
            ],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    )
    fig.update_layout(
        template=TEMPLATE,
        title={"text": "OCC hot spots: chance a commit conflicts"},
        xaxis={"title": {"text": "% of commits that conflict"}, "ticksuffix": "%", "range": [0, 100]},
        yaxis={"type": "category", "autorange": "reversed"},
        height=max(240, 100 + 40 * len(spots)),
        showlegend=False,
    )
    if not spots:
        _empty(fig, "No hot spots: writes rarely touch the same rows at the same time.")
    return fig
