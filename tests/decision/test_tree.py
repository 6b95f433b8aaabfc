"""Each branch of the architect's tree on the bundled samples (real exports, real readiness and OCC model)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from costmodel.analysis.run import Analysis, RunResult
from costmodel.core.catalog import load_catalog
from costmodel.decision.model import Path as TreePath
from costmodel.decision.model import Source
from costmodel.ingest.load import load_workload
from costmodel.scenario.model import load_scenario

SAMPLES = Path(__file__).parents[2] / "sample_stats"


@pytest.fixture(scope="module")
def analyses(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Analysis]:
    catalog = load_catalog()
    out = {name: Analysis(load_workload([SAMPLES / name]), catalog) for name in ("saas", "legacy", "pgbench")}
    out["saas-counted"] = Analysis(load_workload([counted_saas(tmp_path_factory.mktemp("saas"))]), catalog)
    return out


def counted_saas(folder: Path) -> Path:
    """The saas bundle with a row count for usage_daily (empty when the sample was collected, so its
    key space is assumed): 300 tenants x 30 days x 4 metrics. Every key space is then a catalog fact."""
    bundle = folder / "saas"
    shutil.copytree(SAMPLES / "saas", bundle)
    path = bundle / "catalog.yaml"
    text = path.read_text(encoding="utf-8")
    anchor = "  name: usage_daily\n  size_bytes: 16384\n  table_bytes: 0\n  row_estimate: 0\n"
    assert anchor in text
    path.write_text(
        text.replace(anchor, anchor.replace("row_estimate: 0", "row_estimate: 36000")), encoding="utf-8"
    )
    return bundle


def run(analyses: dict[str, Analysis], sample: str, **requirements: Any) -> RunResult:
    overrides: dict[str, Any] = {"requirements": requirements} if requirements else {}
    regions = requirements.pop("regions", None)
    if regions:
        overrides["regions"] = regions
    return analyses[sample].run(load_scenario(None, overrides or None), sweep_points=50)


def questions(result: RunResult) -> dict[str, Any]:
    assert result.decision is not None
    return {q.key: q for q in result.decision.questions}


def test_saas_active_active_leads_to_dsql(analyses: dict[str, Analysis]) -> None:
    result = run(analyses, "saas-counted", active_active="yes")
    assert result.contention.assumed_key_spaces == 0
    decision = result.decision
    assert decision is not None
    assert decision.outcome.path == TreePath.DSQL.value
    qs = questions(result)
    assert qs["active_active"].source is Source.REQUIREMENT
    assert qs["conflict_rate"].source is Source.MODEL and qs["conflict_rate"].answer.startswith("yes")
    assert f"{result.contention.predicted_conflict_rate:.2%}" in qs["conflict_rate"].answer
    assert qs["features"].source is Source.FINDING and qs["features"].answer.startswith("no")
    dsql = result.option("dsql-single-region")
    assert dsql is not None and decision.outcome.monthly_usd == pytest.approx(float(dsql.total_monthly_usd))
    assert any(r.startswith("decision tree → Aurora DSQL") for r in result.verdict.reasons)


def test_pgbench_conflicts_lead_to_redesign(analyses: dict[str, Analysis]) -> None:
    result = run(analyses, "pgbench", active_active="yes")
    assert result.decision is not None
    assert result.contention.predicted_conflict_rate >= result.contention.thresholds[0]
    assert result.decision.outcome.path == TreePath.REDESIGN.value
    q = questions(result)["conflict_rate"]
    assert q.answer.startswith("no") and "pgbench_branches" in q.basis
    assert "DSQL after the changes" in result.decision.outcome.summary


def test_legacy_features_lead_to_refactor(analyses: dict[str, Analysis]) -> None:
    result = run(analyses, "legacy", active_active="yes")
    assert result.decision is not None and result.readiness is not None
    assert result.readiness.verdict.value == "blocked"
    assert result.decision.outcome.path == TreePath.REFACTOR.value
    q = questions(result)["features"]
    assert q.answer.startswith("yes") and "in the schema: PL/pgSQL" in q.answer and "Triggers" in q.answer
    assert "of calls" in q.answer and "SAVEPOINT" in q.answer


def test_no_active_active_leads_to_serverless_v2(analyses: dict[str, Analysis]) -> None:
    result = run(analyses, "saas", active_active="no", rpo_seconds="5m", rto_seconds="10m")
    assert result.decision is not None
    assert result.decision.outcome.path == TreePath.SV2_GLOBAL.value
    assert [q.key for q in result.decision.questions] == ["active_active", "rpo", "rto"]
    assert questions(result)["rpo"].answer == "300 s"


@pytest.mark.parametrize(("rpo", "rto"), [(0, None), (None, "30s")])
def test_zero_rpo_or_short_rto_needs_dsql_without_active_active(
    analyses: dict[str, Analysis], rpo: Any, rto: Any
) -> None:
    result = run(analyses, "saas-counted", active_active="no", rpo_seconds=rpo, rto_seconds=rto)
    assert result.decision is not None
    assert result.decision.outcome.path == TreePath.DSQL.value
    assert "conflict_rate" in questions(result)  # the DSQL checks are walked too


def test_zero_rpo_with_missing_features_is_a_stated_conflict(analyses: dict[str, Analysis]) -> None:
    result = run(analyses, "legacy", active_active="no", rpo_seconds=0)
    assert result.decision is not None
    assert result.decision.outcome.path == TreePath.REFACTOR.value
    assert result.decision.outcome.conflicts and "synchronous" in result.decision.outcome.conflicts[0]


def test_unknown_requirement_shows_both_branches_with_costs(analyses: dict[str, Analysis]) -> None:
    result = run(analyses, "saas-counted")
    decision = result.decision
    assert decision is not None
    assert decision.outcome.path == TreePath.DEPENDS.value
    assert decision.outcome.conditional_on == ("requirements.active_active",)
    paths = {b.path: b for b in decision.outcome.alternatives}
    assert set(paths) == {TreePath.DSQL.value, TreePath.SV2_GLOBAL.value}
    for b in paths.values():
        option = result.option(str(b.option))
        assert option is not None and b.monthly_usd == pytest.approx(float(option.total_monthly_usd))
    for key in ("active_active", "rpo", "rto"):
        q = questions(result)[key]
        assert q.source is Source.NOT_STATED and len(q.alternatives) == 2


def test_commit_latency_over_budget(analyses: dict[str, Analysis]) -> None:
    regions = {"primary": "us-east-1", "dsql_peers": ["us-west-2"], "dsql_witness": "us-east-2"}
    result = run(analyses, "saas-counted", active_active="yes", max_commit_latency_ms=10, regions=regions)
    assert result.decision is not None
    q = questions(result)["commit_latency"]
    assert result.contention.commit_latency.ms > 10 and q.answer.startswith("no")
    assert result.decision.outcome.option == "dsql-multi-region"
    assert any("max_commit_latency_ms" in c for c in result.decision.outcome.conflicts)
    relaxed = run(analyses, "saas-counted", active_active="yes", max_commit_latency_ms=100, regions=regions)
    assert questions(relaxed)["commit_latency"].answer.startswith("yes")


def test_assumed_key_spaces_make_the_conflict_answer_a_range(analyses: dict[str, Analysis]) -> None:
    """The bundled saas export has no row count for usage_daily: the OCC model's range runs from the
    plausible size to one key and straddles 1 %, so the tree shows both branches with their costs."""
    result = run(analyses, "saas", active_active="yes")
    c = result.contention
    low, high = c.conflict_rate_range
    assert c.assumed_key_spaces > 0 and low < c.thresholds[0] <= high
    q = questions(result)["conflict_rate"]
    assert q.answer.startswith("uncertain") and "range" in q.answer and "assumed key spaces" in q.basis
    assert {b.path for b in q.alternatives} == {TreePath.DSQL.value, TreePath.REDESIGN.value}
    assert result.decision is not None and result.decision.outcome.path == TreePath.DEPENDS.value
    assert "the conflict rate (assumed key spaces)" in result.decision.outcome.conditional_on
    measured = run(analyses, "saas-counted", active_active="yes")
    assert "range" not in questions(measured)["conflict_rate"].answer
