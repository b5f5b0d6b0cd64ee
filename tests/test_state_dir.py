"""`--state-dir DIR` and ASIGNIO_SETUP_STATE_DIR: a state folder a pipeline keeps between runs, for every command
that reads or writes state (the setup, plan, remove, the wizard); the flag before the variable, the variable before
the platform's folder."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from textual.message import Message

from screens.app import AsignioSetupApp
from screens.messages import SavedRunsLoaded
from tests.support.headless import SECRET, EndsTheLagWhenWaitedFor, run, write_answers
from wizard.cli import main
from wizard.demo import DemoOptions
from wizard.errors import ExitCode
from wizard.simulator import SimulatorServer
from wizard.state import RunState, StateStore, state_dir
from wizard.state_files import STATE_DIR_VARIABLE, demo_state_dir


def platform_folder(isolated_environment: Path) -> Path:
    return isolated_environment / "xdg_state_home" / "asignio-setup"


def saved(folder: Path) -> RunState:
    return RunState.model_validate_json((folder / "contoso.json").read_bytes())


def test_the_setup_plan_and_remove_keep_their_state_in_the_folder_state_dir_names(
    simulator: SimulatorServer,
    answers_dir: Path,
    tmp_path: Path,
    isolated_environment: Path,
) -> None:
    folder = tmp_path / "pipeline" / "asignio-state"
    answers = write_answers(answers_dir, "custom-policy")
    assert main(["--state-dir", str(folder), "--no-verify", "--non-interactive", str(answers)]) == 0
    assert saved(folder).finished
    assert (folder / "contoso.lock").is_file()
    assert [path.name.split(".")[0] for path in (folder / "backups" / "contoso").iterdir()] == [
        "B2C_1A_TrustFrameworkExtensions"
    ]
    assert main(["--state-dir", str(folder), "plan", str(answers)]) == ExitCode.OK
    assert main(["--state-dir", str(folder), "remove", "--yes", str(answers)]) == 0
    assert saved(folder).removed_at is not None
    assert not platform_folder(isolated_environment).exists()
    assert STATE_DIR_VARIABLE not in os.environ, "the flag holds for its own command only"


def test_the_flag_goes_before_the_variable_and_the_variable_before_the_platform_folder(
    simulator: SimulatorServer,
    answers_dir: Path,
    tmp_path: Path,
    isolated_environment: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answers = write_answers(answers_dir, "custom-policy")
    monkeypatch.setenv(STATE_DIR_VARIABLE, "")
    assert state_dir() == platform_folder(isolated_environment), "an empty variable is no choice"
    from_variable, from_flag = tmp_path / "from-variable", tmp_path / "from-flag"
    monkeypatch.setenv(STATE_DIR_VARIABLE, str(from_variable))
    assert run(answers, "--state-dir", str(from_flag)) == 0
    assert saved(from_flag).finished
    assert not from_variable.exists()
    assert os.environ[STATE_DIR_VARIABLE] == str(from_variable)
    assert run(answers) == 0
    assert saved(from_variable).finished
    assert not platform_folder(isolated_environment).exists()


def test_a_plan_on_a_fresh_runner_waits_for_the_setup_it_knows_of_only_through_the_carried_folder(
    simulator: SimulatorServer,
    answers_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A pipeline's setup job, then a plan job on another runner: with the state folder restored there (the cache
    step of docs/pipelines.md), the plan knows what the setup made moments ago and waits for Graph to show it;
    without it, the plan can only report what Graph shows."""
    answers = write_answers(answers_dir, "custom-policy")
    setup_runner, plan_runner = tmp_path / "setup-runner", tmp_path / "plan-runner"
    assert (
        main(["--state-dir", str(setup_runner / "asignio-state"), "--no-verify", "--non-interactive", str(answers)])
        == 0
    )
    simulator.replication_lag = 600.0  # what the setup made is hidden until the plan waits for it
    simulator.reset_log()
    assert main(["plan", str(answers)]) == ExitCode.CHANGES_PENDING

    shutil.copytree(setup_runner / "asignio-state", plan_runner / "asignio-state")
    monkeypatch.setenv(STATE_DIR_VARIABLE, str(plan_runner / "asignio-state"))
    output = EndsTheLagWhenWaitedFor(simulator)
    monkeypatch.setattr(sys, "stdout", output)
    assert main(["plan", str(answers)]) == ExitCode.OK
    assert "(made moments ago)" in output.getvalue()
    assert simulator.writes == 0


@pytest.mark.parametrize(
    ("command", "refused"),
    [
        (["--state-dir", "", "plan", "answers.toml"], "argument --state-dir: give a folder, not an empty string"),
        (["--state-dir", "kept", "validate", "policies"], "--state-dir means nothing for the validate command"),
    ],
)
def test_a_state_dir_that_means_nothing_is_refused(
    command: list[str], refused: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(command)
    assert stopped.value.code == ExitCode.BAD_INPUT
    assert refused in capsys.readouterr().err


async def test_the_wizard_offers_to_resume_a_setup_kept_in_the_chosen_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support.runs import save_stopped_run

    folder = tmp_path / "asignio-state"
    monkeypatch.setenv(STATE_DIR_VARIABLE, str(folder))
    save_stopped_run()
    assert StateStore("contoso").path == folder / "contoso.json"
    messages: list[Message] = []
    app = AsignioSetupApp()
    async with app.run_test(message_hook=messages.append) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
    [loaded] = [message for message in messages if isinstance(message, SavedRunsLoaded)]
    assert [saved_run.tenant for saved_run in loaded.runs] == ["contoso"]


def test_a_demo_keeps_out_of_the_state_folder_whichever_way_it_is_named(
    answers_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A state folder holds real runs' progress, and a demo never writes there: `--state-dir` with `--demo` is
    refused before anything starts (the wizard's line as the run's), and with ASIGNIO_SETUP_STATE_DIR set a demo
    keeps its progress beside its --demo-state file, the variable's folder untouched."""
    answers = write_answers(answers_dir, "custom-policy")
    real = tmp_path / "real-state"
    for line in (
        ["--demo", "--state-dir", str(real), "run", str(answers)],
        ["--state-dir", str(real), "--demo-empty"],
    ):
        with pytest.raises(SystemExit) as stopped:
            main(line)
        assert stopped.value.code == ExitCode.BAD_INPUT
        assert "--state-dir names a folder of real runs' progress" in capsys.readouterr().err
    assert not real.exists()

    monkeypatch.setenv(STATE_DIR_VARIABLE, str(real))
    monkeypatch.setenv("ASIGNIO_CLIENT_SECRET", SECRET)
    demo_state = tmp_path / "demo.json"
    assert main(["--demo", "--demo-state", str(demo_state), "run", str(answers)]) == ExitCode.OK
    assert not real.exists()
    progress = StateStore("contoso", demo_state_dir(demo_state)).load()
    assert progress is not None and progress.finished
    assert AsignioSetupApp(demo=DemoOptions(state=demo_state)).state_folder == demo_state_dir(demo_state)
