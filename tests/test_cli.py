"""The command line: argparse owns the grammar; global options go anywhere on the line, and a flag given where it
means nothing is refused (exit 2), never ignored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.headless import GUIDED_STEPS, write_answers
from wizard.cli import main
from wizard.errors import ExitCode
from wizard.simulator import SimulatorServer

ANSWERS = (
    '[tenant]\nname = "contoso"\n[asignio]\nclient_id = "00001111-aaaa-2222-bbbb-3333cccc4444"\n'
    '[setup]\npivot = "custom-policy"\n'
)


@pytest.fixture
def answers(tmp_path: Path) -> Path:
    path = tmp_path / "answers.toml"
    path.write_text(ANSWERS, encoding="utf-8")
    return path


def refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == ExitCode.BAD_INPUT
    return capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--demo-state", "{tmp}/demo.json"], "--demo-state belongs to --demo (the simulated tenant)"),
        (
            ["--demo-state", "{tmp}/demo.json", "--non-interactive", "{answers}"],
            "--demo-state belongs to --demo (the simulated tenant)",
        ),
        (["run", "{answers}", "--demo-state", "{tmp}/demo.json"], "--demo-state belongs to --demo"),
        (["--demo-platform", "external-id"], "--demo-platform belongs to --demo (the simulated tenant)"),
        (
            ["--demo-platform", "b2c", "--non-interactive", "{answers}"],
            "--demo-platform belongs to --demo (the simulated tenant)",
        ),
        (
            ["--demo-platform", "b2c", "plan", "{answers}"],
            "--demo-platform means nothing for the plan command; it is for the wizard and run (--non-interactive)",
        ),
        (["plan", "{answers}", "--demo"], "--demo means nothing for the plan command"),
        (["--confirm", "user-flow-mfa"], "--confirm means nothing for the wizard; it is for run (--non-interactive)"),
        (["--demo", "--rotate-secret"], "--rotate-secret means nothing for the wizard; it is for run"),
        (["--demo", "validate", "{tmp}"], "--demo means nothing for the validate command; it is for the wizard and"),
        (["validate", "{tmp}", "--confirm", "user-flow-mfa"], "--confirm means nothing for the validate command"),
        (["remove", "{answers}", "--rotate-secret"], "--rotate-secret means nothing for the remove command"),
        (["--json"], "--json means nothing for the wizard; it is for run (--non-interactive), plan, remove and verify"),
        (["--demo", "run", "{answers}", "{answers}"], "--demo runs one simulated tenant: give it one answers file"),
    ],
)
def test_a_flag_outside_its_mode_is_refused_saying_where_it_belongs(
    tmp_path: Path, answers: Path, capsys: pytest.CaptureFixture[str], argv: list[str], said: str
) -> None:
    argv = [part.format(tmp=tmp_path, answers=answers) for part in argv]
    assert said in refused(argv, capsys)
    assert not (tmp_path / "demo.json").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["plan", "--json", "{answers}"],
        ["plan", "{answers}", "--debug"],
        ["--json", "plan", "{answers}", "--log-file", "{tmp}/plan.log"],
        ["--non-interactive", "--rotate-secret", "{answers}", "--no-verify"],
        ["--no-verify", "--non-interactive", "{answers}", "--json"],
        ["run", "{answers}", "--json", "--debug", "--no-verify"],
        ["--log-file", "{tmp}/run.log", "run", "--rotate-secret", "{answers}", "--no-verify"],
    ],
)
def test_global_options_go_before_or_after_the_command_and_its_files(
    simulator: SimulatorServer,
    answers_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
) -> None:
    answers = write_answers(answers_dir, "custom-policy")
    argv = [part.format(tmp=tmp_path, answers=answers) for part in argv]
    code = main(argv)
    assert code == (ExitCode.CHANGES_PENDING if "plan" in argv else ExitCode.OK)
    out = capsys.readouterr().out
    if "--json" in argv:
        assert json.loads(out.splitlines()[-1])["event"] == "summary"
    if "--rotate-secret" in argv:
        assert simulator.tenant.key_sets["B2C_1A_AsignioSecret"]
    for log_file in tmp_path.glob("*.log"):
        assert "ended with exit code" in log_file.read_text(encoding="utf-8")


def test_confirmations_before_and_after_the_command_add_up(
    simulator: SimulatorServer,
    answers_dir: Path,
) -> None:
    """argparse replaces a list given before a subcommand with the one given after it; both count here."""
    answers = write_answers(answers_dir, "user-flow")
    first, second = GUIDED_STEPS[:2], GUIDED_STEPS[2:]
    assert main([*first, "run", str(answers), *second, "--no-verify"]) == ExitCode.OK
    simulator.reset_log()
    assert main([*second, "--no-verify", "--non-interactive", str(answers), *first]) == ExitCode.OK
    assert simulator.writes == 0


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"[1, 2]", json.dumps({"policies": []}).encode(), json.dumps({"colour": "blue"}).encode(), b"\xff"],
    ids=["not-json", "a-list", "policies-a-list", "unknown-key", "not-utf8"],
)
def test_a_demo_state_that_is_no_simulated_tenant_is_named_and_kept(
    tmp_path: Path,
    answers: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    content: bytes,
) -> None:
    monkeypatch.setenv("ASIGNIO_CLIENT_SECRET", "Asignio-Secret-q7Zr9xVw2")
    demo_state = tmp_path / "demo.json"
    demo_state.write_bytes(content)
    assert main(["--demo", "--demo-state", str(demo_state), "--non-interactive", str(answers)]) == ExitCode.BAD_INPUT
    err = capsys.readouterr().err
    assert f"error: {demo_state}: not a simulated tenant this tool saved" in err and "this is a bug" not in err
    assert demo_state.read_bytes() == content


def test_version_is_the_installed_package_metadata(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version

    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"asignio-setup {version('asignio-setup')}"
