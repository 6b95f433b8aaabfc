"""Rows with equal query texts share one string object after ingest; nothing else changes."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from costmodel.ingest.load import load_workload, share_equal_texts


def test_equal_texts_are_one_object_and_the_frame_is_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "pgss.csv"
    texts = ["SELECT 1", "SELECT * FROM t WHERE id = $1", "UPDATE t SET a = $1\nWHERE id = $2", ""]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["userid", "dbid", "queryid", "query", "calls", "total_exec_time", "rows"])
        for n in range(40):
            writer.writerow([10 + n % 4, 5, n, texts[n % len(texts)], n + 1, 1.5 * n, n])
    statements = load_workload(path, window="1h").statements
    queries = statements["query"]
    assert queries.dtype == object
    assert len({id(q) for q in queries if isinstance(q, str)}) == queries.dropna().nunique()
    before = statements.copy(deep=True)
    share_equal_texts(before)  # a second pass changes nothing either
    pd.testing.assert_frame_equal(before, statements)


def test_a_frame_without_repeats_or_texts_is_left_alone() -> None:
    frame = pd.DataFrame({"query": pd.Series(["a", "b", None], dtype=object), "calls": [1.0, 2.0, 3.0]})
    original = frame["query"].to_numpy()
    share_equal_texts(frame)
    assert all(a is b for a, b in zip(frame["query"].to_numpy(), original, strict=True))
    text = pd.DataFrame({"query": pd.Series(["a", "a"], dtype="str")})  # not object: left as it is
    share_equal_texts(text)
    assert text["query"].dtype == "str"
    numbers = pd.DataFrame({"calls": [1.0]})
    share_equal_texts(numbers)
    assert list(numbers.columns) == ["calls"]
