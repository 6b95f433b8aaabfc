"""pgbench TPC-B: five statements per transaction, hot-row contention on branches and tellers.

At scale 1 there is one branch and ten tellers, so four clients all update the same branch row in
every transaction: the classic OCC failure pattern on DSQL. pgbench prints its own transaction
count per run; the sidecar ``driver.yaml`` keeps it so tests can check the bundle against it.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from scripts.samples.common import Context, SampleSpec

SCALE = 1
CLIENTS = 4


def setup(ctx: Context) -> dict[str, Any]:
    ctx.server.pgbench(ctx.dbname, "-i", "-s", str(SCALE), "-q", user=ctx.app_user, password=ctx.app_password)
    return {"scale": SCALE}


def run_interval(ctx: Context, interval: int, ops: int) -> Counter[str]:
    per_client = ops // CLIENTS
    if per_client == 0:
        return Counter()
    processed = ctx.server.pgbench(
        ctx.dbname,
        *("-n", "-c", str(CLIENTS), "-j", "2", "-t", str(per_client), f"--random-seed={100 + interval}"),
        user=ctx.app_user,
        password=ctx.app_password,
    )
    return Counter({"pgbench_transactions": processed})


def describe(facts: dict[str, Any]) -> str:
    return (
        f"pgbench TPC-B (built-in script), scale {SCALE} (100,000 accounts, 1 branch, 10 tellers), "
        f"{CLIENTS} clients, one `pgbench -n -c {CLIENTS} -j 2 -t N --random-seed=…` run per interval; "
        f"pgbench reported {facts['totals'].get('pgbench_transactions', 0):,} transactions processed in all "
        "(per interval in driver.yaml). Hot rows: every transaction updates the single pgbench_branches row."
    )


SPEC = SampleSpec(
    name="pgbench",
    title="pgbench TPC-B",
    clients=CLIENTS,
    profile=(0.4, 1.0, 0.8, 0.0, 0.6, 1.0, 0.2),
    peak_ops=2000,
    interval_s=3.0,
    setup=setup,
    run_interval=run_interval,
    describe=describe,
)
