"""docs/pipelines.md and action.yml: every asignio-setup command in them runs, as written, against the simulator."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT
from tests.test_headless_run import answers_dir, simulator, write_answers  # noqa: F401 - the fixtures
from wizard.cli import main
from wizard.errors import ExitCode
from wizard.simulator import SimulatorServer

COMMAND = re.compile(r"(?:^|\s|run: )(asignio-setup (?:[^|>\n])+)")
"""An asignio-setup command on a line, up to a pipe or a redirection (a YAML `run:` key or shell text before it)."""


def commands_in(path: Path) -> list[list[str]]:
    """The argument lists of every asignio-setup command in the file, in order."""
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = COMMAND.search(line)
        if match and not line.lstrip().startswith("#"):
            words = shlex.split(match.group(1).split("||")[0])
            found.append(words[1:])
    return found


@pytest.mark.parametrize("document", ["docs/pipelines.md", "action.yml"])
def test_every_command_of_the_document_runs_against_the_simulator(
    document: str,
    simulator: SimulatorServer,  # noqa: F811
    answers_dir: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    commands = commands_in(PROJECT_ROOT / document)
    assert len(commands) == {"docs/pipelines.md": 4, "action.yml": 2}[document]
    answers = write_answers(answers_dir, "custom-policy")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ANSWERS", str(answers))
    plans = [words for words in commands if "plan" in words]
    setups = [words for words in commands if "run" in words or "--non-interactive" in words]

    def expand(words: list[str]) -> list[str]:
        return [word.replace("$ANSWERS", str(answers)) for word in words]

    for words in plans:
        assert main(expand(words)) == ExitCode.CHANGES_PENDING
    assert simulator.writes == 0
    for words in setups:
        assert main(expand(words)) == 0
    for words in plans:
        assert main(expand(words)) == 0
    assert (tmp_path / "asignio.log").stat().st_size > 0


def test_the_action_runs_the_package_it_is_part_of_and_only_plan_or_setup() -> None:
    text = (PROJECT_ROOT / "action.yml").read_text(encoding="utf-8")
    assert "using: composite" in text
    assert 'pipx install "$GITHUB_ACTION_PATH"' in text
    assert re.findall(r"^\s+(\w+)\)$", text, flags=re.MULTILINE) == ["plan", "setup"]
