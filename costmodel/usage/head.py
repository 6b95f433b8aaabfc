"""What a usage computation keeps so that the next one with the same inputs skips its steps.

:func:`costmodel.usage.compute.compute_usage` runs in three parts: the start (context and CPU,
:class:`UsageStart`), the rest of the steps before transactions (tables, reads, writes, DSQL
compute, write I/Os per call: :class:`UsageHead`), and the tail (transactions, the commit floor,
sessions, storage, working set). The start and the head read the statements, the scenario's
growth and the assumptions they record, nothing else; a later computation whose growth and
recorded assumptions resolve the same (value *and* source) gets identical results from them, so it
takes them as they are, with the notes and assumption records they left. Range cases vary one
default at a time: most leave the head as it was (statements per transaction, storage, OCC key
spaces, the DSQL compute ratio), the rest (row width, secondary indexes) leave the start, which also keeps the table tuples, the
read shapes and the usage table's columns that come from the context and CPU alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from costmodel.core.assumptions import AssumptionSet
from costmodel.scenario.model import Scenario
from costmodel.usage.context import UsageContext
from costmodel.usage.steps import CpuColumns, ReadFlags, TableKeys, WriteColumns


def _fits(recorded: AssumptionSet, growth: float, scenario: Scenario, assumptions: AssumptionSet) -> bool:
    """Same growth, and every declared assumption ``recorded`` read resolves the same in ``assumptions``."""
    if float(scenario.growth) != growth:
        return False
    return all(repr(assumptions.peek(key)) == repr(recorded.peek(key)) for key in recorded.read_keys())


def _nbytes(*groups: object) -> int:
    arrays = [a for g in groups for a in (vars(g).values() if hasattr(g, "__dict__") else [g])]
    return sum(int(a.nbytes) for a in arrays if isinstance(a, np.ndarray))


@dataclass(frozen=True, eq=False)
class UsageStart:
    """The context (calls, scale, kinds) and the CPU columns, with the notes they left."""

    ctx: UsageContext
    cpu: CpuColumns
    estimators: dict[str, str]
    """The context's estimator lines (the CPU's are :attr:`cpu_estimators`: they follow the tables')."""
    warnings: tuple[str, ...]
    cpu_estimators: dict[str, str]
    cpu_warnings: tuple[str, ...]
    recorded: AssumptionSet
    """A copy of the assumption set after these steps: what they read (and recorded) with its source."""
    keys: TableKeys
    """Each statement's tuples of tables (the tables step's codes: they read only the statements)."""
    flags: ReadFlags
    """The reads step's statement shapes (they read only the statements and :attr:`keys`)."""
    columns: dict[str, Any]
    """The usage table's columns that come from the context and the CPU alone: a head made on
    this start shares them (a row-width or index range case computes only the columns its
    default reaches)."""

    def fits(self, scenario: Scenario, assumptions: AssumptionSet) -> bool:
        """True when ``scenario`` and ``assumptions`` give these steps the same inputs."""
        return _fits(self.recorded, self.ctx.growth, scenario, assumptions)

    @property
    def nbytes(self) -> int:
        """Bytes of the arrays held here (beyond the statements)."""
        ctx = self.ctx
        return _nbytes(
            ctx.kinds,
            self.cpu,
            ctx.calls,
            ctx.per,
            ctx.calls_month,
            ctx.one_off,
            ctx.row_scale,
            self.keys,
            self.flags,
        )


@dataclass(frozen=True, eq=False)
class UsageHead:
    """The steps before transactions: :attr:`start`, then tables, reads, writes, DSQL compute and
    write I/Os per call, as the per-statement frame, with the notes and records they left."""

    start: UsageStart
    writes: WriteColumns
    write_ios_call: np.ndarray
    frame: pd.DataFrame
    """The per-statement columns, without ``write_ios_month`` (the tail adds it after the commit floor)."""
    estimators: dict[str, str]
    warnings: tuple[str, ...]
    recorded: AssumptionSet

    @property
    def ctx(self) -> UsageContext:
        """The start's context."""
        return self.start.ctx

    def fits(self, scenario: Scenario, assumptions: AssumptionSet) -> bool:
        """True when ``scenario`` and ``assumptions`` give these steps the same inputs."""
        return _fits(self.recorded, self.ctx.growth, scenario, assumptions)

    @property
    def nbytes(self) -> int:
        """Bytes of the arrays held here beyond the statements and the usage table."""
        return self.start.nbytes + _nbytes(self.writes, self.write_ios_call)
