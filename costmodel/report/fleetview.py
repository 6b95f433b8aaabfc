"""Helpers for the fleet (``fleet``) and per-database (``databases``) sections, shared by every renderer.

Why apart from :mod:`costmodel.report.common`: these sections exist only in newer reports and in
fleet reports, and every format must say the same things about them in the same words (which option
a cluster would pick alone, why a fleet total differs from the sum of its clusters, what the
per-database columns allocate). A fleet can hold a thousand clusters, so tables are bounded here
(:func:`largest`) with the left-out count shown, never silently cut.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from costmodel.core.options import OptionKind, is_multi_region
from costmodel.report.common import (
    fleet_clusters,
    fmt_qty,
    fmt_share,
    is_fleet,
    is_number,
    items,
    option_list,
    section,
)


def fleet_option_names(report: Mapping[str, Any]) -> list[str]:
    """The option columns of the clusters table: the report's options in order, then any option a
    cluster was priced for that the fleet does not list (sorted), so no cluster total is dropped."""
    names = [str(o.get("name")) for o in option_list(report)]
    extra = {str(k) for c in fleet_clusters(report) for k in section(c, "totals") if str(k) not in names}
    return names + sorted(extra)


def cluster_risk(cluster: Mapping[str, Any]) -> str:
    """A cluster's (or the fleet's) OCC risk with its predicted conflict rate: ``elevated 1.3%``."""
    risk = str(cluster.get("risk") or "—")
    rate = cluster.get("predicted_conflict_rate")
    return f"{risk} {fmt_share(rate)}" if is_number(rate) else risk


def cheapest_alone(cluster: Mapping[str, Any]) -> str | None:
    """The option a cluster would pick on its own (``recommended_alone``: the cheapest comparable
    option, since per-cluster runs do not assess readiness); else its lowest total."""
    if cluster.get("recommended_alone"):
        return str(cluster["recommended_alone"])
    totals = {str(k): float(v) for k, v in section(cluster, "totals").items() if is_number(v)}
    return min(totals, key=lambda k: totals[k]) if totals else None


def fleet_summary(report: Mapping[str, Any]) -> str:
    """One line about the fleet: ``4 clusters · 80 statement rows, 64 distinct statements``."""
    fleet = section(report, "fleet")
    text = f"{len(fleet_clusters(report))} clusters"
    rows, distinct = fleet.get("statement_rows"), fleet.get("distinct_statements")
    if is_number(rows) and is_number(distinct):
        text += f" · {fmt_qty(rows)} statement rows, {fmt_qty(distinct)} distinct statements (by fingerprint)"
    windows = sorted({str(c.get("window_source") or "unknown source") for c in fleet_clusters(report)})
    if windows:
        text += f" · windows from {', '.join(windows)}"
    return text


def fleet_total_note(report: Mapping[str, Any]) -> str | None:
    """Why a fleet total may differ from the sum of its clusters (account-level lines are applied
    once to the fleet), or None when every fleet total equals that sum."""
    clusters = fleet_clusters(report)
    for option in option_list(report):
        total = option.get("total_monthly_usd")
        parts = [section(c, "totals").get(str(option.get("name"))) for c in clusters]
        summed = sum(float(p) for p in parts if is_number(p))
        if is_number(total) and abs(float(total) - summed) >= 0.005:
            return (
                "Fleet totals apply account-level lines once (the DSQL free tier, discounts), so they can "
                "differ from the sum of the clusters."
            )
    return None


def database_rows(report: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The ``databases`` section (monthly cost per database), in report order."""
    return [d for d in items(report.get("databases")) if isinstance(d, Mapping)]


def show_databases(report: Mapping[str, Any]) -> bool:
    """The per-database table is worth showing for a fleet or when there is more than one database."""
    rows = database_rows(report)
    return bool(rows) and (is_fleet(report) or len(rows) > 1)


def weighed_sv2(report: Mapping[str, Any]) -> str | None:
    """The Serverless v2 option the verdict weighs (the first one it compared that is not a Global
    Database); the per-statement and per-database Serverless v2 costs are that option's."""
    names = {str(o.get("name")): str(o.get("kind")) for o in option_list(report)}
    for name in items(section(report, "verdict").get("compared")):
        if names.get(str(name)) == OptionKind.SERVERLESS_V2 and not is_multi_region(str(name)):
            return str(name)
    return None


def database_note(report: Mapping[str, Any]) -> str:
    """What the per-database columns are, in words shared by every format."""
    sv2 = weighed_sv2(report)
    if is_fleet(report):
        which = "each cluster's cheaper I/O mode"
    elif sv2:
        which = f"{sv2} (the option the verdict weighs)"
    else:
        which = "the option the verdict weighs"
    return (
        f"DSQL: each statement's usage cost. Serverless v2: {which}, its load-driven cost allocated to "
        "statements. Storage and account-level lines (free tier, discounts) are not allocated, so the "
        "columns need not add up to the option totals."
    )


def largest(
    rows: Sequence[Mapping[str, Any]], limit: int, key: Callable[[Mapping[str, Any]], float]
) -> tuple[list[Mapping[str, Any]], int]:
    """``rows`` in order when at most ``limit``; else the ``limit`` largest by ``key`` (descending),
    and how many were left out. Keeps a 1,000-cluster fleet's tables readable and bounded."""
    if len(rows) <= limit:
        return list(rows), 0
    ranked = sorted(rows, key=lambda r: -key(r))
    return ranked[:limit], len(rows) - limit


def cluster_weight(report: Mapping[str, Any]) -> Callable[[Mapping[str, Any]], float]:
    """Sort key for clusters: the total of the fleet's recommended option (else the highest total)."""
    recommended = str(section(report, "verdict").get("recommended"))

    def weight(cluster: Mapping[str, Any]) -> float:
        totals = section(cluster, "totals")
        value = totals.get(recommended)
        if is_number(value):
            return float(value)
        numbers = [float(v) for v in totals.values() if is_number(v)]
        return max(numbers, default=0.0)

    return weight


def database_weight(row: Mapping[str, Any]) -> float:
    """Sort key for databases: the larger of their DSQL and Serverless v2 monthly cost."""
    values = [float(row[k]) for k in ("dsql_monthly_usd", "sv2_monthly_usd") if is_number(row.get(k))]
    return max(values, default=0.0)
