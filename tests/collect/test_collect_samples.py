"""The committed ``sample_stats/`` bundles: well-formed, small, with a series, and true to their drivers.

Each sample's ``driver.yaml`` records what the workload driver did (pgbench's own transaction
count, requests, operations); the snapshot deltas in the bundle must agree with it.
"""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path
from typing import Any

import pytest
import yaml

SAMPLES = Path(__file__).resolve().parents[2] / "sample_stats"
NAMES = ("pgbench", "saas", "legacy", "batch")
SIZE_BUDGET = 300 * 1024


def meta(name: str) -> dict[str, Any]:
    return yaml.safe_load((SAMPLES / name / "bundle.yaml").read_text())


def driver(name: str) -> dict[str, Any]:
    return yaml.safe_load((SAMPLES / name / "driver.yaml").read_text())


def rows(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    text = (gzip.decompress(raw) if path.suffix == ".gz" else raw).decode()
    return list(csv.DictReader(io.StringIO(text)))


def delta_calls(name: str, query: str) -> int:
    """Calls of one top-level statement between the first and last snapshot."""
    snaps = meta(name)["snapshots"]
    first, last = (rows(SAMPLES / name / snaps[i]["file"]) for i in (0, -1))

    def calls(table: list[dict[str, str]]) -> int:
        return sum(int(r["calls"]) for r in table if r["query"] == query and r["toplevel"] == "t")

    return calls(last) - calls(first)


@pytest.mark.parametrize("name", NAMES)
def test_sample_is_a_complete_small_bundle(name: str) -> None:
    m = meta(name)
    root = SAMPLES / name
    assert m["format"] == "dsqlcost-bundle/1" and m["interrupted"] is False
    assert len(m["snapshots"]) >= 3, "a sample must carry an activity series"
    assert m["window"]["source"] == "snapshots" and m["window"]["seconds"] > 0
    assert all((root / s["file"]).is_file() for s in m["snapshots"])
    assert (root / "catalog.yaml").is_file() and (root / m["schema"]).is_file()
    assert m["settings"]["pg_stat_statements.track"] == "all"
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    assert size < SIZE_BUDGET, f"{name} is {size} bytes"
    assert len(driver(name)["intervals"]) == len(m["snapshots"]) - 1
    assert name in (SAMPLES / "README.md").read_text()


def test_pgbench_sample_matches_pgbench_count() -> None:
    processed = driver("pgbench")["totals"]["pgbench_transactions"]
    assert processed > 0
    assert str(f"{processed:,}") in meta("pgbench")["description"]
    assert (
        delta_calls("pgbench", "UPDATE pgbench_branches SET bbalance = bbalance + $1 WHERE bid = $2")
        == processed
    )


def test_saas_hot_counter_counts_the_sampled_requests() -> None:
    totals = driver("saas")["totals"]
    counter = "UPDATE global_stats SET requests = requests + $1, updated_at = now() WHERE id = $2"
    assert delta_calls("saas", counter) == totals["counter"]
    assert 0 < totals["counter"] < totals["requests"]
    assert delta_calls("saas", "BEGIN") == totals["requests"]


def test_legacy_sample_shows_the_blockers() -> None:
    d = driver("legacy")["totals"]
    assert delta_calls("legacy", "SAVEPOINT apply_discount") == d["place_order"]
    assert delta_calls("legacy", "NOTIFY order_events, 'order_placed'") == d["place_order"]
    assert delta_calls("legacy", "BEGIN ISOLATION LEVEL SERIALIZABLE") == d["transfer"] + d.get(
        "serialization_retries", 0
    )
    last = rows(SAMPLES / "legacy" / meta("legacy")["snapshots"][-1]["file"])
    texts = {r["query"] for r in last}
    assert {"TRUNCATE staging_import", "LISTEN order_events"} <= texts
    assert any(r["toplevel"] == "f" and "order_audit" in r["query"] for r in last), (
        "trigger statements (nested)"
    )
    assert any(int(r["local_blks_written"]) > 0 or int(r["local_blks_hit"]) > 0 for r in last), "temp tables"
    schema = (SAMPLES / "legacy" / "schema.sql").read_text()
    assert "CREATE TRIGGER orders_audit_trg" in schema and "LANGUAGE plpgsql" in schema


def test_batch_sample_has_spills_and_big_statements() -> None:
    last = rows(SAMPLES / "batch" / meta("batch")["snapshots"][-1]["file"])
    assert any(int(r["temp_blks_written"]) > 0 for r in last), "sorts spilled to temp"
    per_call = [
        int(r["rows"]) / int(r["calls"]) for r in last if r["query"].startswith("INSERT") and int(r["calls"])
    ]
    assert max(per_call) > 3000
    assert any(
        r["query"].startswith("INSERT INTO store_targets (store_id, target) VALUES ($1, $2), ($3")
        for r in last
    )
    assert any(r["query"].startswith("INSERT INTO sales SELECT") for r in last)
