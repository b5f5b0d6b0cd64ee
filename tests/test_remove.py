"""`asignio-setup remove`: the real Graph layer against the simulator, after a real setup run."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.crashes import crash_after_write, killed_after_write
from tests.support.faults import faults_of
from tests.support.headless import GUIDED_STEPS, point_at, run, write_answers
from tests.support.tenants import (
    EXTENSIONS,
    FOREIGN_CLAIM,
    NOTHING_OF_THE_SETUP,
    left_of_the_setup,
    seeded_tenant,
    tenant_objects,
    with_foreign_claim,
)
from tests.support.virtual_clock import VirtualClock
from wizard.cli import main
from wizard.errors import ExitCode
from wizard.policies import same_content, unmarked
from wizard.simulator import SimulatorServer
from wizard.state import StateStore

FOREIGN_SECTION = b"<BuildingBlocks><ClaimsSchema>" + FOREIGN_CLAIM + b"</ClaimsSchema></BuildingBlocks>"
"""What the foreign claim makes of the demo extensions, which have no BuildingBlocks of their own."""


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatorServer]:
    with SimulatorServer(seeded_tenant()) as simulated:
        point_at(simulated, monkeypatch)
        yield simulated


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Where the answers files go."""
    answers = tmp_path / "answers"
    answers.mkdir()
    return answers


def remove(answers: Path, *extra: str) -> int:
    return main(["remove", str(answers), *extra])


def test_remove_after_a_custom_policy_setup_leaves_the_tenant_as_it_was(
    server: SimulatorServer, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = write_answers(folder, "custom-policy")
    original = dict(server.tenant.policies)
    assert run(answers) == 0
    assert server.tenant.policies[EXTENSIONS] != original[EXTENSIONS]
    capsys.readouterr()
    server.reset_log()

    assert remove(answers, "--yes") == ExitCode.OK
    output = capsys.readouterr().out
    assert "  - remove-relying-party: Delete the relying-party policy B2C_1A_AsignioSUSI" in output
    assert "restored from the backup taken before the first Asignio upload" in output
    assert server.tenant.policies.keys() == original.keys()
    assert server.tenant.policies[EXTENSIONS] == original[EXTENSIONS]
    assert left_of_the_setup(server) == NOTHING_OF_THE_SETUP
    deleted = [
        record.path.removeprefix("/beta").strip("/").split("/")[0] for record in server.log if record.method == "DELETE"
    ]
    app_parts = [resource for resource in deleted if resource != "trustFramework"]
    assert app_parts == ["oauth2PermissionGrants", "servicePrincipals", "applications"]
    assert deleted.count("trustFramework") == 2
    assert server.tenant.key_sets.keys() == {"B2C_1A_TokenSigningKeyContainer", "B2C_1A_TokenEncryptionKeyContainer"}

    server.reset_log()
    assert remove(answers, "--yes") == ExitCode.OK
    assert server.writes == 0
    assert "Nothing to remove" in capsys.readouterr().out


def test_remove_on_a_tenant_the_setup_never_touched_writes_nothing(
    server: SimulatorServer, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = dict(server.tenant.policies)
    assert remove(write_answers(folder, "custom-policy"), "--yes") == ExitCode.OK
    assert server.writes == 0
    assert server.tenant.policies == before
    assert StateStore("contoso").load() is None
    assert "Nothing to remove" in capsys.readouterr().out


def test_the_order_is_relying_party_then_extensions_then_key_set(server: SimulatorServer, folder: Path) -> None:
    answers = write_answers(folder, "custom-policy")
    assert run(answers) == 0
    server.reset_log()
    assert remove(answers, "--yes") == ExitCode.OK
    policy_writes = [
        (record.method, record.path.rsplit("/trustFramework/", 1)[-1])
        for record in server.log
        if record.is_write and "/trustFramework/" in record.path
    ]
    assert policy_writes == [
        ("DELETE", "policies/B2C_1A_AsignioSUSI"),
        ("PUT", f"policies/{EXTENSIONS}/$value"),
        ("DELETE", "keySets/B2C_1A_AsignioSecret"),
    ]


def test_extensions_changed_since_the_setup_keep_their_asignio_pieces_unless_forced(
    server: SimulatorServer, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An admin added a claim of their own to the extensions after the setup: they no longer hold what the tool
    uploaded, so a remove keeps them as they are (and the policy key they name), says so and ends with exit 5;
    `--force` takes the Asignio pieces out one by one, and the admin's claim stays."""
    answers = write_answers(folder, "custom-policy")
    original = server.tenant.policies[EXTENSIONS]
    assert run(answers) == 0
    edited = server.tenant.policies[EXTENSIONS] = with_foreign_claim(server.tenant.policies[EXTENSIONS])
    capsys.readouterr()

    assert remove(answers, "--yes") == ExitCode.TENANT
    output = capsys.readouterr().out
    assert f"  ! {EXTENSIONS} (the Asignio pieces in it): changed since asignio-setup uploaded it: kept" in output
    assert f"  ! the key set B2C_1A_AsignioSecret: kept: {EXTENSIONS}, which stays, names it" in output
    assert server.tenant.policies[EXTENSIONS] == edited
    assert "B2C_1A_AsignioSecret" in server.tenant.key_sets

    assert remove(answers, "--yes", "--force") == ExitCode.OK
    assert "taken out one by one (the policy changed since the setup" in capsys.readouterr().out
    now = server.tenant.policies[EXTENSIONS]
    assert b"contosoLoyaltyNumber" in now
    assert b'Id="Asignio-OAUTH2"' not in now and b"PhoneFactor" not in now
    assert same_content(now, original.replace(b"</TrustFrameworkPolicy>", FOREIGN_SECTION + b"</TrustFrameworkPolicy>"))
    assert left_of_the_setup(server) == NOTHING_OF_THE_SETUP
    server.reset_log()
    assert remove(answers, "--yes") == ExitCode.OK
    assert server.writes == 0


def test_with_no_state_the_tenants_marks_prove_the_policies_and_the_app_and_the_key_set_is_kept(
    server: SimulatorServer, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The state is lost after a setup: the relying party's and the extensions' asignio-setup comments still hold
    and the test app and its service principal carry the tag, so they go (the extensions' pieces one by one, there
    being no backup on record); the policy key carries no mark, so it stays, named, and the remove ends with exit 5
    naming the option that points at a kept state folder."""
    answers = write_answers(folder, "custom-policy", mfa="off")
    original = server.tenant.policies[EXTENSIONS]
    assert run(answers) == 0
    StateStore("contoso").discard()
    capsys.readouterr()

    assert remove(answers, "--yes") == ExitCode.TENANT
    captured = capsys.readouterr()
    assert "no backup from before the setup was found" in captured.out
    assert "  ! the key set B2C_1A_AsignioSecret: not made by asignio-setup: kept" in captured.out
    assert "point at it with --state-dir DIR" in captured.out and "--state-dir DIR" in captured.err
    assert same_content(unmarked(server.tenant.policies[EXTENSIONS]), original)
    assert left_of_the_setup(server) == {**NOTHING_OF_THE_SETUP, "asignio key sets": 1, "asignio keys": 1}


def test_remove_after_a_user_flow_setup_deletes_the_flow_the_provider_and_the_app(
    server: SimulatorServer, folder: Path
) -> None:
    answers = write_answers(folder, "user-flow")
    assert run(answers, *GUIDED_STEPS) == 0
    assert remove(answers, "--yes") == ExitCode.OK
    assert left_of_the_setup(server) == NOTHING_OF_THE_SETUP
    server.reset_log()
    assert remove(answers, "--yes") == ExitCode.OK
    assert server.writes == 0


def test_remove_all_on_the_user_flow_path_says_what_all_means_there(
    server: SimulatorServer, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = write_answers(folder, "user-flow")
    assert run(answers, *GUIDED_STEPS) == 0
    capsys.readouterr()
    assert main(["remove", str(answers), "--all", "--yes", "--json"]) == ExitCode.OK
    captured = capsys.readouterr()
    said = "a user-flow setup creates none, so here --all removes the same as remove without it"
    assert "warning: --all also takes out the prerequisites a custom-policy setup created" in captured.err
    assert said in captured.err
    notices = [line for line in map(json.loads, captured.out.splitlines()) if line["event"] == "run_notice"]
    assert len(notices) == 1 and said in notices[0]["message"]
    assert left_of_the_setup(server) == NOTHING_OF_THE_SETUP


def test_a_provider_that_is_not_the_answers_asignio_one_stays(
    server: SimulatorServer, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = write_answers(folder, "user-flow")
    assert run(answers, *GUIDED_STEPS) == 0
    provider = next(iter(server.tenant.identity_providers.values()))
    provider["clientId"] = "99998888-aaaa-2222-bbbb-3333cccc4444"
    assert remove(answers, "--yes") == ExitCode.TENANT
    assert "changed since asignio-setup made it (another kind or client id): kept" in capsys.readouterr().out
    assert len(server.tenant.identity_providers) == 1
    assert len(server.tenant.user_flows) == 0


def test_after_a_remove_the_setup_runs_again_normally(server: SimulatorServer, folder: Path) -> None:
    answers = write_answers(folder, "custom-policy")
    assert run(answers) == 0
    assert remove(answers, "--yes") == ExitCode.OK
    state = StateStore("contoso").load()
    assert state is not None and state.removed_at is not None and state.run_now_url is None
    assert all(step.startswith(("remove-", "preflight")) for step in state.steps)

    assert run(answers) == 0
    assert tenant_objects(server.tenant)["asignio key sets"] == 1
    server.tenant.policies[EXTENSIONS] = with_foreign_claim(server.tenant.policies[EXTENSIONS])
    assert remove(answers, "--yes", "--force") == ExitCode.OK
    assert b'Id="Asignio-OAUTH2"' not in server.tenant.policies[EXTENSIONS]
    assert b"contosoLoyaltyNumber" in server.tenant.policies[EXTENSIONS]


def test_without_yes_and_off_a_terminal_remove_refuses_and_writes_nothing(
    server: SimulatorServer, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = write_answers(folder, "custom-policy")
    assert run(answers) == 0
    server.reset_log()
    capsys.readouterr()
    assert remove(answers) == ExitCode.BAD_INPUT.value == 2
    error = capsys.readouterr().err
    assert "its input is not a terminal" in error and "add --yes" in error
    assert server.writes == 0


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("typed", "removed"), [("y\n", True), ("\n", False), ("no\n", False)])
def test_on_a_terminal_remove_asks_first(
    server: SimulatorServer,
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    typed: str,
    removed: bool,
) -> None:
    answers = write_answers(folder, "custom-policy")
    assert run(answers) == 0
    server.reset_log()
    monkeypatch.setattr("sys.stdin", Terminal(typed))
    assert remove(answers) == ExitCode.OK
    assert "Remove these? [y/N]" in capsys.readouterr().err
    assert (server.writes > 0) is removed


def test_remove_json_lines_parse_and_end_in_a_summary(
    server: SimulatorServer, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = write_answers(folder, "custom-policy")
    assert run(answers) == 0
    capsys.readouterr()
    assert main(["--json", "remove", str(answers), "--yes"]) == ExitCode.OK
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    events = [line["event"] for line in lines]
    assert events[0] == "step_planned" and "step_done" in events
    assert lines[-1]["event"] == "summary" and lines[-1]["exit_code"] == 0
    assert any("B2C_1A_AsignioSUSI deleted" in summary for summary in lines[-1]["removed"])
    assert "Removed:" in captured.err

    assert main(["--json", "remove", str(answers)]) == ExitCode.OK
    again = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert again[-1] == {"event": "summary", "removed": [], "kept": [], "exit_code": 0}


def test_json_remove_refusal_is_a_failed_line_with_fix_and_exit_code(
    server: SimulatorServer, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = write_answers(folder, "custom-policy")
    assert run(answers) == 0
    capsys.readouterr()
    assert main(["--json", "remove", str(answers)]) == ExitCode.BAD_INPUT
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    failed = next(line for line in lines if line["event"] == "failed")
    assert failed["exit_code"] == 2 and "--yes" in failed["fix"]
    assert lines[-1]["event"] == "summary" and lines[-1]["exit_code"] == 2


def test_a_delete_graph_refuses_is_a_failed_line_and_the_next_remove_finishes(
    server: SimulatorServer, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = write_answers(folder, "custom-policy")
    assert run(answers) == 0
    capsys.readouterr()
    faults_of(server).fail(1, status=400, writes_only=True)
    code = main(["--json", "remove", str(answers), "--yes"])
    assert code not in (ExitCode.OK, ExitCode.UNEXPECTED)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    failed = next(line for line in lines if line["event"] == "step_failed")
    assert failed["exit_code"] == code and failed["message"] and failed["fix"]
    deleted = [line["summary"] for line in lines if line["event"] == "step_done" and line["step"] != "preflight"]
    assert lines[-1] == {"event": "summary", "removed": deleted, "exit_code": code}
    assert remove(answers, "--yes") == ExitCode.OK
    assert left_of_the_setup(server) == NOTHING_OF_THE_SETUP


def test_remove_on_an_external_id_answers_file_is_refused_before_sign_in(
    server: SimulatorServer, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = write_answers(folder, "external-id", mfa="off")
    assert remove(answers, "--yes") == ExitCode.BAD_INPUT
    assert "nothing it can remove yet" in capsys.readouterr().err
    assert server.reads + server.writes == 0


def test_a_key_set_b2c_keeps_as_bak_is_reported(
    server: SimulatorServer, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = write_answers(folder, "custom-policy")
    assert run(answers) == 0
    server.tenant.keep_deleted_key_sets = True
    capsys.readouterr()
    assert remove(answers, "--yes") == ExitCode.OK
    assert "B2C keeps a backup copy, B2C_1A_AsignioSecret.bak" in capsys.readouterr().out
    assert "B2C_1A_AsignioSecret.bak" in server.tenant.key_sets


@pytest.mark.parametrize("pivot", ["custom-policy", "user-flow"])
def test_a_remove_right_after_the_setup_waits_for_what_graph_does_not_show_yet(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], pivot: str
) -> None:
    """With replication lag the setup's last objects are still hidden when the remove starts: it looks again until
    they show, so nothing (a grant, a service principal) is left behind; the tenant pages every list."""
    answers = write_answers(folder, pivot)
    with SimulatorServer(seeded_tenant(), page_size=1, replication_lag=1.0) as lagging:
        point_at(lagging, monkeypatch)
        assert run(answers, *(GUIDED_STEPS if pivot == "user-flow" else ())) == 0
        capsys.readouterr()
        assert remove(answers, "--yes") == ExitCode.OK
        assert left_of_the_setup(lagging) == NOTHING_OF_THE_SETUP
        lagging.reset_log()
        assert remove(answers, "--yes") == ExitCode.OK
        assert lagging.writes == 0


CLEAN_REMOVE_WRITES = {"custom-policy": 6, "user-flow": 5}
KILL_POINT = 3
"""The write of `remove` the kill -9 test kills after: midway through the deletes (the crash tests die after every
write, in this process)."""


def assert_removed(server: SimulatorServer, original: dict[str, bytes]) -> None:
    """The tenant holds nothing of the setup (the extensions as before it), and the state says the remove finished."""
    assert left_of_the_setup(server) == NOTHING_OF_THE_SETUP
    assert server.tenant.policies == original
    state = StateStore("contoso").load()
    assert state is not None and state.removed_at is not None


@pytest.mark.parametrize(
    ("pivot", "crash_after"),
    [(pivot, write) for pivot, writes in CLEAN_REMOVE_WRITES.items() for write in range(1, writes + 1)],
)
def test_crashed_after_any_write_of_a_remove_the_next_remove_finishes_cleanly(
    folder: Path, monkeypatch: pytest.MonkeyPatch, pivot: str, crash_after: int
) -> None:
    """A real setup, then a `remove --yes` that dies right after its n-th write Graph answered (before the tool could
    record it); then remove again: it finishes, the tenant holds nothing of the setup (the extensions as before
    it), and one more remove writes nothing. The tenant pages every list."""
    answers = write_answers(folder, pivot)
    with SimulatorServer(seeded_tenant(), page_size=1) as server:
        original = dict(server.tenant.policies)
        point_at(server, monkeypatch)
        assert run(answers, *(GUIDED_STEPS if pivot == "user-flow" else ())) == 0
        with crash_after_write(server, crash_after):
            remove(answers, "--yes")
        assert remove(answers, "--yes") == ExitCode.OK
        assert_removed(server, original)
        server.reset_log()
        assert remove(answers, "--yes") == ExitCode.OK
        assert server.writes == 0


def test_a_clean_remove_makes_the_writes_the_crash_test_crashes_after(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for pivot, writes in CLEAN_REMOVE_WRITES.items():
        with SimulatorServer(seeded_tenant()) as server:
            point_at(server, monkeypatch)
            monkeypatch.setenv("XDG_STATE_HOME", str(folder / f"state-{pivot}"))
            answers = write_answers(folder, pivot)
            assert run(answers, *(GUIDED_STEPS if pivot == "user-flow" else ())) == 0
            server.reset_log()
            assert remove(answers, "--yes") == ExitCode.OK
            assert server.writes == writes, pivot


@pytest.mark.slow
def test_killed_with_kill_9_during_a_remove_the_next_remove_finishes_cleanly(
    folder: Path, monkeypatch: pytest.MonkeyPatch, kill_clock: VirtualClock
) -> None:
    """A real setup, then `remove --yes` in a process killed with kill -9 midway (its state and lock files as a crash
    leaves them); the next remove finishes, and one more writes nothing."""
    answers = write_answers(folder, "custom-policy")
    with SimulatorServer(seeded_tenant(), page_size=1) as server:
        original = dict(server.tenant.policies)
        point_at(server, monkeypatch)
        assert run(answers) == 0
        with killed_after_write(server, KILL_POINT, ["remove", str(answers), "--yes"]):
            assert remove(answers, "--yes") == ExitCode.OK
            assert_removed(server, original)
            server.reset_log()
            assert remove(answers, "--yes") == ExitCode.OK
            assert server.writes == 0


async def test_a_remove_retried_on_the_same_runner_does_not_wait_for_what_it_deleted() -> None:
    """A remove whose extensions upload was refused, retried on the same session (as after a fix): the deletes of
    the first try are recent work of the remove, so the retry takes them as gone at once instead of waiting the
    replication budget for the setup's objects to show."""
    import tomllib

    from tests.support.headless import SECRET, answers_text
    from wizard.answers import parse_answers
    from wizard.events import Event, StepFailed, StepProgress
    from wizard.graph import GraphClient
    from wizard.session import SignedInTenant

    answers = parse_answers(tomllib.loads(answers_text("custom-policy")))
    with SimulatorServer(seeded_tenant()) as simulated:
        graph = GraphClient(
            simulated.credential,
            graph_url=simulated.graph_root + "/beta",
            scopes=["https://graph.microsoft.com/.default"],
        )
        signed_in = SignedInTenant(answers.tenant, answers.auth, graph)
        await signed_in.session_for(answers, secret=SECRET).run(lambda event: None)
        removal = signed_in.removal(answers)
        faults_of(simulated).refuse_policy(EXTENSIONS)
        first_try: list[Event] = []
        failed = await removal.run(first_try.append)
        assert [event.step for event in first_try if isinstance(event, StepFailed)] == ["remove-from-extensions"]
        assert failed.failures == tuple(event for event in first_try if isinstance(event, StepFailed))
        faults_of(simulated).accept_policy(EXTENSIONS)
        retry: list[Event] = []
        await removal.run(retry.append)
        await graph.close()
        waits = [event.step for event in retry if isinstance(event, StepProgress) and "may not show" in event.message]
        assert waits == []
        assert left_of_the_setup(simulated) == NOTHING_OF_THE_SETUP


def test_a_step_that_kept_something_reads_as_kept_not_as_already_done(
    server: SimulatorServer, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A removal step that leaves what the answers name says so in the run's line (`= step: … kept …`), never
    `already done`; with --json its step_skipped line says `kept`."""
    answers = write_answers(folder, "custom-policy")
    assert run(answers) == 0
    server.tenant.policies[EXTENSIONS] = with_foreign_claim(server.tenant.policies[EXTENSIONS])
    capsys.readouterr()
    assert main(["--json", "remove", str(answers), "--yes"]) == ExitCode.TENANT
    captured = capsys.readouterr()
    assert f"  = remove-from-extensions: {EXTENSIONS}: changed since asignio-setup uploaded it: kept" in captured.err
    assert "already done: " not in "\n".join(line for line in captured.err.splitlines() if "kept" in line)
    skipped = [line for line in map(json.loads, captured.out.splitlines()) if line["event"] == "step_skipped"]
    assert {line["step"]: line["kept"] for line in skipped} == {
        "remove-from-extensions": True,
        "remove-policy-key": True,
    }
