"""Column access shared by the usage steps: counters as float arrays, unknown stays NaN."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from costmodel.core.workload import Workload


def column(df: pd.DataFrame, name: str) -> np.ndarray:
    """A numeric column as float array; a missing column is all-NaN (unknown, never zero)."""
    if name in df.columns:
        series = df[name]
        if series.dtype == np.float64:  # the ingested counters: no conversion needed, only a copy
            return np.array(series.to_numpy(), dtype=float)
        return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return np.full(len(df), np.nan)


def objects(df: pd.DataFrame, name: str) -> np.ndarray:
    """A column as an object array (None where the column is missing)."""
    if name not in df.columns:
        return np.full(len(df), None, dtype=object)
    return df[name].to_numpy(dtype=object)


def label_column(values: np.ndarray, labels: Iterable[str]) -> np.ndarray:
    """``values`` (a label per statement) as an object array holding one string object per label.

    A text array made with ``np.where``/``np.select`` turns into a new Python string per row when
    it becomes a frame column: four label columns of a million-row usage table were some 250 MB,
    kept once per cached usage and once per range-case worker. Values are unchanged; a value
    outside ``labels`` keeps a string of its own.
    """
    values = np.asarray(values)
    out = np.empty(len(values), dtype=object)
    left = np.ones(len(values), dtype=bool)
    for label in labels:
        hit = values == label
        out[hit] = label
        left &= ~hit
    if left.any():
        out[left] = [v if v is None else str(v) for v in values[left]]
    return out


def any_of(values: np.ndarray, options: list[str]) -> np.ndarray:
    """``np.isin`` for a few labels (plain comparisons: several times faster on text arrays)."""
    out = values == options[0]
    for option in options[1:]:
        out = out | (values == option)
    return np.asarray(out, dtype=bool)


def setting(workload: Workload, name: str) -> str | None:
    """A server setting recorded with the export (lower-cased), or None when unknown."""
    settings = workload.info.get("settings") or {}
    value = settings.get(name)
    return None if value is None else str(value).strip().lower()


LABELS_COMPARED = 16
"""Distinct labels :func:`count_labels` counts by comparison; any further ones are hashed."""


def count_labels(labels: np.ndarray) -> str:
    """``rows 120, buffers 30`` — how many statements each estimator served.

    An estimator column holds a handful of labels: each is counted with one comparison over the
    column (hashing every row's text, as a factorisation does, took 0.4 s of a million-row range
    case, three times). From the first value that is not text (None and NaN are one label to a
    factorisation), or past :data:`LABELS_COMPARED` labels, what is left is factorised.
    """
    labels = np.asarray(labels)
    tally: dict[str, int] = {}
    left = np.ones(len(labels), dtype=bool)
    for _ in range(LABELS_COMPARED):
        first = int(np.argmax(left)) if len(left) else 0
        # a text label is compared; anything else (None and NaN are one label to a
        # factorisation) stops the comparisons and is factorised with what is left
        if not len(left) or not left[first] or not isinstance(labels[first], str):
            break
        hit = np.asarray(labels == labels[first], dtype=bool) & left
        name = str(labels[first])
        tally[name] = tally.get(name, 0) + int(hit.sum())
        left &= ~hit
    if left.any():
        codes, uniques = pd.factorize(labels[left], use_na_sentinel=False)
        for label, count in zip(uniques, np.bincount(codes, minlength=len(uniques)), strict=True):
            name = str(label)
            tally[name] = tally.get(name, 0) + int(count)
    names = sorted(tally)
    order = np.argsort([-tally[name] for name in names], kind="stable")
    return ", ".join(f"{names[i]} {tally[names[i]]}" for i in order) or "none"


def per_distinct(values: np.ndarray, judge: Callable[[Any], Any], dtype: Any) -> np.ndarray:
    """``judge`` applied once per distinct value of ``values`` and mapped back to every row.

    Statement-level label columns hold a handful of distinct values over a million rows; a Python
    call per row is what makes a single large export cost more than a fleet of the same rows.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return np.asarray([judge(value) for value in uniques], dtype=dtype)[codes]
