"""The persistent dsql-lint cache, against the real binary: per-text independence (what makes a cache
per text sound), warm = cold, what is and is not stored, and a broken cache never failing a run."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from costmodel.readiness import lintcache
from costmodel.readiness.dsqllint import find_dsql_lint, run_dsql_lint
from costmodel.readiness.lintcache import (
    FILE_NAME,
    LintCache,
    lint_cache_enabled,
    run_dsql_lint_cached,
    set_lint_cache,
)

CASES = Path(__file__).parents[1] / "cases" / "readiness" / "dsqllint.yaml"
BROKEN = "SELECT $$never closed"

pytestmark = pytest.mark.skipif(find_dsql_lint() is None, reason="dsql-lint is not installed")


def _corpus() -> list[str]:
    """Every rule of the rule table, plus multi-line texts, comments and transaction control."""
    texts = [case["sql"] for case in yaml.safe_load(CASES.read_text(encoding="utf-8"))]
    return [
        *texts,
        "SELECT a -- a trailing comment",
        "BEGIN",
        "CREATE TABLE t (\n  id serial PRIMARY KEY,\n  v text\n)",
        "INSERT INTO t (v) VALUES ($1)",
        "COMMIT;",
        "START TRANSACTION",
        "CREATE INDEX i ON t\n  (c)\n  WHERE c > $1",
    ]


def test_a_text_alone_or_in_a_batch_gets_the_same_diagnostics() -> None:
    """Why a per-text cache is sound: lines are relative to the text, BEGIN blocks are closed."""
    texts = _corpus()
    together = run_dsql_lint(texts)
    backwards = run_dsql_lint(texts[::-1])
    assert together.invocations == 1 and not together.notes
    assert sum(map(len, together.statements)) >= len(texts) // 2  # the corpus does raise diagnostics
    assert any(d.line > 1 for diags in together.statements for d in diags)  # and on later lines
    for i, text in enumerate(texts):
        alone = run_dsql_lint([text])
        assert alone.statements[0] == together.statements[i], text
        assert backwards.statements[len(texts) - 1 - i] == together.statements[i], text


def test_warm_run_equals_cold_and_lints_only_new_texts(lint_cache: Path) -> None:
    texts = _corpus()
    cold = run_dsql_lint_cached(texts)
    assert cold.cached and cold.from_cache == frozenset() and cold.cache_note is None
    warm = run_dsql_lint_cached(texts)
    assert warm.from_cache == frozenset(range(len(texts)))
    assert warm.invocations == 0  # dsql-lint never started
    assert warm.statements == cold.statements
    grown = run_dsql_lint_cached([*texts, "TRUNCATE other"], include=[0, len(texts)])
    assert grown.from_cache == {0} and grown.invocations == 1
    assert [d.rule for d in grown.statements[-1]] == ["truncate"]
    assert grown.statements[0] == cold.statements[0]
    assert all(not d for d in grown.statements[1:-1])  # not in include: not linted, not filled


def test_cached_diagnostics_equal_a_run_without_the_cache_but_for_previews(lint_cache: Path) -> None:
    texts = [*_corpus(), "SELECT * FROM t WHERE id = 12345 FOR NO KEY UPDATE"]
    plain = run_dsql_lint(texts)
    run_dsql_lint_cached(texts)
    warm = run_dsql_lint_cached(texts)
    strip = [
        [(d.rule, d.line, d.message, d.suggestion, d.fix_status, d.fix_detail) for d in ds]
        for ds in warm.statements
    ]
    assert strip == [
        [(d.rule, d.line, d.message, d.suggestion, d.fix_status, d.fix_detail) for d in ds]
        for ds in plain.statements
    ]
    # no preview is stored (reports never show a workload text's): nothing of the text is in the file
    assert "12345" in plain.statements[-1][0].preview
    assert {d.preview for ds in warm.statements for d in ds} == {""}
    assert b"12345" not in (lint_cache / FILE_NAME).read_bytes()


def test_a_text_that_stops_the_tokenizer_is_not_stored(lint_cache: Path) -> None:
    """Its diagnostic names a line of the joined file (it depends on the texts before it)."""
    texts = ["SELECT 1", BROKEN, "TRUNCATE t"]
    cold = run_dsql_lint_cached(texts)
    assert [d.rule for d in cold.statements[1]] == ["parse_error"] and cold.notes
    warm = run_dsql_lint_cached(texts)
    assert warm.from_cache == {0, 2}
    assert [d.rule for d in warm.statements[1]] == ["parse_error"]  # linted again, still reported
    assert warm.statements[0] == cold.statements[0] and warm.statements[2] == cold.statements[2]
    assert _entries(lint_cache) == 2


def test_file_and_directory_are_private(lint_cache: Path) -> None:
    run_dsql_lint_cached(["TRUNCATE t"])
    assert stat.S_IMODE(lint_cache.stat().st_mode) == 0o700
    assert stat.S_IMODE((lint_cache / FILE_NAME).stat().st_mode) == 0o600
    os.chmod(lint_cache / FILE_NAME, 0o644)  # loosened by hand: the next run tightens it again
    cache = LintCache(lint_cache / FILE_NAME, "t")
    cache.open()
    cache.put([(cache.keys(["x"])[0], [])])
    names = {p.name: stat.S_IMODE(p.stat().st_mode) for p in lint_cache.iterdir()}
    assert names == {FILE_NAME: 0o600, f"{FILE_NAME}-wal": 0o600, f"{FILE_NAME}-shm": 0o600}
    cache.close()


def test_another_binary_never_reads_the_entries(lint_cache: Path, tmp_path: Path) -> None:
    """The key holds the binary's own hash: another build (here the same one plus a byte) misses."""
    exe = find_dsql_lint()
    assert exe is not None
    other = tmp_path / "bin" / "dsql-lint"
    other.parent.mkdir()
    shutil.copy2(exe, other)
    with other.open("ab") as handle:
        handle.write(b"\0")
    texts = ["TRUNCATE t", "SELECT 1"]
    run_dsql_lint_cached(texts)
    assert run_dsql_lint_cached(texts, executable=str(other)).from_cache == frozenset()
    assert run_dsql_lint_cached(texts, executable=str(other)).from_cache == {0, 1}
    assert run_dsql_lint_cached(texts).from_cache == {0, 1}
    assert _entries(lint_cache) == 4


def test_keys_depend_on_the_tool_and_the_exact_text(tmp_path: Path) -> None:
    one, two = LintCache(tmp_path / "a", "0.2.22:abc"), LintCache(tmp_path / "a", "0.2.23:abc")
    assert one.keys(["SELECT 1"]) != two.keys(["SELECT 1"])
    assert len(set(one.keys(["SELECT 1", "SELECT 1 ", "select 1"]))) == 3


def test_least_recently_used_entries_are_evicted(tmp_path: Path) -> None:
    now = [1_000_000.0]
    cache = LintCache(tmp_path / "c" / FILE_NAME, "t", max_entries=10, clock=lambda: now[0])
    cache.open()
    keys = cache.keys([f"SELECT {i}" for i in range(12)])
    cache.put([(k, []) for k in keys[:8]])
    now[0] += 2 * lintcache.TOUCH_SECONDS
    assert len(cache.get(keys[:2])) == 2  # used again: now the newest of the first eight
    now[0] += 2 * lintcache.TOUCH_SECONDS
    cache.put([(k, []) for k in keys[8:]])  # 12 > 10: the oldest go, down to 9
    found = cache.get(keys)
    cache.close()
    left = [i for i, k in enumerate(keys) if k in found]
    assert len(left) == 9
    assert {0, 1, 8, 9, 10, 11} <= set(left)  # the three evicted are of the six least recently used


@pytest.mark.parametrize("damage", ["garbage", "foreign format", "bad row", "not a directory", "locked"])
def test_a_broken_cache_is_ignored_with_a_note(
    lint_cache: Path, damage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = ["TRUNCATE t", "SELECT 1"]
    expected = run_dsql_lint(texts).statements
    path = lint_cache / FILE_NAME
    run_dsql_lint_cached(texts)
    holder = None
    if damage == "garbage":
        path.write_bytes(b"not a database at all" * 100)
    elif damage == "foreign format":
        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA user_version = 99")
    elif damage == "bad row":
        with sqlite3.connect(path) as conn:
            conn.execute("UPDATE lint SET diags = '{oops'")
    elif damage == "not a directory":
        monkeypatch.setenv("DSQLCOST_CACHE_DIR", str(path))  # a file where the directory should be
    else:
        monkeypatch.setattr(lintcache, "BUSY_MS", 50)
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("PRAGMA journal_mode=DELETE")
        holder.execute("BEGIN EXCLUSIVE")
    try:
        run = run_dsql_lint_cached(texts)
    finally:
        if holder is not None:
            holder.close()
    assert run.available and [[d.rule for d in ds] for ds in run.statements] == [
        [d.rule for d in ds] for ds in expected
    ]
    if damage == "bad row":  # a value that does not decode is a miss: linted and stored again
        assert run.from_cache == frozenset() and run.cache_note is None
        assert run_dsql_lint_cached(texts).from_cache == {0, 1}
    else:
        assert run.cache_note and "cache was not" in run.cache_note and "Traceback" not in run.cache_note


def test_turned_off_it_is_plain_dsql_lint(lint_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSQLCOST_LINT_CACHE", "0")
    run = run_dsql_lint_cached(["TRUNCATE t"])
    assert not run.cached and run.cache_note is None and not lint_cache.exists()
    monkeypatch.setenv("DSQLCOST_LINT_CACHE", "1")
    monkeypatch.setattr(lintcache, "_enabled", True)
    assert lint_cache_enabled()
    set_lint_cache(False)  # what --no-lint-cache does; it reaches child processes through the environment
    assert not lint_cache_enabled() and os.environ["DSQLCOST_LINT_CACHE"] == "0"


def test_the_suite_never_uses_the_real_user_cache() -> None:
    """tests/conftest.py points every test (and child process) at a throw-away directory."""
    directory = lintcache.cache_dir()
    assert directory != Path.home() / ".cache" / "dsqlcost"
    assert directory.name.startswith("dsqlcost-test-cache-")
    assert not lint_cache_enabled()  # and off unless a test turns it on (the lint_cache fixture)


def _entries(directory: Path) -> int:
    with sqlite3.connect(directory / FILE_NAME) as conn:
        return int(conn.execute("SELECT count(*) FROM lint").fetchone()[0])


CHILD = """
import json, sys
from costmodel.readiness.lintcache import run_dsql_lint_cached
texts = json.loads(sys.argv[1])
run = run_dsql_lint_cached(texts)
print(json.dumps({"ok": run.available and run.cached, "note": run.cache_note, "hits": len(run.from_cache),
                  "rules": [[d.rule for d in ds] for ds in run.statements]}))
"""


def test_concurrent_runs_share_the_file(lint_cache: Path) -> None:
    """Three processes lint overlapping texts at once (a fleet and two dashboard sessions): each
    gets its diagnostics, none is turned away, and the file ends with every text once."""
    texts = _corpus()
    slices = [texts[: len(texts) * 2 // 3], texts[len(texts) // 3 :], texts]
    procs = [
        subprocess.Popen([sys.executable, "-c", CHILD, json.dumps(part)], stdout=subprocess.PIPE, text=True)
        for part in slices
    ]
    outs = [json.loads(p.communicate(timeout=120)[0]) for p in procs]
    expected = [[d.rule for d in ds] for ds in run_dsql_lint(texts).statements]
    for part, out in zip(slices, outs, strict=True):
        assert out["ok"] and out["note"] is None
        assert out["rules"] == [expected[texts.index(t)] for t in part]
    assert _entries(lint_cache) == len(set(texts))
