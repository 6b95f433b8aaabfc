"""Shape cache: texts equal up to the names of their tables, columns and aliases share one parse.

Why: an export often holds one statement shape many times over with other names — the same ORM
query on fifty tables, the same query in every ``tenant_42.orders`` schema of a SaaS fleet. Parsing
and walking each of them costs a Python tree walk; their profiles differ only where a name shows
(tables read and written, key columns). :func:`shape_of` cuts a text into its *skeleton* (every
character outside a name) and its words, and replaces each word that no classifier rule compares
by the number of its first occurrence; texts with the same :attr:`Shape.key` parse into trees equal
up to those names, so the profile of the first is re-used with the names of the next
(:meth:`Template.apply`). Only the fingerprint is computed again (it hashes the names).

Why it is exact, rule by rule:

* A word stays literal in the key (never abstracted) when any rule compares it: every SQL keyword
  (pglast's four keyword lists), every name in :mod:`costmodel.classify.names` and the tenant column
  names, the option and setting names handlers compare, and every word starting with a known
  function prefix (``pg_``, ``json``, ``to_`` …). So the rules that look at a name (aggregate,
  opaque function, json type, serial type, tenant key, ``pg_temp`` schema, isolation setting) see a
  literal word in both texts or an unknown name in both.
* Abstracted words are numbered by their lower-case spelling (the parser folds unquoted names to
  lower case), so equal names stay equal and different names different: alias matching, CTE names
  and the key's table qualifier give the same answers.
* Words are the runs of ``[A-Za-z0-9_$]``, as the lexer reads names, keywords, numbers and
  parameters; runs starting with a digit or ``$`` (``1e5``, ``$1``) and a word right after
  ``<number>.`` (``1.e5`` is one number) stay literal, as do words longer than 63 characters (the
  parser truncates them). A text is not shaped at all when its characters could be read otherwise:
  quoted strings or identifiers, comments (but PG 18's ``/*, ... */``, read as a space),
  backslashes, dollar quotes, non-ASCII text.
* Only profiles of texts that parsed as written (no parameter repair, not truncated) become
  templates; names in the template's tables and key columns are mapped back to word numbers and
  re-sorted after substitution, as the classifier sorts them.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from pglast import keywords

from costmodel.classify.names import (
    ADVISORY_LOCK_PREFIXES,
    AGGREGATES,
    HYPOTHETICAL_SET_AGGREGATES,
    JSON_FUNCTION_PREFIXES,
    JSON_TYPES,
    KNOWN_FUNCTION_PREFIXES,
    KNOWN_FUNCTIONS,
    NOTIFY_FUNCTIONS,
    SEQUENCE_FUNCTIONS,
    SERIAL_TYPES,
)
from costmodel.core.profile import TENANT_COLUMN_NAMES

RULE_WORDS: frozenset[str] = frozenset(
    {
        "pg_catalog", "cache", "language", "sql", "analyze", "transaction", "session", "characteristics",
        "default_transaction_isolation", "transaction_isolation", "excluded",
    }
)  # fmt: skip
"""Option, setting and schema names the handlers compare (besides keywords and the name lists)."""

LITERAL_WORDS: frozenset[str] = frozenset().union(
    keywords.RESERVED_KEYWORDS,
    keywords.UNRESERVED_KEYWORDS,
    keywords.COL_NAME_KEYWORDS,
    keywords.TYPE_FUNC_NAME_KEYWORDS,
    AGGREGATES,
    HYPOTHETICAL_SET_AGGREGATES,
    SEQUENCE_FUNCTIONS,
    NOTIFY_FUNCTIONS,
    JSON_TYPES,
    SERIAL_TYPES,
    KNOWN_FUNCTIONS,
    TENANT_COLUMN_NAMES,
    RULE_WORDS,
)
"""Words kept as written in a shape key (lower case): a rule may read them."""

LITERAL_PREFIXES: tuple[str, ...] = (
    *KNOWN_FUNCTION_PREFIXES,
    *JSON_FUNCTION_PREFIXES,
    *ADVISORY_LOCK_PREFIXES,
)
"""Words starting with these stay literal (function families the rules recognise by prefix)."""

MAX_NAME = 63
"""Longest name the parser keeps whole (NAMEDATALEN - 1); longer words stay literal."""

_WORD_BYTES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_$"
_OTHER_BYTES = bytes(b for b in range(256) if b not in _WORD_BYTES)
_WORDS_ONLY = bytes.maketrans(_OTHER_BYTES, b" " * len(_OTHER_BYTES))
"""Every byte that cannot be part of a word (name, keyword, number, parameter) becomes a space."""
_MARK_WORDS = bytes.maketrans(_WORD_BYTES, b"\0" * len(_WORD_BYTES))
"""Every word byte becomes NUL; runs of NUL are then squeezed to one: the skeleton."""
_NUL_RUN = re.compile(b"\0\0+")
_NOT_A_NAME = frozenset(b"0123456789$")
"""First bytes of numbers and parameters (``1e5``, ``$1``): kept literal."""
_LITERAL = frozenset(w.encode("ascii") for w in LITERAL_WORDS)
_PREFIXES = tuple(p.encode("ascii") for p in LITERAL_PREFIXES)
_DOLLAR_QUOTE = re.compile(r"\$(?!\d)")
_SQUASHED = "/*, ... */"


def _unshaped(text: str) -> bool:
    """True for text the word cutter could misread: non-ASCII, NUL, quotes, backslashes, comments,
    dollar quotes (``$$``, ``$tag$``)."""
    return (
        not text.isascii()
        or "'" in text
        or '"' in text
        or "\\" in text
        or "--" in text
        or "/*" in text
        or "\0" in text
        or ("$" in text and _DOLLAR_QUOTE.search(text) is not None)
    )


_TEMPLATED = ("tables_read", "tables_written", "key_columns")
"""Profile fields holding names; every other field is the same for every text of a shape."""

ShapeKey = tuple[bytes, tuple[bytes | None, ...], bytes | tuple[int, ...]]
"""Skeleton; the distinct words in first-seen order (literal words as written in lower case, None
for a name); per word, the position of its entry in that tuple."""


class Shape(NamedTuple):
    """A text's shape: ``key`` (see :data:`ShapeKey`) and its names in first-seen order."""

    key: ShapeKey
    names: tuple[str, ...]


class _Number(bytes):
    """A number or parameter word (``1e5``, ``$1``): literal, and a name right after it and a bare
    ``.`` is part of it (``1.e5``)."""


def shape_of(text: str, words_seen: dict[bytes, bytes | str] | None = None) -> Shape | None:
    """The shape of ``text``, or None when it has no abstractable word or could be misread.

    Words are the maximal runs of ``[A-Za-z0-9_$]`` (what the lexer reads as one name, keyword,
    number or parameter); the skeleton is the text with each word squeezed to one NUL, so it keeps
    every other character and where the words stand. Byte-level ``translate`` cuts the text and the
    per-word work is C-level ``map`` over ``words_seen``, which memoises what each word is (a literal
    token, or a name's lower-case spelling) across the texts of one classification.
    """
    if _SQUASHED in text:  # PG 18's squashed IN list: a comment, read by the lexer as a space
        text = text.replace(_SQUASHED, " ")
    if _unshaped(text):
        return None
    raw = text.encode("ascii")
    words = raw.translate(_WORDS_ONLY).split()
    skeleton = _NUL_RUN.sub(b"\0", raw.translate(_MARK_WORDS))
    seen = words_seen if words_seen is not None else {}
    kinds: list[bytes | str | None] = list(map(seen.get, words))
    if None in kinds:
        for i, (word, kind) in enumerate(zip(words, kinds)):
            if kind is None:
                kinds[i] = seen[word] = _word_kind(word)
    if b"\0.\0" in skeleton and _Number in set(map(type, kinds)):
        _number_tails(words, kinds, skeleton)
    distinct = dict.fromkeys(kinds)
    names = tuple(k for k in distinct if type(k) is str)
    if not names:
        return None
    position = dict(zip(distinct, range(len(distinct))))
    pattern = tuple(map(position.__getitem__, kinds))
    masked = tuple(None if type(k) is str else k for k in distinct)
    return Shape((skeleton, masked, bytes(pattern) if len(distinct) < 256 else pattern), names)  # type: ignore[arg-type]


def _word_kind(word: bytes) -> bytes | str:
    """A word's entry in the key (bytes: the literal word, lower case) or, for a name, its lower-case
    spelling (str)."""
    if word[0] in _NOT_A_NAME:
        return _Number(word)
    lower = word.lower()
    if lower in _LITERAL or len(word) > MAX_NAME or lower.startswith(_PREFIXES):
        return lower
    return lower.decode("ascii")


def _number_tails(words: list[bytes], kinds: list[bytes | str | None], skeleton: bytes) -> None:
    """Make a name literal where it directly follows a number and a bare ``.`` (``1.e5`` is one
    number to the lexer); the skeleton's NULs stand for the words in order."""
    gaps = skeleton.split(b"\0")
    for i in range(1, len(words)):
        if type(kinds[i]) is str and type(kinds[i - 1]) is _Number and gaps[i] == b".":
            kinds[i] = words[i].lower()


Part = tuple[str | int, ...]


class Template(NamedTuple):
    """A profile row with the names of :data:`_TEMPLATED` fields replaced by word numbers."""

    row: tuple[Any, ...]
    positions: tuple[int, ...]
    fields: tuple[tuple[Part, ...], ...]

    @classmethod
    def of(cls, row: tuple[Any, ...], names: tuple[str, ...], field_names: tuple[str, ...]) -> Template:
        """The template of ``row`` (a profile in ``field_names`` order) of a text with ``names``."""
        number = {name: i for i, name in enumerate(names)}
        positions = tuple(field_names.index(f) for f in _TEMPLATED)
        fields = tuple(
            tuple(tuple(number.get(p, p) for p in value.split(".")) for value in row[i]) for i in positions
        )
        return cls(row, positions, fields)

    def apply(self, names: tuple[str, ...], fingerprint: str | None) -> tuple[Any, ...]:
        """The profile row of a text of this shape with ``names`` and ``fingerprint``."""
        row = list(self.row)
        row[0] = fingerprint
        for position, values, ordered in zip(self.positions, self.fields, (True, True, False)):
            if not values:
                continue
            out = [".".join(names[p] if isinstance(p, int) else p for p in parts) for parts in values]
            row[position] = tuple(sorted(out)) if ordered else tuple(out)
        return tuple(row)
