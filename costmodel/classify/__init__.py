"""Classify: pglast parse trees → profile columns (kind, read/write, tables, joins, locking, keys).

:func:`classify` profiles a workload (each distinct text once); :func:`classify_texts` profiles
bare texts; :class:`.table.ProfileTable` keeps one profile row per text for fleets.
"""

from __future__ import annotations

from costmodel.classify.frame import classify, classify_text, classify_texts

__all__ = ["classify", "classify_text", "classify_texts"]
