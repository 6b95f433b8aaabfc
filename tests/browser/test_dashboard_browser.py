"""The dashboard in real headless Chromium: load, every page, upload, what-ifs, download.

Run: ``.venv/bin/python -m pytest tests/browser -q`` (``-m browser`` selects only this suite,
``-m "not browser"`` skips it). Needs Debian's ``chromium`` and ``chromium-driver``
(``scripts/ensure_system.sh chromium``); skips with that reason otherwise. Screenshots of every page
go to ``tests/artifacts/screenshots/`` (gitignored).
"""

from __future__ import annotations

import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import SCREENSHOTS, Browser, LiveServer
from tests.browser.support import export_csv

pytestmark = pytest.mark.browser

WAIT_S = 60
PAGE_READY = {
    "overview": "#overview-cards [data-option]",
    "cost": "#cost-totals [data-option]",
    "time": "#time-capacity .main-svg",
    "breakeven": "#breakeven-figure .main-svg",
    "statements": "#statements-table td",
    "readiness": "#readiness-figure .main-svg",
    "plan": "#plan-phases td",
}


def _by() -> Any:
    from selenium.webdriver.common.by import By

    return By


def wait_for(driver: Any, condition: Callable[[Any], Any], what: str, timeout: float = WAIT_S) -> Any:
    """Poll ``condition(driver)`` until it returns something truthy; fail naming ``what``."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = condition(driver)
            if value:
                return value
        except (StaleElementReferenceException, WebDriverException) as exc:
            last = exc
        time.sleep(0.2)
    pytest.fail(
        f"timed out after {timeout:.0f} s waiting for {what}" + (f" (last error: {last})" if last else "")
    )


def totals(driver: Any) -> dict[str, str]:
    """Option name → monthly total, from the Overview cards."""
    cards = driver.find_elements(_by().CSS_SELECTOR, "#overview-cards [data-option]")
    return {c.get_attribute("data-option"): c.get_attribute("data-total") for c in cards}


def open_dashboard(browser: Browser, live: LiveServer) -> dict[str, str]:
    """Load the page fresh and wait for the Overview totals."""
    browser.driver.get(live.url)  # type: ignore[attr-defined]
    return wait_for(browser.driver, totals, "the Overview cost cards")


def no_errors(driver: Any) -> None:
    shown = [e.text for e in driver.find_elements(_by().CSS_SELECTOR, ".error") if e.is_displayed()]
    assert not shown, shown
    assert "Traceback" not in driver.page_source


def screenshot(driver: Any, name: str) -> Path:
    """A screenshot of the whole page (the window grows to the page's height, capped)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return Math.min(document.body.scrollHeight, 5000)")
    driver.set_window_size(1400, max(900, int(height) + 100))
    time.sleep(0.5)
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    driver.set_window_size(1400, 1000)
    return path


def choose(driver: Any, dropdown_id: str, value: str) -> None:
    """Pick ``value`` in a dcc.Dropdown (Dash 4: a button opening a searchable list)."""
    by = _by()
    driver.find_element(by.ID, dropdown_id).click()
    content = wait_for(
        driver, lambda d: d.find_element(by.CSS_SELECTOR, ".dash-dropdown-content"), "the dropdown list"
    )
    content.find_element(by.CSS_SELECTOR, "input.dash-dropdown-search").send_keys(value)
    option = wait_for(
        driver,
        lambda d: next(
            (o for o in content.find_elements(by.CSS_SELECTOR, "[role=option]") if o.text.strip() == value),
            None,
        ),
        f"option {value}",
    )
    option.click()


def upload(driver: Any, input_css: str, path: Path) -> None:
    driver.find_element(_by().CSS_SELECTOR, input_css).send_keys(str(path))


# ------------------------------------------------------------------ tests


def test_every_page_renders_and_is_screenshotted(browser: Browser, live_dashboard: LiveServer) -> None:
    driver: Any = browser.driver
    by = _by()
    first = open_dashboard(browser, live_dashboard)
    assert set(first) >= {"dsql-single-region", "serverless-v2-standard"}
    assert "DSQL" in driver.find_element(by.ID, "overview-headline").text
    choose(driver, "scenario-preset", "business-hours")  # a week with idle nights: the Time page shows pauses
    wait_for(driver, lambda d: (t := totals(d)) != first and t, "totals for the business-hours preset")
    assert driver.find_element(by.ID, "scenario-profile").text == "business-hours"
    saved = []
    for number, (page, ready) in enumerate(PAGE_READY.items(), start=1):
        driver.find_element(by.ID, f"app-tab-{page}").click()
        wait_for(driver, lambda d, css=ready: d.find_elements(by.CSS_SELECTOR, css), f"the {page} page")
        time.sleep(0.8)  # let plotly finish drawing before the screenshot
        no_errors(driver)
        saved.append(screenshot(driver, f"{number:02d}-{page}"))
        if page == "readiness":
            rows = driver.find_elements(by.CSS_SELECTOR, "#readiness-findings tr, #readiness-hotspots tr")
            assert rows  # header rows at least
    assert all(p.stat().st_size > 10_000 for p in saved)
    assert len(driver.find_elements(by.CSS_SELECTOR, "#plan-phases tbody tr")) >= 6  # header + 5 phases


def test_upload_an_export(browser: Browser, live_dashboard: LiveServer, tmp_path: Path) -> None:
    driver: Any = browser.driver
    by = _by()
    before = open_dashboard(browser, live_dashboard)
    export = tmp_path / "pgss.csv"
    export.write_bytes(export_csv(40))
    window = driver.find_element(by.ID, "files-window")
    window.send_keys("1h")
    window.send_keys("\t")
    upload(driver, "#files-upload input[type=file]", export)
    wait_for(
        driver,
        lambda d: "pgss.csv: 40 statements" in d.find_element(by.ID, "files-current").text,
        "the upload to load",
    )
    after = wait_for(driver, lambda d: (t := totals(d)) and t != before and t, "new totals for the upload")
    assert after != before
    no_errors(driver)


def test_bad_upload_shows_the_clear_error(
    browser: Browser, live_dashboard: LiveServer, tmp_path: Path
) -> None:
    driver: Any = browser.driver
    by = _by()
    open_dashboard(browser, live_dashboard)
    junk = tmp_path / "junk.csv"
    junk.write_text("hello,world\n1,2\n", encoding="utf-8")
    upload(driver, "#files-upload input[type=file]", junk)
    message = wait_for(
        driver, lambda d: d.find_element(by.CSS_SELECTOR, "#files-message .error").text, "an error message"
    )
    assert message.startswith("junk.csv") and "fix:" in message
    assert "Traceback" not in driver.page_source and "/tmp/" not in message
    assert "saas" in driver.find_element(by.ID, "files-current").text  # the loaded workload stays


def test_region_and_slider_change_the_totals(browser: Browser, live_dashboard: LiveServer) -> None:
    driver: Any = browser.driver
    by = _by()
    from selenium.webdriver.common.keys import Keys

    base = open_dashboard(browser, live_dashboard)
    choose(driver, "scenario-region", "eu-west-1")
    moved = wait_for(driver, lambda d: (t := totals(d)) != base and t, "totals for eu-west-1")
    assert float(moved["dsql-single-region"]) != float(base["dsql-single-region"])
    assert "eu-west-1" in driver.find_element(by.ID, "overview-headline").text
    thumb = driver.find_element(by.CSS_SELECTOR, "#scenario-growth [role=slider]")
    thumb.send_keys(Keys.PAGE_UP)
    grown = wait_for(
        driver, lambda d: (t := totals(d)) != moved and t, "totals after moving the growth slider"
    )
    assert float(grown["dsql-single-region"]) > float(moved["dsql-single-region"])
    assert driver.find_element(by.ID, "scenario-growth-label").text == "load × 1.26"
    no_errors(driver)


def test_ranges_show_computing_then_fill_in(browser: Browser, live_dashboard: LiveServer) -> None:
    """A what-if answers with the point totals while the ranges are computed off the request: the
    Overview says so, polls, and shows each option's range once the worker has them."""
    driver: Any = browser.driver
    by = _by()
    cache = live_dashboard.server.app.extensions["dsqlcost_cache"]  # type: ignore[attr-defined]
    open_dashboard(browser, live_dashboard)
    with cache.hold_ranges():  # the worker starts no range case until the block ends
        choose(driver, "scenario-region", "us-west-2")
        wait_for(
            driver, lambda d: "us-west-2" in d.find_element(by.ID, "overview-headline").text, "us-west-2"
        )
        status = wait_for(
            driver, lambda d: d.find_element(by.ID, "overview-ranges-status"), "the ranges line"
        )
        assert "computing" in status.text
        cards = driver.find_elements(by.CSS_SELECTOR, "#overview-cards [data-option]")
        assert cards and all("range computing" in c.text and "range $" not in c.text for c in cards)
    wait_for(
        driver,
        lambda d: (
            not d.find_elements(by.ID, "overview-ranges-status")
            and all(
                "range $" in c.text for c in d.find_elements(by.CSS_SELECTOR, "#overview-cards [data-option]")
            )
        ),
        "the ranges to fill in without another click",
    )
    assert "the ranking" in driver.find_element(by.ID, "overview-verdict-card").text
    no_errors(driver)


def test_download_the_csv_tables(browser: Browser, live_dashboard: LiveServer) -> None:
    driver: Any = browser.driver
    by = _by()
    shown = open_dashboard(browser, live_dashboard)
    for old in browser.downloads.glob("*"):
        old.unlink()
    driver.find_element(by.ID, "files-csv").click()
    archive = wait_for(
        driver,
        lambda d: next((p for p in browser.downloads.glob("*.zip") if p.stat().st_size > 0), None),
        "the CSV download",
    )
    time.sleep(0.5)
    with zipfile.ZipFile(archive) as zf:
        names = set(zf.namelist())
        assert {"options.csv", "line_items.csv", "statements.csv"} <= names
        lines = zf.read("options.csv").decode("utf-8-sig").splitlines()
    header = lines[0].split(",")
    assert "monthly_usd" in header or any("monthly_usd" in h for h in header)
    assert len(lines) - 1 == len(shown)
