"""Literal redaction: query texts in reports and collected bundles show ``$n`` where there were constants.

Why: pg_stat_statements normalises plannable statements, but it keeps utility statements as
written, so an export can hold ``ALTER ROLE app PASSWORD 'secret'`` or
``CREATE USER MAPPING … OPTIONS (password '…')``. Reports are pasted into tickets and pull
requests, so every query text goes through :func:`redact_query` unless the user asks for
``--show-literals``.

Two passes, because neither alone is enough:

1. ``pglast.parser.normalize`` replaces every constant the parser knows is one (strings, numbers,
   dollar-quoted bodies, ``LIMIT`` values, ``PASSWORD '…'``) with ``$n``. It leaves some utility
   statements untouched (``COMMENT ON … IS '…'``, ``CREATE SERVER … OPTIONS (host '…')``,
   ``DEFAULT '…'``), and raises on text it cannot parse (truncated texts, other dialects).
2. A small scanner then replaces whatever quoted string is left (``'…'``, ``E'…'``, ``B'…'``,
   ``X'…'``, ``U&'…'``, ``$tag$…$tag$``); when the text did not parse it also replaces numbers.
   It skips comments and double-quoted identifiers, and an unterminated string (a truncated text)
   is replaced up to the end.

Used by the reports (:mod:`costmodel.report.redact`) and by ``collect``, which redacts the texts it
writes into a bundle's snapshots unless ``--keep-secrets`` is given (the same function, so a bundle
never holds a password the report would have hidden).

Comments are kept: they are not literals, and sqlcommenter tags (``/*route='/users'*/``) help a
reader find the code that sent the statement.
"""

from __future__ import annotations

import re

from pglast import parser as pg_parser

_PARAM = re.compile(r"\$(\d+)")
_DOLLAR_TAG = re.compile(r"\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$")
_NUMBER = re.compile(
    r"0[xX][0-9A-Fa-f_]+|0[oO][0-7_]+|0[bB][01_]+"
    r"|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?"
)
_IDENT_CHAR = re.compile(r"[A-Za-z0-9_$\u0080-\uffff]")
_STRING_PREFIX = re.compile(r"(?:[eEbBxXnN]|[uU]&)'")
_BRANCH_START = re.compile(r"--|/\*|[\"'$]|(?:[eEbBxXnN]|[uU]&)'")
"""Every place where :func:`scrub_literals` does more than copy a character (numbers aside)."""


def redact_query(text: str) -> str:
    """``text`` with every literal replaced by ``$n`` (numbered after any ``$n`` already present).

    Not cached per process: a process-wide cache of 200,000 texts kept a dashboard session's texts
    (and the memory around them) alive after the session ended. Callers that show the same texts
    again keep the redacted column themselves: the report redacts each distinct text once per
    call, the dashboard once per upload (``dashboard.state.Entry.texts``).

    >>> redact_query("ALTER ROLE app PASSWORD 'secret'")
    'ALTER ROLE app PASSWORD $1'
    >>> redact_query("SELECT * FROM t WHERE name = 'x' AND id = 4")  # doctest: +SKIP
    'SELECT * FROM t WHERE name = $1 AND id = $2'
    """
    if not text:
        return text
    try:
        normalised = pg_parser.normalize(text)
    except Exception:  # ParseError, or anything odd in the C layer: fall back to the scanner
        return scrub_literals(text, numbers=True)
    if "'" not in normalised and not _DOLLAR_TAG.search(normalised):
        return normalised  # no quoted string left for the scanner to find (the common case)
    return scrub_literals(normalised, numbers=False)


def lint_text(text: str) -> str:
    """``text`` with every quoted string replaced by the string literal ``'$n'`` (numbers kept).

    What dsql-lint is given unless ``--show-literals``: its messages quote the statement
    (``COPY with PROGRAM 'curl -u admin:…' is not supported``), and a ``$n`` parameter where a
    literal string must stand makes it a parse error, so the placeholder stays a string literal and
    every rule still fires on the same statements.
    """
    if "'" not in text and "$" not in text:
        return text
    return scrub_literals(text, numbers=False, quoted=True)


def scrub_literals(text: str, *, numbers: bool = True, quoted: bool = False) -> str:
    """Replace quoted strings (and, with ``numbers``, numeric constants) by ``$n`` without parsing.

    Comments (``--`` to end of line, nested ``/* */``) and double-quoted identifiers are copied
    unchanged; an unterminated string or dollar-quoted body is replaced up to the end of the text.
    With ``quoted`` a string becomes the literal ``'$n'`` instead (still a string to a parser),
    followed by as many line breaks as it spanned, so line numbers stay those of ``text``.
    """
    counter = max((int(n) for n in _PARAM.findall(text)), default=0)
    out: list[str] = []
    i = 0
    length = len(text)

    def param() -> str:
        nonlocal counter
        counter += 1
        return f"${counter}"

    while i < length:
        ch = text[i]
        nxt = text[i + 1] if i + 1 < length else ""
        if ch == "-" and nxt == "-":
            end = text.find("\n", i)
            end = length if end < 0 else end
            out.append(text[i:end])
            i = end
        elif ch == "/" and nxt == "*":
            end = _comment_end(text, i)
            out.append(text[i:end])
            i = end
        elif ch == '"':
            end = _quoted_end(text, i + 1, '"')
            out.append(text[i:end])
            i = end
        elif ch == "'" or (_STRING_PREFIX.match(text, i) and not _after_ident(text, i)):
            start_quote = text.index("'", i)
            backslashes = text[i] in "eE" and start_quote == i + 1
            begin, i = i, _quoted_end(text, start_quote + 1, "'", backslashes=backslashes)
            out.append(f"'{param()}'" + "\n" * text.count("\n", begin, i) if quoted else param())
        elif ch == "$":
            tag = _DOLLAR_TAG.match(text, i)
            if tag and not _after_ident(text, i):
                close = text.find(tag.group(0), tag.end())
                begin, i = i, length if close < 0 else close + len(tag.group(0))
                out.append(f"'{param()}'" + "\n" * text.count("\n", begin, i) if quoted else param())
            else:
                digits = _PARAM.match(text, i)
                end = digits.end() if digits else i + 1
                out.append(text[i:end])
                i = end
        elif numbers and (ch.isdigit() or (ch == "." and nxt.isdigit())) and not _after_ident(text, i):
            match = _NUMBER.match(text, i)
            end = match.end() if match else i + 1
            out.append(param())
            i = end
        elif numbers:
            out.append(ch)
            i += 1
        else:  # copy up to the next place where a branch above could apply, not one character a turn
            found = _BRANCH_START.search(text, i + 1)
            end = found.start() if found else length
            out.append(text[i:end])
            i = end
    return "".join(out)


def _after_ident(text: str, i: int) -> bool:
    """True when position ``i`` continues an identifier or a ``$n`` (``t1``, ``col_2``, ``$12``)."""
    return i > 0 and bool(_IDENT_CHAR.match(text[i - 1]))


def _comment_end(text: str, i: int) -> int:
    """End of the (nested) block comment starting at ``i``; end of text when unterminated."""
    depth = 0
    length = len(text)
    while i < length:
        if text.startswith("/*", i):
            depth += 1
            i += 2
        elif text.startswith("*/", i):
            depth -= 1
            i += 2
            if depth == 0:
                return i
        else:
            i += 1
    return length


def _quoted_end(text: str, i: int, quote: str, *, backslashes: bool = False) -> int:
    """Index just after the closing ``quote`` (doubled quotes escape it); end of text when unterminated."""
    length = len(text)
    while i < length:
        ch = text[i]
        if backslashes and ch == "\\":
            i += 2
            continue
        if ch == quote:
            if i + 1 < length and text[i + 1] == quote:
                i += 2
                continue
            return i + 1
        i += 1
    return length
