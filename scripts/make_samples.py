"""Regenerate ``sample_stats/`` against a throw-away PostgreSQL: ``make samples``.

For each sample: create its database (owned by the role ``app``), create and seed the schema,
reset pg_stat_statements for that database, then ``dsqlcost collect`` it with a short series of
snapshots while the sample's driver runs one slice of its workload per interval (the activity
profile in each ``scripts/samples/<name>.py``). The collector connects as its own role with
``pg_read_all_stats``, exactly as a user would. Each bundle gets a ``driver.yaml`` sidecar with
what the driver did per interval (pgbench's own transaction counts included), and
``sample_stats/README.md`` is rewritten with how every sample was made.

Usage: ``python -m scripts.make_samples [--only NAME ...] [--out DIR]``
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from costmodel.collect.bundle import write_yaml
from costmodel.collect.live import collect
from costmodel.collect.options import CollectOptions, Schedule
from scripts.samples import batch, legacy, pgbench, saas
from scripts.samples.common import Context, SampleSpec
from tests.pgserver import PgServer

SPECS: dict[str, SampleSpec] = {s.name: s for s in (pgbench.SPEC, saas.SPEC, legacy.SPEC, batch.SPEC)}
APP_ROLE = "app"
COLLECTOR_ROLE = "dsqlcost_collector"
SIZE_BUDGET_BYTES = 300 * 1024


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def make_sample(
    server: PgServer, spec: SampleSpec, out_root: Path, app_pw: str, collector_pw: str
) -> dict[str, Any]:
    """Build one sample bundle in a staging directory, then swap it in place of the old one."""
    started = time.monotonic()
    server.execute(f'DROP DATABASE IF EXISTS "{spec.name}"')
    server.create_database(spec.name, owner=APP_ROLE)
    ctx = Context(
        server=server, dbname=spec.name, app_user=APP_ROLE, app_password=app_pw, clients=spec.clients
    )
    setup_facts = spec.setup(ctx)
    server.execute("VACUUM ANALYZE", dbname=spec.name)
    server.reset_statements(spec.name)
    setup_seconds = time.monotonic() - started

    intervals: list[dict[str, Any]] = []
    totals: Counter[str] = Counter()

    def drive(seconds: float) -> None:
        deadline = time.monotonic() + seconds
        index = len(intervals)
        ops = round(spec.profile[index] * spec.peak_ops)
        began = time.monotonic()
        counts = spec.run_interval(ctx, index, ops)
        busy = time.monotonic() - began
        totals.update(counts)
        intervals.append(
            {
                "interval": index,
                "activity": spec.profile[index],
                "planned_ops": ops,
                "busy_seconds": round(busy, 2),
                "counts": dict(sorted(counts.items())),
            }
        )
        time.sleep(max(0.0, deadline - time.monotonic()))

    staging = out_root / f".{spec.name}.new"
    shutil.rmtree(staging, ignore_errors=True)
    options = CollectOptions(
        dsn=server.dsn(spec.name, user=COLLECTOR_ROLE, password=collector_pw),
        out=staging,
        schedule=Schedule(count=len(spec.profile) + 1, every=spec.interval_s),
        compress=spec.compress,
    )
    try:
        result = collect(options, wait=drive, progress=lambda m: print(f"  {spec.name}: {m}", flush=True))
    finally:
        ctx.close()
    facts = {"setup": setup_facts, "totals": dict(totals)}
    description = spec.describe(facts)
    meta = yaml.safe_load((staging / "bundle.yaml").read_text())
    meta["description"] = description
    write_yaml(staging / "bundle.yaml", meta)
    driver = {
        "sample": spec.name,
        "title": spec.title,
        "generator": f"python -m scripts.make_samples --only {spec.name}",
        "postgres": meta["server"]["version"],
        "clients": spec.clients,
        "interval_seconds": spec.interval_s,
        "snapshots": len(result.snapshots),
        "setup": setup_facts,
        "setup_seconds": round(setup_seconds, 1),
        "intervals": intervals,
        "totals": dict(sorted(totals.items())),
    }
    write_yaml(staging / "driver.yaml", driver)
    target = out_root / spec.name
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    elapsed = time.monotonic() - started
    size = dir_bytes(target)
    if size > SIZE_BUDGET_BYTES:
        print(
            f"  warning: {target} is {size / 1024:.0f} KB (budget {SIZE_BUDGET_BYTES // 1024} KB)", flush=True
        )
    server.execute(
        f'DROP DATABASE IF EXISTS "{spec.name}" WITH (FORCE)'
        if server.major >= 13
        else f'DROP DATABASE IF EXISTS "{spec.name}"'
    )
    return {
        "spec": spec,
        "description": description,
        "meta": meta,
        "driver": driver,
        "seconds": elapsed,
        "bytes": size,
        "statements": result.snapshots[-1].rows,
    }


README_HEAD = """# sample_stats: real workloads, collected with `dsqlcost collect`

Four export bundles (format `dsqlcost-bundle/1`, see `docs/bundle-format.md`), each made by driving
a real workload against a throw-away PostgreSQL {version} while `dsqlcost collect` took a short
series of snapshots. Regenerate all of them with one command:

```
make samples                      # = python -m scripts.make_samples
python -m scripts.make_samples --only saas
```

How: `scripts/make_samples.py` starts the throw-away server from `tests/pgserver.py`
(`pg_stat_statements.track = all`, `track_io_timing = on`, `compute_query_id = on`; fsync off),
creates one database per sample owned by the role `app`, creates and seeds the schema, resets
pg_stat_statements for that database, then collects {snapshots} snapshots {interval:g} s apart as the
role `dsqlcost_collector` (granted `pg_read_all_stats`, plus `pg_read_all_data` so pg_dump and
pg_stats work). Between two snapshots the sample's driver (`scripts/samples/<name>.py`) runs one
slice of its workload, sized by an activity profile with an idle interval, so every bundle carries
an activity series. Choices are seeded, so call counts repeat run to run (except the legacy
sample's serialization retries); timings and buffer counters vary.

Each bundle holds `bundle.yaml`, `snapshots/`, `catalog.yaml`, `schema.sql` (pg_dump
--schema-only) and `driver.yaml`, a sidecar with what the driver did in each interval (for
pgbench, pgbench's own count of processed transactions).

| sample | workload | clients | snapshots × interval | statements | size | generation |
|---|---|---|---|---|---|---|
"""


def write_readme(out_root: Path, built: list[dict[str, Any]]) -> None:
    existing = {b["spec"].name: b for b in built}
    rows: list[str] = []
    sections: list[str] = []
    for name, spec in SPECS.items():
        target = out_root / name
        if name in existing:
            b = existing[name]
            meta, driver, seconds = b["meta"], b["driver"], f"{b['seconds']:.0f} s"
        elif (target / "bundle.yaml").exists():
            meta = yaml.safe_load((target / "bundle.yaml").read_text())
            driver = yaml.safe_load((target / "driver.yaml").read_text())
            seconds = "(earlier run)"
        else:
            continue
        statements = meta["snapshots"][-1]["rows"]
        size = dir_bytes(target)
        profile = ", ".join(f"{a:g}" for a in spec.profile)
        activity = (
            "Activity per interval (1 = one step of the job, 0 = idle)"
            if spec.peak_ops == 1
            else f"Activity per interval (fraction of {spec.peak_ops:,} operations at peak)"
        )
        rows.append(
            f"| [`{name}/`]({name}/) | {spec.title} | {spec.clients} | {len(meta['snapshots'])} × "
            f"{spec.interval_s:g} s | {statements} | {size / 1024:.0f} KB | {seconds} |"
        )
        sections.append(
            f"## `{name}/`: {spec.title}\n\n{meta['description']}\n\n"
            f"- PostgreSQL {meta['server']['version']}, pg_stat_statements {meta['server']['extversion']}; "
            f"window {meta['window']['seconds']:.1f} s over {len(meta['snapshots'])} snapshots.\n"
            f"- {activity}: {profile}.\n"
            f"- Setup: {', '.join(f'{k} {v:,}' for k, v in driver['setup'].items())}.\n"
            f"- Regenerate alone: `{driver['generator']}`.\n"
        )
    version = next((b["meta"]["server"]["version"] for b in built), "")
    head = README_HEAD.format(
        version=version,
        snapshots=len(next(iter(SPECS.values())).profile) + 1,
        interval=next(iter(SPECS.values())).interval_s,
    )
    (out_root / "README.md").write_text(head + "\n".join(rows) + "\n\n" + "\n".join(sections))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.make_samples", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--only", action="append", choices=sorted(SPECS), help="build only this sample (repeatable)"
    )
    parser.add_argument(
        "--out", type=Path, default=Path("sample_stats"), help="output directory (sample_stats)"
    )
    args = parser.parse_args(argv)
    names = args.only or list(SPECS)
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    server = PgServer.start_new()
    print(
        f"throw-away PostgreSQL {server.major} on 127.0.0.1:{server.port} ({time.monotonic() - started:.1f} s)"
    )
    try:
        app_pw, collector_pw = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        server.create_role(APP_ROLE, app_pw)
        grants = ["pg_read_all_stats"] + (["pg_read_all_data"] if server.major >= 14 else [])
        server.create_role(COLLECTOR_ROLE, collector_pw, grants=grants)
        built = []
        for name in names:
            print(f"{name}: building", flush=True)
            b = make_sample(server, SPECS[name], args.out, app_pw, collector_pw)
            built.append(b)
            print(
                f"{name}: {b['statements']} statements, {b['bytes'] / 1024:.0f} KB, {b['seconds']:.0f} s",
                flush=True,
            )
            for path in (args.out / name).rglob("*"):
                if path.is_file() and path.suffix != ".gz":
                    text = path.read_text(errors="replace")
                    assert app_pw not in text and collector_pw not in text, f"password leaked into {path}"
        write_readme(args.out, built)
    finally:
        server.stop()
    print(f"done in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
