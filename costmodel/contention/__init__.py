"""Contention: the OCC model (write patterns, key spaces, timing, conflict probability, retries)."""

from __future__ import annotations

from costmodel.contention.model import Contention, assess_contention

__all__ = ["Contention", "assess_contention"]
