"""A throw-away PostgreSQL server for tests and for ``make samples``.

Why a real server: the collector, the sample workloads and the integration tests must see what
PostgreSQL really reports (pg_stat_statements column sets, privilege errors, password failures),
which no mock reproduces. The server lives in a fresh temporary directory, listens on a free
loopback port only, uses scram passwords for TCP (so a wrong password is a real failure), and is
stopped and removed at the end, also when the caller crashes (``atexit``, and the kernel sends the
postmaster SIGQUIT if this process dies, via ``PR_SET_PDEATHSIG``).

PostgreSQL refuses to run as root; when we are root the server runs as the ``postgres`` OS user
(created when missing) and the temporary directory is owned by it.

Usage::

    server = PgServer.start_new()          # a few seconds: initdb + start
    server.dsn("app")                      # postgresql://postgres:…@127.0.0.1:PORT/app
    server.stop()                          # also runs at exit
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

MIN_MAJOR = 12
"""Oldest server the collector supports (pg_stat_statements 1.7)."""

SERVER_SETTINGS: dict[str, str] = {
    "listen_addresses": "'127.0.0.1'",
    "shared_preload_libraries": "'pg_stat_statements'",
    "pg_stat_statements.track": "all",
    "pg_stat_statements.track_utility": "on",
    "track_io_timing": "on",
    "compute_query_id": "on",
    # Throw-away data: durability buys nothing and costs seconds.
    "fsync": "off",
    "synchronous_commit": "off",
    "max_connections": "60",
    "log_min_messages": "warning",
    "log_min_error_statement": "panic",
    "logging_collector": "off",
}
"""postgresql.conf lines appended after initdb (values already quoted where needed)."""

SUPERUSER = "postgres"
STARTUP_TIMEOUT_S = 30.0
SHUTDOWN_TIMEOUT_S = 10.0
_PR_SET_PDEATHSIG = 1


class PgServerError(RuntimeError):
    """The throw-away server could not be set up (the message carries the server log tail)."""


def _major(bindir: Path) -> int | None:
    """The major version of the server binaries in ``bindir`` (from ``postgres --version``)."""
    try:
        out = subprocess.run(
            [str(bindir / "postgres"), "--version"], capture_output=True, text=True, timeout=10, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(match.group(1)) if match else None


def _candidate_bindirs() -> Iterator[Path]:
    env = os.environ.get("DSQLCOST_PG_BINDIR")
    if env:
        yield Path(env)
    roots = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    yield from roots
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=10).stdout
            if out.strip():
                yield Path(out.strip())


def find_bindir() -> Path | None:
    """The newest directory with ``initdb`` and ``postgres`` of PostgreSQL ≥ 12, or None.

    Looks at ``$DSQLCOST_PG_BINDIR``, ``/usr/lib/postgresql/*/bin`` (newest first), then
    ``pg_config --bindir``.
    """
    for bindir in _candidate_bindirs():
        if not ((bindir / "initdb").is_file() and (bindir / "postgres").is_file()):
            continue
        major = _major(bindir)
        if major is not None and major >= MIN_MAJOR:
            return bindir
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ensure_os_user(name: str) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(name)


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Ask the kernel to SIGQUIT the postmaster (immediate shutdown) if this process dies."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGQUIT)


def transactions_processed(pgbench_output: str) -> int:
    """pgbench's own count: ``number of transactions actually processed: 400/400`` → 400."""
    match = re.search(r"number of transactions actually processed: (\d+)", pgbench_output)
    if not match:
        raise PgServerError(f"pgbench printed no transaction count: {pgbench_output[-500:]}")
    return int(match.group(1))


@dataclass
class PgServer:
    """A running throw-away PostgreSQL server (one per test session or sample run)."""

    bindir: Path
    root: Path
    port: int
    password: str
    major: int
    process: subprocess.Popen[bytes] | None = None
    _run_as: pwd.struct_passwd | None = field(default=None, repr=False)
    _preload: bool = field(default=True, repr=False)

    host = "127.0.0.1"
    user = SUPERUSER

    # ---- lifecycle -------------------------------------------------------------------------

    @classmethod
    def start_new(cls, bindir: Path | None = None, *, preload: bool = True) -> PgServer:
        """initdb a fresh cluster in a temporary directory and start it (a few seconds).

        ``preload=False`` leaves pg_stat_statements out of ``shared_preload_libraries`` (and its
        settings out of postgresql.conf), like an unconfigured production server.
        """
        bindir = bindir or find_bindir()
        if bindir is None:
            raise PgServerError(
                f"no PostgreSQL >= {MIN_MAJOR} server binaries found "
                "(run scripts/ensure_system.sh postgres, or set DSQLCOST_PG_BINDIR)"
            )
        major = _major(bindir) or 0
        run_as = _ensure_os_user("postgres") if os.geteuid() == 0 else None
        root = Path(tempfile.mkdtemp(prefix="dsqlcost-pg-"))
        server = cls(bindir=bindir, root=root, port=0, password=secrets.token_urlsafe(18), major=major)
        server._run_as = run_as
        server._preload = preload
        atexit.register(server.stop)
        try:
            if run_as is not None:
                os.chown(root, run_as.pw_uid, run_as.pw_gid)
            server._initdb()
            server._start()
        except BaseException:
            server.stop()
            raise
        return server

    def _subprocess_kwargs(self) -> dict[str, object]:
        if self._run_as is None:
            return {}
        return {"user": self._run_as.pw_uid, "group": self._run_as.pw_gid, "extra_groups": []}

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    @property
    def logfile(self) -> Path:
        return self.root / "server.log"

    def _initdb(self) -> None:
        pwfile = self.root / "pw"
        pwfile.write_text(self.password + "\n")
        if self._run_as is not None:
            os.chown(pwfile, self._run_as.pw_uid, self._run_as.pw_gid)
        pwfile.chmod(0o600)
        cmd = [
            str(self.bindir / "initdb"),
            "-D",
            str(self.datadir),
            "-U",
            SUPERUSER,
            f"--pwfile={pwfile}",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        ]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=120, **self._subprocess_kwargs())  # type: ignore[call-overload]
        pwfile.unlink()
        if result.returncode != 0:
            raise PgServerError(f"initdb failed: {result.stderr.strip()[-2000:]}")
        settings = dict(SERVER_SETTINGS)
        settings["unix_socket_directories"] = f"'{self.root}'"
        if self.major < 14:
            settings.pop("compute_query_id")
        if not self._preload:
            settings = {k: v for k, v in settings.items() if "pg_stat_statements" not in k + v}
        with (self.datadir / "postgresql.conf").open("a") as conf:
            conf.write("\n# dsqlcost throw-away server\n")
            for key, value in settings.items():
                conf.write(f"{key} = {value}\n")

    def _start(self) -> None:
        last_error = ""
        for _attempt in range(3):  # a port picked by free_port() can be taken before we bind it
            self.port = free_port()
            log = self.logfile.open("ab")
            try:
                self.process = subprocess.Popen(
                    [str(self.bindir / "postgres"), "-D", str(self.datadir), "-p", str(self.port)],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    preexec_fn=_die_with_parent,
                    **self._subprocess_kwargs(),  # type: ignore[arg-type]
                )
            finally:
                log.close()
            if self._wait_ready():
                return
            last_error = self.log_tail()
            self._kill()
        raise PgServerError(f"PostgreSQL did not start: {last_error}")

    def _wait_ready(self) -> bool:
        import psycopg

        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                return False
            try:
                with psycopg.connect(self.dsn("postgres"), connect_timeout=2) as conn:
                    conn.execute("SELECT 1")
                return True
            except psycopg.OperationalError:
                time.sleep(0.05)
        return False

    def log_tail(self, lines: int = 20) -> str:
        """The last lines of the server log (for error messages)."""
        try:
            return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def _kill(self) -> None:
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGINT)  # fast shutdown: roll back sessions, no checkpoint wait
        try:
            proc.wait(SHUTDOWN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGQUIT)  # immediate shutdown
            proc.wait(SHUTDOWN_TIMEOUT_S)

    def stop(self) -> None:
        """Stop the server and remove its directory (idempotent; also registered with atexit)."""
        self._kill()
        if self.root.exists():
            shutil.rmtree(self.root, ignore_errors=True)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    # ---- connecting ------------------------------------------------------------------------

    def dsn(self, dbname: str = "postgres", user: str | None = None, password: str | None = None) -> str:
        """A TCP connection URL (password included: for the tests' own use only)."""
        user = user or self.user
        pw = self.password if password is None and user == self.user else password
        auth = quote(user, safe="") + (f":{quote(pw, safe='')}" if pw else "")
        return f"postgresql://{auth}@{self.host}:{self.port}/{quote(dbname, safe='')}"

    def env(
        self, dbname: str = "postgres", user: str | None = None, password: str | None = None
    ) -> dict[str, str]:
        """Environment for client programs (psql, pgbench, pg_dump): the password in PGPASSWORD."""
        env = dict(os.environ)
        env.update(
            PGHOST=self.host,
            PGPORT=str(self.port),
            PGUSER=user or self.user,
            PGPASSWORD=password if user else self.password,
            PGDATABASE=dbname,
        )
        return env

    def tool(self, name: str) -> str:
        """Path of a client program of the same version (pgbench, psql, pg_dump)."""
        path = self.bindir / name
        return str(path) if path.exists() else (shutil.which(name) or name)

    def execute(self, sql: str, dbname: str = "postgres", params: Sequence[object] | None = None) -> None:
        """Run one statement as the superuser in autocommit mode (CREATE DATABASE needs that)."""
        import psycopg

        with psycopg.connect(self.dsn(dbname), autocommit=True) as conn:
            conn.execute(sql, params)  # type: ignore[arg-type]

    def create_database(self, name: str, *, owner: str | None = None) -> str:
        """Create an empty database with pg_stat_statements; returns its superuser DSN."""
        from psycopg import sql

        stmt = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if owner:
            stmt = sql.SQL("{} OWNER {}").format(stmt, sql.Identifier(owner))
        self.execute(stmt.as_string(None))
        self.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", dbname=name)
        return self.dsn(name)

    def create_role(self, name: str, password: str, *, grants: Sequence[str] = ()) -> str:
        """Create a login role with a password (and role grants); returns the password."""
        from psycopg import sql

        self.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}")
            .format(sql.Identifier(name), sql.Literal(password))
            .as_string(None)
        )
        for grant in grants:
            self.execute(
                sql.SQL("GRANT {} TO {}").format(sql.Identifier(grant), sql.Identifier(name)).as_string(None)
            )
        return password

    def pgbench(
        self,
        dbname: str,
        *args: str,
        user: str | None = None,
        password: str | None = None,
        timeout: float = 300,
    ) -> int:
        """Run pgbench against ``dbname`` (as ``user``, default the superuser).

        Returns the transactions pgbench reports as processed (0 for ``-i``).
        """
        result = subprocess.run(
            [self.tool("pgbench"), *args, dbname],
            capture_output=True,
            text=True,
            env=self.env(dbname, user, password),
            timeout=timeout,
        )
        if result.returncode != 0:
            raise PgServerError(f"pgbench {' '.join(args)} failed: {result.stderr.strip()[-1500:]}")
        return transactions_processed(result.stdout) if "-i" not in args else 0

    def reset_statements(self, dbname: str | None = None) -> None:
        """Clear pg_stat_statements (for one database, or all), so a run starts from zero."""
        if dbname is None:
            self.execute("SELECT pg_stat_statements_reset()", dbname="postgres")
        else:  # run inside that database: the extension is created there
            self.execute(
                "SELECT pg_stat_statements_reset(0::oid, (SELECT oid FROM pg_database WHERE datname = %s), 0::bigint)",
                dbname=dbname,
                params=(dbname,),
            )
