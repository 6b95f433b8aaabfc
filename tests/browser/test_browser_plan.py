"""The Migration plan page in real headless Chromium: the legacy sample with its driver's code
audited — five phases with figures, the inventory at file:line, the remediated DDL downloaded."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import ROOT, Browser, LiveServer, serve_in_thread
from tests.browser.test_dashboard_browser import _by, no_errors, screenshot, wait_for

pytestmark = pytest.mark.browser

LEGACY = ROOT / "sample_stats" / "legacy"
DRIVER = ROOT / "scripts" / "samples"


@pytest.fixture(scope="module")
def legacy_dashboard() -> Iterator[LiveServer]:
    """``dsqlcost dashboard sample_stats/legacy --code scripts/samples`` on a free loopback port."""
    from dashboard.app import create_app

    app = create_app(LEGACY, code=DRIVER)
    live = serve_in_thread(app.server)
    try:
        yield live
    finally:
        live.stop()
        app.server.extensions["dsqlcost_cache"].close()


def _cells(driver: Any, table: str) -> list[str]:
    return [c.text for c in driver.find_elements(_by().CSS_SELECTOR, f"#{table} td")]


def test_plan_page_phases_inventory_and_ddl(browser: Browser, legacy_dashboard: LiveServer) -> None:
    driver: Any = browser.driver
    by = _by()
    driver.get(legacy_dashboard.url)
    wait_for(
        driver, lambda d: d.find_elements(by.CSS_SELECTOR, "#overview-cards [data-option]"), "the Overview"
    )
    driver.find_element(by.ID, "app-tab-plan").click()
    wait_for(
        driver, lambda d: len(d.find_elements(by.CSS_SELECTOR, "#plan-phases tbody tr")) >= 6, "5 phase rows"
    )
    no_errors(driver)
    phases = " ".join(_cells(driver, "plan-phases"))
    for name in ("Schema audit", "Schema refactoring", "Retry logic", "Load testing", "Cutover"):
        assert name in phases
    assert "key(s) → UUID" in phases and "write path(s) without retry" in phases and "GB to copy" in phases
    assert "readiness blocked" in driver.find_element(by.ID, "plan-title").text
    wait_for(
        driver,
        lambda d: any(".py:" in c for c in _cells(d, "plan-code-findings")),
        "code findings at file:line",
    )
    assert any(c.startswith("legacy.py:") for c in _cells(driver, "plan-unretried"))
    assert "file(s) audited" in driver.find_element(by.ID, "plan-code-summary").text
    time.sleep(0.5)
    screenshot(driver, "plan-legacy-code")
    for old in browser.downloads.glob("*"):
        old.unlink()
    driver.find_element(by.ID, "plan-ddl-button").click()
    ddl = wait_for(
        driver,
        lambda d: next((p for p in browser.downloads.glob("*.sql") if p.stat().st_size > 0), None),
        "the remediated DDL download",
    )
    time.sleep(0.3)
    text = ddl.read_text(encoding="utf-8")
    assert ddl.name == "remediated-dsql.sql"
    assert "gen_random_uuid()" in text and "CREATE INDEX ASYNC" in text and "nextval(" not in text
