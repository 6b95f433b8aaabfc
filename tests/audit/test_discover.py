"""Bad input never crashes: skipped files carry their reason, symlinks leaving DIR are not followed."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from costmodel.audit import audit_code
from costmodel.audit.discover import discover
from costmodel.cli import main


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    (root / "src").mkdir(parents=True)
    (root / "src" / "repo.py").write_text(
        'q = "SELECT * FROM t WHERE id = %s FOR UPDATE"\n', encoding="utf-8"
    )
    (root / "src" / "big.py").write_text("x = 1\n" * 50, encoding="utf-8")
    (root / "src" / "blob.go").write_bytes(b"package m\x00\x01\x02")
    (root / "src" / "latin1.java").write_bytes('class A { String s = "caf\xe9"; }'.encode("latin-1"))
    (root / "notes.txt").write_text("SELECT * FROM t FOR UPDATE\n", encoding="utf-8")
    (root / "node_modules").mkdir()
    (root / "node_modules" / "lib.js").write_text("x", encoding="utf-8")
    outside = tmp_path / "secret.py"
    outside.write_text('q = "DELETE FROM secrets"\n', encoding="utf-8")
    os.symlink(outside, root / "src" / "link.py")
    os.symlink(tmp_path, root / "up")
    os.symlink(root / "src" / "repo.py", root / "inside.py")
    return root


def test_skipped_with_reasons(tree: Path) -> None:
    files, skipped = discover(tree, max_bytes=100)
    reasons = {s.path: s.reason for s in skipped}
    assert {f.path for f in files} == {"src/repo.py", "inside.py"}
    assert reasons["src/link.py"] == "symlink to outside the directory (not followed)"
    assert reasons["up/"] == "symlink to outside the directory (not followed)"
    assert reasons["src/big.py"].startswith("over the size cap (300 > 100 bytes)")
    assert reasons["src/blob.go"] == "binary file"
    assert reasons["src/latin1.java"].startswith("not UTF-8 text")
    assert reasons["notes.txt"] == "unsupported language (.txt)"
    assert reasons["node_modules/"] == "tool or dependency folder"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files without permission bits")
def test_unreadable_file(tree: Path) -> None:
    target = tree / "src" / "repo.py"
    target.chmod(0)
    try:
        _, skipped = discover(tree)
    finally:
        target.chmod(0o644)
    assert any(s.path == "src/repo.py" and s.reason.startswith("unreadable") for s in skipped)


def test_audit_never_reads_outside(tree: Path) -> None:
    audit = audit_code(tree)
    assert all("secrets" not in lit.sql for lit in audit.literals)
    assert [lit.sql for lit in audit.literals if lit.path == "src/repo.py"] == [
        "SELECT * FROM t WHERE id = $1 FOR UPDATE"
    ]


def test_cli_json_csv_and_fail_on(tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit-code", str(tree), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["kind"] == "code-audit" and data["schema_version"] == 1
    assert any(s["reason"] == "binary file" for s in data["skipped"])
    assert (
        main(
            [
                "audit-code",
                str(tree),
                "--fail-on",
                "no-retry",
                "--format",
                "csv",
                "--out",
                str(tmp_path / "f.csv"),
            ]
        )
        == 1
    )
    rows = (tmp_path / "f.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("kind,severity,id,file,line")
    assert any(r.startswith("no-retry,") and ",src/repo.py,1," in r for r in rows)
    for fmt in ("table", "markdown", "html"):
        assert main(["audit-code", str(tree), "--format", fmt]) == 0
        assert "src/repo.py" in capsys.readouterr().out


def test_missing_directory_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit-code", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert "directory not found" in err and "Traceback" not in err
