"""The migration plan on the bundled legacy sample: five phases with figures, and the remediated DDL."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from costmodel.audit.plan import MigrationPlan
from costmodel.audit.planrun import make_plan
from costmodel.audit.remediate import remediate
from costmodel.cli import main
from costmodel.readiness.dsqllint import run_dsql_lint

ROOT = Path(__file__).resolve().parents[2]
LEGACY = ROOT / "sample_stats" / "legacy"


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> tuple[MigrationPlan, Path]:
    ddl = tmp_path_factory.mktemp("plan") / "legacy-dsql.sql"
    plan, _ = make_plan([LEGACY], code=ROOT / "scripts" / "samples", ddl_out=ddl)
    return plan, ddl


def _figures(plan: MigrationPlan, number: int) -> dict[str, str]:
    return {f.label: f.text for f in plan.phases[number - 1].figures}


def test_five_phases_with_figures(planned: tuple[MigrationPlan, Path]) -> None:
    plan, _ = planned
    assert [p.number for p in plan.phases] == [1, 2, 3, 4, 5]
    for phase in plan.phases:
        assert phase.figures and any(re.search(r"\d", f.text) for f in phase.figures), phase.name
        assert any(f.headline and isinstance(f.value, int | float | list) for f in phase.figures), phase.name
        assert phase.items, phase.name
    assert plan.verdict == "blocked"
    assert _figures(plan, 1)["share of calls touched by blockers"].endswith("%")


def test_schema_refactoring(planned: tuple[MigrationPlan, Path]) -> None:
    plan, ddl = planned
    titles = [i.title for i in plan.phases[1].items]
    assert any(t.startswith("customers.id: SERIAL") for t in titles)
    assert any(t.startswith("orders.customer_id: referencing column → uuid") for t in titles)
    assert any("trigger orders_audit_trg on orders" in t for t in titles)
    assert any("function orders_audit" in t for t in titles)
    text = ddl.read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("--"))
    assert "id UUID DEFAULT gen_random_uuid() NOT NULL" in body
    assert "CREATE INDEX ASYNC orders_customer" in body
    assert "nextval(" not in body and "CREATE TRIGGER" not in body
    lint = run_dsql_lint([], body)
    assert lint.available and lint.schema == ()  # the real dsql-lint finds nothing left
    assert _figures(plan, 2)["left for design work after remediation (dsql-lint)"] == "0"


def test_costs_before_and_after(planned: tuple[MigrationPlan, Path]) -> None:
    plan, _ = planned
    dsql = plan.costs[0]
    assert dsql.option.startswith("dsql")
    assert dsql.after > dsql.before  # wider rows are read on every scan
    assert "ReadDPU +" in _figures(plan, 2)["DSQL components changed by UUID keys"]
    assert {c.option for c in plan.costs} >= {"serverless-v2-standard", "serverless-v2-io-optimized"}


def test_retry_and_load_test_phases(planned: tuple[MigrationPlan, Path]) -> None:
    plan, _ = planned
    retry = _figures(plan, 3)
    assert int(retry["without a retry on 40001"]) == len(plan.phases[2].items) > 0
    assert any(i.where == "legacy.py:49" for i in plan.phases[2].items)  # place_order's INSERT, no retry
    load = plan.phases[3].items
    assert any("bad" in i.detail and "hot spot" in i.detail for i in load)
    assert float(_figures(plan, 4)["load-test rate (peak transactions/s)"].replace(",", "")) > 0
    assert "GB" in _figures(plan, 5)["data to copy"]


def test_cli_formats_and_fail_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", str(LEGACY), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["kind"] == "migration-plan" and len(data["phases"]) == 5
    assert main(["plan", str(LEGACY), "--format", "csv", "--out", str(tmp_path / "plan.csv")]) == 0
    rows = (tmp_path / "plan.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("phase,phase_name,id") and {r.split(",")[0] for r in rows[1:]} == {
        "1",
        "2",
        "3",
        "4",
        "5",
    }
    for fmt in ("markdown", "html", "table"):
        assert main(["plan", str(LEGACY), "--format", fmt]) == 0
        assert "Cutover" in capsys.readouterr().out
    assert main(["plan", str(LEGACY), "--fail-on", "blocked"]) == 1
    assert main(["plan", str(LEGACY), "--schema", str(tmp_path / "missing.sql")]) == 2


def test_remediate_flyway_style_serial() -> None:
    sql = (
        "CREATE TABLE author (id serial PRIMARY KEY, name text);\n"
        "CREATE TABLE book (id bigserial PRIMARY KEY, author_id integer NOT NULL REFERENCES author(id));\n"
        "CREATE INDEX book_author ON book (author_id);\n"
    )
    rem = remediate(sql)
    assert rem.uuid_keys == (("author", "id"), ("book", "id"))
    assert rem.uuid_references == (("book", "author_id"),)
    body = "\n".join(line for line in rem.sql.splitlines() if not line.startswith("--"))
    assert body.upper().count("UUID DEFAULT GEN_RANDOM_UUID()") == 2
    assert "CREATE INDEX ASYNC" in body.upper()
