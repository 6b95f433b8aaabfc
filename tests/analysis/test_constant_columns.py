"""Constant counter columns held in eight bytes (costmodel.core.frames) change no output.

The statement table shares every bitwise-constant numeric column after classification
(:func:`costmodel.classify.frame.with_profile`). These tests run the whole report — ingest,
classification, usage, contention, pricing, readiness, ranges, the JSON writer — on an export
with all-zero, all-NaN, constant non-zero and absent counters, once as shipped and once with the
sharing switched off, and require the same bytes (absent and all-NaN columns keep their different
meanings: which columns an export had is recorded by ingest, before the table is shared).
"""

from __future__ import annotations

import csv
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import costmodel.classify.frame as classify_frame
from costmodel.cli import main
from costmodel.core.frames import MAX_COLUMN_BLOCKS, is_shared_constant, share_constant_columns

DATA = Path(__file__).parents[1] / "data" / "pipeline" / "saas_small.csv"

ZERO = ("total_plan_time", "plans", "temp_blks_read", "temp_blks_written", "shared_blk_read_time")
UNKNOWN = ("jit_functions", "jit_generation_time", "shared_blk_write_time")  # present, every value empty
SAME = {"shared_blks_dirtied": "7"}  # constant, not zero
ABSENT = ("local_blks_hit", "local_blks_read", "wal_fpi")


def _export(folder: Path, copies: int = 40) -> Path:
    """saas_small.csv repeated under ``copies`` databases, with the constant columns above."""
    with DATA.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    fields = [f for f in rows[0] if f not in ABSENT] + [c for c in (*ZERO, *UNKNOWN) if c not in rows[0]]
    out = folder / "constant.csv"
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        for n in range(copies):
            for row in rows:
                varied = dict(row, dbid=str(16384 + n), queryid=str(int(row["queryid"]) * 100 + n))
                varied["calls"] = str(int(row["calls"]) * (n + 1))
                varied.update({c: "0" for c in ZERO}, **{c: "" for c in UNKNOWN}, **SAME)
                writer.writerow(varied)
    (folder / "constant.csv.meta.yaml").write_text("window: 1h\n", encoding="utf-8")
    return out


def _report(export: Path, out: Path) -> str:
    assert main(["report", str(export), "--format", "json", "--out", str(out), "--jobs", "1"]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    report.pop("generated_at")
    return json.dumps(report, sort_keys=True)


def test_shared_constant_columns_give_the_same_report_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export = _export(tmp_path)
    shared: list[pd.DataFrame] = []

    def spy(frame: pd.DataFrame) -> pd.DataFrame:
        shared.append(share_constant_columns(frame))
        return shared[-1]

    monkeypatch.setattr(classify_frame, "share_constant_columns", spy)
    with_sharing = _report(export, tmp_path / "shared.json")
    monkeypatch.setattr(classify_frame, "share_constant_columns", lambda frame: frame)
    without = _report(export, tmp_path / "plain.json")

    assert with_sharing == without
    table = shared[0]
    assert all(is_shared_constant(table[c]) for c in (*ZERO, *UNKNOWN, *SAME, *ABSENT)), "nothing shared"
    # unknown stays unknown (NaN), not zero; ingest gives an absent column as NaN too, and the
    # export's column generation and missing signals (read before classification) say it was absent
    assert all(table[c].isna().all() for c in (*UNKNOWN, *ABSENT))
    assert (table["total_plan_time"] == 0).all() and (table["shared_blks_dirtied"] == 7).all()
    assert not is_shared_constant(table["calls"])


def test_sharing_keeps_columns_order_dtypes_and_bits() -> None:
    n = 1000
    frame = pd.DataFrame(
        {
            "calls": np.arange(n, dtype=float),
            "zero": np.zeros(n),
            "negative_zero": np.where(np.arange(n) == 3, -0.0, 0.0),  # -0.0 is not 0.0: kept as is
            "nan": np.full(n, np.nan),
            "text": ["x"] * n,
            "count": np.full(n, 5, dtype=np.int64),
            "flag": np.zeros(n, dtype=bool),
            "nullable": pd.array([0] * n, dtype="Int64"),  # extension arrays are left alone
        },
        index=pd.RangeIndex(10, 10 + n),
    )
    out = share_constant_columns(frame)
    pd.testing.assert_frame_equal(out, frame)
    assert list(out.columns) == list(frame.columns)
    assert [c for c in out.columns if is_shared_constant(out[c])] == ["zero", "nan", "count", "flag"]
    assert np.signbit(out["negative_zero"].to_numpy()).sum() == 1
    for name in ("calls", "negative_zero"):  # the kept columns no longer view the old block
        assert not np.shares_memory(out[name].to_numpy(), frame["zero"].to_numpy())
    assert share_constant_columns(out) is out  # nothing left to share


def test_a_shared_column_is_never_written_through() -> None:
    """Writing one element of a shared column would change every row: it raises instead (no stage
    writes into the statement table; a stage replaces a column, or filters rows, and gets an
    ordinary array back)."""
    frame = share_constant_columns(pd.DataFrame({"a": np.arange(4.0), "z": np.zeros(4)}))
    with pytest.raises(ValueError, match="read-only"):
        frame.loc[1, "z"] = 2.5
    assert frame["z"].tolist() == [0.0] * 4
    frame["z"] = frame["z"] + frame["a"]  # a new column replaces the shared one
    assert frame["z"].tolist() == [0.0, 1.0, 2.0, 3.0] and not is_shared_constant(frame["z"])
    rows = share_constant_columns(pd.DataFrame({"a": np.arange(4.0), "z": np.zeros(4)}))
    rows = rows[rows["a"] > 1]  # a filtered table holds ordinary arrays again
    assert rows["z"].tolist() == [0.0, 0.0] and not is_shared_constant(rows["z"])


def test_a_table_of_many_numeric_columns_is_left_unfragmented() -> None:
    n = MAX_COLUMN_BLOCKS + 10
    frame = pd.DataFrame({f"c{i}": np.zeros(5) if i % 2 else np.arange(5.0) for i in range(n)})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert share_constant_columns(frame) is frame
