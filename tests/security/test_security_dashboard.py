"""Security of the dashboard through its public functions: binding, authentication, uploads.

Complements ``test_dashboard_app.py`` / ``test_dashboard_uploads.py`` (the dashboard's own tests)
with the hostile cases of the security review:

* binding: 127.0.0.1 by default (parser, ``serve``); look-alike hosts (``127.0.0.1.nip.io``,
  ``localhost.``, IPv4-mapped ``::ffff:127.0.0.1``, ``0``, octal, ``host:port``) are *not* loopback
  and are refused without ``--allow-remote`` + ``--auth-file``, before anything is loaded or served;
* authentication: malformed, truncated, oversized and case-twisted ``Authorization`` headers are
  refused; a password containing ``:`` works; auth-file errors never echo a password;
* uploads: the 50 MiB limit through ``UploadCache.add_upload``, the 1 MiB scenario limit, a
  ``!!python`` tag or an alias bomb in an uploaded scenario (refused, not executed), a zip bomb
  (refused while copying, nothing left on disk), traversal spelled the Windows way, and errors that
  never reveal the server's temporary paths.
"""

from __future__ import annotations

import base64
import io
import time
import zipfile
from pathlib import Path

import pytest

from costmodel.cli import build_parser
from costmodel.cli import main as cli_main
from costmodel.cli.cmd_dashboard import check_binding, is_loopback
from costmodel.core.errors import CostModelError, IngestError
from dashboard import app as app_module
from dashboard import uploads
from dashboard.auth import BasicAuth, DashboardConfigError, load_auth_file
from dashboard.scenarios import load_uploaded_scenario
from dashboard.state import UploadCache
from tests.browser.support import data_url, export_csv


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


# ------------------------------------------------------------------ binding


def test_the_default_host_is_loopback_everywhere() -> None:
    args = build_parser().parse_args(["dashboard"])
    assert args.host == "127.0.0.1"
    assert app_module.DEFAULT_HOST == "127.0.0.1"
    assert app_module.serve.__defaults__ is not None and "127.0.0.1" in app_module.serve.__defaults__


LOOK_ALIKES = [
    "127.0.0.1.nip.io", "localhost.", "localhost.evil.example", "::ffff:127.0.0.1", "0", "0177.0.0.1",
    "127.0.0.1:8050", "", " ", "0.0.0.0", "::", "[::]", "10.0.0.1", "169.254.169.254", "fe80::1",
]  # fmt: skip


@pytest.mark.parametrize("host", LOOK_ALIKES)
def test_look_alike_hosts_are_not_loopback_and_need_remote_access_and_auth(host: str) -> None:
    assert not is_loopback(host)
    with pytest.raises(CostModelError, match="refusing to listen"):
        check_binding(host, False, None)
    with pytest.raises(CostModelError, match="needs --auth-file"):
        check_binding(host, True, None)
    check_binding(host, True, "users.txt")


@pytest.mark.parametrize("host", ["127.0.0.1", "127.255.0.9", "::1", "[::1]", "localhost", "LOCALHOST"])
def test_loopback_hosts_need_nothing(host: str) -> None:
    assert is_loopback(host)
    check_binding(host, False, None)


@pytest.mark.parametrize(
    "argv",
    [["--host", "0.0.0.0"], ["--host", "127.0.0.1.nip.io"], ["--host", "::", "--allow-remote"]],
)
def test_the_command_refuses_before_loading_or_serving(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(app_module, "create_app", lambda *a, **k: pytest.fail("must not load anything"))
    monkeypatch.setattr(app_module, "serve", lambda *a, **k: pytest.fail("must not serve"))
    assert cli_main(["dashboard", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("dsqlcost dashboard: error: ")


# ------------------------------------------------------------------ authentication


AUTH = BasicAuth.from_pairs({"ops": "s3cret:with:colons", "ünï": "pässwörd"})


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Basic",
        "Basic ",
        "basic " + base64.b64encode(b"ops:s3cret:with:colons").decode(),
        "Bearer " + base64.b64encode(b"ops:s3cret:with:colons").decode(),
        "Basic !!!notbase64!!!",
        "Basic " + base64.b64encode(b"ops").decode(),
        "Basic " + base64.b64encode(b"ops:").decode(),
        "Basic " + base64.b64encode(b":s3cret:with:colons").decode(),
        "Basic " + base64.b64encode(b"ops:s3cret:with:colon").decode(),
        "Basic " + base64.b64encode(b"OPS:s3cret:with:colons").decode(),
        "Basic " + base64.b64encode(b"\xff\xfe:x").decode(),
        "Basic " + "A" * 100_000,
    ],
)
def test_bad_authorization_headers_are_refused(header: str | None) -> None:
    assert AUTH.check(header) is False


def test_good_credentials_pass_including_colons_and_unicode() -> None:
    assert AUTH.check(_basic("ops", "s3cret:with:colons"))
    assert AUTH.check(_basic("ünï", "pässwörd"))
    assert not any(isinstance(v, str) for v in AUTH.users.values()), "only digests are kept"


def test_auth_file_errors_name_the_line_never_the_password(tmp_path: Path) -> None:
    path = tmp_path / "users"
    path.write_text("ops:fine-password\n:orphan-password-xyz\n", encoding="utf-8")
    with pytest.raises(DashboardConfigError) as caught:
        load_auth_file(path)
    assert ":2:" in str(caught.value)
    assert "orphan-password-xyz" not in str(caught.value) and "fine-password" not in str(caught.value)


# ------------------------------------------------------------------ uploads


@pytest.fixture
def cache() -> UploadCache:
    made = UploadCache()
    yield made
    made.close()


def _leftovers(cache: UploadCache) -> list[Path]:
    return [p for p in cache._root.iterdir()] if cache._root.exists() else []


def test_an_upload_over_50_mib_is_refused_before_decoding(cache: UploadCache) -> None:
    assert uploads.MAX_UPLOAD_BYTES == 50 * 1024 * 1024
    payload = "A" * ((uploads.MAX_UPLOAD_BYTES // 3 + 2) * 4)
    started = time.perf_counter()
    with pytest.raises(IngestError, match="50 MiB limit"):
        cache.add_upload(f"data:text/csv;base64,{payload}", "big.csv", window="1h")
    assert time.perf_counter() - started < 5
    assert _leftovers(cache) == []


def test_a_zip_bomb_is_stopped_while_copying_and_leaves_nothing(
    cache: UploadCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(uploads, "MAX_EXTRACTED_BYTES", 1024 * 1024)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bundle/bundle.yaml", "format: dsqlcost-bundle/1\n")
        zf.writestr("bundle/snapshots/0000.csv", b"0" * (8 * 1024 * 1024))
    assert len(buffer.getvalue()) < 64 * 1024  # small upload, big expansion
    with pytest.raises(IngestError, match="expands to more than 1 MiB"):
        cache.add_upload(data_url(buffer.getvalue()), "bundle.zip")
    assert _leftovers(cache) == []


@pytest.mark.parametrize(
    "member",
    ["..\\..\\evil.csv", "bundle/..\\..\\evil.csv", "C:/evil.csv", "C:\\evil.csv", "/etc/cron.d/evil"],
)
def test_archive_members_cannot_escape_windows_or_unix_style(member: str, tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("bundle/bundle.yaml", "format: dsqlcost-bundle/1\n")
        zf.writestr(member, "query,calls\n")
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(IngestError, match=r"absolute path|outside the archive"):
        uploads.materialise(buffer.getvalue(), "bundle.zip", dest)
    assert not (tmp_path / "evil.csv").exists()
    assert not any(p.name == "evil.csv" for p in tmp_path.rglob("*"))


def test_upload_errors_do_not_reveal_server_paths(cache: UploadCache) -> None:
    bad = export_csv().replace(b"\n", b"\nlots,of,junk\n", 1)
    with pytest.raises(CostModelError) as caught:
        cache.add_upload(data_url(bad), "../../secret/dir/pgss.csv", window="1h")
    text = str(caught.value)
    assert "pgss.csv" in text
    assert str(cache._root) not in text and "/tmp/" not in text and "secret/dir" not in text
    assert _leftovers(cache) == []


def test_uploaded_scenario_yaml_tags_are_refused_not_executed(tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    hostile = f"growth: !!python/object/apply:os.system ['touch {marker}']\n".encode()
    with pytest.raises(CostModelError) as caught:
        load_uploaded_scenario(data_url(hostile), "evil.yaml")
    assert "evil.yaml" in str(caught.value) and "/tmp/" not in str(caught.value)
    assert not marker.exists()


def test_uploaded_scenario_alias_bomb_and_size_are_refused_quickly() -> None:
    items = ["&a [" + ", ".join(["1"] * 9) + "]"]
    for previous, name in zip("abcdefg", "bcdefgh"):
        items.append(f"&{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    bomb = ("time_profile:\n  kind: custom\n  hour_weights: [" + ", ".join(items) + "]\n").encode()
    started = time.perf_counter()
    with pytest.raises(CostModelError, match="hour_weights"):
        load_uploaded_scenario(data_url(bomb), "bomb.yaml")
    assert time.perf_counter() - started < 10
    with pytest.raises(CostModelError, match="limit"):
        load_uploaded_scenario(data_url(b"# " + b"x" * (2 * 1024 * 1024)), "huge.yaml")
