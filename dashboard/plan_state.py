"""The migration plan of one dashboard run: built on first use, kept with the run.

The plan needs the run's schema remediated (``dsql-lint --fix``), the run priced again with UUID
keys, and — when the dashboard was started with ``--code DIR`` — the code audit weighted by this
run's costs; together about a second, so only the Plan page and the downloads pay for it. The
code is parsed once per app (:class:`CodeSource`); the weighting is per run.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from costmodel.analysis.run import RunResult
from costmodel.audit import audit_code
from costmodel.audit.model import CodeAudit
from costmodel.audit.plan import MigrationPlan
from costmodel.audit.planrun import plan_for_run
from costmodel.audit.remediate import Remediation
from costmodel.audit.weight import apply_weights
from costmodel.report.model import plan_dict
from costmodel.report.redact import redact_section


@dataclass(frozen=True)
class PlanView:
    """A run's plan: the objects, the report section (redacted) and the weighted code audit."""

    plan: MigrationPlan
    remediation: Remediation | None
    audit: CodeAudit | None
    section: dict[str, Any] | None


class CodeSource:
    """The code directory given to the dashboard, audited once on first use (thread-safe)."""

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self._audit: CodeAudit | None = None
        self._lock = threading.Lock()

    def audit(self) -> CodeAudit | None:
        """The unweighted audit of :attr:`root` (None without a code directory)."""
        if self.root is None:
            return None
        with self._lock:
            if self._audit is None:
                self._audit = audit_code(self.root)
            return self._audit


def build_plan_view(
    result: RunResult, code: CodeSource, *, hide: Path | None = None, label: str = ""
) -> PlanView:
    """The plan of ``result``; ``hide`` is an upload's temporary directory, shown as ``label``."""
    raw = code.audit()
    audit = None
    if raw is not None:
        statements = result.options[0].statements
        cost = statements["monthly_usd"] if statements is not None else None
        audit = apply_weights(raw, result.workload, cost, source=label or ", ".join(result.workload.sources))
    plan, remediation = plan_for_run(result, audit=audit, source=label or None)
    section = redact_section(plan_dict(plan))
    if hide is not None and isinstance(section, dict) and section.get("schema_file"):
        section["schema_file"] = str(section["schema_file"]).replace(str(hide) + "/", f"{label}: ")
    return PlanView(plan, remediation, audit, section)
