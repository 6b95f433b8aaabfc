"""Cooperative checkpoints: places where a long computation on a background thread may pause or stop.

The dashboard prices a what-if's range cases on a worker thread of the server process; a case
re-runs usage, contention and pricing over every statement (seconds at 150,000 statements), and a
what-if arriving meanwhile would share the interpreter with it for as long. The pipeline calls
:func:`checkpoint` between its steps; on a thread that installed a hook (:func:`checkpoints`), the
hook runs there and may wait while requests are served, or raise to give the computation up. On
every other thread (the CLI, a request) it does nothing: one attribute lookup.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_local = threading.local()


def checkpoint() -> None:
    """Run this thread's hook, if any (see the module docstring)."""
    hook = getattr(_local, "hook", None)
    if hook is not None:
        hook()


@contextmanager
def checkpoints(hook: Callable[[], None]) -> Iterator[None]:
    """Call ``hook`` at every :func:`checkpoint` this thread reaches inside the block."""
    previous = getattr(_local, "hook", None)
    _local.hook = hook
    try:
        yield
    finally:
        _local.hook = previous
