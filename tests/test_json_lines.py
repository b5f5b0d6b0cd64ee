"""`--json`: one JSON object per line on stdout for every event, the last a summary; human text on stderr."""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.crashes import interruptible
from tests.support.faults import faults_of
from tests.support.headless import run, write_answers
from tests.support.paths import PROJECT_ROOT
from wizard.cli import main
from wizard.errors import ExitCode
from wizard.simulator import SimulatorServer


def json_lines(capsys: pytest.CaptureFixture[str]) -> tuple[list[dict[str, Any]], str]:
    captured = capsys.readouterr()
    return [json.loads(line) for line in captured.out.splitlines()], captured.err


def test_a_setup_prints_every_event_as_json_and_a_summary_with_the_run_now_url(
    simulator: SimulatorServer,
    answers_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--json", "--no-verify", "--non-interactive", str(write_answers(answers_dir, "custom-policy"))]) == 0
    lines, human = json_lines(capsys)
    kinds = [line["event"] for line in lines]
    assert {"step_started", "step_progress", "step_done"} <= set(kinds)
    assert kinds[-1] == "summary" and kinds.count("summary") == 1
    assert lines[-1]["exit_code"] == 0 and lines[-1]["waiting"] == []
    assert lines[-1]["run_now_url"].startswith("https://contoso.b2clogin.com/contoso.onmicrosoft.com/oauth2/")
    started = next(line for line in lines if line["event"] == "step_started")
    assert set(started) == {"event", "step", "title", "index", "total"}
    assert "Run now: " in human


def test_a_failed_step_line_carries_the_fix_and_the_exit_code(
    simulator: SimulatorServer,
    answers_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    faults_of(simulator).fail(5, status=400, writes_only=False)
    code = main(["--json", "--no-verify", "--non-interactive", str(write_answers(answers_dir, "custom-policy"))])
    assert code != ExitCode.OK
    lines, _ = json_lines(capsys)
    failed = [line for line in lines if line["event"] == "step_failed"]
    assert failed, [line["event"] for line in lines]
    assert failed[0]["step"] and failed[0]["message"] and failed[0]["fix"]
    assert failed[0]["exit_code"] == code
    assert lines[-1] == {"event": "summary", "run_now_url": None, "exit_code": code}


def test_an_error_before_any_step_is_one_failed_line(
    simulator: SimulatorServer,
    answers_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["--json", "--non-interactive", str(answers_dir / "missing.toml")])
    assert code == ExitCode.BAD_INPUT
    lines, _ = json_lines(capsys)
    assert [line["event"] for line in lines] == ["failed", "summary"]
    assert lines[0]["exit_code"] == code and lines[0]["message"] and lines[0]["fix"]
    assert lines[1]["exit_code"] == code
    assert simulator.reads + simulator.writes == 0


def test_plan_prints_each_step_and_a_summary_as_json(
    simulator: SimulatorServer,
    answers_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--json", "plan", str(write_answers(answers_dir, "custom-policy"))]) == ExitCode.CHANGES_PENDING
    lines, human = json_lines(capsys)
    assert [line["event"] for line in lines[:-1]] == ["step_planned"] * (len(lines) - 1)
    assert lines[-1]["event"] == "summary" and lines[-1]["exit_code"] == ExitCode.CHANGES_PENDING
    assert "relying-party" in lines[-1]["changes_pending"]
    assert "Changes pending in" in human
    assert simulator.writes == 0


def test_json_outside_the_setup_and_plan_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--json", "validate", str(tmp_path)])
    assert exited.value.code == ExitCode.BAD_INPUT
    captured = capsys.readouterr()
    assert (
        "--json means nothing for the validate command; it is for run (--non-interactive), plan, remove and verify"
        in (captured.err)
    )
    assert json_lines_of(captured.out)[-1] == {"event": "summary", "exit_code": ExitCode.BAD_INPUT}


def json_lines_of(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--json", "plan"], "the following arguments are required: ANSWERS.toml"),
        (["plan", "x.toml", "--json", "--colour"], "unrecognized arguments: --colour"),
        (["--json", "deploy", "x.toml"], "invalid choice: 'deploy'"),
        (["run", "x.toml", "--json", "--demo-platform", "azure"], "invalid choice: 'azure'"),
    ],
)
def test_a_command_line_argparse_refuses_still_ends_with_a_summary_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], said: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == ExitCode.BAD_INPUT
    captured = capsys.readouterr()
    assert said in captured.err and captured.err.startswith("usage: asignio-setup")
    failed, summary = json_lines_of(captured.out)
    assert failed["event"] == "failed" and said in failed["message"] and "--help" in failed["fix"]
    assert failed["exit_code"] == ExitCode.BAD_INPUT
    assert summary == {"event": "summary", "exit_code": ExitCode.BAD_INPUT}


def test_a_failed_remove_summary_lists_what_it_deleted_and_no_run_now_url(
    simulator: SimulatorServer,
    answers_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The relying party goes first; B2C then refuses the extensions without Asignio, which ends the remove."""
    answers = write_answers(answers_dir, "custom-policy")
    assert run(answers) == 0
    capsys.readouterr()
    faults_of(simulator).refuse_policy("B2C_1A_TrustFrameworkExtensions")
    code = main(["remove", str(answers), "--yes", "--json"])
    assert code not in (ExitCode.OK, ExitCode.UNEXPECTED)
    lines = json_lines_of(capsys.readouterr().out)
    assert [line["event"] for line in lines].count("summary") == 1
    summary = lines[-1]
    assert summary["event"] == "summary" and summary["exit_code"] == code
    assert "run_now_url" not in summary
    deleted = [line["summary"] for line in lines if line["event"] == "step_done" and line["step"] != "preflight"]
    assert summary["removed"] == deleted
    assert any("B2C_1A_AsignioSUSI deleted" in each for each in summary["removed"])
    assert "B2C_1A_AsignioSUSI" not in simulator.tenant.policies


def test_ctrl_c_in_the_middle_of_a_run_ends_with_one_summary_line(
    simulator: SimulatorServer,
    answers_dir: Path,
) -> None:
    """The process is held by the simulator after its second write, then gets SIGINT, as Ctrl-C sends it."""
    answers = write_answers(answers_dir, "custom-policy")
    faults_of(simulator).stall_after_writes(2)
    process = interruptible(
        [sys.executable, "-m", "wizard", "run", str(answers), "--json"], {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    )
    try:
        assert faults_of(simulator).wait_until_holding(1, timeout=120), "the run never made its second write"
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
        faults_of(simulator).release()
    assert process.returncode == ExitCode.INTERRUPTED, err
    lines = json_lines_of(out)
    assert [line["event"] for line in lines].count("summary") == 1
    assert lines[-2]["event"] == "failed" and lines[-2]["exit_code"] == ExitCode.INTERRUPTED
    assert lines[-1] == {"event": "summary", "run_now_url": None, "exit_code": ExitCode.INTERRUPTED}
    assert "error: interrupted (Ctrl-C)" in err and "Traceback" not in err
