"""The dashboard shell: ``create_app()`` builds the Dash app; pages, panels and figures live elsewhere.

The shell is a header, a side panel (workload upload, downloads, scenario controls), tabs and two
stores — ``app-session`` (the upload's cache key and label) and ``scenario-store`` (the scenario
as JSON). Every page renders from those two stores through the per-app
:class:`~dashboard.state.UploadCache`; there is no module-level data, so each ``create_app`` call is
independent. No computation happens here.

Safety: the app never runs in debug mode (:func:`serve` passes ``debug=False`` and switches every
dev tool off), binds where :mod:`costmodel.cli.cmd_dashboard` allows (loopback unless
``--allow-remote`` with an auth file), caps request bodies, sends a few defensive headers, and turns
any unexpected exception into a generic message — in a callback (``on_error``) and in Flask
(an error handler) — while the traceback goes to the server log only.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from dash import Dash, Input, Output, dcc, html, set_props
from flask import Response
from werkzeug.exceptions import HTTPException

from costmodel.core.catalog import PriceCatalog
from costmodel.scenario.model import Scenario, load_scenario
from dashboard import auth as auth_module
from dashboard import controls, files, ui
from dashboard.auth import BasicAuth, DashboardConfigError
from dashboard.pages import PAGES
from dashboard.scenarios import to_store
from dashboard.state import UploadCache
from dashboard.uploads import MAX_UPLOAD_BYTES

logger = logging.getLogger("dsqlcost.dashboard")

TITLE = "dsqlcost — Aurora DSQL vs Serverless v2"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8050
SAMPLE_BUNDLE = "saas"
MAX_REQUEST_BYTES = 2 * MAX_UPLOAD_BYTES
"""Flask refuses larger request bodies outright (base64 adds a third to an upload; the rest is slack
so an upload a little over the limit still gets the friendly message)."""
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
ASSETS = Path(__file__).resolve().parent / "assets"


def default_sample() -> Path:
    """The bundled sample the dashboard opens with (``sample_stats/saas`` in the source tree)."""
    return Path(__file__).resolve().parents[1] / "sample_stats" / SAMPLE_BUNDLE


def shell(
    session: dict[str, Any] | None, scenario: Scenario, catalog: PriceCatalog, window: str | None
) -> html.Div:
    """The page around the tabs (rebuilt on each page load, so stores start from the initial state)."""
    return html.Div(
        [
            dcc.Store(id="app-session", data=session),
            dcc.Store(id="scenario-store", data=to_store(scenario)),
            html.Header(
                [
                    html.H1(TITLE),
                    html.P(
                        "What your PostgreSQL workload would cost per month on Aurora DSQL and on Aurora Serverless "
                        "v2, what drives the bill, and what stands in the way of a migration.",
                        className="subtitle",
                    ),
                ]
            ),
            html.Div(id="app-error"),
            html.Div(
                [
                    html.Aside(
                        [files.layout(window), controls.layout(scenario, catalog)], className="sidebar"
                    ),
                    html.Main(
                        [
                            dcc.Tabs(
                                id="app-tabs",
                                value=PAGES[0].PREFIX,
                                children=[
                                    dcc.Tab(label=p.LABEL, value=p.PREFIX, id=f"app-tab-{p.PREFIX}")
                                    for p in PAGES
                                ],
                            ),
                            dcc.Loading(
                                html.Div(PAGES[0].layout(), id="app-page"), type="dot", delay_show=300
                            ),
                        ],
                        className="content",
                    ),
                ],
                className="layout",
            ),
        ],
        className="app",
    )


def page_layout(tab: str | None) -> html.Div:
    """The layout of the page whose tab value is ``tab`` (the first page if unknown)."""
    page = next((p for p in PAGES if tab == p.PREFIX), PAGES[0])
    return page.layout()


def create_app(
    source: str | Path | None = None,
    *,
    scenario: str | None = None,
    window: str | None = None,
    catalog: PriceCatalog | None = None,
    auth: BasicAuth | None = None,
    cache: UploadCache | None = None,
    check_host: bool = True,
    code: str | Path | None = None,
) -> Dash:
    """Build the dashboard app.

    ``source`` is an export file or bundle directory loaded at start (None: start empty and wait for
    an upload); ``scenario`` a preset name or YAML file; ``window`` the observation window for
    exports without one. Loading and the first scenario run happen here, so bad input raises its
    :class:`~costmodel.core.errors.CostModelError` before the server starts and the first page is fast.
    ``check_host`` answers only loopback ``Host`` headers (DNS rebinding guard; off with ``--allow-remote``).
    ``code`` is an application's source folder the Migration plan page audits (``--code DIR``).
    """
    if code is not None and not Path(code).is_dir():
        raise DashboardConfigError(f"{code} is not a directory", hint="pass the application's source folder")
    cache = (
        cache if cache is not None else UploadCache(catalog, code=Path(code) if code is not None else None)
    )
    initial = load_scenario(scenario)
    session = None
    if source is not None:
        path = Path(source)
        if not path.exists():
            raise DashboardConfigError(
                f"{path} does not exist", hint="pass a pg_stat_statements export or a bundle directory"
            )
        entry = cache.add_file(path, window=window)
        cache.run(entry.key, initial)  # classify, lint and price once before the first request
        session = files.session_of(entry)

    def on_error(err: Exception) -> None:
        logger.error("dashboard callback failed", exc_info=err)
        set_props("app-error", {"children": ui.error_box(ui.GENERIC_ERROR)})

    app = Dash(
        __name__,
        title="dsqlcost dashboard",
        update_title="",  # keep the title while callbacks run
        assets_folder=str(ASSETS),
        serve_locally=True,
        on_error=on_error,
        enable_mcp=False,
    )
    app.layout = lambda: shell(session, initial, cache.catalog, window)
    # the shell already holds the first page; the others are only mounted when their tab is chosen
    app.validation_layout = html.Div(  # type: ignore[assignment]
        [shell(session, initial, cache.catalog, window), *[p.layout() for p in PAGES[1:]]]
    )

    @app.callback(Output("app-page", "children"), Input("app-tabs", "value"), prevent_initial_call=True)
    def _page(tab: str | None) -> html.Div:
        return page_layout(tab)

    controls.register(app, cache.catalog)
    files.register(app, cache)
    for page in PAGES:
        page.register(app, cache)
    _harden(app, auth, check_host)
    app.server.extensions["dsqlcost_cache"] = cache
    return app


def _harden(app: Dash, auth: BasicAuth | None, check_host: bool) -> None:
    server = app.server
    server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    server.debug = False
    if check_host:
        auth_module.install_host_check(server)
    if auth is not None:
        auth_module.install(server, auth)

    @server.after_request
    def _headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @server.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        if isinstance(exc, HTTPException):
            return exc
        logger.error("dashboard request failed", exc_info=exc)
        return Response(ui.GENERIC_ERROR + "\n", 500, {"Content-Type": "text/plain; charset=utf-8"})


def serve(app: Dash, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    """Run the app on Flask's threaded server — never in debug mode, no dev tools, no reloader."""
    app.run(
        host=host,
        port=port,
        debug=False,
        dev_tools_ui=False,
        dev_tools_props_check=False,
        dev_tools_serve_dev_bundles=False,
        dev_tools_hot_reload=False,
        dev_tools_prune_errors=True,
        use_reloader=False,
        threaded=True,
    )
