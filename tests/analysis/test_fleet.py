"""Fleet reports: many exports in one run, priced per cluster, totals for the fleet."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from costmodel.analysis.fleet import FleetAnalysis, LoadOptions, expand_sources, load_fleet
from costmodel.analysis.fleet_statements import deduplicate, fleet_rows, representative_texts
from costmodel.analysis.run import Analysis
from costmodel.classify.frame import classify
from costmodel.classify.table import ProfileTable
from costmodel.cli import main
from costmodel.core.catalog import load_catalog
from costmodel.core.errors import IngestError
from costmodel.ingest.load import load_workload
from costmodel.readiness.checks import METRICS
from costmodel.report.model import build_fleet_report
from costmodel.scenario.model import load_scenario

ROOT = Path(__file__).resolve().parents[1].parent
SAMPLES = ROOT / "sample_stats"
SMALL = Path(__file__).parents[1] / "data" / "pipeline" / "saas_small.csv"


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
    with pytest.raises(IngestError, match="given twice"):  # its bill would count twice (issue 16)
        expand_sources([fleet_dir / "east.csv", fleet_dir / "east.csv"])
    with pytest.raises(IngestError, match="no file matches"):
        expand_sources([str(fleet_dir / "nothing-*.csv")])


def test_profile_table_parses_shared_texts_once_and_keeps_each_cluster(fleet_dir: Path) -> None:
    a = load_workload([fleet_dir / "east.csv"])
    b = load_workload([fleet_dir / "west.csv"])
    table = ProfileTable.for_workloads([a, b])
    assert len(table.texts) == a.statements["query"].nunique()  # the same texts: classified once
    (ca, codes_a), (cb, _codes_b) = table.classify(a), table.classify(b)
    assert len(ca.statements) == len(a.statements) and list(ca.statements.index) == list(a.statements.index)
    assert (ca.statements["kind"].to_numpy() == cb.statements["kind"].to_numpy()).all()
    alone = classify(a).statements
    for col in ("kind", "parse_status", "fingerprint", "tables_read", "key_shape"):
        assert ca.statements[col].tolist() == alone[col].tolist(), col
    assert [table.texts[c] for c in codes_a[:3]] == a.statements["query"].tolist()[:3]


@pytest.fixture(scope="module")
def fleet_run(fleet_dir: Path):  # type: ignore[no-untyped-def]
    loaded = load_fleet(expand_sources([fleet_dir]), LoadOptions(), jobs=1)
    catalog = load_catalog()
    scenario = load_scenario("default")
    return (
        loaded.clusters,
        FleetAnalysis(loaded, catalog, jobs=1).run(scenario, sweep_points=400),
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
    west = alone["west"]
    east = alone["east"]
    assert west.usage.statements["calls_month"].sum() == pytest.approx(
        east.usage.statements["calls_month"].sum() / 2
    )
    totals = {c["name"]: c["totals"] for c in build_fleet_report(fleet)["fleet"]["clusters"]}
    assert totals["west"]["serverless-v2-standard"] == pytest.approx(
        float(west.option("serverless-v2-standard").total_monthly_usd)  # type: ignore[union-attr]
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


def test_deduplicate_sums_calls_and_weights_per_call_figures(fleet_run) -> None:  # type: ignore[no-untyped-def]
    _clusters, fleet, _catalog, _scenario = fleet_run
    east = fleet.cluster("east")
    assert east.statements.empty  # rows are dropped from the clusters once deduplicated
    # the same export in two windows: every statement twice, monthly calls 1x and 0.5x
    by_id = fleet.statements.set_index("stmt_id")
    shared = by_id[by_id["clusters"] == 2]
    assert len(shared) > 0 and (shared["databases"] == 1).all()
    row = shared.iloc[0]
    assert row["calls"] > 0 and row["calls_month"] > 0
    # weighted mean of equal per-call figures is that figure
    assert row["dsql_dpu_per_call"] == pytest.approx(row["dsql_dpu_month"] / row["calls_month"], rel=1e-6)


def test_the_texts_linted_early_are_the_deduplicated_statements_texts(fleet_run) -> None:  # type: ignore[no-untyped-def]
    """A fleet starts dsql-lint on representative_texts while pricing; readiness lints the deduplicated
    table's texts. They must be the same texts, in the same order, or the early run is wasted."""
    clusters, fleet, _catalog, _scenario = fleet_run
    table = ProfileTable.for_workloads([w for _n, w in clusters])
    queries = [q for q in fleet.statements["query"] if isinstance(q, str)]
    assert representative_texts(table) == queries
    assert len(queries) < len(table.texts)  # some texts share a fingerprint


def test_deduplicate_groups_by_fingerprint_and_weights_by_monthly_calls() -> None:
    import pandas as pd

    from costmodel.core.workload import Window, Workload

    texts = ["SELECT 1", "SELECT 2", "select  1", "DELETE FROM t WHERE id = $1"]
    workload = Workload(pd.DataFrame({"query": texts}), Window(3600.0, "given", "test"), ("x",), "test")
    table = ProfileTable.for_workloads([workload])
    codes = table.codes(workload)
    rows = pd.DataFrame(
        {
            "text_code": [codes[0], codes[2], codes[3], -1],
            "stmt_id": ["a", "b", "c", "d"],
            "database": ["d1", "d2", None, None],
            "calls": [10.0, 30.0, 5.0, 1.0],
            "calls_month": [100.0, 300.0, 50.0, 10.0],
            "dsql_dpu_per_call": [1.0, 2.0, 4.0, 8.0],
            "dsql_monthly_usd": [1.0, 3.0, 0.5, 0.1],
            "conflict_probability": [0.1, 0.3, 0.0, None],
            "total_exec_time": [1.0, 2.0, 3.0, 4.0],
            **{f"metric_{m}": [1.0, 5.0, None, None] for m in METRICS},
            "cluster": [0, 1, 0, 1],
        }
    )
    out = deduplicate(rows, table)
    assert out.rows == 4 and out.status_counts == {"ok": 3, "no_text": 1}
    by_id = out.table.set_index("stmt_id")
    assert list(by_id.index) == ["a", "c", "d"]  # SELECT 1 and select  1 share a fingerprint
    assert by_id.loc["a", "query"] == "SELECT 1" and by_id.loc["a", "kind"] == "select"
    assert by_id.loc["a", "calls_month"] == 400.0 and by_id.loc["a", "calls"] == 40.0
    assert by_id.loc["a", "dsql_dpu_per_call"] == pytest.approx((100 * 1 + 300 * 2) / 400)
    assert by_id.loc["a", "clusters"] == 2 and by_id.loc["a", "databases"] == 2
    assert by_id.loc["a", "conflict_probability"] == 0.3  # the worst cluster
    assert by_id.loc["a", "metric_rows_written_per_call"] == 5.0  # a quota is checked on the worst
    assert by_id.loc["a", "total_exec_time"] == 3.0
    assert by_id.loc["d", "query"] is None and by_id.loc["d", "parse_status"] == "no_text"
    assert by_id.loc["d", "databases"] == 0
    empty = deduplicate(fleet_rows([]), table)
    assert empty.rows == 0 and empty.table.empty


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


def test_worker_processes_give_the_same_report_as_one_process(tmp_path: Path) -> None:
    """Four clusters reach the process pools (reading and pricing); the report must not change."""
    for name in ("a", "b", "c"):
        shutil.copy(SMALL, tmp_path / f"{name}.csv")
        (tmp_path / f"{name}.csv.meta.yaml").write_text("window: 1h\n", encoding="utf-8")
    shutil.copytree(SAMPLES / "saas", tmp_path / "saas")
    catalog, scenario = load_catalog(), load_scenario()
    sources = expand_sources([tmp_path])
    assert len(sources) >= 4
    reports = []
    for jobs in (1, 2):
        loaded = load_fleet(sources, jobs=jobs)
        fleet = FleetAnalysis(loaded, catalog, jobs=jobs).run(scenario, sweep_points=200)
        reports.append(build_fleet_report(fleet, generated_at=None))
    for report in reports:
        report.pop("generated_at")
    assert reports[0] == reports[1]
    assert reports[0]["fleet"]["statement_rows"] == 3 * len(load_workload([SMALL]).statements) + len(
        load_workload([SAMPLES / "saas"]).statements
    )


def test_a_database_filter_keeps_the_clusters_that_have_it_and_says_which_it_left_out(
    fleet_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One export: a database it lacks is an error. A fleet: clusters without it are left out (named
    in the warnings); a database no cluster has is still an error naming the filter."""
    loaded = load_fleet(expand_sources([fleet_dir]), LoadOptions(databases=("pgbench",)), jobs=1)
    assert [name for name, _w in loaded.clusters] == ["pgbench"]
    assert loaded.notes and "2 cluster(s) have no statements" in loaded.notes[0] and "east" in loaded.notes[0]
    fleet = FleetAnalysis(loaded, load_catalog(), jobs=1).run(load_scenario(), sweep_points=50)
    assert any("left out: east, west" in w for w in build_fleet_report(fleet)["warnings"])
    both = load_fleet(expand_sources([fleet_dir]), LoadOptions(databases=("pgbench", "16384")), jobs=1)
    assert len(both.clusters) == 3 and both.notes == ()
    assert main(["report", str(fleet_dir), "--database", "nothere", "--jobs", "1"]) == 2
    err = capsys.readouterr().err
    assert (
        "database 'nothere' matches no statements in any of the 3 exports" in err and "Traceback" not in err
    )


def test_each_clusters_worst_hot_spots_give_the_fleets_worst() -> None:
    """The fleet lists the worst hot spots of all clusters; clusters send only their own worst."""
    import pandas as pd

    from costmodel.analysis.fleet_cluster import worst_hot_spots
    from costmodel.contention.model import contention_records

    rng = np.random.default_rng(7)
    clusters = []
    for n in (0, 3, 40, 25, 60):
        p = rng.choice([0.0, 0.25, 0.5, 0.9, 1.0, np.nan], size=n)  # ties and unknowns
        clusters.append(pd.DataFrame({"stmt_id": [f"s{n}-{i}" for i in range(n)], "conflict_probability": p}))

    def fleet_worst(records: list[list[dict[str, object]]], kept: int) -> list[dict[str, object]]:
        hot = [{"cluster": c, **spot} for c, spots in enumerate(records) for spot in spots]
        hot.sort(key=lambda h: -(h.get("conflict_probability") or 0.0))  # as FleetAnalysis._contention
        return hot[:kept]

    for kept in (1, 5, 20):
        everything = fleet_worst([contention_records(c) for c in clusters], kept)
        sent = fleet_worst([contention_records(worst_hot_spots(c, kept)) for c in clusters], kept)
        assert sent == everything and len(sent) == kept
    no_probability = clusters[2].drop(columns="conflict_probability")
    assert worst_hot_spots(no_probability, 5)["stmt_id"].tolist() == no_probability["stmt_id"].tolist()[:5]
