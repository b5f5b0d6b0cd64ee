"""A full headless setup against the simulated tenant with injected latency: how close to the critical path?

Prints, for each path: wall time, reads and writes, the critical-path lower bound (the longest chain of
requests that must wait for one another, times the latency) and the ratio; then the re-run's writes
(which must be 0). The SDK's one-time warm-up is measured first, on its own.

    .venv/bin/python benchmarks/headless.py [--latency 0.1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from wizard.answers import parse_answers  # noqa: E402
from wizard.policies import demo_chain  # noqa: E402
from wizard.simulator import RequestRecord, SimulatedTenant, SimulatorServer  # noqa: E402
from wizard.steps import build_plan  # noqa: E402

STEP_OF_PATH = (
    ("/organization", "preflight"),
    ("/trustFramework/keySets", "policy-key"),
    ("/identity/identityProviders", "identity-provider"),
    ("userflowIdentityProviders", "attach-provider"),
    ("/identity/b2cUserFlows", "user-flow"),
    ("/applications", "test-app"),
    ("/servicePrincipals", "test-app"),
    ("/oauth2PermissionGrants", "test-app"),
)


def step_of(record: RequestRecord) -> str:
    """Which step sent a request, from its path (steps own disjoint parts of the API)."""
    if "/trustFramework/policies" in record.path:
        if record.method != "PUT":
            return "base-chain"
        return "extensions-policy" if "TrustFrameworkExtensions" in record.path else "relying-party"
    for fragment, step in STEP_OF_PATH:
        if fragment in record.path:
            return step
    raise ValueError(f"no step owns {record.method} {record.path}")


def sequential_rounds(records: list[RequestRecord]) -> int:
    """Requests of one step that overlap in time were sent together: count the rounds, not the requests."""
    rounds, busy_until = 0, float("-inf")
    for record in sorted(records, key=lambda record: record.started):
        if record.started >= busy_until:
            rounds += 1
            busy_until = record.ended
        else:
            busy_until = max(busy_until, record.ended)
    return rounds


def critical_path_requests(plan, log: list[RequestRecord]) -> int:
    """The longest chain of dependent request rounds through the plan's step graph."""
    by_step: dict[str, list[RequestRecord]] = {}
    for record in log:
        by_step.setdefault(step_of(record), []).append(record)
    longest: dict[str, int] = {}
    for step in plan:
        before = max((longest[name] for name in step.after), default=0)
        longest[step.id] = before + sequential_rounds(by_step.get(step.id, []))
    return max(longest.values())


async def one_run(answers, server: SimulatorServer) -> float:
    from wizard.session import Session

    session = Session.open(answers, demo=server, secret="benchmark-secret")
    started = time.perf_counter()
    try:
        await session.run(lambda event: None)
    finally:
        await session.close()
    return time.perf_counter() - started


def measure(pivot: str, latency: float) -> None:
    answers = parse_answers({
        "tenant": {"name": "contoso"},
        "asignio": {"client_id": "00001111-aaaa-2222-bbbb-3333cccc4444"},
        "setup": {"pivot": pivot, "mfa": "phone"},
    })
    tenant = SimulatedTenant.seeded("contoso", base=demo_chain("contoso.onmicrosoft.com"))
    with SimulatorServer(tenant, latency=latency) as server:
        wall = asyncio.run(one_run(answers, server))
        log = server.log
        critical = critical_path_requests(build_plan(answers), log)
        bound = critical * latency
        print(f"{pivot:>13}: wall {wall:6.2f} s | requests {server.reads} reads + {server.writes} writes | "
              f"critical path {critical} requests = {bound:.2f} s | ratio {wall / bound:.2f}")
        server.reset_log()
        rerun = asyncio.run(one_run(answers, server))
        print(f"{'re-run':>13}: wall {rerun:6.2f} s | requests {server.reads} reads + {server.writes} writes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.1, help="seconds added to every request")
    latency = parser.parse_args().latency
    with tempfile.TemporaryDirectory() as state:
        os.environ["XDG_STATE_HOME"] = state
        from wizard.graph import warm_up

        started = time.perf_counter()
        warm_up()
        print(f"one-time SDK warm-up (import, first parse, request builders, TLS context): {time.perf_counter() - started:.2f} s")
        print(f"latency injected per request: {latency * 1000:.0f} ms")
        for pivot in ("custom-policy", "user-flow"):
            measure(pivot, latency)


if __name__ == "__main__":
    main()
