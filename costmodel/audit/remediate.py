"""The remediated DDL: a schema rewritten for DSQL, with what could not be rewritten listed.

Two passes. First the rewrites the migration guide asks for and ``dsql-lint --fix`` does not make
(it turns SERIAL into an identity column; the plan turns it into a UUID key):

* SERIAL / BIGSERIAL columns and pg_dump's ``CREATE SEQUENCE`` + ``SET DEFAULT nextval(...)``
  wiring become ``uuid DEFAULT gen_random_uuid()``; the sequences go; foreign-key columns that
  reference such a key become ``uuid`` too;
* triggers and non-SQL functions (PL/pgSQL) are commented out and listed for the data access
  layer; ``CREATE EXTENSION`` likewise.

Then ``dsql-lint --fix`` makes its mechanical fixes (``CREATE INDEX ASYNC``, primary keys folded
into ``CREATE TABLE``, ``NOT VALID`` foreign keys …) and whatever it reports unfixable is listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from costmodel.readiness.dsqllint import FixRun, LintDiagnostic, fix_sql
from costmodel.readiness.subjects import split_schema

_INT_TYPES = (
    r"(?:smallserial|bigserial|serial|serial2|serial4|serial8|integer|bigint|smallint|int2|int4|int8|int)"
)
_SERIAL_TYPE = re.compile(r"\b(small|big)?serial[248]?\b", re.IGNORECASE)
_CREATE_TABLE = re.compile(
    r"^\s*CREATE\s+(?:UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([\w.\"]+)", re.IGNORECASE
)
_SET_DEFAULT = re.compile(
    r"^\s*ALTER\s+TABLE\s+(?:ONLY\s+)?([\w.\"]+)\s+ALTER\s+COLUMN\s+([\w\"]+)\s+SET\s+DEFAULT\s+nextval\('([^']+)'",
    re.IGNORECASE,
)
_CREATE_SEQ = re.compile(r"^\s*CREATE\s+SEQUENCE\s+(?:IF\s+NOT\s+EXISTS\s+)?([\w.\"]+)", re.IGNORECASE)
_ALTER_SEQ_OWNED = re.compile(r"^\s*ALTER\s+SEQUENCE\s+([\w.\"]+)\s+OWNED\s+BY", re.IGNORECASE)
_FOREIGN_KEY = re.compile(
    r"^\s*ALTER\s+TABLE\s+(?:ONLY\s+)?([\w.\"]+)\s+ADD\s+CONSTRAINT\s+[\w\"]+\s+FOREIGN\s+KEY\s*\(([\w\"]+)\)\s*"
    r"REFERENCES\s+([\w.\"]+)\s*\(([\w\"]+)\)",
    re.IGNORECASE,
)
_INLINE_REF = re.compile(r"^\s*([\w\"]+)\s+\w+.*?\bREFERENCES\s+([\w.\"]+)\s*\(([\w\"]+)\)", re.IGNORECASE)
_TRIGGER = re.compile(
    r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:CONSTRAINT\s+)?TRIGGER\s+([\w\"]+).*?\bON\s+([\w.\"]+)",
    re.IGNORECASE | re.DOTALL,
)
_FUNCTION = re.compile(r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(FUNCTION|PROCEDURE)\s+([\w.\"]+)", re.IGNORECASE)
_LANGUAGE = re.compile(r"\bLANGUAGE\s+'?(\w+)'?", re.IGNORECASE)
_EXTENSION = re.compile(r"^\s*CREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?([\w\"]+)", re.IGNORECASE)
_EXTENSION_COMMENT = re.compile(r"^\s*COMMENT\s+ON\s+EXTENSION\b", re.IGNORECASE)


def _name(qualified: str) -> str:
    return qualified.replace('"', "").split(".")[-1].lower()


@dataclass(frozen=True)
class MovedItem:
    """A schema object the remediated DDL leaves out, to be moved into the data access layer."""

    kind: str
    """``trigger`` | ``function`` | ``procedure`` | ``extension``."""
    name: str
    table: str
    line: int


@dataclass(frozen=True)
class Remediation:
    """The remediated DDL and the changes behind it."""

    sql: str
    uuid_keys: tuple[tuple[str, str], ...]
    """(table, column) turned from SERIAL/sequence keys into ``uuid DEFAULT gen_random_uuid()``."""
    uuid_references: tuple[tuple[str, str], ...]
    """(table, column) foreign-key columns turned into ``uuid`` with the keys they reference."""
    sequences_removed: tuple[str, ...]
    moved: tuple[MovedItem, ...]
    mechanical: tuple[LintDiagnostic, ...]
    """What ``dsql-lint --fix`` rewrote in the pre-remediated DDL."""
    left: tuple[LintDiagnostic, ...]
    """What ``dsql-lint`` still reports after both passes (design work)."""
    original_mechanical: int = 0
    """How many findings ``dsql-lint --fix`` alone could rewrite in the original schema."""
    original_unfixable: int = 0
    lint_ran: bool = True
    notes: tuple[str, ...] = field(default_factory=tuple)


@dataclass
class _Facts:
    keys: dict[tuple[str, str], str] = field(default_factory=dict)
    """(table, column) -> owning sequence name ('' for SERIAL types)."""
    refs: set[tuple[str, str]] = field(default_factory=set)


def _elements(text: str) -> list[tuple[int, int]]:
    """Spans of the top-level elements (columns, constraints) of a CREATE TABLE's parentheses."""
    start = text.find("(")
    if start < 0:
        return []
    spans, depth, begin, quote = [], 0, start + 1, ""
    for i in range(start, len(text)):
        ch = text[i]
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                spans.append((begin, i))
                break
        elif ch == "," and depth == 1:
            spans.append((begin, i))
            begin = i + 1
    return spans


def _collect(texts: list[str]) -> _Facts:
    facts = _Facts()
    fks: list[tuple[str, str, str, str]] = []
    for text in texts:
        if m := _SET_DEFAULT.match(text):
            facts.keys[(_name(m.group(1)), _name(m.group(2)))] = _name(m.group(3))
        elif m := _FOREIGN_KEY.match(text):
            fks.append((_name(m.group(1)), _name(m.group(2)), _name(m.group(3)), _name(m.group(4))))
        elif m := _CREATE_TABLE.match(text):
            table = _name(m.group(1))
            for a, b in _elements(text):
                line = text[a:b]
                col = re.match(r"^\s*([\w\"]+)\s+(\w+)", line)
                if col and _SERIAL_TYPE.fullmatch(col.group(2)):
                    facts.keys[(table, _name(col.group(1)))] = ""
                if ref := _INLINE_REF.match(line):
                    fks.append((table, _name(ref.group(1)), _name(ref.group(2)), _name(ref.group(3))))
    facts.refs = {(t, c) for t, c, rt, rc in fks if (rt, rc) in facts.keys}
    return facts


def _rewrite_table(text: str, table: str, facts: _Facts) -> str:
    pieces: list[str] = []
    last = 0
    for a, b in _elements(text):
        pieces += [text[last:a], _rewrite_column(text[a:b], table, facts)]
        last = b
    return "".join(pieces) + text[last:]


def _rewrite_column(line: str, table: str, facts: _Facts) -> str:
    col = re.match(
        rf"^(\s*)([\w\"]+)(\s+){_INT_TYPES}\b(\s+(?:NOT\s+NULL|NULL|DEFAULT\s+nextval\([^)]*\)(?:::\w+)?))*",
        line,
        re.IGNORECASE,
    )
    if not col:
        return line
    key = (table, _name(col.group(2)))
    rest = line[col.end() :]
    not_null = " NOT NULL" if re.search(r"NOT\s+NULL", col.group(0), re.IGNORECASE) else ""
    if key in facts.keys:
        return f"{col.group(1)}{col.group(2)} uuid DEFAULT gen_random_uuid(){not_null}{rest}"
    if key in facts.refs:
        return f"{col.group(1)}{col.group(2)} uuid{not_null}{rest}"
    return line


def _comment(text: str, why: str) -> str:
    return f"-- {why}\n" + "\n".join(f"-- {line}" for line in text.split("\n"))


def remediate(sql: str, *, lint_executable: str | None = None) -> Remediation:
    """Rewrite ``sql`` (a pg_dump --schema-only file, or migrations' DDL) for DSQL."""
    stmts = split_schema(sql)
    texts = [s.text.rstrip(";").rstrip() for s in stmts]
    facts = _collect(texts)
    owned = {seq for seq in facts.keys.values() if seq}
    out: list[str] = []
    moved: list[MovedItem] = []
    removed: list[str] = []
    for stmt, text in zip(stmts, texts, strict=True):
        if (m := _CREATE_SEQ.match(text)) and _name(m.group(1)) in owned:
            removed.append(_name(m.group(1)))
            continue
        if ((m := _ALTER_SEQ_OWNED.match(text)) and _name(m.group(1)) in owned) or _SET_DEFAULT.match(text):
            continue
        if m := _TRIGGER.match(text):
            moved.append(MovedItem("trigger", _name(m.group(1)), _name(m.group(2)), stmt.first_line))
            out.append(_comment(text, "moved to the data access layer (DSQL has no triggers):"))
            continue
        if (
            (m := _FUNCTION.match(text))
            and (lang := _LANGUAGE.search(text))
            and lang.group(1).lower() != "sql"
        ):
            moved.append(MovedItem(m.group(1).lower(), _name(m.group(2)), "", stmt.first_line))
            out.append(
                _comment(text, f"moved to the data access layer (LANGUAGE {lang.group(1)} is not supported):")
            )
            continue
        if m := _EXTENSION.match(text):
            moved.append(MovedItem("extension", _name(m.group(1)), "", stmt.first_line))
            out.append(_comment(text, "removed (DSQL has no extensions):"))
            continue
        if _EXTENSION_COMMENT.match(text):
            out.append(_comment(text, "removed with its extension:"))
            continue
        if m := _CREATE_TABLE.match(text):
            text = _rewrite_table(text, _name(m.group(1)), facts)
        out.append(text + ";")
    pre = "\n\n".join(out) + "\n"
    original = fix_sql(sql, executable=lint_executable)
    fixed: FixRun = fix_sql(pre, executable=lint_executable)
    final = fixed.sql if fixed.available else pre
    left = fix_sql(final, executable=lint_executable) if fixed.available else fixed
    notes = [] if fixed.available else [f"dsql-lint --fix not run: {fixed.error}"]
    return Remediation(
        sql=_header(facts, moved) + final,
        uuid_keys=tuple(sorted(facts.keys)),
        uuid_references=tuple(sorted(facts.refs)),
        sequences_removed=tuple(removed),
        moved=tuple(moved),
        mechanical=fixed.fixed,
        left=left.diagnostics if fixed.available else (),
        original_mechanical=len(original.fixed),
        original_unfixable=len(original.unfixable),
        lint_ran=fixed.available,
        notes=tuple(notes),
    )


def _header(facts: _Facts, moved: list[MovedItem]) -> str:
    lines = ["-- Remediated for Aurora DSQL by `dsqlcost plan` (review before use).",
             "-- SERIAL / sequence keys -> uuid DEFAULT gen_random_uuid(): "
             + (", ".join(f"{t}.{c}" for t, c in sorted(facts.keys)) or "none")]  # fmt: skip
    if facts.refs:
        lines.append(
            "-- foreign-key columns -> uuid: " + ", ".join(f"{t}.{c}" for t, c in sorted(facts.refs))
        )
    for item in moved:
        on = f" on {item.table}" if item.table else ""
        lines.append(
            f"-- to move into the data access layer: {item.kind} {item.name}{on} (schema line {item.line})"
        )
    lines.append(
        "-- not found: key columns without a declared foreign key (check columns that hold these keys)."
    )
    lines.append("-- then dsql-lint --fix: CREATE INDEX ASYNC, primary keys inline, foreign keys NOT VALID.")
    return "\n".join(lines) + "\n\n"
