"""Fuzzed ``dsqlcost ingest FILE``: exit 0 with the summary, or exit 2 with one line on stderr, never a traceback.

Same mutations as ``test_fuzz_ingest.py`` (all families mixed), through :func:`costmodel.cli.main`
so that argument handling, the error printer and the summary renderer are exercised too. A valid
input (by the oracle) must exit 0, an invalid one 2; stderr is exactly one ``dsqlcost ingest:
error: …`` line and never mentions the last-resort ``unexpected`` net.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.data.fuzz_checks import run_cli_case
from benchmarks.data.fuzz_mutations import RandomChooser, make_case
from costmodel.cli import main
from tests.fuzz.test_fuzz_ingest import ram_directory


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield from ram_directory(tmp_path_factory, "fuzz-cli")


@settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(seed=st.integers(0, 2**40))
def test_fuzz_cli_ingest_exits_0_or_2_with_one_line(seed: int, workdir: Path) -> None:
    case = make_case(RandomChooser(seed))
    outcome = run_cli_case(case, workdir)
    assert not outcome.problems, f"seed {seed}: {case.describe()}\n  -> {outcome.message}\n  " + "\n  ".join(
        outcome.problems
    )


def test_the_cli_check_notices_a_traceback(tmp_path: Path) -> None:
    """The CLI check is not vacuous: a missing file is one line and exit 2, and the summary is exit 0."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["ingest", str(tmp_path / "missing.csv"), "--window", "1h"])
    assert code == 2
    assert err.getvalue().count("\n") == 1
    assert err.getvalue().startswith("dsqlcost ingest: error: ")
    assert "missing.csv" in err.getvalue()
