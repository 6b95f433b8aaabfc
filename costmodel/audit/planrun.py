"""Run everything a migration plan needs: analysis, remediation and rerun, code audit.

Kept apart from :mod:`.planbuild` (which only assembles figures) so the assembly is testable on
results, and the CLI stays a few lines. :func:`plan_for_run` starts from a priced run, so the main
report (``dsqlcost report``) and the dashboard add the plan to a run they already have.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from costmodel.analysis.run import Analysis, RunResult, bundle_schema
from costmodel.audit import audit_code
from costmodel.audit.model import CodeAudit
from costmodel.audit.plan import MigrationPlan, remediated_workload
from costmodel.audit.planbuild import build_plan
from costmodel.audit.remediate import Remediation, remediate
from costmodel.audit.weight import apply_weights
from costmodel.core.catalog import load_catalog
from costmodel.core.errors import CostModelError, ReportError
from costmodel.core.safeio import read_text, write_output
from costmodel.ingest.load import load_workload
from costmodel.scenario.model import load_scenario

SWEEP_POINTS = 200
"""The plan shows no break-even curve; a coarse sweep keeps it quick."""


def make_plan(
    exports: Sequence[str | Path],
    *,
    window: str | None = None,
    code: Path | None = None,
    schema: Path | None = None,
    scenario: str | None = None,
    ddl_out: Path | None = None,
    as_of: date | None = None,
    max_file_bytes: int | None = None,
) -> tuple[MigrationPlan, Remediation | None]:
    """Analyse ``exports``, remediate the schema, audit ``code``; write the DDL to ``ddl_out``."""
    workload = load_workload(list(exports), window=window)
    run = Analysis(workload, load_catalog(), schema=schema).run(
        load_scenario(scenario), sweep_points=SWEEP_POINTS
    )
    audit = code_audit(code, run, as_of=as_of, max_file_bytes=max_file_bytes) if code is not None else None
    return plan_for_run(run, audit=audit, schema=schema, ddl_out=ddl_out, source=", ".join(map(str, exports)))


def plan_for_run(
    run: RunResult,
    *,
    audit: CodeAudit | None = None,
    schema: Path | None = None,
    ddl_out: Path | None = None,
    source: str | None = None,
) -> tuple[MigrationPlan, Remediation | None]:
    """The plan of a priced run: its schema (``schema``, else the one readiness checked, else a
    bundle's) remediated, the run repriced with UUID keys, and an optional code audit."""
    schema_path = schema or _checked_schema(run) or bundle_schema(run.workload)
    remediation = after = None
    if schema_path is not None:
        remediation = remediate(read_text(schema_path, CostModelError, "schema file"))
        changed = remediated_workload(run.workload, remediation)
        if changed is not None:
            again = Analysis(changed, run.catalog, calibration=run.calibration, with_readiness=False)
            after = again.run(run.scenario, sweep_points=SWEEP_POINTS)
        if ddl_out is not None:
            _write(ddl_out, remediation.sql)
    plan = build_plan(
        run,
        source=source or ", ".join(run.workload.sources),
        remediation=remediation,
        after=after,
        audit=audit,
        ddl_out=str(ddl_out) if ddl_out is not None and remediation is not None else None,
        schema_file=str(schema_path) if schema_path is not None else None,
    )
    return plan, remediation


def code_audit(
    code: Path, run: RunResult, *, as_of: date | None = None, max_file_bytes: int | None = None
) -> CodeAudit:
    """Audit ``code`` and weight its findings by the run's workload (calls and DSQL cost)."""
    kwargs = {"max_bytes": max_file_bytes} if max_file_bytes else {}
    audit = audit_code(code, as_of=as_of, **kwargs)  # type: ignore[arg-type]
    statements = run.options[0].statements
    cost = statements["monthly_usd"] if statements is not None else None
    return apply_weights(audit, run.workload, cost, source=", ".join(run.workload.sources))


def _checked_schema(run: RunResult) -> Path | None:
    name = run.readiness.schema_file if run.readiness is not None else None
    return Path(name) if name else None


def _write(path: Path, text: str) -> None:
    """The shared output writer (regular files or new paths only, written whole, mode 0644)."""
    write_output(path, text, error=ReportError, option="--ddl-out", example="remediated.sql")
