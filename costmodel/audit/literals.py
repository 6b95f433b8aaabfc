"""SQL string literals in source code, as PostgreSQL would receive them.

A grep for ``FOR UPDATE`` sees comments and prose alike; here tree-sitter finds the *string
expressions* of a file — plain literals, ``"a" + "b"`` concatenations, Python's implicit
concatenation and f-strings, JavaScript template strings, Java text blocks, Go raw strings — and
keeps those that read as SQL. Interpolated parts (``{user_id}``, ``${id}``, a variable in a
concatenation) become ``$n`` parameters, and driver placeholders (``%s``, ``%(name)s``, ``?``,
``:name``) are numbered the same way, so the text parses like a pg_stat_statements text and
matches its fingerprint. A literal whose SQL has a hole where a name belongs (``FROM {table}``) is
kept, marked ``dynamic``; it may not parse.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pglast import parser

STRING_TYPES: dict[str, frozenset[str]] = {
    "python": frozenset({"string", "concatenated_string"}),
    "javascript": frozenset({"string", "template_string"}),
    "typescript": frozenset({"string", "template_string"}),
    "tsx": frozenset({"string", "template_string"}),
    "java": frozenset({"string_literal", "text_block"}),
    "go": frozenset({"interpreted_string_literal", "raw_string_literal"}),
    "kotlin": frozenset({"string_literal", "multiline_string_literal"}),
    "ruby": frozenset({"string"}),
    "csharp": frozenset({"string_literal", "verbatim_string_literal", "raw_string_literal"}),
    "php": frozenset({"string", "encapsed_string"}),
}
"""Node types of string literals per grammar."""

CONCAT_TYPES = frozenset({"binary_operator", "binary_expression", "additive_expression"})
HOLE_TYPES = frozenset({"interpolation", "template_substitution", "string_interpolation"})
CONTENT_HINTS = ("content", "fragment", "escape_sequence")

_SQL_START = re.compile(
    r"^\s*\(?\s*(select|insert|update|delete|with|create|alter|drop|truncate|lock|merge|call|do|grant|"
    r"revoke|comment\s+on|vacuum|analyze|begin|start\s+transaction|commit|rollback|savepoint|release|"
    r"set|listen|notify|copy|refresh|reindex|cluster|prepare|execute)\b",
    re.IGNORECASE,
)
_SQL_SECOND = re.compile(
    r"\b(from|into|set|table|index|where|values|join|returning|sequence|trigger|function|procedure|"
    r"transaction|isolation|extension|view|schema|type|nowait|work)\b",
    re.IGNORECASE,
)
_SELECT_CALL = re.compile(r"^\s*select\s+[a-z_][\w.]*\s*\(", re.IGNORECASE)
_NAME_CONTEXT = re.compile(r"(\bfrom|\bjoin|\binto|\bupdate|\btable|\bexists|\bon|\.)\s*$", re.IGNORECASE)
_PLACEHOLDER = re.compile(
    r"%\([A-Za-z_][A-Za-z0-9_]*\)s|%s|(?<![:\w])\?(?![|&\w])|(?<![:\w]):[A-Za-z_][A-Za-z0-9_]*|#\{[^}]*\}|\$\d+"
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "'": "'", "\\": "\\", "`": "`"}
MAX_LITERAL_CHARS = 20_000
_LINE_START = re.compile(r"\n[ \t]*$")
_LINE_END = re.compile(r"[ \t]*(\n|$)")


@dataclass(frozen=True)
class Literal:
    """One SQL text found in a file: where, the text as PostgreSQL would see it, and how it was built."""

    path: str
    line: int
    column: int
    language: str
    sql: str
    """Placeholders and interpolations numbered ``$1, $2 …`` (as in a pg_stat_statements text)."""
    start_byte: int = 0
    end_byte: int = 0
    dynamic: bool = False
    """Built with interpolation or concatenation of non-literal parts."""
    origin: str = "code"
    """``code`` | ``migration`` (a migration file) | ``sql-file``."""

    @property
    def where(self) -> str:
        """``path:line``."""
        return f"{self.path}:{self.line}"


def looks_like_sql(text: str) -> bool:
    """True when ``text`` starts with a SQL command and has a second SQL word (prose rarely does)."""
    if len(text) < 6 or not _SQL_START.match(text):
        return False
    head = text.lstrip().lstrip("(").split(None, 1)
    if len(head) < 2:
        return head[0].lower() in ("begin", "commit", "rollback")
    if _SQL_SECOND.search(text) or _SELECT_CALL.match(text):
        return True
    return head[0].lower() in ("begin", "commit", "rollback", "savepoint")


def number_placeholders(sql: str) -> str:
    """Driver placeholders and holes as ``$1, $2 …`` in order of appearance (existing ``$n`` kept)."""
    counter = iter(range(1, 10_000))
    taken = {int(m) for m in re.findall(r"\$(\d+)", sql)}

    def repl(match: re.Match[str]) -> str:
        if match.group(0).startswith("$"):
            return match.group(0)
        n = next(counter)
        while n in taken:
            n = next(counter)
        return f"${n}"

    return _PLACEHOLDER.sub(repl, sql)


def extract(tree: Any, source: bytes, path: str, language: str, origin: str = "code") -> list[Literal]:
    """The SQL literals of a parsed file (outermost string expressions only)."""
    strings = STRING_TYPES.get(language, frozenset())
    out: list[Literal] = []
    for node in _walk(tree.root_node, strings):
        parts = _parts(node, strings, source)
        if parts is None or not any(isinstance(p, str) and p.strip() for p in parts):
            continue
        text, dynamic = _join(parts)
        if len(text) > MAX_LITERAL_CHARS or not looks_like_sql(text):
            continue
        if dynamic and not _parses(number_placeholders(text)):
            text = _join(parts, drop_clauses=True)[0]  # a hole on a line of its own is an optional clause
        out.append(
            Literal(
                path=path,
                line=node.start_point[0] + 1,
                column=node.start_point[1] + 1,
                language=language,
                sql=number_placeholders(text.strip().rstrip(";").strip()),
                start_byte=node.start_byte,
                end_byte=node.end_byte,
                dynamic=dynamic,
                origin=origin,
            )
        )
    return out


def _walk(root: Any, strings: frozenset[str]) -> Iterator[Any]:
    """Candidate nodes top-down; the children of a string expression are not visited again."""
    stack = [root]
    while stack:
        node = stack.pop()
        candidate = node.type in strings or (node.type in CONCAT_TYPES and _is_plus(node))
        if candidate and _parts(node, strings, b"") is not None:
            yield node
            continue
        stack.extend(reversed(node.children))


def _is_plus(node: Any) -> bool:
    op = node.child_by_field_name("operator")
    if op is not None:
        return bool(op.type == "+")
    return any(c.type == "+" for c in node.children)


Part = str | None
"""Literal text, or None for a hole (an interpolated or non-literal part)."""


def _parts(node: Any, strings: frozenset[str], source: bytes) -> list[Part] | None:
    """The pieces of a string expression, or None when ``node`` is not one."""
    if node.type in strings:
        return _string_parts(node, strings, source)
    if node.type in CONCAT_TYPES and _is_plus(node):
        left = node.child_by_field_name("left") or node.children[0]
        right = node.child_by_field_name("right") or node.children[-1]
        lp, rp = _parts(left, strings, source), _parts(right, strings, source)
        if lp is None and rp is None:
            return None
        hole: list[Part] = [None]
        return (lp if lp is not None else hole) + (rp if rp is not None else hole)
    return None


def _string_parts(node: Any, strings: frozenset[str], source: bytes) -> list[Part]:
    if node.type == "concatenated_string":
        parts: list[Part] = []
        for child in node.named_children:
            parts += _string_parts(child, strings, source) if child.type in strings else [None]
        return parts
    if not source:
        return [""]
    children = node.named_children
    if not children:  # e.g. a literal whose grammar exposes no content node: strip the quotes
        return [_strip_quotes(source[node.start_byte : node.end_byte].decode("utf-8", "replace"))]
    parts = []
    for child in children:
        text = source[child.start_byte : child.end_byte].decode("utf-8", "replace")
        if child.type in HOLE_TYPES:
            parts.append(None)
        elif child.type == "escape_sequence":
            parts.append(_unescape(text))
        elif any(h in child.type for h in CONTENT_HINTS):
            parts.append(text)
    return parts


def _strip_quotes(text: str) -> str:
    for quote in ('"""', "'''", '"', "'", "`"):
        if text.startswith(quote) and text.endswith(quote) and len(text) >= 2 * len(quote):
            return text[len(quote) : -len(quote)]
    return text


def _unescape(text: str) -> str:
    if len(text) == 2 and text[0] == "\\":
        return _ESCAPES.get(text[1], text[1])
    return text


def _join(parts: list[Part], *, drop_clauses: bool = False) -> tuple[str, bool]:
    """Concatenate, turning holes into ``$n`` (or a placeholder name where a name belongs).

    With ``drop_clauses``, a hole alone on its line (``${queueClause}``) is left out: code that
    builds SQL that way splices in optional clauses, not values.
    """
    text = ""
    dynamic = False
    for i, part in enumerate(parts):
        if part is None:
            dynamic = True
            following = next((p for p in parts[i + 1 :] if p is not None), "")
            alone = (_LINE_START.search(text) or text.rstrip().endswith(")")) and _LINE_END.match(following)
            if drop_clauses and alone:
                continue
            text += " dynamic_name " if _NAME_CONTEXT.search(text) else "%s"
        else:
            text += part
    return text, dynamic


def _parses(sql: str) -> bool:
    try:
        parser.parse_sql(sql)
    except parser.ParseError:
        return False
    return True
