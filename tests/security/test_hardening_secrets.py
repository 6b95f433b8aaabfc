"""Hardening II (issue 16), row 3: no secret at rest, none on a command line; row 9: lint messages.

Live collections against the throw-away PostgreSQL: a role's ``ALTER ROLE … PASSWORD '…'`` that
pg_stat_statements keeps verbatim must not reach any file of the bundle (unless ``--keep-secrets``),
the bundle is private (0700 directory, 0600 files), and pg_dump never sees ``sslpassword`` on its
command line (a wrapper around the real pg_dump records what it was given). The dsql-lint finding
for ``COPY … FROM PROGRAM 'curl -u admin:…'`` must not quote the command in any report format.
"""

from __future__ import annotations

import gzip
import stat
from pathlib import Path

import psycopg
import pytest

from costmodel.collect import bundle as bundle_module
from tests.conftest import PgDatabase
from tests.data.ingest import builders as b
from tests.security.support import run_cli

ROLE_SECRET = "Hunter2-role-secret-9f3a"
SSL_SECRET = "ssl-key-passphrase-77c1"


def _files_text(root: Path) -> str:
    parts = []
    for path in sorted(root.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            parts.append((gzip.decompress(data) if path.suffix == ".gz" else data).decode("utf-8", "replace"))
    return "\n".join(parts)


@pytest.fixture
def role_with_password(pg_db: PgDatabase) -> str:
    """A role whose password was set by a statement pg_stat_statements recorded in pg_db."""
    role = f"victim_{pg_db.name}"
    pg_db.server.execute(f'DROP ROLE IF EXISTS "{role}"')
    pg_db.server.execute(f'CREATE ROLE "{role}" LOGIN')
    with psycopg.connect(pg_db.dsn, autocommit=True) as conn:
        conn.execute(f"ALTER ROLE \"{role}\" PASSWORD '{ROLE_SECRET}'")
        conn.execute("CREATE TABLE IF NOT EXISTS t (id int PRIMARY KEY, note text)")
        conn.execute("INSERT INTO t VALUES (1, 'x') ON CONFLICT DO NOTHING")
        rows = conn.execute(
            "SELECT count(*) FROM pg_stat_statements WHERE query LIKE %s", (f"%{ROLE_SECRET}%",)
        )
        found = rows.fetchone()
        assert found is not None and found[0] >= 1, "the server did not record the statement verbatim"
    return role


@pytest.mark.parametrize("gz", [False, True])
def test_collect_redacts_passwords_in_snapshots(
    pg_db: PgDatabase, role_with_password: str, tmp_path: Path, gz: bool
) -> None:
    out = tmp_path / "bundle"
    code, _, stderr = run_cli(
        ["collect", "--dsn", pg_db.dsn, "--out", str(out), "--once", *(["--gzip"] if gz else [])]
    )
    assert code == 0, stderr
    text = _files_text(out)
    assert ROLE_SECRET not in text
    assert "PASSWORD $" in text  # the statement is kept, its literal replaced
    code, _, stderr = run_cli(["ingest", str(out), "--format", "json"])
    assert code == 0, stderr  # and the bundle still reads


def test_keep_secrets_keeps_the_texts_and_the_bundle_is_private(
    pg_db: PgDatabase, role_with_password: str, tmp_path: Path
) -> None:
    out = tmp_path / "bundle"
    code, _, stderr = run_cli(["collect", "--dsn", pg_db.dsn, "--out", str(out), "--once", "--keep-secrets"])
    assert code == 0, stderr
    assert ROLE_SECRET in _files_text(out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in out.rglob("*") if p.is_file()}
    assert modes and set(modes.values()) == {0o600}, modes


def test_collect_refuses_a_symlink_as_out(pg_db: PgDatabase, tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "bundle"
    link.symlink_to(real)
    code, _, stderr = run_cli(["collect", "--dsn", pg_db.dsn, "--out", str(link), "--once"])
    assert code == 2 and "symbolic link" in stderr, stderr
    assert list(real.iterdir()) == []


@pytest.fixture
def recording_pg_dump(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A pg_dump that records its argv, its service file's mode and content, then runs the real one."""
    real, major = bundle_module.find_pg_dump()
    if real is None or major is None:
        pytest.skip("pg_dump not installed")
    record = tmp_path / "record.txt"
    wrapper = tmp_path / "pg_dump"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" "$@" > {record}\n'
        f'if [ -n "$PGSERVICEFILE" ]; then stat -c "mode=%a" "$PGSERVICEFILE" >> {record}; '
        f'cat "$PGSERVICEFILE" >> {record}; fi\n'
        f'exec {real} "$@"\n'
    )
    wrapper.chmod(0o755)
    monkeypatch.setattr(bundle_module, "find_pg_dump", lambda: (str(wrapper), major))
    return record


def test_sslpassword_never_reaches_pg_dump_command_line(
    pg_db: PgDatabase, recording_pg_dump: Path, tmp_path: Path
) -> None:
    dsn = f"{pg_db.dsn}{'&' if '?' in pg_db.dsn else '?'}sslmode=disable&sslpassword={SSL_SECRET}"
    out = tmp_path / "bundle"
    code, stdout, stderr = run_cli(["collect", "--dsn", dsn, "--out", str(out), "--once"])
    assert code == 0, stderr
    assert (out / "schema.sql").is_file(), stderr
    record = recording_pg_dump.read_text()
    argv, _, service = record.partition("\nmode=")
    assert SSL_SECRET not in argv and "sslpassword" not in argv
    assert service.startswith("600") and SSL_SECRET in service  # given through a private service file
    assert SSL_SECRET not in _files_text(out) + stdout + stderr


# ======================================================================== lint messages

COPY_SECRET = "admin:Curl-pw-5e1b"


@pytest.fixture(scope="module")
def copy_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rows = b.make_rows(
        b.PG16,
        2,
        query=[f"COPY t FROM PROGRAM 'curl -u {COPY_SECRET} https://example.com/t.csv'", "SELECT 1"],
    )
    return b.write(tmp_path_factory.mktemp("copy") / "pgss.csv", b.csv_text(rows))


@pytest.mark.parametrize("fmt", ["table", "json", "markdown", "html"])
def test_lint_findings_never_quote_literals(copy_export: Path, fmt: str) -> None:
    code, stdout, stderr = run_cli(["report", str(copy_export), "--format", fmt, "--width", "200"])
    assert code == 0, stderr
    assert "COPY" in stdout
    assert COPY_SECRET not in stdout and "Curl-pw" not in stdout


def test_readiness_findings_never_quote_literals(copy_export: Path) -> None:
    for fmt in ("json", "markdown", "table"):
        code, stdout, stderr = run_cli(["readiness", str(copy_export), "--format", fmt])
        assert code == 0, stderr
        assert "Curl-pw" not in stdout
    code, stdout, _ = run_cli(["readiness", str(copy_export), "--format", "json", "--show-literals"])
    assert COPY_SECRET in stdout  # asked for


def test_dashboard_findings_never_quote_literals(copy_export: Path) -> None:
    from costmodel.scenario.model import load_scenario
    from dashboard.state import UploadCache

    cache = UploadCache()
    try:
        entry = cache.add_file(copy_export)
        run = cache.run(entry.key, load_scenario(None))
        assert "Curl-pw" not in repr(run.report) and "Curl-pw" not in repr(run.full_report)
    finally:
        cache.close()


def test_lint_sees_no_literal_on_disk(copy_export: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from costmodel.readiness import dsqllint

    seen: list[str] = []
    original = dsqllint._invoke

    def spy(executable: str, files: list[Path]) -> dict[str, object]:
        seen.extend(p.read_text() for p in files)
        return original(executable, files)

    monkeypatch.setattr(dsqllint, "_invoke", spy)
    code, _, stderr = run_cli(["report", str(copy_export), "--format", "json"])
    assert code == 0, stderr
    assert seen and not any("Curl-pw" in text for text in seen)
    assert any("PROGRAM '$" in text for text in seen)
