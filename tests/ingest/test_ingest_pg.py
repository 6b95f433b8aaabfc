"""Against a real PostgreSQL: every way psql exports pg_stat_statements reads back to the same rows.

Uses the session server of ``tests/conftest.py``; the exports come from this machine's psql, so a
change in psql's CSV, COPY or JSON output would show here first.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from costmodel.core.errors import IngestError
from costmodel.ingest.load import load_workload
from tests.data.ingest import make_pg_exports as pg

READABLE = (
    "psql_csv.csv",
    "psql_csv.csv.gz",
    "copy_csv.csv",
    "copy_text_noheader.tsv",
    "json_agg.json",
    "json_agg.json.gz",
    "row_to_json.jsonl",
)


@pytest.fixture
def exports(pg_db, tmp_path: Path) -> tuple[dict[str, Path], list[dict]]:  # type: ignore[no-untyped-def]
    pg.run_workload(pg_db.server, pg_db.name)
    pg.freeze(pg_db.server, pg_db.name)
    files = pg.export_all(pg_db.server, pg_db.name, tmp_path)
    return files, pg.truth(pg_db.server, pg_db.name)


def _rows(path: Path) -> list[tuple]:
    s = load_workload([path], include_nested=True).statements
    return sorted(
        (int(q), bool(t), x, c, e, r)
        for q, t, x, c, e, r in zip(
            s["queryid"], s["toplevel"], s["query"], s["calls"], s["total_exec_time"], s["rows"]
        )
    )


def test_every_psql_export_reads_back_exactly(exports) -> None:  # type: ignore[no-untyped-def]
    files, truth = exports
    want = sorted(
        (t["queryid"], t["toplevel"], t["query"], t["calls"], t["total_exec_time"], t["rows"]) for t in truth
    )
    assert any("\r\n" in t["query"] for t in truth) and any(len(t["query"]) > 8000 for t in truth)
    names = [n for n in READABLE if n in files] + [n for n in ("copy_text_header.tsv",) if n in files]
    for name in names:
        assert _rows(files[name]) == want, name


def test_psql_unaligned_exports_fail_clearly(exports) -> None:  # type: ignore[no-untyped-def]
    files, _ = exports
    for name in ("unaligned_tab.tsv", "unaligned_pipe.txt"):
        with pytest.raises(IngestError, match="psql --csv"):
            load_workload([files[name]])


def test_unprivileged_export_keeps_hidden_rows(exports) -> None:  # type: ignore[no-untyped-def]
    files, truth = exports
    workload = load_workload([files["reader_csv.csv"]], include_nested=True)
    hidden = workload.statements[workload.statements["unclassifiable"]]
    assert len(hidden) >= len(truth) - 1
    assert (hidden["query"] == "<insufficient privilege>").all()
    assert hidden["queryid"].isna().all() and (hidden["calls"] > 0).all()
    assert hidden["stmt_id"].str.startswith("r").all()


def test_a_collected_bundle_reads_back(pg_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """End to end with the real collector: three snapshots → delta, activity series, catalog, info."""
    import psycopg

    from costmodel.collect.live import collect
    from costmodel.collect.options import CollectOptions, Schedule

    with psycopg.connect(pg_db.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE items (id int PRIMARY KEY, price numeric)")
        conn.execute("INSERT INTO items SELECT g, g * 1.5 FROM generate_series(1, 500) g")
    rounds = iter((10, 30, 0))

    def work(_seconds: float) -> None:
        with psycopg.connect(pg_db.dsn) as conn:
            for i in range(next(rounds)):
                conn.execute("SELECT price FROM items WHERE id = %s", (i + 1,)).fetchone()

    out = tmp_path / "bundle"
    collect(CollectOptions(dsn=pg_db.dsn, out=out, schedule=Schedule.series(0.2, 0.4)), wait=work)
    workload = load_workload([out])
    s = workload.statements
    price = s[s["query"].fillna("").str.startswith("SELECT price FROM items WHERE id = $1")]
    assert price["calls"].sum() == 40
    assert workload.window.source == "snapshots" and workload.window.seconds > 0
    assert workload.series is not None
    intervals = workload.series.intervals
    assert len(intervals) == 2 and (intervals["seconds"] > 0).all()
    assert intervals["calls"].iloc[0] >= 10 and intervals["calls"].iloc[1] >= 30
    assert workload.catalog is not None and workload.catalog.table("items") is not None
    assert workload.info["settings"]["pg_stat_statements.track"] == "all"
    assert workload.info["server_version"] and workload.info["extversion"]
    assert workload.generation.startswith(workload.info["extversion"])
