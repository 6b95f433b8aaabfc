"""The OCC conflict model: a hand-computed case, the calibration targets, region latency, key spaces.

Workloads are built as pg_stat_statements rows and classified for real (costmodel.classify.frame), with
catalog facts like a `dsqlcost collect` bundle carries, so the key shapes are the classifier's.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from costmodel.classify.frame import classify
from costmodel.contention.model import Risk, _Defaults, assess_contention, commit_latency, key_space
from costmodel.core.assumptions import AssumptionSet
from costmodel.core.timebase import SECONDS_PER_MONTH
from costmodel.core.workload import CatalogFacts, IndexFacts, TableFacts, Window, Workload
from costmodel.scenario.model import RegionSet, Scenario, TimeProfile

HOUR = 3600.0


def make_workload(rows: list[dict[str, object]], tables: list[TableFacts], window: float = HOUR) -> Workload:
    frame = pd.DataFrame(rows)
    frame.insert(0, "stmt_id", [f"q{i + 1}" for i in range(len(frame))])
    for column in frame.columns:
        if column not in ("stmt_id", "query"):
            frame[column] = frame[column].astype(float)
    catalog = CatalogFacts({f"{t.schema}.{t.name}": t for t in tables})
    return classify(Workload(frame, Window(window, "argument", "test"), ("test",), "1.10", catalog=catalog))


def stmt(
    query: str, per_second: float, exec_ms: float, rows_per_call: float = 1.0, window: float = HOUR
) -> dict[str, object]:
    calls = per_second * window
    return {"query": query, "calls": calls, "total_exec_time": calls * exec_ms, "rows": calls * rows_per_call}


def table(
    name: str, rows: float, pk: tuple[str, ...], n_distinct: dict[str, float] | None = None
) -> TableFacts:
    return TableFacts(
        "public",
        name,
        row_estimate=rows,
        primary_key=pk,
        indexes=(IndexFacts(f"{name}_pkey", pk, unique=True, primary=True),) if pk else (),
        column_n_distinct=n_distinct or {},
    )


# --- a case computed by hand --------------------------------------------------------------------


def test_hand_computed_two_patterns_on_one_table() -> None:
    """counters has N = 4 rows (primary key name). Single region, always-on (peak = mean), autocommit.

    A: UPDATE … WHERE name = $1   1 call/s, 1 ms   K_A = 4 (unique key: row estimate)
    B: DELETE … WHERE updated_at < $1 0.1 call/s, 2 ms, 2 rows/call   range: K_B = 4 / 2 = 2

    Pairs: P_AA = 1/4; P_BB = 1/2; P_AB = P_BA = min(1, N/(K_A·K_B)) = 4/8 = 0.5
    λ_A = 1 × 0.25 + 0.1 × 0.5 = 0.30 /s        λ_B = 0.1 × 0.5 + 1 × 0.5 = 0.55 /s
    T_A = 1 ms + 5 ms commit = 6 ms              T_B = 2 ms + 5 ms = 7 ms
    p_A = 1 − exp(−0.30 × 0.006) = 1 − exp(−0.0018)  = 0.00179838097
    p_B = 1 − exp(−0.55 × 0.007) = 1 − exp(−0.00385) = 0.00384259825
    rate = (1 × p_A + 0.1 × p_B) / 1.1 = (0.00179838097 + 0.00038425983) / 1.1 = 0.00198421891
    retry factor A = 1/(1 − p_A) − 1 = 0.00180162097
    """
    w = make_workload(
        [
            stmt("UPDATE counters SET n = n + 1 WHERE name = $1", 1.0, 1.0),
            stmt("DELETE FROM counters WHERE updated_at < $1", 0.1, 2.0, rows_per_call=2.0),
        ],
        [table("counters", 4, ("name",))],
    )
    c = assess_contention(w, None, Scenario(), AssumptionSet())
    pats = c.patterns.set_index("key_shape")
    assert pats.loc["parameter", "key_space"] == 4
    assert pats.loc["range", "key_space"] == 2
    assert pats.loc["parameter", "conflict_rate_per_s"] == pytest.approx(0.30)
    assert pats.loc["range", "conflict_rate_per_s"] == pytest.approx(0.55)
    assert pats.loc["parameter", "txn_ms"] == pytest.approx(6.0)
    assert pats.loc["range", "txn_ms"] == pytest.approx(7.0)
    assert pats.loc["parameter", "conflict_probability"] == pytest.approx(0.00179838097, rel=1e-8)
    assert pats.loc["range", "conflict_probability"] == pytest.approx(0.00384259825, rel=1e-8)
    assert c.predicted_conflict_rate == pytest.approx(0.00198421891, rel=1e-8)
    assert c.risk is Risk.LOW
    assert c.retry_factors.iloc[0] == pytest.approx(0.00180162097, rel=1e-8)
    assert c.commit_latency.ms == 5.0
    assert c.peak_to_mean == 1.0
    # K = 4 <= occ_hot_key_space (10): both are hot spots although p is small
    assert set(c.hot_spots["stmt_id"]) == {"q1", "q2"}
    assert c.retry_factors.index.equals(w.statements.index)


# --- calibration targets --------------------------------------------------------------------------

PGBENCH = (
    ("BEGIN", 0.01),
    ("UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2", 0.15),
    ("SELECT abalance FROM pgbench_accounts WHERE aid = $1", 0.05),
    ("UPDATE pgbench_tellers SET tbalance = tbalance + $1 WHERE tid = $2", 0.1),
    ("UPDATE pgbench_branches SET bbalance = bbalance + $1 WHERE bid = $2", 0.1),
    (
        "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)",
        0.05,
    ),
    ("END", 0.02),
)


def pgbench_workload(tps: float, scale: int = 1) -> Workload:
    return make_workload(
        [stmt(q, tps, ms) for q, ms in PGBENCH],
        [
            table("pgbench_branches", scale, ("bid",)),
            table("pgbench_tellers", 10 * scale, ("tid",)),
            table("pgbench_accounts", 100_000 * scale, ("aid",)),
            table("pgbench_history", 0, ()),
        ],
    )


def test_pgbench_tpcb_small_scale_is_high_risk() -> None:
    c = assess_contention(pgbench_workload(300), None, Scenario(), AssumptionSet())
    assert c.risk is Risk.HIGH
    assert c.predicted_conflict_rate == pytest.approx(1.0)
    assert c.statements_per_txn == pytest.approx(5.0)
    first = c.hot_spots.iloc[0]
    assert first["table"] == "pgbench_branches" and first["key_space"] == 1
    assert first["conflict_probability"] > 0.9 and bool(first["saturated"])
    tellers = c.hot_spots.set_index("table").loc["pgbench_tellers"]
    assert tellers["key_space"] == 10 and 0.1 < tellers["conflict_probability"] < 0.5
    assert "pgbench_accounts" not in set(c.hot_spots["table"])
    # multi-statement transactions: every statement re-runs with its transaction (attempts capped at 10)
    assert c.retry_factors.tolist() == pytest.approx([9.0] * len(PGBENCH))
    assert c.extra_dpu_share == pytest.approx(0.9)


def test_pgbench_at_larger_scale_and_lower_rate_is_calmer() -> None:
    small = assess_contention(pgbench_workload(300, scale=1), None, Scenario(), AssumptionSet())
    large = assess_contention(pgbench_workload(30, scale=100), None, Scenario(), AssumptionSet())
    assert large.predicted_conflict_rate < small.predicted_conflict_rate
    assert large.risk is Risk.LOW


SAAS = (
    ("SELECT * FROM users WHERE tenant_id = $1 AND user_id = $2", 20.0, 0.3),
    ("UPDATE users SET last_seen_at = now() WHERE tenant_id = $1 AND user_id = $2", 10.0, 0.4),
    ("INSERT INTO events (tenant_id, project_id, kind, payload) VALUES ($1, $2, $3, $4)", 10.0, 0.5),
    ("INSERT INTO usage_daily (tenant_id, day, metric, amount) VALUES ($1, $2, $3, $4) "
     "ON CONFLICT (tenant_id, day, metric) DO UPDATE SET amount = usage_daily.amount + EXCLUDED.amount", 10.0, 0.5),
    ("UPDATE tenants SET settings = settings || $1 WHERE tenant_id = $2", 1.0, 0.4),
    ("SELECT kind, count(*) FROM events WHERE tenant_id = $1 GROUP BY kind", 5.0, 3.0),
)  # fmt: skip
SAAS_TABLES = [
    table("tenants", 500, ("tenant_id",)),
    table("users", 10_000, ("tenant_id", "user_id"), {"tenant_id": 500, "user_id": 10_000}),
    table("events", 1_000_000, ("tenant_id", "event_id"), {"tenant_id": 500}),
    table("usage_daily", 45_000, ("tenant_id", "day", "metric"), {"tenant_id": 500, "day": 30, "metric": 3}),
]


def test_multi_tenant_saas_is_low_risk() -> None:
    w = make_workload([stmt(q, r, ms) for q, r, ms in SAAS], SAAS_TABLES)
    c = assess_contention(w, None, Scenario(), AssumptionSet())
    assert c.risk is Risk.LOW
    assert c.predicted_conflict_rate < 0.001
    shapes = dict(zip(c.patterns["table"], c.patterns["key_shape"]))
    assert shapes == {"users": "tenant", "usage_daily": "upsert", "tenants": "tenant"}
    assert c.hot_spots.empty


def test_hot_counter_is_the_saas_hot_spot() -> None:
    """A one-row counter updated on every request: flagged first, although overall risk stays low
    at 1 request/s; at 300 requests/s it alone makes the workload high-risk."""
    counter = "UPDATE global_stats SET requests = requests + $1 WHERE id = $2"
    tables = [*SAAS_TABLES, table("global_stats", 1, ("id",))]
    calm = make_workload([*(stmt(q, r / 50, ms) for q, r, ms in SAAS), stmt(counter, 1.0, 0.2)], tables)
    c = assess_contention(calm, None, Scenario(), AssumptionSet())
    top = c.hot_spots.iloc[0]
    assert top["table"] == "global_stats" and top["key_space"] == 1 and top["key_shape"] == "parameter"
    assert top["key_space_basis"] == "unique key: row estimate"
    assert c.risk is Risk.LOW

    busy = make_workload([*(stmt(q, r * 6, ms) for q, r, ms in SAAS), stmt(counter, 300.0, 0.2)], tables)
    c = assess_contention(busy, None, Scenario(), AssumptionSet())
    assert c.hot_spots.iloc[0]["table"] == "global_stats"
    assert c.risk is Risk.HIGH
    assert c.residual_conflict_rate < 0.001  # the rest of the SaaS workload is calm


def test_usage_rates_and_growth_drive_the_rate() -> None:
    from costmodel.usage.compute import compute_usage

    w = pgbench_workload(30, scale=10)
    scenario = Scenario(growth=4.0)
    aset = AssumptionSet()
    usage = compute_usage(w, scenario, aset)
    with_usage = assess_contention(w, usage, scenario, aset)
    without = assess_contention(w, None, scenario, AssumptionSet())
    branches = with_usage.patterns.set_index("table").loc["pgbench_branches"]
    assert branches["rate_per_s"] == pytest.approx(30 * 4.0)
    assert branches["calls_month"] == pytest.approx(30 * 4.0 * SECONDS_PER_MONTH)
    assert with_usage.predicted_conflict_rate == pytest.approx(without.predicted_conflict_rate, rel=1e-6)


def test_peak_hour_of_the_time_profile() -> None:
    w = pgbench_workload(5, scale=50)
    flat = assess_contention(w, None, Scenario(), AssumptionSet())
    office = assess_contention(
        w, None, Scenario(time_profile=TimeProfile(kind="business-hours")), AssumptionSet()
    )
    assert flat.peak_to_mean == 1.0
    assert office.peak_to_mean > 2.0
    assert office.predicted_conflict_rate > flat.predicted_conflict_rate
    rate = office.patterns.set_index("table").loc["pgbench_branches", "rate_per_s"]
    assert rate == pytest.approx(5 * office.peak_to_mean)


def test_statement_dpu_gives_extra_dpu_per_month() -> None:
    w = pgbench_workload(300)
    dpu = pd.Series(0.01, index=w.statements.index)
    c = assess_contention(w, None, Scenario(), AssumptionSet(), statement_dpu=dpu)
    total_extra = float((c.retry_factors * dpu * w.statements["calls"] * SECONDS_PER_MONTH / HOUR).sum())
    assert c.patterns["extra_dpu_month"].sum() == pytest.approx(total_extra)
    doc = c.to_dict()
    assert doc["risk"] == "high" and doc["hot_spots"][0]["table"] == "pgbench_branches"
    assert {"stmt_id", "key_shape", "conflict_probability", "extra_dpu_month"} <= set(doc["hot_spots"][0])


def test_unclassified_or_read_only_workload_has_no_patterns() -> None:
    w = make_workload([stmt("SELECT * FROM t WHERE id = $1", 100.0, 0.1)], [])
    c = assess_contention(w, None, Scenario(), AssumptionSet())
    assert c.patterns.empty and c.hot_spots.empty
    assert c.predicted_conflict_rate == 0.0 and c.risk is Risk.LOW
    assert (c.retry_factors == 0).all()


# --- commit latency ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("regions", "expected"),
    [
        (RegionSet(), 5.0),
        (RegionSet(primary="us-east-1", dsql_peers=("us-east-2",), dsql_witness="us-west-2"), 17.0),
        (RegionSet(primary="us-east-1", dsql_peers=("us-west-2",), dsql_witness="us-east-2"), 17.0),
        (RegionSet(primary="us-west-2", dsql_peers=("us-east-1",), dsql_witness="us-west-1"), 27.0),
        (RegionSet(primary="eu-west-1", dsql_peers=("eu-west-2",), dsql_witness="eu-west-3"), 17.0),
        (
            RegionSet(
                primary="us-east-1",
                dsql_peers=("us-east-2",),
                traffic_split={"us-east-1": 0.5, "us-east-2": 0.5},
            ),
            17.0,
        ),
    ],
)
def test_commit_latency_by_region_set(regions: RegionSet, expected: float) -> None:
    assert commit_latency(Scenario(regions=regions), AssumptionSet()).ms == pytest.approx(expected)


def test_multi_region_raises_conflicts_and_override_wins() -> None:
    w = pgbench_workload(20, scale=20)
    single = assess_contention(w, None, Scenario(), AssumptionSet())
    multi = Scenario(regions=RegionSet(dsql_peers=("us-west-2",), dsql_witness="us-east-2"))
    far = assess_contention(w, None, multi, AssumptionSet())
    assert far.predicted_conflict_rate > single.predicted_conflict_rate
    fixed = assess_contention(w, None, multi, AssumptionSet({"occ_commit_latency_ms": (80.0, "argument")}))
    assert fixed.commit_latency.ms == 80.0
    assert any(a.key == "occ_commit_latency_ms" and a.source == "argument" for a in fixed.assumptions)


# --- key spaces ----------------------------------------------------------------------------------------

D = _Defaults(keys=10_000.0, tenants=1_000.0, per_tenant=100.0)


@pytest.mark.parametrize(
    ("shape", "columns", "tenant", "facts", "rows_per_call", "expected"),
    [
        ("constant", ("id",), None, None, 1.0, 1.0),
        ("whole_table", (), None, table("t", 1e6, ("id",)), 1.0, 1.0),
        ("parameter", ("id",), None, None, 1.0, 10_000.0),
        ("parameter", ("id",), None, table("t", 5e5, ("id",)), 1.0, 5e5),
        ("parameter", ("state",), None, table("jobs", 1e5, ("id",), {"state": 3}), 1.0, 3.0),
        ("parameter", ("a", "b"), None, table("t", 100, ("id",), {"a": 20, "b": 50}), 1.0, 100.0),
        ("tenant", ("tenant_id",), "tenant_id", None, 1.0, 1_000.0),
        ("tenant", ("tenant_id", "id"), "tenant_id", None, 1.0, 100_000.0),
        (
            "tenant",
            ("tenant_id",),
            "tenant_id",
            table("t", 9e4, ("tenant_id", "id"), {"tenant_id": 300}),
            1.0,
            300.0,
        ),
        ("tenant", ("tenant_id", "id"), "tenant_id", table("t", 9e4, ("tenant_id", "id")), 1.0, 9e4),
        ("range", (), None, table("t", 1e6, ("id",)), 1000.0, 1000.0),
        ("range", (), None, None, 100.0, 100.0),
        (
            "upsert",
            ("tenant_id", "day", "metric"),
            None,
            table("u", 45_000, ("tenant_id", "day", "metric")),
            1.0,
            45_000.0,
        ),
    ],
)
def test_key_space(
    shape: str,
    columns: tuple[str, ...],
    tenant: str | None,
    facts: TableFacts | None,
    rows_per_call: float,
    expected: float,
) -> None:
    value, basis = key_space(shape, columns, tenant, facts, rows_per_call, D)
    assert value == pytest.approx(expected)
    assert basis


def test_poisson_formula_matches_definition() -> None:
    """p = 1 − exp(−λT) for one self-conflicting pattern, written out: 10/s on 2 keys, T = 5 + 3 ms."""
    w = make_workload(
        [stmt("UPDATE flags SET on_off = $1 WHERE name = $2", 10.0, 3.0)], [table("flags", 2, ("name",))]
    )
    c = assess_contention(w, None, Scenario(), AssumptionSet())
    lam, t = 10.0 / 2, 0.008
    assert c.patterns.loc[0, "conflict_probability"] == pytest.approx(1 - math.exp(-lam * t))


def test_transactions_in_flight_bound_the_retries_of_a_saturated_pattern() -> None:
    """First committer wins: with 4 clients a commit on the one branch row aborts at most the 3 others."""
    closed = AssumptionSet({"occ_concurrent_transactions": (4.0, "argument")})
    c = assess_contention(pgbench_workload(300), None, Scenario(), closed)
    assert c.retry_factors.tolist() == pytest.approx([3.0] * len(PGBENCH))
    branches = c.hot_spots.iloc[0]
    assert branches["table"] == "pgbench_branches" and branches["attempts"] == pytest.approx(4.0)
    # a pattern that is not saturated keeps its geometric count: the bound is not a discount
    tellers = c.hot_spots.set_index("table").loc["pgbench_tellers"]
    p = tellers["conflict_probability"]
    assert tellers["attempts"] == pytest.approx((1 - p**10) / (1 - p))
