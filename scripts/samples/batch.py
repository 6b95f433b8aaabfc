"""A nightly batch / reporting job: idle by day, then load, transform, report and clean up.

Each busy interval is one step of the job: bulk loads of 5,000 rows per statement (array unnest)
and one 3,200-row multi-row ``VALUES`` insert, ``INSERT … SELECT`` transforms, reports that scan
the whole fact table and sort with ``work_mem = 64kB`` so they spill to temp files, and a cleanup
that deletes thousands of rows per statement. The idle intervals around it give the activity
series the shape a scale-to-zero simulation cares about.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg

from scripts.samples.common import Context, SampleSpec

STEPS = ("idle", "load", "transform", "report", "cleanup", "idle", "idle")
LOAD_DAY = date(2026, 11, 27)
LOAD_BATCHES = 4
LOAD_ROWS = 5000
FIRST_NEW_SALE = 10_000_000
STORES = 3200
REPORT_WORK_MEM = "64kB"

INSERT_UNNEST = (
    "INSERT INTO sales_staging (sale_id, store_id, product_id, sold_at, qty, amount) "
    "SELECT * FROM unnest(%s::bigint[], %s::integer[], %s::integer[], %s::timestamptz[], %s::integer[], "
    "%s::numeric[])"
)


def setup(ctx: Context) -> dict[str, Any]:
    ctx.run_sql_file("batch_schema.sql")
    return {"stores": STORES, "sales": 250_000}


def load(conn: psycopg.Connection[Any], done: Counter[str]) -> None:
    rng = random.Random(7)
    start = datetime(LOAD_DAY.year, LOAD_DAY.month, LOAD_DAY.day, tzinfo=UTC)
    with conn.transaction():
        conn.execute("DELETE FROM sales_staging")
    for batch in range(LOAD_BATCHES):
        first = FIRST_NEW_SALE + batch * LOAD_ROWS
        ids = list(range(first, first + LOAD_ROWS))
        columns = (
            ids,
            [rng.randint(1, STORES) for _ in ids],
            [rng.randint(1, 20000) for _ in ids],
            [start + timedelta(seconds=rng.randrange(86400)) for _ in ids],
            [rng.randint(1, 5) for _ in ids],
            [Decimal(rng.randint(100, 20000)) / 100 for _ in ids],
        )
        with conn.transaction():
            conn.execute(INSERT_UNNEST, columns)
        done["rows_loaded"] += LOAD_ROWS
    targets = [(store, Decimal(rng.randint(10_000, 90_000))) for store in range(1, STORES + 1)]
    values = ", ".join(["(%s, %s)"] * len(targets))
    with conn.transaction():
        conn.execute("DELETE FROM store_targets")
        conn.execute(
            f"INSERT INTO store_targets (store_id, target) VALUES {values}",
            [x for pair in targets for x in pair],
        )
    done["targets_loaded"] += len(targets)


def transform(conn: psycopg.Connection[Any], done: Counter[str]) -> None:
    start = datetime(LOAD_DAY.year, LOAD_DAY.month, LOAD_DAY.day, tzinfo=UTC)
    with conn.transaction():
        cur = conn.execute(
            "INSERT INTO sales SELECT sale_id, store_id, product_id, sold_at, qty, amount FROM sales_staging "
            "ON CONFLICT (sale_id) DO NOTHING"
        )
        done["rows_moved"] += cur.rowcount
        conn.execute(
            "INSERT INTO daily_store_sales (day, store_id, revenue, units) "
            "SELECT sold_at::date, store_id, sum(amount), sum(qty) FROM sales "
            "WHERE sold_at >= %s AND sold_at < %s GROUP BY 1, 2 "
            "ON CONFLICT (day, store_id) DO UPDATE SET revenue = EXCLUDED.revenue, units = EXCLUDED.units",
            (start - timedelta(days=7), start + timedelta(days=1)),
        )


def report(conn: psycopg.Connection[Any], done: Counter[str]) -> None:
    conn.execute(f"SET work_mem = '{REPORT_WORK_MEM}'")
    conn.execute(
        "SELECT store_id, product_id, sum(amount) AS revenue, sum(qty) AS units FROM sales "
        "GROUP BY store_id, product_id ORDER BY revenue DESC LIMIT 100"
    ).fetchall()
    conn.execute(
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY amount), "
        "percentile_cont(0.9) WITHIN GROUP (ORDER BY amount) FROM sales"
    ).fetchall()
    conn.execute(
        "SELECT sale_id, amount FROM sales ORDER BY amount DESC, sale_id OFFSET %s LIMIT %s", (100_000, 10)
    ).fetchall()
    conn.execute(
        "SELECT s.region, date_trunc('week', x.sold_at) AS week, sum(x.amount) AS revenue, "
        "sum(t.target) AS target FROM sales x JOIN stores s USING (store_id) "
        "LEFT JOIN store_targets t USING (store_id) GROUP BY s.region, week ORDER BY s.region, week"
    ).fetchall()
    with conn.transaction():
        conn.execute("DELETE FROM product_rank WHERE run_date = %s", (LOAD_DAY,))
        cur = conn.execute(
            "INSERT INTO product_rank (run_date, product_id, rank, revenue) "
            "SELECT %s, product_id, rank() OVER (ORDER BY sum(amount) DESC), sum(amount) FROM sales "
            "GROUP BY product_id",
            (LOAD_DAY,),
        )
        done["products_ranked"] += cur.rowcount
    conn.execute("RESET work_mem")
    done["reports"] += 4


def cleanup(conn: psycopg.Connection[Any], done: Counter[str]) -> None:
    with conn.transaction():
        cur = conn.execute("DELETE FROM sales WHERE sold_at < %s", (datetime(2026, 10, 3, tzinfo=UTC),))
        done["rows_purged"] += cur.rowcount
        conn.execute("DELETE FROM sales_staging")
    conn.execute("VACUUM (ANALYZE) sales")


def run_interval(ctx: Context, interval: int, ops: int) -> Counter[str]:
    step = STEPS[interval]
    done: Counter[str] = Counter()
    if step == "idle" or ops == 0:
        return done
    conn = ctx.conn(0, autocommit=True)
    {"load": load, "transform": transform, "report": report, "cleanup": cleanup}[step](conn, done)
    done[f"step_{step}"] += 1
    return done


def describe(facts: dict[str, Any]) -> str:
    t = facts["totals"]
    return (
        f"Nightly batch (scripts/samples/batch.py): {STORES:,} stores, 250,000 seed sales; one job run as "
        f"{' → '.join(STEPS)} intervals: {t.get('rows_loaded', 0):,} rows loaded in {LOAD_ROWS:,}-row "
        f"statements plus a {t.get('targets_loaded', 0):,}-row VALUES insert, INSERT … SELECT transforms, "
        f"reports with work_mem = {REPORT_WORK_MEM} (temp spills), {t.get('rows_purged', 0):,} rows purged "
        "by one DELETE. One client."
    )


SPEC = SampleSpec(
    name="batch",
    title="Nightly batch / reporting",
    clients=1,
    profile=tuple(0.0 if step == "idle" else 1.0 for step in STEPS),
    peak_ops=1,
    interval_s=3.0,
    setup=setup,
    run_interval=run_interval,
    describe=describe,
    compress=True,
)
