"""Classify statement texts: pglast parse tree → the profile columns of :mod:`costmodel.core.profile`.

Three entry points, from one text to a whole workload:

* :func:`classify_text` — one text → :class:`StatementProfile`;
* :func:`classify_texts` — many texts → a DataFrame, one row per input in input order;
* :func:`classify` — a :class:`~costmodel.core.workload.Workload` → the same workload with the profile
  columns added to ``statements``.

A text that cannot be analysed is a *status*, never an exception (:class:`ParseStatus`):

* ``no_text`` — NULL, empty, or ``<insufficient privilege>`` (and rows ingest flags
  ``unclassifiable``).
* ``truncated`` — the text was probably cut by an exporter. The rule: (a) its length is one of
  :data:`~costmodel.classify.names.TRUNCATION_CAPS` characters, or, for non-ASCII text, its UTF-8
  length is at or up to 3 bytes below one of them; or (b) it ends with an ellipsis; or (c) it fails
  to parse *at its end*: "at end of input", an unterminated quote / comment / dollar-quote, or an
  error in its last token. pg_stat_statements only records statements the server parsed, so an
  error at the very end is far more likely a cut than bad SQL. A truncated text keeps its kind (from
  the parse, or from the first word of its statements when it no longer parses) and ``is_write``
  when the kind implies it; tables, flags, features and key shape are left empty / ``unknown``, because a cut
  text can parse into a different statement (``… FROM accoun``).
* ``parse_error`` — any other parser error; ``parse_error`` keeps pglast's message.

pg_stat_statements normalises some constants into text the grammar rejects (``DO $1``,
``COMMENT ON … IS $1``, ``CREATE SEQUENCE … START $1``, ``FETCH $1``). When the parser stops at a
``$n``, that parameter is replaced by a literal (``''``, then ``0``) and the text parsed again, so
these statements classify normally.

Speed: every distinct text is parsed once (cache by text), and texts that differ only in parameter
numbers and in the length of parameter lists (``IN ($1, $2, $3)`` and ``IN ($1 /*, ... */)``, the
PG ≤ 17 and PG 18 forms of one query) share one parse through a *parameter signature*: the text with
every comma-separated run of ``$n`` read as one ``$`` and squash comments dropped. Their parse trees
differ only in parameter nodes, which no profile field depends on, so sharing is exact. The pglast
fingerprint is deliberately not the cache key: it also merges texts whose profiles differ (``id = 1``
vs ``id = $1``: constant vs parameter key; one vs three VALUES rows; ``$1::jsonb`` vs ``$1::int``;
``ISOLATION LEVEL SERIALIZABLE`` vs ``REPEATABLE READ``). Texts equal up to their table, column
and alias names share one parse too, through their *shape* (:mod:`costmodel.classify.shape`, which
says why that is exact): the first text's profile is re-used with the next text's names and
fingerprint.

The tree comes from ``pglast.parser.parse_sql_json(text)``, decoded by orjson (:func:`_decode`), and
is walked as plain dicts (:mod:`costmodel.classify.statement` per statement,
:mod:`costmodel.classify.nodes` per node); the pglast Python AST is ~5× slower to build. The C parser
and fingerprint run over runs of :data:`PARSE_BATCH` texts ahead of the walks (:meth:`_Classifier.many`).
A multi-statement text (``BEGIN; …; COMMIT``) is one profile: kind, command and key shape of its first
data statement, the union of the rest.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, fields
from itertools import count, islice
from operator import itemgetter
from typing import Any

import numpy as np
import pandas as pd
from pglast import parser

try:
    import orjson
except ImportError:  # pragma: no cover - a declared dependency; the stdlib decoder gives the same trees
    orjson = None  # type: ignore[assignment]

from costmodel.classify.names import LEADING_KEYWORD_KINDS, TRUNCATION_CAPS, TRUNCATION_MULTIBYTE_SLACK
from costmodel.classify.shape import Shape, ShapeKey, Template, Words, shape_of
from costmodel.classify.statement import analyse, primary_index, shallow_kind
from costmodel.core.errors import ClassifyError
from costmodel.core.executor import Executor, LocalExecutor, batches
from costmodel.core.frames import share_constant_columns
from costmodel.core.gcpause import gc_paused
from costmodel.core.profile import PROFILE_COLUMNS, KeyShape, ParseStatus, StatementKind
from costmodel.core.workload import Workload

Progress = Callable[[int, int], None]
"""``progress(done, total)``: called while :func:`classify_texts` works through its input."""

INSUFFICIENT_PRIVILEGE = "<insufficient privilege>"
TRUNCATED_MARKERS = frozenset({"<truncated query>"})
"""Placeholders some collectors store instead of a text that was cut (pganalyze)."""

MAX_PARAMETER_REPAIRS = 8
"""How many ``$n`` a text may have in places the grammar rejects before we call it a parse error."""

PROGRESS_EVERY = 500
"""Rows between two progress callbacks."""

_NOTE_PREFIX = "classify: "


@dataclass(frozen=True)
class StatementProfile:
    """What classification knows about one statement text; fields = ``PROFILE_COLUMNS`` keys.

    Enum-valued fields hold the enum *value* (a str) so the profile drops straight into a DataFrame.
    """

    fingerprint: str | None
    parse_status: str
    parse_error: str | None
    kind: str
    command: str | None
    is_write: bool | None
    tables_read: tuple[str, ...]
    tables_written: tuple[str, ...]
    join_count: int
    join_types: tuple[str, ...]
    subquery_count: int
    cte_count: int
    aggregate_count: int
    has_window: bool
    has_group_by: bool
    has_order_by: bool
    has_limit: bool
    has_distinct: bool
    set_operation: bool
    lock_strength: str | None
    lock_wait: str | None
    is_upsert: bool
    has_returning: bool
    set_returning_function: bool
    values_rows: int
    key_shape: str
    key_columns: tuple[str, ...]
    tenant_column: str | None
    features: tuple[str, ...]
    transaction_control: str | None


FIELDS: tuple[str, ...] = tuple(f.name for f in fields(StatementProfile))

Row = tuple[Any, ...]
"""A profile's values in :data:`FIELDS` order: what the classifier keeps and caches per text (a tuple
costs a fraction of a :class:`StatementProfile`); :func:`_from_row` makes the profile at the edges."""

_ROW = itemgetter(*FIELDS)
"""A profile's values in :data:`FIELDS` order, from a dict of every field (or a profile's ``__dict__``)."""


def _profile(values: dict[str, Any]) -> StatementProfile:
    """A profile from a dict holding every field, without the generated ``__init__``.

    The frozen dataclass ``__init__`` sets each of the 30 fields through ``object.__setattr__``,
    which costs as much as walking the parse tree; one ``__dict__.update`` does the same. Callers
    always pass complete dicts (``_BLANK`` or :func:`~costmodel.classify.statement.analyse` output).
    """
    profile = object.__new__(StatementProfile)
    profile.__dict__.update(values)
    return profile


_BLANK: dict[str, Any] = {
    "fingerprint": None,
    "parse_error": None,
    "kind": StatementKind.UNKNOWN.value,
    "command": None,
    "is_write": None,
    "tables_read": (),
    "tables_written": (),
    "join_count": 0,
    "join_types": (),
    "subquery_count": 0,
    "cte_count": 0,
    "aggregate_count": 0,
    "has_window": False,
    "has_group_by": False,
    "has_order_by": False,
    "has_limit": False,
    "has_distinct": False,
    "set_operation": False,
    "lock_strength": None,
    "lock_wait": None,
    "is_upsert": False,
    "has_returning": False,
    "set_returning_function": False,
    "values_rows": 0,
    "key_shape": KeyShape.UNKNOWN.value,
    "key_columns": (),
    "tenant_column": None,
    "features": (),
    "transaction_control": None,
}
"""Field values that claim nothing: what unanalysable texts carry."""

NO_TEXT = StatementProfile(parse_status=ParseStatus.NO_TEXT.value, **_BLANK)
_NO_TEXT_ROW: Row = _ROW(NO_TEXT.__dict__)

_DTYPE_BY_ANNOTATION = {"str": "str", "int": "int64", "bool": "bool", "bool | None": "boolean"}
_DTYPES: dict[str, str] = {
    f.name: _DTYPE_BY_ANNOTATION.get(str(f.type), "object") for f in fields(StatementProfile)
}
"""Column dtypes from the field types: never-null strings (enum values) ``str``, counts ``int64``, flags
``bool``, ``is_write`` nullable ``boolean`` (NA = unknown); nullable strings (``None``) and tuples
``object``."""

_OK = ParseStatus.OK.value
_WRITE_KINDS = frozenset(
    {StatementKind.INSERT, StatementKind.UPDATE, StatementKind.DELETE, StatementKind.MERGE, StatementKind.DDL}
)
_PARAM_AT = re.compile(r"\$\d+")
_FIRST_WORD = re.compile(r"\s*(?:(?:/\*.*?\*/|--[^\n]*)\s*)*\(?\s*([A-Za-z]+)", re.S)
_PARAM_RUN = re.compile(r"\$\d+(?:\s*,\s*\$\d+)*")
_SQUASHED = re.compile(r"\s*/\*, \.\.\. \*/")


def classify_text(sql: str | None) -> StatementProfile:
    """Profile of one statement text (a status, never an exception, for unusable text)."""
    return _from_row(_Classifier().profile(sql))


def classify_texts(
    texts: Sequence[str | None],
    progress: Progress | None = None,
    *,
    jobs: int = 1,
    executor: Executor | None = None,
) -> pd.DataFrame:
    """One row of profile columns per text, in input order (RangeIndex).

    Equal texts are classified once, and texts equal up to parameter numbering and list lengths
    share one parse (see the module docstring). ``progress(done, total)`` is called every
    :data:`PROGRESS_EVERY` rows and at the end. With an ``executor`` (or ``jobs > 1``, local
    processes) and at least its :attr:`~costmodel.core.executor.Executor.min_batch_texts` distinct
    texts, the distinct texts are cut into batches classified in parallel (parsing is CPU-bound
    and holds the GIL).
    """
    total = len(texts)
    if executor is None and jobs > 1:
        executor = LocalExecutor(jobs, min_batch_texts=PARALLEL_MIN_TEXTS)
    if executor is not None and executor.workers > 1:
        distinct = list(dict.fromkeys(t for t in texts if isinstance(t, str)))
        if distinct and len(distinct) >= executor.min_batch_texts:
            by_text = _classify_parallel(distinct, executor)
            if progress is not None:
                progress(total, total)
            return rows_frame([by_text[t] if isinstance(t, str) else _NO_TEXT_ROW for t in texts])
    classifier = _Classifier()
    with gc_paused():  # parse trees and profiles hold no cycles; collections would rescan them all
        if progress is None:
            return rows_frame(list(classifier.many(texts)))
        rows: list[Row] = []
        for done, row in enumerate(classifier.many(texts), start=1):
            rows.append(row)
            if done % PROGRESS_EVERY == 0 or done == total:
                progress(done, total)
        return rows_frame(rows)


PARALLEL_MIN_TEXTS = 20_000
"""Distinct texts from which local classification is spread over processes (below, a pool costs more)."""


def classify_batch(texts: Sequence[str]) -> list[Row]:
    """Profile rows of one batch of texts (a task of :func:`classify_texts` on an executor)."""
    with gc_paused():
        return list(_Classifier().many(texts))


def _classify_parallel(distinct: Sequence[str], executor: Executor) -> dict[str, Row]:
    chunks = batches(distinct, executor.workers)
    results = executor.map(classify_batch, chunks)
    return {t: p for chunk, profiles in zip(chunks, results) for t, p in zip(chunk, profiles)}


def classify(workload: Workload, progress: Progress | None = None, *, jobs: int = 1) -> Workload:
    """The workload with the profile columns added (replaced if present) to ``statements``.

    Rows flagged ``unclassifiable`` by ingest get ``parse_status = no_text``. Counts of unparsable
    and truncated texts are added to ``workload.notes`` so no report can drop them silently.
    """
    statements = workload.statements
    if "query" not in statements.columns:
        raise ClassifyError(
            "the statement table has no 'query' column",
            column="query",
            hint="build the workload with costmodel.ingest.load (it always adds 'query', NULL when unknown)",
        )
    return with_profile(workload, classify_texts(classifiable_texts(statements), progress, jobs=jobs))


def classifiable_texts(statements: pd.DataFrame) -> list[Any]:
    """The text of each statement row, None where ingest flagged it ``unclassifiable`` (NULL or
    ``<insufficient privilege>``; NA counts as classifiable)."""
    if "query" not in statements.columns:
        return [None] * len(statements)
    texts: list[Any] = list(statements["query"])
    if "unclassifiable" in statements.columns:
        flags = statements["unclassifiable"].eq(True).tolist()
        texts = [None if flag else text for text, flag in zip(texts, flags)]
    return texts


def with_profile(workload: Workload, profile: pd.DataFrame) -> Workload:
    """``workload`` with ``profile`` (one row per statement, in order) as its profile columns and
    its classification notes recounted; shared by :func:`classify` and the fleet's profile table."""
    statements = workload.statements
    profile.index = statements.index
    kept = statements.drop(columns=[c for c in PROFILE_COLUMNS if c in statements.columns])
    notes = tuple(n for n in workload.notes if not n.startswith(_NOTE_PREFIX))
    # the last rebuild of the table before pricing: constant counters (JIT, planning, I/O timing …
    # on most servers) are held in 8 bytes each from here on (same values, same columns)
    statements = share_constant_columns(pd.concat([kept, profile], axis=1))
    return workload.with_statements(statements, notes=notes + _notes(profile))


def profiles_frame(profiles: Sequence[StatementProfile]) -> pd.DataFrame:
    """DataFrame of profiles with the column dtypes of :data:`_DTYPES` (shared by tests and benches)."""
    row_of: dict[int, Row] = {}  # one row object per profile object, so rows_frame shares it too
    return rows_frame([row_of.get(id(p)) or row_of.setdefault(id(p), _ROW(p.__dict__)) for p in profiles])


def rows_frame(rows: Sequence[Row]) -> pd.DataFrame:
    """DataFrame of profile rows (:data:`Row`) with the column dtypes of :data:`_DTYPES`.

    Typed columns are built once per distinct row object, then repeated by position: a fleet export
    of 1,000,000 rows has some 50,000 distinct texts, so this is ~20x less conversion work. When
    every row is distinct the columns are used as built.
    """
    first_of: dict[int, int] = {}
    firsts = list(map(first_of.setdefault, map(id, rows), count()))  # per row: where its object first is
    codes: np.ndarray | None = None
    distinct: Sequence[Row] = rows
    if len(first_of) < len(rows):
        seen, codes = np.unique(np.array(firsts, dtype=np.intp), return_inverse=True)  # first-seen order
        distinct = [rows[i] for i in seen.tolist()]
    columns = list(zip(*distinct)) if distinct else [() for _ in FIELDS]
    data: dict[str, pd.Series] = {}
    for name, values in zip(FIELDS, columns):
        series = _column(values, _DTYPES[name])
        data[name] = series if codes is None else series.take(codes).reset_index(drop=True)
    return pd.DataFrame(data, columns=list(FIELDS))


def _column(values: tuple[Any, ...], dtype: str) -> pd.Series:
    """One typed column; counts and flags through numpy (pandas checks each Python int of a list for
    a lossless cast, ~3x slower; the values are ints and bools, so the columns are the same)."""
    if dtype in _NUMPY_DTYPES:
        return pd.Series(np.array(values, dtype=_NUMPY_DTYPES[dtype]))
    return pd.Series(list(values), dtype=dtype)


_NUMPY_DTYPES: dict[str, type] = {"int64": np.int64, "bool": np.bool_}


def _notes(profile: pd.DataFrame) -> tuple[str, ...]:
    """Notes counting unparsable and truncated texts among ``profile`` rows (prefixed ``classify:``)."""
    counts = profile["parse_status"].value_counts()
    notes = []
    errors = int(counts.get(ParseStatus.PARSE_ERROR.value, 0))
    truncated = int(counts.get(ParseStatus.TRUNCATED.value, 0))
    if errors:
        notes.append(
            f"{_NOTE_PREFIX}{errors} statement text(s) did not parse; they are costed but not profiled"
        )
    if truncated:
        notes.append(
            f"{_NOTE_PREFIX}{truncated} statement text(s) look truncated by the exporter; their tables, "
            "features and key shapes are unknown"
        )
    return tuple(notes)


class _Classifier:
    """Caches by text and by parameter signature for one batch of texts.

    :meth:`many` runs the C parser and the fingerprint over a run of :data:`PARSE_BATCH` texts before
    any of their trees is decoded and walked: alternating C parsing and Python tree walking text by
    text keeps evicting each other's code and data from the CPU caches, and batching the C calls
    saves ~10% of the CPU time per text. The profiles are the same; only the order of work changes.
    """

    def __init__(self, *, shapes: bool = True) -> None:
        self._by_text: dict[str, Row] = {}
        self._by_signature: dict[str, Row] = {}
        self._by_shape: dict[ShapeKey, Template] = {}
        self._parsed: dict[str, _Ahead] = {}
        """text → (cut reason, signature, parse JSON, fingerprint, shape) found by :meth:`_parse_ahead`;
        the JSON is None when the text is left to :meth:`profile` to parse (a parse error, or a
        signature or shape shared with an earlier text of the run), the fingerprint None when
        :func:`_analysed` computes it."""
        self.shapes = shapes
        """Whether texts of one shape share a parse (:mod:`costmodel.classify.shape`); tests turn it off."""
        self._words = Words()
        self._shape_tries = self._shape_hits = 0

    def many(self, texts: Iterable[str | None]) -> Iterator[Row]:
        """``cached(text)`` for each text in order, parsing ahead by runs of :data:`PARSE_BATCH`."""
        pending = iter(texts)
        by_text = self._by_text
        while chunk := list(islice(pending, PARSE_BATCH)):
            self._parse_ahead(chunk)
            for text in chunk:  # self.cached(text), inlined: most texts were profiled ahead
                if not isinstance(text, str):
                    yield _NO_TEXT_ROW
                    continue
                row = by_text.get(text)
                if row is None:
                    row = by_text[text] = self.profile(text)
                yield row
            self._parsed.clear()  # only texts that repeat within the run are left; they are cached

    def cached(self, text: str | None) -> Row:
        if not isinstance(text, str):
            return _NO_TEXT_ROW  # None, NaN or pd.NA from a DataFrame column
        profile = self._by_text.get(text)
        if profile is None:
            profile = self._by_text[text] = self.profile(text)
        return profile

    def _shape(self, text: str) -> tuple[Shape | None, Template | None]:
        """The shape of ``text`` and its cached template, or None once shapes have proved useless
        here: after :data:`SHAPE_TRIAL` texts of which under :data:`SHAPE_MIN_HIT_SHARE` shared a
        shape, shaping stops (it costs a quarter of a parse per text; a workload of all-different
        statements must not pay it for nothing). The key is hashed once (it is a fresh tuple)."""
        if not self.shapes:
            return None, None
        found = shape_of(text, self._words)
        if found is None:
            return None, None
        self._shape_tries += 1
        template = self._by_shape.get(found.key)
        if template is not None:
            self._shape_hits += 1
        elif self._shape_tries >= SHAPE_TRIAL and self._shape_hits < SHAPE_MIN_HIT_SHARE * self._shape_tries:
            self.shapes = False
        return found, template

    def _parse_ahead(self, chunk: list[str | None]) -> None:
        """Parse (and fingerprint) the texts of ``chunk`` that :meth:`profile` would parse: the first of
        each signature and shape not cached yet. The status checks, cut reason, signature and shape are
        done once, here, in :meth:`profile`'s order: a text whose signature or shape is cached gets its
        profile at once (a shape only needs the fingerprint), and the rest (later texts of a signature
        or shape first seen in this run, parse errors) are left to :meth:`profile` with what was found,
        so it shares, repairs or reports them as before."""
        signatures: set[str] = set()
        shapes: set[ShapeKey] = set()
        parsed, by_text, by_signature = self._parsed, self._by_text, self._by_signature
        to_fingerprint: list[tuple[str, str | None, str]] = []
        shaped: list[tuple[str, str, Shape, Template]] = []
        for text in chunk:
            if not isinstance(text, str) or text in by_text or text in parsed:
                continue
            stripped = text.strip()
            if not stripped or stripped == INSUFFICIENT_PRIVILEGE or stripped in TRUNCATED_MARKERS:
                continue
            cut = _cut_reason(text)
            signature = shape = None
            if cut is None:
                signature = _signature(text)
                shared = by_signature.get(signature)
                if shared is not None:
                    by_text[text] = shared  # what profile() returns for it
                    continue
                if signature in signatures:  # shares the parse of an earlier text of this run
                    parsed[text] = (cut, signature, None, None, None)
                    continue
                signatures.add(signature)
                shape, template = self._shape(text)
                if shape is not None:
                    if template is not None:
                        shaped.append((text, signature, shape, template))
                        continue
                    if shape.key in shapes:  # the first text of this shape is parsed in this run
                        self._shape_hits += 1
                        parsed[text] = (cut, signature, None, None, shape)
                        continue
                    shapes.add(shape.key)
            try:
                tree_json = parser.parse_sql_json(text)
            except parser.ParseError:
                parsed[text] = (cut, signature, None, None, None)  # profile() repairs or reports it
                continue
            parsed[text] = (cut, signature, tree_json, None, shape)
            if cut is None:
                to_fingerprint.append((text, signature, tree_json))
        for text, signature, tree_json in to_fingerprint:
            try:
                parsed[text] = (None, signature, tree_json, parser.fingerprint(text), parsed[text][4])
            except parser.ParseError:  # never seen (parse_sql_json accepted the text): left to _analysed
                continue  # (a try, not contextlib.suppress: its enter and exit cost ~1 µs per text)
        for text, signature, shape, template in shaped:
            try:
                fingerprint = parser.fingerprint(text)
            except parser.ParseError:  # pragma: no cover - the shape's first text parsed
                parsed[text] = (None, signature, None, None, None)
                continue
            by_text[text] = by_signature[signature] = template.apply(shape.names, fingerprint)

    def profile(self, text: str | None) -> Row:
        if not isinstance(text, str):
            return _NO_TEXT_ROW
        ahead = self._parsed.pop(text, None) if self._parsed else None
        if ahead is None:
            stripped = text.strip()
            if not stripped or stripped == INSUFFICIENT_PRIVILEGE:
                return _NO_TEXT_ROW
            if stripped in TRUNCATED_MARKERS:
                return _truncated(StatementKind.UNKNOWN, None, f"collector placeholder {stripped!r}")
            cut = _cut_reason(text)
            signature = None if cut is not None else _signature(text)
            shape = self._shape(text)[0] if cut is None else None
            tree_json = fingerprint = None
        else:
            cut, signature, tree_json, fingerprint, shape = ahead
        if tree_json is not None:
            return self._from_tree(text, tree_json, cut, signature, fingerprint, shape)
        if signature is not None:
            shared = self._by_signature.get(signature)
            if shared is not None:
                return shared
        if shape is not None:
            template = self._by_shape.get(shape.key)
            if template is not None:
                with suppress(parser.ParseError):
                    profile = template.apply(shape.names, parser.fingerprint(text))
                    if signature is not None:
                        self._by_signature[signature] = profile
                    return profile
        try:
            parsed, tree_json = text, parser.parse_sql_json(text)
        except parser.ParseError as error:
            repaired = _repair(text, error)
            if repaired is None:
                return _unparsable(text, error, cut)
            parsed, tree_json = repaired
        return self._from_tree(parsed, tree_json, cut, signature, None, shape if parsed is text else None)

    def _from_tree(
        self,
        parsed: str,
        tree_json: str,
        cut: str | None,
        signature: str | None,
        fingerprint: str | None,
        shape: Shape | None = None,
    ) -> Row:
        """Profile of the text ``parsed`` (the input, or its repair) from its parse JSON; a profile of a
        text parsed as written becomes the template of its ``shape``."""
        stmts = _decode(tree_json)["stmts"]
        if cut is not None:
            kind, command = shallow_kind(stmts) if stmts else (StatementKind.UNKNOWN, None)
            return _truncated(kind, command, cut)
        profile = _analysed(parsed, stmts, fingerprint)
        if signature is not None:
            self._by_signature[signature] = profile
        if shape is not None and profile[1] == _OK:
            self._by_shape[shape.key] = Template.of(profile, shape.names, FIELDS)
        return profile


_Ahead = tuple[str | None, str | None, str | None, str | None, Shape | None]


def _from_row(row: Row) -> StatementProfile:
    return _profile(dict(zip(FIELDS, row)))


PARSE_BATCH = 64
SHAPE_TRIAL = 200
"""Shaped texts after which a classifier whose shape cache rarely hits stops shaping."""
SHAPE_MIN_HIT_SHARE = 0.2
"""Share of shaped texts served by the shape cache below which shaping stops (after the trial)."""
"""Texts parsed ahead at a time by :meth:`_Classifier.many` (32-128 measure alike)."""


def _decode(tree_json: str) -> Any:
    """The parse tree as plain dicts and lists: orjson when installed (it decodes pglast's JSON ~2.5x
    faster than :func:`json.loads`, a third of the per-text cost before this change), the stdlib
    decoder otherwise and for anything orjson refuses (an integer wider than 64 bits), so the trees,
    and every profile built from them, are the same either way."""
    if orjson is not None:
        try:
            return orjson.loads(tree_json)
        except orjson.JSONDecodeError:
            pass
    return json.loads(tree_json)


def _unparsable(text: str, error: parser.ParseError, cut: str | None) -> Row:
    """Profile of a text the parser rejects: truncated when it fails at its end, else a parse error."""
    message = str(error)
    if cut is None and _fails_at_end(text, error):
        cut = f"ends mid-statement ({message})"
    if cut is not None:
        return _truncated(_guess_kind(text), None, cut)
    return _ROW({**_BLANK, "parse_status": ParseStatus.PARSE_ERROR.value, "parse_error": message})


def _analysed(text: str, stmts: list[dict[str, Any]], fingerprint: str | None = None) -> Row:
    """Profile row of a parsed text; ``fingerprint`` when already computed, else computed here."""
    if not stmts:  # only comments or semicolons
        return _NO_TEXT_ROW
    if fingerprint is None:
        try:
            fingerprint = parser.fingerprint(text)
        except parser.ParseError:  # pragma: no cover - parse_sql_json accepted the same text
            fingerprint = None
    try:
        values = analyse(stmts)
    except (KeyError, TypeError, AttributeError, IndexError, ValueError) as exc:  # pragma: no cover
        # A tree shape the walker does not expect must cost one statement its profile, not stop the
        # classification of a whole workload; the message says it is the classifier's limit.
        message = f"classifier could not read this parse tree ({exc!r}); please report the statement"
        return _ROW({**_BLANK, "parse_status": ParseStatus.PARSE_ERROR.value, "parse_error": message})
    return _ROW({"fingerprint": fingerprint, "parse_status": _OK, "parse_error": None, **values})


def _truncated(kind: StatementKind, command: str | None, reason: str) -> Row:
    """Profile of a text that looks cut: kind kept, everything else unknown-safe."""
    if kind in _WRITE_KINDS:
        is_write: bool | None = True
    elif kind is StatementKind.TRANSACTION:
        is_write = False
    else:
        is_write = None
    return _ROW(
        {
            **_BLANK,
            "parse_status": ParseStatus.TRUNCATED.value,
            "kind": kind.value,
            "command": command,
            "is_write": is_write,
            "parse_error": reason,
        }
    )


def _cut_reason(text: str) -> str | None:
    """Why ``text`` looks cut by an exporter even if it parses, or None."""
    length = len(text)
    if length in TRUNCATION_CAPS:
        return f"text is {length} characters long, a common export cap"
    if not text.isascii():
        size = len(text.encode("utf-8"))
        for cap in TRUNCATION_CAPS:
            if cap - TRUNCATION_MULTIBYTE_SLACK <= size <= cap:
                return f"text is {size} bytes long, at the {cap}-byte export cap"
    tail = text.rstrip()
    if tail.endswith(("...", "…")):
        return "text ends with an ellipsis"
    return None


def _fails_at_end(text: str, error: parser.ParseError) -> bool:
    """True when the parser gave up at the end of the text: the signature of a cut."""
    message = str(error.args[0]) if error.args else ""
    location = error.args[1] if len(error.args) > 1 else None
    if "unterminated" in message or location is None:
        return True
    rest = text[location:].rstrip()
    return location > 0 and not any(ch.isspace() for ch in rest)


def _repair(text: str, error: parser.ParseError) -> tuple[str, str] | None:
    """(text, parse JSON) after replacing ``$n`` where the grammar wants a literal, or None."""
    for _ in range(MAX_PARAMETER_REPAIRS):
        location = error.args[1] if len(error.args) > 1 else None
        match = _PARAM_AT.match(text, location) if isinstance(location, int) else None
        if location is None or match is None:
            return None
        for literal in ("''", "0"):
            attempt = f"{text[:location]}{literal}{text[match.end() :]}"
            try:
                return attempt, parser.parse_sql_json(attempt)
            except parser.ParseError as again:
                later = again.args[1] if len(again.args) > 1 else None
                if later is None or later > location:
                    text, error = attempt, again
                    break
        else:
            return None
    return None


def _guess_kind(text: str) -> StatementKind:
    """Kind of an unparsable cut text from the first word of each ``;``-separated part, chosen as
    for parsed multi-statement texts (``BEGIN; UPDATE …; COMM`` is an update); words that name no
    kind (``COMM``, ``WITH``) are left out."""
    words = [match.group(1).lower() for match in map(_FIRST_WORD.match, text.split(";")) if match]
    kinds = [LEADING_KEYWORD_KINDS[word] for word in words if word in LEADING_KEYWORD_KINDS]
    return kinds[primary_index(kinds)] if kinds else StatementKind.UNKNOWN


def _signature(text: str) -> str:
    """``text`` with each run of comma-separated parameters read as one ``$`` and PG18 squash comments
    dropped: texts equal up to parameter numbering and IN-list lengths share a signature."""
    if "$" not in text:
        return text
    signature = _PARAM_RUN.sub("$", text)
    return _SQUASHED.sub("", signature) if "/*," in signature else signature
