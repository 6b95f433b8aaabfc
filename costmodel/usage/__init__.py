"""Usage: workload × scenario → monthly usage per statement (calls, rows, bytes, CPU, transactions)."""

from __future__ import annotations

from costmodel.usage.compute import Usage, compute_usage

__all__ = ["Usage", "compute_usage"]
