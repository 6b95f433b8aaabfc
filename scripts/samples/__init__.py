"""Workload drivers for ``make samples`` (one module per sample, shared pieces in :mod:`.common`)."""
