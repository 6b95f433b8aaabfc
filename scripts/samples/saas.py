"""Multi-tenant SaaS: point reads, range scans, a 3-way join report, aggregates, upserts, a hot counter.

Every request is one transaction; one request in ``COUNTER_EVERY`` also bumps the request counter
``UPDATE global_stats … WHERE id = 1``: a single row written by every client, the pattern that
conflicts on DSQL (a hot spot), at a rate that keeps the workload as a whole at low OCC risk. Tenants are picked with a
Zipf-like skew (a few busy tenants, a long tail). The DML uses nothing DSQL rejects.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from scripts.samples.common import Context, SampleSpec, run_clients, weighted_picker

CLIENTS = 6
REPORT_SINCE = datetime.fromisoformat("2026-11-10T00:00:00+00:00")
USAGE_DAY = date(2026, 11, 27)

MIX: tuple[tuple[str, int], ...] = (
    ("read_user", 30),
    ("project_feed", 15),
    ("add_event", 15),
    ("touch_user", 10),
    ("list_projects", 8),
    ("activity_report", 5),
    ("kind_counts", 5),
    ("usage_summary", 5),
    ("update_settings", 4),
    ("new_user", 3),
)

SQL = {
    "read_user": "SELECT tenant_id, user_id, email, display_name, last_seen_at FROM users "
    "WHERE tenant_id = %s AND user_id = %s",
    "project_feed": "SELECT event_id, kind, payload, created_at FROM events "
    "WHERE tenant_id = %s AND project_id = %s ORDER BY created_at DESC LIMIT 20",
    "add_event": "INSERT INTO events (tenant_id, project_id, user_id, kind, payload) "
    "VALUES (%s, %s, %s, %s, %s) RETURNING event_id",
    "usage_upsert": "INSERT INTO usage_daily (tenant_id, day, metric, amount) VALUES (%s, %s, %s, %s) "
    "ON CONFLICT (tenant_id, day, metric) DO UPDATE SET amount = usage_daily.amount + EXCLUDED.amount",
    "touch_user": "UPDATE users SET last_seen_at = now() WHERE tenant_id = %s AND user_id = %s",
    "list_projects": "SELECT project_id, name, status FROM projects WHERE tenant_id = %s ORDER BY name LIMIT 50",
    "activity_report": "SELECT p.name, u.email, count(*) AS events, max(e.created_at) AS last_event "
    "FROM events e "
    "JOIN projects p ON p.tenant_id = e.tenant_id AND p.project_id = e.project_id "
    "JOIN users u ON u.tenant_id = e.tenant_id AND u.user_id = e.user_id "
    "WHERE e.tenant_id = %s AND e.created_at >= %s "
    "GROUP BY p.name, u.email ORDER BY events DESC LIMIT 10",
    "kind_counts": "SELECT kind, count(*), max(created_at) FROM events WHERE tenant_id = %s GROUP BY kind",
    "usage_summary": "SELECT metric, sum(amount) FROM usage_daily WHERE tenant_id = %s AND day >= %s "
    "GROUP BY metric ORDER BY metric",
    "update_settings": "UPDATE tenants SET settings = settings || %s WHERE tenant_id = %s",
    "new_user": "INSERT INTO users (tenant_id, email, display_name) VALUES (%s, %s, %s) "
    "ON CONFLICT (tenant_id, email) DO NOTHING RETURNING user_id",
    "counter": "UPDATE global_stats SET requests = requests + 1, updated_at = now() WHERE id = 1",
}


def setup(ctx: Context) -> dict[str, Any]:
    ctx.run_sql_file("saas_schema.sql")
    with psycopg.connect(ctx.app_dsn, autocommit=True) as conn:
        tenants = [r[0] for r in conn.execute("SELECT tenant_id FROM tenants ORDER BY name").fetchall()]
        users: dict[Any, list[Any]] = {}
        for tenant, user in conn.execute("SELECT tenant_id, user_id FROM users ORDER BY email"):
            users.setdefault(tenant, []).append(user)
        projects: dict[Any, list[Any]] = {}
        for tenant, project in conn.execute("SELECT tenant_id, project_id FROM projects ORDER BY name"):
            projects.setdefault(tenant, []).append(project)
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM tenants), (SELECT count(*) FROM users), "
            "(SELECT count(*) FROM projects), (SELECT count(*) FROM events)"
        ).fetchone()
    ctx.state.update(users=users, projects=projects, pick=weighted_picker(tenants, skew=1.0))
    assert counts is not None
    return dict(zip(("tenants", "users", "projects", "events"), counts))


COUNTER_EVERY = 40
"""One request in this many bumps the shared counter row (a sampled request counter)."""


def one_client(ctx: Context, client: int, rng: random.Random, ops: int) -> Counter[str]:
    conn = ctx.conn(client, autocommit=True)
    kinds = [k for k, _ in MIX]
    cum = []
    acc = 0
    for _, weight in MIX:
        acc += weight
        cum.append(acc)
    done: Counter[str] = Counter()
    pick, users, projects = ctx.state["pick"], ctx.state["users"], ctx.state["projects"]
    for n in range(ops):
        kind = rng.choices(kinds, cum_weights=cum, k=1)[0]
        tenant = pick(rng)
        user = rng.choice(users[tenant])
        project = rng.choice(projects[tenant])
        with conn.transaction():
            if kind == "read_user":
                conn.execute(SQL[kind], (tenant, user)).fetchall()
            elif kind == "project_feed":
                conn.execute(SQL[kind], (tenant, project)).fetchall()
            elif kind == "add_event":
                payload = Jsonb(
                    {"client": client, "n": n, "text": f"note {rng.randrange(10**6)}", "tags": ["api"]}
                )
                conn.execute(
                    SQL[kind], (tenant, project, user, rng.choice(("edit", "comment")), payload)
                ).fetchone()
                conn.execute(SQL["usage_upsert"], (tenant, USAGE_DAY, "events", 1))
            elif kind == "touch_user":
                conn.execute(SQL[kind], (tenant, user))
            elif kind in ("list_projects", "kind_counts"):
                conn.execute(SQL[kind], (tenant,)).fetchall()
            elif kind == "activity_report":
                conn.execute(SQL[kind], (tenant, REPORT_SINCE)).fetchall()
            elif kind == "usage_summary":
                conn.execute(SQL[kind], (tenant, USAGE_DAY - timedelta(days=30))).fetchall()
            elif kind == "update_settings":
                conn.execute(SQL[kind], (Jsonb({"theme": rng.choice(("light", "dark"))}), tenant))
            elif kind == "new_user":
                email = f"new-{client}-{n}-{rng.randrange(10**9)}@signup.example"
                conn.execute(SQL[kind], (tenant, email, f"New {n}")).fetchall()
            if n % COUNTER_EVERY == client % COUNTER_EVERY:
                conn.execute(SQL["counter"])
                done["counter"] += 1
        done[kind] += 1
    done["requests"] += ops
    return done


def run_interval(ctx: Context, interval: int, ops: int) -> Counter[str]:
    return run_clients(ctx, interval, ops, one_client)


def describe(facts: dict[str, Any]) -> str:
    seed = facts["setup"]
    return (
        f"Multi-tenant SaaS (scripts/samples/saas.py): {seed['tenants']:,} tenants, {seed['users']:,} users, "
        f"{seed['projects']:,} projects, {seed['events']:,} seed events; UUID keys, tenant-leading composite keys, "
        f"JSONB payloads. {CLIENTS} psycopg clients, {facts['totals'].get('requests', 0):,} requests in all, "
        f"each one transaction; one in {COUNTER_EVERY} also runs UPDATE global_stats … WHERE id = 1 "
        "(one hot counter row); "
        "Zipf-skewed tenant choice, seeded."
    )


SPEC = SampleSpec(
    name="saas",
    title="Multi-tenant SaaS",
    clients=CLIENTS,
    profile=(0.3, 0.7, 1.0, 0.9, 0.0, 0.5, 0.2),
    peak_ops=1800,
    interval_s=3.0,
    setup=setup,
    run_interval=run_interval,
    describe=describe,
)
