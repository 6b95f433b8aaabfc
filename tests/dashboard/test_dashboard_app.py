"""The shell and its safety: create_app, HTTP behaviour, generic errors, basic auth, no debug mode,
and the ``dsqlcost dashboard`` command's binding rules (no browser; Flask's test client)."""

from __future__ import annotations

import base64
import functools
import json
from pathlib import Path
from typing import Any

import pytest

from costmodel.cli import main as cli_main
from costmodel.cli.cmd_dashboard import check_binding, is_loopback
from costmodel.core.errors import CostModelError
from dashboard import app as app_module
from dashboard import ui
from dashboard.auth import BasicAuth, DashboardConfigError, load_auth_file
from dashboard.pages import PAGES, overview
from dashboard.scenarios import to_store
from tests.browser.support import SAMPLE


@functools.lru_cache(maxsize=2)
def _app(with_auth: bool = False) -> Any:
    auth = BasicAuth.from_pairs({"alice": "s3cret:with colon"}) if with_auth else None
    return app_module.create_app(SAMPLE, auth=auth)


def _basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def _layout_ids(component: Any) -> list[str]:
    found = [component.id] if getattr(component, "id", None) else []
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            found += _layout_ids(child)
    return found


def _initial_stores(app: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    layout = app.layout()
    stores = {}

    def walk(c: Any) -> None:
        if getattr(c, "id", None) in ("app-session", "scenario-store"):
            stores[c.id] = c.data
        kids = getattr(c, "children", None)
        for k in kids if isinstance(kids, list | tuple) else [kids]:
            if k is not None and not isinstance(k, str | int | float):
                walk(k)

    walk(layout)
    return stores["app-session"], stores["scenario-store"]


def _call_overview(client: Any, session: Any, store: Any, headers: dict[str, str] | None = None) -> Any:
    """POST the Overview page's callback the way dash-renderer does."""
    outputs = [
        {"id": f"overview-{name}", "property": prop}
        for name, prop in (
            ("error", "children"),
            ("verdict", "children"),
            ("cards", "children"),
            ("cost-figure", "figure"),
            ("drivers", "children"),
            ("top-figure", "figure"),
            ("inputs", "children"),
            ("warnings", "children"),
            ("ranges-poll", "disabled"),
        )
    ]
    body = {
        "output": ".." + "...".join(f"{o['id']}.{o['property']}" for o in outputs) + "..",
        "outputs": outputs,
        "inputs": [
            {"id": "app-session", "property": "data", "value": session},
            {"id": "scenario-store", "property": "data", "value": store},
            {"id": "overview-ranges-poll", "property": "n_intervals", "value": None},
        ],
        "changedPropIds": ["scenario-store.data"],
        "state": [],
    }
    return client.post("/_dash-update-component", json=body, headers=headers or {})


# ------------------------------------------------------------------ the shell


def test_layout_ids_are_unique_and_prefixed() -> None:
    app = _app()
    ids = _layout_ids(app.validation_layout)
    assert len(ids) == len(set(ids))
    prefixes = ("app-", "scenario-", "files-", *(f"{p.PREFIX}-" for p in PAGES))
    assert all(i.startswith(prefixes) for i in ids), [i for i in ids if not i.startswith(prefixes)]
    for page in PAGES:
        assert f"app-tab-{page.PREFIX}" in ids


def test_initial_stores_hold_only_a_key_and_the_scenario() -> None:
    session, store = _initial_stores(_app())
    assert set(session) == {"key", "label", "statements", "window"}
    assert len(session["key"]) == 32
    assert set(store) == {"scenario", "source", "assumption_sources"}
    text = json.dumps(session) + json.dumps(store)
    assert "SELECT" not in text.upper() and len(text) < 5_000  # no workload data in the browser


def test_page_and_layout_are_served_with_safety_headers() -> None:
    client = _app().server.test_client()
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["X-Frame-Options"] == "DENY"
    layout = client.get("/_dash-layout")
    assert layout.status_code == 200 and b"scenario-store" in layout.data


def test_overview_callback_over_http() -> None:
    app = _app()
    session, store = _initial_stores(app)
    response = _call_overview(app.server.test_client(), session, store)
    assert response.status_code == 200
    payload = response.get_json()["response"]
    assert "overview-verdict" in payload and "overview-cards" in payload


def test_callback_exception_shows_a_generic_message(monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app()
    session, store = _initial_stores(app)

    def broken(*args: Any) -> Any:
        raise RuntimeError("secret internal detail /srv/app/x.py line 12")

    monkeypatch.setattr(overview, "render", broken)
    response = _call_overview(app.server.test_client(), session, store)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert ui.GENERIC_ERROR in text
    assert "secret internal detail" not in text and "Traceback" not in text and "RuntimeError" not in text


def test_flask_errors_show_a_generic_message() -> None:
    app = app_module.create_app(None)
    server = app.server

    @server.route("/boom")
    def boom() -> str:
        raise ValueError("password=hunter2 in /etc/secret")

    response = server.test_client().get("/boom")
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert ui.GENERIC_ERROR in text and "hunter2" not in text and "Traceback" not in text
    assert server.test_client().get("/no-such-page-xyz").status_code in (200, 404)


def test_request_bodies_are_capped() -> None:
    server = _app().server
    assert server.config["MAX_CONTENT_LENGTH"] == app_module.MAX_REQUEST_BYTES
    big = b"x" * (app_module.MAX_REQUEST_BYTES + 1)
    response = server.test_client().post("/_dash-update-component", data=big, content_type="application/json")
    assert response.status_code == 413


def test_empty_app_waits_for_an_upload() -> None:
    app = app_module.create_app(None)
    session, store = _initial_stores(app)
    assert session is None
    out = overview.render(app.server.extensions["dsqlcost_cache"], session, store)
    assert ui.NO_WORKLOAD in str(out[0].children)


def test_bad_initial_input_raises_before_serving(tmp_path: Path) -> None:
    with pytest.raises(DashboardConfigError, match="does not exist"):
        app_module.create_app(tmp_path / "missing.csv")
    with pytest.raises(CostModelError, match="no scenario preset or file named"):
        app_module.create_app(None, scenario="no-such-preset")


def test_default_sample_is_found_from_any_cwd(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    assert (app_module.default_sample() / "bundle.yaml").is_file()


# ------------------------------------------------------------------ never debug


def test_serve_never_enables_debug_or_dev_tools(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}
    app = app_module.create_app(None)
    monkeypatch.setattr(type(app), "run", lambda self, **kwargs: seen.update(kwargs))
    app_module.serve(app, "127.0.0.1", 8123)
    assert seen["debug"] is False and seen["use_reloader"] is False
    assert not any(v for k, v in seen.items() if k.startswith("dev_tools_") and k != "dev_tools_prune_errors")
    assert (seen["host"], seen["port"]) == ("127.0.0.1", 8123)
    assert app.server.debug is False


# ------------------------------------------------------------------ basic auth


def test_auth_is_required_on_pages_and_callbacks() -> None:
    app = _app(with_auth=True)
    client = app.server.test_client()
    denied = client.get("/")
    assert denied.status_code == 401 and denied.headers["WWW-Authenticate"].startswith("Basic realm=")
    assert client.get("/", headers=_basic("alice", "wrong")).status_code == 401
    assert client.get("/", headers=_basic("mallory", "s3cret:with colon")).status_code == 401
    assert client.get("/", headers={"Authorization": "Basic !!notbase64"}).status_code == 401
    assert client.get("/", headers=_basic("alice", "s3cret:with colon")).status_code == 200
    session, store = _initial_stores(app)
    assert _call_overview(client, session, store).status_code == 401
    assert _call_overview(client, session, store, _basic("alice", "s3cret:with colon")).status_code == 200
    assert client.get("/assets/style.css").status_code == 401


def test_auth_file_is_parsed_without_echoing_passwords(tmp_path: Path) -> None:
    good = tmp_path / "users"
    good.write_text("# users\n\nalice:pa:ss\n bob : hunter2\n", encoding="utf-8")
    auth = load_auth_file(good)
    assert set(auth.users) == {"alice", "bob"}
    assert auth.check("Basic " + base64.b64encode(b"alice:pa:ss").decode())
    assert "pa:ss" not in repr(auth) and "hunter2" not in repr(auth)
    bad = tmp_path / "bad"
    bad.write_text("alice:ok\njustapassword-hunter2\n", encoding="utf-8")
    with pytest.raises(DashboardConfigError) as info:
        load_auth_file(bad)
    assert str(info.value).startswith(f"{bad}:2: expected user:password")
    assert "hunter2" not in str(info.value)
    empty = tmp_path / "empty"
    empty.write_text("# nobody\n", encoding="utf-8")
    with pytest.raises(DashboardConfigError, match="no users"):
        load_auth_file(empty)
    with pytest.raises(DashboardConfigError, match="cannot read"):
        load_auth_file(tmp_path / "missing")


# ------------------------------------------------------------------ the command


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.10", False),
        ("example.com", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_check_binding_rules() -> None:
    check_binding("127.0.0.1", False, None)
    with pytest.raises(CostModelError, match=r"refusing to listen on 0\.0\.0\.0"):
        check_binding("0.0.0.0", False, None)
    with pytest.raises(CostModelError, match="needs --auth-file"):
        check_binding("0.0.0.0", True, None)
    check_binding("0.0.0.0", True, "users.txt")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--host", "0.0.0.0"], "refusing to listen on 0.0.0.0"),
        (["--host", "10.0.0.5", "--allow-remote"], "needs --auth-file"),
        (["no/such/export.csv"], "does not exist"),
        (["--port", "70000"], "out of range"),
    ],
)
def test_command_refuses_bad_setups_with_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_module, "serve", lambda *a, **k: pytest.fail("must not serve"))
    assert cli_main(["dashboard", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_command_says_when_the_sample_is_missing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(app_module, "default_sample", lambda: tmp_path / "saas")
    assert cli_main(["dashboard"]) == 2
    assert "bundled sample" in capsys.readouterr().err


def test_command_serves_the_sample_on_loopback_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[tuple[Any, str, int]] = []
    monkeypatch.setattr(app_module, "serve", lambda app, host, port: served.append((app, host, port)))
    assert cli_main(["dashboard", "--port", "8765", "--scenario", "business-hours"]) == 0
    app, host, port = served[0]
    assert (host, port) == ("127.0.0.1", 8765)
    _, store = _initial_stores(app)
    assert store["scenario"]["time_profile"]["kind"] == "business-hours"


def test_command_with_remote_access_requires_the_password(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    users = tmp_path / "users"
    users.write_text("ops:correct horse\n", encoding="utf-8")
    served: list[Any] = []
    monkeypatch.setattr(app_module, "serve", lambda app, host, port: served.append((app, host)))
    argv = [
        "dashboard",
        str(SAMPLE),
        "--host",
        "0.0.0.0",
        "--allow-remote",
        "--auth-file",
        str(users),
        "--window",
        "1h",
    ]
    assert cli_main(argv) == 0
    app, host = served[0]
    assert host == "0.0.0.0"
    client = app.server.test_client()
    assert client.get("/").status_code == 401
    assert client.get("/", headers=_basic("ops", "correct horse")).status_code == 200


def test_help_lists_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli_main(["dashboard", "--help"])
    out = capsys.readouterr().out
    for option in (
        "--host",
        "--port",
        "--scenario",
        "--window",
        "--allow-remote",
        "--auth-file",
        "EXPORT_OR_BUNDLE",
    ):
        assert option in out


def test_scenario_store_of_every_preset_is_json() -> None:
    from costmodel.scenario.model import list_presets, load_scenario

    for name in list_presets():
        json.dumps(to_store(load_scenario(name)))
