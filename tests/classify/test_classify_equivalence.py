"""Every text in the repository keeps the profile it had: speed work on the classifier changes no row.

The recorded profiles (``tests/data/classify/profiles.json.gz``, keyed by a hash of each text)
were produced by the classifier before its walk was pruned and its rows became tuples; the texts
are gathered by :mod:`tests.classify.corpus` (cases, exports, audit SQL, benchmark corpora, cut
and mutated texts). ``pytest --update-golden`` rewrites the file after a *modelling* change; read
the reported differences first.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from costmodel.classify.frame import FIELDS, classify_text, classify_texts
from tests.classify import corpus

GOLDEN = Path(__file__).parents[1] / "data" / "classify" / "profiles.json.gz"


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:20]


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def _rows(frame: pd.DataFrame) -> list[list[Any]]:
    columns = [frame[name].astype(object).tolist() for name in FIELDS]
    return [[_plain(v) for v in row] for row in zip(*columns)]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return corpus.texts()


def test_profiles_equal_the_recorded_profiles(texts: list[str], request: pytest.FixtureRequest) -> None:
    actual = {_key(t): row for t, row in zip(texts, _rows(classify_texts(texts)))}
    if request.config.getoption("--update-golden"):
        data = json.dumps({"fields": list(FIELDS), "profiles": actual}, sort_keys=True, separators=(",", ":"))
        GOLDEN.write_bytes(gzip.compress(data.encode("utf-8"), mtime=0))
        return
    recorded = json.loads(gzip.decompress(GOLDEN.read_bytes()))
    assert recorded["fields"] == list(FIELDS)
    expected = recorded["profiles"]
    # texts added to the repository later (new fixtures) have no recorded profile: not compared
    recorded = [t for t in texts if _key(t) in expected]
    assert len(recorded) > 10_000
    differing = [
        (t, expected[_key(t)], actual[_key(t)]) for t in recorded if expected[_key(t)] != actual[_key(t)]
    ]
    if differing:
        text, want, got = differing[0]
        changed = {f: (w, g) for f, w, g in zip(FIELDS, want, got) if w != g}
        pytest.fail(f"{len(differing)} of {len(recorded)} profiles changed; first: {text[:200]!r}: {changed}")


def test_single_text_profile_equals_the_batch_row(texts: list[str]) -> None:
    """``classify_text`` (one text, fresh caches) gives the same row as the batch for a sample."""
    sample = texts[::97]
    batch = _rows(classify_texts(sample))
    single = [[_plain(getattr(classify_text(t), f)) for f in FIELDS] for t in sample]
    assert single == batch
