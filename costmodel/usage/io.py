"""Serverless v2 I/O inputs: write I/Os from WAL (4 KiB log units), read I/Os from blocks read."""

from __future__ import annotations

import numpy as np

from costmodel.usage.columns import column
from costmodel.usage.context import Notes, UsageContext
from costmodel.usage.steps import WriteColumns


def write_ios_per_call(ctx: UsageContext, writes: WriteColumns, notes: Notes) -> np.ndarray:
    """Write I/Os per call (before the one-I/O-per-commit floor), and the ``write_ios``/``read_ios`` lines."""
    io_unit = ctx.facts.write_io_bytes
    ios_per_dirtied = float(ctx.assumptions.get("write_ios_per_dirtied_page"))
    wal = writes.wal
    write_ios_call = np.where(~np.isnan(wal), np.nan_to_num(wal) / io_unit, writes.dirtied * ios_per_dirtied)
    notes.estimators["write_ios"] = (
        f"wal_bytes per call / {io_unit:g} (Aurora packs log records into {io_unit:g}-byte I/Os), at least one "
        "I/O per write transaction shared by its write statements, x calls"
        if not np.isnan(wal).any()
        else f"wal_bytes unknown for {int(np.isnan(wal).sum())} statement(s): shared_blks_dirtied x "
        "write_ios_per_dirtied_page instead (NaN where that is unknown too)"
    )
    read_blks = column(ctx.df, "shared_blks_read")
    notes.estimators["read_ios"] = (
        "shared_blks_read x month / window"
        if not np.isnan(read_blks).any()
        else f"shared_blks_read unknown for {int(np.isnan(read_blks).sum())} statement(s): read I/Os NaN there"
    )
    return write_ios_call


def write_ios_with_commit_floor(
    write_ios_call: np.ndarray, writes: WriteColumns, writes_per_txn: float
) -> np.ndarray:
    """Each commit flushes at least one log I/O: a statement that writes WAL costs at least its
    share of one I/O per write transaction, however few bytes it logs (per call)."""
    wal = writes.wal
    io_floor = np.where(np.nan_to_num(wal) > 0, writes.write_fraction / writes_per_txn, 0.0)
    return np.where(~np.isnan(wal), np.maximum(write_ios_call, io_floor), write_ios_call)
