"""Ingest: pg_stat_statements exports and snapshots → :class:`~costmodel.core.workload.Workload`.

Reading (:mod:`.read`: CSV/TSV/JSON(L)/gz, format from content), columns per PostgreSQL version
(:mod:`.columns`), deltas between snapshots (:mod:`.delta`), bundles and meta files (:mod:`.meta`),
the observation window (:mod:`.window`); :func:`load_workload` is the verb.
"""

from __future__ import annotations

from costmodel.ingest.load import load_workload, matched_filter_values

__all__ = ["load_workload", "matched_filter_values"]
