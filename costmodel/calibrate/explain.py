"""Parse the ``Statement DPU Estimate`` blocks that DSQL's ``EXPLAIN ANALYZE VERBOSE`` prints.

The block closes the plan output (``reference/dsql-pricing.md`` §1.4)::

    Query Identifier: jtkjkexhjotbo
    Planning Time: 0.068 ms
    Execution Time: 0.543 ms
    Statement DPU Estimate:
      Compute: 0.01550 DPU
      Read: 0.00307 DPU (Transaction minimum: 0.00375)
      Write: 0.01875 DPU (Transaction minimum: 0.05000)
      Total: 0.03732 DPU

``Total`` is the plain sum of the printed values (minimums not applied), which every block must
satisfy within the printed rounding. Inputs: plain text with any number of blocks, each optionally
preceded by its SQL (a ``-- query: SQL`` line, or the ``EXPLAIN … ;`` command as psql echoes it);
or JSON / JSON lines of records ``{query, explain_output}`` (the dsql-lab files carry
``explain_output``, ``test_id`` and ``description``). Anything malformed is a
:class:`~costmodel.core.errors.CalibrationError` with the file, line and a fix.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from costmodel.core.errors import CalibrationError
from costmodel.core.safeio import read_text

LABELS: dict[str, str] = {
    "Compute": "compute",
    "Read": "read",
    "Write": "write",
    "Multi-Region Write": "multi_region_write",
    "Total": "total",
}
REQUIRED = ("compute", "read", "write", "total")
HALF_UNIT = Decimal("0.000005")
"""Half of the last printed digit (values are printed with 5 decimals)."""

HEADER = re.compile(r"^\s*Statement DPU Estimate:\s*$")
VALUE_LINE = re.compile(
    r"^\s*(Compute|Read|Write|Multi-Region Write|Total):\s*([0-9]+(?:\.[0-9]+)?) DPU"
    r"(?:\s*\(Transaction minimum:\s*([0-9]+(?:\.[0-9]+)?)\))?\s*$"
)
LABEL_ONLY = re.compile(r"^\s*(Compute|Read|Write|Multi-Region Write|Total)\s*:")
QUERY_ID = re.compile(r"^\s*Query Identifier:\s*(\S+)\s*$")
TIMING = re.compile(r"^\s*(Planning|Execution) Time:\s*([0-9.]+)\s*ms\s*$")
QUERY_COMMENT = re.compile(r"^\s*--\s*query:\s*(.*?)\s*$", re.IGNORECASE)
LABEL_COMMENT = re.compile(r"^\s*--\s*(?:label|name):\s*(.*?)\s*$", re.IGNORECASE)
EXPLAIN_COMMAND = re.compile(r"^\s*(?:[\w.-]*[=#-]>\s*)?EXPLAIN\b(.*)$", re.IGNORECASE)
PSQL_PROMPT = re.compile(r"^\s*[\w.$-]*[=\-(*'\"][>#]\s+")
"""psql's prompts (``app=> ``, continuation ``app-> ``) before echoed command lines."""
EXPLAIN_OPTIONS = re.compile(r"^\s*(?:\([^)]*\)\s*|(?:ANALYZE|ANALYSE|VERBOSE)\b\s*)*", re.IGNORECASE)
HINT_RUN = "run EXPLAIN ANALYZE VERBOSE on the DSQL cluster (plain EXPLAIN ANALYZE prints no DPU estimate)"


@dataclass(frozen=True)
class DpuBlock:
    """One parsed ``Statement DPU Estimate`` block with what preceded it."""

    file: str
    line: int
    """1-based line of the ``Statement DPU Estimate:`` header (JSON lines: the record's line)."""
    label: str
    query: str | None
    query_identifier: str | None
    planning_ms: float | None
    execution_ms: float | None
    compute: Decimal
    read: Decimal
    write: Decimal
    total: Decimal
    multi_region_write: Decimal | None = None
    minimums: dict[str, Decimal] = field(default_factory=dict)
    """Printed ``(Transaction minimum: x)`` per component that had one."""

    @property
    def parts_sum(self) -> Decimal:
        """Compute + Read + Write (+ Multi-Region Write): what Total must equal."""
        return self.compute + self.read + self.write + (self.multi_region_write or Decimal(0))

    def value(self, component: str) -> Decimal:
        """Printed value of ``compute``, ``read``, ``write``, ``multi_region_write`` or ``total``."""
        got: Decimal | None = getattr(self, component)
        return got if got is not None else Decimal(0)


@dataclass
class _Pending:
    query: str | None = None
    label: str | None = None
    query_identifier: str | None = None
    planning_ms: float | None = None
    execution_ms: float | None = None
    command: list[str] = field(default_factory=list)


def _error(message: str, file: str, row: int | None, hint: str, where: str = "") -> CalibrationError:
    return CalibrationError(f"{where}{message}", file=file, row=row, hint=hint)


def parse_explain_text(
    text: str,
    file: str,
    *,
    query: str | None = None,
    label: str | None = None,
    record_row: int | None = None,
) -> list[DpuBlock]:
    """Every block in ``text``; ``query``/``label`` apply to all of them (one JSON record).

    ``record_row`` set means the text is one JSON record's ``explain_output``: errors then name the
    record's line in the file and the line inside the text.
    """
    blocks: list[DpuBlock] = []
    pending = _Pending(query=query, label=label)
    lines = text.splitlines()
    i = 0

    def row_of(index: int) -> tuple[int | None, str]:
        if record_row is not None:
            return record_row, f"explain_output line {index + 1}: "
        return index + 1, ""

    while i < len(lines):
        line = lines[i]
        if pending.command:
            if not line.strip() or HEADER.match(line):  # an echoed command without ';' ends here
                pending.query, pending.command = _command_sql(pending.command), []
                continue
            pending.command.append(line)
            if line.rstrip().endswith(";"):
                pending.query, pending.command = _command_sql(pending.command), []
            i += 1
            continue
        if m := QUERY_COMMENT.match(line):
            pending.query = m.group(1).rstrip(";").strip() or None
        elif m := LABEL_COMMENT.match(line):
            pending.label = m.group(1) or None
        elif m := EXPLAIN_COMMAND.match(line):
            pending.command = [m.group(1)]
            if line.rstrip().endswith(";"):
                pending.query = _command_sql(pending.command)
                pending.command = []
        elif m := QUERY_ID.match(line):
            pending.query_identifier = m.group(1)
        elif m := TIMING.match(line):
            setattr(pending, "planning_ms" if m.group(1) == "Planning" else "execution_ms", float(m.group(2)))
        elif HEADER.match(line):
            block, i = _read_block(lines, i, file, row_of, pending, len(blocks))
            blocks.append(block)
            pending = _Pending(query=query, label=label)
            continue
        i += 1
    return blocks


def _command_sql(command: list[str]) -> str | None:
    text = " ".join(PSQL_PROMPT.sub("", part).strip() for part in command).strip().rstrip(";").strip()
    return EXPLAIN_OPTIONS.sub("", text, count=1).strip() or None


def _read_block(
    lines: list[str], start: int, file: str, row_of: Any, pending: _Pending, index: int
) -> tuple[DpuBlock, int]:
    """The DPU estimate block whose header is at ``start``, checked (every part present, the total
    the sum of its parts); returns it and the index of the line after its ``Total:`` line."""
    header_row, _ = row_of(start)
    values, minimums, i = _block_values(lines, start, file, row_of)
    missing = [k for k in REQUIRED if k not in values]
    if missing:
        raise _error(
            f"DPU estimate block lacks {', '.join(missing)}",
            file,
            header_row,
            "copy the whole block as EXPLAIN ANALYZE VERBOSE printed it",
            row_of(start)[1],
        )
    block = DpuBlock(
        file=file,
        line=header_row or 0,
        label=pending.label or pending.query_identifier or f"block {index + 1}",
        query=pending.query,
        query_identifier=pending.query_identifier,
        planning_ms=pending.planning_ms,
        execution_ms=pending.execution_ms,
        compute=values["compute"],
        read=values["read"],
        write=values["write"],
        total=values["total"],
        multi_region_write=values.get("multi_region_write"),
        minimums=minimums,
    )
    parts = 4 if block.multi_region_write is not None else 3
    if abs(block.parts_sum - block.total) > HALF_UNIT * (parts + 1):
        raise _error(
            f"Total {block.total} DPU is not the sum of the parts ({block.parts_sum} DPU)",
            file,
            header_row,
            "the block was edited or cut; copy it again from the EXPLAIN ANALYZE VERBOSE output",
            row_of(start)[1],
        )
    return block, i


def _block_values(
    lines: list[str], start: int, file: str, row_of: Any
) -> tuple[dict[str, Decimal], dict[str, Decimal], int]:
    """The ``<Part>: <n> DPU`` lines after the header up to ``Total:``: values, printed minimums, and
    the index after the last line. A blank or foreign line, or a part given twice, is an error."""
    values: dict[str, Decimal] = {}
    minimums: dict[str, Decimal] = {}
    i = start + 1
    while True:
        if i >= len(lines) or not lines[i].strip():
            row, where = row_of(min(i, len(lines) - 1))
            raise _error(
                "DPU estimate block ends before its 'Total:' line",
                file,
                row,
                "copy the whole block: Compute, Read, Write (Multi-Region Write) and Total lines",
                where,
            )
        line = lines[i]
        row, where = row_of(i)
        m = VALUE_LINE.match(line)
        if m is None:
            raise _foreign_line(line, file, row, where)
        key = LABELS[m.group(1)]
        if key in values:
            raise _error(
                f"'{m.group(1)}' appears twice in one block", file, row, "separate the blocks", where
            )
        values[key] = Decimal(m.group(2))
        if m.group(3) is not None:
            minimums[key] = Decimal(m.group(3))
        i += 1
        if key == "total":
            return values, minimums, i


def _foreign_line(line: str, file: str, row: int | None, where: str) -> CalibrationError:
    """The error for a line inside a block that is not a ``<Part>: <n> DPU`` line."""
    if lab := LABEL_ONLY.match(line):
        return _error(
            f"'{lab.group(1)}:' has no value of the form '<number> DPU': {line.strip()!r}",
            file,
            row,
            "keep the line as EXPLAIN printed it, e.g. '  Read: 0.00307 DPU'",
            where,
        )
    return _error(
        f"unexpected line inside a DPU estimate block: {line.strip()!r}",
        file,
        row,
        "a block holds only Compute, Read, Write, Multi-Region Write and Total lines",
        where,
    )


_EXPLAIN_KEYS = ("explain_output", "explain", "plan", "output")
_QUERY_KEYS = ("query", "sql", "statement")
_LABEL_KEYS = ("label", "test_id", "name", "description")


def _records(text: str, file: str) -> list[tuple[int, Any]]:
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CalibrationError(f"not valid JSON: {exc.msg}", file=file, row=exc.lineno) from None
        return [(n, rec) for n, rec in enumerate(data, start=1)]
    out: list[tuple[int, Any]] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            out.append((n, json.loads(line)))
        except json.JSONDecodeError as exc:
            raise CalibrationError(
                f"not a JSON object: {exc.msg}",
                file=file,
                row=n,
                hint="one JSON object per line (JSON lines)",
            ) from None
    return out


def parse_explain_records(text: str, file: str) -> list[DpuBlock]:
    """Blocks from JSON (an array) or JSON lines of ``{query?, explain_output, label?}`` records."""
    blocks: list[DpuBlock] = []
    for row, record in _records(text, file):
        if not isinstance(record, dict):
            raise CalibrationError("a record must be a JSON object", file=file, row=row)
        explain = next((record[k] for k in _EXPLAIN_KEYS if isinstance(record.get(k), str)), None)
        if explain is None:
            raise CalibrationError(
                f"record has no {' / '.join(_EXPLAIN_KEYS)} text",
                file=file,
                row=row,
                hint="give the EXPLAIN ANALYZE VERBOSE output as 'explain_output'",
            )
        query = next((record[k] for k in _QUERY_KEYS if isinstance(record.get(k), str)), None)
        label = next((str(record[k]) for k in _LABEL_KEYS if record.get(k) not in (None, "")), None)
        found = parse_explain_text(explain, file, query=query, label=label, record_row=row)
        if not found:
            raise CalibrationError(
                "record's explain output has no 'Statement DPU Estimate:' block",
                file=file,
                row=row,
                hint=HINT_RUN,
            )
        blocks.extend(found)
    return blocks


def parse_explain_file(path: str | Path) -> list[DpuBlock]:
    """All blocks of one file (text, JSON or JSON lines, told apart by content)."""
    file = str(path)
    text = read_text(path, CalibrationError, "EXPLAIN file", hint="save the EXPLAIN output as UTF-8")
    head = text.lstrip()[:1]
    blocks = parse_explain_records(text, file) if head in ("{", "[") else parse_explain_text(text, file)
    if not blocks:
        raise CalibrationError("no 'Statement DPU Estimate:' block found", file=file, hint=HINT_RUN)
    return blocks
