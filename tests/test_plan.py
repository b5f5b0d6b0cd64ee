"""`asignio-setup plan`: the real Graph layer against the simulator; the plan never writes to the tenant or state."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.support.faults import faults_of
from tests.support.headless import GUIDED_STEPS, EndsTheLagWhenWaitedFor, point_at, run, write_answers
from wizard.cli import main
from wizard.errors import ExitCode
from wizard.simulator import SimulatedTenant, SimulatorServer
from wizard.state_files import state_dir


def plan(answers: Path) -> int:
    return main(["plan", str(answers)])


def state_files() -> list[Path]:
    folder = state_dir()
    return sorted(folder.rglob("*")) if folder.exists() else []


def test_a_fresh_tenant_has_changes_pending_and_nothing_is_written(
    simulator: SimulatorServer,
    answers_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = state_files()
    assert plan(write_answers(answers_dir, "custom-policy")) == ExitCode.CHANGES_PENDING.value == 8
    assert simulator.writes == 0
    assert state_files() == before
    output = capsys.readouterr().out
    for step in ("policy-key", "extensions-policy", "relying-party", "test-app"):
        assert f"  + {step}: " in output
    assert "  = preflight: nothing to do" in output
    assert "Changes pending in 4 step(s)" in output


def test_after_a_setup_the_plan_is_empty(
    simulator: SimulatorServer,
    answers_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    answers = write_answers(answers_dir, "custom-policy")
    assert run(answers) == 0
    simulator.reset_log()
    capsys.readouterr()
    assert plan(answers) == ExitCode.OK
    assert simulator.writes == 0
    output = capsys.readouterr().out
    assert "+ " not in output
    assert "The tenant matches the answers" in output


def test_a_policy_edited_behind_the_tools_back_is_drift_with_its_diff(
    simulator: SimulatorServer,
    answers_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    answers = write_answers(answers_dir, "custom-policy")
    assert run(answers) == 0
    extensions = simulator.tenant.policies["B2C_1A_TrustFrameworkExtensions"]
    simulator.tenant.policies["B2C_1A_TrustFrameworkExtensions"] = extensions.replace(
        b"PhoneFactor-InputOrVerify", b"PhoneFactor-Edited"
    )
    simulator.reset_log()
    capsys.readouterr()
    assert plan(answers) == ExitCode.CHANGES_PENDING
    assert simulator.writes == 0
    output = capsys.readouterr().out
    assert "Changes pending in 1 step(s): extensions-policy" in output
    assert "+++ B2C_1A_TrustFrameworkExtensions (generated)" in output
    assert '+        <TechnicalProfile Id="PhoneFactor-InputOrVerify">' in output


def test_a_tenant_the_path_cannot_use_ends_the_plan_with_its_own_code(
    answers_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with SimulatorServer(SimulatedTenant.seeded("contoso", tenant_type="AAD")) as workforce:
        point_at(workforce, monkeypatch)
        assert plan(write_answers(answers_dir, "custom-policy")) == ExitCode.TENANT
        assert workforce.writes == 0
    error = capsys.readouterr().err
    assert "is neither an Azure AD B2C nor an Entra External ID tenant (its type is AAD)" in error
    assert "Changes pending" not in error


@pytest.mark.parametrize("pivot", ["custom-policy", "user-flow"])
def test_right_after_a_setup_the_plan_waits_for_what_graph_does_not_show_yet(
    simulator: SimulatorServer,
    answers_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    pivot: str,
) -> None:
    """A pipeline's "setup, then plan must be 0": Graph does not show what the setup just made (replication), so the
    plan waits for it as a re-run would, saying so, instead of reporting it as pending."""
    answers = write_answers(answers_dir, pivot)
    assert run(answers, *(GUIDED_STEPS if pivot == "user-flow" else ())) == 0
    simulator.replication_lag = 600.0  # everything the setup made is hidden until the plan waits for it
    simulator.reset_log()
    output = EndsTheLagWhenWaitedFor(simulator)
    monkeypatch.setattr(sys, "stdout", output)

    assert plan(answers) == ExitCode.OK
    assert simulator.writes == 0
    lines = output.getvalue().splitlines()
    assert any(line.startswith("      ") and "(made moments ago)" in line for line in lines), lines
    assert "The tenant matches the answers: nothing to change." in lines


@pytest.mark.parametrize("why", ["offline", "sign-in refused", "throttled"])
def test_steps_the_plan_could_not_look_at_are_not_checked_never_already_in_the_tenant(
    simulator: SimulatorServer,
    answers_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    why: str,
) -> None:
    """The first look fails, so no step knows what the tenant holds; steps whose checks read what an earlier step
    found (the starter key sets read the base chain's) used to say `= already in the tenant` regardless."""
    if why == "offline":
        monkeypatch.setenv("ASIGNIO_SETUP_GRAPH_URL", "http://127.0.0.1:9")  # the discard port: refused
    elif why == "sign-in refused":
        monkeypatch.setenv("ASIGNIO_SETUP_ACCESS_TOKEN", "a-token-graph-does-not-take")
    else:
        faults_of(simulator).throttle(4, retry_after=0)
    code = main(["plan", str(write_answers(answers_dir, "custom-policy")), "--json"])
    assert (
        code == {"offline": ExitCode.SERVICE, "sign-in refused": ExitCode.SIGN_IN, "throttled": ExitCode.SERVICE}[why]
    )
    captured = capsys.readouterr()
    human = [line for line in captured.err.splitlines() if line[:4] in ("  = ", "  + ", "  ? ")]
    assert human and all(line.startswith("  ? ") for line in human), human
    assert human[0].startswith("  ? preflight: not checked: ")
    assert "  ? token-signing-key: not checked: it builds on preflight, which could not look" in human
    planned = [line for line in map(json.loads, captured.out.splitlines()) if line["event"] == "step_planned"]
    assert planned and not any(line["done"] or line["checked"] for line in planned)
    assert simulator.writes == 0


def test_the_plan_writes_its_log(
    simulator: SimulatorServer,
    answers_dir: Path,
    tmp_path: Path,
) -> None:
    log_file = tmp_path / "plan.log"
    assert plan_with(write_answers(answers_dir, "custom-policy"), "--log-file", str(log_file)) == 8
    text = log_file.read_text(encoding="utf-8")
    assert "wizard.runner: preflight: in the tenant (contoso.onmicrosoft.com is" in text
    assert "wizard.runner: relying-party: to do" in text
    assert "ended with exit code 8" in text


def plan_with(answers: Path, *extra: str) -> int:
    return main(["plan", str(answers), *extra])
