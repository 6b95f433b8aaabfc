"""The report's statement list held as columns until it is written.

Why: a single export of a million statements made a million dicts of 27 keys for the report
(some 1.5 GB), only for the JSON writer to take them apart into columns again. When the report goes
straight to the JSON writer (``report --format json --out FILE``), ``statements`` is a
:class:`StatementTable`: the same values, column by column; the writer splices its lines in, and
anything else asks for :meth:`StatementTable.records`, the list of dicts every renderer reads.
"""

from __future__ import annotations

import itertools
from typing import Any

from costmodel.core.gcpause import gc_paused


class StatementTable:
    """Statement records as equal-length columns (``{name: values}``, in record key order)."""

    def __init__(self, columns: dict[str, list[Any]]) -> None:
        """``columns`` is kept, not copied."""
        self.columns = columns

    def __len__(self) -> int:
        """Number of statements."""
        return len(next(iter(self.columns.values()), ()))

    def records(self) -> list[dict[str, Any]]:
        """One dict per statement, keys in column order (what ``statement_records`` returns).

        The cyclic garbage collector is paused while they are built: a million fresh dicts would
        otherwise trigger full collections that scan every object built so far.
        """
        keys = list(self.columns)
        with gc_paused():
            return list(map(dict, map(zip, itertools.repeat(keys), zip(*self.columns.values()))))
