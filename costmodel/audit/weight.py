"""Weight code findings by a workload: which statements the code sends, how much they carry.

Code literals and workload statements are matched by pglast fingerprint (constants and parameter
numbering do not matter), the way calibration pairs EXPLAIN blocks with statements. A finding on a
literal then says the share of the workload's calls and of its monthly DSQL cost that the matching
statements carry; workload statements no literal produces are listed — ORM-generated SQL, or
another program's — because the code audit cannot see them and readiness on the export covers them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pandas as pd

from costmodel.analysis.run import Analysis
from costmodel.audit.model import CodeAudit, CodeFinding, UnmatchedStatement, WorkloadMatch
from costmodel.core.catalog import load_catalog
from costmodel.core.errors import CostModelError
from costmodel.core.workload import Workload
from costmodel.ingest.load import load_workload
from costmodel.scenario.model import Scenario, load_scenario

SWEEP_POINTS = 50
"""The break-even sweep is not shown here: a coarse one keeps weighting fast."""


def statement_costs(
    workload: Workload, scenario: Scenario | None = None
) -> tuple[Workload, pd.Series | None]:
    """The classified workload and each statement's monthly DSQL cost (None when DSQL cannot be priced)."""
    analysis = Analysis(workload, load_catalog(), with_readiness=False)
    try:
        run = analysis.run(scenario or load_scenario(None), sweep_points=SWEEP_POINTS)
    except CostModelError:
        return analysis.workload, None
    stmts = run.options[0].statements
    if stmts is None:
        return analysis.workload, None
    return analysis.workload, stmts["monthly_usd"].reindex(analysis.workload.statements.index)


def weigh(
    audit: CodeAudit, exports: Sequence[str | Path], *, window: str | None = None, top: int = 50
) -> CodeAudit:
    """``audit`` with every SQL finding weighted by the workload in ``exports``."""
    workload, cost = statement_costs(load_workload(list(exports), window=window))
    return apply_weights(audit, workload, cost, source=", ".join(str(e) for e in exports), top=top)


def apply_weights(
    audit: CodeAudit, workload: Workload, cost: pd.Series | None, *, source: str, top: int = 50
) -> CodeAudit:
    """Weights from a classified ``workload`` and its per-statement ``cost`` (see :func:`weigh`)."""
    stmts = workload.statements
    calls = pd.to_numeric(stmts["calls"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    costs = None if cost is None else pd.to_numeric(cost, errors="coerce").fillna(0.0).to_numpy(dtype=float)
    total_calls = float(calls.sum()) or 1.0
    total_cost = float(costs.sum()) if costs is not None else 0.0
    prints = list(stmts["fingerprint"]) if "fingerprint" in stmts.columns else [None] * len(stmts)
    ids = [str(x) for x in stmts["stmt_id"]]
    queries = [str(x) for x in stmts["query"]]
    by_print: dict[str, list[int]] = {}
    for position, fp in enumerate(prints):
        if isinstance(fp, str):
            by_print.setdefault(fp, []).append(position)
    code_prints = {lit_fp for lit_fp in audit.fingerprints if isinstance(lit_fp, str)}

    def shares(rows: Sequence[int]) -> tuple[float, float | None]:
        share_cost = (
            float(costs[list(rows)].sum()) / total_cost if costs is not None and total_cost > 0 else None
        )
        return float(calls[list(rows)].sum()) / total_calls, share_cost

    findings: list[CodeFinding] = []
    for f in audit.findings:
        rows = by_print.get(f.fingerprint or "", [])
        if rows:
            share_calls, share_cost = shares(rows)
            f = replace(
                f,
                share_calls=share_calls,
                share_cost=share_cost,
                workload_statements=tuple(ids[r] for r in rows),
            )
        findings.append(f)
    matched = [r for fp, rows in by_print.items() if fp in code_prints for r in rows]
    share_calls, share_cost = shares(matched)
    unmatched_rows = [r for r in range(len(prints)) if prints[r] not in code_prints]
    unmatched_rows.sort(key=lambda r: -calls[r])
    unmatched = tuple(
        UnmatchedStatement(
            stmt_id=ids[r],
            query=queries[r],
            share_calls=float(calls[r]) / total_calls,
            share_cost=float(costs[r]) / total_cost if costs is not None and total_cost > 0 else None,
        )
        for r in unmatched_rows[:top]
    )
    notes = []
    if len(unmatched_rows) > top:
        notes.append(
            f"{len(unmatched_rows) - top} more unmatched statements not listed (the {top} most called are)"
        )
    if cost is None:
        notes.append("DSQL cost could not be priced for the default scenario: shares are of calls only")
    match = WorkloadMatch(
        source=source,
        statements=len(stmts),
        matched_statements=len(matched),
        share_calls_matched=share_calls,
        share_cost_matched=share_cost,
        unmatched=unmatched,
        notes=tuple(notes),
    )
    return replace(audit, findings=tuple(findings), workload=match)
