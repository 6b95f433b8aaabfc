"""``dsqlcost dashboard``: the interactive web dashboard (Dash) on a workload, for what-ifs.

Opens on the bundled sample (``sample_stats/saas``) when given nothing. Listens on 127.0.0.1 only
unless ``--allow-remote`` is given together with ``--auth-file`` (HTTP basic auth): a workload's
query texts and costs are not for an open network. The ``dashboard`` package is imported only when
the command runs, so the rest of the CLI never loads Dash.
"""

from __future__ import annotations

import argparse
import ipaddress
import sys
from pathlib import Path

from costmodel.cli.common import WINDOW_HELP, add_lint_cache_argument, apply_lint_cache
from costmodel.core.errors import CostModelError
from costmodel.scenario.model import list_presets

LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


class DashboardArgumentError(CostModelError):
    """The dashboard was asked to listen somewhere it may not (or without its sample)."""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``dashboard`` subcommand."""
    parser = sub.add_parser(
        "dashboard",
        help="open the interactive web dashboard (what-ifs, charts, downloads)",
        description=(
            "Serve the web dashboard on a workload: the verdict and monthly cost per option, cost by "
            "component and region, the hour-of-week profile and simulated Serverless v2 capacity, break-even "
            "curves, a sortable statement table, DSQL readiness and the five-phase migration plan (remediated DDL "
            "to download; --code DIR audits the application). Change regions, growth or Serverless v2 "
            "settings and every view is recomputed; upload other exports or bundles in the page; download "
            "the CSV tables, the scenario YAML and the HTML report. Opens on the bundled sample when no "
            "export is given. Listens on 127.0.0.1 unless --allow-remote is given with --auth-file."
        ),
    )
    parser.add_argument(
        "export",
        nargs="?",
        metavar="EXPORT_OR_BUNDLE",
        help="pg_stat_statements export or bundle directory to open (default: the bundled sample_stats/saas)",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8050, help="port to listen on (default 8050)")
    parser.add_argument(
        "--scenario",
        metavar="NAME_OR_FILE",
        help=f"scenario to start with: a preset ({', '.join(list_presets())}) or a YAML file",
    )
    parser.add_argument("--window", metavar="DURATION", help=WINDOW_HELP)
    parser.add_argument(
        "--code",
        metavar="DIR",
        help="application code the Migration plan page audits (write paths without a 40001 retry, ORM row locks, "
        "SERIAL in migrations, at file:line)",
    )
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a non-loopback --host (requires --auth-file); also answers any Host header (by default only loopback names are served, against DNS rebinding)",
    )
    parser.add_argument(
        "--auth-file",
        metavar="FILE",
        help="require HTTP basic auth with the user:password lines of FILE (use behind TLS on untrusted networks)",
    )
    add_lint_cache_argument(parser)
    parser.set_defaults(func=run)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback name or address (127.0.0.0/8, ::1, localhost)."""
    name = host.strip().strip("[]").lower()
    if name in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_binding(host: str, allow_remote: bool, auth_file: str | None) -> None:
    """Refuse a non-loopback host unless remote access is allowed *and* authenticated."""
    if is_loopback(host):
        return
    if not allow_remote:
        raise DashboardArgumentError(
            f"refusing to listen on {host}: the dashboard serves query texts and costs",
            hint="keep the default 127.0.0.1, or pass --allow-remote with --auth-file FILE (user:password lines)",
        )
    if not auth_file:
        raise DashboardArgumentError(
            f"--allow-remote on {host} needs --auth-file",
            hint="create a file with user:password lines and pass --auth-file FILE",
        )


def resolve_source(export: str | None) -> Path:
    """The export or bundle to open: the argument, or the bundled sample (an error if it is missing)."""
    if export:
        path = Path(export)
        if not path.exists():
            raise DashboardArgumentError(
                f"{export} does not exist", hint="pass a pg_stat_statements export or a bundle directory"
            )
        return path
    from dashboard.app import default_sample

    sample = default_sample()
    if not (sample / "bundle.yaml").is_file():
        raise DashboardArgumentError(
            f"the bundled sample {sample} is missing",
            hint="pass an export or bundle (dsqlcost dashboard EXPORT), or generate the samples with `make samples`",
        )
    return sample


def run(args: argparse.Namespace) -> int:
    """Check the binding, load the workload, serve until interrupted."""
    check_binding(args.host, args.allow_remote, args.auth_file)
    apply_lint_cache(args)
    if not 0 < args.port < 65536:
        raise DashboardArgumentError(
            f"port {args.port} is out of range", hint="use a port between 1 and 65535"
        )
    from dashboard.app import create_app, serve
    from dashboard.auth import load_auth_file

    auth = load_auth_file(args.auth_file) if args.auth_file else None
    source = resolve_source(args.export)
    print(f"dsqlcost dashboard: loading {source} …", file=sys.stderr, flush=True)
    app = create_app(
        source,
        scenario=args.scenario,
        window=args.window,
        auth=auth,
        check_host=not args.allow_remote,
        code=args.code,
    )
    where = f"[{args.host}]" if ":" in args.host else args.host
    print(
        f"dsqlcost dashboard: open http://{where}:{args.port}/ (Ctrl-C to stop)"
        + (" — basic auth required" if auth else ""),
        file=sys.stderr,
        flush=True,
    )
    serve(app, args.host, args.port)
    return 0
