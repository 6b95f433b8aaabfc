"""Usage: workload × scenario → monthly usage per statement (calls, rows, bytes, CPU, transactions).

:func:`compute_usage` runs the steps (one module each: context, tables, cpu, reads, writes, io,
transactions, storage) and returns a :class:`Usage` (:mod:`.model`).
"""

from __future__ import annotations

from costmodel.usage.compute import compute_usage
from costmodel.usage.model import Usage

__all__ = ["Usage", "compute_usage"]
