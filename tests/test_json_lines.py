"""`--json`: one JSON object per line on stdout for every event, the last a summary; human text on stderr."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.test_headless_run import answers_dir, simulator, write_answers  # noqa: F401 - fixtures
from wizard.cli import main
from wizard.errors import ExitCode
from wizard.simulator import SimulatorServer


def json_lines(capsys: pytest.CaptureFixture[str]) -> tuple[list[dict[str, Any]], str]:
    captured = capsys.readouterr()
    return [json.loads(line) for line in captured.out.splitlines()], captured.err


def test_a_setup_prints_every_event_as_json_and_a_summary_with_the_run_now_url(
    simulator: SimulatorServer,  # noqa: F811
    answers_dir: Path,  # noqa: F811
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
    simulator: SimulatorServer,  # noqa: F811
    answers_dir: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    simulator.fail(5, status=400, writes_only=False)
    code = main(["--json", "--no-verify", "--non-interactive", str(write_answers(answers_dir, "custom-policy"))])
    assert code != ExitCode.OK
    lines, _ = json_lines(capsys)
    failed = [line for line in lines if line["event"] == "step_failed"]
    assert failed, [line["event"] for line in lines]
    assert failed[0]["step"] and failed[0]["message"] and failed[0]["fix"]
    assert failed[0]["exit_code"] == code
    assert lines[-1] == {"event": "summary", "run_now_url": None, "exit_code": code}


def test_an_error_before_any_step_is_one_failed_line(
    simulator: SimulatorServer,  # noqa: F811
    answers_dir: Path,  # noqa: F811
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
    simulator: SimulatorServer,  # noqa: F811
    answers_dir: Path,  # noqa: F811
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
    assert "--json belongs to --non-interactive ANSWERS.toml, plan, remove or verify" in capsys.readouterr().err
