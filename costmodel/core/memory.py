"""Give the C allocator's free pages back to the operating system after a large stage.

Why: a million-statement export allocates and frees hundreds of MB of arrays and small objects
while it is read and classified; glibc keeps the freed pages for reuse, so the process stays at
its high-water mark, and forked workers (range cases) start from — and are charged a share of —
that resident set. ``malloc_trim(0)`` returns the free pages. On a C library without it (musl,
macOS, Windows) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache
from typing import Any


@cache
def _trim() -> Any:
    """glibc's ``malloc_trim``, or None where the C library has none."""
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        return ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None


def give_back() -> None:
    """Hand the allocator's free pages back to the operating system (no garbage collection: on a
    heap of millions of objects a full collection costs more than it frees here)."""
    trim = _trim()
    if trim is not None:
        trim(0)
