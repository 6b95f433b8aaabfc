"""Checks that stop silently wrong numbers: repeated inputs, ``--since`` from elsewhere, implausible rates.

Why: a security pass found bills doubled or inflated eighteen-fold with exit 0 — the same file
given twice, a copy of it under another name, an "earlier" export of a different server (whose
entries then all count as new, with their whole lifetime counters). Each case now has one rule
here, used by plain exports, ``--merge``, ``--since`` and fleets alike:

* the same file (by name or through a link) given twice is refused with the fix; two files with
  identical bytes are read (both) with a warning that they may be one export counted twice;
* ``--since`` must share entries with the later export: when almost none of the earlier export's
  entries reappear *and* almost none of the later export's calls are matched, the two are not
  snapshots of one server and the delta is refused;
* ``calls = 0`` with execution time, and rates beyond what one server can do, are warned about.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from costmodel.core.errors import IngestError
from costmodel.core.workload import Window

MIN_MATCHED_PERCENT = 10
"""Below this share (%) of earlier entries found again *and* of later calls matched, ``--since`` is refused."""
MAX_CALLS_PER_SECOND = 10_000_000.0
"""More statements per second than any one PostgreSQL server executes (the fastest run ~1-2 M/s)."""
MAX_BUSY_BACKENDS = 100_000.0
"""Execution time over the window worth more than this many backends running non-stop."""
_HASH_CHUNK = 1 << 20


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def _digest(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while block := handle.read(_HASH_CHUNK):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def refuse_repeated(paths: Sequence[Path], *, what: str = "export", content: bool = True) -> list[str]:
    """Refuse the same file twice (the same name, or another path to it); warn about identical copies.

    Returns the warnings: with ``content``, files of equal size are hashed and byte-identical ones
    named (an idle server can give two identical snapshots, and tests copy one export, so a copy is
    merged explicitly with a warning rather than refused). Costs nothing when sizes differ.
    """
    seen: dict[tuple[int, int], Path] = {}
    sizes: dict[int, list[Path]] = {}
    for path in paths:
        key = _identity(path)
        if key is None:
            continue  # missing: the reader says so with its own message
        if key in seen:
            raise IngestError(
                f"the same {what} is given twice ({seen[key]} and {path}): its statements would be counted twice",
                file=str(path),
                hint=f"give each {what} once",
            )
        seen[key] = path
        if content and path.is_file():
            sizes.setdefault(path.stat().st_size, []).append(path)
    warnings: list[str] = []
    for group in sizes.values():
        digests: dict[str, Path] = {}
        for path in group if len(group) > 1 else ():
            digest = _digest(path)
            if digest is None:
                continue
            if digest in digests:
                warnings.append(
                    f"warning: {digests[digest]} and {path} have the same content: read as two {what}s, their "
                    "statements count twice (give the file once if it is one export)"
                )
            digests.setdefault(digest, path)
    return warnings


def check_same_server(
    earlier_keys: pd.Series,
    later_keys: pd.Series,
    later_calls: np.ndarray,
    earlier_file: str,
    later_file: str,
) -> None:
    """Refuse a delta between exports that share (almost) no entries: they are not one server's."""
    if not len(earlier_keys) or not len(later_keys):
        return
    later_matched = later_keys.isin(set(earlier_keys)).to_numpy()
    earlier_found = float(earlier_keys.isin(set(later_keys)).mean())
    calls = np.nan_to_num(later_calls.astype(float))
    total = float(calls.sum())
    calls_share = float(calls[later_matched].sum()) / total if total > 0 else float(later_matched.mean())
    if max(earlier_found, calls_share) * 100 < MIN_MATCHED_PERCENT:
        raise IngestError(
            f"only {earlier_found:.0%} of the entries of {earlier_file} appear in {later_file}, and they carry "
            f"{calls_share:.0%} of its calls: the two are not snapshots of the same server "
            "(a delta would count every unmatched entry's lifetime counters as new work)",
            file=later_file,
            hint="give --since an earlier export of the same server and database, "
            "or read the later export alone with --window",
        )


def plausibility_notes(frame: pd.DataFrame, window: Window) -> list[str]:
    """Warnings for rows that count time without calls and for rates no server reaches."""
    notes: list[str] = []
    if not len(frame):
        return notes
    calls = np.nan_to_num(frame["calls"].to_numpy(dtype=float))
    time_ms = np.nan_to_num(frame["total_exec_time"].to_numpy(dtype=float))
    silent = (calls == 0) & (time_ms > 0)
    if silent.any():
        notes.append(
            f"warning: {int(silent.sum())} statement(s) have calls = 0 but {time_ms[silent].sum() / 1000:,.1f} s "
            "of execution time: that time is not priced (calls drive the estimate); an edited or damaged export?"
        )
    seconds = window.seconds
    rate = float(calls.sum()) / seconds
    busy = float(time_ms.sum()) / 1000.0 / seconds
    if rate > MAX_CALLS_PER_SECOND:
        notes.append(
            f"warning: {rate:,.0f} calls per second over the {seconds:g} s window is more than one PostgreSQL "
            "server executes: check the window (--window) and the counters"
        )
    if busy > MAX_BUSY_BACKENDS:
        notes.append(
            f"warning: the execution time equals {busy:,.0f} backends busy for the whole {seconds:g} s window: "
            "check the window (--window) and the counters"
        )
    return notes
