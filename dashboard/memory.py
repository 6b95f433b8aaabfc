"""Give freed memory back to the operating system when the dashboard drops an upload or a session.

Why: a 150,000-statement upload allocates millions of small objects (texts, tuples, dicts) and
large arrays; after they are freed, the C allocator keeps the pages for reuse, so the server's
resident memory stays near its peak for good. It is called only when something large was dropped
(an upload or run evicted, the cache closed), never on the request path of a what-if. The trim
itself is :func:`costmodel.core.memory.give_back` (the report uses it after classification).
"""

from __future__ import annotations

import gc

from costmodel.core.memory import give_back


def release() -> None:
    """Collect cycles (dropped uploads hold reference cycles), then give the free pages back."""
    gc.collect()
    give_back()
