"""`asignio-setup --non-interactive a.toml b.toml c.toml`: several tenants at once, through the real Graph layer
against one simulator over loopback that answers each tenant's token for that tenant, as real Graph does."""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.crashes import CRASH_LAG_SECONDS, crash_after_write, interruptible
from tests.support.faults import faults_of
from tests.support.headless import CLIENT_ID
from tests.support.paths import PROJECT_ROOT
from tests.support.tenants import EXPECTED, tenant_objects
from wizard.cli import main
from wizard.errors import ExitCode, worst_exit_code
from wizard.policies import demo_chain
from wizard.simulator import SimulatedTenant, SimulatorServer
from wizard.state import RunState
from wizard.state_files import state_dir

PORTAL_STEPS = ["--confirm", "local-accounts-off", "--confirm", "user-flow-mfa"]
PIVOTS = {"contoso": "custom-policy", "fabrikam": "user-flow", "tailspin": "custom-policy"}
"""contoso finishes (0), fabrikam waits for its portal steps (7), tailspin is no B2C tenant (5)."""
THREE_TENANTS_WRITES = 13
"""contoso's custom-policy run (7) and fabrikam's user-flow run up to its portal steps (6); tailspin makes none."""


@dataclass
class Tenants:
    server: SimulatorServer
    tenants: dict[str, SimulatedTenant]
    tokens: dict[str, str]
    answers: list[Path]


def b2c_tenant(name: str) -> SimulatedTenant:
    return SimulatedTenant.seeded(name, base=demo_chain(f"{name}.onmicrosoft.com"))


def answers_for(folder: Path, name: str) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(
        f'[tenant]\nname = "{name}"\n[asignio]\nclient_id = "{CLIENT_ID}"\nsecret_env = "{name.upper()}_SECRET"\n'
        f'[setup]\npivot = "{PIVOTS[name]}"\nmfa = "phone"\n'
        f'[auth]\nmethod = "access-token"\naccess_token_env = "{name.upper()}_GRAPH_TOKEN"\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture
def three(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Tenants]:
    """One Graph URL for all, a token per tenant in the variable its answers name, a secret per tenant."""
    with SimulatorServer(b2c_tenant("contoso")) as server:
        tokens = {"contoso": server.access_token}
        tenants = {"contoso": server.tenant}
        for name, tenant in (
            ("fabrikam", b2c_tenant("fabrikam")),
            ("tailspin", SimulatedTenant.seeded("tailspin", tenant_type="AAD")),
        ):
            tokens[name] = server.add_tenant(tenant).access_token
            tenants[name] = tenant
        monkeypatch.setenv("ASIGNIO_SETUP_GRAPH_URL", server.graph_root)
        for name, token in tokens.items():
            monkeypatch.setenv(f"{name.upper()}_GRAPH_TOKEN", token)
            monkeypatch.setenv(f"{name.upper()}_SECRET", f"Secret-of-{name}-9q")
        folder = tmp_path / "answers"
        folder.mkdir()
        yield Tenants(server, tenants, tokens, [answers_for(folder, name) for name in PIVOTS])


def saved(name: str) -> RunState:
    return RunState.model_validate_json((state_dir() / f"{name}.json").read_bytes())


def test_three_tenants_run_at_once_each_with_its_own_state_and_the_worst_code_wins(
    three: Tenants, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--no-verify", "--non-interactive", *map(str, three.answers)]) == ExitCode.TENANT
    assert three.server.writes == THREE_TENANTS_WRITES
    captured = capsys.readouterr()
    contoso_line, fabrikam_line, tailspin_line = captured.out.splitlines()
    assert contoso_line.startswith("contoso: done (exit 0); Run now: https://contoso.b2clogin.com/")
    assert fabrikam_line == "fabrikam: waiting for portal steps local-accounts-off, user-flow-mfa (exit 7)"
    assert tailspin_line.startswith(
        "tailspin: failed (exit 5): tailspin.onmicrosoft.com is neither an Azure AD B2C nor an Entra External ID"
    )
    human = [line for line in captured.err.splitlines() if line.strip()]
    assert human and all(line.startswith(("contoso: ", "fabrikam: ", "tailspin: ")) for line in human)
    assert "fabrikam:   … local-accounts-off: waiting for you in the Azure portal:" in human

    contoso, fabrikam, tailspin = (three.tenants[name] for name in PIVOTS)
    assert "B2C_1A_AsignioSUSI" in contoso.policies and "B2C_1A_AsignioSecret" in contoso.key_sets
    assert not contoso.user_flows
    assert "B2C_1_AsignioSignupSignin" in fabrikam.user_flows and "B2C_1A_AsignioSUSI" not in fabrikam.policies
    assert not tailspin.applications and not tailspin.policies and "B2C_1A_AsignioSecret" not in tailspin.key_sets
    by_tenant = {name: [r for r in three.server.log if r.tenant == f"{name}.onmicrosoft.com"] for name in PIVOTS}
    assert not any(record.is_write for record in by_tenant["tailspin"])
    contoso_requests, fabrikam_requests = by_tenant["contoso"], by_tenant["fabrikam"]
    assert fabrikam_requests[0].started < contoso_requests[-1].ended
    assert contoso_requests[0].started < fabrikam_requests[-1].ended

    states = {name: saved(name) for name in PIVOTS}
    assert {name: (state.tenant, state.answers.tenant.name) for name, state in states.items()} == {
        name: (name, name) for name in PIVOTS
    }
    assert states["contoso"].finished and "relying-party" in states["contoso"].steps
    assert not states["fabrikam"].finished and states["fabrikam"].steps["local-accounts-off"].status == "waiting"
    assert "user-flow" in states["fabrikam"].steps and "user-flow" not in states["contoso"].steps
    assert states["tailspin"].steps["preflight"].status == "failed" and not states["tailspin"].finished
    assert sorted(path.name for path in state_dir().glob("*.lock")) == [f"{name}.lock" for name in PIVOTS]

    three.server.reset_log()
    assert main(["--no-verify", "--non-interactive", *map(str, three.answers), *PORTAL_STEPS]) == ExitCode.TENANT
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("contoso: done (exit 0)") and lines[1].startswith("fabrikam: done (exit 0)")
    assert three.server.writes == 0
    assert saved("fabrikam").finished


@pytest.mark.parametrize("crash_after", range(1, THREE_TENANTS_WRITES + 1))
def test_crashed_after_a_write_the_rerun_of_all_tenants_finishes_without_duplicates(
    three: Tenants, capsys: pytest.CaptureFixture[str], crash_after: int
) -> None:
    """The run of three tenants dies right after its n-th write, for every n, against tenants that page and lag: the
    re-run finishes each tenant's setup as a run of its own would, with nothing made twice."""
    three.server.page_size = 1
    three.server.replication_lag = CRASH_LAG_SECONDS
    with crash_after_write(three.server, crash_after):
        main(["--no-verify", "--non-interactive", *map(str, three.answers)])
    assert main(["--no-verify", "--non-interactive", *map(str, three.answers)]) == ExitCode.TENANT
    assert main(["--no-verify", "--non-interactive", *map(str, three.answers), *PORTAL_STEPS]) == ExitCode.TENANT
    assert tenant_objects(three.tenants["contoso"]) == EXPECTED["custom-policy"]
    assert tenant_objects(three.tenants["fabrikam"]) == EXPECTED["user-flow"]
    assert saved("contoso").finished and saved("fabrikam").finished and not saved("tailspin").finished
    three.server.reset_log()
    assert main(["--no-verify", "--non-interactive", *map(str, three.answers)]) == ExitCode.TENANT
    assert three.server.writes == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(" (exit")[0] for line in lines[-3:-1]] == ["contoso: done", "fabrikam: done"]


def test_json_lines_carry_their_tenant_and_each_tenant_ends_with_its_summary(
    three: Tenants, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--no-verify", "--non-interactive", *map(str, three.answers), "--json"]) == ExitCode.TENANT
    captured = capsys.readouterr()
    objects = [json.loads(line) for line in captured.out.splitlines()]
    assert objects and all(set(list(item)[:2]) == {"event", "tenant"} for item in objects)
    last = {item["tenant"]: item for item in objects}
    assert {name: (item["event"], item["exit_code"]) for name, item in last.items()} == {
        "contoso": ("summary", 0),
        "fabrikam": ("summary", 7),
        "tailspin": ("summary", 5),
    }
    assert last["contoso"]["run_now_url"].startswith("https://contoso.b2clogin.com/")
    failure = next(item for item in objects if item["event"] == "step_failed")
    assert (failure["tenant"], failure["step"], failure["exit_code"]) == ("tailspin", "preflight", 5)
    assert failure["fix"]
    assert "tailspin: failed (exit 5)" in captured.err


def test_the_log_of_several_tenants_names_the_tenant_of_each_line_and_holds_no_token(
    three: Tenants, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log_file = tmp_path / "tenants.log"
    arguments = ["--log-file", str(log_file), "--debug", "--no-verify", "--non-interactive", *map(str, three.answers)]
    assert main(arguments) == ExitCode.TENANT
    capsys.readouterr()
    text = log_file.read_text(encoding="utf-8")
    calls = [line.split("wizard.graph.transport: ", 1)[1] for line in text.splitlines() if "graph.transport" in line]
    for name in PIVOTS:
        answered = [record for record in three.server.log if record.tenant == f"{name}.onmicrosoft.com"]
        assert len([call for call in calls if call.startswith(f"{name}: ")]) == len(answered) > 0
    assert len(calls) == len(three.server.log)
    assert "contoso: relying-party: done" in text and "tailspin: preflight: failed" in text
    assert not any(token in text for token in three.tokens.values())
    assert not any(f"Secret-of-{name}-9q" in text for name in PIVOTS)


def test_a_refused_token_fails_its_own_tenant_only(
    three: Tenants, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FABRIKAM_GRAPH_TOKEN", "a-token-graph-never-issued")
    assert main(["--no-verify", "--non-interactive", str(three.answers[0]), str(three.answers[1])]) == ExitCode.SIGN_IN
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("contoso: done (exit 0)")
    assert lines[1].startswith("fabrikam: failed (exit 3): ")
    assert not three.tenants["fabrikam"].user_flows


def test_two_answers_files_for_one_tenant_are_refused_before_anything_starts(
    three: Tenants, capsys: pytest.CaptureFixture[str]
) -> None:
    again = three.answers[0].with_name("contoso-again.toml")
    again.write_text(three.answers[0].read_text(encoding="utf-8").replace('"contoso"', '"Contoso"'), encoding="utf-8")
    assert main(["--non-interactive", str(three.answers[0]), str(three.answers[1]), str(again)]) == 2
    err = capsys.readouterr().err
    assert "both set up tenant contoso" in err and "one state file and lock" in err
    assert three.server.log == []
    assert not state_dir().exists() or not list(state_dir().iterdir())


def test_a_confirmation_no_path_has_is_refused_before_anything_starts(
    three: Tenants, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--non-interactive", str(three.answers[0]), str(three.answers[2]), *PORTAL_STEPS[:2]]) == 2
    assert "local-accounts-off is not a portal step of any of these setups" in capsys.readouterr().err
    assert three.server.log == []


def test_several_files_with_demo_are_refused(three: Tenants, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--demo", "--non-interactive", str(three.answers[0]), str(three.answers[1])])
    assert exited.value.code == 2
    assert "--demo runs one simulated tenant" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("codes", "worst"),
    [
        ([0, 0], 0),
        ([0, 7], 7),
        ([8, 7, 0], 8),
        ([8, 1], 1),
        ([2, 6, 3], 6),
        ([130, 6], 130),
        ([], 0),
    ],
)
def test_the_worst_code_is_any_failure_over_8_over_7_over_0_and_the_highest_failure(
    codes: list[int], worst: int
) -> None:
    assert worst_exit_code([ExitCode(code) for code in codes]) == worst


def test_plan_takes_several_files_writes_nothing_and_ends_with_the_worst_code(
    three: Tenants, capsys: pytest.CaptureFixture[str]
) -> None:
    contoso, fabrikam = map(str, three.answers[:2])
    assert main(["plan", contoso, fabrikam]) == ExitCode.CHANGES_PENDING
    assert three.server.writes == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("contoso: changes pending in ") and "relying-party" in lines[0]
    assert lines[1].startswith("fabrikam: changes pending in ") and "user-flow" in lines[1]
    assert all(line.endswith("(exit 8)") for line in lines) and len(lines) == 2

    assert main(["--no-verify", "--non-interactive", contoso]) == 0
    capsys.readouterr()
    three.server.reset_log()
    assert main(["--json", "plan", contoso, fabrikam]) == ExitCode.CHANGES_PENDING
    assert three.server.writes == 0
    captured = capsys.readouterr()
    objects = [json.loads(line) for line in captured.out.splitlines()]
    summaries = sorted((item["tenant"], item["exit_code"]) for item in objects if item["event"] == "summary")
    assert summaries == [("contoso", 0), ("fabrikam", 8)]
    assert {item["tenant"] for item in objects if item["event"] == "step_planned"} == {"contoso", "fabrikam"}
    assert "contoso: matches the answers (exit 0)" in captured.err.splitlines()


def test_ctrl_c_in_a_run_of_several_tenants_ends_each_tenant_with_its_one_summary(three: Tenants) -> None:
    """Held by the simulator after the run's second write, then SIGINT: the tenants still running each get their
    summary with exit 130; the one that failed before keeps its own, and no summary of the whole run is added."""
    faults_of(three.server).stall_after_writes(2)
    process = interruptible(
        [sys.executable, "-m", "wizard", "--json", "--non-interactive", *map(str, three.answers)],
        {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    try:
        assert faults_of(three.server).wait_until_holding(1, timeout=120), "the run never made its second write"
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
        faults_of(three.server).release()
    assert process.returncode == ExitCode.INTERRUPTED, err
    ends = [item for item in map(json.loads, out.splitlines()) if item["event"] == "summary"]
    assert sorted(item["tenant"] for item in ends) == ["contoso", "fabrikam", "tailspin"]
    summaries = {item["tenant"]: item["exit_code"] for item in ends}
    assert summaries["contoso"] == summaries["fabrikam"] == ExitCode.INTERRUPTED
    assert summaries["tailspin"] in (ExitCode.TENANT, ExitCode.INTERRUPTED)  # its own end, unless held before it
    assert "Traceback" not in err
