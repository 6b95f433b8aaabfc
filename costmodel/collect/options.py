"""What a collection is asked to do and what it produced, and the DSN scrubbing every writer uses.

These types sit apart from the live session code (:mod:`costmodel.collect.live`) so the bundle
writer can use them without importing the collector, and the collector can import the writer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from costmodel.core.errors import CollectError

MAX_SNAPSHOTS = 10_000
"""Upper bound of a series: each snapshot holds the whole view (up to pg_stat_statements.max rows)."""

# ---- secrets ------------------------------------------------------------------------------

# The password runs to the *last* "@" of the authority: an unencoded "@" in it must not leave its tail
# visible. ``sslpassword`` (the client key's passphrase) is a secret too.
URL_USERINFO = re.compile(r"(?P<scheme>\bpostgres(?:ql)?://)(?P<user>[^:@/?#\s]*):(?P<pw>[^/?#\s]*)@", re.I)
_KV_PASSWORD = re.compile(r"(?P<key>\b(?:ssl)?password\s*=\s*)(?P<val>'(?:[^'\\]|\\.)*'|[^\s&]*)", re.I)


def redact_dsn(dsn: str) -> str:
    """The DSN with any password replaced by ``***`` (URL userinfo, ``?password=``, ``password=``).

    >>> redact_dsn("postgresql://app:s3cret@db:5432/app?sslmode=require")
    'postgresql://app:***@db:5432/app?sslmode=require'
    >>> redact_dsn("host=db user=app password='s 3' dbname=app")
    'host=db user=app password=*** dbname=app'
    """
    text = URL_USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:***@", dsn)
    return _KV_PASSWORD.sub(lambda m: f"{m['key']}***", text)


def scrub(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` with every DSN redacted and every known secret value replaced by ``***``."""
    text = redact_dsn(text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


# ---- options ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """How many snapshots to take and how far apart (seconds)."""

    count: int
    every: float

    @classmethod
    def interval(cls, seconds: float) -> Schedule:
        """Two snapshots ``seconds`` apart: one delta (``--interval``)."""
        return cls(2, seconds)

    @classmethod
    def series(cls, every: float, total: float) -> Schedule:
        """A snapshot every ``every`` seconds for ``total`` seconds (``--every … --for …``)."""
        if total < every:
            raise CollectError(
                f"--for ({total:g} s) is shorter than --every ({every:g} s)",
                hint="make --for at least as long as --every, e.g. --every 5m --for 24h",
            )
        count = int(total / every + 1e-9) + 1
        if count > MAX_SNAPSHOTS:
            raise CollectError(
                f"--every {every:g} s for {total:g} s would take {count:,} snapshots (at most {MAX_SNAPSHOTS:,})",
                hint="take a longer --every: 5m over 24h is 289 snapshots, 1h over 30d is 721",
            )
        return cls(count, every)

    @classmethod
    def once(cls) -> Schedule:
        """A single cumulative snapshot (window from pg_stat_statements_info.stats_reset)."""
        return cls(1, 0.0)


@dataclass(frozen=True)
class CollectOptions:
    """Everything ``collect`` needs; the CLI builds it from its arguments."""

    dsn: str
    """libpq URL or key/value string; empty means the libpq environment (PGHOST, PGPASSWORD …)."""
    out: Path
    schedule: Schedule
    all_databases: bool = False
    """Keep statements of every database (default: only the database connected to)."""
    statement_timeout_s: float = 30.0
    connect_timeout_s: int = 10
    schema: bool = True
    """Run ``pg_dump --schema-only`` after the last snapshot."""
    compress: bool = False
    """Write ``snapshots/NNNN.csv.gz`` instead of ``.csv``."""
    description: str = ""
    keep_secrets: bool = False
    """Write query texts as the server has them (default: literals redacted, as in reports)."""


@dataclass(frozen=True)
class ServerFacts:
    """What the server told us before the first snapshot."""

    version: str
    version_num: int
    extversion: str
    ext_schema: str
    block_size: int
    database: str
    database_size_bytes: int
    user: str
    collected_from: str
    settings: dict[str, str | None]
    has_info_view: bool


@dataclass(frozen=True)
class SnapshotInfo:
    """One snapshot file and the moment it was taken (server clock)."""

    file: str
    taken_at: datetime
    rows: int
    dealloc: int | None = None
    stats_reset: datetime | None = None
    xact_commit: int | None = None
    """pg_stat_database.xact_commit (summed over the databases in scope) when the snapshot was taken."""
    xact_rollback: int | None = None
    active_on_cpu: int | None = None
    """Client backends active and not waiting at the snapshot (a sample of CPU demand for Serverless v2)."""
    active: int | None = None
    """Client backends active at the snapshot (waiting ones included)."""
    activity: dict[str, float] | None = None
    """pg_stat_activity at that moment: sessions idle in a transaction, open transactions, the
    longest idle-in-transaction time (DSQL bills a transaction's open time as compute)."""
    sessions: dict[str, float] | None = None
    """pg_stat_database (PostgreSQL 14+), cumulative: ``sessions``, ``session_time_ms``,
    ``active_time_ms``, ``idle_in_transaction_time_ms`` and ``transactions`` (commits + rollbacks of
    the same rows). None on older servers."""


@dataclass(frozen=True)
class CollectResult:
    """What ``collect`` wrote."""

    out: Path
    snapshots: tuple[SnapshotInfo, ...]
    interrupted: bool
    tables: int
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def window_seconds(self) -> float | None:
        """Seconds between the first and last snapshot (None with fewer than two)."""
        if len(self.snapshots) < 2:
            return None
        return (self.snapshots[-1].taken_at - self.snapshots[0].taken_at).total_seconds()
