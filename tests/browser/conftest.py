"""Fixtures of the browser suite: the dashboard on a free loopback port, and headless Chromium.

* ``live_dashboard`` (module): ``create_app`` on the bundled ``sample_stats/saas``, served by
  werkzeug's threaded server in a background thread on 127.0.0.1 and a free port; shut down after.
* ``browser`` (module): Debian's ``chromium`` driven by ``/usr/bin/chromedriver`` through Selenium,
  headless, with a fresh profile and every background network feature off, downloading into a
  temporary directory. Skips with a reason when Chromium or ChromeDriver is not installed
  (``scripts/ensure_system.sh chromium`` installs them).

Every test module here sets ``pytestmark = pytest.mark.browser`` (``-m "not browser"`` deselects the
suite). Helpers shared with the unit tests (sample archives, small exports) are in ``support.py``.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import BaseWSGIServer, make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_stats" / "saas"
SCREENSHOTS = Path(os.environ.get("DSQLCOST_SCREENSHOTS") or ROOT / "tests" / "artifacts" / "screenshots")
"""Where the suite saves its screenshots; ``make screenshots`` points it at ``docs/screenshots``."""
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-default-apps",
    "--disable-extensions",
    "--metrics-recording-only",
    "--window-size=1400,1000",
)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    """A WSGI app served in a thread."""

    url: str
    server: BaseWSGIServer
    thread: threading.Thread

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


def serve_in_thread(wsgi_app: object) -> LiveServer:
    """Serve ``wsgi_app`` on 127.0.0.1 and a free port (threaded, like ``dsqlcost dashboard``)."""
    port = free_port()
    server = make_server("127.0.0.1", port, wsgi_app, threaded=True)  # type: ignore[arg-type]
    thread = threading.Thread(target=server.serve_forever, name="dashboard-test-server", daemon=True)
    thread.start()
    return LiveServer(f"http://127.0.0.1:{port}", server, thread)


@pytest.fixture(scope="module")
def live_dashboard() -> Iterator[LiveServer]:
    """The dashboard on the saas sample, served on a free loopback port."""
    if not (SAMPLE / "bundle.yaml").is_file():
        pytest.fail(f"the sample bundle {SAMPLE} is missing (make samples)")
    from dashboard.app import create_app

    app = create_app(SAMPLE)
    live = serve_in_thread(app.server)
    try:
        yield live
    finally:
        live.stop()
        app.server.extensions["dsqlcost_cache"].close()


@dataclass
class Browser:
    """A Selenium driver plus the directory Chromium downloads into."""

    driver: object
    downloads: Path


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium via /usr/bin/chromedriver with a fresh profile and no network features."""
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        pytest.skip("Chromium or ChromeDriver not installed (run scripts/ensure_system.sh chromium)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = Path(tempfile.mkdtemp(prefix="dsqlcost-chromium-"))
    downloads = Path(tempfile.mkdtemp(prefix="dsqlcost-downloads-"))
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
            "safebrowsing.enabled": False,
        },
    )
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    try:
        driver.execute_cdp_cmd(
            "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
        )
        yield Browser(driver, downloads)
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
        shutil.rmtree(downloads, ignore_errors=True)
