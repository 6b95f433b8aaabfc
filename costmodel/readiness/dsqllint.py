"""Run the AWS-maintained ``dsql-lint`` once over a workload's statement texts (and a schema dump).

Why a wrapper: ``dsql-lint`` lints *files* of ``;``-separated SQL and reports diagnostics by line,
while a pg_stat_statements export is a list of independent texts. We join the distinct texts into
one file (one process for the whole export: 5,000 statements lint in about 0.4 s), remember which
lines each text occupies, and map every diagnostic back to its text by line.

Details that matter (measured against dsql-lint 0.2.22, see reference/dsql-compatibility.md §5):

* Texts are joined with a ``;`` on a line of its own, so a text ending in a ``--`` comment cannot
  swallow the separator.
* dsql-lint tracks transaction blocks across statements (``mixed_ddl_dml_transaction``). pgss texts
  are independent, so a ``BEGIN`` text is followed by a synthetic ``COMMIT`` line that closes the
  block; diagnostics on synthetic lines are dropped.
* One unterminated quote makes the tokenizer give up on the whole file (a single ``parse_error``
  with an empty preview). Callers should not send texts PostgreSQL's own parser rejects; as a
  safety net, a tokenizer failure drops the offending text (its diagnostic is kept for it) and
  lints the rest again.
* psql meta-commands in a dump (``\\restrict`` from pg_dump 15.14+/17.6+) are blanked, keeping line
  numbers, because they are not SQL.
* The JSON ``summary`` does not count ``fixed`` diagnostics, so only the ``diagnostics`` array is used.
* A text's diagnostics carry lines relative to the text's own first line, so they do not depend on
  which other texts shared the file: that is what lets :mod:`costmodel.readiness.lintcache` keep
  them per text across runs (:func:`~costmodel.readiness.lintcache.run_dsql_lint_cached`).

A missing binary is not an error: :func:`run_dsql_lint` returns a :class:`LintRun` with
``available=False`` and the reason, and readiness reports "syntax check not run".
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from bisect import bisect_right
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

EXECUTABLE = "dsql-lint"
TIMEOUT_SECONDS = 120.0
"""Generous: 5,000 statements take under half a second."""

_BEGIN = re.compile(r"^\s*(begin|start\s+transaction)\b", re.IGNORECASE)
_META = re.compile(r"^\\[a-zA-Z]")
_TOKENIZE = "Failed to tokenize"
_MAX_RETRIES = 20
_AT_LINE = re.compile(r"at Line: (\d+)")


@dataclass(frozen=True)
class LintDiagnostic:
    """One dsql-lint diagnostic, as reported. ``line`` is 1-based within the text it belongs to
    (a statement text's first line is 1) or, for a schema dump, within the dump; for a text that
    stopped the tokenizer it is where dsql-lint stopped in the joined file."""

    rule: str
    line: int
    message: str
    suggestion: str
    fix_status: str
    """``fixed`` | ``fixed_with_warning`` | ``unfixable`` (what ``--fix`` would do)."""
    fix_detail: str
    preview: str

    @property
    def fixable(self) -> bool:
        """True when ``dsql-lint --fix`` rewrites the construct automatically."""
        return self.fix_status in ("fixed", "fixed_with_warning")


@dataclass(frozen=True)
class LintRun:
    """The result of one dsql-lint invocation over a workload (and optionally a schema dump).

    ``statements[i]`` holds the diagnostics of ``texts[i]`` as passed to :func:`run_dsql_lint`
    (empty tuple when clean or not linted); ``schema`` holds the diagnostics of the schema file
    with their line numbers in that file.
    """

    available: bool
    version: str | None
    executable: str | None
    statements: tuple[tuple[LintDiagnostic, ...], ...] = ()
    schema: tuple[LintDiagnostic, ...] = ()
    error: str | None = None
    """Why the check did not run (binary missing, crashed, unreadable output)."""
    seconds: float = 0.0
    invocations: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)
    cached: bool = False
    """True when the run used the lint cache (:mod:`costmodel.readiness.lintcache`)."""
    from_cache: frozenset[int] = frozenset()
    """Indices of ``texts`` whose diagnostics came from the cache."""
    cache_note: str | None = None
    """Why the cache was asked for but not used (or not written), for the report's notes."""


def find_dsql_lint() -> str | None:
    """The dsql-lint executable: next to the running Python first (the project venv), then PATH."""
    beside = Path(sys.executable).parent / EXECUTABLE
    if beside.is_file():
        return str(beside)
    return shutil.which(EXECUTABLE)


@lru_cache(maxsize=8)
def dsql_lint_version(executable: str) -> str | None:
    """``0.2.22`` from ``dsql-lint --version``; None when it cannot be run (cached per executable)."""
    try:
        out = subprocess.run(
            [executable, "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"(\d+\.\d+\.\d+\S*)", out)
    return match.group(1) if match else (out.strip() or None)


def strip_meta_commands(sql: str) -> str:
    """Blank psql meta-command lines (``\\restrict …``), keeping the line count."""
    return "\n".join("" if _META.match(line) else line for line in sql.split("\n"))


def _join(texts: Sequence[str], include: Sequence[int]) -> tuple[str, list[tuple[int, int, int]]]:
    """Join texts ``include`` into one file; returns the file and (first_line, last_line, index)."""
    parts: list[str] = []
    spans: list[tuple[int, int, int]] = []
    line = 1
    for index in include:
        text = texts[index].strip().rstrip(";").rstrip()
        n_lines = text.count("\n") + 1
        spans.append((line, line + n_lines - 1, index))
        parts.append(text + "\n;")
        line += n_lines + 1
        if _BEGIN.match(text):
            parts.append("COMMIT\n;")  # synthetic: closes the block a BEGIN text opened
            line += 2
    return "\n".join(parts) + "\n", spans


def _parse_diagnostics(items: list[dict[str, Any]]) -> list[LintDiagnostic]:
    out: list[LintDiagnostic] = []
    for item in items:
        fix = item.get("fix_result") or {}
        out.append(
            LintDiagnostic(
                rule=str(item.get("rule", "")),
                line=int(item.get("line") or 0),
                message=str(item.get("message", "")),
                suggestion=str(item.get("suggestion") or ""),
                fix_status=str(fix.get("status") or "unfixable"),
                fix_detail=str(fix.get("detail") or ""),
                preview=str(item.get("statement_preview") or ""),
            )
        )
    return out


def _locate(line: int, spans: list[tuple[int, int, int]]) -> int | None:
    """The text whose lines hold ``line`` (spans are sorted by first line), or None."""
    span = _span_of(line, spans)
    return span[2] if span is not None else None


def _span_of(line: int, spans: list[tuple[int, int, int]]) -> tuple[int, int, int] | None:
    """The (first_line, last_line, index) span that holds ``line``, or None."""
    pos = bisect_right(spans, (line, math.inf, math.inf)) - 1
    if pos >= 0 and spans[pos][0] <= line <= spans[pos][1]:
        return spans[pos]
    return None


def _invoke(executable: str, files: list[Path]) -> dict[str, Any]:
    proc = subprocess.run(
        [executable, "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"dsql-lint exited with {proc.returncode}: {proc.stderr.strip()[:300]}")
    try:
        data: dict[str, Any] = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        raise RuntimeError(f"dsql-lint printed no JSON ({exc}): {proc.stdout[:200]!r}") from exc
    return data


CHUNK_TEXTS = 4000
"""Above this many texts, dsql-lint runs on chunks in parallel processes (one per core): its time
grows with the input, and a fleet has tens of thousands of distinct texts."""


def _run_chunked(texts: Sequence[str], schema_sql: str | None, todo: list[int], exe: str) -> LintRun:
    """Lint ``todo`` in chunks concurrently (the schema with the first) and merge the runs."""
    chunks = [todo[i : i + CHUNK_TEXTS] for i in range(0, len(todo), CHUNK_TEXTS)]
    jobs = max(1, min(len(chunks), os.cpu_count() or 1))
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=jobs) as pool:  # threads wait on dsql-lint processes
        runs = list(
            pool.map(
                lambda n: run_dsql_lint(
                    texts, schema_sql if n == 0 else None, include=chunks[n], executable=exe
                ),
                range(len(chunks)),
            )
        )
    failed = next((r for r in runs if not r.available), None)
    if failed is not None:
        return failed
    per_text: list[tuple[LintDiagnostic, ...]] = [() for _ in texts]
    for run in runs:
        for i, diags in enumerate(run.statements):
            if diags:
                per_text[i] = diags
    return LintRun(
        True,
        runs[0].version,
        exe,
        tuple(per_text),
        runs[0].schema,
        seconds=time.perf_counter() - started,
        invocations=sum(r.invocations for r in runs),
        notes=tuple(n for r in runs for n in r.notes),
    )


@dataclass
class _LintState:
    """What the passes of one dsql-lint run have collected (``found`` is the latest pass's)."""

    found: dict[int, list[LintDiagnostic]] = field(default_factory=dict)
    failed: dict[int, LintDiagnostic] = field(default_factory=dict)
    """Texts the tokenizer stopped at, with the diagnostic that names them."""
    schema_diags: list[LintDiagnostic] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    invocations: int = 0


def run_dsql_lint(
    texts: Sequence[str],
    schema_sql: str | None = None,
    *,
    include: Sequence[int] | None = None,
    executable: str | None = None,
) -> LintRun:
    """Lint ``texts`` (only the indices in ``include``, default all) and an optional schema dump.

    One dsql-lint process handles both (two files); a tokenizer failure in the texts drops the
    text that caused it and runs again (at most a few times). Never raises for tool problems:
    they come back as ``LintRun.error``.
    """
    exe = executable or find_dsql_lint()
    empty = tuple(() for _ in texts)
    if exe is None:
        return LintRun(False, None, None, empty, error="dsql-lint is not installed (pip install dsql-lint)")
    version = dsql_lint_version(exe)
    if version is None:
        return LintRun(False, None, exe, empty, error=f"{exe} --version failed")
    todo = list(range(len(texts)) if include is None else include)
    if len(todo) > CHUNK_TEXTS:
        return _run_chunked(texts, schema_sql, todo, exe)
    state = _LintState()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="dsqlcost-lint-") as tmp:
        stmts_file, schema_file = Path(tmp) / "statements.sql", Path(tmp) / "schema.sql"
        if schema_sql is not None:
            schema_file.write_text(strip_meta_commands(schema_sql), encoding="utf-8")
        lint_schema = schema_sql is not None
        while True:
            joined, spans = _join(texts, todo)
            stmts_file.write_text(joined, encoding="utf-8")
            files = ([stmts_file] if todo else []) + ([schema_file] if lint_schema else [])
            if not files:
                break
            state.found = {}
            try:
                data = _invoke(exe, files)
                state.invocations += 1
                retry = _sort_output(state, data, exe, stmts_file, schema_file.name, texts, todo, spans)
            except (OSError, subprocess.SubprocessError, RuntimeError) as exc:
                return LintRun(False, version, exe, empty, error=str(exc), invocations=state.invocations + 1)
            if retry is None or state.invocations > _MAX_RETRIES:
                break
            # The tokenizer stopped at this text: keep its diagnostic, lint the others again.
            state.notes.append(
                f"dsql-lint could not tokenize statement #{retry + 1}; the others were linted again"
            )
            todo = [i for i in todo if i != retry]
            lint_schema = False  # already linted
    for index, diag in state.failed.items():
        state.found[index] = [diag]
    per_text = tuple(tuple(_dedupe(state.found.get(i, []))) for i in range(len(texts)))
    return LintRun(
        True,
        version,
        exe,
        per_text,
        tuple(_dedupe(state.schema_diags)),
        seconds=time.perf_counter() - started,
        invocations=state.invocations,
        notes=tuple(state.notes),
    )


def _sort_output(
    state: _LintState,
    data: dict[str, Any],
    exe: str,
    stmts_file: Path,
    schema_name: str,
    texts: Sequence[str],
    todo: list[int],
    spans: list[tuple[int, int, int]],
) -> int | None:
    """File one dsql-lint output's diagnostics under their texts (or the schema) in ``state``.

    Returns the index of the text the tokenizer stopped at, found by probing, or ``None``.
    """
    retry: int | None = None
    for entry in data.get("files", []):
        diags = _parse_diagnostics(entry.get("diagnostics") or [])
        name = Path(str(entry.get("file"))).name
        if entry.get("error"):
            state.notes.append(f"dsql-lint could not read {name}: {entry['error']}")
        if name == schema_name:
            state.schema_diags = diags
            continue
        for diag in diags:
            if is_tokenizer_failure(diag):
                retry, probes = _tokenize_culprit(exe, stmts_file, texts, todo, spans, diag)
                state.invocations += probes
                state.failed[retry] = diag
                break
            span = _span_of(diag.line, spans)
            if span is not None:  # None: a synthetic separator or COMMIT line
                state.found.setdefault(span[2], []).append(replace(diag, line=diag.line - span[0] + 1))
    return retry


def _tokenize_culprit(
    exe: str,
    path: Path,
    texts: Sequence[str],
    todo: list[int],
    spans: list[tuple[int, int, int]],
    diag: LintDiagnostic,
) -> tuple[int, int]:
    """The text that made the tokenizer give up, and how many extra dsql-lint runs finding it took.

    The message names a line (``… at Line: 5, Column: 8``), which is the culprit for unterminated
    strings but the end of file for unterminated dollar quotes and comments. Then the smallest
    failing prefix is found by bisection: a prefix fails exactly when it holds the culprit.
    """
    match = _AT_LINE.search(diag.message)
    if match:
        index = _locate(int(match.group(1)), spans)
        if index is not None and index != todo[-1]:
            return index, 0
    low, high, probes = 0, len(todo) - 1, 0
    while low < high:
        mid = (low + high) // 2
        joined, _ = _join(texts, todo[: mid + 1])
        path.write_text(joined, encoding="utf-8")
        probes += 1
        items = _invoke(exe, [path]).get("files", [{}])[0].get("diagnostics") or []
        if any(str(d.get("message", "")).startswith(_TOKENIZE) for d in items):
            high = mid
        else:
            low = mid + 1
    return todo[low], probes


def is_tokenizer_failure(diag: LintDiagnostic) -> bool:
    """True for the diagnostic of a text that stopped dsql-lint's tokenizer (its line and message
    name a place in the joined file, so it depends on the texts linted before it)."""
    return diag.rule == "parse_error" and diag.message.startswith(_TOKENIZE)


def _dedupe(diags: list[LintDiagnostic]) -> list[LintDiagnostic]:
    """Drop repeats of one rule per line (dsql-lint reports a parse error twice inside blocks)."""
    seen: set[tuple[str, int]] = set()
    out: list[LintDiagnostic] = []
    for diag in diags:
        key = (diag.rule, diag.line)
        if key not in seen:
            seen.add(key)
            out.append(diag)
    return out


@dataclass(frozen=True)
class FixRun:
    """The result of ``dsql-lint --fix`` over one SQL text: the rewritten SQL and what was done."""

    available: bool
    sql: str
    """The fixed SQL (the input unchanged when dsql-lint did not run)."""
    diagnostics: tuple[LintDiagnostic, ...] = ()
    error: str | None = None
    version: str | None = None

    @property
    def fixed(self) -> tuple[LintDiagnostic, ...]:
        """Diagnostics dsql-lint rewrote mechanically (with or without a warning)."""
        return tuple(d for d in self.diagnostics if d.fixable)

    @property
    def unfixable(self) -> tuple[LintDiagnostic, ...]:
        """Diagnostics left for design work."""
        return tuple(d for d in self.diagnostics if not d.fixable)


def fix_sql(sql: str, *, executable: str | None = None) -> FixRun:
    """Run ``dsql-lint --fix`` on ``sql`` (psql meta-commands blanked first); never raises for tool problems."""
    exe = executable or find_dsql_lint()
    if exe is None:
        return FixRun(False, sql, error="dsql-lint is not installed (pip install dsql-lint)")
    with tempfile.TemporaryDirectory(prefix="dsqlcost-fix-") as tmp:
        source, target = Path(tmp) / "schema.sql", Path(tmp) / "fixed.sql"
        source.write_text(strip_meta_commands(sql), encoding="utf-8")
        try:
            proc = subprocess.run(
                [exe, "--fix", "--format", "json", str(source), "-o", str(target)],
                capture_output=True,
                text=True,
                timeout=TIMEOUT_SECONDS,
                check=False,
            )
            data = json.loads(proc.stdout) if proc.stdout.strip() else {}
            fixed = target.read_text(encoding="utf-8") if target.is_file() else sql
        except (OSError, subprocess.SubprocessError, json.JSONDecodeError) as exc:
            return FixRun(False, sql, error=f"dsql-lint --fix failed: {exc}")
    if proc.returncode not in (0, 1, 3):
        return FixRun(
            False, sql, error=f"dsql-lint --fix exited with {proc.returncode}: {proc.stderr.strip()[:300]}"
        )
    diags = [d for entry in data.get("files", []) for d in _parse_diagnostics(entry.get("diagnostics") or [])]
    return FixRun(True, fixed, tuple(_dedupe(diags)), version=dsql_lint_version(exe))
