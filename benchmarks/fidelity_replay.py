"""Replay the public DSQL lab on a throw-away PostgreSQL and collect each case as a bundle.

The lab (``../shared/data/dsql-lab``, MIT) measured 160 statements on a real Aurora DSQL cluster and
kept each one's ``EXPLAIN ANALYZE VERBOSE`` DPU estimate, but not the SQL: its own generator
(``scripts/generate_workload_sql.py``) rebuilds it. Here every case runs as the lab ran it (set-up
first, then the measured statement alone in its own transaction) on a local PostgreSQL 15 with
pg_stat_statements, and ``dsqlcost collect`` writes one bundle per case, so the model prices the
same statement from the same inputs a user would give it.

Replay choices, each stated because it shapes the figures:

* Set-up statements run on a connection with ``pg_stat_statements.track = none``; the statistics are
  reset right before the measured statement, so a bundle holds that statement only.
* A write case starts from an empty table (the lab wrote into a growing one): the bundle's catalog
  then describes the rows the statement wrote, as it would for a workload that writes rows like
  the ones already stored. Before the first read of a written table every write of its group is
  replayed (untracked), so the reads see the rows the lab's reads saw.
* Tables are ``ANALYZE``d (untracked) after the statement, before the collector reads the catalog,
  as a live database with autovacuum would be.
* A read runs once before the measured run, in the same session: a statement in a real export is
  averaged over many calls in long-lived sessions, where one-off catalog misses (opening a TOAST
  relation the first time) do not count; a single cold call would add a dozen pages to one read.
* The generator's random payloads are seeded, so every run replays the same bytes.
"""

from __future__ import annotations

import importlib.util
import json
import random
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
LAB = next(
    (
        p / "shared" / "data" / "dsql-lab"
        for p in ROOT.parents
        if (p / "shared" / "data" / "dsql-lab").is_dir()
    ),
    ROOT.parent / "shared" / "data" / "dsql-lab",
)
"""The lab beside the project (``../shared``; a worktree one level deeper finds it too)."""
LAB_RUN = LAB / "2026-04-28"
CACHE = ROOT / "benchmarks" / "results" / "fidelity"
SEED = 20260428
DATABASE = "dsqllab"


@dataclass(frozen=True)
class LabCase:
    """One measured statement: its lab group (the *shape*), id, SQL and the EXPLAIN DPU figures."""

    group: str
    test_id: str
    description: str
    operation: str
    sql: str
    measured: dict[str, float]
    """``compute``, ``read``, ``write``: the printed Statement DPU Estimate (raw, no minimums)."""
    bundle: Path

    @property
    def key(self) -> str:
        return f"{self.group}/{self.test_id}"


def generator() -> ModuleType:
    """The lab's own ``generate_workload_sql.py``, imported from the shared data folder."""
    path = LAB / "scripts" / "generate_workload_sql.py"
    spec = importlib.util.spec_from_file_location("dsql_lab_generator", path)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


def measured_blocks() -> dict[str, dict[str, float]]:
    """``group/iter01_test_id`` → the parsed Statement DPU Estimate of every lab record."""
    from costmodel.calibrate.explain import parse_explain_records

    out: dict[str, dict[str, float]] = {}
    for path in sorted(LAB_RUN.glob("*_results.jsonl")):
        group = path.name.removesuffix("_results.jsonl")
        text = path.read_text(encoding="utf-8")
        records = [json.loads(line) for line in text.splitlines() if line.strip()]
        blocks = parse_explain_records(text, str(path))
        for record, block in zip(records, blocks, strict=True):
            planning = re.search(r"Planning Time: ([0-9.]+) ms", record.get("explain_output") or "")
            out[f"{group}/{record['test_id']}"] = {
                "compute": float(block.compute),
                "read": float(block.read),
                "write": float(block.write),
                "planning_ms": float(planning.group(1)) if planning else float("nan"),
            }
    return out


def _cases(gen: ModuleType) -> list[tuple[Any, Any]]:
    """(group, case) pairs in the lab's order: writes, single reads, raw reads, compute."""
    random.seed(SEED)
    return [(group, case) for group in gen.blog_groups("all") for case in group.cases]


def _tables(sql: str) -> list[str]:
    """The ``dpu_test.*`` tables a statement names (to truncate before and analyze after)."""
    return sorted(set(re.findall(r"dpu_test\.(\w+)", sql)))


def _run(conn: psycopg.Connection[Any], statements: Any) -> None:
    for statement in statements:
        conn.execute(statement)


def _collect(dsn: str, out: Path) -> None:
    from costmodel.collect.live import collect
    from costmodel.collect.options import CollectOptions, Schedule

    if out.exists():
        shutil.rmtree(out)
    collect(CollectOptions(dsn=dsn, out=out, schedule=Schedule.once(), schema=False))


def replay(*, reuse: bool = True, say: Any = print) -> list[LabCase]:
    """Every lab case as a collected bundle under ``benchmarks/results/fidelity/`` (cached)."""
    gen = generator()
    measured = measured_blocks()
    pairs = _cases(gen)
    cases = [
        LabCase(
            group.name,
            f"iter01_{case.test_id}",
            case.description,
            case.operation_type,
            case.sql.strip(),
            measured[f"{group.name}/iter01_{case.test_id}"],
            CACHE / "bundles" / group.name / case.test_id,
        )
        for group, case in pairs
    ]
    if reuse and all((c.bundle / "bundle.yaml").is_file() for c in cases):
        say(f"reusing {len(cases)} collected bundles in {CACHE / 'bundles'}")
        return cases
    sys.path.insert(0, str(ROOT))
    from tests.pgserver import PgServer

    server = PgServer.start_new()
    try:
        server.create_database(DATABASE)
        dsn = server.dsn(DATABASE)
        with psycopg.connect(dsn, autocommit=True) as admin, psycopg.connect(dsn, autocommit=True) as app:
            admin.execute("SET pg_stat_statements.track = 'none'")
            done_groups: set[str] = set()
            writes: dict[str, list[str]] = {}
            stale: set[str] = set()
            for (group, case), lab in zip(pairs, cases, strict=True):
                if group.name not in done_groups:
                    _run(admin, group.setup_sql)
                    done_groups.add(group.name)
                _run(admin, case.setup_sql)
                tables = _tables(case.sql)
                if case.operation_type == "write":
                    admin.execute("TRUNCATE " + ", ".join(f"dpu_test.{t}" for t in tables))
                    for table in tables:
                        writes.setdefault(table, []).append(case.sql)
                        stale.add(table)
                else:
                    for table in sorted(stale.intersection(tables)):
                        admin.execute(f"TRUNCATE dpu_test.{table}")
                        _run(admin, writes[table])
                        stale.discard(table)
                admin.execute("ANALYZE " + ", ".join(f"dpu_test.{t}" for t in tables))
                if case.operation_type != "write":  # warm the session: no one-off catalog misses
                    warm = app.execute(case.sql)
                    if warm.description is not None:
                        warm.fetchall()
                admin.execute("SELECT pg_stat_statements_reset()")
                cur = app.execute(case.sql)  # autocommit: one statement per transaction, as the lab ran
                if cur.description is not None:
                    cur.fetchall()
                admin.execute("ANALYZE " + ", ".join(f"dpu_test.{t}" for t in tables))
                _collect(dsn, lab.bundle)
                say(f"  collected {lab.key}")
    finally:
        server.stop()
    return cases
