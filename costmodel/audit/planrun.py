"""Run everything a migration plan needs: analysis, remediation and rerun, code audit.

Kept apart from :mod:`.plan` (which only assembles figures) so the assembly is testable on results,
and the CLI stays a few lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from costmodel.analysis.run import Analysis, bundle_schema
from costmodel.audit import audit_code
from costmodel.audit.plan import MigrationPlan, build_plan, remediated_workload
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
    scen = load_scenario(scenario)
    workload = load_workload(list(exports), window=window)
    analysis = Analysis(workload, load_catalog(), schema=schema)
    run = analysis.run(scen, sweep_points=SWEEP_POINTS)
    schema_path = schema or bundle_schema(analysis.workload)
    remediation = None
    after = None
    if schema_path is not None:
        remediation = remediate(read_text(schema_path, CostModelError, "schema file"))
        changed = remediated_workload(analysis.workload, remediation)
        if changed is not None:
            after = Analysis(changed, load_catalog(), with_readiness=False).run(
                scen, sweep_points=SWEEP_POINTS
            )
        if ddl_out is not None:
            _write(ddl_out, remediation.sql)
    audit = None
    if code is not None:
        kwargs = {"max_bytes": max_file_bytes} if max_file_bytes else {}
        audit = audit_code(code, as_of=as_of, **kwargs)  # type: ignore[arg-type]
        cost = run.options[0].statements["monthly_usd"] if run.options[0].statements is not None else None
        audit = apply_weights(audit, analysis.workload, cost, source=", ".join(map(str, exports)))
    plan = build_plan(
        analysis,
        run,
        source=", ".join(map(str, exports)),
        remediation=remediation,
        after=after,
        audit=audit,
        ddl_out=str(ddl_out) if ddl_out is not None and remediation is not None else None,
    )
    return plan, remediation


def _write(path: Path, text: str) -> None:
    """The shared output writer (regular files or new paths only, written whole, mode 0644)."""
    write_output(path, text, error=ReportError, option="--ddl-out", example="remediated.sql")
