"""Literal redaction (``costmodel.report.redact``): cases in ``tests/data/report/redact_cases.yaml``
(ids ``file:line``) plus properties: no secret survives in any statement shape, and redaction is
idempotent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from costmodel.core.redact import lint_text
from costmodel.report.redact import redact_query, scrub_literals

CASES_FILE = Path(__file__).parents[1] / "data" / "report" / "redact_cases.yaml"


def _load_cases() -> list[Any]:
    """Each case with the ``file:line`` where it starts (yaml.compose keeps the marks)."""
    text = CASES_FILE.read_text(encoding="utf-8")
    nodes = yaml.compose(text)
    data = yaml.safe_load(text)
    assert nodes is not None and len(nodes.value) == len(data)
    return [
        pytest.param(case, id=f"{CASES_FILE.name}:{node.start_mark.line + 1}")
        for node, case in zip(nodes.value, data, strict=True)
    ]


@pytest.mark.parametrize("case", _load_cases())
def test_redaction_case(case: dict[str, Any]) -> None:
    out = redact_query(case["input"])
    if "expected" in case:
        assert out == case["expected"]
    for secret in case.get("secrets", []):
        assert secret not in out, f"{secret!r} leaked into {out!r}"
    assert redact_query(out) == out, "redaction must be idempotent"


def test_case_file_covers_the_required_shapes() -> None:
    inputs = " ".join(c["input"] for c in yaml.safe_load(CASES_FILE.read_text(encoding="utf-8")))
    for needle in ("ALTER ROLE", "CREATE USER", "PASSWORD", "$$", "$body$", "SELEC", "'", "42"):
        assert needle in inputs


TEMPLATES = [
    "ALTER ROLE app PASSWORD '{s}'",
    "CREATE USER u WITH PASSWORD '{s}' LOGIN",
    "SELECT * FROM t WHERE a = '{s}' AND b = $1",
    "SELECT $${s}$$",
    "SELECT $tag${s}$tag$ FROM t",
    "SELECT E'{s}' FROM t",
    "COMMENT ON COLUMN t.c IS '{s}'",
    "INSERT INTO t (a) VALUES ('{s}'",  # truncated: does not parse
    "SELEC x FROM y WHERE z = '{s}'",  # not SQL at all
    "SELECT '{s}' -- trailing comment without quote",
]
# Secrets a password policy allows; single quotes doubled as SQL requires.
SECRETS = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="\\$"),
    min_size=6,
    max_size=24,
).map(lambda s: "Zq" + s)


@settings(max_examples=150, deadline=None)
@given(secret=SECRETS, template=st.sampled_from(TEMPLATES))
def test_no_secret_survives(secret: str, template: str) -> None:
    sql_secret = secret.replace("'", "''")
    out = redact_query(template.format(s=sql_secret))
    assert secret not in out and sql_secret not in out


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from(list("SELECT x'\"$1-/* \n;eE0.")) | st.characters(), max_size=120)
)
def test_any_text_comes_out_without_quoted_strings(text: str) -> None:
    out = redact_query(text)
    # nothing the scanner would still call a string literal is left
    assert scrub_literals(out, numbers=False) == out


def test_numbering_continues_after_existing_parameters() -> None:
    assert scrub_literals("SELECT $1, 'a', $7 FROM t WHERE x = 'b") == "SELECT $1, $8, $7 FROM t WHERE x = $9"


def test_numbers_kept_when_the_parser_normalised() -> None:
    # after pglast.normalize, residual digits are type modifiers and identifiers, not literals
    assert scrub_literals("SELECT $1::varchar(255), t1.c2 FROM t1", numbers=False) == (
        "SELECT $1::varchar(255), t1.c2 FROM t1"
    )


def test_lint_text_copies_everything_between_literals() -> None:
    """The scanner copies runs of plain text in one step: comments, identifiers, parameters, a
    prefix letter after an identifier and line breaks must come out exactly as they went in."""
    text = "SELECT a--'c'\n, E'x\\'y' /* 'z' */ FROM \"q'r\" WHERE b = $1 AND c = $t$x\n$t$ AND ab'c'"
    assert lint_text(text) == (
        "SELECT a--'c'\n, '$2' /* 'z' */ FROM \"q'r\" WHERE b = $1 AND c = '$3'\n AND ab'$4'"
    )
