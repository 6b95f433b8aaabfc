"""Writing a ``dsqlcost-bundle/1`` directory (docs/bundle-format.md) and its schema dump.

Why rewrite bundle.yaml after every snapshot: a long series (``--every 5m --for 24h``) can be
stopped by Ctrl-C, a lost connection or a killed process. The metadata on disk always lists the
snapshots written so far and says ``interrupted: true`` until the series completes, so whatever
happens the directory is a readable bundle. Files are written to a temporary name and renamed.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, cast

import yaml
from psycopg.conninfo import make_conninfo

from costmodel import __version__
from costmodel.collect.options import CollectOptions, CollectResult, ServerFacts, SnapshotInfo, scrub
from costmodel.core.errors import CollectError
from costmodel.core.safeio import open_output, write_output
from costmodel.core.timebase import format_duration

FORMAT = "dsqlcost-bundle/1"
SECRET_PARAMS = frozenset({"password", "sslpassword"})
"""Connection parameters never put on a child's command line."""
PG_DUMP_TIMEOUT_S = 300
"""pg_dump --schema-only of a large schema takes seconds; this only guards against a hang."""


def iso(ts: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z`` (microseconds kept: short test intervals need them)."""
    if ts is None:
        return None
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone(UTC).isoformat().replace("+00:00", "Z")


class _PlainDumper(yaml.SafeDumper):
    """Safe YAML without anchors/aliases: a list shared by two keys is written out twice."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def write_yaml(path: Path, data: Any, secrets: tuple[str, ...] = ()) -> None:
    """Write YAML atomically with mode 0600 (:func:`costmodel.core.safeio.write_output`), secrets scrubbed."""
    text = yaml.dump(data, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True, width=110)
    write_bundle_file(path, scrub(text, secrets))


def write_bundle_file(path: Path, content: str | bytes) -> None:
    """One bundle file, written by the shared output writer (regular files only, mode 0600)."""
    write_output(path, content, sensitive=True, error=CollectError, option="--out", example="a new directory")


class BundleWriter:
    """Accumulates snapshots and (re)writes bundle.yaml; writes catalog.yaml once."""

    def __init__(
        self,
        options: CollectOptions,
        facts: ServerFacts,
        catalog: dict[str, Any],
        notes: list[str],
        secrets: tuple[str, ...] = (),
    ) -> None:
        self.options = options
        self.secrets = secrets
        self.out = options.out
        self.facts = facts
        self.notes = list(notes)
        self.snapshots: list[SnapshotInfo] = []
        self.has_schema = False
        self.redacted: dict[str, str] = {}
        """Texts already redacted in this series (raw → redacted): a series of snapshots holds mostly
        the same statements, so each distinct text is redacted once per run, not once per snapshot.
        It lives as long as the series (one collector run), never across runs."""
        self.tables = len(catalog.get("tables", []))
        self.digits = max(4, len(str(options.schedule.count - 1)))
        (self.out / "snapshots").mkdir(mode=0o700, parents=True, exist_ok=True)
        write_yaml(self.out / "catalog.yaml", catalog, secrets)

    @contextlib.contextmanager
    def snapshot(self, index: int) -> Iterator[tuple[str, BinaryIO]]:
        """Yield ``(relative name, binary sink)``; the file appears only when the block succeeds."""
        name = f"snapshots/{index:0{self.digits}d}.csv" + (".gz" if self.options.compress else "")
        final = self.out / name
        with open_output(
            final, sensitive=True, error=CollectError, option="--out", example="a new directory"
        ) as raw:
            if self.options.compress:
                with gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as zipped:
                    yield name, cast(BinaryIO, zipped)
            else:
                yield name, cast(BinaryIO, raw)

    def add_snapshot(self, snap: SnapshotInfo) -> None:
        self.snapshots.append(snap)

    def metadata(self, *, interrupted: bool) -> dict[str, Any]:
        """bundle.yaml as a mapping (format ``dsqlcost-bundle/1``)."""

        facts, snaps, schedule = self.facts, self.snapshots, self.options.schedule
        last = snaps[-1] if snaps else None
        window: dict[str, Any] | None = None
        if len(snaps) >= 2:
            window = {
                "start": iso(snaps[0].taken_at),
                "end": iso(snaps[-1].taken_at),
                "seconds": round((snaps[-1].taken_at - snaps[0].taken_at).total_seconds(), 6),
                "source": "snapshots",
            }
        plan = (
            "one cumulative snapshot"
            if schedule.count == 1
            else f"{schedule.count} snapshots every {format_duration(round(schedule.every, 3))}"
        )
        description = self.options.description or f"dsqlcost collect from {facts.collected_from}: {plan}"
        return {
            "format": FORMAT,
            "tool_version": __version__,
            "created_at": iso(datetime.now(UTC)),
            "server": {
                "version": facts.version,
                "version_num": facts.version_num,
                "extversion": facts.extversion,
                "block_size": facts.block_size,
            },
            "settings": {k: v for k, v in facts.settings.items() if v is not None},
            "pgss_info": (
                {"dealloc": last.dealloc, "stats_reset": iso(last.stats_reset)}
                if facts.has_info_view and last is not None
                else None
            ),
            "database": {"name": facts.database, "size_bytes": facts.database_size_bytes},
            "collected_from": facts.collected_from,
            "scope": "all_databases" if self.options.all_databases else "current_database",
            "schedule": {"snapshots": schedule.count, "every_seconds": schedule.every},
            "window": window,
            "snapshots": [
                {
                    "file": s.file,
                    "taken_at": iso(s.taken_at),
                    "rows": s.rows,
                    "dealloc": s.dealloc,
                    "stats_reset": iso(s.stats_reset),
                    "xact_commit": s.xact_commit,
                    "xact_rollback": s.xact_rollback,
                    "active_on_cpu": s.active_on_cpu,
                    "active": s.active,
                    **({"activity": s.activity} if s.activity is not None else {}),
                    **({"sessions": s.sessions} if s.sessions is not None else {}),
                }
                for s in snaps
            ],
            "catalog": "catalog.yaml",
            "schema": "schema.sql" if self.has_schema else None,
            "interrupted": interrupted,
            "description": description,
            "notes": list(self.notes),
        }

    def write_metadata(self, *, interrupted: bool) -> None:
        write_yaml(self.out / "bundle.yaml", self.metadata(interrupted=interrupted), self.secrets)

    def result(self, interrupted: bool) -> CollectResult:
        return CollectResult(
            out=self.out,
            snapshots=tuple(self.snapshots),
            interrupted=interrupted,
            tables=self.tables,
            notes=tuple(self.notes),
        )


# ---- pg_dump ------------------------------------------------------------------------------


def _tool_major(path: str) -> int | None:
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\s(\d+)(?:\.\d+)?", out)
    return int(match.group(1)) if match else None


def find_pg_dump() -> tuple[str | None, int | None]:
    """The newest pg_dump found, and its major version (pg_dump must be ≥ the server's major).

    Looks at ``/usr/lib/postgresql/*/bin`` and ``PATH``. Returns ``(None, None)`` when none exists.
    """
    candidates = [str(p) for p in Path("/usr/lib/postgresql").glob("*/bin/pg_dump")]
    on_path = shutil.which("pg_dump")
    if on_path:
        candidates.append(on_path)
    best: tuple[str | None, int | None] = (None, None)
    for path in candidates:
        major = _tool_major(path)
        if major is not None and (best[1] is None or major > best[1]):
            best = (path, major)
    return best


_META_COMMAND = re.compile(r"^\\(?:restrict|unrestrict)\b.*\n?", re.M)


def strip_meta_commands(text: str) -> str:
    r"""Drop pg_dump's ``\restrict KEY`` / ``\unrestrict KEY`` lines (pg_dump ≥ 17.6/16.10/15.14).

    They are psql meta-commands, not SQL: pglast and dsql-lint reject them, and their random key
    would make every dump differ.
    """
    return _META_COMMAND.sub("", text)


def dump_schema(
    params: dict[str, Any], server_version_num: int, target: Path, secrets: tuple[str, ...]
) -> str | None:
    """Write ``pg_dump --schema-only`` to ``target``; return a note saying why not, or None.

    The password goes through ``PGPASSWORD`` in the child's environment and ``sslpassword`` (libpq
    has no environment variable for it) through a service file readable only by us: neither is
    ever on pg_dump's command line, where ``ps`` shows it to every user of the machine.
    """
    server_major = server_version_num // 10000
    pg_dump, major = find_pg_dump()
    if pg_dump is None or major is None:
        return "schema.sql not written: pg_dump not found (install the PostgreSQL client)"
    if major < server_major:
        return f"schema.sql not written: pg_dump {major} cannot dump a PostgreSQL {server_major} server"
    conninfo = make_conninfo(**{k: v for k, v in params.items() if k not in SECRET_PARAMS})
    env = dict(os.environ)
    if params.get("password"):
        env["PGPASSWORD"] = str(params["password"])
    workdir = Path(tempfile.mkdtemp(prefix="dsqlcost-pgdump-"))  # mode 0700
    tmp = workdir / "schema.sql"
    if params.get("sslpassword"):
        value = str(params["sslpassword"])
        if "\n" in value or "\r" in value:
            shutil.rmtree(workdir, ignore_errors=True)
            return "schema.sql not written: the sslpassword holds a line break (cannot be passed to pg_dump safely)"
        service = workdir / "pg_service.conf"
        fd = os.open(service, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(f"[dsqlcost]\nsslpassword={value}\n")
        env["PGSERVICEFILE"] = str(service)
        env["PGSERVICE"] = "dsqlcost"
    try:
        result = subprocess.run(
            [
                pg_dump,
                "--schema-only",
                "--no-owner",
                "--no-privileges",
                "--file",
                str(tmp),
                "--dbname",
                conninfo,
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=PG_DUMP_TIMEOUT_S,
        )
        if result.returncode != 0:
            detail = scrub(" ".join(result.stderr.split()), secrets)[:300]
            return f"schema.sql not written: pg_dump failed: {detail}"
        write_bundle_file(target, scrub(strip_meta_commands(tmp.read_text(encoding="utf-8")), secrets))
        return None
    except subprocess.TimeoutExpired:
        return f"schema.sql not written: pg_dump took longer than {PG_DUMP_TIMEOUT_S} s"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
