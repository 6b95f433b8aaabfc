"""Code literals matched to a real workload by fingerprint: the legacy sample and the driver that made it."""

from __future__ import annotations

from pathlib import Path

import pytest
from pglast import parser

from costmodel.audit import audit_code
from costmodel.audit.model import CodeAudit
from costmodel.audit.weight import weigh
from costmodel.ingest.load import load_workload

ROOT = Path(__file__).resolve().parents[2]
LEGACY = ROOT / "sample_stats" / "legacy"


@pytest.fixture(scope="module")
def weighed() -> CodeAudit:
    return weigh(audit_code(ROOT / "scripts" / "samples"), [LEGACY])


def test_finding_carries_the_share_of_its_statements(weighed: CodeAudit) -> None:
    stmts = load_workload([LEGACY]).statements
    fp = parser.fingerprint("SELECT pg_advisory_lock($1)")
    prints = stmts["query"].map(lambda q: parser.fingerprint(q))
    expected = float(stmts.loc[prints == fp, "calls"].sum() / stmts["calls"].sum())
    finding = next(f for f in weighed.findings if f.id == "advisory_lock" and f.where == "legacy.py:88")
    assert finding.share_calls == pytest.approx(expected)
    assert expected > 0.01
    assert finding.share_cost is not None and 0 < finding.share_cost < 1
    assert finding.workload_statements


def test_unmatched_statements_are_listed(weighed: CodeAudit) -> None:
    match = weighed.workload
    assert match is not None
    assert match.statements == len(load_workload([LEGACY]).statements)
    assert 0 < match.matched_statements < match.statements
    assert len(match.unmatched) == match.statements - match.matched_statements
    # psycopg opens transactions itself: BEGIN is in the workload, never in the driver's code
    assert any(u.query.strip().upper().startswith("BEGIN") for u in match.unmatched)
    assert 0.5 < match.share_calls_matched < 1.0


def test_retry_in_the_driver(weighed: CodeAudit) -> None:
    transfer = [s for s in weighed.sites if s.function == "transfer"]
    assert transfer and all(s.retried for s in transfer)  # except SerializationFailure: retry loop
    assert any(not s.retried and s.function == "place_order" for s in weighed.sites)
