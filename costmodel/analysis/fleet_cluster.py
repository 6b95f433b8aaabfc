"""One cluster of a fleet: priced on its own (in a worker process) and returned slim.

Why slim: a fleet of 200 clusters × 5,000 statements keeps, per cluster, only what the fleet
totals and the report use — option line items (no per-statement tables), the cost curves, the
contention summary with its hot spots, and one row of numbers per statement keyed by a text code
into the fleet's :class:`~costmodel.classify.table.ProfileTable`. Texts and profile columns are not
copied per row: a full :class:`~costmodel.analysis.run.RunResult` is some 6 MB per cluster, this is
under 1 MB, and the fleet's memory stays flat as clusters are added.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from costmodel.analysis.run import Analysis
from costmodel.analysis.statements import database_breakdown, statement_frame
from costmodel.classify.table import ProfileTable
from costmodel.compare import CostCurve
from costmodel.contention.model import contention_records
from costmodel.core.assumptions import AssumptionSet
from costmodel.core.catalog import PriceCatalog
from costmodel.core.estimate import Assumption, OptionEstimate
from costmodel.core.workload import Workload
from costmodel.pricing.calibration import Calibration
from costmodel.readiness.checks import METRICS
from costmodel.readiness.subjects import workload_metrics
from costmodel.scenario.model import Scenario

ROW_TEXT_COLUMNS = ("query", "kind", "is_write", "parse_status", "key_shape", "fingerprint", "tables_read",
                    "tables_written", "findings")  # fmt: skip
"""Statement-frame columns that come from the text (held once per text in the profile table)."""
HOT_SPOTS_KEPT = 20
"""Hot spots the fleet report lists (the worst over all clusters); a cluster sends its own worst that many."""
METRIC_PREFIX = "metric_"
"""Per-row readiness metrics (:data:`costmodel.readiness.checks.METRICS`) carry this prefix."""


@dataclass(frozen=True, eq=False)
class ClusterRun:
    """What the fleet keeps of one cluster's run (see the module docstring)."""

    name: str
    workload: Workload
    """The cluster's workload without its statement table (sources, window, notes, counts)."""
    statement_count: int
    unclassifiable: int
    options: tuple[OptionEstimate, ...]
    """Priced options without their per-statement tables (the fleet table has those numbers)."""
    curves: dict[str, CostCurve]
    recommended: str
    latency: tuple[str, ...]
    predicted_conflict_rate: float
    risk: str
    thresholds: tuple[float, float]
    hot_spots: list[dict[str, Any]]
    """The cluster's :data:`HOT_SPOTS_KEPT` worst hot spots (by conflict probability), in their order."""
    hot_spot_count: int
    """All of the cluster's hot spots."""
    txns_month: float
    storage_gb: float
    assumptions: tuple[Assumption, ...]
    usage_assumptions: AssumptionSet
    statements: pd.DataFrame
    """One row per statement: ``text_code``, ``stmt_id``, ``database``, the report's statement
    numbers, ``total_exec_time`` and the readiness metrics (``metric_*``)."""
    databases: list[dict[str, Any]]
    """Monthly cost per database of the cluster (the report's ``databases`` rows)."""
    database_count: int

    def option(self, name: str) -> OptionEstimate | None:
        """The option called ``name``, if priced."""
        return next((o for o in self.options if o.name == name), None)


def run_cluster(
    name: str,
    workload: Workload,
    table: ProfileTable,
    catalog: PriceCatalog,
    calibration: Calibration | None,
    scenario: Scenario,
) -> ClusterRun:
    """Classify ``workload`` from ``table``, price it under ``scenario`` and slim the result."""
    classified, codes = table.classify(workload)
    result = Analysis(classified, catalog, calibration=calibration, with_readiness=False).run(
        scenario, sweep_points=0
    )
    frame = statement_frame(result)
    databases = database_breakdown(frame, cluster=name)
    rows = frame.drop(columns=[c for c in ROW_TEXT_COLUMNS if c in frame])
    rows.insert(0, "text_code", codes)
    statements = classified.statements
    rows["total_exec_time"] = pd.to_numeric(statements["total_exec_time"], errors="coerce").astype(float)
    usage = result.usage
    metrics = workload_metrics(
        classified,
        usage.assumptions,
        rows_written_per_call=usage.statements["rows_written_per_call"],
        write_bytes_per_call=usage.statements["write_bytes_per_call"],
    )
    for metric in METRICS:
        rows[METRIC_PREFIX + metric] = metrics[metric].astype(float)
    contention = result.contention
    return ClusterRun(
        name=name,
        workload=replace(classified, statements=statements.iloc[0:0]),
        statement_count=len(statements),
        unclassifiable=classified.unclassifiable_count,
        options=tuple(replace(o, statements=None) for o in result.options),
        curves=dict(result.curves),
        recommended=result.verdict.recommended,
        latency=result.verdict.latency,
        predicted_conflict_rate=float(contention.predicted_conflict_rate),
        risk=contention.risk.value,
        thresholds=contention.thresholds,
        hot_spots=contention_records(worst_hot_spots(contention.hot_spots, HOT_SPOTS_KEPT)),
        hot_spot_count=len(contention.hot_spots),
        txns_month=float(usage.txns_month),
        storage_gb=float(usage.storage_gb),
        assumptions=result.assumptions,
        usage_assumptions=usage.assumptions,
        statements=rows.reset_index(drop=True),
        databases=databases,
        database_count=int(frame["database"].nunique()),
    )


def worst_hot_spots(hot: pd.DataFrame, kept: int) -> pd.DataFrame:
    """The ``kept`` rows of ``hot`` the fleet can list, in their order: by conflict probability (none
    counts as 0), ties in order. Why: a cluster has hundreds of hot spots and the fleet lists the
    worst 20 of all clusters; turning every one into a record cost more than pricing the cluster's
    options. A row outside its cluster's worst ``kept`` is never among the fleet's worst ``kept``:
    the fleet's stable sort keeps each cluster's rows in this order."""
    if len(hot) <= kept:
        return hot
    if "conflict_probability" not in hot:
        return hot.iloc[:kept]
    worst = pd.to_numeric(hot["conflict_probability"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    return hot.iloc[np.sort(np.argsort(-worst, kind="stable")[:kept])]
