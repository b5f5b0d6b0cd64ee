"""`--log-file` and `--debug`: what support needs (each Graph call with its request-id), and never a secret or a token."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tests.test_headless_run import (  # noqa: F401 - the simulator and answers fixtures
    SECRET,
    answers_dir,
    run,
    simulator,
    write_answers,
)
from wizard.cli import main
from wizard.simulator import SimulatorServer


def test_the_log_of_a_full_run_has_each_graph_call_and_neither_secret_nor_token(
    simulator: SimulatorServer,  # noqa: F811
    answers_dir: Path,  # noqa: F811
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
    simulator: SimulatorServer,  # noqa: F811
    answers_dir: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    log_file = tmp_path / "setup.log"
    assert run(write_answers(answers_dir, "custom-policy"), "--log-file", str(log_file)) == 0
    text = log_file.read_text(encoding="utf-8")
    assert "wizard.runner" in text
    assert "wizard.graph.transport" not in text


def test_an_existing_open_log_file_is_made_private_and_a_link_is_refused(
    simulator: SimulatorServer,  # noqa: F811
    answers_dir: Path,  # noqa: F811
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
    assert f"{link}: cannot be written" in capsys.readouterr().err
    assert not (tmp_path / "elsewhere.log").exists()
    assert simulator.writes == writes


def test_debug_in_the_wizard_needs_a_log_file(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--debug"])
    assert stopped.value.code == 2
    assert "--debug in the wizard needs --log-file FILE" in capsys.readouterr().err
