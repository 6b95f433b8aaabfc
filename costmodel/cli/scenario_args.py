"""Options that choose and adjust the scenario, shared by ``report`` and ``dashboard``.

Each flag maps to one scenario key and is laid over the scenario file as the last layer, so
``--scenario business-hours --region eu-west-1`` means "the business-hours preset, in Ireland".
"""

from __future__ import annotations

import argparse
from typing import Any

from costmodel.calibrate.source_cpu import load_source_cpu
from costmodel.core.errors import ScenarioError
from costmodel.scenario.model import Scenario, list_presets, load_scenario


def add_scenario_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--scenario`` and the per-key shortcuts (``--help`` lists them in this order)."""
    group = parser.add_argument_group("scenario (see docs/scenario.md; flags override the scenario file)")
    group.add_argument(
        "--scenario",
        metavar="NAME_OR_FILE",
        help=f"a preset ({', '.join(list_presets())}) or a YAML file merged over the defaults",
    )
    _add_region_arguments(group)
    _add_requirement_arguments(group)
    _add_load_and_capacity_arguments(group)
    _add_source_cpu_arguments(group)
    group.add_argument(
        "--performance-insights",
        action="store_true",
        help="Performance Insights on: Serverless v2 keeps at least 2 ACU",
    )
    group.add_argument(
        "--savings-plan",
        action="store_true",
        help="also price 1-year no-upfront Database Savings Plan variants of each option",
    )
    group.add_argument(
        "--assume",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a named assumption (listed in every report); repeatable",
    )


def _add_region_arguments(group: argparse._ArgumentGroup) -> None:
    """Where the options run: the primary, DSQL peers and witness, Global Database secondaries, backups."""
    group.add_argument("--region", metavar="REGION", help="primary region (regions.primary)")
    group.add_argument(
        "--peer",
        action="append",
        default=None,
        metavar="REGION",
        help="another active DSQL peer region: adds the dsql-multi-region option (regions.dsql_peers); repeatable",
    )
    group.add_argument("--witness", metavar="REGION", help="DSQL witness region (regions.dsql_witness)")
    group.add_argument(
        "--global-secondary",
        action="append",
        default=None,
        metavar="REGION",
        help="Aurora Global Database secondary region: adds serverless-v2-global (regions.global_secondaries)",
    )
    group.add_argument(
        "--backup-copy",
        action="append",
        default=None,
        metavar="REGION",
        help="region receiving backup copies: listed where the data lives (regions.backup_copies); repeatable",
    )


def _add_requirement_arguments(group: argparse._ArgumentGroup) -> None:
    """The architect's requirements the decision tree reads (requirements.*)."""
    group.add_argument(
        "--active-active",
        choices=("yes", "no", "unknown"),
        help="must several regions accept writes at once? (requirements.active_active)",
    )
    group.add_argument(
        "--rpo",
        metavar="DURATION",
        help="tolerable data loss on a region failure: 0, 30s, 5m, 1h (requirements.rpo_seconds)",
    )
    group.add_argument(
        "--rto",
        metavar="DURATION",
        help="tolerable time until writes resume after a region failure (requirements.rto_seconds)",
    )
    group.add_argument(
        "--residency",
        metavar="ZONE_OR_REGIONS",
        help="where every copy of the data must stay: eu, eea, us, ap … or regions, comma-separated "
        "(requirements.residency); regions chosen outside it are refused",
    )
    group.add_argument(
        "--max-commit-latency",
        type=float,
        metavar="MS",
        help="largest acceptable commit latency in ms (requirements.max_commit_latency_ms)",
    )


def _add_load_and_capacity_arguments(group: argparse._ArgumentGroup) -> None:
    """Load (growth, time profile, transaction shape, storage) and the options' capacity settings."""
    group.add_argument("--growth", type=float, metavar="X", help="load multiplier (growth), e.g. 2.5")
    group.add_argument(
        "--time-profile",
        metavar="KIND",
        help="always-on, business-hours, nightly-batch, dev-sporadic or measured (time_profile.kind)",
    )
    group.add_argument(
        "--min-acu", type=float, metavar="ACU", help="Serverless v2 minimum ACU (0 = may pause)"
    )
    group.add_argument("--max-acu", type=float, metavar="ACU", help="Serverless v2 maximum ACU")
    group.add_argument(
        "--auto-pause", type=int, metavar="SECONDS", help="seconds idle before pausing (300-86400)"
    )
    group.add_argument(
        "--io-mode",
        choices=("standard", "io-optimized", "cheaper"),
        help="Serverless v2 storage configuration",
    )
    group.add_argument("--statements-per-txn", type=float, metavar="N", help="statements per transaction")
    group.add_argument("--storage-gb", type=float, metavar="GB", help="stored data in GB (storage.gb)")
    group.add_argument("--no-free-tier", action="store_true", help="do not apply the DSQL free tier")
    group.add_argument(
        "--readers",
        type=int,
        metavar="N",
        help="Serverless v2 readers in other AZs (serverless_v2.readers; default 1, 0 = writer only)",
    )


def _add_source_cpu_arguments(group: argparse._ArgumentGroup) -> None:
    """The source instance's measured CPU, which sizes Serverless v2 instead of the model."""
    group.add_argument(
        "--source-cpu",
        type=float,
        metavar="PCT",
        help="measured mean CPU %% of the source instance; sizes Serverless v2 instead of the model",
    )
    group.add_argument("--source-vcpus", type=float, metavar="N", help="vCPUs of the source instance")
    group.add_argument(
        "--source-instance", metavar="CLASS", help="source instance class, e.g. db.r6g.xlarge (its vCPUs)"
    )
    group.add_argument(
        "--source-cpu-export",
        metavar="FILE",
        help="CloudWatch CPUUtilization export of the source instance (JSON or CSV, no gaps)",
    )


def scenario_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The nested override dict the flags describe (only flags that were given)."""
    out: dict[str, Any] = {}

    def put(path: str, value: Any) -> None:
        if value is None:
            return
        node = out
        *parents, leaf = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value

    put("regions.primary", args.region)
    put("regions.dsql_peers", args.peer)
    put("regions.dsql_witness", args.witness)
    put("regions.global_secondaries", args.global_secondary)
    put("regions.backup_copies", args.backup_copy)
    put("requirements.active_active", args.active_active)
    put("requirements.rpo_seconds", args.rpo)
    put("requirements.rto_seconds", args.rto)
    put("requirements.residency", args.residency)
    put("requirements.max_commit_latency_ms", args.max_commit_latency)
    put("growth", args.growth)
    put("time_profile.kind", args.time_profile)
    put("serverless_v2.min_acu", args.min_acu)
    put("serverless_v2.max_acu", args.max_acu)
    put("serverless_v2.auto_pause_seconds", args.auto_pause)
    put("serverless_v2.io_mode", args.io_mode)
    put("statements_per_txn", args.statements_per_txn)
    put("storage.gb", args.storage_gb)
    if args.no_free_tier:
        put("dsql.free_tier", False)
    put("serverless_v2.readers", args.readers)
    put("serverless_v2.source_cpu_pct", args.source_cpu)
    put("serverless_v2.source_vcpus", args.source_vcpus)
    put("serverless_v2.source_instance", args.source_instance)
    if args.source_cpu_export:
        measured = load_source_cpu(args.source_cpu_export)
        if args.source_cpu is None:
            put("serverless_v2.source_cpu_pct", round(measured.mean_pct, 4))
        put("serverless_v2.source_cpu_from", measured.describe())
    if args.performance_insights:
        put("serverless_v2.performance_insights", True)
    if args.savings_plan:
        put("savings_plan.enabled", True)
    for text in args.assume:
        key, sep, value = text.partition("=")
        if not sep or not key.strip():
            raise ScenarioError(
                f"--assume {text!r} is not KEY=VALUE", hint="e.g. --assume row_width_bytes=200"
            )
        put(f"assumptions.{key.strip()}", _scalar(value.strip()))
    return out


def _scalar(text: str) -> Any:
    """A number when the text is one, else the text (never evaluated as code)."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


def scenario_from_args(args: argparse.Namespace) -> Scenario:
    """Load the scenario the options describe."""
    return load_scenario(args.scenario, scenario_overrides(args) or None)
