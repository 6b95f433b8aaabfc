"""SQL literals through the workload's readiness machinery (checks.yaml + dsql-lint).

The literals become the statements of a small :class:`~costmodel.core.workload.Workload` (one call each,
so the verdict rules count them), :func:`costmodel.readiness.assess.assess_readiness` runs unchanged, and
each finding is mapped back to the places in the code its statements came from. Counter checks
(rows per call, transaction time) have no counters here and stay silent; syntax, features and
locking checks work as on an export.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

from costmodel.audit.literals import Literal
from costmodel.audit.model import CodeFinding
from costmodel.classify.frame import classify
from costmodel.core.workload import Window, Workload
from costmodel.readiness.assess import Readiness, assess_readiness
from costmodel.readiness.checks import FindingSource

CODE_CHECKS_SKIPPED = frozenset(
    {"syntax_check_not_run", "unparsable", "lint_parse_gap", "no_text", "truncated_text"}
)
"""Run-level or parse-status findings that say nothing about the code (a literal with a hole in
a name position does not parse; that is not a DSQL finding)."""


def literal_workload(literals: Sequence[Literal]) -> Workload:
    """The literals as a workload of one call each (``stmt_id`` = ``L<n>``)."""
    frame = pd.DataFrame(
        {
            "query": [lit.sql for lit in literals],
            "stmt_id": [f"L{i + 1}" for i in range(len(literals))],
            "calls": np.ones(len(literals)),
            "total_exec_time": np.zeros(len(literals)),
            "rows": np.full(len(literals), np.nan),
        }
    )
    window = Window(1.0, "code", "SQL literals found in source code (one call each)")
    return Workload(frame, window, ("code",), "code literals")


def check_literals(
    literals: Sequence[Literal], *, as_of: date | None = None, lint_executable: str | None = None
) -> tuple[list[CodeFinding], Readiness | None, pd.DataFrame | None]:
    """Findings per literal location, the readiness result, and the literals' classification."""
    if not literals:
        return [], None, None
    workload = classify(literal_workload(literals))
    readiness = assess_readiness(workload, as_of=as_of, lint_executable=lint_executable)
    index = {f"L{i + 1}": lit for i, lit in enumerate(literals)}
    prints = workload.statements["fingerprint"].tolist()
    out: list[CodeFinding] = []
    for finding in readiness.findings:
        if finding.id in CODE_CHECKS_SKIPPED:
            continue
        source = "dsql-lint" if finding.source == FindingSource.DSQL_LINT else "readiness"
        for stmt_id in finding.stmt_ids:
            lit = index.get(stmt_id)
            if lit is None:
                continue
            position = int(stmt_id[1:]) - 1
            out.append(
                CodeFinding(
                    id=finding.id,
                    title=finding.title,
                    severity=finding.severity,
                    category="sql",
                    source=source,
                    path=lit.path,
                    line=lit.line,
                    column=lit.column,
                    language=lit.language,
                    snippet=_one_line(lit.sql),
                    message=finding.message,
                    fix=finding.remediation,
                    effort=finding.effort,
                    fixable=finding.fixable,
                    migration=lit.origin == "migration",
                    fingerprint=prints[position] if isinstance(prints[position], str) else None,
                )
            )
    return out, readiness, workload.statements


def _one_line(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
