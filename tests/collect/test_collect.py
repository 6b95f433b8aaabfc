"""Unit tests of the collector that need no server: redaction, version gate, schedules, catalog math, CLI."""

from __future__ import annotations

import io
import re

import pytest

from costmodel.cli import main
from costmodel.collect.bundle import iso, strip_meta_commands
from costmodel.collect.catalog import resolve_n_distinct, row_estimate
from costmodel.collect.live import check_server_version, redact_snapshot
from costmodel.collect.options import Schedule, redact_dsn, scrub
from costmodel.core.errors import CollectError

SECRET = "Tr0ub4dor&3"

REDACT_CASES = [
    ("postgresql://app:s3cret@db:5432/app", "postgresql://app:***@db:5432/app"),
    ("postgres://app:s3cret@db/app?sslmode=require", "postgres://app:***@db/app?sslmode=require"),
    ("postgresql://app@db:5432/app", "postgresql://app@db:5432/app"),
    ("postgresql://:s3cret@db/app", "postgresql://:***@db/app"),
    (
        "postgresql://app@db/app?password=s3cret&sslmode=require",
        "postgresql://app@db/app?password=***&sslmode=require",
    ),
    ("host=db user=app password=s3cret dbname=app", "host=db user=app password=*** dbname=app"),
    ("host=db password = 'with space' dbname=app", "host=db password = *** dbname=app"),
    ("host=db PASSWORD='it\\'s' dbname=app", "host=db PASSWORD=*** dbname=app"),
    ("error at postgresql://u:p%40ss@h/db: refused", "error at postgresql://u:***@h/db: refused"),
    ("", ""),
]


@pytest.mark.parametrize(("dsn", "expected"), REDACT_CASES, ids=[c[0] or "empty" for c in REDACT_CASES])
def test_redact_dsn(dsn: str, expected: str) -> None:
    assert redact_dsn(dsn) == expected


def test_scrub_removes_known_secret_values_anywhere() -> None:
    text = f'FATAL: something about {SECRET} near "postgresql://a:{SECRET}@h/d"'
    out = scrub(text, (SECRET,))
    assert SECRET not in out
    assert "postgresql://a:***@h/d" in out


@pytest.mark.parametrize(
    ("num", "version"), [(110022, "11.22"), (90624, "9.6.24"), (100023, "10.23")], ids=["11", "9.6", "10"]
)
def test_servers_older_than_12_are_refused(num: int, version: str) -> None:
    with pytest.raises(CollectError) as info:
        check_server_version(num, version)
    assert f"PostgreSQL {version} is too old" in str(info.value)
    assert "12 or newer" in str(info.value)
    assert info.value.hint and "ingest --window" in info.value.hint


@pytest.mark.parametrize("num", [120000, 120022, 150018, 180001])
def test_servers_12_and_newer_pass(num: int) -> None:
    check_server_version(num)


def test_version_shown_from_number_when_text_missing() -> None:
    with pytest.raises(CollectError, match=r"PostgreSQL 11\.5 is too old"):
        check_server_version(110005)


@pytest.mark.parametrize(
    ("every", "total", "count"),
    [(300, 86400, 289), (5, 35, 8), (2, 5, 3), (1, 1, 2), (0.1, 0.3, 4)],
)
def test_series_schedule_counts(every: float, total: float, count: int) -> None:
    schedule = Schedule.series(every, total)
    assert (schedule.count, schedule.every) == (count, every)


def test_series_shorter_than_step_is_refused() -> None:
    with pytest.raises(CollectError, match="shorter than --every"):
        Schedule.series(300, 60)


def test_series_longer_than_the_cap_is_refused() -> None:
    with pytest.raises(CollectError, match="would take 2,592,001 snapshots"):
        Schedule.series(1, 30 * 86400)


def test_interval_and_once_schedules() -> None:
    assert Schedule.interval(900) == Schedule(2, 900)
    assert Schedule.once().count == 1


@pytest.mark.parametrize(
    ("n_distinct", "rows", "expected"),
    [
        (-1.0, 1000, 1000),
        (-0.25, 1000, 250),
        (-0.0001, 100, 1),
        (42.0, 1000, 42),
        (0.0, 1000, None),
        (None, 5, None),
        (-0.5, None, None),
    ],
)
def test_resolve_n_distinct(n_distinct: float | None, rows: float | None, expected: int | None) -> None:
    assert resolve_n_distinct(n_distinct, rows) == expected


@pytest.mark.parametrize(
    ("reltuples", "live", "expected"),
    [(1000.0, 5, 1000), (-1.0, 37, 37), (0.0, 12, 12), (0.0, 0, 0), (-1.0, None, None), (-1.0, 0, 0)],
)
def test_row_estimate(reltuples: float, live: int | None, expected: int | None) -> None:
    assert row_estimate(reltuples, live) == expected


def test_iso_is_utc_with_z() -> None:
    from datetime import datetime, timedelta, timezone

    ts = datetime(2026, 11, 27, 11, 0, 0, 500, tzinfo=timezone(timedelta(hours=1)))
    assert iso(ts) == "2026-11-27T10:00:00.000500Z"
    assert iso(None) is None


def test_strip_meta_commands_keeps_sql() -> None:
    dump = "--\n\\restrict AbC123\n\nSET x = 1;\nCREATE TABLE t (a int);\n\\unrestrict AbC123\n"
    assert strip_meta_commands(dump) == "--\n\nSET x = 1;\nCREATE TABLE t (a int);\n"


# ---- CLI: bad input exits 2 with one line, before any connection --------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--every", "5m"], "--every needs --for"),
        (["--for", "1h"], "--for needs --every"),
        (["--every", "1h", "--for", "5m"], "shorter than --every"),
        (["--interval", "soon"], "--interval 'soon' is not a duration"),
        (["--statement-timeout=0s"], "--statement-timeout '0s' must be longer than zero"),
    ],
)
def test_cli_rejects_bad_schedules(argv: list[str], message: str, tmp_path, capsys) -> None:
    code = main(
        ["collect", "--dsn", f"postgresql://u:{SECRET}@127.0.0.1:1/db", "--out", str(tmp_path / "b"), *argv]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert SECRET not in err
    assert not (tmp_path / "b").exists()


def test_cli_refuses_non_empty_out_dir(tmp_path, capsys) -> None:
    (tmp_path / "old.txt").write_text("x")
    code = main(["collect", "--dsn", "postgresql://u@127.0.0.1:1/db", "--out", str(tmp_path), "--once"])
    assert code == 2
    assert "exists and is not an empty directory" in capsys.readouterr().err
    assert (tmp_path / "old.txt").exists()


def test_cli_interval_and_every_are_exclusive(tmp_path, capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["collect", "--out", str(tmp_path / "b"), "--interval", "1m", "--every", "1m"])
    assert info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_cli_invalid_dsn_is_one_line_without_secret(tmp_path, capsys) -> None:
    code = main(
        ["collect", "--dsn", f"host=h password={SECRET} bogus=1", "--out", str(tmp_path / "b"), "--once"]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "--dsn is not a valid connection string" in err
    assert SECRET not in err
    assert len(err.strip().splitlines()) == 1


def test_help_documents_every_option_and_shows_no_password(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["collect", "--help"])
    out = capsys.readouterr().out
    for option in (
        "--dsn",
        "--out",
        "--interval",
        "--every",
        "--for",
        "--once",
        "--all-databases",
        "--statement-timeout",
        "--no-schema",
        "--gzip",
        "--description",
        "--quiet",
    ):
        assert option in out
    assert "PGPASSWORD" in out
    # examples carry no password in a URL or key=value string
    assert "collector@db" in out
    assert not re.search(r"://[^@\s/]*:[^@\s/]*@", out)
    assert not re.search(r"(?<!PG)password\s*=", out, re.I)


def _redacted(data: bytes, memo: dict[str, str] | None) -> bytes:
    sink = io.BytesIO()
    redact_snapshot(io.BytesIO(data), sink, ("s3cret",), memo)
    return sink.getvalue()


def test_a_series_redacts_each_distinct_text_once_with_the_same_bytes() -> None:
    snapshot = (
        b"queryid,calls,query\n"
        b"1,3,\"SELECT * FROM t WHERE name = 'x' AND id = $1\"\n"
        b"2,1,ALTER ROLE app PASSWORD 's3cret'\n"
        b"3,5,SELECT 1\n"
    )
    alone = _redacted(snapshot, None)
    memo: dict[str, str] = {}
    first, second = _redacted(snapshot, memo), _redacted(snapshot, memo)
    assert first == second == alone
    assert b"'x'" not in alone and b"s3cret" not in alone
    assert len(memo) == 3 and "'x'" not in memo["SELECT * FROM t WHERE name = 'x' AND id = $1"]
