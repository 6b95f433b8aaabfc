"""Fleet reports: many exports in one run, priced per cluster, totals for the fleet."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from costmodel.analysis import Analysis
from costmodel.cli import main
from costmodel.errors import IngestError
from costmodel.fleet import FleetAnalysis, LoadOptions, classify_together, expand_sources, load_fleet
from costmodel.ingest import load_workload
from costmodel.pricing.catalog import load_catalog
from costmodel.report.model import build_fleet_report, deduplicate_statements
from costmodel.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_stats"
SMALL = Path(__file__).parent / "data" / "pipeline" / "saas_small.csv"


@pytest.fixture(scope="module")
def fleet_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three clusters: two copies of the small SaaS export (one with another window) and the pgbench bundle."""
    root = tmp_path_factory.mktemp("fleet")
    for name, window in (("east", "1h"), ("west", "2h")):
        shutil.copy(SMALL, root / f"{name}.csv")
        (root / f"{name}.csv.meta.yaml").write_text(f"window: {window}\n", encoding="utf-8")
    shutil.copytree(SAMPLES / "pgbench", root / "pgbench")
    return root


def test_expand_sources_reads_directories_bundles_and_globs(fleet_dir: Path) -> None:
    names = [s.name for s in expand_sources([fleet_dir])]
    assert names == ["east", "pgbench", "west"]  # meta.yaml files are not exports
    assert [s.name for s in expand_sources([str(fleet_dir / "*.csv")])] == ["east", "west"]
    assert [s.name for s in expand_sources([SAMPLES / "saas"])] == ["saas"]  # a bundle is one cluster
    twice = expand_sources([fleet_dir / "east.csv", fleet_dir / "east.csv"])
    assert [s.name for s in twice] == ["east", "east#2"]
    with pytest.raises(IngestError, match="no file matches"):
        expand_sources([str(fleet_dir / "nothing-*.csv")])


def test_classify_together_parses_shared_texts_once_and_keeps_each_cluster(fleet_dir: Path) -> None:
    a = load_workload([fleet_dir / "east.csv"])
    b = load_workload([fleet_dir / "west.csv"])
    together = classify_together([a, b])
    assert [len(w.statements) for w in together] == [len(a.statements), len(b.statements)]
    assert list(together[0].statements.index) == list(a.statements.index)
    assert (together[0].statements["kind"].to_numpy() == together[1].statements["kind"].to_numpy()).all()


@pytest.fixture(scope="module")
def fleet_run(fleet_dir: Path):  # type: ignore[no-untyped-def]
    clusters = load_fleet(expand_sources([fleet_dir]), LoadOptions(), jobs=1)
    catalog = load_catalog()
    scenario = load_scenario("default")
    return (
        clusters,
        FleetAnalysis(clusters, catalog, jobs=1).run(scenario, sweep_points=400),
        catalog,
        scenario,
    )


def test_fleet_totals_are_cluster_sums_with_one_free_tier(fleet_run) -> None:  # type: ignore[no-untyped-def]
    clusters, fleet, catalog, scenario = fleet_run
    alone = {
        name: Analysis(w, catalog, with_readiness=False).run(scenario, sweep_points=0) for name, w in clusters
    }
    dsql = next(o for o in fleet.options if o.name == "dsql-single-region")
    free = [i for i in dsql.line_items if i.component == "FreeTierDPU"]
    assert len(free) == 1 and free[0].quantity == Decimal("-100000.0000")  # once for the whole fleet
    usage_dpu = sum(
        float(i.quantity) for i in dsql.line_items if i.usage_based and i.unit == "DPU" and i.quantity > 0
    )
    per_cluster = sum(
        float(i.quantity)
        for r in alone.values()
        for i in r.option("dsql-single-region").line_items  # type: ignore[union-attr]
        if i.usage_based and i.unit == "DPU" and i.quantity > 0
    )
    assert usage_dpu == pytest.approx(per_cluster, rel=1e-9)
    std = next(o for o in fleet.options if o.name == "serverless-v2-standard")
    assert float(std.total_monthly_usd) == pytest.approx(
        sum(float(r.option("serverless-v2-standard").total_monthly_usd) for r in alone.values()),  # type: ignore[union-attr]
        abs=0.05,
    )
    # the 2-hour window halves the monthly volume of an identical export
    west = dict(fleet.clusters)["west"]
    east = dict(fleet.clusters)["east"]
    assert west.usage.statements["calls_month"].sum() == pytest.approx(
        east.usage.statements["calls_month"].sum() / 2
    )


def test_fleet_break_even_curve_matches_the_totals_at_one(fleet_run) -> None:  # type: ignore[no-untyped-def]
    _clusters, fleet, _catalog, _scenario = fleet_run
    sweep = fleet.break_even
    for option in fleet.options:
        at_one = float(np.interp(0.0, np.log(sweep.multipliers), sweep.costs[option.name]))
        assert at_one == pytest.approx(float(option.total_monthly_usd), rel=0.01), option.name


def test_fleet_report_deduplicates_statements_and_lists_clusters(fleet_run) -> None:  # type: ignore[no-untyped-def]
    _clusters, fleet, _catalog, _scenario = fleet_run
    report = build_fleet_report(fleet)
    assert [c["name"] for c in report["fleet"]["clusters"]] == ["east", "pgbench", "west"]
    assert report["fleet"]["statement_rows"] > report["fleet"]["distinct_statements"]
    shared = [s for s in report["statements"] if s.get("clusters") == 2]
    assert shared, "the two SaaS copies share their statements"
    assert report["window"]["source"] == "per cluster"
    assert {d["cluster"] for d in report["databases"]} == {"east", "pgbench", "west"}
    assert report["contention"]["risk"] in ("low", "elevated", "high")
    assert any(h["cluster"] == "pgbench" for h in report["contention"]["hot_spots"])


def test_deduplicate_sums_calls_and_weights_per_call_figures() -> None:
    import pandas as pd

    frame = pd.DataFrame(
        {
            "stmt_id": ["a", "b", "c"],
            "query": ["SELECT 1", "SELECT 1", "SELECT 2"],
            "fingerprint": ["f1", "f1", "f2"],
            "cluster": ["x", "y", "x"],
            "database": ["d", "d", "d"],
            "calls": [10.0, 30.0, 5.0],
            "calls_month": [100.0, 300.0, 50.0],
            "dsql_dpu_per_call": [1.0, 2.0, 4.0],
            "dsql_monthly_usd": [1.0, 3.0, 0.5],
            "findings": [("x",), ("y",), ()],
        }
    )
    out = deduplicate_statements(frame).set_index("stmt_id")
    assert out.loc["a", "calls_month"] == 400.0
    assert out.loc["a", "dsql_dpu_per_call"] == pytest.approx((100 * 1 + 300 * 2) / 400)
    assert out.loc["a", "clusters"] == 2
    assert out.loc["a", "findings"] == ("x", "y")


def test_report_command_runs_a_fleet_and_refuses_since(
    fleet_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(fleet_dir), "--format", "json", "--jobs", "1"]) == 0
    assert '"fleet"' in capsys.readouterr().out
    code = main(["report", str(fleet_dir / "east.csv"), str(fleet_dir / "west.csv"), "--since", str(SMALL)])
    assert code == 2
    assert "--since pairs two snapshots" in capsys.readouterr().err
    # --merge reads both files as one workload (their windows differ, so ingest asks for --window)
    code = main(["report", str(fleet_dir / "east.csv"), str(fleet_dir / "west.csv"), "--merge", "--window", "1h",
                 "--format", "json"])  # fmt: skip
    assert code == 0
    assert '"fleet"' not in capsys.readouterr().out
