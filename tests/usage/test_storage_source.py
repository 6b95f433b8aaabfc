"""Where stored GB come from, on a real export of a real database (its true size from the server)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import psycopg
import pytest

from costmodel.cli import main as cli_main
from costmodel.usage.model import BYTES_PER_GB


@pytest.fixture
def export(pg_db, tmp_path: Path) -> tuple[Path, int]:  # type: ignore[no-untyped-def]
    with psycopg.connect(pg_db.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE items (id int PRIMARY KEY, body text)")
        conn.execute("INSERT INTO items SELECT g, repeat('x', 200) FROM generate_series(1, 2000) g")
        for i in range(50):
            conn.execute("SELECT body FROM items WHERE id = %s", (i + 1,))
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()
    assert size is not None
    select = (
        "SELECT s.* FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid "
        "WHERE d.datname = current_database() AND s.query NOT LIKE '%pg_stat_statements%'"
    )
    args = [pg_db.server.tool("psql"), "-X", "--csv", "-c", select]
    out = subprocess.run(args, capture_output=True, env=pg_db.server.env(pg_db.name), timeout=60, check=True)
    path = tmp_path / "pgss.csv"
    path.write_bytes(out.stdout)
    return path, int(size[0])


def _report(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> dict:  # type: ignore[type-arg]
    assert cli_main(["report", str(path), "--window", "1h", "--format", "json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def _storage(report: dict) -> dict:  # type: ignore[type-arg]
    return next(a for a in report["assumptions"] if a["key"] == "storage_gb")


def test_default_storage_is_named_next_to_the_verdict(export, capsys) -> None:  # type: ignore[no-untyped-def]
    report = _report(export[0], capsys)
    assert _storage(report)["source"] == "default"
    assert any(c.startswith("storage assumed: 10 GB") for c in report["verdict"]["caveats"])


def test_meta_yaml_database_size_is_used(export, capsys) -> None:  # type: ignore[no-untyped-def]
    path, size = export
    Path(f"{path}.meta.yaml").write_text(f"window: 1h\ndatabase_size_bytes: {size}\n")
    report = _report(path, capsys)
    assert _storage(report)["value"] == pytest.approx(size / BYTES_PER_GB)
    assert _storage(report)["source"] == "measured"
    assert not any(c.startswith("storage assumed") for c in report["verdict"]["caveats"])
    given = _report(path, capsys, "--storage-gb", "2500")
    assert _storage(given)["value"] == 2500 and _storage(given)["source"] == "scenario"
