"""Golden files: ``tests/golden/<name>`` compared byte for byte, rewritten by ``pytest --update-golden``.

Why a plugin module: the option must be registered where pytest looks at startup (a root
conftest or a plugin), and ``tests/conftest.py`` is shared; it only lists this module in
``pytest_plugins``, so golden handling stays in one file owned by the report tests.

Workflow (like infracost's ``-update``): change a renderer, run ``pytest --update-golden``, review
``git diff tests/golden`` as part of the change. A missing or different golden file fails with a
short unified diff and the command that regenerates it.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

import pytest

GOLDEN_DIR = Path(__file__).parent / "golden"
DIFF_LINES = 80


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("golden", "golden files")
    group.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/golden/* from the current output instead of comparing (review the git diff)",
    )


@dataclass(frozen=True)
class Golden:
    """Compares output with ``tests/golden/<name>``, or rewrites the file in update mode."""

    update: bool
    directory: Path = GOLDEN_DIR

    def check(self, name: str, actual: str | bytes) -> None:
        data = actual.encode("utf-8") if isinstance(actual, str) else actual
        path = self.directory / name
        if self.update:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists() or path.read_bytes() != data:
                path.write_bytes(data)
            return
        if not path.exists():
            pytest.fail(
                f"golden file tests/golden/{name} is missing: run `pytest --update-golden` and review it"
            )
        expected = path.read_bytes()
        if expected == data:
            return
        diff = difflib.unified_diff(
            expected.decode("utf-8", "replace").splitlines(keepends=True),
            data.decode("utf-8", "replace").splitlines(keepends=True),
            fromfile=f"tests/golden/{name}",
            tofile="actual",
        )
        shown = "".join(list(diff)[:DIFF_LINES])
        pytest.fail(
            f"output differs from tests/golden/{name} (run `pytest --update-golden` if the change is intended):\n{shown}",
            pytrace=False,
        )


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Golden:
    """The golden-file checker; ``golden.check("case.txt", output)``."""
    return Golden(update=bool(request.config.getoption("--update-golden")))
