"""Figures per stage on the bundled samples, each computed here from stated inputs.

These replace the whole-pipeline goldens of the pgbench, legacy and batch samples (one sample,
``saas``, keeps its end-to-end goldens in every format). Where a golden said "the report did not
change", these say which number must come out and why: the counters and catalog facts in the
bundle, the official DSQL formulas with their constants from the price catalog, the features the
sample's driver exercises (``sample_stats/README.md``). A modelling change that moves one of them
fails one named test with the two numbers, not sixty files.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from costmodel.analysis.run import Analysis, RunResult
from costmodel.classify.frame import classify
from costmodel.core.assumptions import defaults
from costmodel.core.catalog import PriceCatalog, load_catalog
from costmodel.core.timebase import SECONDS_PER_MONTH
from costmodel.ingest.load import load_workload
from costmodel.pricing.dsql import DPU_PER_MILLION, SERVICE, estimate_dsql
from costmodel.scenario.model import Scenario, load_scenario, scenario_assumptions
from costmodel.usage.compute import compute_usage
from costmodel.usage.model import Usage

SAMPLES = Path(__file__).resolve().parents[2] / "sample_stats"
MULTI = {"regions": {"primary": "us-east-1", "dsql_peers": ["us-east-2"], "dsql_witness": "us-west-2"}}
ENTRY_MIN_BYTES = 128
"""DSQL bills every row and index entry written as at least 128 B (reference/dsql-pricing.md)."""


def _bundle(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((SAMPLES / name / "bundle.yaml").read_text(encoding="utf-8"))
    return data


def _tables(name: str) -> dict[str, dict[str, Any]]:
    data = yaml.safe_load((SAMPLES / name / "catalog.yaml").read_text(encoding="utf-8"))
    return {t["name"]: t for t in data["tables"]}


@pytest.fixture(scope="module")
def catalog() -> PriceCatalog:
    return load_catalog()


@pytest.fixture(scope="module")
def pgbench(catalog: PriceCatalog) -> tuple[Any, Scenario, Usage]:
    workload = classify(load_workload(SAMPLES / "pgbench"))
    scenario = load_scenario()
    return workload, scenario, compute_usage(workload, scenario, scenario_assumptions(scenario))


_RUNS: dict[str, RunResult] = {}


def _run(name: str, catalog: PriceCatalog) -> RunResult:
    if name not in _RUNS:
        _RUNS[name] = Analysis(load_workload(SAMPLES / name), catalog).run(load_scenario(), sweep_points=0)
    return _RUNS[name]


# --- usage -----------------------------------------------------------------------------------------


def test_pgbench_usage_scales_the_counters_over_the_bundle_window(
    pgbench: tuple[Any, Scenario, Usage],
) -> None:
    workload, _scenario, usage = pgbench
    window = float(_bundle("pgbench")["window"]["seconds"])
    assert workload.window.seconds == pytest.approx(window)
    calls = workload.statements["calls"].to_numpy(dtype=float)
    expected = calls * SECONDS_PER_MONTH / window  # growth 1 in the default scenario
    np.testing.assert_allclose(usage.statements["calls_month"].to_numpy(dtype=float), expected, rtol=1e-12)


def test_pgbench_transaction_shape_comes_from_begin_and_the_write_counts(
    pgbench: tuple[Any, Scenario, Usage],
) -> None:
    """TPC-B: BEGIN; UPDATE accounts; SELECT; UPDATE tellers; UPDATE branches; INSERT history; END.

    The bundle records ``pg_stat_database`` commits + rollbacks, the first witness after the scenario:
    it also counts the collector's and pgbench's own set-up transactions, so it sits a little above
    pgbench's count of 8,000 BEGINs.
    """
    workload, _scenario, usage = pgbench
    s = workload.statements
    calls = s["calls"].astype(float)
    begins = float(calls[s["query"].str.upper().eq("BEGIN")].sum())
    work = float(calls[~usage.statements["is_txn_control"].to_numpy(dtype=bool)].sum())
    writes = float(calls[usage.statements["is_write"].to_numpy(dtype=bool)].sum())
    snaps = _bundle("pgbench")["snapshots"]
    xacts = sum(float(snaps[-1][k]) - float(snaps[0][k]) for k in ("xact_commit", "xact_rollback"))
    assert begins == 8000  # pgbench's own count of transactions (sample_stats/README.md)
    assert usage.txn.witness == "pg_stat_database"
    assert usage.statements_per_txn == pytest.approx(work / xacts)
    assert begins <= xacts <= begins * 1.02  # the witnesses agree within the set-up transactions
    assert writes / begins == 4
    assert usage.writes_per_write_txn == pytest.approx(writes / xacts)


def test_pgbench_bytes_written_are_rows_times_the_billed_row(pgbench: tuple[Any, Scenario, Usage]) -> None:
    """Rows affected × max(row width, 128 B); pgbench's tables have no secondary index to add."""
    workload, _scenario, usage = pgbench
    tables = _tables("pgbench")
    default_width = float(defaults()["row_width_bytes"].default)
    st = usage.statements
    checked = 0
    for pos, tables_written in enumerate(workload.statements["tables_written"]):
        if not tables_written:
            continue
        (name,) = tables_written
        facts = tables[name]
        assert facts["secondary_index_count"] == 0
        width = float(facts["avg_row_width"] or default_width)
        rows = float(workload.statements["rows"].iloc[pos]) / float(workload.statements["calls"].iloc[pos])
        assert st["rows_written_per_call"].iloc[pos] == rows == 1
        assert st["write_bytes_per_call"].iloc[pos] == rows * max(width, ENTRY_MIN_BYTES)
        checked += 1
    assert checked == 4


def test_pgbench_storage_is_the_database_size(pgbench: tuple[Any, Scenario, Usage]) -> None:
    _workload, _scenario, usage = pgbench
    size = yaml.safe_load((SAMPLES / "pgbench" / "catalog.yaml").read_text(encoding="utf-8"))[
        "database_size_bytes"
    ]
    assert usage.storage_gb == pytest.approx(size / 2**30)
    assert usage.storage_source == f"catalog database_size_bytes ({SAMPLES / 'pgbench' / 'catalog.yaml'})"


# --- pricing ---------------------------------------------------------------------------------------


def _constants(catalog: PriceCatalog) -> dict[str, float]:
    fact = lambda name: float(catalog.decimal_fact(SERVICE, name))  # noqa: E731
    return {
        "read_rate": fact("read_min_dpu_per_txn") / fact("read_min_bytes_per_txn"),
        "write_rate": fact("write_min_dpu_per_txn") / fact("write_min_bytes_per_txn"),
        "read_min": fact("read_min_bytes_per_txn"),
        "write_min": fact("write_min_bytes_per_txn"),
        "write_min_dpu": fact("write_min_dpu_per_txn"),
    }


def _lines(estimate: Any) -> dict[tuple[str, str], Any]:
    return {(i.component, i.region): i for i in estimate.line_items}


def test_pgbench_read_and_write_dpu_follow_the_official_formulas(
    pgbench: tuple[Any, Scenario, Usage], catalog: PriceCatalog
) -> None:
    """ReadDPU = max(bytes read, 2 KiB / statements per txn) × rate per statement call; WriteDPU the
    same with 1 KiB over the writes of a write transaction; no retries priced here."""
    _workload, scenario, usage = pgbench
    c = _constants(catalog)
    st = usage.statements
    calls = st["calls_month"].to_numpy(dtype=float)
    work = ~st["is_txn_control"].to_numpy(dtype=bool)
    read = st["read_bytes_per_call"].to_numpy(dtype=float) + st["pk_check_bytes_per_call"].to_numpy(
        dtype=float
    )
    read_dpu = (
        float((calls * np.maximum(read, c["read_min"] / usage.statements_per_txn))[work].sum())
        * c["read_rate"]
    )
    frac = st["write_call_fraction"].to_numpy(dtype=float)
    written = np.nan_to_num(st["write_bytes_per_call"].to_numpy(dtype=float))
    per_writing = np.divide(written, frac, out=np.zeros_like(written), where=frac > 0)
    write_dpu = float(
        (calls * frac * np.maximum(per_writing, c["write_min"] / usage.writes_per_write_txn)).sum()
    )
    write_dpu *= c["write_rate"]

    estimate = estimate_dsql(usage, scenario, catalog, multi_region=False, retry_factor=0.0)
    lines = _lines(estimate)
    assert float(lines[("ReadDPU", "us-east-1")].quantity) == pytest.approx(read_dpu, rel=1e-9)
    assert float(lines[("WriteDPU", "us-east-1")].quantity) == pytest.approx(write_dpu, rel=1e-9)
    # every pgbench write is one 128 B row, under 1 KiB / 4: each write transaction bills the minimum
    write_txns = float((calls * frac).sum()) / usage.writes_per_write_txn
    assert write_dpu == pytest.approx(write_txns * c["write_min_dpu"], rel=1e-9)
    assert ("OCCRetryDPU", "us-east-1") not in lines


def test_pgbench_line_items_are_quantity_times_the_catalog_price(
    pgbench: tuple[Any, Scenario, Usage], catalog: PriceCatalog
) -> None:
    _workload, _scenario, usage = pgbench  # usage does not depend on the region set
    estimate = estimate_dsql(usage, load_scenario(None, MULTI), catalog, multi_region=True, retry_factor=0.0)
    lines = _lines(estimate)
    for region in ("us-east-1", "us-east-2"):
        dpu_price = catalog.price(SERVICE, region, "dpu_per_million").value / DPU_PER_MILLION
        storage = lines[("Storage", region)]
        assert float(storage.quantity) == pytest.approx(usage.storage_gb, abs=1e-4)
        assert storage.unit_price == catalog.price(SERVICE, region, "storage_gb_month").value
        for (component, where), item in lines.items():
            if where == region and component.endswith("DPU") and not component.startswith("FreeTier"):
                assert item.unit_price == dpu_price
                assert abs(item.monthly_usd - item.quantity * dpu_price) <= Decimal("0.01")
    # one peer besides the originating region: MultiRegionWriteDPU = WriteDPU
    primary = [
        i
        for (comp, r), i in lines.items()
        if r == "us-east-1" and comp in ("WriteDPU", "MultiRegionWriteDPU")
    ]
    assert len(primary) == 2 and primary[0].quantity == primary[1].quantity
    total = sum((i.monthly_usd for i in estimate.line_items), Decimal(0))
    assert abs(estimate.total_monthly_usd - total) <= Decimal("0.005")  # the total is shown in cents


# --- contention ------------------------------------------------------------------------------------


def test_pgbench_key_spaces_are_the_catalog_row_counts(catalog: PriceCatalog) -> None:
    """One branch and ten tellers updated by every transaction: hot keys; 100,000 accounts are not."""
    result = _run("pgbench", catalog)
    tables = _tables("pgbench")
    patterns = result.contention.patterns.set_index("table")
    for name in ("pgbench_branches", "pgbench_tellers", "pgbench_accounts"):
        assert patterns.loc[name, "key_space"] == tables[name]["row_estimate"]
        assert not patterns.loc[name, "key_space_assumed"]
    assert bool(patterns.loc["pgbench_branches", "hot"]) and bool(patterns.loc["pgbench_tellers", "hot"])
    assert not bool(patterns.loc["pgbench_accounts", "hot"])
    assert result.contention.risk.value == "high"


# --- readiness -------------------------------------------------------------------------------------


def test_legacy_readiness_blocks_on_the_features_its_driver_uses(catalog: PriceCatalog) -> None:
    """scripts/samples/legacy.py: SERIAL keys, a sequence without CACHE, a PL/pgSQL audit trigger,
    LISTEN/NOTIFY, SAVEPOINT, SERIALIZABLE transactions, TRUNCATE and a temporary table."""
    readiness = _run("legacy", catalog).readiness
    assert readiness is not None and readiness.verdict.value == "blocked"
    blockers = {f.id for f in readiness.findings if f.severity.value == "blocker"}
    driver = {
        "serial",
        "sequence_cache",
        "plpgsql",
        "trigger",
        "listen_notify",
        "savepoint",
        "isolation_level",
    }
    assert driver | {"truncate", "temp_table"} <= blockers


def test_batch_rows_per_call_blocker_touches_the_statements_over_3000_rows(catalog: PriceCatalog) -> None:
    """DSQL caps a transaction at 3,000 modified rows: the writes whose counters show more per call."""
    result = _run("batch", catalog)
    assert result.readiness is not None
    st = result.usage.statements
    over = set(st.loc[st["rows_written_per_call"] > 3000, "stmt_id"])
    flagged = result.readiness.statements
    touched = set(flagged.loc[flagged["findings"].map(lambda ids: "rows_per_call" in ids), "stmt_id"])
    assert over and touched == over
