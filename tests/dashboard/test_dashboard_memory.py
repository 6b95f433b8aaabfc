"""The dashboard's cache counts what it really holds and gives freed memory back.

Issue 19: a closed session kept 741 MiB because a process-wide redaction cache and the analysis's
reuse caches were invisible to the byte budget. Here: an upload's size grows with its kept text
columns and analysis caches once they exist, the byte budget evicts on those real sizes, and
redaction is no longer cached per process.
"""

from __future__ import annotations

import inspect

import pandas as pd
import pytest

from costmodel.analysis.statements import statement_frame
from costmodel.core import memory as core_memory
from costmodel.core import redact
from costmodel.scenario.model import load_scenario
from dashboard import memory
from dashboard.state import UploadCache, statement_table
from tests.browser.support import data_url, export_csv


def test_entry_size_counts_text_columns_and_analysis_caches() -> None:
    cache = UploadCache()
    try:
        entry = cache.add_upload(data_url(export_csv(40), "text/csv"), "a.csv", window="1h")
        # the text columns are redacted while the upload loads, not on the first page request
        assert entry.texts_size > 0 and set(entry.texts) == {"query", "tables_read", "tables_written"}
        assert entry.nbytes() == entry.size + entry.texts_size  # no analysis cache yet
        run = cache.run(entry.key, load_scenario(None))
        # the range worker keeps the range cases' usage in its own analysis: count once it is done
        assert cache.wait_ranges(timeout=120)
        assert entry.analysis.cache_bytes() > 0  # usage and contention kept for later what-ifs
        assert entry.cases is not None and entry.cases.cache_bytes() > 0
        before_table = run.nbytes()
        table = run.statements
        assert len(table) == 40
        pd.testing.assert_frame_equal(table, statement_table(statement_frame(run.result)))
        held = entry.analysis.cache_bytes() + entry.cases.cache_bytes()
        assert entry.nbytes() == entry.size + entry.texts_size + held
        assert run.nbytes() > before_table  # the built table is counted with its run
        assert cache.held_bytes() == entry.nbytes() + run.nbytes()
    finally:
        cache.close()


def test_byte_budget_evicts_on_real_sizes() -> None:
    cache = UploadCache(max_uploads=6)
    try:
        first = cache.add_upload(data_url(export_csv(40), "text/csv"), "a.csv", window="1h")
        cache.run(first.key, load_scenario(None))
        assert cache.wait_ranges(timeout=120)  # the range cases' caches are part of the first upload's size
        cache.max_bytes = first.nbytes() + 1  # room for the first upload, not for a second one
        second = cache.add_upload(data_url(export_csv(41), "text/csv"), "b.csv", window="1h")
        assert cache.get(first.key) is None and cache.get(second.key) is second
    finally:
        cache.close()


def test_redaction_is_not_cached_per_process() -> None:
    assert not hasattr(redact.redact_query, "cache_info")
    assert "lru_cache" not in inspect.getsource(redact)
    assert redact.redact_query("ALTER ROLE app PASSWORD 'secret'") == "ALTER ROLE app PASSWORD $1"


def test_release_runs_where_the_c_library_has_no_trim(monkeypatch: pytest.MonkeyPatch) -> None:
    memory.release()  # glibc here: collects and trims
    core_memory._trim.cache_clear()
    monkeypatch.setattr(core_memory.ctypes.util, "find_library", lambda name: None)
    try:
        assert core_memory._trim() is None
        memory.release()  # only collects
    finally:
        core_memory._trim.cache_clear()


def test_runs_over_the_byte_budget_are_dropped_once_requests_are_quiet() -> None:
    """A what-if adds its run at once; the byte budget is enforced after it, off the request."""
    import dataclasses

    cache = UploadCache()
    try:
        entry = cache.add_upload(data_url(export_csv(40), "text/csv"), "a.csv", window="1h")
        base = load_scenario(None)
        first = cache.run(entry.key, base)
        assert cache.wait_ranges(timeout=120)
        cache.max_bytes = 1  # no room for any run: the newest is kept, the others go
        cache._gate.enter()  # as if requests kept coming: nothing is tidied meanwhile
        try:
            second = cache.run(entry.key, dataclasses.replace(base, growth=2.0))
            assert cache.run(entry.key, base) is first  # both still cached right after the request
            assert list(cache._runs.values()) == [second, first]
        finally:
            cache._gate.leave()
        cache.tidy_now()
        assert list(cache._runs.values()) == [first]  # the most recently used one stays
    finally:
        cache.close()
