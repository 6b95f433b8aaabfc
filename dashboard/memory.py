"""Give freed memory back to the operating system when the dashboard drops an upload or a session.

Why: a 150,000-statement upload allocates millions of small objects (texts, tuples, dicts) and
large arrays; after they are freed, the C allocator keeps the pages for reuse, so the server's
resident memory stays near its peak for good. ``malloc_trim(0)`` (glibc) returns the free pages.
It is called only when something large was dropped (an upload or run evicted, the cache closed),
never on the request path of a what-if. On a C library without it, only the collection runs.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from functools import cache
from typing import Any


@cache
def _trim() -> Any:
    """glibc's ``malloc_trim``, or None where the C library has none (musl, macOS, Windows)."""
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        return ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None


def release() -> None:
    """Collect cycles, then hand the allocator's free pages back to the operating system."""
    gc.collect()
    trim = _trim()
    if trim is not None:
        trim(0)
