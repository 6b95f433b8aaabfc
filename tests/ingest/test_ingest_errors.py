"""Bad input: one-line IngestErrors naming file, row/line and column; exit code 2 through the CLI.

Cases live in ``tests/data/ingest/bad_inputs.yaml`` (ids are ``file:line``). A hypothesis fuzz
test mutates valid exports and checks that any result is either a Workload or an IngestError —
and that the safety net for unexpected exceptions was never needed.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from costmodel.cli import main as cli_main
from costmodel.core.errors import IngestError
from costmodel.ingest.load import load_workload
from tests.data.ingest import builders as b

CASES_FILE = Path(__file__).parents[1] / "data" / "ingest" / "bad_inputs.yaml"


def _cases() -> list[Any]:
    text = CASES_FILE.read_text(encoding="utf-8")
    nodes = yaml.compose(text).value  # type: ignore[union-attr]
    cases = yaml.safe_load(text)
    rel = CASES_FILE.relative_to(Path(__file__).parents[1].parent)
    return [pytest.param(case, id=f"{rel}:{node.start_mark.line + 1}") for node, case in zip(nodes, cases)]


def _write(tmp_path: Path, case: dict[str, Any]) -> Path:
    if "bytes_hex" in case:
        data = bytes.fromhex(case["bytes_hex"])
    else:
        data = case["content"].encode(case.get("encoding", "utf-8"))
    if case.get("gzip"):
        data = gzip.compress(data)
    path = tmp_path / case["name"]
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("case", _cases())
def test_bad_input_is_a_located_ingest_error(tmp_path: Path, case: dict[str, Any]) -> None:
    path = _write(tmp_path, case)
    with pytest.raises(IngestError) as info:
        load_workload([path], window="1h")
    error = info.value
    message = str(error)
    assert "\n" not in message
    assert case["name"] in message
    for fragment in case["message"]:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    if "row" in case:
        assert error.row == case["row"]
    if "column" in case:
        assert error.column == case["column"]
        assert f"column '{case['column']}'" in message
    if "line" in case:
        assert f"line {case['line']}" in message
    assert "unexpected" not in message  # the safety net was not needed


@pytest.mark.parametrize("case", _cases()[::4])
def test_bad_input_through_the_cli_exits_2_with_one_line(
    tmp_path: Path, case: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, case)
    code = cli_main(["ingest", str(path), "--window", "1h"])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dsqlcost ingest: error: ")
    assert case["name"] in lines[0]
    if "row" in case:
        assert f"data row {case['row']}" in lines[0]
    if "column" in case:
        assert f"column '{case['column']}'" in lines[0]
    assert "Traceback" not in captured.err


def test_cli_names_row_and_column_of_text_in_a_numeric_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = b.make_rows(b.PG16, 3)
    rows[2]["shared_blks_hit"] = "oops"
    path = b.write(tmp_path / "pgss.csv", b.csv_text(rows))
    assert cli_main(["ingest", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:3: column 'shared_blks_hit': value 'oops' is not a number (data row 3, line 4)" in err


def test_missing_file_and_missing_since(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["ingest", str(tmp_path / "nope.csv")]) == 2
    assert "nope.csv: file not found" in capsys.readouterr().err
    path = b.write(tmp_path / "pgss.csv", b.csv_text(b.make_rows(b.PG16, 1)))
    assert cli_main(["ingest", str(path), "--since", str(tmp_path / "gone.csv")]) == 2
    assert "gone.csv: file not found" in capsys.readouterr().err


def test_safety_net_turns_surprises_into_ingest_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import costmodel.ingest.load as ingest

    def boom(*_: object, **__: object) -> None:
        raise KeyError("surprise")

    monkeypatch.setattr(ingest, "normalise", boom)
    path = b.write(tmp_path / "pgss.csv", b.csv_text(b.make_rows(b.PG16, 1)))
    with pytest.raises(IngestError, match="unexpected KeyError"):
        load_workload([path])


# ----------------------------------------------------------------------------------- fuzzing

SEEDS: dict[str, bytes] = {
    "csv": b.csv_text(b.make_rows([*b.PG16, "datname"], 4, query=list(b.NASTY_TEXTS[:4]))).encode(),
    "json": b.json_text(
        b.make_rows(b.GENERATIONS["1.11"]["columns"], 3, query=list(b.NASTY_TEXTS[:3]))
    ).encode(),
    "jsonl": b.jsonl_text(b.make_rows(b.GENERATIONS["1.7"]["columns"], 3)).encode(),
    "copy": b.copy_text(b.make_rows(b.PG16, 3, query=["a\tb", None, "c\nd"])).encode(),
    "unaligned": b.unaligned_text(b.make_rows(b.PG16, 3)).encode(),
}
INTERESTING = [
    b",",
    b'"',
    b"\n",
    b"\r\n",
    b"\t",
    b"\\",
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b"-",
    b"e",
    b".",
    b"\x00",
    b"\xff",
    b"\xc3",
    b"7",
    b"x",
    b"|",
    b"\\N",
    b"null",
    b"true",
    b"(2 rows)\n",
    b"NaN",
    b"-1",
]


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    kind = draw(st.sampled_from(sorted(SEEDS)))
    data = bytearray(SEEDS[kind])
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["cut", "delete", "insert", "replace", "dup-line"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "cut":
            del data[at:]
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif op == "insert":
            data[at:at] = draw(st.sampled_from(INTERESTING))
        elif op == "replace" and data:
            data[at : at + 1] = draw(st.sampled_from(INTERESTING))
        else:
            lines = bytes(data).split(b"\n")
            if lines:
                index = draw(st.integers(0, len(lines) - 1))
                lines.insert(index, lines[index])
                data = bytearray(b"\n".join(lines))
    if draw(st.booleans()):
        return kind, gzip.compress(bytes(data))
    return kind, bytes(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=mutated())
def test_fuzzed_exports_give_a_workload_or_an_ingest_error(tmp_path: Path, case: tuple[str, bytes]) -> None:
    kind, data = case
    path = tmp_path / f"fuzz.{kind}"
    path.write_bytes(data)
    try:
        workload = load_workload([path], window="1h", include_nested=True)
    except IngestError as exc:
        message = str(exc)
        assert "unexpected" not in message, message  # a real, explained error
        assert "\n" not in message
        return
    s = workload.statements
    assert workload.rows_read == int(s["merged_rows"].sum()) + sum(workload.excluded.values())
    for column in ("calls", "total_exec_time"):
        assert (s[column] >= 0).all()
