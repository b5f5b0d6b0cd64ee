"""docs/pipelines.md and action.yml: every asignio-setup command in them runs, as written, against the simulator; the
workflows carry the tool's state folder from run to run and let one setup per tenant run at a time."""

from __future__ import annotations

import re
import shlex
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.headless import CLIENT_ID, EndsTheLagWhenWaitedFor, write_answers
from tests.support.paths import PROJECT_ROOT
from wizard.cli import main
from wizard.errors import ExitCode
from wizard.simulator import SimulatorServer
from wizard.simulator.discovery import DiscoveryServer
from wizard.state_files import STATE_DIR_VARIABLE

COMMAND = re.compile(r"(?:^|\s|run: )(asignio-setup (?:[^|>\n])+)")
"""An asignio-setup command on a line, up to a pipe or a redirection (a YAML `run:` key or shell text before it)."""


STATE_FOLDER = re.compile(rf"{STATE_DIR_VARIABLE}:? *(?:\n *value:)? *([\w./-]+)")
"""Where a workflow sets the tool's state folder: a GitHub `env` entry, or an Azure DevOps variable's `value`."""


def yaml_blocks(path: Path) -> list[str]:
    """The ```yaml blocks of a Markdown file, in order."""
    return re.findall(r"```yaml\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.DOTALL)


def commands_in(path: Path) -> list[list[str]]:
    """The argument lists of every asignio-setup command in the file, in order."""
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = COMMAND.search(line)
        if match and not line.lstrip().startswith("#"):
            words = shlex.split(match.group(1).split("||")[0])
            found.append(words[1:])
    return found


@pytest.fixture
def asignio() -> Iterator[DiscoveryServer]:
    with DiscoveryServer() as server:
        yield server


@pytest.mark.parametrize("document", ["docs/pipelines.md", "action.yml"])
def test_every_command_of_the_document_runs_against_the_simulator(
    document: str,
    simulator: SimulatorServer,
    answers_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    asignio: DiscoveryServer,
) -> None:
    commands = commands_in(PROJECT_ROOT / document)
    assert len(commands) == {"docs/pipelines.md": 4, "action.yml": 2}[document]
    answers = write_answers(answers_dir, "custom-policy")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ANSWERS", str(answers))
    folder = STATE_FOLDER.search((PROJECT_ROOT / document).read_text(encoding="utf-8"))
    if folder is not None:
        monkeypatch.setenv(STATE_DIR_VARIABLE, folder.group(1))
    # The setup ends with its sign-in probes: the simulator stands in for b2clogin, a loopback Asignio for Asignio.
    asignio.register(CLIENT_ID, "https://contoso.b2clogin.com/contoso.onmicrosoft.com/oauth2/authresp")
    monkeypatch.setenv("ASIGNIO_SETUP_LOGIN_URL", simulator.login_root)
    monkeypatch.setenv("ASIGNIO_SETUP_ASIGNIO_URL", asignio.issuer)
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
    if folder is not None:
        assert (tmp_path / folder.group(1) / "contoso.json").is_file(), "the state is not where the cache looks"


def test_a_plan_on_the_next_runner_reads_the_state_folder_the_workflow_carries(
    simulator: SimulatorServer,
    answers_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    asignio: DiscoveryServer,
) -> None:
    """The GitHub workflow's setup on one runner, its cache steps, then a plan on a fresh runner while Graph does
    not show what the setup made yet: the restored folder tells the plan to wait for it, and it exits 0."""
    [github, _] = yaml_blocks(PROJECT_ROOT / "docs/pipelines.md")[:2]
    [folder] = {match.group(1) for match in STATE_FOLDER.finditer(github)}
    [setup] = [
        words
        for words in commands_in(PROJECT_ROOT / "docs/pipelines.md")
        if "run" in words or "--non-interactive" in words
    ][:1]
    [plan] = [words for words in commands_in(PROJECT_ROOT / "docs/pipelines.md") if "plan" in words][:1]
    answers = write_answers(answers_dir, "custom-policy")
    monkeypatch.setenv(STATE_DIR_VARIABLE, folder)
    asignio.register(CLIENT_ID, "https://contoso.b2clogin.com/contoso.onmicrosoft.com/oauth2/authresp")
    monkeypatch.setenv("ASIGNIO_SETUP_LOGIN_URL", simulator.login_root)
    monkeypatch.setenv("ASIGNIO_SETUP_ASIGNIO_URL", asignio.issuer)
    setup_runner, fresh_runner = tmp_path / "setup-runner", tmp_path / "fresh-runner"
    setup_runner.mkdir()
    monkeypatch.chdir(setup_runner)
    assert main([word.replace("$ANSWERS", str(answers)) for word in setup]) == 0

    shutil.copytree(setup_runner / folder, fresh_runner / folder)  # actions/cache/save, then actions/cache/restore
    monkeypatch.chdir(fresh_runner)
    simulator.replication_lag = 600.0
    simulator.reset_log()
    output = EndsTheLagWhenWaitedFor(simulator)
    monkeypatch.setattr(sys, "stdout", output)
    assert main([word.replace("$ANSWERS", str(answers)) for word in plan]) == ExitCode.OK
    assert "(made moments ago)" in output.getvalue()
    assert simulator.writes == 0


def steps_of(workflow: str) -> list[str]:
    """A GitHub job's steps, each as its text (from its `- ` line to the next step's)."""
    steps = workflow[workflow.index("    steps:\n") :]
    return ["      - " + step for step in steps.split("\n      - ")[1:]]


def test_the_github_workflow_carries_the_state_folder_and_holds_one_setup_per_tenant() -> None:
    github = yaml_blocks(PROJECT_ROOT / "docs/pipelines.md")[0]
    [folder] = {match.group(1) for match in STATE_FOLDER.finditer(github)}
    steps = steps_of(github)
    [restore] = [index for index, step in enumerate(steps) if "uses: actions/cache/restore@" in step]
    [save] = [index for index, step in enumerate(steps) if "uses: actions/cache/save@" in step]
    tool = [index for index, step in enumerate(steps) if "asignio-setup " in step]
    assert restore < min(tool) and save > max(tool), "the folder is restored before the tool runs and saved after it"
    for index in (restore, save):
        assert f"path: {folder}\n" in steps[index]
        assert "key: asignio-state-${{ matrix.tenant }}-${{ github.run_id }}-${{ github.run_attempt }}" in steps[index]
    assert "restore-keys: asignio-state-${{ matrix.tenant }}-" in steps[restore].splitlines()[-1]
    assert "if: always() && github.event_name == 'push'" in steps[save], "a failed setup's record is kept too"
    concurrency = re.search(r"\n    concurrency:.*\n      group: (.*)\n      cancel-in-progress: false\n", github)
    assert concurrency is not None and "matrix.tenant" in concurrency.group(1)
    assert "github.event_name == 'push' && 'setup'" in concurrency.group(1), "setups share their tenant's group"


def test_the_azure_devops_pipeline_carries_the_state_folder_and_locks_each_tenant() -> None:
    azure = yaml_blocks(PROJECT_ROOT / "docs/pipelines.md")[2]
    [folder] = {match.group(1) for match in STATE_FOLDER.finditer(azure)}
    cache = azure.index("- task: Cache@2")
    assert cache < azure.index("asignio-setup ")
    assert f"path: {folder}\n" in azure[cache:]
    assert 'key: \'asignio-state | "${{ tenant }}" | "$(Build.BuildId)"\'' in azure
    assert "restoreKeys: 'asignio-state | \"${{ tenant }}\"'" in azure
    assert "- stage: ${{ tenant }}" in azure and "lockBehavior: sequential" in azure
    assert "azureSubscription: asignio-${{ tenant }}" in azure, "the exclusive lock is on the tenant's connection"


def test_the_action_runs_the_package_it_is_part_of_and_only_plan_or_setup() -> None:
    text = (PROJECT_ROOT / "action.yml").read_text(encoding="utf-8")
    assert "using: composite" in text
    assert 'pipx install "$GITHUB_ACTION_PATH"' in text
    assert re.findall(r"^\s+(\w+)\)$", text, flags=re.MULTILINE) == ["plan", "setup"]
