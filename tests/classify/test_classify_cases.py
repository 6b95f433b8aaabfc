"""Data-driven classifier cases: every ``tests/cases/classify/*.yaml`` entry is one test (id ``file:line``).

A case is ``{sql: <text or null>, expect: {<profile column>: <value>, …}}`` with only the columns
that matter for it. Lists compare with the profile's tuples; ``features_include`` checks a subset of
``features``. ``pad_to: N`` inserts a block comment after the first word so that the text is exactly
N characters long (for the truncation-cap rule). Adding a case needs no Python.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from costmodel.classify.frame import classify_text
from costmodel.core.profile import (
    PROFILE_COLUMNS,
    Feature,
    KeyShape,
    LockStrength,
    LockWait,
    ParseStatus,
    StatementKind,
)

CASES_DIR = Path(__file__).parents[1] / "cases" / "classify"
EXTRA_KEYS = {"features_include"}


def _pad(sql: str, length: int) -> str:
    head, _, tail = sql.partition(" ")
    filler = length - len(sql) - len(" /*  */")
    assert filler >= 0, f"pad_to {length} is shorter than the statement"
    padded = f"{head} /* {'x' * filler} */ {tail}"
    assert len(padded) == length
    return padded


def _load_cases() -> list[Any]:
    params = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
        nodes = yaml.compose(text).value  # same order as data; gives the line of each case
        assert isinstance(data, list), f"{path.name}: expected a list of cases"
        for case, node in zip(data, nodes, strict=True):
            case_id = f"{path.name}:{node.start_mark.line + 1}"
            params.append(pytest.param(case, id=case_id))
    return params


CASES = _load_cases()


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 60


@pytest.mark.parametrize("case", CASES)
def test_case(case: dict[str, Any]) -> None:
    assert set(case) <= {"sql", "expect", "pad_to"}, f"unknown case keys: {set(case)}"
    expect = case["expect"]
    unknown = set(expect) - set(PROFILE_COLUMNS) - EXTRA_KEYS
    assert not unknown, f"unknown expect keys (typo?): {unknown}"
    sql = case["sql"]
    if case.get("pad_to"):
        sql = _pad(sql, case["pad_to"])
    profile = classify_text(sql)
    for column, wanted in expect.items():
        if column == "features_include":
            assert set(wanted) <= set(profile.features), f"features {profile.features} lack {wanted}"
            continue
        actual = getattr(profile, column)
        if isinstance(actual, tuple):
            actual = list(actual)
        assert actual == wanted, f"{column}: got {actual!r}, expected {wanted!r} (profile: {profile})"
    if profile.parse_status == "ok":
        assert profile.fingerprint is not None


def test_cases_cover_every_feature_kind_key_shape_and_status() -> None:
    profiles = []
    for param in CASES:
        case = param.values[0]
        sql = _pad(case["sql"], case["pad_to"]) if case.get("pad_to") else case["sql"]
        profiles.append(classify_text(sql))
    seen = {
        "features": {f for p in profiles for f in p.features},
        "kind": {p.kind for p in profiles},
        "key_shape": {p.key_shape for p in profiles},
        "parse_status": {p.parse_status for p in profiles},
        "lock_strength": {p.lock_strength for p in profiles} - {None},
        "lock_wait": {p.lock_wait for p in profiles} - {None},
    }
    wanted = {
        "features": {f.value for f in Feature},
        "kind": {k.value for k in StatementKind},
        "key_shape": {k.value for k in KeyShape},
        "parse_status": {s.value for s in ParseStatus},
        "lock_strength": {s.value for s in LockStrength},
        "lock_wait": {w.value for w in LockWait},
    }
    for column, values in wanted.items():
        assert values <= seen[column], f"no case yields {column} {sorted(values - seen[column])}"
