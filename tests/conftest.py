"""Fixtures shared by every test (isolated state dirs, environment and keyring; virtual time) and by several files (the
real Secret Service, Microsoft's packs, a simulator the pipeline environment points at, a finished setup and its
sign-in hosts); their helpers live in tests/support."""

from __future__ import annotations

import http.server
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import keyring
import keyring.backends.fail
import pytest

from tests.support.headless import AUTHRESP, CLIENT_ID, point_at, run
from tests.support.mounts import MOUNT_SCRIPT, RunOnMount
from tests.support.paths import NEEDS_PACKS, PROJECT_ROOT, STARTER_PACK, XSD_PATH
from tests.support.policies import repository_zip
from tests.support.servers import STOP_POLL_SECONDS
from tests.support.simulator import Start
from tests.support.tenants import seeded_tenant
from tests.support.virtual_clock import VirtualClock
from wizard import clock
from wizard.clock import ScaledClock
from wizard.outgoing import forget_secrets
from wizard.simulator import SimulatedTenant, SimulatorServer
from wizard.simulator.discovery import DiscoveryServer
from wizard.starter_pack_files import ARCHIVE_URL_VARIABLE
from wizard.verify import ASIGNIO_URL_ENV, LOGIN_URL_ENV

FAIL_BACKEND = "keyring.backends.fail.Keyring"
SECRET_SERVICE_BACKEND = "keyring.backends.SecretService.Keyring"
RAM_DISK = Path("/dev/shm")
RAM_DISK_ROOM = 2 * 1024**3
"""The free space the RAM disk needs before the tests put their temporary folders there."""
KILL_TIME_SCALE = 10.0
"""How many times faster than real time the clock runs in the kill -9 tests, in the killed process and in the test's
own (the simulator, the re-run): the killed process waits a tenth of its waits in real time. Work takes ten times as
long too, on that clock, so the scale stays low enough for a busy machine."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--only-needing-packs",
        action="store_true",
        help="run only the tests that read Microsoft's packs (tests/test_house.py runs them without the packs)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Temporary folders on a RAM disk where there is a roomy one (pytest's numbered folders, unless --basetemp names
    one, and the in-memory demo's state folder): the state file is written with an fsync after every step, which
    costs a disk a millisecond or two a write and tmpfs nothing. A container's /dev/shm is often 64 MB, too small for
    the wheel the packaging test builds: then the disk it is."""
    if RAM_DISK.is_dir() and os.access(RAM_DISK, os.W_OK) and shutil.disk_usage(RAM_DISK).free >= RAM_DISK_ROOM:
        tempfile.tempdir = str(RAM_DISK)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--only-needing-packs"):
        return
    needing = [item for item in items if set(NEEDS_PACKS) & set(getattr(item, "fixturenames", ()))]
    config.hook.pytest_deselected(items=[item for item in items if item not in needing])
    items[:] = needing


def _missing_dependency(reason: str) -> NoReturn:
    """Skip on a developer's machine; in CI (CI=true) a missing part must fail, never pass as skipped."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI installs it: see .ci/run)")
    pytest.skip(reason)


@pytest.fixture
def starter_pack() -> Path:
    """Microsoft's starter packs from ../shared/b2c (test material, never copied into the project)."""
    if not STARTER_PACK.is_dir():
        _missing_dependency(f"starter packs not found at {STARTER_PACK}")
    return STARTER_PACK


@pytest.fixture
def xsd_path() -> Path:
    if not XSD_PATH.is_file():
        _missing_dependency(f"the official XSD is not at {XSD_PATH}")
    return XSD_PATH


@pytest.fixture
def archive_server(starter_pack: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """A loopback server answering every GET with the repository zip; yields the paths it was asked for."""
    body = repository_zip(starter_pack)
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/zip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the test output is for failures."""

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": STOP_POLL_SECONDS}, daemon=True)
    thread.start()
    monkeypatch.setenv(ARCHIVE_URL_VARIABLE, f"http://127.0.0.1:{server.server_port}/archive.zip")
    yield requests
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own state/config dirs, no ASIGNIO_* variables, a keyring that refuses, and starts with no
    secret known to the scrubber (one test's secret is no other's)."""
    home = tmp_path / "home"
    for name in ("XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        folder = home / name.lower()
        folder.mkdir(parents=True)
        monkeypatch.setenv(name, str(folder))
    for name in list(os.environ):
        if name.startswith("ASIGNIO_"):
            monkeypatch.delenv(name)
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER"):
        monkeypatch.delenv(name, raising=False)  # no test opens a browser on the developer's desktop
    # Port 9 (discard) on loopback refuses: no test downloads the starter pack from the internet, and no sign-in
    # probe reaches a real b2clogin/ciamlogin host or Asignio (a test that verifies points them at its stand-ins).
    monkeypatch.setenv(ARCHIVE_URL_VARIABLE, "http://127.0.0.1:9/starterpack.zip")
    monkeypatch.setenv("ASIGNIO_SETUP_LOGIN_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("ASIGNIO_SETUP_ASIGNIO_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", FAIL_BACKEND)
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    forget_secrets()
    yield home
    keyring.set_keyring(previous)
    forget_secrets()


@pytest.fixture(autouse=True)
def virtual_clock() -> Iterator[VirtualClock]:
    """Every test runs on virtual time: the tool's waits (and the in-process simulator's replication lag) pass at
    once. A test that asserts on waits asks for this fixture and reads `waits`."""
    with clock.using(VirtualClock()) as virtual:
        yield virtual


@pytest.fixture
def kill_clock() -> Iterator[VirtualClock]:
    """The kill -9 tests' clock: KILL_TIME_SCALE times real time from the test's start, in the test's process and
    (tests/support/crashes.py killed_after_write gives it on) in the process it kills; once that process is dead,
    the test's own waits (the re-run's) are skipped as on the virtual clock."""
    with clock.using(VirtualClock(ScaledClock(KILL_TIME_SCALE, time.time()))) as scaled:
        yield scaled


@pytest.fixture(scope="session")
def _secret_service_bus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str | None]:
    """A private D-Bus session with an unlocked gnome-keyring: the real Secret Service, never the developer's."""
    if not (shutil.which("dbus-daemon") and shutil.which("gnome-keyring-daemon")):
        yield None
        return
    home = tmp_path_factory.mktemp("keyring-home")
    runtime = home / "run"
    runtime.mkdir(mode=0o700)
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"), "XDG_RUNTIME_DIR": str(runtime)}
    bus = subprocess.run(
        ["dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    address, pid = bus.stdout.split()[:2]
    env["DBUS_SESSION_BUS_ADDRESS"] = address
    subprocess.run(
        ["gnome-keyring-daemon", "--unlock", "--components=secrets", "--daemonize"],
        env=env,
        input="test-keyring-password",
        capture_output=True,
        text=True,
        check=True,
    )
    yield address
    os.kill(int(pid), signal.SIGTERM)
    subprocess.run(["pkill", "-f", f"gnome-keyring-daemon.*{runtime}"], check=False)


@pytest.fixture
def secret_service(_secret_service_bus: str | None, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Use the real OS keyring (Secret Service) for this test, in-process and in subprocesses."""
    if _secret_service_bus is None:
        _missing_dependency("gnome-keyring and dbus are not installed")
    from keyring.backends.SecretService import Keyring as SecretServiceKeyring

    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", _secret_service_bus)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", SECRET_SERVICE_BACKEND)
    backend = SecretServiceKeyring()
    keyring.set_keyring(backend)
    yield _secret_service_bus
    import secretstorage

    with secretstorage.dbus_init() as connection:
        for item in secretstorage.get_default_collection(connection).get_all_items():
            if item.get_attributes().get("service", "").startswith("asignio-setup"):
                item.delete()


@pytest.fixture
def on_own_mount() -> RunOnMount:
    """Run a command with a small fresh file system (tmpfs) mounted at a folder, read-only or full, in a private
    mount namespace: a real EROFS or ENOSPC, without root on the machine and without touching its mounts."""
    unshare = ["unshare", "--user", "--map-root-user", "--mount"]
    if not shutil.which("unshare") or subprocess.run([*unshare, "true"], capture_output=True).returncode != 0:
        _missing_dependency("unshare cannot make a private mount namespace here (util-linux, user namespaces)")

    def run(
        mount_at: Path,
        command: list[str],
        *,
        read_only: bool = False,
        full: bool = False,
        folders: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        mount_at.mkdir(parents=True, exist_ok=True)
        settings = {
            "MOUNT_AT": str(mount_at),
            "MAKE_FOLDERS": " ".join(folders),
            "FILL": str(int(full)),
            "READ_ONLY": str(int(read_only)),
        }
        return subprocess.run(
            [*unshare, "sh", "-c", MOUNT_SCRIPT, "sh", *command],
            env={**os.environ, **(env or {}), **settings},
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run


@pytest.fixture
def start_simulator() -> Iterator[Start]:
    """Start a simulator (over a freshly seeded tenant unless given one) with the given constructor arguments;
    every one started stops at teardown."""
    started: list[SimulatorServer] = []

    def run(tenant: SimulatedTenant | None = None, **knobs: Any) -> SimulatorServer:
        server = SimulatorServer(tenant or SimulatedTenant.seeded(), **knobs).start()
        started.append(server)
        return server

    yield run
    for server in started:
        server.stop()


@pytest.fixture
def simulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatorServer]:
    """A simulator over the seeded contoso tenant (the demo's base chain uploaded), which the pipeline's environment
    points at: what a headless run reaches."""
    with SimulatorServer(seeded_tenant()) as server:
        point_at(server, monkeypatch)
        yield server


@pytest.fixture
def answers_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "answers"
    folder.mkdir()
    return folder


@pytest.fixture
def finished_setup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[SimulatorServer, DiscoveryServer, Path]]:
    """A finished custom-policy setup (no probes of its own), its sign-in host and Asignio on loopback."""
    with DiscoveryServer() as asignio, SimulatorServer(seeded_tenant()) as hosts:
        asignio.register(CLIENT_ID, AUTHRESP)
        point_at(hosts, monkeypatch)
        monkeypatch.setenv(LOGIN_URL_ENV, hosts.login_root)
        monkeypatch.setenv(ASIGNIO_URL_ENV, asignio.issuer)
        answers = tmp_path / "custom-policy.toml"
        answers.write_text(
            f'[tenant]\nname = "contoso"\n[asignio]\nclient_id = "{CLIENT_ID}"\n[setup]\npivot = "custom-policy"\n',
            encoding="utf-8",
        )
        assert run(answers) == 0
        hosts.reset_log()
        yield hosts, asignio, answers
