"""The workload's working set: what Serverless v2 must hold in memory (its capacity floor).

Why: an ACU is about 2 GiB of memory, and Aurora scales on memory pressure as well as CPU; a
workload whose hot data does not fit runs from storage (slow, and billed I/O on Standard). The
rule, stated in every report:

1. **hot tables** = the catalog size of the tables the workload reads or writes (bundle catalog);
   without table sizes, the database size;
2. if the source's ``shared_buffers`` is known, the working set is at most that (the source served
   its hit ratio from that cache); otherwise it is ``sv2_cached_fraction_of_hot_tables`` × hot tables;
3. the minimum capacity is working set / (``acu_memory_gib`` × ``sv2_buffer_cache_fraction``):
   Aurora PostgreSQL gives about three quarters of memory to the buffer cache.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from costmodel.core.assumptions import AssumptionSet
from costmodel.core.workload import Workload

_UNITS = {"b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3, "tb": 1024**4}
PAGE_BYTES = 8192


@dataclass(frozen=True)
class WorkingSet:
    """Bytes to keep in memory, or None when nothing tells; ``rule`` says how it was found."""

    bytes: float | None
    rule: str


def setting_bytes(text: str | None) -> float | None:
    """``128MB`` / ``16384`` (8 KiB pages) / ``1GB`` → bytes; None when not parsable."""
    if not text:
        return None
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?b)?\s*", text.lower())
    if not match:
        return None
    value, unit = float(match.group(1)), match.group(2)
    return value * (_UNITS[unit] if unit else PAGE_BYTES)


def _hot_tables(workload: Workload) -> tuple[float | None, int]:
    catalog = workload.catalog
    if catalog is None:
        return None, 0
    names: set[str] = set()
    for column in ("tables_read", "tables_written"):
        if column in workload.statements.columns:
            for value in workload.statements[column].dropna():
                names.update(str(t) for t in value)
    sizes = [t.size_bytes for n in names if (t := catalog.table(n)) is not None and t.size_bytes]
    if sizes:
        return float(sum(sizes)), len(sizes)
    return (float(catalog.database_size_bytes), 0) if catalog.database_size_bytes else (None, 0)


def working_set(workload: Workload, assumptions: AssumptionSet) -> WorkingSet:
    """Apply the module's rule; the cached fraction is read (and recorded) only when it is used."""
    hot, tables = _hot_tables(workload)
    settings = workload.info.get("settings") or {}
    buffers = setting_bytes(settings.get("shared_buffers")) if isinstance(settings, dict) else None
    if hot is None:
        if buffers is None:
            return WorkingSet(
                None, "unknown (no catalog sizes, no shared_buffers): memory floor is the default"
            )
        return WorkingSet(buffers, f"source shared_buffers {buffers / 1024**3:,.2f} GiB (no catalog sizes)")
    what = f"{tables} hot table(s)" if tables else "database size"
    if buffers is not None:
        return WorkingSet(
            min(hot, buffers),
            f"min({what} {hot / 1024**3:,.2f} GiB, source shared_buffers {buffers / 1024**3:,.2f} GiB)",
        )
    fraction = float(assumptions.get("sv2_cached_fraction_of_hot_tables"))
    return WorkingSet(
        hot * fraction, f"{fraction:g} x {what} {hot / 1024**3:,.2f} GiB (source shared_buffers unknown)"
    )
