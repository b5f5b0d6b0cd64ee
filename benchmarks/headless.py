"""A full headless setup as a user runs it: whole processes, exec to exit, imports included, nothing warmed.

Prints, as medians of a few runs:
- the demo (`asignio-setup --demo --non-interactive`, custom policy + phone MFA) against
  `python -c "import httpx, lxml.etree, pydantic"` measured in the same run, and their ratio (aim <= 4x);
- with 100 ms injected per request (a simulator in this process, the tool a child process), each path's wall time
  against the critical path (the longest chain of request rounds that must wait for one another, times the latency)
  plus that bare-import floor, and the ratio (aim <= 1.3x); reads, writes, and the writes of a re-run after the
  run has finished (must be 0); the user-flow run is the one that ends waiting for its portal steps (exit 7);
- the custom-policy run from an empty B2C tenant (key sets, IEF apps, the pinned starter pack from ../shared/b2c,
  then the Asignio steps) at the same latency: wall time, reads and writes, the request rounds the run took (requests
  that overlap in time count once), and the writes of a re-run (must be 0);
- the peak RSS of the tool's process (aim <= 60 MB) and the installed size of the environment (aim <= 150 MB).

    .venv/bin/python benchmarks/headless.py [--latency 0.1] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wizard.answers import parse_answers  # noqa: E402
from wizard.policies import demo_chain  # noqa: E402
from wizard.simulator import RequestRecord, SimulatedTenant, SimulatorServer  # noqa: E402
from wizard.steps import Plan, build_plan  # noqa: E402

STARTER_PACK = ROOT.parent / "shared" / "b2c" / "starterpack"
"""Microsoft's starter packs beside the checkout (test material, never copied into the project)."""
BARE_IMPORTS = [sys.executable, "-c", "import httpx, lxml.etree, pydantic"]
SECRET = "benchmark-secret"
EXPECTED_EXIT = {"custom-policy": 0, "user-flow": 7}
"""A user-flow run does every API step, then waits for the two portal steps (exit 7)."""
CONFIRMATIONS = {"custom-policy": [], "user-flow": ["--confirm", "local-accounts-off", "--confirm", "user-flow-mfa"]}
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


def answers_toml(pivot: str) -> str:
    return (
        f'[tenant]\nname = "contoso"\n[asignio]\nclient_id = "00001111-aaaa-2222-bbbb-3333cccc4444"\n'
        f'[setup]\npivot = "{pivot}"\nmfa = "phone"\n'
    )


def timed_process(command: Sequence[str], env: dict[str, str]) -> tuple[float, int, int]:
    """Wall seconds from exec to exit, the exit code, and the child's peak RSS in kB (from wait4's rusage)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return wall, process.returncode, usage.ru_maxrss


def step_of(record: RequestRecord) -> str:
    """Which step sent a request, from its path (steps own disjoint parts of the API)."""
    if "/trustFramework/policies" in record.path:
        if record.method != "PUT":
            return "base-chain"
        return "extensions-policy" if "TrustFrameworkExtensions" in record.path else "relying-party"
    for fragment, step in STEP_OF_PATH:
        if fragment.lower() in record.path.lower():
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


def critical_path_rounds(plan: Plan, log: list[RequestRecord]) -> int:
    """The longest chain of dependent request rounds through the plan's step graph."""
    by_step: dict[str, list[RequestRecord]] = {}
    for record in log:
        by_step.setdefault(step_of(record), []).append(record)
    longest: dict[str, int] = {}
    for step in plan.steps:
        before = max((longest[name] for name in step.after), default=0)
        longest[step.id] = before + sequential_rounds(by_step.get(step.id, []))
    return max(longest.values())


def demo_runs(runs: int, answers: Path, base_env: dict[str, str]) -> tuple[list[float], list[float], int]:
    """The demo and the bare imports, alternated so both meet the same machine load."""
    demo, bare, peak = [], [], 0
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as state:
            env = {**base_env, "XDG_STATE_HOME": state}
            wall, code, rss = timed_process(
                [sys.executable, "-m", "wizard", "--demo", "--non-interactive", str(answers)], env
            )
            if code != 0:
                raise SystemExit(f"the demo run exited {code}")
            demo.append(wall)
            peak = max(peak, rss)
        bare.append(timed_process(BARE_IMPORTS, base_env)[0])
    return demo, bare, peak


def latency_runs(
    pivot: str, latency: float, runs: int, answers: Path, base_env: dict[str, str], floor: float
) -> tuple[str, int]:
    plan = build_plan(
        parse_answers(
            {
                "tenant": {"name": "contoso"},
                "asignio": {"client_id": "00001111-aaaa-2222-bbbb-3333cccc4444"},
                "setup": {"pivot": pivot, "mfa": "phone"},
            }
        )
    )
    walls, bounds, peak = [], [], 0
    reads = writes = rerun_writes = 0
    for _ in range(runs):
        tenant = SimulatedTenant.seeded("contoso", base=demo_chain("contoso.onmicrosoft.com"))
        with SimulatorServer(tenant, latency=latency) as server, tempfile.TemporaryDirectory() as state:
            env = {
                **base_env,
                "XDG_STATE_HOME": state,
                "ASIGNIO_SETUP_GRAPH_URL": server.graph_root,
                "ASIGNIO_SETUP_ACCESS_TOKEN": server.access_token,
                "ASIGNIO_CLIENT_SECRET": SECRET,
            }
            command = [sys.executable, "-m", "wizard", "--non-interactive", str(answers)]
            wall, code, rss = timed_process(command, env)
            if code != EXPECTED_EXIT[pivot]:
                raise SystemExit(f"the {pivot} run exited {code}")
            rounds = critical_path_rounds(plan, server.log)
            walls.append(wall)
            bounds.append(rounds * latency + floor)
            peak = max(peak, rss)
            reads, writes = server.reads, server.writes
            server.reset_log()
            timed_process(command + CONFIRMATIONS[pivot], env)
            server.reset_log()
            timed_process(command, env)
            rerun_writes = max(rerun_writes, server.writes)
    wall, bound = statistics.median(walls), statistics.median(bounds)
    line = (
        f"{pivot:>13} at {latency * 1000:.0f} ms/request: wall {wall:.2f} s | {reads} reads + {writes} writes | "
        f"critical path {round((bound - floor) / latency)} rounds + import floor = {bound:.2f} s | "
        f"ratio {wall / bound:.2f} (aim <= 1.3) | re-run writes {rerun_writes}"
    )
    return line, peak


def empty_tenant_runs(latency: float, runs: int, folder: Path, base_env: dict[str, str], floor: float) -> str:
    """The custom-policy run from a tenant with nothing in it, prerequisites included."""
    if not STARTER_PACK.is_dir():
        return f"   empty tenant: skipped (no starter pack at {STARTER_PACK})"
    answers = folder / "empty-tenant.toml"
    answers.write_text(
        answers_toml("custom-policy") + f'[custom_policy]\nstarter_pack_source = "{STARTER_PACK}"\n', encoding="utf-8"
    )
    walls, rounds = [], []
    reads = writes = rerun_writes = 0
    for _ in range(runs):
        with (
            SimulatorServer(SimulatedTenant.empty("contoso"), latency=latency) as server,
            tempfile.TemporaryDirectory() as state,
        ):
            env = {
                **base_env,
                "XDG_STATE_HOME": state,
                "ASIGNIO_SETUP_GRAPH_URL": server.graph_root,
                "ASIGNIO_SETUP_ACCESS_TOKEN": server.access_token,
            }
            command = [sys.executable, "-m", "wizard", "--non-interactive", str(answers)]
            wall, code, _ = timed_process(command, env)
            if code != 0:
                raise SystemExit(f"the empty-tenant run exited {code}")
            walls.append(wall)
            rounds.append(sequential_rounds(server.log))
            reads, writes = server.reads, server.writes
            server.reset_log()
            timed_process(command, env)
            rerun_writes = max(rerun_writes, server.writes)
    wall, taken = statistics.median(walls), round(statistics.median(rounds))
    return (
        f"   empty tenant at {latency * 1000:.0f} ms/request: wall {wall:.2f} s | {reads + writes} requests "
        f"({reads} reads + {writes} writes) | {taken} request rounds + import floor = {taken * latency + floor:.2f} s "
        f"| re-run writes {rerun_writes}"
    )


def installed_megabytes(distribution: str) -> tuple[float, float]:
    """What `pip install .` puts in site-packages for `distribution`: the files of it and of every distribution it
    needs (extras left out, so the test and lint tools in this venv are not counted), and, for comparison, the
    whole site-packages of this venv."""
    from importlib import metadata

    from packaging.requirements import Requirement

    needed, queue = set(), [distribution]
    while queue:
        name = queue.pop()
        key = name.lower().replace("_", "-")
        if key in needed:
            continue
        needed.add(key)
        for text in metadata.requires(name) or ():
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                queue.append(requirement.name)
    runtime = 0
    for key in needed:
        files = metadata.distribution(key).files or ()
        runtime += sum(Path(str(file.locate())).stat().st_size for file in files if Path(str(file.locate())).is_file())
    root = Path(sysconfig.get_paths()["purelib"])
    everything = sum(path.stat().st_size for path in root.rglob("*") if path.is_file())
    return runtime / 1e6, everything / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.1, help="seconds added to every request")
    parser.add_argument("--runs", type=int, default=3, help="runs of each measurement (medians are printed)")
    options = parser.parse_args()
    base_env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "ASIGNIO_CLIENT_SECRET": SECRET,
    }
    with tempfile.TemporaryDirectory() as folder:
        answers = {pivot: Path(folder) / f"{pivot}.toml" for pivot in ("custom-policy", "user-flow")}
        for pivot, path in answers.items():
            path.write_text(answers_toml(pivot), encoding="utf-8")
        demo, bare, demo_peak = demo_runs(options.runs, answers["custom-policy"], base_env)
        floor = statistics.median(bare)
        print(
            f"demo custom-policy + phone MFA, whole process: {statistics.median(demo):.2f} s | "
            f"bare `import httpx, lxml.etree, pydantic`: {floor:.2f} s | "
            f"ratio {statistics.median(demo) / floor:.2f} (aim <= 4)"
        )
        peaks = [demo_peak]
        for pivot, path in answers.items():
            line, peak = latency_runs(pivot, options.latency, options.runs, path, base_env, floor)
            print(line)
            peaks.append(peak)
        print(empty_tenant_runs(options.latency, options.runs, Path(folder), base_env, floor))
    print(
        f"peak RSS of the tool's process: demo (the simulator in the same process) {peaks[0] / 1024:.0f} MB, "
        f"against Graph {max(peaks[1:]) / 1024:.0f} MB (aim <= 60 MB)"
    )
    runtime, everything = installed_megabytes("asignio-setup")
    print(
        f"installed size: asignio-setup and what it needs {runtime:.0f} MB (aim <= 150 MB); this venv's "
        f"site-packages with the test and lint tools {everything:.0f} MB"
    )


if __name__ == "__main__":
    main()
