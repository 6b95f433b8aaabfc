"""Shared pytest fixtures.

PostgreSQL (``tests/pgserver.py``): one throw-away server per test session, started on first use.

* ``pg_server`` (session): the running :class:`tests.pgserver.PgServer`; skips with a reason only
  when no PostgreSQL ≥ 12 server binaries exist (``make test`` installs them).
* ``pg_db`` (function): a fresh, empty database on it with pg_stat_statements created, as a
  :class:`PgDatabase` (name, superuser DSN, server).

Tests that use either fixture get the ``postgres`` marker automatically, so ``-m "not postgres"``
deselects them; they, the browser, LibreOffice and fuzz tests are also ``slow`` (``make test-fast``
runs ``-m "not slow"``).
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.pgserver import PgServer, PgServerError, find_bindir

PG_FIXTURES = frozenset({"pg_server", "pg_db"})

_CACHE_DIR: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    """Never touch the user's real cache: the whole suite (and every CLI it starts in a child
    process, which inherits the environment) gets a throw-away ``DSQLCOST_CACHE_DIR``, and the
    dsql-lint cache is off, so outputs never depend on which test linted a text first. The tests
    of the cache itself turn it on in their own directory (the ``lint_cache`` fixture)."""
    if not _CACHE_DIR:
        _CACHE_DIR.append(tempfile.mkdtemp(prefix="dsqlcost-test-cache-"))
    os.environ["DSQLCOST_CACHE_DIR"] = _CACHE_DIR[0]
    os.environ["DSQLCOST_LINT_CACHE"] = "0"


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the suite's throw-away cache directory."""
    while _CACHE_DIR:
        shutil.rmtree(_CACHE_DIR.pop(), ignore_errors=True)


@pytest.fixture
def lint_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The dsql-lint cache turned on, in a directory of this test's own; returns the directory."""
    directory = tmp_path / "cache"
    monkeypatch.setenv("DSQLCOST_CACHE_DIR", str(directory))
    monkeypatch.setenv("DSQLCOST_LINT_CACHE", "1")
    return directory


SLOW_MARKERS = frozenset({"postgres", "browser", "libreoffice"})
SLOW_FOLDERS = frozenset({"fuzz", "browser"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark PostgreSQL users, and mark as ``slow`` what ``make test-fast`` leaves out: the real
    PostgreSQL, Chromium and LibreOffice tests and the fuzz suites (``make test`` runs everything)."""
    for item in items:
        if PG_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.postgres)
        names = {m.name for m in item.iter_markers()}
        if names & SLOW_MARKERS or SLOW_FOLDERS & set(item.path.parts):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A throw-away PostgreSQL with pg_stat_statements (track=all), stopped at session end."""
    bindir = find_bindir()
    if bindir is None:
        pytest.skip("no PostgreSQL >= 12 server binaries found (run scripts/ensure_system.sh postgres)")
    try:
        server = PgServer.start_new(bindir)
    except PgServerError as exc:
        pytest.fail(f"throw-away PostgreSQL did not start: {exc}")
    try:
        yield server
    finally:
        server.stop()


@dataclass(frozen=True)
class PgDatabase:
    """A fresh database on the session server."""

    name: str
    dsn: str
    """Superuser URL (with password): for the test's own setup only."""
    server: PgServer


_db_numbers = itertools.count(1)


@pytest.fixture
def pg_db(pg_server: PgServer) -> Iterator[PgDatabase]:
    """An empty database with pg_stat_statements created; dropped after the test."""
    name = f"t{next(_db_numbers)}"
    dsn = pg_server.create_database(name)
    yield PgDatabase(name=name, dsn=dsn, server=pg_server)
    if pg_server.running:
        force = " WITH (FORCE)" if pg_server.major >= 13 else ""
        pg_server.execute(f'DROP DATABASE IF EXISTS "{name}"{force}')


# Golden files for the report renderers: the ``--update-golden`` option and the ``golden`` fixture
# live in tests/golden_plugin.py (owned by the report tests); this line only registers it.
pytest_plugins = ["tests.golden_plugin"]
