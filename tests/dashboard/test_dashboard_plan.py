"""The Migration plan page as plain functions: the legacy sample with its driver's code audited,
and the saas sample without code (no browser; ``tests/browser/test_browser_plan.py`` drives it)."""

from __future__ import annotations

import functools
from typing import Any

import pytest

from costmodel.scenario.model import load_scenario
from dashboard.pages import plan
from dashboard.scenarios import to_store
from dashboard.state import UploadCache
from tests.browser.support import ROOT, saas_cache
from tests.dashboard.support import component_text as _text

LEGACY = ROOT / "sample_stats" / "legacy"
DRIVER = ROOT / "scripts" / "samples"


@functools.lru_cache(maxsize=1)
def legacy_cache() -> tuple[UploadCache, str]:
    cache = UploadCache(code=DRIVER)
    entry = cache.add_file(LEGACY)
    return cache, entry.key


@pytest.fixture(scope="module")
def legacy_page() -> tuple[Any, ...]:
    cache, key = legacy_cache()
    return plan.render(cache, {"key": key, "label": "legacy"}, to_store(load_scenario(None)))


def test_five_phases_with_headline_figures(legacy_page: tuple[Any, ...]) -> None:
    error, card, phases, items, *_ = legacy_page
    assert error is None
    assert "readiness blocked" in _text(card)
    assert [p["number"] for p in phases] == [1, 2, 3, 4, 5]
    assert [p["name"] for p in phases][-1] == "Cutover"
    assert "4 key(s) → UUID" in phases[1]["key_figures"]
    assert "write path(s) without retry" in phases[2]["key_figures"]
    assert all(p["key_figures"] and p["items_total"] > 0 for p in phases)
    assert {i["phase"] for i in items} == {1, 2, 3, 4, 5}


def test_code_inventory_at_file_and_line(legacy_page: tuple[Any, ...]) -> None:
    *_, note, findings, unretried = legacy_page
    assert "file(s) audited" in _text(note)
    assert findings and all(":" in f["file:line"] for f in findings)
    assert any(s["file:line"] == "legacy.py:49" and s["retry on 40001"] == "NO" for s in unretried)
    _, _, _, items, *_ = legacy_page
    assert any(i["phase"] == 3 and i["where"] == "legacy.py:49" for i in items)


def test_remediated_ddl_download() -> None:
    cache, key = legacy_cache()
    data, message = plan.ddl_download(cache, {"key": key}, to_store(load_scenario(None)))
    assert message is None and data["filename"] == plan.DDL_NAME
    assert "gen_random_uuid()" in data["content"] and "CREATE INDEX ASYNC" in data["content"]


def test_without_code_and_without_workload() -> None:
    cache, key = saas_cache()
    out = plan.render(cache, {"key": key}, to_store(load_scenario(None)))
    assert out[0] is None and len(out[2]) == 5
    assert "Code not audited" in _text(out[4]) and out[5] == [] and out[6] == []
    empty = plan.render(cache, None, to_store(load_scenario(None)))
    assert "No workload loaded" in _text(empty[0])
