"""`python -m wizard.simulator`: run the simulated tenant standalone, for a demo or a manual try."""

from __future__ import annotations

import argparse
import contextlib
import threading
from pathlib import Path

from wizard.auth import ACCESS_TOKEN_ENV
from wizard.clouds import GRAPH_URL_ENV
from wizard.simulator import DEMO_TENANT, SimulatedTenant, SimulatorServer, demo_tenant


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m wizard.simulator", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free one)")
    parser.add_argument("--state-file", type=Path, help="keep the tenant in this JSON file across restarts")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every request")
    parser.add_argument("--name", default=DEMO_TENANT, help="the tenant name (NAME.onmicrosoft.com)")
    parser.add_argument(
        "--also",
        action="append",
        default=[],
        metavar="NAME",
        help="serve another demo tenant NAME too, on the same URL, reached by a token of its own (repeatable)",
    )
    parser.add_argument(
        "--page-size", type=_positive, help="page every collection at this many items (@odata.nextLink)"
    )
    parser.add_argument(
        "--replication-lag",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="keep each new object invisible for this long, as directory replication does",
    )
    parser.add_argument(
        "--no-upsert",
        action="store_true",
        help="refuse PATCH upserts by uniqueName/appId (400), as a tenant that does not take them",
    )
    args = parser.parse_args(argv)
    if args.state_file is not None and args.state_file.exists():
        tenant = SimulatedTenant.load(args.state_file)
    else:
        tenant = demo_tenant(args.name)
    server = SimulatorServer(
        tenant,
        state_file=args.state_file,
        latency=args.latency,
        port=args.port,
        page_size=args.page_size,
        replication_lag=max(args.replication_lag, 0.0),
        upsert_supported=not args.no_upsert,
    )
    try:
        others = [server.add_tenant(demo_tenant(name)) for name in args.also]
    except ValueError as error:
        parser.error(f"--also: {error}")
    with server:
        print(f"Simulated Graph for {tenant.domain} at {server.graph_root} (the client appends /beta)")
        print(f"export {GRAPH_URL_ENV}={server.graph_root}")
        print(f"export {ACCESS_TOKEN_ENV}={server.access_token}")
        for other in others:
            variable = f"{ACCESS_TOKEN_ENV}_{other.tenant.name.upper()}"
            print(
                f'export {variable}={other.access_token}  # {other.tenant.domain}: [auth] access_token_env = "{variable}"'
            )
        print(end="", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
