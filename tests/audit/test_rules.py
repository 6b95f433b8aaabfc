"""Every code rule is complete and has a case file whose snippets it finds (and does not find)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from costmodel.audit.discover import SourceFile
from costmodel.audit.languages import EXTENSIONS
from costmodel.audit.rules import REQUIRED, load_rules
from costmodel.audit.scan import FileScan, scan_file

CASES = Path(__file__).parent / "cases"
RULES = load_rules()
EXT = {lang: ext for ext, lang in reversed(list(EXTENSIONS.items()))}


def test_every_rule_has_all_fields_and_a_case_file() -> None:
    for rule in RULES:
        for key in REQUIRED:
            assert getattr(rule, key), f"{rule.id}: {key}"
        assert (rule.query is None) != (rule.pattern is None), rule.id
        assert (CASES / f"{rule.id}.yaml").is_file(), f"tests/audit/cases/{rule.id}.yaml missing"
    assert {p.stem for p in CASES.glob("*.yaml")} == {r.id for r in RULES}, "case file without a rule"


def _cases() -> list[tuple[str, str, str, bool]]:
    out = []
    for path in sorted(CASES.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for expect, key in ((True, "match"), (False, "no_match")):
            for i, snippet in enumerate(data.get(key) or []):
                out.append(pytest.param(data["rule"], data["language"], data.get("path"), snippet, expect,
                                        id=f"{path.name}:{key}[{i}]"))  # fmt: skip
    return out


@pytest.mark.parametrize(("rule_id", "language", "path", "snippet", "expect"), _cases())
def test_rule_case(rule_id: str, language: str, path: str | None, snippet: str, expect: bool) -> None:
    rule = next(r for r in RULES if r.id == rule_id)
    file = SourceFile(path or f"app/code{EXT[language]}", language, snippet)
    scan = scan_file(file, (rule,))
    assert isinstance(scan, FileScan), scan
    found = [m for m in scan.matches if m.rule.id == rule_id]
    assert bool(found) is expect, [m.text for m in found]
