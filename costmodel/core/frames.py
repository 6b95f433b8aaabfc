"""Statement tables that hold a constant column in eight bytes instead of eight bytes a row.

Why: an export carries every counter its pg_stat_statements version has, and many are the same for
every statement — planning counters without ``track_planning``, JIT counters on a server that never
JIT-compiles, I/O timings without ``track_io_timing``, temp and local blocks of an OLTP workload,
counters a version predates (NaN). A million-row export had 27 of its 44 float counters constant:
216 MB of a statement table that every stage and every forked range-case worker keeps alive.

:func:`share_constant_columns` keeps such a column *in the table*, under its name, dtype and
position, with the same value bit for bit — only its array is a read-only view of one element
repeated (numpy stride 0). So every reader sees what it saw before: ``name in frame`` and
``frame[name]`` are unchanged, all-NaN stays all-NaN (unknown) and an absent column stays absent
(ingest records which columns an export had before the table is shared), arithmetic gives the
same floats. Writing one element into such a column raises (read-only) rather than change every
row; no stage writes into the statement table (pandas copy-on-write: a stage replaces a column or
builds a new table). An operation that builds a new table (a row filter, ``copy()``) gives the
column an ordinary array again: the values never change, only where the memory is saved.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["MAX_COLUMN_BLOCKS", "MIN_ROWS", "is_shared_constant", "share_constant_columns"]

MIN_ROWS = 2
"""Tables shorter than this are left as they are (a one-row column is already one element)."""

MAX_COLUMN_BLOCKS = 80
"""At most this many columns are held in blocks of their own (pandas warns from 100 blocks on); the
canonical counters are 45, plus a few integer and boolean profile columns."""

_KINDS = frozenset("fiub")
"""numpy kinds whose columns are shared: floats (counters), integers, unsigned, booleans."""


def share_constant_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every plain numpy numeric or boolean column whose values are all the same bit
    pattern (0.0, one NaN, ``False`` …; ``-0.0`` differs from ``0.0``) held as one repeated element.

    Returns ``frame`` itself when nothing is constant, else a new table with the same columns in the
    same order, index, dtypes and values; the other columns are the same arrays (no copy), except
    that columns sharing a block with a constant one are copied once into a block of their own, so
    the constant columns' memory is freed when ``frame`` is.
    """
    if len(frame) < MIN_ROWS or not frame.columns.is_unique:
        return frame
    constant = [name for name in frame.columns if _constant(frame[name])]
    if not constant:
        return frame
    dtypes = {frame[name].dtype for name in constant}
    shared = set(constant)
    own = [name for name in frame.columns if name not in shared and frame[name].dtype in dtypes]
    if len(constant) + len(own) > MAX_COLUMN_BLOCKS:
        return frame  # each would be a block of its own: pandas warns of (and slows on) a fragmented table
    positions = {name: i for i, name in enumerate(frame.columns) if name in shared}
    out = frame.drop(columns=constant)  # its columns may still be views of frame's blocks
    if own:  # copied into a block of their own, so no view keeps frame's block (and its constants) alive
        out[own] = out[own].copy()
    for name in constant:  # in column order, so each lands where it was
        column = frame[name]
        array = column.to_numpy()
        one = np.broadcast_to(array[:1].copy().reshape(()), (len(frame),))
        out.insert(positions[name], name, pd.Series(one, index=frame.index, name=name, copy=False))
    return out


def is_shared_constant(column: pd.Series) -> bool:
    """True when ``column`` is held as one repeated element (what :func:`share_constant_columns` makes)."""
    array = column.to_numpy()
    return array.ndim == 1 and len(array) > 1 and array.strides == (0,)


def _constant(column: pd.Series) -> bool:
    dtype = column.dtype
    if not isinstance(dtype, np.dtype) or dtype.kind not in _KINDS:
        return False
    array = column.to_numpy()
    if array.ndim != 1 or array.strides == (0,):
        return False
    bits = array.view(f"u{dtype.itemsize}") if dtype.itemsize in (1, 2, 4, 8) else None
    if bits is None:
        return False
    return bool((bits == bits[0]).all())
