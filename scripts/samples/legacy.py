"""A legacy order-entry app: the PostgreSQL features a DSQL migration has to replace.

SERIAL keys and a sequence without CACHE (``nextval('invoice_no_seq')`` in the INSERT), a PL/pgSQL
audit trigger on orders (its statements appear as nested entries, ``toplevel = false``, because
the server tracks ``all``), NOTIFY from the app and ``pg_notify`` from the trigger with a LISTEN
connection, SAVEPOINT / ROLLBACK TO around an optional discount, SERIALIZABLE transfers retried
on serialization failures, a job queue behind advisory locks, and per interval a TRUNCATE + COPY
import and a report through an ``ON COMMIT DROP`` temporary table.
"""

from __future__ import annotations

import io
import random
from collections import Counter
from typing import Any

import psycopg

from scripts.samples.common import Context, SampleSpec, run_clients

CLIENTS = 4
CUSTOMERS = 5000
SEED_ORDERS = 20000
JOB_KINDS = ("email", "invoice", "export")
IMPORT_ROWS = 500
MAX_RETRIES = 8

MIX: tuple[tuple[str, int], ...] = (
    ("place_order", 30),
    ("set_status", 20),
    ("transfer", 15),
    ("run_job", 15),
    ("customer_orders", 10),
    ("search_customers", 10),
)


def setup(ctx: Context) -> dict[str, Any]:
    ctx.run_sql_file("legacy_schema.sql")
    return {"customers": CUSTOMERS, "orders": SEED_ORDERS, "jobs": 3000}


def place_order(conn: psycopg.Connection[Any], rng: random.Random, done: Counter[str]) -> None:
    customer = rng.randint(1, CUSTOMERS)
    conn.execute("BEGIN")
    conn.execute("SELECT id, name, balance FROM customers WHERE id = %s", (customer,)).fetchone()
    row = conn.execute(
        "INSERT INTO orders (customer_id, invoice_no, total) VALUES (%s, nextval('invoice_no_seq'), %s) RETURNING id",
        (customer, rng.randint(5, 500)),
    ).fetchone()
    assert row is not None
    conn.execute("SAVEPOINT apply_discount")
    conn.execute("UPDATE orders SET total = total * 0.9 WHERE id = %s", (row[0],))
    if rng.random() < 0.3:
        conn.execute("ROLLBACK TO SAVEPOINT apply_discount")
        done["discount_rolled_back"] += 1
    else:
        conn.execute("RELEASE SAVEPOINT apply_discount")
    conn.execute("NOTIFY order_events, 'order_placed'")
    conn.execute("COMMIT")


def transfer(conn: psycopg.Connection[Any], rng: random.Random, done: Counter[str]) -> None:
    a, b = rng.sample(range(1, CUSTOMERS + 1), 2)
    amount = rng.randint(1, 50)
    steps = [("debit", a), ("credit", b)]
    steps.sort(key=lambda s: s[1])  # lock rows in id order: no deadlocks, only serialization failures
    for _attempt in range(MAX_RETRIES):
        try:
            conn.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
            conn.execute("SELECT balance FROM customers WHERE id = %s", (a,)).fetchone()
            for kind, who in steps:
                if kind == "debit":
                    conn.execute("UPDATE customers SET balance = balance - %s WHERE id = %s", (amount, who))
                else:
                    conn.execute("UPDATE customers SET balance = balance + %s WHERE id = %s", (amount, who))
            conn.execute("COMMIT")
            return
        except (psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected):
            conn.execute("ROLLBACK")
            done["serialization_retries"] += 1
    done["transfer_gave_up"] += 1


def run_job(conn: psycopg.Connection[Any], rng: random.Random, done: Counter[str]) -> None:
    lock = rng.randrange(len(JOB_KINDS))
    conn.execute("SELECT pg_advisory_lock(%s)", (1000 + lock,)).fetchone()
    try:
        job = conn.execute(
            "SELECT id, payload FROM job_queue WHERE kind = %s AND state = 'ready' ORDER BY id LIMIT 1",
            (JOB_KINDS[lock],),
        ).fetchone()
        if job:
            conn.execute("UPDATE job_queue SET state = 'done', done_at = now() WHERE id = %s", (job[0],))
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (1000 + lock,)).fetchone()


def one_client(ctx: Context, client: int, rng: random.Random, ops: int) -> Counter[str]:
    conn = ctx.conn(client, autocommit=True)
    kinds = [k for k, _ in MIX]
    weights = [w for _, w in MIX]
    done: Counter[str] = Counter()
    for _ in range(ops):
        kind = rng.choices(kinds, weights=weights, k=1)[0]
        if kind == "place_order":
            place_order(conn, rng, done)
        elif kind == "set_status":
            conn.execute(
                "UPDATE orders SET status = %s WHERE id = %s",
                (rng.choice(("paid", "shipped", "closed")), rng.randint(1, SEED_ORDERS)),
            )
        elif kind == "transfer":
            transfer(conn, rng, done)
        elif kind == "run_job":
            run_job(conn, rng, done)
        elif kind == "customer_orders":
            conn.execute(
                "SELECT id, invoice_no, status, total, created_at FROM orders WHERE customer_id = %s "
                "ORDER BY created_at DESC LIMIT 10",
                (rng.randint(1, CUSTOMERS),),
            ).fetchall()
        else:
            conn.execute(
                "SELECT id, name, email FROM customers WHERE name LIKE %s ORDER BY name LIMIT 20",
                (f"Customer {rng.randint(1, 499)}%",),
            ).fetchall()
        done[kind] += 1
    return done


def nightly_import(conn: psycopg.Connection[Any], interval: int) -> None:
    """TRUNCATE the staging table, COPY a file into it, apply it, in one transaction."""
    rng = random.Random(interval)
    rows = "".join(
        f"{i}\t{cid}\t{rng.randint(1, 99)}.{rng.randint(0, 99):02d}\n"
        for i, cid in enumerate(rng.sample(range(1, CUSTOMERS + 1), IMPORT_ROWS), start=1)
    )
    conn.execute("BEGIN")
    conn.execute("TRUNCATE staging_import")
    with conn.cursor().copy("COPY staging_import (line_no, customer_id, amount) FROM STDIN") as copy:
        copy.write(io.StringIO(rows).read())
    conn.execute(
        "UPDATE customers c SET balance = c.balance + s.amount FROM staging_import s WHERE c.id = s.customer_id"
    )
    conn.execute("COMMIT")


def totals_report(conn: psycopg.Connection[Any]) -> None:
    """The report job: one at a time (advisory lock), through an ON COMMIT DROP temp table."""
    conn.execute("BEGIN")
    conn.execute("SELECT pg_advisory_xact_lock(42)").fetchone()
    conn.execute(
        "CREATE TEMP TABLE tmp_customer_totals (customer_id integer, orders integer, total numeric) ON COMMIT DROP"
    )
    conn.execute(
        "INSERT INTO tmp_customer_totals SELECT customer_id, count(*), sum(total) FROM orders GROUP BY customer_id"
    )
    conn.execute(
        "SELECT c.name, t.orders, t.total FROM tmp_customer_totals t JOIN customers c ON c.id = t.customer_id "
        "ORDER BY t.total DESC LIMIT 20"
    ).fetchall()
    conn.execute("COMMIT")


def run_interval(ctx: Context, interval: int, ops: int) -> Counter[str]:
    if ops == 0:
        return Counter()
    listener = ctx.conn(CLIENTS, autocommit=True)
    listener.execute("LISTEN order_events")
    done = run_clients(ctx, interval, ops, one_client)
    batch = ctx.conn(CLIENTS + 1, autocommit=True)
    nightly_import(batch, interval)
    totals_report(batch)
    done["imports"] += 1
    done["reports"] += 1
    done["notifications_received"] += sum(1 for _ in listener.notifies(timeout=0.5))
    listener.execute("UNLISTEN order_events")
    return done


def describe(facts: dict[str, Any]) -> str:
    t = facts["totals"]
    return (
        f"Legacy order entry (scripts/samples/legacy.py): {CUSTOMERS:,} customers, {SEED_ORDERS:,} seed orders; "
        f"SERIAL keys, sequence without CACHE, PL/pgSQL audit trigger (nested statements, track = all), "
        f"LISTEN/NOTIFY, SAVEPOINT, SERIALIZABLE transfers ({t.get('serialization_retries', 0)} retries), "
        f"advisory locks, TRUNCATE + COPY import and an ON COMMIT DROP temp table per interval. "
        f"{CLIENTS} psycopg clients, {sum(t.get(k, 0) for k, _ in MIX):,} operations in all."
    )


SPEC = SampleSpec(
    name="legacy",
    title="Legacy order entry",
    clients=CLIENTS,
    profile=(0.5, 1.0, 0.8, 0.0, 0.3, 0.9, 0.4),
    peak_ops=800,
    interval_s=3.0,
    setup=setup,
    run_interval=run_interval,
    describe=describe,
)
