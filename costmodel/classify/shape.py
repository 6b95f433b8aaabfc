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
from itertools import count
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
_SPACES = b" \t\n\r\x0b\x0c"
"""What ``bytes.split()`` splits on."""
_GAPS_ONLY = bytes.maketrans(
    _WORD_BYTES + _SPACES, b" " * len(_WORD_BYTES) + bytes(range(0x80, 0x80 + len(_SPACES)))
)
"""Every word byte becomes a space and every space byte a byte above 0x7f (no shaped text has one, so
the gaps stay distinct): ``split()`` then yields the gaps between words in one C call."""
_EDGE = b"!"
"""Put before and after a text cut into gaps, so that a leading or trailing word leaves a gap too."""
_NOT_A_NAME = frozenset(b"0123456789$")
"""First bytes of numbers and parameters (``1e5``, ``$1``): kept literal."""
_LITERAL = frozenset(w.encode("ascii") for w in LITERAL_WORDS)
_PREFIXES = tuple(p.encode("ascii") for p in LITERAL_PREFIXES)
_DOLLAR_QUOTE = re.compile(r"\$(?!\d)")
_NUMBER_DOT_WORD = re.compile(rb"[0-9$](?<![A-Za-z0-9_$][0-9$])[A-Za-z0-9_$]*\.[A-Za-z0-9_$]")
"""A number or parameter word, a bare ``.`` and a word: where :func:`_number_tails` has work (its
condition implies this match, so the cheap search decides when the Python loop runs). The word's
first byte comes first in the pattern, so the regex engine skips to candidates; the look-behind
after it says no word byte precedes it."""
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
for a name); per word, the position of the first word equal to it (equal names share a number)."""


class Shape(NamedTuple):
    """A text's shape: ``key`` (see :data:`ShapeKey`) and its names in first-seen order."""

    key: ShapeKey
    names: tuple[str, ...]


class _Number(bytes):
    """A number or parameter word (``1e5``, ``$1``): literal, and a name right after it and a bare
    ``.`` is part of it (``1.e5``)."""


class Words:
    """What the words of the texts of one classification are, memoised (a word is looked up once):
    :attr:`kind` maps a word as written to its entry in the key (bytes: a literal, lower case) or,
    for a name, its lower-case spelling (str); :attr:`literal` maps each literal entry to itself, so
    that one C-level ``map`` of ``literal.get`` masks the names of a text (a str is never a key)."""

    __slots__ = ("kind", "literal")

    def __init__(self) -> None:
        self.kind: dict[bytes, bytes | str] = {}
        self.literal: dict[bytes, bytes] = {}

    def learn(self, words: list[bytes], kinds: list[bytes | str | None]) -> None:
        """Fill the kinds of the words not seen before (None in ``kinds``) and remember them."""
        for i, (word, kind) in enumerate(zip(words, kinds)):
            if kind is None:
                kinds[i] = self.kind[word] = found = _word_kind(word)
                if isinstance(found, bytes):
                    self.literal[found] = found


def shape_of(text: str, words_seen: Words | None = None) -> Shape | None:
    """The shape of ``text``, or None when it has no abstractable word or could be misread.

    Words are the maximal runs of ``[A-Za-z0-9_$]`` (what the lexer reads as one name, keyword,
    number or parameter); the skeleton is the text (between two :data:`_EDGE` marks, spaces stood in
    for by bytes above 0x7f) with each word squeezed to one NUL, so it keeps every other character and
    where the words stand. Byte-level ``translate`` and ``split`` cut the text, and the
    per-word work is a few C-level passes (``map`` over dicts, ``filter``) and no Python loop:
    ``words_seen`` memoises what each word is across the texts of one classification, and numbering
    each word by its first equal (``dict.setdefault`` with a counter) finds the names, their
    first-seen order and where each repeats in one pass. A Python loop over the words here would cost
    as much as the C parse a cache hit saves.
    """
    if _SQUASHED in text:  # PG 18's squashed IN list: a comment, read by the lexer as a space
        text = text.replace(_SQUASHED, " ")
    if _unshaped(text):
        return None
    raw = text.encode("ascii")
    words = raw.translate(_WORDS_ONLY).split()
    skeleton = b"\0".join((_EDGE + raw + _EDGE).translate(_GAPS_ONLY).split())  # a NUL per word
    seen = words_seen if words_seen is not None else Words()
    kinds: list[bytes | str | None]
    try:
        kinds = list(map(seen.kind.__getitem__, words))
    except KeyError:  # a word not seen before
        kinds = list(map(seen.kind.get, words))
        seen.learn(words, kinds)
    if b"\0.\0" in skeleton and _NUMBER_DOT_WORD.search(raw) is not None:
        _number_tails(words, kinds, skeleton, seen.literal)
    first: dict[bytes | str | None, int] = {}
    numbers = map(first.setdefault, kinds, count())  # per word: the position of its first equal
    pattern = bytes(numbers) if len(kinds) < 256 else tuple(numbers)
    names = tuple(filter(_is_name, first))
    if not names:
        return None
    return Shape((skeleton, tuple(map(seen.literal.get, first)), pattern), names)  # type: ignore[arg-type]


_is_name = str.__instancecheck__
"""True for a name's kind (its lower-case spelling, a str); literal kinds are bytes."""


def _word_kind(word: bytes) -> bytes | str:
    """A word's entry in the key (bytes: the literal word, lower case) or, for a name, its lower-case
    spelling (str)."""
    if word[0] in _NOT_A_NAME:
        return _Number(word)
    lower = word.lower()
    if lower in _LITERAL or len(word) > MAX_NAME or lower.startswith(_PREFIXES):
        return lower
    return lower.decode("ascii")


def _number_tails(
    words: list[bytes], kinds: list[bytes | str | None], skeleton: bytes, literal: dict[bytes, bytes]
) -> None:
    """Make a name literal where it directly follows a number and a bare ``.`` (``1.e5`` is one
    number to the lexer); the skeleton's NULs stand for the words in order."""
    gaps = skeleton.split(b"\0")
    for i in range(1, len(words)):
        if type(kinds[i]) is str and type(kinds[i - 1]) is _Number and gaps[i] == b".":
            kinds[i] = lower = words[i].lower()
            literal[lower] = lower


_SEPARATOR = "\0"
"""Joins the values of a field in a template's pattern: no shaped text holds a NUL, so no name does."""


class Template(NamedTuple):
    """A profile row, and how to put another text's names into its :data:`_TEMPLATED` fields.

    Each field that holds a name is one ``str.format`` pattern (``{n}`` for the ``n``-th name, values
    joined by :data:`_SEPARATOR`): filling it is one C-level call per field, where joining the parts
    of each value in Python cost as much as the fingerprint."""

    row: tuple[Any, ...]
    fills: tuple[tuple[int, str, bool], ...]
    """Per field holding a name: its position in the row, its pattern, whether its values are sorted
    after filling (tables are; key columns keep their order)."""

    @classmethod
    def of(cls, row: tuple[Any, ...], names: tuple[str, ...], field_names: tuple[str, ...]) -> Template:
        """The template of ``row`` (a profile in ``field_names`` order) of a text with ``names``."""
        number = {name: i for i, name in enumerate(names)}
        fills = []
        for field, ordered in zip(_TEMPLATED, (True, True, False)):
            position = field_names.index(field)
            values = [[number.get(p, p) for p in value.split(".")] for value in row[position]]
            if any(type(p) is int for parts in values for p in parts):
                pattern = _SEPARATOR.join(".".join(map(_pattern_part, parts)) for parts in values)
                fills.append((position, pattern, ordered and len(values) > 1))
        return cls(row, tuple(fills))

    def apply(self, names: tuple[str, ...], fingerprint: str | None) -> tuple[Any, ...]:
        """The profile row of a text of this shape with ``names`` and ``fingerprint``."""
        if not self.fills:
            return (fingerprint, *self.row[1:])
        row = list(self.row)
        row[0] = fingerprint
        for position, pattern, ordered in self.fills:
            values = pattern.format(*names).split(_SEPARATOR)
            row[position] = tuple(sorted(values)) if ordered else tuple(values)
        return tuple(row)


def _pattern_part(part: str | int) -> str:
    """A part of a dotted value in a template pattern: a name's number, or the literal word escaped."""
    return f"{{{part}}}" if type(part) is int else part.replace("{", "{{").replace("}", "}}")  # type: ignore[union-attr]
