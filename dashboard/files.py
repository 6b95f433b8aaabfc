"""Files in and out: the export/bundle upload, and the downloads (CSV tables, scenario YAML, HTML).

The upload callback hands the file to a worker thread (:meth:`dashboard.state.UploadCache.submit_upload`:
a big export takes a minute to read and classify, and must not hold the request), and a poll every
:data:`POLL_MS` shows the step it is at; once loaded, the workload stays server-side and only its key
and label go into the browser's ``app-session`` store. Downloads render from the same
cached run the pages show, with the report renderers every other front end uses
(:func:`costmodel.report.write_csv`, :func:`costmodel.report.render_html`,
:func:`costmodel.scenario.model.scenario_to_yaml`). :func:`start_upload`, :func:`poll_upload` and
:func:`download` are the plain functions behind the callbacks; :func:`on_upload` loads synchronously.
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dash import Dash, Input, Output, State, ctx, dcc, html, no_update

from costmodel.core.errors import CostModelError
from costmodel.core.timebase import format_duration
from costmodel.report import render_html, write_csv
from costmodel.scenario.model import scenario_to_yaml
from dashboard import ui
from dashboard.scenarios import from_store
from dashboard.state import Entry, UploadCache
from dashboard.uploads import EXPORT_SUFFIXES, MAX_UPLOAD_BYTES, MIB

PREFIX = "files"
DOWNLOADS = {
    f"{PREFIX}-csv": "CSV tables (.zip)",
    f"{PREFIX}-yaml": "Scenario (.yaml)",
    f"{PREFIX}-html": "Report (.html)",
}
_SLUG = re.compile(r"[^A-Za-z0-9._-]+")
WINDOW_TIP = "type how long the counters ran (e.g. 2h) in the Window field: the file is read again with it."


def session_of(entry: Entry) -> dict[str, Any]:
    """What the browser keeps about a loaded workload: its cache key and a label."""
    window = entry.analysis.workload.window
    return {
        "key": entry.key,
        "label": entry.label,
        "statements": entry.statements,
        "window": f"{format_duration(float(window.seconds))} ({window.source})" if window.seconds else "",
    }


def layout(window: str | None) -> html.Div:
    """The upload box, the window field and the download buttons."""
    accept = ",".join([*EXPORT_SUFFIXES, ".gz", ".zip", ".tar", ".tgz"])
    return html.Div(
        [
            html.H3("Workload"),
            html.Div(id=f"{PREFIX}-current", className="current"),
            dcc.Upload(
                html.Div(
                    [
                        "Drop a pg_stat_statements export or a bundle (.zip, .tar.gz) here, or ",
                        html.A("choose a file"),
                    ]
                ),
                id=f"{PREFIX}-upload",
                className="upload",
                multiple=False,
                accept=accept,
            ),
            ui.explain(f"Up to {MAX_UPLOAD_BYTES // MIB} MiB. Files are read as data, never run."),
            html.Div(
                [
                    html.Label("Window (if the export has none)", className="field-label"),
                    dcc.Input(
                        id=f"{PREFIX}-window",
                        type="text",
                        value=window or "",
                        placeholder="e.g. 1h, 90m, 7d",
                        debounce=True,
                    ),
                ],
                className="field",
            ),
            html.Div(id=f"{PREFIX}-message"),
            dcc.Store(id=f"{PREFIX}-job"),
            dcc.Interval(id=f"{PREFIX}-poll", interval=POLL_MS, disabled=True),
            html.H3("Downloads"),
            html.Div(
                [
                    html.Button(text, id=button, n_clicks=0, className="button")
                    for button, text in DOWNLOADS.items()
                ],
                className="buttons",
            ),
            html.Div(id=f"{PREFIX}-download-message"),
            dcc.Download(id=f"{PREFIX}-download"),
        ],
        className="panel files-panel",
    )


def current_text(session: Any) -> str:
    """The line naming the loaded workload."""
    if not isinstance(session, Mapping) or not session.get("key"):
        return ui.NO_WORKLOAD
    window = f", window {session['window']}" if session.get("window") else ""
    return f"{session.get('label')}: {session.get('statements', '?')} statements{window}"


def on_upload(
    cache: UploadCache,
    contents: str | None,
    filename: str | None,
    window: str | None,
    trigger: str | None = None,
) -> tuple[Any, Any, Any]:
    """(session, message, upload contents) after an upload or a change of the window field.

    The upload's contents stay in the upload component, so typing a window (as the error message
    asks) reads the same file again with it: a browser fires no event when the same file is chosen
    twice, so "upload it again" did nothing. A window typed before any upload does nothing. Errors
    leave the session unchanged; an unreadable file is dropped (contents cleared)."""
    if not contents:
        return no_update, no_update, no_update
    retry = trigger == f"{PREFIX}-window"
    typed = (window or "").strip() or None
    if retry and not typed:
        return no_update, no_update, no_update
    try:
        entry = cache.add_upload(contents, filename or "upload.csv", window=typed)
    except CostModelError as exc:
        message = str(exc)
        needs_window = "observation window" in message
        if needs_window and not typed:
            message += f"\nIn this page: {WINDOW_TIP}"
        return no_update, ui.error_box(message), no_update if needs_window else None
    note = f" with window {typed}" if retry else ""
    return session_of(entry), html.Div(f"Loaded {entry.label}{note}.", className="ok"), no_update


POLL_MS = 500
"""How often the page asks how an upload is getting on."""


def start_upload(
    cache: UploadCache,
    contents: str | None,
    filename: str | None,
    window: str | None,
    trigger: str | None = None,
) -> tuple[Any, Any, Any, Any]:
    """(job store, message, upload contents, poll disabled): the upload loads on a worker thread.

    As in :func:`on_upload`, the contents stay in the upload component, so typing a window after
    the "no window" error reads the same file again (a browser fires no event for the same file
    chosen twice); a window typed before any upload, or cleared, does nothing."""
    if not contents:
        return no_update, no_update, no_update, no_update
    typed = (window or "").strip() or None
    retry = trigger == f"{PREFIX}-window"
    if retry and not typed:
        return no_update, no_update, no_update, no_update
    job_id = cache.submit_upload(contents, filename or "upload.csv", window=typed)
    job = cache.job(job_id)
    label = job.filename if job is not None else "the upload"
    note = f" with window {typed}" if retry else ""
    message = html.Div(f"Loading {label}{note} …", className="progress")
    return {"job": job_id, "window": window or ""}, message, no_update, False


def poll_upload(cache: UploadCache, job_data: Any) -> tuple[Any, Any, Any]:
    """(session, message, poll disabled) for the running upload: its step until it ends, then the
    loaded workload or the one-line error (which leaves the current workload in place)."""
    job = cache.job(job_data.get("job") if isinstance(job_data, Mapping) else None)
    if job is None:
        return no_update, no_update, True
    if not job.finished.is_set():
        text = f"Loading {job.filename}: {job.stage} ({job.elapsed:.0f} s) …"
        return no_update, html.Div(text, className="progress"), False
    if job.error is not None:
        message = str(job.error)
        if "observation window" in message and not str(job_data.get("window") or "").strip():
            message += f"\nIn this page: {WINDOW_TIP}"
        return no_update, ui.error_box(message), True
    assert job.entry is not None  # finished without an error
    return session_of(job.entry), html.Div(f"Loaded {job.entry.label}.", className="ok"), True


def _slug(text: str) -> str:
    return _SLUG.sub("-", text).strip("-")[:60] or "dsqlcost"


def csv_zip(report: Mapping[str, Any]) -> bytes:
    """Every CSV table of the report (:func:`write_csv`), zipped."""
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="dsqlcost-csv-") as tmp:
        paths = write_csv(report, Path(tmp))
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(paths):
                zf.write(path, path.name)
    return buffer.getvalue()


def download(cache: UploadCache, trigger: str | None, session: Any, scenario_data: Any) -> tuple[Any, Any]:
    """(dcc.Download data, message) for the download button ``trigger``."""
    if trigger not in DOWNLOADS:
        return no_update, no_update
    try:
        scenario = from_store(scenario_data)
        if trigger == f"{PREFIX}-yaml":
            name = f"{_slug(scenario.name)}.yaml"
            return dcc.send_string(scenario_to_yaml(scenario), name), None
        outcome = ui.run_for(cache, session, scenario_data)
        if outcome.run is None:
            return no_update, ui.error_box(outcome.error)
        stem = f"{_slug(outcome.run.entry.label)}-{_slug(scenario.name)}"
        if trigger == f"{PREFIX}-csv":
            return dcc.send_bytes(csv_zip(outcome.run.full_report), f"{stem}-csv.zip"), None
        return dcc.send_string(render_html(outcome.run.full_report), f"{stem}.html"), None
    except CostModelError as exc:
        return no_update, ui.error_box(str(exc))


def register(app: Dash, cache: UploadCache) -> None:
    """Wire the upload and the download buttons."""

    @app.callback(
        Output(f"{PREFIX}-job", "data"),
        Output(f"{PREFIX}-message", "children"),
        Output(f"{PREFIX}-upload", "contents"),
        Output(f"{PREFIX}-poll", "disabled"),
        Input(f"{PREFIX}-upload", "contents"),
        Input(f"{PREFIX}-window", "value"),
        State(f"{PREFIX}-upload", "filename"),
        prevent_initial_call=True,
    )
    def _upload(contents: str | None, window: str | None, filename: str | None) -> tuple[Any, Any, Any, Any]:
        return start_upload(cache, contents, filename, window, ctx.triggered_id)

    @app.callback(
        Output("app-session", "data"),
        Output(f"{PREFIX}-message", "children", allow_duplicate=True),
        Output(f"{PREFIX}-poll", "disabled", allow_duplicate=True),
        Input(f"{PREFIX}-poll", "n_intervals"),
        State(f"{PREFIX}-job", "data"),
        prevent_initial_call=True,
    )
    def _poll(_n: int | None, job_data: Any) -> tuple[Any, Any, Any]:
        return poll_upload(cache, job_data)

    @app.callback(Output(f"{PREFIX}-current", "children"), Input("app-session", "data"))
    def _current(session: Any) -> str:
        return current_text(session)

    @app.callback(
        Output(f"{PREFIX}-download", "data"),
        Output(f"{PREFIX}-download-message", "children"),
        *[Input(button, "n_clicks") for button in DOWNLOADS],
        State("app-session", "data"),
        State("scenario-store", "data"),
        prevent_initial_call=True,
    )
    def _download(*args: Any) -> tuple[Any, Any]:
        session, scenario_data = args[-2:]
        return download(cache, ctx.triggered_id, session, scenario_data)
