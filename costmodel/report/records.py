"""The report's statement list kept as a frame until it is written.

Why: a single export of a million statements made a million dicts of 27 keys for the report
(some 1.5 GB), only for the JSON writer to take them apart into columns again and write 27 million
cell strings before joining them into lines. When the report goes straight to the JSON writer
(``report --format json --out FILE``), ``statements`` is a :class:`StatementTable`: the statement
frame and the function that makes its JSON-ready columns. The writer converts and writes it a slice
of rows at a time (memory flat as the file grows); anything else asks for
:meth:`StatementTable.records`, the list of dicts every renderer reads. Every conversion is
row by row, so a slice's values are the whole table's values for those rows.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd

from costmodel.core.gcpause import gc_paused

Columns = dict[str, list[Any]]


class StatementTable:
    """Statement records as a frame plus ``columns(frame) -> {name: JSON-ready values}``."""

    def __init__(self, frame: pd.DataFrame, columns: Callable[[pd.DataFrame], Columns]) -> None:
        """``frame`` is kept, not copied; ``columns`` must convert each row on its own."""
        self.frame = frame
        self.columns = columns

    def __len__(self) -> int:
        """Number of statements."""
        return len(self.frame)

    def column_chunks(self, rows: int) -> Iterator[Columns]:
        """The columns of ``rows`` statements at a time, in order."""
        for start in range(0, len(self.frame), rows):
            yield self.columns(self.frame.iloc[start : start + rows])

    def records(self) -> list[dict[str, Any]]:
        """One dict per statement, keys in column order (what ``statement_records`` returns)."""
        return as_records(self.columns(self.frame))


def as_records(columns: Columns) -> list[dict[str, Any]]:
    """Columns as one dict per row. The cyclic garbage collector is paused while they are built:
    a million fresh dicts would otherwise trigger full collections that scan every object so far."""
    keys = list(columns)
    with gc_paused():
        return list(map(dict, map(zip, itertools.repeat(keys), zip(*columns.values()))))
