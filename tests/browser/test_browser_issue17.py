"""The dashboard fixes of issue 17 in real headless Chromium, and the screenshots the README shows
(``make screenshots`` writes them to ``docs/screenshots``: every page and the HTML report).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from costmodel.analysis.run import analyse
from costmodel.core.catalog import load_catalog
from costmodel.ingest.load import load_workload
from costmodel.report.html import render_html
from costmodel.report.model import build_report
from costmodel.scenario.model import load_scenario
from tests.browser.conftest import SAMPLE, SCREENSHOTS, Browser, LiveServer
from tests.browser.support import export_csv
from tests.browser.test_dashboard_browser import (
    PAGE_READY,
    _by,
    choose,
    no_errors,
    open_dashboard,
    upload,
    wait_for,
)

pytestmark = pytest.mark.browser
SCREENSHOT_MAX_HEIGHT = 2400
"""Screenshots are cut at this height (px): the first screens of a page are what the README shows."""

RECTS_OVERLAP = """
const [a, b] = arguments;
const r = a.getBoundingClientRect(), s = b.getBoundingClientRect();
return !(r.right <= s.left || s.right <= r.left || r.bottom <= s.top || s.bottom <= r.top);
"""


def save(driver: Any, name: str) -> Path:
    """A screenshot of the page's first :data:`SCREENSHOT_MAX_HEIGHT` pixels."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(1400, max(900, min(int(height) + 100, SCREENSHOT_MAX_HEIGHT)))
    time.sleep(0.6)
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    driver.set_window_size(1400, 1000)
    return path


def show_page(driver: Any, page: str) -> None:
    by = _by()
    driver.find_element(by.ID, f"app-tab-{page}").click()
    wait_for(driver, lambda d: d.find_elements(by.CSS_SELECTOR, PAGE_READY[page]), f"the {page} page")
    time.sleep(0.8)  # plotly draws after the element appears


def test_typing_the_window_after_the_error_loads_the_file(
    browser: Browser, live_dashboard: LiveServer, tmp_path: Path
) -> None:
    driver: Any = browser.driver
    by = _by()
    open_dashboard(browser, live_dashboard)
    export = tmp_path / "nowindow.csv"
    export.write_bytes(export_csv(30, seed=5))
    upload(driver, "#files-upload input[type=file]", export)
    message = wait_for(
        driver, lambda d: d.find_element(by.CSS_SELECTOR, "#files-message .error").text, "the window error"
    )
    assert "observation window" in message and "read again" in message
    field = driver.find_element(by.ID, "files-window")
    field.send_keys("1h")
    field.send_keys("\t")  # the field reports on blur (debounce)
    wait_for(
        driver,
        lambda d: "nowindow.csv: 30 statements" in d.find_element(by.ID, "files-current").text,
        "the same file loaded with the typed window",
    )
    no_errors(driver)


def test_modebar_never_covers_a_chart_title(browser: Browser, live_dashboard: LiveServer) -> None:
    driver: Any = browser.driver
    by = _by()
    open_dashboard(browser, live_dashboard)
    checked = 0
    for page in PAGE_READY:
        show_page(driver, page)
        for graph in driver.find_elements(by.CSS_SELECTOR, ".js-plotly-plot"):
            titles = graph.find_elements(by.CSS_SELECTOR, ".gtitle")
            bars = graph.find_elements(by.CSS_SELECTOR, ".modebar")
            if not titles or not bars:
                continue
            checked += 1
            assert not driver.execute_script(RECTS_OVERLAP, bars[0], titles[0]), f"{page}: {titles[0].text}"
    assert checked >= 5


def test_verdict_card_colour_and_wide_table_and_witness(browser: Browser, live_dashboard: LiveServer) -> None:
    driver: Any = browser.driver
    by = _by()
    open_dashboard(browser, live_dashboard)
    card = driver.find_element(by.ID, "overview-verdict-card")
    assert "changes-needed" in card.get_attribute("class")  # the saas sample needs changes: amber
    assert (
        driver.execute_script("return getComputedStyle(arguments[0]).borderLeftColor", card)
        == "rgb(255, 127, 14)"
    )
    show_page(driver, "readiness")
    box = driver.find_element(by.CSS_SELECTOR, "#readiness-findings .dash-spreadsheet-container")
    driver.execute_script("arguments[0].scrollIntoView()", box)
    sizes = driver.execute_script(
        "const b = arguments[0], r = b.getBoundingClientRect();"
        "return [b.scrollWidth, b.clientWidth, r.bottom, window.innerHeight, getComputedStyle(b).overflowX]",
        box,
    )
    assert sizes[0] > sizes[1], "the 11-column findings table is wider than the page at 1400 px"
    assert sizes[4] == "auto" and sizes[2] <= sizes[3], (
        "its sideways scrollbar is on screen, not below the fold"
    )
    driver.execute_script("arguments[0].scrollLeft = arguments[0].scrollWidth", box)
    last = driver.find_elements(by.CSS_SELECTOR, "#readiness-findings th")[-1]
    inside = driver.execute_script(
        "const b = arguments[0].getBoundingClientRect(), c = arguments[1].getBoundingClientRect();"
        "return c.right <= b.right + 1 && c.left >= b.left - 1",
        box,
        last,
    )
    assert inside, "the last column is reachable by scrolling"
    choose(driver, "scenario-peers", "us-east-2")
    witness = wait_for(
        driver,
        lambda d: "assumed" in (t := d.find_element(by.ID, "scenario-witness").text) and t,
        "the witness the pricing assumed",
    )
    assert witness.startswith("us-west-2")
    no_errors(driver)


def test_screenshots_of_every_page_and_the_html_report(
    browser: Browser, live_dashboard: LiveServer, tmp_path: Path
) -> None:
    driver: Any = browser.driver
    open_dashboard(browser, live_dashboard)
    saved = [save(driver, "dashboard-01-overview")]
    for number, page in enumerate(list(PAGE_READY)[1:], start=2):
        show_page(driver, page)
        no_errors(driver)
        saved.append(save(driver, f"dashboard-{number:02d}-{page}"))
    sample = Path(os.path.relpath(SAMPLE))  # the report names its sources as a user would type them
    result = analyse(load_workload([sample]), load_scenario("default"), load_catalog(), sweep_points=400)
    page = tmp_path / "report.html"
    page.write_text(render_html(build_report(result)), encoding="utf-8")
    driver.get(page.as_uri())
    wait_for(driver, lambda d: d.find_elements(_by().CSS_SELECTOR, "#verdict"), "the HTML report")
    saved.append(save(driver, "report-html"))
    assert all(p.stat().st_size > 10_000 for p in saved)
