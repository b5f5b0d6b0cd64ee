"""`--log-file` and `--debug`: what support needs (each Graph call with its request-id), and never a secret or a token."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.headless import SECRET, run, write_answers
from tests.support.paths import PROJECT_ROOT
from wizard.cli import main
from wizard.errors import ExitCode
from wizard.simulator import SimulatorServer


def test_the_log_of_a_full_run_has_each_graph_call_and_neither_secret_nor_token(
    simulator: SimulatorServer,
    answers_dir: Path,
    tmp_path: Path,
) -> None:
    log_file = tmp_path / "setup.log"
    assert run(write_answers(answers_dir, "custom-policy"), "--log-file", str(log_file), "--debug") == 0

    text = log_file.read_text(encoding="utf-8")
    assert stat.S_IMODE(log_file.stat().st_mode) == 0o600
    calls = [line for line in text.splitlines() if "wizard.graph.transport" in line]
    assert len(calls) == len(simulator.log)
    assert any(" PUT " in line and "request-id" in line for line in calls)
    assert "policy-key: done" in text
    assert SECRET not in text
    assert simulator.access_token not in text


def test_without_debug_the_log_has_the_steps_but_not_each_call(
    simulator: SimulatorServer,
    answers_dir: Path,
    tmp_path: Path,
) -> None:
    log_file = tmp_path / "setup.log"
    assert run(write_answers(answers_dir, "custom-policy"), "--log-file", str(log_file)) == 0
    text = log_file.read_text(encoding="utf-8")
    assert "wizard.runner" in text
    assert "wizard.graph.transport" not in text


def test_an_existing_open_log_file_is_made_private_and_a_link_is_refused(
    simulator: SimulatorServer,
    answers_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    answers = write_answers(answers_dir, "custom-policy")
    existing = tmp_path / "open.log"
    existing.write_text("earlier\n", encoding="utf-8")
    existing.chmod(0o644)
    assert run(answers, "--log-file", str(existing)) == 0
    assert stat.S_IMODE(existing.stat().st_mode) == 0o600
    assert existing.read_text(encoding="utf-8").startswith("earlier\n")

    link = tmp_path / "link.log"
    link.symlink_to(tmp_path / "elsewhere.log")
    writes = simulator.writes
    assert run(answers, "--log-file", str(link)) == 2
    assert f"{link}: is a symbolic link, and a log is never written through one" in capsys.readouterr().err
    assert not (tmp_path / "elsewhere.log").exists()
    assert simulator.writes == writes


def test_debug_in_the_wizard_needs_a_log_file(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--debug"])
    assert stopped.value.code == 2
    assert "--debug in the wizard needs --log-file FILE" in capsys.readouterr().err


def the_tool(*argv: str) -> list[str]:
    return [sys.executable, "-m", "wizard", *argv]


def run_the_tool(command: list[str]) -> subprocess.CompletedProcess[str]:
    """The tool in a process of its own (a deadline: a hang fails the test instead of stopping the suite)."""
    return subprocess.run(
        command,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


WITH_A_FILE_SIZE_LIMIT = (
    "import resource, runpy, sys; size = int(sys.argv.pop(1)); "
    "resource.setrlimit(resource.RLIMIT_FSIZE, (size, size)); runpy.run_module('wizard', run_name='__main__')"
)
"""`python -c` this, the limit in bytes and the tool's arguments: the tool, no file of it growing past the limit."""


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_log_file_that_is_no_regular_file_is_refused_without_waiting(
    simulator: SimulatorServer,
    answers_dir: Path,
    tmp_path: Path,
    kind: str,
) -> None:
    """A FIFO nobody reads used to block the run for ever at the open."""
    target = tmp_path / "log.fifo" if kind == "fifo" else Path(os.devnull)
    if kind == "fifo":
        os.mkfifo(target)
    answers = write_answers(answers_dir, "custom-policy")
    done = run_the_tool(the_tool("run", str(answers), "--json", "--no-verify", "--log-file", str(target)))
    assert done.returncode == ExitCode.BAD_INPUT, done.stderr
    said = "a FIFO (named pipe)" if kind == "fifo" else "a device"
    assert f"{target}: is {said}, not a regular file" in done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == {"event": "summary", "run_now_url": None, "exit_code": 2}
    assert simulator.log == []


def full_filesystem(folder: Path) -> list[str]:
    """The start of a command line that runs the rest where `folder` is a 64 KiB filesystem filled to the brim: a
    tmpfs in a mount namespace of its own (as root, or as a user where user namespaces are allowed)."""
    fill = 'mount -t tmpfs -o size=64k tmpfs "$1" && (head -c 1048576 /dev/zero > "$1/filler" || true) && shift'
    return ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", f'{fill} && exec "$@"', "sh", str(folder)]


def can_mount_a_tiny_filesystem(folder: Path) -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run([*full_filesystem(folder), "true"], capture_output=True, check=False)
    return probe.returncode == 0


@pytest.mark.parametrize("how", ["a full tmpfs", "a file size limit"])
def test_a_log_that_cannot_be_written_stops_once_with_a_sentence_and_the_run_goes_on(
    simulator: SimulatorServer,
    answers_dir: Path,
    tmp_path: Path,
    how: str,
) -> None:
    """The disk fills up under the log: one warning, no `--- Logging error ---` tracebacks, and the setup ends as
    it would have. Where mounts are not allowed, the kernel's file size limit (RLIMIT_FSIZE, with the log already
    at it) makes the log's writes fail the same way, at the file layer."""
    answers = write_answers(answers_dir, "custom-policy")
    folder = tmp_path / "disk"
    folder.mkdir()
    log_file = folder / "setup.log"
    argv = ["run", str(answers), "--json", "--no-verify", "--debug", "--log-file", str(log_file)]
    if how == "a full tmpfs":
        if not can_mount_a_tiny_filesystem(folder):
            pytest.skip("this machine allows no tmpfs mount in a user namespace; the file size limit case runs")
        command = full_filesystem(folder) + the_tool(*argv)
    else:
        size = 256 * 1024
        log_file.write_bytes(b"earlier\n" * (size // 8))
        command = [sys.executable, "-c", WITH_A_FILE_SIZE_LIMIT, str(size), *argv]
    done = run_the_tool(command)
    assert done.returncode == ExitCode.OK, done.stderr
    warnings = [line for line in done.stderr.splitlines() if "logging stopped" in line]
    assert len(warnings) == 1, done.stderr
    assert warnings[0].startswith(f"warning: the log {log_file}: cannot be written")
    assert "Logging error" not in done.stderr and "Traceback" not in done.stderr
    assert json.loads(done.stdout.splitlines()[-1])["exit_code"] == ExitCode.OK
    assert simulator.tenant.policies.get("B2C_1A_AsignioSUSI")
