"""Retry coverage: does a retry on serialization failure (40001) cover each write path?

On DSQL every write transaction can fail at commit with SQLSTATE 40001 (OC000 data conflict,
OC001 schema change), so "audit every ORM call, every raw SQL execute, every background job".
Sites are the matches of ``write`` and ``transaction`` rules plus the SQL literals that write or
lock rows; handlers are the matches of ``retry`` rules. A handler covers:

* ``scope: function`` (a decorator or annotation like ``@Retryable``, an ``except`` / ``catch`` of
  ``SerializationFailure`` / 40001, a check of the error code) — its enclosing function or method;
* ``scope: call`` (``crdb.ExecuteTx(…)``, ``retryTemplate.execute(…)``) — the call's arguments;
* a retry wrapper the application defines (:mod:`.wrappers`: a function with a serialization
  handler that calls its parameter, e.g. gavel's ``with_retries``) — every call or decorator using
  it, in its own file or in one that imports it.

A site is covered when a handler's scope contains it, or — one hop, same file, by name — when the
function (or the closure's variable) holding it is named inside a covered scope, or — one hop across
files (:mod:`.crossfile`) — when a retry scope in another file names that function and imports it
from this file. What is not seen (a caller's caller, framework retry configured outside the code
read) leaves a site "no retry found here", to verify.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from costmodel.audit.crossfile import ScopeText, cross_file
from costmodel.audit.literals import Literal
from costmodel.audit.model import RetryHandler, RetrySite
from costmodel.audit.rules import COVERAGE, Match
from costmodel.audit.scan import FileScan
from costmodel.audit.wrappers import find_wrappers, wrapper_scopes

FUNCTION_TYPES = frozenset(
    {
        "function_definition", "decorated_definition", "lambda", "function_declaration",
        "function_expression", "arrow_function", "method_definition", "generator_function_declaration",
        "method_declaration", "constructor_declaration", "lambda_expression", "func_literal",
    }
)  # fmt: skip
CALL_TYPES = frozenset({"call", "call_expression", "method_invocation"})
WRITE_KINDS = frozenset({"insert", "update", "delete", "merge"})
NAME_HOLDERS = frozenset(
    {"assignment", "short_var_declaration", "variable_declarator", "assignment_expression"}
)


@dataclass(frozen=True)
class _Scope:
    start: int
    end: int
    handler: RetryHandler


def coverage(
    scans: Sequence[FileScan], literals: Sequence[Literal], profile: pd.DataFrame | None
) -> tuple[list[RetrySite], list[RetryHandler]]:
    """Every site with whether it is retried, and every retry handler found."""
    literal_sites = _literal_sites(literals, profile)
    sites: list[RetrySite] = []
    handlers: list[RetryHandler] = []
    texts: dict[str, tuple[str, str]] = {}
    scope_texts: dict[str, list[ScopeText]] = {}
    wrapped = wrapper_scopes(scans, find_wrappers(scans))
    for scan in scans:
        if scan.tree is None or scan.migration:
            continue
        source = scan.file.text.encode("utf-8")
        scopes = [_scope(m, scan.file.path, source) for m in scan.matches if m.rule.category == "retry"]
        scopes += [_Scope(w.start, w.end, w.handler) for w in wrapped.get(scan.file.path, [])]
        handlers += [s.handler for s in scopes if s.handler not in handlers]
        texts[scan.file.path] = (scan.file.language, scan.file.text)
        scope_texts[scan.file.path] = [
            ScopeText(source[s.start : s.end].decode("utf-8", "replace"), s.handler) for s in scopes
        ]
        candidates = [(m.rule.category, m.rule.id, m.start_byte, m.end_byte, m.text) for m in scan.matches
                      if m.rule.category in COVERAGE]  # fmt: skip
        candidates += literal_sites.get(scan.file.path, [])
        seen: set[tuple[str, int]] = set()
        taken: list[tuple[int, int]] = []
        for kind, rule, start, end, what in sorted(candidates, key=lambda c: (c[2], -c[3])):
            if kind == "write" and any(a <= start and end <= b for a, b in taken):
                continue  # the SQL literal of a write call already listed
            taken.append((start, end))
            node = scan.tree.root_node.descendant_for_byte_range(start, max(start, end - 1))
            line = node.start_point[0] + 1
            if (kind, line) in seen:
                continue
            seen.add((kind, line))
            via = _covered(start, end, node, scopes, source)
            sites.append(
                RetrySite(
                    kind,
                    scan.file.path,
                    line,
                    _function_name(node, source),
                    _short(what),
                    rule,
                    bool(via),
                    via,
                )
            )
    return cross_file(sites, scope_texts, texts), handlers


def _literal_sites(
    literals: Sequence[Literal], profile: pd.DataFrame | None
) -> dict[str, list[tuple[str, str, int, int, str]]]:
    out: dict[str, list[tuple[str, str, int, int, str]]] = {}
    if profile is None:
        return out
    kinds = profile["kind"].tolist()
    locks = profile["lock_strength"].tolist()
    writes = profile["is_write"].tolist()
    for i, lit in enumerate(literals):
        if lit.origin != "code":
            continue
        writing = kinds[i] in WRITE_KINDS or (kinds[i] == "select" and _true(writes[i]))  # a writing CTE
        kind = "write" if writing else "lock" if isinstance(locks[i], str) and locks[i] else None
        if kind is not None:
            out.setdefault(lit.path, []).append(
                (kind, f"sql:{kinds[i]}", lit.start_byte, lit.end_byte, lit.sql)
            )
    return out


def _scope(match: Match, path: str, source: bytes) -> _Scope:
    node = match.node
    holder = _ancestor(node, CALL_TYPES) if match.rule.scope == "call" else _ancestor(node, FUNCTION_TYPES)
    start, end = (holder.start_byte, holder.end_byte) if holder is not None else (0, len(source))
    function = _function_name(node, source)
    return _Scope(start, end, RetryHandler(match.rule.id, path, match.line, match.rule.scope, function))


def _ancestor(node: Any, types: frozenset[str]) -> Any:
    while node is not None:
        if node.type in types:
            return node
        node = node.parent
    return None


def _covered(start: int, end: int, node: Any, scopes: list[_Scope], source: bytes) -> str:
    for scope in scopes:
        if scope.start <= start and end <= scope.end:
            return f"{scope.handler.rule} at line {scope.handler.line}"
    variable = _assigned_name(node, source)
    home = _ancestor(node.parent, FUNCTION_TYPES) if node.parent is not None else None
    if variable and home is not None:  # the SQL's variable handed to a retried call in the same function
        for scope in scopes:
            if home.start_byte <= scope.start and scope.end <= home.end_byte:
                text = source[scope.start : scope.end].decode("utf-8", "replace")
                if re.search(rf"\b{re.escape(variable)}\b", text):
                    return f"{scope.handler.rule} at line {scope.handler.line} (uses {variable})"
    for name in (n for n in _holder_names(node, source) if len(n) >= 2):
        naming = [
            s
            for s in scopes
            if re.search(rf"\b{re.escape(name)}\b", source[s.start : s.end].decode("utf-8", "replace"))
        ]
        if naming:  # the nearest one after it: ``def tx(): …`` then ``with_retries(tx)``
            scope = min(naming, key=lambda s: (s.start < start, abs(s.start - start)))
            return f"{scope.handler.rule} at line {scope.handler.line} (calls {name})"
    return ""


def _assigned_name(node: Any, source: bytes) -> str:
    """The variable a string expression is assigned to (``const text = `…```), or empty."""
    parent = node.parent
    if parent is None or parent.type not in NAME_HOLDERS:
        return ""
    left = parent.child_by_field_name("left") or parent.child_by_field_name("name")
    if left is None or left.type not in ("identifier", "expression_list"):
        return ""
    return source[left.start_byte : left.end_byte].decode("utf-8", "replace")


def _holder_names(node: Any, source: bytes) -> list[str]:
    """Names of the functions (or closure variables) enclosing ``node``, innermost first."""
    names = []
    current = node
    while current is not None:
        if current.type in FUNCTION_TYPES:
            name = _name_of(current, source)
            if name:
                names.append(name)
        current = current.parent
    return names


def _name_of(node: Any, source: bytes) -> str:
    named = node.child_by_field_name("name")
    if named is None and node.type == "decorated_definition":
        inner = node.child_by_field_name("definition")
        named = inner.child_by_field_name("name") if inner is not None else None
    if named is not None:
        return source[named.start_byte : named.end_byte].decode("utf-8", "replace")
    parent = node.parent
    while parent is not None and parent.type in ("expression_list", "parenthesized_expression"):
        parent = parent.parent
    if parent is not None and parent.type in NAME_HOLDERS:
        left = parent.child_by_field_name("left") or parent.child_by_field_name("name")
        if left is not None:
            return source[left.start_byte : left.end_byte].decode("utf-8", "replace")
    return ""


def _function_name(node: Any, source: bytes) -> str:
    names = _holder_names(node, source)
    return names[0] if names else "<top level>"


def _short(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _true(value: Any) -> bool:
    """True for a true flag (numpy and pandas booleans included), False for false or unknown."""
    return bool(pd.notna(value)) and bool(value)
