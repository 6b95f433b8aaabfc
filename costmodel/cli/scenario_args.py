"""Options that choose and adjust the scenario, shared by ``report`` and ``dashboard``.

Each flag maps to one scenario key and is laid over the scenario file as the last layer, so
``--scenario business-hours --region eu-west-1`` means "the business-hours preset, in Ireland".
"""

from __future__ import annotations

import argparse
from typing import Any

from costmodel.core.errors import ScenarioError
from costmodel.scenario.model import Scenario, list_presets, load_scenario


def add_scenario_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--scenario`` and the per-key shortcuts."""
    group = parser.add_argument_group("scenario (see docs/scenario.md; flags override the scenario file)")
    group.add_argument(
        "--scenario",
        metavar="NAME_OR_FILE",
        help=f"a preset ({', '.join(list_presets())}) or a YAML file merged over the defaults",
    )
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
        "--assume",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a named assumption (listed in every report); repeatable",
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
