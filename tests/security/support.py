"""Helpers the security and hardening tests share (not tests themselves)."""

from __future__ import annotations

import contextlib
import io

from costmodel.cli import main


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """``dsqlcost ARGV`` in-process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def one_line_error(code: int, stderr: str) -> str:
    """The one line a bad input gives (exit 2, no traceback)."""
    assert code == 2, stderr
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]
