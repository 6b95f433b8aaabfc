"""Readiness: verdict rules, share arithmetic, dsql-lint missing, the checks file, the document.

Check-by-check behaviour lives in the data-driven cases (tests/cases/readiness/checks.yaml).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from costmodel.readiness.assess import Finding, Shares, Verdict, assess_readiness, verdict_of
from costmodel.readiness.checks import FindingSource, Severity, load_checks
from costmodel.report.readiness_doc import readiness_document, render_markdown, render_text
from tests.readiness.test_readiness_cases import workload_of


def finding(
    severity: str, *, fixable: bool = False, calls: float = 0.1, schema: bool = False, run: bool = False
) -> Finding:
    from costmodel.readiness.assess import SchemaRef

    return Finding(
        id=f"x.{severity}",
        title="t",
        severity=Severity(severity),
        source=FindingSource.CLASSIFICATION,
        sources=(FindingSource.CLASSIFICATION,),
        message="m",
        remediation="r",
        effort="low",
        since=date(2024, 12, 3),
        source_url="https://example.com",
        fixable=fixable,
        stmt_ids=() if run or schema else ("q1",),
        sample_query=None,
        shares=Shares(statements=0 if run or schema else 1, calls=0.0 if run or schema else calls),
        schema_refs=(SchemaRef(3, "CREATE TRIGGER …"),) if schema else (),
    )


# --- verdict rules ---------------------------------------------------------------------------------


def test_verdict_rules() -> None:
    assert verdict_of([]) is Verdict.READY
    assert verdict_of([finding("info")]) is Verdict.READY
    assert verdict_of([finding("warning")]) is Verdict.CHANGES_NEEDED
    assert verdict_of([finding("blocker", fixable=True)]) is Verdict.CHANGES_NEEDED
    assert verdict_of([finding("blocker")]) is Verdict.BLOCKED
    assert verdict_of([finding("blocker", fixable=True), finding("blocker")]) is Verdict.BLOCKED
    # a blocker on statements that never ran does not count ...
    assert verdict_of([finding("blocker", calls=0.0)]) is Verdict.READY
    # ... one in the schema does, and so does a run-level warning (dsql-lint missing)
    assert verdict_of([finding("blocker", schema=True)]) is Verdict.BLOCKED
    assert verdict_of([finding("warning", run=True)]) is Verdict.CHANGES_NEEDED


# --- share arithmetic --------------------------------------------------------------------------------


def test_shares_count_each_statement_once() -> None:
    """Four statements; totals: calls 200, execution 100 ms, cost $10.

    s1 FOR SHARE … SKIP LOCKED   calls 100, 10 ms, $1   blocker for_share + warning queue_lock_wait
    s2 TRUNCATE                  calls  50, 20 ms, $2   blocker truncate
    s3 DELETE 10,000 rows/call   calls  30, 30 ms, $3   blockers rows_per_call + temp_table_use
    s4 pg_advisory_lock          calls  20, 40 ms, $4   warning advisory_lock

    blockers touch s1, s2, s3 once each: calls 180/200 = 90 %, time 60/100 = 60 %, cost 6/10 = 60 %
    warnings touch s1, s4: calls 120/200 = 60 %, time 50/100 = 50 %, cost 5/10 = 50 %
    rows_per_call alone: calls 30/200 = 15 %, time 30 %, cost 30 %
    """
    w = workload_of(
        [
            {
                "query": "SELECT * FROM jobs WHERE id = $1 FOR SHARE SKIP LOCKED",
                "calls": 100,
                "total_exec_time": 10,
            },
            {"query": "TRUNCATE staging", "calls": 50, "total_exec_time": 20},
            {
                "query": "DELETE FROM big WHERE created < $1",
                "calls": 30,
                "total_exec_time": 30,
                "rows": 300_000,
                "local_blks_hit": 30,
            },
            {"query": "SELECT pg_advisory_lock($1)", "calls": 20, "total_exec_time": 40},
        ]
    )
    w = w.with_statements(w.statements.set_index(pd.Index([10, 20, 30, 40])))
    cost = pd.Series([1.0, 2.0, 3.0, 4.0], index=[10, 20, 30, 40])
    r = assess_readiness(w, statement_cost=cost)
    by_id = {f.id: f for f in r.findings}
    assert set(by_id) == {
        "for_share",
        "queue_lock_wait",
        "truncate",
        "rows_per_call",
        "temp_table_use",
        "advisory_lock",
    }
    blockers, warnings = r.by_severity[Severity.BLOCKER], r.by_severity[Severity.WARNING]
    assert (blockers.statements, blockers.calls, blockers.exec_time, blockers.cost) == pytest.approx(
        (3, 0.9, 0.6, 0.6)
    )
    assert (warnings.statements, warnings.calls, warnings.exec_time, warnings.cost) == pytest.approx(
        (2, 0.6, 0.5, 0.5)
    )
    rows = by_id["rows_per_call"].shares
    assert (rows.calls, rows.exec_time, rows.cost) == pytest.approx((0.15, 0.3, 0.3))
    assert (
        by_id["rows_per_call"].detail
        == "highest rows written per call: 10,000 rows (s3); threshold 3,000 rows"
    )
    assert (
        r.summary
        == "blockers touch 90% of calls and 60% of cost; warnings touch 60% of calls and 50% of cost"
    )
    assert r.verdict is Verdict.BLOCKED
    assert r.blocking.calls == pytest.approx(0.9)
    assert r.statements.loc[10, "worst_severity"] == "blocker"
    assert set(r.statements.loc[10, "findings"]) == {"for_share", "queue_lock_wait"}
    assert r.statements.loc[40, "worst_severity"] == "warning"
    assert by_id["truncate"].stmt_ids == ("s2",)
    assert by_id["truncate"].sample_query == "TRUNCATE staging"


def test_without_cost_the_summary_uses_execution_time() -> None:
    w = workload_of(
        [{"query": "TRUNCATE t", "calls": 1, "total_exec_time": 30}, {"query": "SELECT 1", "calls": 3}]
    )
    r = assess_readiness(w)
    assert r.summary == "blockers touch 25% of calls and 97% of execution time"
    assert r.findings[0].shares.cost is None


def test_fixable_blockers_say_how_much_needs_redesign() -> None:
    w = workload_of([{"query": "TRUNCATE t", "calls": 1}, {"query": "CREATE INDEX i ON t (c)", "calls": 3}])
    r = assess_readiness(w)
    assert "(25% of calls without a mechanical fix)" in r.summary


# --- the syntax check and classification -------------------------------------------------------------


def test_missing_dsql_lint_is_a_finding() -> None:
    w = workload_of([{"query": "SELECT 1", "calls": 10}, {"query": "SELECT * FROM t FOR SHARE", "calls": 1}])
    r = assess_readiness(w, lint_executable="/nonexistent/dsql-lint")
    ids = [f.id for f in r.findings]
    assert "syntax_check_not_run" in ids and "for_share" in ids  # classification still ran
    assert not r.lint.ran and r.summary.endswith("syntax check not run")
    clean = assess_readiness(workload_of([{"query": "SELECT 1"}]), lint_executable="/nonexistent/dsql-lint")
    assert clean.verdict is Verdict.CHANGES_NEEDED
    assert clean.to_dict()["dsql_lint"]["ran"] is False


def test_unclassified_workload_is_classified_here() -> None:
    classified = workload_of([{"query": "SELECT * INTO t2 FROM t"}, {"query": "TRUNCATE t"}])
    raw = classified.with_statements(
        classified.statements[["stmt_id", "query", "calls", "total_exec_time", "rows"]]
    )
    assert {f.id for f in assess_readiness(raw).findings} == {
        f.id for f in assess_readiness(classified).findings
    }


def test_duplicate_texts_are_linted_once_and_both_touched() -> None:
    w = workload_of([{"query": "TRUNCATE t", "calls": 1}, {"query": "TRUNCATE t", "calls": 2}])
    r = assess_readiness(w)
    assert r.lint.texts_linted == 1
    assert set(r.findings[0].stmt_ids) == {"s1", "s2"} and r.findings[0].shares.calls == 1.0


def test_schema_dump_is_split_and_lines_are_kept(tmp_path: Path) -> None:
    schema = tmp_path / "schema.sql"
    schema.write_text(
        "--\n-- dump\n--\n\nSET statement_timeout = 0;\n\nCREATE TABLE public.a (\n    id bigint NOT NULL\n);\n\n"
        "CREATE TRIGGER trg BEFORE INSERT ON public.a FOR EACH ROW EXECUTE FUNCTION f();\n",
        encoding="utf-8",
    )
    r = assess_readiness(workload_of([{"query": "SELECT 1"}]), schema=schema)
    trigger = next(f for f in r.findings if f.id == "trigger")
    assert [ref.line for ref in trigger.schema_refs] == [11]
    assert trigger.stmt_ids == () and trigger.shares.calls == 0.0 and trigger.counts
    assert r.by_severity[Severity.BLOCKER].schema_statements == 1
    assert r.lint.schema_statements == 3
    assert r.summary == "blockers touch 1 schema statement(s)"


def test_unreadable_schema_is_a_typed_error(tmp_path: Path) -> None:
    from costmodel.core.errors import CostModelError

    bad = tmp_path / "schema.sql"
    bad.write_bytes(b"\xff\xfe CREATE")
    with pytest.raises(CostModelError) as err:
        assess_readiness(workload_of([{"query": "SELECT 1"}]), schema=bad)
    assert err.value.file == str(bad) and err.value.hint


def test_usage_figures_replace_counters() -> None:
    w = workload_of([{"query": "UPDATE t SET a = $1 WHERE b = $2", "calls": 10, "rows": 10}])
    rows = pd.Series([5000.0], index=w.statements.index)
    r = assess_readiness(w, rows_written_per_call=rows)
    assert [f.id for f in r.findings] == ["rows_per_call"]


# --- dates -----------------------------------------------------------------------------------------------


def test_as_of_defaults_to_the_checks_date_and_is_printed() -> None:
    r = assess_readiness(workload_of([{"query": "SELECT 1"}]))
    assert r.as_of == load_checks().dsql_as_of == date(2026, 9, 15)
    assert r.dsql_as_of == "DSQL as of 2026-09-15"
    later = assess_readiness(workload_of([{"query": "SELECT 1"}]), as_of=date(2026, 12, 1))
    assert any("later ones are unknown" in n for n in later.notes)


# --- the checks file ------------------------------------------------------------------------------------


def test_checks_file_is_complete_and_dated() -> None:
    catalog = load_checks()
    for check in catalog.checks:
        assert check.since <= catalog.dsql_as_of, check.id
        assert check.until is None or check.until > check.since, check.id
        assert check.source_url.startswith("https://"), check.id
        assert check.effort in ("low", "medium", "high"), check.id
        assert check.message and check.remediation and check.title, check.id
        assert check.when or check.computed, check.id
    assert catalog.quotas["rows_per_transaction"].value == 3000
    assert catalog.quotas["bytes_per_transaction"].value == 10 * 1024 * 1024
    assert catalog.quotas["transaction_seconds"].value == 300
    assert catalog.quotas["query_memory_bytes"].value == 128 * 1024 * 1024


def test_compatibility_table_blockers_are_all_covered() -> None:
    catalog = load_checks()
    today = catalog.dsql_as_of
    blocking_features = {
        c.value
        for check in catalog.checks
        if check.applies(today) and check.severity is Severity.BLOCKER
        for c in check.when
        if c.kind == "feature"
    }
    expected = {
        "trigger", "plpgsql", "do_block", "truncate", "listen", "notify", "temp_table", "serial", "create_type",
        "partitioning", "inherits", "matview", "ctas", "select_into", "extension", "lock_table",
        "create_index_sync", "savepoint", "serializable", "set_transaction", "sequence_no_cache",
        "identity_no_cache", "array_column", "policy",
    }  # fmt: skip
    assert expected <= blocking_features
    # maintenance, not application work: an informational finding with the fix
    assert "vacuum" not in blocking_features
    assert next(c for c in catalog.checks if c.id == "vacuum").severity is Severity.INFO
    # supported in 2026: not blockers now
    assert not {"foreign_key", "identity", "sequence", "jsonb", "nextval"} & blocking_features
    locks = {
        c.value for ch in catalog.checks if ch.applies(today) for c in ch.when if c.kind == "lock_strength"
    }
    assert {"for_share", "for_no_key_update"} <= locks


# --- the document and its renderings ----------------------------------------------------------------------


def test_document_json_and_renderings() -> None:
    w = workload_of([{"query": "TRUNCATE t", "calls": 5}, {"query": "SELECT 1", "calls": 5}])
    r = assess_readiness(w)
    doc = readiness_document(r, None, w)
    text = json.dumps(doc)
    assert json.loads(text)["findings"][0]["id"] == "truncate"
    f = doc["findings"][0]
    assert {"id", "severity", "source", "statements", "share_calls", "share_exec_time", "share_cost"} <= set(
        f
    )
    assert doc["dsql_as_of"] == "DSQL as of 2026-09-15" and doc["verdict"] == "blocked"
    for rendered in (render_text(doc), render_markdown(doc)):
        assert "DSQL as of 2026-09-15" in rendered and "truncate" in rendered


def test_query_text_is_made_safe_for_the_terminal() -> None:
    w = workload_of([{"query": "TRUNCATE t /* \x1b[2J */", "calls": 5}])
    out = render_text(readiness_document(assess_readiness(w), None, w))
    assert "\x1b" not in out and "\\x1b" in out
