"""The statements readiness checks look at: workload texts and schema-dump statements as one table.

Readiness evaluates its checks (:mod:`costmodel.readiness.checks`) over *subjects*: one row per
distinct workload text, plus one row per statement of an optional schema dump, with the profile
columns the checks read, the dsql-lint rules reported for it, and per-call metrics. Building that
table is this module's job; deciding what the marks mean is :mod:`costmodel.readiness.assess`'s.

Why distinct texts: pg_stat_statements can hold one text several times (per user, database or
toplevel flag); the syntax check and classification need it once, and findings are mapped back to
every statement with that text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pglast import parser

from costmodel.classify.frame import classify_texts
from costmodel.core.assumptions import AssumptionSet
from costmodel.core.errors import CostModelError
from costmodel.core.profile import ParseStatus, StatementKind
from costmodel.core.safeio import read_text
from costmodel.core.workload import Workload
from costmodel.readiness.checks import CheckCatalog
from costmodel.readiness.dsqllint import LintDiagnostic, strip_meta_commands

_WRITE_KINDS = frozenset(
    {
        StatementKind.INSERT.value,
        StatementKind.UPDATE.value,
        StatementKind.DELETE.value,
        StatementKind.MERGE.value,
    }
)
_LEADING_KIND = re.compile(r"^\s*(insert|update|delete|merge|copy)\b", re.IGNORECASE)
_LEADING_NOISE = re.compile(r"^(\s*(--[^\n]*\n|/\*.*?\*/))*\s*", re.DOTALL)
_LOCAL_COLUMNS = ("local_blks_hit", "local_blks_read", "local_blks_dirtied", "local_blks_written")
MS_PER_SECOND = 1000.0


@dataclass(frozen=True)
class SchemaStatement:
    """One statement of a schema dump: its text and where it stands in the file (1-based lines)."""

    text: str
    first_line: int
    last_line: int


def profile_texts(texts: Sequence[str | None]) -> pd.DataFrame | None:
    """Profile columns for ``texts`` from :func:`costmodel.classify.frame.classify_texts`; None if unavailable."""
    return classify_texts(list(texts))


def read_schema(path: Path) -> str:
    """The text of a schema dump (a regular file within ``--max-bytes``), or a typed error naming the file."""
    return read_text(
        path,
        CostModelError,
        "schema dump",
        hint="pass a pg_dump --schema-only file in UTF-8 (or leave --schema out)",
    )


def split_schema(sql: str) -> list[SchemaStatement]:
    """Statements of a schema dump with their line spans (psql meta-commands blanked first).

    Uses PostgreSQL's own parser to split; when the dump does not parse as a whole, the scanner
    variant (tolerant of syntax errors) is used instead.
    """
    clean = strip_meta_commands(sql)
    try:
        slices = parser.split(clean, with_parser=True, only_slices=True)
    except parser.ParseError:
        try:
            slices = parser.split(clean, with_parser=False, only_slices=True)
        except parser.ParseError as exc:
            raise CostModelError(
                f"the schema dump cannot be split into statements: {exc}",
                hint="pass the output of pg_dump --schema-only",
            ) from exc
    out: list[SchemaStatement] = []
    for piece in slices:
        raw = clean[piece]
        lead = _LEADING_NOISE.match(raw)
        start = piece.start + (lead.end() if lead else 0)
        text = clean[start : piece.stop].strip()
        if not text:
            continue
        first = clean.count("\n", 0, start) + 1
        out.append(SchemaStatement(text, first, first + text.count("\n")))
    return out


def locate_schema(
    diags: Sequence[LintDiagnostic], stmts: Sequence[SchemaStatement]
) -> dict[int, list[LintDiagnostic]]:
    """Diagnostics of the schema file by statement index (by line; unplaced ones under -1)."""
    starts = np.array([s.first_line for s in stmts], dtype=np.int64)
    out: dict[int, list[LintDiagnostic]] = {}
    for diag in diags:
        pos = int(np.searchsorted(starts, diag.line, side="right")) - 1
        index = pos if pos >= 0 and diag.line <= stmts[pos].last_line else -1
        out.setdefault(index, []).append(diag)
    return out


def effective_rules(
    diags: Sequence[LintDiagnostic], catalog: CheckCatalog, *, workload: bool
) -> tuple[LintDiagnostic, ...]:
    """Drop diagnostics superseded by another rule on the same statement, or meaningless for pgss texts."""
    present = {d.rule for d in diags}
    kept = []
    for diag in diags:
        spec = catalog.lint_rules.get(diag.rule)
        if spec is not None and spec.superseded_by in present:
            continue
        if spec is not None and workload and not spec.workload:
            continue
        kept.append(diag)
    return tuple(kept)


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return pd.to_numeric(frame[name], errors="coerce").astype(float)
    return pd.Series(np.nan, index=frame.index, dtype=float)


def _kinds(frame: pd.DataFrame) -> pd.Series:
    """Statement kind per row: the classification when present, else the first keyword."""
    if "kind" in frame.columns:
        return frame["kind"].astype(object).where(frame["kind"].notna(), StatementKind.UNKNOWN.value)
    first = frame["query"].fillna("").astype(str).str.extract(_LEADING_KIND, expand=False).str.lower()
    return first.fillna(StatementKind.UNKNOWN.value)


def _has_feature(frame: pd.DataFrame, feature: str) -> pd.Series:
    """Rows whose ``features`` include ``feature``, tested once per distinct feature tuple."""
    if "features" not in frame.columns:
        return pd.Series(False, index=frame.index, dtype=bool)
    values = frame["features"].to_numpy(dtype=object)
    try:
        codes, uniques = pd.factorize(values)
    except TypeError:  # unhashable (lists): test every row
        return frame["features"].map(lambda fs: feature in (fs or ())).astype(bool)
    per_value = np.fromiter((feature in (fs or ()) for fs in uniques), dtype=bool, count=len(uniques))
    return pd.Series(np.append(per_value, False)[codes], index=frame.index, dtype=bool)


def workload_metrics(
    workload: Workload,
    assumptions: AssumptionSet,
    *,
    rows_written_per_call: pd.Series | None = None,
    write_bytes_per_call: pd.Series | None = None,
) -> pd.DataFrame:
    """Per-statement metrics (see :data:`costmodel.readiness.checks.METRICS`), NaN when unknown.

    Rows and bytes written count only for writes (INSERT/UPDATE/DELETE/MERGE, COPY FROM); they come
    from the usage stage when given, else from ``rows`` and ``wal_bytes`` per call. Execution time
    skips DDL (DSQL builds indexes asynchronously). Temp bytes are ``temp_blks_written`` × the
    block size (``page_bytes``, or the server's ``block_size`` when the export recorded it).
    """
    df = workload.statements
    calls = _column(df, "calls")
    per = 1.0 / calls.where(calls > 0)
    kinds = _kinds(df)
    is_copy_in = _has_feature(df, "copy") & (
        df["is_write"].astype(object).eq(True) if "is_write" in df.columns else kinds.eq("copy")
    )
    writes = kinds.isin(_WRITE_KINDS) | is_copy_in | kinds.eq("copy")
    rows = rows_written_per_call if rows_written_per_call is not None else _column(df, "rows") * per
    wbytes = write_bytes_per_call if write_bytes_per_call is not None else _column(df, "wal_bytes") * per
    block = workload.info.get("block_size")
    page = float(block) if block else float(assumptions.get("page_bytes"))
    mean_ms = _column(df, "mean_exec_time").fillna(_column(df, "total_exec_time") * per)
    timed = ~kinds.eq(StatementKind.DDL.value)
    local = pd.concat([_column(df, c) for c in _LOCAL_COLUMNS], axis=1)
    local_sum = local.sum(axis=1, min_count=1)
    return pd.DataFrame(
        {
            "rows_written_per_call": rows.astype(float).where(writes),
            "write_bytes_per_call": wbytes.astype(float).where(writes),
            "mean_exec_seconds": (mean_ms / MS_PER_SECOND).where(timed),
            "max_exec_seconds": (_column(df, "max_exec_time") / MS_PER_SECOND).where(timed),
            "temp_bytes_per_call": _column(df, "temp_blks_written") * page * per,
            "local_blocks_per_call": local_sum * per,
        },
        index=df.index,
    )


def subjects_frame(
    texts: Sequence[str | None],
    profile: pd.DataFrame | None,
    lint: Sequence[Sequence[LintDiagnostic]],
) -> pd.DataFrame:
    """The subject table for ``texts`` (profile may be None: only text and lint rules are known)."""
    n = len(texts)
    index = pd.RangeIndex(n)

    def col(name: str, default: object = None) -> pd.Series:
        if profile is not None and name in profile.columns:
            return pd.Series(list(profile[name].astype(object)), index=index, dtype=object)
        return pd.Series([default] * n, index=index, dtype=object)

    parse_status = col("parse_status")
    if profile is None:
        parse_status = pd.Series(
            [ParseStatus.NO_TEXT.value if not t else None for t in texts], index=index, dtype=object
        )
    return pd.DataFrame(
        {
            "text": pd.Series(list(texts), index=index, dtype=object),
            "features": col("features", ()).map(lambda fs: frozenset(fs or ())),
            "lock_strength": col("lock_strength"),
            "lock_wait": col("lock_wait"),
            "parse_status": parse_status,
            "command": col("command"),
            "lint_rules": pd.Series(
                [frozenset(d.rule for d in diags) for diags in lint], index=index, dtype=object
            ),
        },
        index=index,
    )
