"""Hardening II (issue 16), rows 8 and 10: DNS rebinding, and caches bounded by bytes.

* A page rebound to 127.0.0.1 makes the browser send its own name in ``Host``: the dashboard answers
  only loopback names (``localhost``, 127.0.0.0/8, ``::1``) unless ``--allow-remote``.
* The upload cache holds at most ``max_bytes`` of workloads and runs, whatever their count.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from dash import Dash

from costmodel.cli import build_parser
from dashboard import app as app_module
from dashboard.state import UploadCache
from tests.data.ingest import builders as b


@pytest.fixture(scope="module")
def empty_app() -> Dash:
    return app_module.create_app(None)


@pytest.mark.parametrize("host", ["127.0.0.1:8050", "localhost:8050", "[::1]:8050", "127.0.0.2", "LOCALHOST"])
def test_loopback_host_headers_are_served(empty_app: Dash, host: str) -> None:
    response = empty_app.server.test_client().get("/", headers={"Host": host})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "host", ["evil.example:8050", "evil.example", "127.0.0.1.evil.example", "10.0.0.5:8050", "", "[::2]:8050"]
)
def test_other_host_headers_are_refused_before_any_page(empty_app: Dash, host: str) -> None:
    client = empty_app.server.test_client()
    for path in ("/", "/_dash-layout", "/_dash-dependencies"):
        response = client.get(path, headers={"Host": host})
        assert response.status_code == 421, (path, host)
        assert b"dsqlcost" not in response.data.replace(b"dsqlcost dashboard: this Host", b"")
    response = client.post("/_dash-update-component", json={}, headers={"Host": host})
    assert response.status_code == 421


def test_allow_remote_turns_the_host_check_off() -> None:
    app = app_module.create_app(None, check_host=False)
    response = app.server.test_client().get("/", headers={"Host": "dashboard.internal.example:8050"})
    assert response.status_code == 200


def test_the_command_passes_allow_remote_through() -> None:
    args = build_parser().parse_args(["dashboard", "--allow-remote", "--host", "0.0.0.0"])
    assert args.allow_remote is True


def _export(tmp: Path, name: str, rows: int) -> Path:
    texts = [f"SELECT {'x' * 2000} FROM t{i} WHERE id = $1" for i in range(rows)]
    return b.write(tmp / name, b.csv_text(b.make_rows(b.PG16, rows, query=texts)))


def test_the_cache_is_bounded_by_bytes_not_only_by_count(tmp_path: Path) -> None:
    first, second = _export(tmp_path, "a.csv", 300), _export(tmp_path, "b.csv", 300)
    probe = UploadCache()
    try:
        loaded = probe.add_file(first)
        assert loaded.size > 300 * 2000  # the statement texts are counted
        size = loaded.nbytes()  # what the budget bounds: the frame, the kept text columns, the caches
    finally:
        probe.close()
    assert size > loaded.size  # the redacted Statements-table texts are counted too
    cache = UploadCache(max_bytes=int(size * 1.5), max_uploads=6)
    try:
        one = cache.add_file(first)
        cache.add_file(second)
        assert cache.get(one.key) is None  # evicted for bytes although 2 < 6 uploads
        assert cache.held_bytes() <= int(size * 1.5)
    finally:
        cache.close()
