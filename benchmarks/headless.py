"""A full headless setup as a user runs it: whole processes, exec to exit, imports included, nothing warmed.

The tool runs installed as a user installs it (`pip install .`: a built wheel in its own virtual environment, the
dependencies at constraints.txt's versions), never from the editable checkout, from a folder outside the checkout,
with the pinned XSD already in its cache (as after a first run) and, on Linux, no session bus (as on a CI runner, so
the developer's Secret Service is never touched; elsewhere the keyring is keyring's "no keyring" backend).

Prints, as medians of a few runs:
- the demo (`asignio-setup --demo --non-interactive`, custom policy + phone MFA), as users run it (ending with the
  sign-in probes) and with `--no-verify`, against
  `python -c "import httpx, lxml.etree, pydantic"` in the same environment, each demo run followed by a bare one so
  both meet the same load: the median of those pairs' ratios (aim <= 4x) with their range, and the demo's peak RSS
  (aim <= 60 MiB), beside the machine's load average;
- with 100 ms injected per request (a simulator in this process, the tool a child process, `--no-verify`: the probes
  are no Graph requests), each path's wall time against the critical path (the longest chain of request rounds that
  must wait for one another, times the latency) plus that bare-import floor, and the ratio (aim <= 1.3x); reads,
  writes, and the writes of a re-run after the run has finished (must be 0); the user-flow run is the one that ends
  waiting for its portal steps (exit 7);
- the custom-policy run from an empty B2C tenant (key sets, IEF apps, the pinned starter pack from ../shared/b2c,
  then the Asignio steps) at the same latency: wall time, reads and writes, the request rounds the run took (requests
  that overlap in time count once), and the writes of a re-run (must be 0);
- the peak RSS of the tool's process (aim <= 60 MiB) and the installed size of the environment (aim <= 150 MB).

    .venv/bin/python benchmarks/headless.py [--latency 0.1] [--runs 3] [--demo-runs 9] [--installed DIR]

Building the environment takes a minute; `--installed DIR` keeps it in DIR for the next run (the project itself is
installed again each time, so the figures are always the checkout's current code).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wizard.answers import parse_answers  # noqa: E402
from wizard.policies import demo_chain  # noqa: E402
from wizard.simulator import RequestRecord, SimulatedTenant, SimulatorServer  # noqa: E402
from wizard.starter_pack_files import ARCHIVE_URL_VARIABLE, cache_folder  # noqa: E402
from wizard.starter_pack_pins import XSD_PATH  # noqa: E402
from wizard.steps import Plan, build_plan  # noqa: E402

SHARED_B2C = ROOT.parent / "shared" / "b2c"
STARTER_PACK = SHARED_B2C / "starterpack"
"""Microsoft's starter packs beside the checkout (test material, never copied into the project)."""
SHARED_XSD = SHARED_B2C / "xsd" / XSD_PATH
BARE_IMPORTS = "import httpx, lxml.etree, pydantic"
DEMO_VARIANTS = (((), "ending with the sign-in probes (as users run it)"), (("--no-verify",), "with --no-verify"))
"""The demo as users run it, and without the probes (the measure the aim was set on, before the setup ended with
them): the probes are HTTP requests to the simulator's sign-in host and Asignio, which no Graph latency run has."""
NOT_SHIPPED = (".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "tests", "benchmarks")
"""What the copy of the checkout that pip builds from leaves out (pip builds in the source folder)."""
REFUSED_URL = "http://127.0.0.1:9/starterpack.zip"
"""Port 9 (discard) on loopback refuses: a tool process never downloads the starter pack."""
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


@dataclass(frozen=True)
class Installed:
    """The project as `pip install .` leaves it, in its own virtual environment (POSIX: os.wait4 measures the
    processes); they run in `workdir`."""

    root: Path
    workdir: Path

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    @property
    def tool(self) -> list[str]:
        return [str(self.root / "bin" / "asignio-setup")]

    @property
    def bare_imports(self) -> list[str]:
        return [str(self.python), "-c", BARE_IMPORTS]


def install(folder: Path, workdir: Path) -> Installed:
    """A virtual environment in `folder` (made, with the dependencies at constraints.txt's versions, when missing)
    with the checkout's current code installed from a built wheel, as a user installs it."""
    installed = Installed(folder, workdir)
    fresh = not installed.python.exists()
    if fresh:
        _quietly([sys.executable, "-m", "venv", str(folder)])
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "asignio-setup"
        shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SHIPPED))
        options = ["-c", str(ROOT / "constraints.txt")] if fresh else ["--no-deps", "--force-reinstall"]
        _quietly([str(installed.python), "-m", "pip", "install", "--quiet", *options, str(source)])
    return installed


def _quietly(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr[-2000:]}")


def tool_environment(folder: Path) -> dict[str, str]:
    """What every process of the tool gets: this environment without the checkout on its path, its own config and
    cache (the pinned XSD there, as after a first run), no starter-pack download, and a keyring that is never the
    developer's: on Linux the platform's own choice without a session bus (as on a CI runner), elsewhere keyring's
    "no keyring" backend."""
    left_out = ("PYTHONPATH", "PYTHON_KEYRING_BACKEND", "VIRTUAL_ENV", "DBUS_SESSION_BUS_ADDRESS")
    env = {name: value for name, value in os.environ.items() if name not in left_out}
    env |= {
        "XDG_CONFIG_HOME": str(folder / "config"),
        "XDG_CACHE_HOME": str(folder / "cache"),
        ARCHIVE_URL_VARIABLE: REFUSED_URL,
        "ASIGNIO_CLIENT_SECRET": SECRET,
    }
    if sys.platform != "linux":
        env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    if SHARED_XSD.is_file():
        with mock.patch.dict(os.environ, {"XDG_CACHE_HOME": env["XDG_CACHE_HOME"]}):
            cached = cache_folder() / XSD_PATH
        cached.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SHARED_XSD, cached)
    return env


def timed_process(command: Sequence[str], env: dict[str, str], cwd: Path) -> tuple[float, int, int]:
    """Wall seconds from exec to exit, the exit code, and the child's peak RSS in KiB (from wait4's rusage)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    peak = usage.ru_maxrss // 1024 if sys.platform == "darwin" else usage.ru_maxrss
    return wall, process.returncode, peak


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


def demo_runs(
    runs: int, answers: Path, base_env: dict[str, str], installed: Installed, *flags: str
) -> tuple[list[float], list[float], int]:
    """The demo (with `flags`) and the bare imports, alternated so both meet the same machine load."""
    demo, bare, peak = [], [], 0
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as state:
            env = {**base_env, "XDG_STATE_HOME": state}
            command = [*installed.tool, "--demo", *flags, "--non-interactive", str(answers)]
            wall, code, rss = timed_process(command, env, installed.workdir)
            if code != 0:
                raise SystemExit(f"the demo run exited {code}")
            demo.append(wall)
            peak = max(peak, rss)
        bare.append(timed_process(installed.bare_imports, base_env, installed.workdir)[0])
    return demo, bare, peak


def latency_runs(
    pivot: str, latency: float, runs: int, answers: Path, base_env: dict[str, str], floor: float, installed: Installed
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
            command = [*installed.tool, "--no-verify", "--non-interactive", str(answers)]
            wall, code, rss = timed_process(command, env, installed.workdir)
            if code != EXPECTED_EXIT[pivot]:
                raise SystemExit(f"the {pivot} run exited {code}")
            rounds = critical_path_rounds(plan, server.log)
            walls.append(wall)
            bounds.append(rounds * latency + floor)
            peak = max(peak, rss)
            reads, writes = server.reads, server.writes
            server.reset_log()
            timed_process(command + CONFIRMATIONS[pivot], env, installed.workdir)
            server.reset_log()
            timed_process(command, env, installed.workdir)
            rerun_writes = max(rerun_writes, server.writes)
    wall, bound = statistics.median(walls), statistics.median(bounds)
    line = (
        f"{pivot:>13} at {latency * 1000:.0f} ms/request: wall {wall:.2f} s | {reads} reads + {writes} writes | "
        f"critical path {round((bound - floor) / latency)} rounds + import floor = {bound:.2f} s | "
        f"ratio {wall / bound:.2f} (aim <= 1.3) | re-run writes {rerun_writes}"
    )
    return line, peak


def empty_tenant_runs(
    latency: float, runs: int, folder: Path, base_env: dict[str, str], floor: float, installed: Installed
) -> str:
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
            command = [*installed.tool, "--no-verify", "--non-interactive", str(answers)]
            wall, code, _ = timed_process(command, env, installed.workdir)
            if code != 0:
                raise SystemExit(f"the empty-tenant run exited {code}")
            walls.append(wall)
            rounds.append(sequential_rounds(server.log))
            reads, writes = server.reads, server.writes
            server.reset_log()
            timed_process(command, env, installed.workdir)
            rerun_writes = max(rerun_writes, server.writes)
    wall, taken = statistics.median(walls), round(statistics.median(rounds))
    return (
        f"   empty tenant at {latency * 1000:.0f} ms/request: wall {wall:.2f} s | {reads + writes} requests "
        f"({reads} reads + {writes} writes) | {taken} request rounds + import floor = {taken * latency + floor:.2f} s "
        f"| re-run writes {rerun_writes}"
    )


def installed_megabytes(installed: Installed) -> tuple[float, float]:
    """What `pip install .` put in the installed environment's site-packages (the files of every distribution there
    but pip and setuptools, which come with any virtual environment), and, for comparison, the whole site-packages of
    this venv with the test and lint tools."""
    from importlib import metadata

    where = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    purelib = subprocess.run([str(installed.python), "-c", where], capture_output=True, text=True, check=True)
    runtime = 0
    for distribution in metadata.distributions(path=[purelib.stdout.strip()]):
        if distribution.metadata["Name"].lower() in ("pip", "setuptools"):
            continue
        files = [Path(str(file.locate())) for file in distribution.files or ()]
        runtime += sum(file.stat().st_size for file in files if file.is_file())
    root = Path(sysconfig.get_paths()["purelib"])
    everything = sum(path.stat().st_size for path in root.rglob("*") if path.is_file())
    return runtime / 1e6, everything / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.1, help="seconds added to every request")
    parser.add_argument("--runs", type=int, default=3, help="runs of each measurement (medians are printed)")
    parser.add_argument("--demo-runs", type=int, default=9, help="pairs of demo and bare runs (a second each)")
    parser.add_argument(
        "--installed", type=Path, metavar="DIR", help="keep the installed environment in DIR (made when missing)"
    )
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        installed = install(options.installed or folder / "venv", folder)
        base_env = tool_environment(folder)
        answers = {pivot: folder / f"{pivot}.toml" for pivot in ("custom-policy", "user-flow")}
        for pivot, path in answers.items():
            path.write_text(answers_toml(pivot), encoding="utf-8")
        load_before = os.getloadavg()[0]
        floors = []
        for flags, said in DEMO_VARIANTS:
            demo, bare, demo_peak = demo_runs(options.demo_runs, answers["custom-policy"], base_env, installed, *flags)
            floors.extend(bare)
            ratios = [one / other for one, other in zip(demo, bare, strict=True)]
            print(
                f"demo custom-policy + phone MFA {said}, whole process: {statistics.median(demo):.2f} s | "
                f"bare `{BARE_IMPORTS}`: {statistics.median(bare):.2f} s | ratio {statistics.median(ratios):.2f} "
                f"(aim <= 4; {min(ratios):.2f} to {max(ratios):.2f} over {len(ratios)} pairs) | "
                f"peak RSS {demo_peak / 1024:.1f} MiB (aim <= 60 MiB)"
            )
        floor = statistics.median(floors)
        print(
            f"installed (pip install ., not editable) in {installed.root}; load average {load_before:.2f} "
            f"before the demo runs, {os.getloadavg()[0]:.2f} after ({os.cpu_count()} CPUs)"
        )
        peaks = []
        for pivot, path in answers.items():
            line, peak = latency_runs(pivot, options.latency, options.runs, path, base_env, floor, installed)
            print(line)
            peaks.append(peak)
        print(empty_tenant_runs(options.latency, options.runs, folder, base_env, floor, installed))
        print(f"peak RSS of the tool's process against Graph: {max(peaks) / 1024:.1f} MiB (aim <= 60 MiB)")
        runtime, everything = installed_megabytes(installed)
    print(
        f"installed size: asignio-setup and what it needs {runtime:.0f} MB (aim <= 150 MB); this venv's "
        f"site-packages with the test and lint tools {everything:.0f} MB"
    )


if __name__ == "__main__":
    main()
