"""Shape cache: a text renamed keeps the profile the full classifier gives it.

For every text of the repository corpus that has a shape, its names are replaced by fresh ones; the
renamed text's profile served from the original's template must equal the profile of a classifier
with the shape cache off (which parses and walks it). Also: the words no shape abstracts include
every name list the rules read, and texts the lexer could read otherwise get no shape.
"""

from __future__ import annotations

import functools

import pytest

from costmodel.classify import names, shape
from costmodel.classify.frame import FIELDS, _Classifier
from costmodel.classify.shape import shape_of
from tests.classify import corpus


@functools.cache
def _texts() -> list[str]:
    return corpus.texts()


def _renamed(text: str) -> str | None:
    """``text`` with each abstracted name replaced by a fresh one (``zq<n>x``), from its shape."""
    found = shape_of(text)
    if found is None:
        return None
    skeleton, distinct, pattern = found.key
    fresh = iter(f"zq{n}x" for n in range(len(distinct)))
    spelled = iter(next(fresh) if word is None else word.decode("ascii") for word in distinct)
    spaces = bytes.maketrans(bytes(range(0x80, 0x86)), b" \t\n\r\x0b\x0c")  # the skeleton's stand-ins
    pieces = skeleton[1:-1].translate(spaces).decode("ascii").split("\0")  # without the edge marks
    out, words = [pieces[0]], []
    for first, piece in zip(pattern, pieces[1:]):  # per word: the position of its first equal
        words.append(next(spelled) if first == len(words) else words[first])
        out += [words[-1], piece]
    return "".join(out)


def test_renamed_texts_get_the_profile_of_a_full_parse() -> None:
    checked = 0
    for text in _texts():
        renamed = _renamed(text)
        if renamed is None:
            continue
        cached = _Classifier()
        first = cached.profile(text)
        served = cached.profile(renamed)
        assert served == _Classifier(shapes=False).profile(renamed), (text, renamed)
        if first[FIELDS.index("parse_status")] == "ok":
            checked += 1
    assert checked > 5_000


def test_rule_names_are_never_abstracted() -> None:
    for name in dir(names):
        value = getattr(names, name)
        words = isinstance(value, frozenset) and all(isinstance(v, str) and v.islower() for v in value)
        if name.isupper() and words:  # name lists (node-type lists are not words of a text)
            assert value <= shape.LITERAL_WORDS, name
        if name.endswith("_PREFIXES") and isinstance(value, tuple) and name != "DDL_PREFIXES":
            assert set(value) <= set(shape.LITERAL_PREFIXES), name


@pytest.mark.parametrize(
    "text",
    [
        "SELECT 'x' FROM t",
        'SELECT "Col" FROM t',
        "SELECT a FROM t -- note",
        "SELECT a /* c */ FROM t",
        "SELECT $$x$$ FROM t",
        "SELECT é FROM t",
        "SELECT E'\\n' FROM t",
        "BEGIN",
    ],
)
def test_texts_the_lexer_could_read_otherwise_have_no_shape(text: str) -> None:
    assert shape_of(text) is None


def test_number_tails_and_long_names_stay_literal() -> None:
    found = shape_of("SELECT 1.e5, a1, $1 FROM t WHERE x = 1e5")
    assert found is not None
    assert found.names == ("a1", "t", "x")
    long_name = "n" * 64
    one, two = shape_of(f"SELECT {long_name} FROM t"), shape_of(f"SELECT {long_name} FROM u")
    assert one is not None and two is not None and one.key == two.key and one.names == ("t",)


def test_equal_names_stay_equal_and_case_folds() -> None:
    one = shape_of("SELECT a.x FROM t a WHERE a.y = $1")
    two = shape_of("select B.p from U b where b.q = $1")
    three = shape_of("SELECT a.x FROM t b WHERE b.y = $1")
    assert one is not None and two is not None and three is not None
    assert one.key == two.key != three.key
    assert two.names == ("b", "p", "u", "q")


@pytest.mark.parametrize(
    ("one", "two"),
    [
        ("SELECT a FROM t", " SELECT a FROM t"),  # a leading gap
        ("SELECT a FROM t", "SELECT a FROM t "),  # a trailing gap
        ("SELECT a+ b FROM t", "SELECT +a b FROM t"),  # the same characters between other words
        ("SELECT a FROM t", "SELECT a\tFROM t"),  # spaces of another kind
        ("SELECT a FROM t", "SELECT a\x80FROM t"),  # a byte the skeleton uses for a space (non-ASCII)
    ],
)
def test_texts_differing_outside_their_names_never_share_a_shape(one: str, two: str) -> None:
    first, second = shape_of(one), shape_of(two)
    assert first is not None
    assert second is None or second.key != first.key
