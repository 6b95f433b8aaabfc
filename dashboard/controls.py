"""The scenario panel: preset, scenario YAML upload, regions and the what-if controls.

One callback owns the scenario store. A control change lays the control values over the stored
scenario (:func:`dashboard.scenarios.apply_controls`); a preset or an uploaded YAML replaces the
scenario and moves every control to show it. Invalid combinations are refused with the scenario
loader's own message and the previous scenario stays in force. :func:`on_change` is the plain
function behind the callback (tests and the benchmark call it directly).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dash import Dash, Input, Output, State, ctx, dcc, html, no_update

from costmodel.core.catalog import PriceCatalog
from costmodel.core.errors import CostModelError
from costmodel.core.regions import region_table
from costmodel.pricing.dsql import plan_regions
from costmodel.scenario.model import (
    IoMode,
    ProfileKind,
    Scenario,
    list_presets,
    load_scenario,
    preset_descriptions,
)
from dashboard import ui
from dashboard.scenarios import (
    Controls,
    apply_controls,
    controls_of,
    from_store,
    growth_from_slider,
    load_uploaded_scenario,
    slider_from_growth,
    to_store,
)

PREFIX = "scenario"
AUTO_PAUSE_CHOICES = (300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400)
NEVER = 0
"""Auto-pause dropdown value meaning "never pause" (``auto_pause_seconds: null``)."""
GROWTH_MARKS = {-1: "0.1×", 0: "1×", 1: "10×", 2: "100×"}
IO_LABELS = {
    IoMode.CHEAPER.value: "cheaper of both",
    IoMode.STANDARD.value: "Standard",
    IoMode.IO_OPTIMIZED.value: "I/O-Optimized",
}
CONTROL_IDS = (
    "region",
    "peers",
    "witness",
    "secondaries",
    "growth",
    "profile",
    "volume",
    "min-acu",
    "max-acu",
    "auto-pause",
    "io-mode",
    "free-tier",
    "readers",
    "savings-plan",
    "active-active",
    "rpo",
    "rto",
    "residency",
    "max-latency",
)
"""Controls in :class:`ControlValues` order (ids are ``scenario-<name>``)."""
SERVICES = ("aurora_dsql", "aurora_serverless_v2")
VOLUME_HELP = (
    "Spread the monthly volume: a month holds the observed rate × every minute of the month, and the "
    "profile moves those calls into its busy hours (bursts run hotter than observed, a short profile "
    "packs a month into few hours). Burst at the observed rate: the busy hours run at the rate you "
    "observed and idle hours carry nothing, so a dev database busy 40 minutes a day costs a fraction "
    "of an always-on month (time_profile.volume in docs/scenario.md)."
)


@dataclass(frozen=True)
class ControlValues:
    """Raw values of the controls as the browser sends them (any of them may be missing)."""

    region: Any = None
    peers: Any = None
    witness: Any = None
    secondaries: Any = None
    growth: Any = 0.0
    profile: Any = None
    volume: Any = None
    min_acu: Any = None
    max_acu: Any = None
    auto_pause: Any = None
    io_mode: Any = None
    free_tier: Any = None
    readers: Any = None
    savings_plan: Any = None
    active_active: Any = None
    rpo: Any = None
    rto: Any = None
    residency: Any = None
    max_latency: Any = None

    @classmethod
    def of(cls, scenario: Scenario) -> ControlValues:
        """The values that show ``scenario``."""
        c = controls_of(scenario)
        return cls(
            region=c.primary,
            peers=list(c.peers),
            witness=c.witness,
            secondaries=list(c.secondaries),
            growth=slider_from_growth(c.growth),
            profile=c.time_profile,
            volume=c.volume,
            min_acu=c.min_acu,
            max_acu=c.max_acu,
            auto_pause=NEVER if c.auto_pause_seconds is None else c.auto_pause_seconds,
            io_mode=c.io_mode,
            free_tier=["on"] if c.free_tier else [],
            readers=c.readers,
            savings_plan=["on"] if c.savings_plan else [],
            active_active=c.active_active,
            rpo=c.rpo or "",
            rto=c.rto or "",
            residency=list(c.residency),
            max_latency=c.max_commit_latency_ms,
        )

    def controls(self, current: Scenario) -> Controls:
        """Typed controls; a missing value keeps the current scenario's."""
        base = controls_of(current)

        def number(value: Any, default: float) -> float:
            try:
                return float(value)
            except (TypeError, ValueError):
                return default

        pause = self.auto_pause
        return Controls(
            primary=str(self.region or base.primary),
            peers=tuple(str(p) for p in (self.peers or ()) if p),
            witness=str(self.witness) if self.witness else None,
            secondaries=tuple(str(s) for s in (self.secondaries or ()) if s),
            growth=growth_from_slider(self.growth) if self.growth is not None else base.growth,
            time_profile=str(self.profile or base.time_profile),
            volume=str(self.volume or base.volume),
            min_acu=number(self.min_acu, base.min_acu),
            max_acu=number(self.max_acu, base.max_acu),
            auto_pause_seconds=None if pause in (None, NEVER, "") else int(number(pause, 300)),
            io_mode=str(self.io_mode or base.io_mode),
            free_tier=bool(self.free_tier),
            readers=int(number(self.readers, base.readers)),
            savings_plan=bool(self.savings_plan),
            active_active=str(self.active_active or base.active_active),
            rpo=base.rpo if self.rpo is None else (str(self.rpo).strip() or None),
            rto=base.rto if self.rto is None else (str(self.rto).strip() or None),
            residency=base.residency
            if self.residency is None
            else tuple(str(r) for r in self.residency if r),
            max_commit_latency_ms=(
                base.max_commit_latency_ms
                if self.max_latency is None
                else (number(self.max_latency, 0.0) or None)
            ),
        )

    def as_tuple(self) -> tuple[Any, ...]:
        return (
            self.region,
            self.peers,
            self.witness,
            self.secondaries,
            self.growth,
            self.profile,
            self.volume,
            self.min_acu,
            self.max_acu,
            self.auto_pause,
            self.io_mode,
            self.free_tier,
            self.readers,
            self.savings_plan,
            self.active_active,
            self.rpo,
            self.rto,
            self.residency,
            self.max_latency,
        )


def _region_options(catalog: PriceCatalog) -> tuple[list[str], list[str], list[str]]:
    dsql = catalog.regions("aurora_dsql")
    sv2 = catalog.regions("aurora_serverless_v2")
    return sorted(set(dsql) | set(sv2)), dsql, sv2


def _profile_options(current: str) -> list[dict[str, str]]:
    kinds = [k.value for k in ProfileKind if k != ProfileKind.CUSTOM or current == ProfileKind.CUSTOM.value]
    return [{"label": k, "value": k} for k in kinds]


def _pause_options(current: int | None) -> list[dict[str, Any]]:
    choices = sorted({*AUTO_PAUSE_CHOICES, *([current] if current else [])})
    return [{"label": "never pause", "value": NEVER}] + [
        {"label": f"after {s // 60} min" if s < 3600 else f"after {s / 3600:g} h", "value": s}
        for s in choices
    ]


def _growth_text(growth: float) -> str:
    return f"load × {growth:.3g}"


def _field(label: str, control: Any, explanation: str) -> html.Div:
    return html.Div(
        [html.Label(label, className="field-label"), control, ui.explain(explanation)], className="field"
    )


def layout(scenario: Scenario, catalog: PriceCatalog) -> html.Div:
    """The panel showing ``scenario``; region lists come from the price catalog."""
    values = ControlValues.of(scenario)
    return html.Div(
        [
            *_preset_fields(scenario),
            *_region_fields(values, catalog),
            *_load_fields(values, scenario),
            *_serverless_v2_fields(values, scenario),
            *_option_switches(values),
            *_requirement_fields(values),
        ],
        className="panel scenario-panel",
    )


def _preset_fields(scenario: Scenario) -> list[Any]:
    """The preset picker and the scenario YAML upload."""
    descriptions = preset_descriptions()
    preset = scenario.name if scenario.name in descriptions and scenario.source.startswith("preset") else None
    return [
        html.H3("Scenario"),
        _field(
            "Preset",
            dcc.Dropdown(
                id=f"{PREFIX}-preset",
                options=[{"label": n, "value": n, "title": descriptions.get(n, "")} for n in list_presets()],
                value=preset,
                clearable=False,
                placeholder="custom",
            ),
            "A starting point; the controls below adjust it.",
        ),
        dcc.Upload(
            html.Div(["Load a scenario YAML"]),
            id=f"{PREFIX}-upload",
            className="upload small",
            multiple=False,
            accept=".yaml,.yml,text/yaml",
        ),
        html.Div(id=f"{PREFIX}-message"),
    ]


def _region_fields(values: ControlValues, catalog: PriceCatalog) -> list[Any]:
    """Primary region, DSQL peers and witness, Global Database secondaries (lists from the catalog)."""
    every, dsql, sv2 = _region_options(catalog)
    return [
        html.H4("Regions"),
        _field(
            "Primary region",
            dcc.Dropdown(id=f"{PREFIX}-region", options=every, value=values.region, clearable=False),
            "Where the single-region options and the Serverless v2 writer run.",
        ),
        _field(
            "DSQL peer regions",
            dcc.Dropdown(id=f"{PREFIX}-peers", options=dsql, value=values.peers, multi=True),
            "Other active DSQL regions: adds the multi-region option (same region set as the primary).",
        ),
        _field(
            "DSQL witness region",
            dcc.Dropdown(
                id=f"{PREFIX}-witness",
                options=sorted({*dsql, *sum(catalog.region_sets.values(), ())}),
                value=values.witness,
            ),
            "Holds the commit log for a two-peer cluster; billed for storage, not for work.",
        ),
        _field(
            "Global Database secondaries",
            dcc.Dropdown(id=f"{PREFIX}-secondaries", options=sv2, value=values.secondaries, multi=True),
            "Aurora Global Database read-only copies of Serverless v2 in other regions.",
        ),
    ]


def _load_fields(values: ControlValues, scenario: Scenario) -> list[Any]:
    """Growth, the hour-of-week profile and how the volume spreads over it."""
    return [
        html.H4("Load"),
        _field(
            "Growth",
            html.Div(
                [
                    dcc.Slider(
                        id=f"{PREFIX}-growth",
                        min=-1,
                        max=2,
                        step=0.01,
                        value=values.growth,
                        marks=GROWTH_MARKS,
                        updatemode="mouseup",
                        allow_direct_input=False,
                    ),
                    html.Div(
                        _growth_text(scenario.growth),
                        id=f"{PREFIX}-growth-label",
                        className="slider-value",
                    ),
                ]
            ),
            "Multiplies every observed call: 2× means twice today's traffic.",
        ),
        _field(
            "Time profile",
            dcc.Dropdown(
                id=f"{PREFIX}-profile",
                options=_profile_options(values.profile),
                value=values.profile,
                clearable=False,
            ),
            "When in the week the load happens; idle hours let Serverless v2 pause.",
        ),
        _field(
            "Volume over the profile",
            dcc.RadioItems(
                id=f"{PREFIX}-volume",
                options=[
                    {"label": "spread the monthly volume", "value": "spread"},
                    {"label": "burst at the observed rate", "value": "observed-rate"},
                ],
                value=values.volume,
            ),
            VOLUME_HELP,
        ),
    ]


def _serverless_v2_fields(values: ControlValues, scenario: Scenario) -> list[Any]:
    """Capacity range, auto-pause, storage I/O mode and readers."""
    return [
        html.H4("Serverless v2"),
        _field(
            "Min ACU",
            dcc.Input(
                id=f"{PREFIX}-min-acu",
                type="number",
                min=0,
                max=256,
                step=0.5,
                value=values.min_acu,
                debounce=True,
            ),
            "Lowest capacity (1 ACU ≈ 2 GiB memory); 0 allows auto-pause.",
        ),
        _field(
            "Max ACU",
            dcc.Input(
                id=f"{PREFIX}-max-acu",
                type="number",
                min=0.5,
                max=256,
                step=0.5,
                value=values.max_acu,
                debounce=True,
            ),
            "Highest capacity; demand above it is throttled.",
        ),
        _field(
            "Auto-pause",
            dcc.Dropdown(
                id=f"{PREFIX}-auto-pause",
                options=_pause_options(scenario.serverless_v2.auto_pause_seconds),
                value=values.auto_pause,
                clearable=False,
                disabled=bool(values.min_acu),
            ),
            "Idle time before the instance pauses (only with min ACU 0).",
        ),
        _field(
            "Storage I/O",
            dcc.RadioItems(
                id=f"{PREFIX}-io-mode",
                options=[{"label": IO_LABELS[m.value], "value": m.value} for m in IoMode],
                value=values.io_mode,
            ),
            "Standard bills each I/O request; I/O-Optimized includes I/O at higher ACU and storage prices.",
        ),
        _field(
            "Readers (other AZs)",
            dcc.Input(id=f"{PREFIX}-readers", type="number", min=0, max=15, step=1, value=values.readers),
            "1 = a failover target in another AZ, like DSQL's three AZs; 0 = a writer only.",
        ),
    ]


def _option_switches(values: ControlValues) -> list[Any]:
    """The DSQL free tier and the Savings Plan variants."""
    return [
        html.H4("DSQL"),
        dcc.Checklist(
            id=f"{PREFIX}-free-tier",
            options=[{"label": " apply the DSQL free tier", "value": "on"}],
            value=values.free_tier,
        ),
        html.H4("Commitments"),
        dcc.Checklist(
            id=f"{PREFIX}-savings-plan",
            options=[{"label": " also price 1-year Database Savings Plans", "value": "on"}],
            value=values.savings_plan,
        ),
    ]


def _requirement_fields(values: ControlValues) -> list[Any]:
    """The decision tree's inputs (``requirements.*``): unstated ones show both branches."""
    table = region_table()
    places = [{"label": f"{z} ({table.zones[z].name})", "value": z} for z in table.zones] + [
        {"label": r, "value": r} for r in table.regions
    ]
    return [
        html.H4("Requirements"),
        _field(
            "Active-active writes",
            dcc.RadioItems(
                id=f"{PREFIX}-active-active", options=["yes", "no", "unknown"], value=values.active_active
            ),
            "Must several regions accept writes at once? unknown shows both branches of the tree.",
        ),
        _field(
            "RPO",
            dcc.Input(
                id=f"{PREFIX}-rpo", type="text", value=values.rpo, placeholder="not stated", debounce=True
            ),
            "Tolerable data loss on a region failure: 0, 30s, 5m (empty = not stated).",
        ),
        _field(
            "RTO",
            dcc.Input(
                id=f"{PREFIX}-rto", type="text", value=values.rto, placeholder="not stated", debounce=True
            ),
            "Tolerable time until writes resume after a region failure.",
        ),
        _field(
            "Data residency",
            dcc.Dropdown(id=f"{PREFIX}-residency", options=places, value=values.residency, multi=True),
            "Zones or regions every copy of the data must stay in; regions outside are refused.",
        ),
        _field(
            "Max commit latency (ms)",
            dcc.Input(
                id=f"{PREFIX}-max-latency", type="number", min=0, value=values.max_latency, debounce=True
            ),
            "Largest acceptable commit latency of the write path (empty = not stated).",
        ),
    ]


def on_change(
    trigger: str | None,
    preset: str | None,
    upload: str | None,
    upload_name: str | None,
    values: ControlValues,
    store: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The callback as a plain function: outputs by name (``no_update`` where nothing changes)."""
    out: dict[str, Any] = dict.fromkeys(
        (
            "store",
            "message",
            "values",
            "profile_options",
            "pause_options",
            "pause_disabled",
            "growth_label",
            "upload",
            "preset",
        ),
        no_update,
    )
    try:
        if trigger == f"{PREFIX}-upload":
            out["upload"] = None
            if not upload:
                return out
            scenario = load_uploaded_scenario(upload, upload_name or "scenario.yaml")
            out["preset"] = None
        elif trigger == f"{PREFIX}-preset":
            if not preset:
                return out
            scenario = load_scenario(str(preset))
        else:
            current = from_store(store)
            scenario = apply_controls(current, values.controls(current))
            out["store"] = to_store(scenario)
            out["message"] = None
            out["pause_disabled"] = scenario.serverless_v2.min_acu > 0
            out["growth_label"] = _growth_text(scenario.growth)
            return out
    except CostModelError as exc:
        out["message"] = ui.error_box(str(exc))
        return out
    out["store"] = to_store(scenario)
    out["message"] = html.Div(f"Scenario: {scenario.name} ({scenario.source})", className="ok")
    out["values"] = ControlValues.of(scenario)
    out["profile_options"] = _profile_options(scenario.time_profile.kind)
    out["pause_options"] = _pause_options(scenario.serverless_v2.auto_pause_seconds)
    out["pause_disabled"] = scenario.serverless_v2.min_acu > 0
    out["growth_label"] = _growth_text(scenario.growth)
    return out


def witness_placeholder(store: Mapping[str, Any] | None, catalog: PriceCatalog) -> str:
    """What the witness dropdown shows while no witness is chosen: the region the pricing assumes
    (the spare region of the peers' region set), so the page never looks empty while a witness is
    used; "single region" without peers."""
    try:
        scenario = from_store(store)
        if scenario.regions.dsql_witness:
            return scenario.regions.dsql_witness
        if not scenario.regions.dsql_peers:
            return "none (single region: no witness)"
        plan = plan_regions(scenario, catalog, multi_region=True, split_mode="even")
    except CostModelError:
        return "—"
    return f"{plan.witness} (assumed: none chosen)"


def register(app: Dash, catalog: PriceCatalog | None = None) -> None:
    """Wire :func:`on_change` (one callback owns the scenario store and the control values)."""
    control_outputs = [Output(f"{PREFIX}-{name}", "value", allow_duplicate=False) for name in CONTROL_IDS]

    @app.callback(
        Output(f"{PREFIX}-store", "data"),
        Output(f"{PREFIX}-message", "children"),
        *control_outputs,
        Output(f"{PREFIX}-profile", "options"),
        Output(f"{PREFIX}-auto-pause", "options"),
        Output(f"{PREFIX}-auto-pause", "disabled"),
        Output(f"{PREFIX}-growth-label", "children"),
        Output(f"{PREFIX}-upload", "contents"),
        Output(f"{PREFIX}-preset", "value"),
        Input(f"{PREFIX}-preset", "value"),
        Input(f"{PREFIX}-upload", "contents"),
        *[Input(f"{PREFIX}-{name}", "value") for name in CONTROL_IDS],
        State(f"{PREFIX}-upload", "filename"),
        State(f"{PREFIX}-store", "data"),
        prevent_initial_call=True,
    )
    def _update(preset: Any, upload: Any, *rest: Any) -> tuple[Any, ...]:
        values = ControlValues(*rest[: len(CONTROL_IDS)])
        upload_name, store = rest[len(CONTROL_IDS) :]
        out = on_change(ctx.triggered_id, preset, upload, upload_name, values, store)
        shown = out["values"]
        control_values: Sequence[Any] = (
            shown.as_tuple() if isinstance(shown, ControlValues) else [no_update] * len(CONTROL_IDS)
        )
        return (
            out["store"],
            out["message"],
            *control_values,
            out["profile_options"],
            out["pause_options"],
            out["pause_disabled"],
            out["growth_label"],
            out["upload"],
            out["preset"],
        )

    if catalog is not None:
        known = catalog

        @app.callback(Output(f"{PREFIX}-witness", "placeholder"), Input(f"{PREFIX}-store", "data"))
        def _witness(store: Any) -> str:
            return witness_placeholder(store, known)
