"""Collect: snapshots from a live PostgreSQL into a bundle directory (read-only, secrets scrubbed).

:mod:`.options` holds what a collection is asked to do and what it produced; :mod:`.live` talks to
the server; :mod:`.bundle` writes the files; :mod:`.catalog` reads catalog facts. The verb is
:func:`costmodel.collect.live.collect` (imported from there: it pulls in the PostgreSQL driver).
"""
