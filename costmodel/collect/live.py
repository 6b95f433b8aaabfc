"""Live PostgreSQL → export bundle: pg_stat_statements snapshots plus catalog facts.

``dsqlcost collect`` connects read-only, checks that pg_stat_statements is loaded, created and
readable (and says exactly which piece is missing when it is not), records the server facts and
the catalog, then takes snapshots on a schedule and writes a ``dsqlcost-bundle/1`` directory
(``docs/bundle-format.md``). Two snapshots give a delta over a known window; three or more also
give the activity series that the scale-to-zero simulation needs.

Why the care around secrets: a DSN often carries a password. It never reaches output, errors,
the bundle or a child process's command line (:func:`redact_dsn`, :func:`scrub`; pg_dump gets the
password through ``PGPASSWORD`` and ``sslpassword`` through a 0600 service file). Query texts are
written with their literals redacted (:func:`costmodel.redact.redact_query`, as reports show them),
because utility statements keep theirs — ``ALTER ROLE … PASSWORD '…'`` — unless ``--keep-secrets``.

Why the marker comment: the collector's own statements would otherwise show up in the very
snapshots it takes. Every statement it runs starts with :data:`MARKER`, and snapshots leave out
entries whose text contains it (pganalyze does the same with its own queries).
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, NoReturn, cast
from urllib.parse import quote

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from costmodel.collect.bundle import BundleWriter, dump_schema
from costmodel.collect.catalog import read_catalog
from costmodel.collect.options import (
    URL_USERINFO,
    CollectOptions,
    CollectResult,
    ServerFacts,
    SnapshotInfo,
    scrub,
)
from costmodel.core.errors import CollectError
from costmodel.core.redact import redact_query
from costmodel.core.safeio import check_output_dir
from costmodel.core.timebase import format_duration

MARKER = "/* dsqlcost collect */"
"""Leading comment of every statement the collector runs; such entries are left out of snapshots."""

MIN_SERVER_VERSION_NUM = 120000
"""PostgreSQL 12: the oldest server whose pg_stat_statements (1.7) the reader understands."""

SETTINGS: tuple[str, ...] = (
    "pg_stat_statements.track",
    "pg_stat_statements.track_utility",
    "pg_stat_statements.track_planning",
    "pg_stat_statements.max",
    "track_io_timing",
    "compute_query_id",
    "shared_buffers",
)
"""Settings recorded in bundle.yaml because they change what the counters mean (shared_buffers:
the source's cache, a witness of the working set for Serverless v2's memory floor)."""

SPOOL_BYTES = 64 << 20
"""A snapshot is held in memory up to this size while it is redacted, then spilled to a temporary file."""

Progress = Callable[[str], None]
Waiter = Callable[[float], None]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def check_server_version(version_num: int, version: str = "") -> None:
    """Refuse servers older than PostgreSQL 12 (their pg_stat_statements lacks what we read)."""
    if version_num < MIN_SERVER_VERSION_NUM:
        shown = version or f"{version_num // 10000}.{version_num % 10000}"
        raise CollectError(
            f"PostgreSQL {shown} is too old: collect needs PostgreSQL 12 or newer",
            hint="upgrade the server, or export pg_stat_statements with "
            "psql --csv -c 'SELECT * FROM pg_stat_statements' and read it with dsqlcost ingest --window",
        )


# ---- connection ---------------------------------------------------------------------------


@dataclass
class _Conn:
    """A read-only autocommit connection that knows the secrets to scrub from its errors."""

    params: dict[str, Any]
    secrets: tuple[str, ...]
    conn: psycopg.Connection[Any] | None = None

    @classmethod
    def from_options(cls, options: CollectOptions) -> _Conn:
        env_pw = os.environ.get("PGPASSWORD", "")
        raw_pw = tuple(m["pw"] for m in URL_USERINFO.finditer(options.dsn))
        if any("@" in pw for pw in raw_pw):
            # libpq ends the password at the first "@" and takes the rest for the host name, which
            # its errors would then print: refuse before connecting, without echoing anything.
            raise CollectError(
                "the password in --dsn holds an unencoded '@'",
                hint="percent-encode it as %40, or keep the password in PGPASSWORD or ~/.pgpass",
            )
        try:
            params = conninfo_to_dict(options.dsn) if options.dsn else {}
        except psycopg.Error as exc:
            raise CollectError(
                f"--dsn is not a valid connection string: {scrub(_one_line(str(exc)), (*raw_pw, env_pw))}",
                hint="write postgresql://USER@HOST:5432/DBNAME or 'host=… dbname=… user=…', "
                "and keep the password in PGPASSWORD or ~/.pgpass",
            ) from None
        given = (str(params.get("password") or ""), str(params.get("sslpassword") or ""))
        secrets = tuple(s for s in (*given, env_pw, *raw_pw) if s)
        extra = f"-c default_transaction_read_only=on -c statement_timeout={int(options.statement_timeout_s * 1000)}"
        params["options"] = f"{params['options']} {extra}" if params.get("options") else extra
        params.setdefault("connect_timeout", str(options.connect_timeout_s))
        params.setdefault("application_name", "dsqlcost collect")
        return cls(params=params, secrets=secrets)

    def where(self) -> str:
        """``postgresql://user@host:port/db`` of the live connection or of the parameters."""
        host: str
        port: object
        user: object
        db: object
        if self.conn is not None:
            info = self.conn.info
            host, port, user, db = info.host, info.port, info.user, info.dbname
        else:  # not connected yet: the parameters, else the libpq environment
            env = os.environ
            host = str(self.params.get("host") or env.get("PGHOST") or "localhost")
            port = self.params.get("port") or env.get("PGPORT", "")
            user = self.params.get("user") or env.get("PGUSER", "")
            db = self.params.get("dbname") or env.get("PGDATABASE", "")
        hostpart = host if not host.startswith("/") else quote(host, safe="")
        userpart = f"{quote(str(user), safe='')}@" if user else ""
        portpart = f":{port}" if port else ""
        return f"postgresql://{userpart}{hostpart}{portpart}/{quote(str(db), safe='')}"

    def connect(self) -> psycopg.Connection[Any]:
        try:
            self.conn = psycopg.connect(**self.params, autocommit=True)
        except psycopg.Error as exc:
            raise self._connect_error(exc) from None
        return self.conn

    def _connect_error(self, exc: psycopg.Error) -> CollectError:
        message = scrub(_one_line(str(exc)), self.secrets)
        message = message.removeprefix("connection failed: ")
        low = message.lower()
        if "password authentication failed" in low or "no password supplied" in low:
            hint = "check the user name and the password (PGPASSWORD, ~/.pgpass, or the DSN)"
        elif "no pg_hba.conf entry" in low:
            hint = "allow this client in the server's pg_hba.conf (or the security group / parameter group)"
        elif "does not exist" in low:
            hint = "check the database and role names in --dsn"
        else:
            hint = "check host and port, that the server runs and accepts TCP connections from here"
        return CollectError(f"cannot connect to {self.where()}: {message}", hint=hint)

    def error(self, what: str, exc: psycopg.Error, hint: str | None = None) -> CollectError:
        """A one-line CollectError for a failed query, secrets scrubbed."""
        message = scrub(_one_line(str(exc)), self.secrets)
        if isinstance(exc, psycopg.errors.QueryCanceled):
            hint = hint or "raise --statement-timeout"
        return CollectError(f"{what} failed on {self.where()}: {message}", hint=hint)

    def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):
                self.conn.close()
            self.conn = None


def _q(text: str) -> str:
    """A collector statement: the marker comment, then the text."""
    return f"{MARKER} {text}"


# ---- checks -------------------------------------------------------------------------------


def inspect_server(session: _Conn) -> ServerFacts:
    """Check version, extension, library and privileges; return the server facts.

    Raises :class:`CollectError` naming the missing piece: server < 12, library not in
    ``shared_preload_libraries``, extension not created in this database, no ``SELECT`` on the
    view, or a role without ``pg_read_all_stats``.
    """
    conn = session.conn
    assert conn is not None
    try:
        row = conn.execute(
            _q(
                "SELECT current_setting('server_version_num')::int, current_setting('server_version'), "
                "current_database(), current_user, current_setting('block_size')::int, "
                "current_setting('pg_stat_statements.max', true) IS NOT NULL, "
                "pg_database_size(current_database())"
            )
        ).fetchone()
        assert row is not None
        version_num, version, database, user, block_size, loaded, db_size = row
        check_server_version(int(version_num), str(version))
        ext = conn.execute(
            _q(
                "SELECT e.extversion, n.nspname FROM pg_extension e "
                "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_stat_statements'"
            )
        ).fetchone()
    except psycopg.Error as exc:
        raise session.error("reading server facts", exc) from None
    if ext is None:
        _raise_no_extension(session, str(database), bool(loaded))
    extversion, schema = str(ext[0]), str(ext[1])
    view = sql.Identifier(schema, "pg_stat_statements")
    _check_view_readable(session, view, schema, str(user))
    _check_privileges(session, view, str(user))
    settings, has_info = _read_settings(session, schema)
    return ServerFacts(
        version=str(version).split()[0],
        version_num=int(version_num),
        extversion=extversion,
        ext_schema=schema,
        block_size=int(block_size),
        database=str(database),
        database_size_bytes=int(db_size),
        user=str(user),
        collected_from=session.where(),
        settings=settings,
        has_info_view=has_info,
    )


def _raise_no_extension(session: _Conn, database: str, loaded: bool) -> NoReturn:
    """The extension is missing: say whether the library is loaded too, and how to fix each."""
    if not loaded:
        raise CollectError(
            f"pg_stat_statements is not loaded on {session.where()} and not created in database {database!r}",
            hint="add pg_stat_statements to shared_preload_libraries (RDS/Aurora: the DB parameter group), "
            f"restart, then run CREATE EXTENSION pg_stat_statements; in database {database!r}",
        )
    raise CollectError(
        f"extension pg_stat_statements is not created in database {database!r} "
        "(the library is loaded, the view is missing)",
        hint=f"run CREATE EXTENSION pg_stat_statements; in database {database!r} (as its owner or a superuser)",
    )


def _check_view_readable(session: _Conn, view: sql.Composable, schema: str, user: str) -> None:
    """Read one row of the view: fails when the library is not preloaded or the role may not read it."""
    conn = session.conn
    assert conn is not None
    try:
        conn.execute(sql.SQL(_q("SELECT 1 FROM {} LIMIT 1")).format(view)).fetchall()
    except psycopg.errors.ObjectNotInPrerequisiteState:
        raise CollectError(
            "pg_stat_statements is created but not loaded: it is not in shared_preload_libraries",
            hint="add pg_stat_statements to shared_preload_libraries (RDS/Aurora: the DB parameter group) "
            "and restart the server",
        ) from None
    except psycopg.errors.InsufficientPrivilege:
        raise CollectError(
            f"role {user!r} may not read {schema}.pg_stat_statements",
            hint=f"GRANT SELECT ON {schema}.pg_stat_statements TO {user}; and GRANT pg_read_all_stats TO {user};",
        ) from None
    except psycopg.Error as exc:
        raise session.error("reading pg_stat_statements", exc) from None


def _read_settings(session: _Conn, schema: str) -> tuple[dict[str, str | None], bool]:
    """The server settings the report shows, and whether ``pg_stat_statements_info`` exists (PG 14+)."""
    conn = session.conn
    assert conn is not None
    try:
        settings: dict[str, str | None] = {}
        for name in SETTINGS:
            got = conn.execute(_q("SELECT current_setting(%s, true)"), (name,)).fetchone()
            settings[name] = None if got is None or got[0] is None else str(got[0])
        info = conn.execute(
            _q("SELECT to_regclass(%s) IS NOT NULL"), (f'"{schema}".pg_stat_statements_info',)
        )
        has_info = bool((info.fetchone() or (False,))[0])
    except psycopg.Error as exc:
        raise session.error("reading settings", exc) from None
    return settings, has_info


def _check_privileges(session: _Conn, view: sql.Composable, user: str) -> None:
    """Fail when the role lacks pg_read_all_stats: other roles' statements would have no text."""
    conn = session.conn
    assert conn is not None
    try:
        granted = conn.execute(
            _q("SELECT pg_has_role(current_user, 'pg_read_all_stats', 'USAGE')")
        ).fetchone()
        if granted and granted[0]:
            return
        counts = conn.execute(
            sql.SQL(
                _q(
                    "SELECT count(*) FILTER (WHERE query = '<insufficient privilege>' OR queryid IS NULL), count(*) FROM {}"
                )
            ).format(view)
        ).fetchone()
    except psycopg.Error as exc:
        raise session.error("checking privileges", exc) from None
    hidden, total = counts if counts else (0, 0)
    raise CollectError(
        f"role {user!r} lacks pg_read_all_stats: {hidden} of {total} statements show <insufficient privilege> "
        "(no text, no queryid)",
        hint=f"GRANT pg_read_all_stats TO {user}; (or connect as a role that has it)",
    )


# ---- snapshots ----------------------------------------------------------------------------


def _snapshot_query(facts: ServerFacts, all_databases: bool) -> sql.Composed:
    where = sql.SQL("(s.query IS NULL OR position({} in s.query) = 0)").format(sql.Literal(MARKER))
    if not all_databases:
        where = sql.SQL(
            "{} AND s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ).format(where)
    return sql.SQL(
        _q(
            "COPY (SELECT s.*, d.datname, r.rolname FROM {view} s "
            "LEFT JOIN pg_database d ON d.oid = s.dbid LEFT JOIN pg_roles r ON r.oid = s.userid "
            "WHERE {where} ORDER BY s.dbid, s.userid, s.queryid, s.calls DESC) "
            "TO STDOUT WITH (FORMAT csv, HEADER)"
        )
    ).format(view=sql.Identifier(facts.ext_schema, "pg_stat_statements"), where=where)


_XACTS_CURRENT = "SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = current_database()"
_XACTS_ALL = "SELECT sum(xact_commit)::bigint, sum(xact_rollback)::bigint FROM pg_stat_database"
SESSION_STATS_VERSION = 140000
"""pg_stat_database gained ``sessions``, ``session_time``, ``active_time`` and
``idle_in_transaction_time`` in PostgreSQL 14."""
_SESSIONS = (
    "SELECT sum(sessions)::bigint, sum(session_time)::float8, sum(active_time)::float8, "
    "sum(idle_in_transaction_time)::float8, sum(xact_commit + xact_rollback)::bigint FROM pg_stat_database"
)


def _session_stats(
    conn: psycopg.Connection[Any], facts: ServerFacts, all_databases: bool
) -> dict[str, float] | None:
    """Sessions and their time so far (PostgreSQL 14+), with the transactions of the same counters.

    DSQL bills per connection set-up and a transaction's open time; these counters measure both
    (sessions per transaction, idle-in-transaction milliseconds) where an older server leaves the
    named assumptions. Cumulative since the database's statistics reset: ratios of two of them need
    no window; two snapshots give deltas over the window.
    """
    if facts.version_num < SESSION_STATS_VERSION:
        return None
    query = _SESSIONS + ("" if all_databases else " WHERE datname = current_database()")
    try:
        row = conn.execute(_q(query)).fetchone()
    except psycopg.Error:
        if not conn.autocommit:
            conn.rollback()
        return None
    if row is None or row[0] is None:
        return None
    return {
        "sessions": int(row[0]),
        "session_time_ms": round(float(row[1] or 0.0), 3),
        "active_time_ms": round(float(row[2] or 0.0), 3),
        "idle_in_transaction_time_ms": round(float(row[3] or 0.0), 3),
        "transactions": int(row[4] or 0),
    }


def take_snapshot(
    session: _Conn, facts: ServerFacts, writer: BundleWriter, index: int, all_databases: bool
) -> SnapshotInfo:
    """Read pg_stat_statements once (server clock first) and write it as snapshot ``index``."""
    conn = session.conn
    assert conn is not None
    info_sql = (
        sql.SQL(_q("SELECT clock_timestamp(), dealloc, stats_reset FROM {}")).format(
            sql.Identifier(facts.ext_schema, "pg_stat_statements_info")
        )
        if facts.has_info_view
        else sql.SQL(_q("SELECT clock_timestamp(), NULL::bigint, NULL::timestamptz"))
    )
    row = conn.execute(info_sql).fetchone()
    assert row is not None
    taken_at, dealloc, stats_reset = row
    # committed and rolled-back transactions: the transaction count no BEGIN undercount can hide
    xact_sql = _XACTS_ALL if all_databases else _XACTS_CURRENT
    xact = conn.execute(sql.SQL(_q(xact_sql))).fetchone()
    on_cpu, active = sample_active_backends(conn)
    activity = _activity(conn)
    sessions = _session_stats(conn, facts, all_databases)
    cur = conn.cursor()
    with writer.snapshot(index) as (name, sink), tempfile.SpooledTemporaryFile(SPOOL_BYTES) as spool:
        with cur.copy(_snapshot_query(facts, all_databases)) as copy:
            for chunk in copy:
                spool.write(chunk)
        spool.seek(0)
        if writer.options.keep_secrets:
            shutil.copyfileobj(spool, sink)
        else:
            redact_snapshot(cast(IO[bytes], spool), sink, session.secrets, writer.redacted)
    return SnapshotInfo(
        file=name,
        taken_at=taken_at,
        rows=max(cur.rowcount, 0),
        dealloc=None if dealloc is None else int(dealloc),
        stats_reset=stats_reset,
        xact_commit=None if xact is None or xact[0] is None else int(xact[0]),
        xact_rollback=None if xact is None or xact[1] is None else int(xact[1]),
        active_on_cpu=on_cpu,
        active=active,
        activity=activity,
        sessions=sessions,
    )


ACTIVE_SQL = _q(
    "SELECT count(*) FILTER (WHERE state = 'active' AND wait_event IS NULL), "
    "count(*) FILTER (WHERE state = 'active') FROM pg_stat_activity "
    "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
)
"""Client backends running (no wait event) and active: one sample of CPU demand per snapshot."""


def sample_active_backends(conn: psycopg.Connection[Any]) -> tuple[int | None, int | None]:
    """(active and on CPU, active) client backends now; (None, None) where the view cannot tell."""
    try:
        row = conn.execute(ACTIVE_SQL).fetchone()
    except psycopg.errors.InsufficientPrivilege:
        return None, None
    return (int(row[0]), int(row[1])) if row is not None else (None, None)


_ACTIVITY = """SELECT count(*) FILTER (WHERE state LIKE 'idle in transaction%'),
       count(*) FILTER (WHERE xact_start IS NOT NULL),
       coalesce(max(extract(epoch FROM clock_timestamp() - state_change))
                FILTER (WHERE state LIKE 'idle in transaction%'), 0)
FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"""


def _activity(conn: psycopg.Connection[Any]) -> dict[str, float] | None:
    """Transactions open (and idle) right now: a sample of the open time DSQL would bill.

    Sessions of other roles show no state without pg_read_all_stats, so the counts are a floor;
    an error leaves the sample out (the snapshot itself matters more).
    """
    try:
        row = conn.execute(_q(_ACTIVITY)).fetchone()
    except psycopg.Error:
        if not conn.autocommit:
            conn.rollback()
        return None
    if row is None:
        return None
    return {
        "idle_in_transaction": int(row[0]),
        "open_transactions": int(row[1]),
        "longest_idle_in_transaction_s": round(float(row[2]), 3),
    }


MEMO_TEXTS = 100_000
"""Distinct texts a series remembers as redacted; past it (statement churn) a snapshot starts afresh."""


def redact_snapshot(
    source: IO[bytes], sink: IO[bytes], secrets: tuple[str, ...], memo: dict[str, str] | None = None
) -> None:
    """Copy a snapshot CSV, query texts redacted and the connection's secrets scrubbed.

    Only the ``query`` column changes, and only where a text still holds a literal (normalised
    plannable statements have none; utility statements keep theirs, passwords included).
    ``memo`` carries the texts redacted by earlier snapshots of the same series.
    """
    memo = {} if memo is None else memo
    if len(memo) > MEMO_TEXTS:
        memo.clear()
    reader = csv.reader(io.TextIOWrapper(source, encoding="utf-8", newline=""))
    text_sink = io.TextIOWrapper(sink, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text_sink, lineterminator="\n")
    header = next(reader, None)
    if header is None:
        text_sink.detach()
        return
    writer.writerow(header)
    position = header.index("query") if "query" in header else -1
    for row in reader:
        if 0 <= position < len(row):
            raw = row[position]
            done = memo.get(raw)
            if done is None:
                text = redact_query(raw) if "'" in raw or "$" in raw else raw
                done = memo[raw] = scrub(text, secrets) if secrets else text
            row[position] = done
        writer.writerow(row)
    text_sink.flush()
    text_sink.detach()


@contextlib.contextmanager
def _sigint_deferred() -> Iterator[None]:
    """Hold Ctrl-C while the final bundle.yaml is written (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _check_out_dir(out: Path) -> bool:
    """True when ``out`` is created by us (mode 0700: it will hold query texts); error when it exists
    with content, or is a symbolic link, a file or a device."""
    if out.is_symlink() or out.exists():
        check_output_dir(out, error=CollectError)
        if any(out.iterdir()):
            raise CollectError(
                f"--out {out} exists and is not an empty directory",
                hint="choose a new directory (a bundle is a directory of its own)",
            )
        return False
    try:
        out.mkdir(mode=0o700, parents=True)
    except OSError as exc:
        raise CollectError(
            f"cannot create --out {out}: {exc.strerror}", hint="choose a writable path"
        ) from None
    return True


def collect(
    options: CollectOptions,
    *,
    wait: Waiter = time.sleep,
    progress: Progress | None = None,
) -> CollectResult:
    """Collect a bundle from a live server into ``options.out``.

    ``wait(seconds)`` is called between snapshots with the time left until the next scheduled
    one (the default sleeps; tests and ``make samples`` pass a function that drives a workload
    instead). Ctrl-C keeps the snapshots already taken and writes a valid bundle marked
    ``interrupted: true``; before the first snapshot it re-raises ``KeyboardInterrupt``.
    """

    say = progress or (lambda _msg: None)
    session = _Conn.from_options(options)
    created = _check_out_dir(options.out)
    writer: BundleWriter | None = None
    try:
        conn = session.connect()
        facts = inspect_server(session)
        say(
            f"connected to {facts.collected_from} (PostgreSQL {facts.version}, "
            f"pg_stat_statements {facts.extversion}) as {facts.user}"
        )
        try:
            catalog, notes = read_catalog(conn, facts.database_size_bytes, _q)
        except psycopg.Error as exc:
            raise session.error("reading the catalog", exc) from None
        say(f"catalog: {len(catalog['tables'])} tables, database {facts.database_size_bytes:,} bytes")
        writer = BundleWriter(options, facts, catalog, notes, session.secrets)
        _run_series(session, facts, writer, options, wait, say)
        if options.schema:
            note = dump_schema(session.params, facts.version_num, options.out / "schema.sql", session.secrets)
            if note:
                writer.notes.append(note)
                say(f"warning: {note}")
            else:
                writer.has_schema = True
        with _sigint_deferred():
            writer.write_metadata(interrupted=False)
        return writer.result(interrupted=False)
    except KeyboardInterrupt:
        if writer is None or not writer.snapshots:
            if created:
                shutil.rmtree(options.out, ignore_errors=True)
            raise
        say(f"interrupted: keeping {len(writer.snapshots)} snapshot(s)")
        with _sigint_deferred():
            writer.write_metadata(interrupted=True)
        return writer.result(interrupted=True)
    except CollectError:
        if writer is not None and writer.snapshots:
            writer.write_metadata(interrupted=True)
        elif created:
            shutil.rmtree(options.out, ignore_errors=True)
        raise
    finally:
        session.close()


def _run_series(
    session: _Conn,
    facts: ServerFacts,
    writer: BundleWriter,
    options: CollectOptions,
    wait: Waiter,
    say: Progress,
) -> None:
    """Take the scheduled snapshots, rewriting bundle.yaml after each so it is always valid."""

    schedule = options.schedule
    start = time.monotonic()
    for index in range(schedule.count):
        if index:
            wait(max(0.0, start + index * schedule.every - time.monotonic()))
        snap = _snapshot_with_retry(session, facts, writer, index, options.all_databases)
        writer.add_snapshot(snap)
        last = index == schedule.count - 1
        writer.write_metadata(interrupted=not last)
        nxt = (
            ""
            if last
            else f"; next in {format_duration(round(schedule.every, 3))} (Ctrl-C stops, keeps them)"
        )
        say(f"snapshot {index + 1}/{schedule.count}: {snap.rows} statements{nxt}")


def _snapshot_with_retry(
    session: _Conn, facts: ServerFacts, writer: BundleWriter, index: int, all_db: bool
) -> SnapshotInfo:
    """One snapshot; on a dropped connection reconnect once (long series outlive idle timeouts)."""
    try:
        return take_snapshot(session, facts, writer, index, all_db)
    except psycopg.Error as exc:
        conn = session.conn
        if conn is not None and not conn.closed and not conn.broken:  # a query error, not a lost link
            raise session.error(f"snapshot {index + 1}", exc) from None
        session.close()
        try:
            session.connect()
            return take_snapshot(session, facts, writer, index, all_db)
        except (psycopg.Error, CollectError) as exc:
            detail = (
                str(exc) if isinstance(exc, CollectError) else scrub(_one_line(str(exc)), session.secrets)
            )
            raise CollectError(
                f"lost the connection at snapshot {index + 1}: {detail}",
                hint=f"the bundle in {writer.out} keeps the {len(writer.snapshots)} snapshot(s) taken before",
            ) from None
