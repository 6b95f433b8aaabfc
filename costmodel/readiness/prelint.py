"""dsql-lint started early, on a background thread, over texts known before readiness runs.

Why: dsql-lint is a native process that costs some 0.25 ms per statement text — over a fleet's
tens of thousands of distinct texts it is the largest single cost of a fleet report (12 s of CPU
for 44,000 texts, four times the raw parse of the fleet's rows). Readiness comes last, after every
cluster is priced, so run synchronously the linter had the machine to itself at the end while the
pricing workers and the parent's serial steps left cores idle earlier. A fleet knows which texts
readiness will lint as soon as they are classified (one per fingerprint group, the first seen, see
:func:`costmodel.analysis.fleet_statements.representative_texts`), so :class:`PreLint` starts the
same :func:`~costmodel.readiness.dsqllint.run_dsql_lint` over them at once (through the lint cache,
:mod:`costmodel.readiness.lintcache`, unless literals are shown), and
:func:`costmodel.readiness.assess.assess_readiness` takes its diagnostics by text.

The result is the one a synchronous run gives: dsql-lint's diagnostics on a text do not depend on
the other texts of the file (transaction blocks are closed after each ``BEGIN`` text) nor on its
line numbers (the fleet lints no schema, whose lines are reported). When the early run cannot
stand in — it failed, a text stopped the tokenizer (its note names the text by position), a
text readiness wants was not in it, or it was made for other literals settings — readiness runs
dsql-lint itself as before.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from costmodel.core.redact import lint_text
from costmodel.readiness.dsqllint import LintDiagnostic, LintRun, run_dsql_lint
from costmodel.readiness.lintcache import run_dsql_lint_cached


@dataclass(frozen=True, eq=False)
class LintPlan:
    """What readiness lints for one statement frame (:func:`costmodel.readiness.assess.lint_plan`):
    made once by the caller that starts the early run, and reused by readiness for the same frame."""

    statements: Any
    """The statement frame this plan was made from (readiness reuses the plan only for this object)."""
    distinct: list[str]
    text_index: Any
    """Position of each statement's text among ``distinct`` (``len(distinct)`` for none)."""
    profile: Any
    """Profile columns per distinct text, or None when the workload could not be classified."""
    lintable: list[int]
    too_long: list[int]

    @property
    def texts(self) -> list[str]:
        """The texts given to dsql-lint, in order."""
        return [self.distinct[i] for i in self.lintable]


@dataclass(frozen=True)
class PreLinted:
    """What an early dsql-lint run found, by original (unscrubbed) statement text."""

    run: LintRun
    """The run itself (version, executable, timing); its ``statements`` follow ``texts``."""
    by_text: dict[str, tuple[LintDiagnostic, ...]]
    lint_literals: bool
    plan: LintPlan | None = None
    """The plan the texts came from, when the caller made one (a single workload; a fleet has none)."""
    cached_texts: frozenset[str] = frozenset()
    """The texts whose diagnostics came from the lint cache."""

    def usable(self, lint_literals: bool) -> bool:
        """True when these diagnostics are what a synchronous run would give."""
        return self.run.available and not self.run.notes and lint_literals == self.lint_literals


class PreLint:
    """dsql-lint over ``texts`` on a daemon thread (dsql-lint itself runs in child processes)."""

    def __init__(
        self,
        texts: Sequence[str],
        *,
        lint_literals: bool = False,
        executable: str | None = None,
        plan: LintPlan | None = None,
    ) -> None:
        """Start linting now; ``texts`` as readiness would take them (before literals are scrubbed),
        ``plan`` the :class:`LintPlan` they came from, handed on so readiness need not redo it."""
        self._texts = tuple(texts)
        self._plan = plan
        self._lint_literals = lint_literals
        self._executable = executable
        self._result: PreLinted | None = None
        self._thread = threading.Thread(target=self._work, name="dsqlcost-prelint", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        texts = self._texts
        inputs = list(texts) if self._lint_literals else [lint_text(t) for t in texts]
        lint = run_dsql_lint if self._lint_literals else run_dsql_lint_cached  # the cache holds no literals
        try:
            run = lint(inputs, executable=self._executable)
        except Exception:  # the synchronous run in readiness reports it properly
            return
        cached = frozenset(texts[i] for i in run.from_cache)
        self._result = PreLinted(
            run, dict(zip(texts, run.statements)), self._lint_literals, self._plan, cached
        )

    def result(self) -> PreLinted | None:
        """Wait for the run; None when it raised (readiness then lints itself)."""
        self._thread.join()
        return self._result
