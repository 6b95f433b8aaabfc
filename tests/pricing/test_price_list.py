"""`dsqlcost prices --refresh` against a local http.server serving hand-built offer-file excerpts."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from costmodel.cli import main
from costmodel.core.catalog import load_catalog
from costmodel.pricing.price_list import fetch

DATA = Path(__file__).parents[1] / "data" / "price_list"


@pytest.fixture
def serve() -> Iterator[functools.partial[str]]:
    """Start a quiet http.server on 127.0.0.1 for a directory; yields a function root -> base URL."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(root: Path) -> str:
        handler = functools.partial(_Quiet, directory=str(root))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield functools.partial(start)
    for server in servers:
        server.shutdown()
        server.server_close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return None


def test_refresh_keeps_catalog_rows_and_writes_a_user_file(serve, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    base = serve(DATA)
    out = tmp_path / "refreshed.yaml"
    assert main(["prices", "--refresh", "--offer-url", base, "--out", str(out)]) == 0
    text = capsys.readouterr().out
    row = next(
        line.split() for line in text.splitlines() if "us-west-2" in line and "acu_hour_standard " in line
    )
    assert row[3:] == ["0.12", "0.13", "+8.3%"]
    assert "not in offer: bundled kept" in text  # regions the excerpt lacks keep their bundled price
    assert "2026-11-20T18:00:00Z" in text
    catalog = load_catalog([out])
    assert str(catalog.price("aurora_serverless_v2", "us-west-2", "acu_hour_standard").value) == "0.13"
    assert catalog.price("aurora_dsql", "us-east-1", "dpu_per_million").value == 8
    assert (
        catalog.price("aurora_serverless_v2", "us-east-1", "io_per_million").value
        == load_catalog().price("aurora_serverless_v2", "us-east-1", "io_per_million").value
    )
    # the MySQL and Serverless v1 rows were left out: the ACU price is the PostgreSQL v2 one
    assert str(catalog.price("aurora_serverless_v2", "us-east-1", "acu_hour_standard").value) == "0.12"


def test_fetch_records_publication_dates(serve) -> None:  # type: ignore[no-untyped-def]
    found = fetch(load_catalog(), serve(DATA))
    assert found.publications == {"AuroraDSQL": "2026-11-20T18:00:00Z", "AmazonRDS": "2026-11-20T18:00:00Z"}


def test_unparsable_offer_file_exits_2_naming_file_and_field_and_writes_nothing(
    serve, tmp_path, capsys
) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "mirror"
    shutil.copytree(DATA, root)
    offer = root / "offers/v1.0/aws/AmazonRDS/20261120180000/us-west-2/index.json"
    doc = json.loads(offer.read_text())
    del doc["products"]
    offer.write_text(json.dumps(doc))
    out = tmp_path / "refreshed.yaml"
    assert main(["prices", "--refresh", "--offer-url", serve(root), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "us-west-2/index.json" in err and "'products'" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_no_network_says_so_and_keeps_the_bundled_prices(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    out = tmp_path / "refreshed.yaml"
    assert main(["prices", "--refresh", "--offer-url", f"http://127.0.0.1:{port}", "--out", str(out)]) == 0
    assert "no network" in capsys.readouterr().err
    assert not out.exists()
