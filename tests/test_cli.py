"""The command line: a flag given outside the mode it belongs to is refused (exit 2), never ignored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wizard.cli import main
from wizard.errors import ExitCode

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
        (["--demo-platform", "external-id"], "--demo-platform belongs to --demo (the simulated tenant)"),
        (
            ["--demo-platform", "b2c", "--non-interactive", "{answers}"],
            "--demo-platform belongs to --demo (the simulated tenant)",
        ),
        (["--demo-platform", "b2c", "plan", "{answers}"], "--demo-platform: for the setup run"),
        (["--confirm", "user-flow-mfa"], "--confirm belongs to --non-interactive ANSWERS.toml (the headless run)"),
        (["--demo", "--rotate-secret"], "--rotate-secret belongs to --non-interactive ANSWERS.toml"),
        (["--demo", "validate", "{tmp}"], "--demo: for the setup run (the wizard or --non-interactive) only, not for"),
        (
            ["--non-interactive", "{answers}", "--rotate-secret", "validate", "{tmp}"],
            "--non-interactive and --rotate-secret: for the setup run",
        ),
    ],
)
def test_a_flag_outside_its_mode_is_refused_saying_where_it_belongs(
    tmp_path: Path, answers: Path, capsys: pytest.CaptureFixture[str], argv: list[str], said: str
) -> None:
    argv = [part.format(tmp=tmp_path, answers=answers) for part in argv]
    assert said in refused(argv, capsys)
    assert not (tmp_path / "demo.json").exists()


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
