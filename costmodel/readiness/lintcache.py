"""A persistent cache of dsql-lint diagnostics per statement text, so a re-run lints only new texts.

Why: dsql-lint costs about 0.3 ms of CPU per distinct text, linearly; over a 100k-row fleet's
44,000 distinct texts that is 8–14 s, more than half of the fleet report. Architects run the same
export many times (other scenarios, regions, options), and a text's diagnostics depend only on the
text and the dsql-lint binary: :mod:`costmodel.readiness.dsqllint` closes every ``BEGIN`` text's block
and reports a text's lines relative to its own first line, so linting a text alone or among others
gives the same diagnostics (tests/readiness/test_lintcache.py proves it on the rule table).

* **Key**: SHA-256 over the dsql-lint version, the SHA-256 of the binary itself (computed once per
  process and binary path, size and mtime) and the text exactly as given to dsql-lint. A new
  dsql-lint (or another build of the same version) therefore never reads an older one's entries.
* **Value**: the text's diagnostics as JSON (rule, line within the text, message, suggestion, fix
  status and detail, preview). The cache is used only for texts linted with their string literals
  scrubbed (:func:`~costmodel.core.redact.lint_text`), never under ``--show-literals``, so the
  messages are the ones a default report prints in its findings. The preview (the statement's
  start) is not stored: reports never show it for a workload text (only for a schema dump's
  statements, which are not cached), so :func:`run_dsql_lint_cached` returns workload diagnostics
  with an empty preview whether or not they came from the cache. No statement text is stored, only
  its hash.
* **Not cached**: a text that stopped dsql-lint's tokenizer (its diagnostic names a line of the
  joined file, which depends on the other texts; such texts are rare because readiness sends only
  texts PostgreSQL parses), and schema dumps (linted as written, literals included, with line
  numbers across the whole file; one dump is one file and lints in one pass).
* **Storage**: one SQLite file, ``lint-v1.sqlite3`` in ``$DSQLCOST_CACHE_DIR``, else
  ``$XDG_CACHE_HOME/dsqlcost``, else ``~/.cache/dsqlcost``; the directory is created 0700 and the
  file 0600. WAL journal and a busy timeout let fleet runs and dashboard sessions share it; each
  run reads with one connection and writes its new texts in one transaction. Beyond
  :data:`MAX_ENTRIES` the least recently used entries are evicted.
* **Robust**: a corrupt, unreadable, foreign or locked file is ignored with a note in the report;
  linting then runs as without a cache. ``--no-lint-cache`` (``report``, ``readiness``,
  ``dashboard``, ``plan``, ``audit-code``) or ``DSQLCOST_LINT_CACHE=0`` turns it off.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from costmodel.readiness.dsqllint import (
    LintDiagnostic,
    LintRun,
    dsql_lint_version,
    find_dsql_lint,
    is_tokenizer_failure,
    run_dsql_lint,
)

FILE_NAME = "lint-v1.sqlite3"
FORMAT = 1
"""``PRAGMA user_version`` of a cache file this code writes; another value means another format."""
MAX_ENTRIES = 500_000
"""Texts kept: about 100 bytes each on disk (most texts are clean), so at most ≈50 MB. Beyond it the
least recently used are evicted, down to 90% of it (a scan of the table, without an index on the
last-use stamp: an index would cost every insert and a third of the file for a rare eviction)."""
TOUCH_SECONDS = 3600
"""A hit's last-use stamp is rewritten only when older than this (a warm run writes almost nothing)."""
BUSY_MS = 5000
"""How long a run waits for another run's write before it gives up on the cache (with a note)."""
_BATCH = 900
"""Keys per SELECT (under SQLite's oldest limit of 999 bound parameters)."""

ENV_DIR = "DSQLCOST_CACHE_DIR"
ENV_SWITCH = "DSQLCOST_LINT_CACHE"

_enabled = True
_binary_digests: dict[tuple[str, int, int], str] = {}


def set_lint_cache(enabled: bool) -> None:
    """Turn the cache on or off for this process (the CLI's ``--no-lint-cache``); turned off, it is
    off in the environment too, so worker processes started afterwards (spawned) agree."""
    global _enabled  # one process-wide switch, set once by the CLI
    _enabled = enabled
    if not enabled:
        os.environ[ENV_SWITCH] = "0"


def lint_cache_enabled() -> bool:
    """False after ``--no-lint-cache`` or with ``DSQLCOST_LINT_CACHE`` set to 0/off/no/false."""
    return _enabled and os.environ.get(ENV_SWITCH, "1").strip().lower() not in ("0", "off", "no", "false")


def cache_dir() -> Path:
    """``$DSQLCOST_CACHE_DIR``, else ``$XDG_CACHE_HOME/dsqlcost``, else ``~/.cache/dsqlcost``."""
    explicit = os.environ.get(ENV_DIR)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "dsqlcost"


def binary_digest(executable: str) -> str:
    """SHA-256 of the dsql-lint binary, computed once per process for a path, size and mtime."""
    stat = os.stat(executable)
    key = (os.path.realpath(executable), stat.st_size, stat.st_mtime_ns)
    if key not in _binary_digests:
        digest = hashlib.sha256()
        with open(executable, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        _binary_digests[key] = digest.hexdigest()
    return _binary_digests[key]


Entry = list[list[Any]]
"""One text's diagnostics as stored: ``[rule, line, message, suggestion, fix_status, fix_detail, preview]``."""


@dataclass
class LintCache:
    """An open cache file for one dsql-lint binary (see the module docstring)."""

    path: Path
    tool: str
    """``version:binary-sha256``, hashed into every key."""
    max_entries: int = MAX_ENTRIES
    clock: Any = time.time
    _conn: sqlite3.Connection | None = None

    def keys(self, texts: Iterable[str]) -> list[bytes]:
        """The cache key of each text as given to dsql-lint."""
        prefix = hashlib.sha256(self.tool.encode() + b"\0")
        out = []
        for text in texts:
            h = prefix.copy()
            h.update(text.encode("utf-8", "surrogatepass"))
            out.append(h.digest())
        return out

    def open(self) -> None:
        """Open (creating 0700/0600 when missing) and check the file; raises sqlite3.Error/OSError."""
        directory = self.path.parent
        if not directory.is_dir():
            directory.mkdir(parents=True, mode=0o700, exist_ok=True)
            os.chmod(directory, 0o700)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.fstat(fd).st_mode & 0o077:
                os.fchmod(fd, 0o600)
        finally:
            os.close(fd)
        conn = sqlite3.connect(
            self.path, timeout=BUSY_MS / 1000, isolation_level=None, check_same_thread=False
        )
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, FORMAT):
                raise sqlite3.DatabaseError(f"cache format {version} is not {FORMAT}")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA cache_size=-65536")  # 64 MiB at most: inserts land on random pages
            if version == 0:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS lint (key BLOB PRIMARY KEY, diags TEXT NOT NULL, "
                    "used INTEGER NOT NULL) WITHOUT ROWID"
                )
                conn.execute(f"PRAGMA user_version = {FORMAT}")
                conn.execute("COMMIT")
        except BaseException:
            conn.close()
            raise
        self._conn = conn

    def close(self) -> None:
        """Close the connection (idempotent)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def get(self, keys: Sequence[bytes]) -> dict[bytes, tuple[LintDiagnostic, ...]]:
        """The stored diagnostics of the keys found (a row that does not decode is a miss); the
        hits' last-use stamps are refreshed when older than :data:`TOUCH_SECONDS`."""
        conn = self._require()
        found: dict[bytes, tuple[LintDiagnostic, ...]] = {}
        stale: list[bytes] = []
        now = int(self.clock())
        for start in range(0, len(keys), _BATCH):
            batch = keys[start : start + _BATCH]
            marks = ",".join("?" * len(batch))
            for key, diags, used in conn.execute(
                f"SELECT key, diags, used FROM lint WHERE key IN ({marks})",  # noqa: S608 - only ? marks
                batch,
            ):
                entry = _decode(diags)
                if entry is not None:
                    found[bytes(key)] = entry
                    if now - int(used) > TOUCH_SECONDS:
                        stale.append(bytes(key))
        if stale:  # busy or read-only: the stamps only order eviction, the hits stand
            with contextlib.suppress(sqlite3.OperationalError):
                self._write("UPDATE lint SET used = ? WHERE key = ?", [(now, k) for k in stale])
        return found

    def put(self, rows: Sequence[tuple[bytes, Entry]]) -> None:
        """Store new texts' diagnostics and evict beyond :attr:`max_entries`."""
        if not rows:
            return
        now = int(self.clock())
        params = [
            (key, json.dumps(entry, separators=(",", ":")) if entry else "[]", now) for key, entry in rows
        ]
        params.sort()  # in key order, consecutive inserts land on neighbouring pages of the tree
        self._write("INSERT OR REPLACE INTO lint (key, diags, used) VALUES (?, ?, ?)", params)
        count = int(self._require().execute("SELECT count(*) FROM lint").fetchone()[0])
        if count > self.max_entries:
            drop = count - int(self.max_entries * 0.9)
            self._write(
                "DELETE FROM lint WHERE key IN (SELECT key FROM lint ORDER BY used LIMIT ?)", [(drop,)]
            )

    def entries(self) -> int:
        """How many texts the file holds."""
        return int(self._require().execute("SELECT count(*) FROM lint").fetchone()[0])

    def _write(self, sql: str, params: list[tuple[Any, ...]]) -> None:
        conn = self._require()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany(sql, params)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def _require(self) -> sqlite3.Connection:
        if self._conn is None:
            raise sqlite3.ProgrammingError("lint cache is not open")
        return self._conn


def _decode(raw: Any) -> tuple[LintDiagnostic, ...] | None:
    """A stored value as diagnostics, or None when it is not one (then the text is linted again)."""
    try:
        entry = json.loads(raw)
        return tuple(
            LintDiagnostic(str(r), int(n), str(m), str(s), str(fs), str(fd), str(p))
            for r, n, m, s, fs, fd, p in entry
        )
    except (TypeError, ValueError):
        return None


def open_lint_cache(version: str, executable: str) -> tuple[LintCache | None, str | None]:
    """The cache for this dsql-lint, or None and why not (a note; never raises)."""
    if not lint_cache_enabled():
        return None, None
    try:
        cache = LintCache(cache_dir() / FILE_NAME, f"{version}:{binary_digest(executable)}")
        cache.open()
    except (sqlite3.Error, OSError, ValueError, RuntimeError) as exc:  # RuntimeError: no home directory
        return None, f"the dsql-lint cache was not used ({describe_error(exc)})"
    return cache, None


def describe_error(exc: BaseException) -> str:
    """A one-line reason for a cache failure (no traceback, no path beyond the cache's own)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def run_dsql_lint_cached(
    texts: Sequence[str],
    schema_sql: str | None = None,
    *,
    include: Sequence[int] | None = None,
    executable: str | None = None,
) -> LintRun:
    """:func:`~costmodel.readiness.dsqllint.run_dsql_lint` that takes the texts already in the
    cache from it and lints only the others (and the schema), then stores them.

    Give it texts with their literals scrubbed (:func:`~costmodel.core.redact.lint_text`): what it
    stores must be what a default report may show. Every workload diagnostic it returns, cached or
    not, has an empty preview (none is stored), so a warm run returns exactly what a cold one did.
    The cache off or unusable, it is ``run_dsql_lint`` (plus a note saying why, when it failed).
    """
    exe = executable or find_dsql_lint()
    version = dsql_lint_version(exe) if exe is not None else None
    if exe is None or version is None:  # run_dsql_lint says what is missing
        return run_dsql_lint(texts, schema_sql, include=include, executable=exe)
    cache, note = open_lint_cache(version, exe)
    if cache is None:
        return replace(run_dsql_lint(texts, schema_sql, include=include, executable=exe), cache_note=note)
    try:
        return _run_with(cache, texts, schema_sql, include, exe)
    finally:
        cache.close()


def _run_with(
    cache: LintCache, texts: Sequence[str], schema_sql: str | None, include: Sequence[int] | None, exe: str
) -> LintRun:
    todo = list(range(len(texts)) if include is None else include)
    started = time.perf_counter()
    try:
        keys = cache.keys(texts[i] for i in todo)
        found = cache.get(keys)
    except (sqlite3.Error, OSError) as exc:
        run = run_dsql_lint(texts, schema_sql, include=todo, executable=exe)
        return replace(run, cache_note=f"the dsql-lint cache was not used ({describe_error(exc)})")
    hits = {i: found[k] for i, k in zip(todo, keys, strict=True) if k in found}
    misses = [i for i in todo if i not in hits]
    run = run_dsql_lint(texts, schema_sql, include=misses, executable=exe)
    if not run.available:
        return run
    per_text = list(run.statements)
    new: list[tuple[bytes, Entry]] = []
    for i, key in zip(todo, keys, strict=True):
        if i in hits:
            per_text[i] = hits[i]
            continue
        per_text[i] = tuple(replace(d, preview="") for d in run.statements[i]) if run.statements[i] else ()
        entry = [_entry_of(d) for d in per_text[i]]
        if not any(is_tokenizer_failure(d) for d in run.statements[i]):
            new.append((key, entry))  # a tokenizer failure's line depends on its neighbours: not kept
    note = None
    try:
        cache.put(new)
    except (sqlite3.Error, OSError) as exc:
        note = f"the dsql-lint cache was not updated ({describe_error(exc)})"
    return replace(
        run,
        statements=tuple(per_text),
        seconds=time.perf_counter() - started,
        cached=True,
        from_cache=frozenset(hits),
        cache_note=note,
    )


def _entry_of(diag: LintDiagnostic) -> list[Any]:
    return [
        diag.rule,
        diag.line,
        diag.message,
        diag.suggestion,
        diag.fix_status,
        diag.fix_detail,
        diag.preview,
    ]
