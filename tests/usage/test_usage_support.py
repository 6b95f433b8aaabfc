"""Builders for small Workloads used by the usage, DSQL and calibration tests.

Tests build the statement table directly (canonical counter columns + the profile columns they
need) so they do not depend on ingest or classify; counters not given are NaN (unknown).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from costmodel.core.timebase import SECONDS_PER_MONTH
from costmodel.core.workload import COUNTER_COLUMNS, CatalogFacts, IndexFacts, TableFacts, Window, Workload

PROFILE_DEFAULTS: dict[str, Any] = {
    "parse_status": "ok",
    "kind": "select",
    "is_write": False,
    "tables_read": (),
    "tables_written": (),
    "join_count": 0,
    "values_rows": 0,
    "transaction_control": None,
    "is_upsert": False,
    "features": (),
    "fingerprint": None,
}


def make_workload(
    rows: list[dict[str, Any]],
    *,
    seconds: float = SECONDS_PER_MONTH,
    catalog: CatalogFacts | None = None,
    info: dict[str, Any] | None = None,
    classified: bool = True,
) -> Workload:
    """A Workload over ``seconds`` (default: exactly one 730-hour month, so calls = calls_month)."""
    records = []
    for n, given in enumerate(rows, start=1):
        record: dict[str, Any] = dict.fromkeys(COUNTER_COLUMNS, np.nan)
        record.update({"query": None, "stmt_id": f"q{n}"})
        if classified:
            record.update(PROFILE_DEFAULTS)
        record.update(given)
        records.append(record)
    frame = pd.DataFrame.from_records(records)
    for col in COUNTER_COLUMNS:
        frame[col] = frame[col].astype(float)
    return Workload(
        statements=frame,
        window=Window(seconds, "argument", "test"),
        sources=("test",),
        generation="1.10 (PostgreSQL 15-16)",
        catalog=catalog,
        info=info or {},
    )


def orders_catalog(*, width: float = 100, secondary: int = 0, pk_width: float = 16) -> CatalogFacts:
    """AWS's worked-example table ``orders`` (rows of about 100 B, uuid primary key)."""
    indexes = [IndexFacts("orders_pkey", ("id",), unique=True, primary=True)]
    indexes += [IndexFacts(f"orders_ix{i}", (f"c{i}",)) for i in range(secondary)]
    table = TableFacts(
        schema="public",
        name="orders",
        size_bytes=2 * 1024**3,
        row_estimate=1e6,
        avg_row_width=width,
        secondary_index_count=secondary,
        primary_key=("id",),
        indexes=tuple(indexes),
        column_avg_width={"id": pk_width, **{f"c{i}": 8.0 for i in range(secondary)}},
    )
    return CatalogFacts(tables={"public.orders": table}, database_size_bytes=2 * 1024**3, source="test")


def test_builder_gives_canonical_columns_and_unknown_counters() -> None:
    workload = make_workload([{"calls": 10.0, "total_exec_time": 5.0}])
    row = workload.statements.iloc[0]
    assert set(COUNTER_COLUMNS) <= set(workload.statements.columns)
    assert row["calls"] == 10.0 and np.isnan(row["wal_bytes"])
    assert row["kind"] == "select" and workload.window.seconds == SECONDS_PER_MONTH
