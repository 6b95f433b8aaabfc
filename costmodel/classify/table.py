"""Profiles of distinct statement texts, classified once and looked up by text.

Why: a SaaS fleet repeats the same statements in hundreds of clusters (200 exports of 5,000 rows
hold some 50,000 distinct texts), and a million-row table of profile columns costs gigabytes.
:class:`ProfileTable` classifies every distinct text once (over the available cores) and keeps one
row of typed profile columns per text; a cluster then gets its profile columns by position
(:meth:`ProfileTable.profiles`), and fleet-wide tables carry only an integer text code per row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from costmodel.classify.frame import NO_TEXT, classifiable_texts, classify_texts, profiles_frame, with_profile
from costmodel.core.executor import Executor
from costmodel.core.workload import Workload

NO_CODE = -1
"""Text code of a row without a usable text (NULL, ``<insufficient privilege>``, unclassifiable)."""


@dataclass(frozen=True, eq=False)
class ProfileTable:
    """``texts[i]`` has the profile row ``frame.iloc[i]``; the last row of ``frame`` is "no text"."""

    texts: tuple[str, ...]
    frame: pd.DataFrame
    code_of: dict[str, int]

    @classmethod
    def build(
        cls, texts: Iterable[str | None], *, jobs: int = 1, executor: Executor | None = None
    ) -> ProfileTable:
        """Classify the distinct texts among ``texts`` (in first-seen order), in batches on
        ``executor`` (or ``jobs`` local processes) when there are many."""
        distinct = tuple(dict.fromkeys(t for t in texts if isinstance(t, str)))
        profiles = classify_texts(list(distinct), jobs=jobs, executor=executor)
        no_text = profiles_frame([NO_TEXT])
        frame = pd.concat([profiles, no_text], ignore_index=True)
        return cls(distinct, frame, {t: i for i, t in enumerate(distinct)})

    @classmethod
    def for_workloads(
        cls, workloads: Sequence[Workload], *, jobs: int = 1, executor: Executor | None = None
    ) -> ProfileTable:
        """The table of every classifiable text of ``workloads``."""
        return cls.build((t for w in workloads for t in _texts(w)), jobs=jobs, executor=executor)

    @property
    def no_text_row(self) -> int:
        """Position of the "no text" profile in :attr:`frame`."""
        return len(self.texts)

    def codes(self, workload: Workload) -> np.ndarray:
        """Text code per statement row (:data:`NO_CODE` for rows without a usable text).

        A text the table does not hold is an error in the caller (the table was built from
        other workloads), so it raises ``KeyError`` rather than guessing a profile.
        """
        code_of = self.code_of
        return np.fromiter(
            (code_of[t] if isinstance(t, str) else NO_CODE for t in _texts(workload)),
            dtype=np.int64,
            count=len(workload.statements),
        )

    def profiles(self, codes: np.ndarray) -> pd.DataFrame:
        """Profile columns for rows with these text codes (RangeIndex)."""
        rows = np.where(codes == NO_CODE, self.no_text_row, codes)
        return self.frame.take(rows).reset_index(drop=True)

    def classify(self, workload: Workload) -> tuple[Workload, np.ndarray]:
        """``workload`` with its profile columns (like :func:`costmodel.classify.frame.classify`) and its codes."""
        codes = self.codes(workload)
        classified = with_profile(workload, self.profiles(codes))
        return classified, codes


def _texts(workload: Workload) -> list[str | None]:
    """The texts :func:`costmodel.classify.frame.classify` classifies, None for anything but a string."""
    return [t if isinstance(t, str) else None for t in classifiable_texts(workload.statements)]
