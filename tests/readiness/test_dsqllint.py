"""The dsql-lint runner against the real binary: rule ids, line mapping, recovery, missing tool.

The rule table (tests/cases/readiness/dsqllint.yaml) is reference/dsql-compatibility.md §5.1. All
statements of the table are linted in ONE dsql-lint run, the way readiness runs it over an
export, so the test also proves that diagnostics map back to the right statement.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from costmodel.readiness.dsqllint import (
    CHUNK_TEXTS,
    LintRun,
    dsql_lint_version,
    find_dsql_lint,
    run_dsql_lint,
    strip_meta_commands,
)

CASES = Path(__file__).parents[1] / "cases" / "readiness" / "dsqllint.yaml"

pytestmark = pytest.mark.skipif(find_dsql_lint() is None, reason="dsql-lint is not installed")


def _cases() -> list[Any]:
    text = CASES.read_text(encoding="utf-8")
    nodes = yaml.compose(text).value  # type: ignore[union-attr]
    return [
        pytest.param(i, case, id=f"{CASES.name}:{node.start_mark.line + 1}")
        for i, (node, case) in enumerate(zip(nodes, yaml.safe_load(text)))
    ]


@lru_cache(maxsize=1)
def _all_at_once() -> LintRun:
    texts = [case["sql"] for case in yaml.safe_load(CASES.read_text(encoding="utf-8"))]
    return run_dsql_lint(texts)


@pytest.mark.parametrize(("index", "case"), _cases())
def test_rule_ids_mapped_back_to_their_statement(index: int, case: dict[str, Any]) -> None:
    run = _all_at_once()
    assert run.available and run.invocations == 1
    diags = run.statements[index]
    assert sorted({d.rule for d in diags}) == sorted(case["rules"]), [d.message for d in diags]
    if "status" in case:
        assert {d.fix_status for d in diags} == {case["status"]}


def test_version_is_recorded() -> None:
    exe = find_dsql_lint()
    assert exe is not None
    version = dsql_lint_version(exe)
    assert version is not None and version.count(".") == 2
    assert tuple(int(p) for p in version.split(".")[:2]) >= (0, 2)
    assert run_dsql_lint(["SELECT 1"]).version == version


def test_multiline_texts_comments_and_begin_blocks() -> None:
    texts = [
        "SELECT a -- trailing comment swallows nothing",
        "BEGIN",
        "CREATE TABLE t (\n  id serial PRIMARY KEY,\n  v text\n)",
        "INSERT INTO t (v) VALUES ($1)",
        "COMMIT;",
        "TRUNCATE t",
    ]
    run = run_dsql_lint(texts)
    rules = [sorted(d.rule for d in diags) for diags in run.statements]
    # no mixed_ddl_dml_transaction: separate pgss texts never share a transaction
    assert rules == [[], [], ["serial_type"], [], [], ["truncate"]]
    assert run.statements[2][0].line > 1


def test_include_lints_only_the_chosen_texts() -> None:
    run = run_dsql_lint(["TRUNCATE a", "TRUNCATE b", "TRUNCATE c"], include=[0, 2])
    assert [len(d) for d in run.statements] == [1, 0, 1]


@pytest.mark.parametrize(
    "broken",
    ["SELECT 'unterminated", "SELECT $$ unterminated", "SELECT 1 /* unterminated", 'SELECT "unterminated'],
)
def test_tokenizer_failure_drops_one_text_and_lints_the_rest(broken: str) -> None:
    texts = ["CREATE INDEX i ON t (c)", "SELECT 1", broken, "TRUNCATE t", "LISTEN x"]
    run = run_dsql_lint(texts)
    assert run.available
    assert [d.rule for d in run.statements[2]] == ["parse_error"]
    assert [d.rule for d in run.statements[0]] == ["index_async"]
    assert [d.rule for d in run.statements[3]] == ["truncate"]
    assert [d.rule for d in run.statements[4]] == ["unsupported_listen"]
    assert any("tokenize" in n for n in run.notes)


def test_schema_file_in_the_same_run(tmp_path: Path) -> None:
    schema = "\\restrict abc\nCREATE TABLE t (id serial);\n\nCREATE TRIGGER x AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();\n\\unrestrict abc\n"
    run = run_dsql_lint(["TRUNCATE t"], schema)
    assert run.invocations == 1
    assert [(d.rule, d.line) for d in run.schema] == [("serial_type", 2), ("unsupported_create_trigger", 4)]
    assert strip_meta_commands(schema).count("\n") == schema.count("\n")


def test_missing_binary_is_reported_not_raised(tmp_path: Path) -> None:
    run = run_dsql_lint(["TRUNCATE t"], executable=str(tmp_path / "no-such-dsql-lint"))
    assert not run.available
    assert run.error and "failed" in run.error
    assert run.statements == ((),)


def test_five_thousand_statements_in_parallel_chunks() -> None:
    texts = [f"UPDATE t{i % 50} SET a = $1 WHERE id = $2" for i in range(4990)] + ["TRUNCATE t"] * 10
    run = run_dsql_lint(texts)
    assert run.invocations == -(-len(texts) // CHUNK_TEXTS)  # one process per chunk of texts
    assert [i for i, d in enumerate(run.statements) if d] == list(
        range(4990, 5000)
    )  # mapped back across chunks
    assert run.seconds < 10
