"""Typed errors with one policy: say what went wrong, where, and how to fix it.

Every error the tool raises on bad input is a :class:`CostModelError`. The CLI turns it into a
one-line message on stderr and exit code 2, never a traceback. The location fields are optional
because not every error has a file, row or column; :meth:`CostModelError.__str__` joins whatever
is known into ``file:row: column 'x': message (fix: …)``.
"""

from __future__ import annotations


class CostModelError(Exception):
    """Base class: a problem with the user's input or configuration (exit code 2)."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        statement: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.row = row
        self.column = column
        self.statement = statement
        self.hint = hint

    def where(self) -> str:
        """Location prefix such as ``pgss.csv:12: column 'calls'``; empty when nothing is known."""
        parts: list[str] = []
        if self.file is not None:
            parts.append(self.file if self.row is None else f"{self.file}:{self.row}")
        elif self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column '{self.column}'")
        if self.statement is not None:
            parts.append(f"statement {self.statement}")
        return ": ".join(parts)

    def __str__(self) -> str:
        text = self.message
        where = self.where()
        if where:
            text = f"{where}: {text}"
        if self.hint:
            text = f"{text} (fix: {self.hint})"
        return text


class IngestError(CostModelError):
    """An export, bundle or metadata file cannot be read as a pg_stat_statements workload."""


class CollectError(CostModelError):
    """The live database cannot be collected from (connection, extension, privileges, version)."""


class ClassifyError(CostModelError):
    """Classification cannot proceed (not raised for unparsable statements: those are a status)."""


class ScenarioError(CostModelError):
    """A scenario file or option is invalid (unknown key, wrong unit, out of range)."""


class PricingError(CostModelError):
    """A price is missing or inconsistent (unknown region, region set mismatch, bad override file)."""


class CalibrationError(CostModelError):
    """EXPLAIN or CloudWatch input for calibration is malformed or does not match the workload."""


class ReportError(CostModelError):
    """A report cannot be written or compared (bad --out path, incompatible report files)."""


class ExecutorError(CostModelError):
    """Parallel work cannot run where asked (Dask not installed, scheduler unreachable, a task failed)."""
