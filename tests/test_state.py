"""The state store: private, atomic, per tenant, and honest about damage."""

import json
import os
import stat
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.support.headless import pipeline_environment, point_at
from tests.support.mounts import RunOnMount
from tests.support.runs import unfinished_runs
from tests.support.tenants import seeded_tenant
from wizard.answers import parse_answers
from wizard.cli import main
from wizard.errors import BadInputError, ExitCode, TenantNotReadyError
from wizard.events import StepStatus
from wizard.ownership import ObjectKind, Origin
from wizard.simulator import SimulatorServer
from wizard.state import (
    STATE_VERSION,
    RunState,
    StateStore,
    StepRecord,
    discard_run,
    saved_runs,
    state_dir,
)

ANSWERS = parse_answers(
    {
        "tenant": {"name": "contoso"},
        "asignio": {"client_id": "00001111-aaaa-2222-bbbb-3333cccc4444"},
        "setup": {"pivot": "custom-policy"},
    }
)


def test_state_lives_under_xdg_state_home(isolated_environment: Path) -> None:
    assert state_dir() == isolated_environment / "xdg_state_home" / "asignio-setup"


def test_saved_state_round_trips_and_is_private() -> None:
    store = StateStore("contoso")
    state = RunState(tenant="contoso", answers=ANSWERS)
    state.steps["policy-key"] = StepRecord(status=StepStatus.DONE, summary="made", ids={"key_set": "B2C_1A_X"})
    store.save(state)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700
    loaded = store.load()
    assert loaded is not None and loaded.steps["policy-key"].ids == {"key_set": "B2C_1A_X"}
    assert [path.name for path in store.path.parent.iterdir()] == ["contoso.json"]


def test_backups_are_private_files_recorded_in_the_state() -> None:
    store = StateStore("contoso")
    state = RunState(tenant="contoso", answers=ANSWERS)
    backup = store.back_up_policy(state, "B2C_1A_TrustFrameworkExtensions", b"<old/>")
    assert Path(backup.path).read_bytes() == b"<old/>"
    assert stat.S_IMODE(Path(backup.path).stat().st_mode) == 0o600
    assert store.load().backups[0].policy_id == "B2C_1A_TrustFrameworkExtensions"


def test_a_damaged_state_file_is_an_error_not_a_fresh_start() -> None:
    store = StateStore("contoso")
    store.path.parent.mkdir(parents=True)
    store.path.write_text("{not json")
    with pytest.raises(BadInputError, match="cannot be read"):
        store.load()


@pytest.mark.parametrize(("version", "said"), [(3, "upgrade asignio-setup"), (0, "move the file aside")])
def test_a_state_file_in_another_format_is_refused_with_its_format_named(version: int, said: str) -> None:
    store = StateStore("contoso")
    state = RunState(tenant="contoso", answers=ANSWERS)
    state.version = version
    store.save(state)
    with pytest.raises(BadInputError) as refused:
        store.load()
    assert f"format {version}" in refused.value.what and "reads formats 1 and 2" in refused.value.what
    assert said in refused.value.fix


def test_a_format_1_state_loads_with_what_it_recorded_as_made_in_the_ledger() -> None:
    """Format 1 kept each step's `made` (and `made_before_removal` after a plain remove); read now, they are the
    ledger's made entries, by kind and id, and the file is saved in this format from then on."""
    data = json.loads(RunState(tenant="contoso", answers=ANSWERS, finished=True).model_dump_json())
    del data["ledger"]
    data["version"] = 1
    data["steps"] = {
        "token-signing-key": {"status": "done", "made": {"key_set": "B2C_1A_TokenSigningKeyContainer"}},
        "ief-app": {
            "status": "done",
            "made": {"application": "app-object", "app_id": "app-id", "service_principal": "sp"},
        },
        "ief-consent-grants": {"status": "done", "made": {"grant sp graph-sp": "grant-1"}},
        "policy-key": {"status": "done", "made": {}},
    }
    data["made_before_removal"] = {
        "starter-pack-base": {"policies": "B2C_1A_TrustFrameworkBase,B2C_1A_TrustFrameworkExtensions"}
    }
    store = StateStore("contoso")
    store.path.parent.mkdir(parents=True)
    store.path.write_text(json.dumps(data))

    state = store.load()
    assert state is not None and state.version == STATE_VERSION
    assert {(entry.kind, entry.id, entry.origin, entry.step, entry.app_id) for entry in state.ledger} == {
        (ObjectKind.KEY_SET, "B2C_1A_TokenSigningKeyContainer", Origin.MADE, "token-signing-key", None),
        (ObjectKind.APPLICATION, "app-object", Origin.MADE, "ief-app", "app-id"),
        (ObjectKind.SERVICE_PRINCIPAL, "sp", Origin.MADE, "ief-app", "app-id"),
        (ObjectKind.CONSENT_GRANT, "grant-1", Origin.MADE, "ief-consent-grants", None),
        (ObjectKind.POLICY, "B2C_1A_TrustFrameworkBase", Origin.MADE, "starter-pack-base", None),
        (ObjectKind.POLICY, "B2C_1A_TrustFrameworkExtensions", Origin.MADE, "starter-pack-base", None),
    }
    assert all(entry.kids is None and entry.sha256 is None for entry in state.ledger)
    assert [run.tenant for run in saved_runs()[1]] == ["contoso"]


def test_a_finished_setup_is_listed_until_a_remove_and_again_after_a_later_setup() -> None:
    set_up = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    records = {"preflight": StepRecord(status=StepStatus.DONE, updated_at=set_up)}
    state = RunState(tenant="contoso", answers=ANSWERS, steps=records, finished=True)
    StateStore("contoso").save(state)
    unfinished, finished = saved_runs()
    assert unfinished == [] and [run.tenant for run in finished] == ["contoso"]

    state.removed_at = set_up + timedelta(hours=1)
    StateStore("contoso").save(state)
    assert saved_runs() == ([], [])

    state.steps["relying-party"] = StepRecord(status=StepStatus.DONE, updated_at=set_up + timedelta(hours=2))
    StateStore("contoso").save(state)
    assert [run.tenant for run in saved_runs()[1]] == ["contoso"]


def test_a_remove_that_stopped_is_listed_to_finish_not_as_a_setup_to_resume() -> None:
    set_up = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    records = {
        "preflight": StepRecord(status=StepStatus.DONE, updated_at=set_up + timedelta(hours=1)),
        "relying-party": StepRecord(status=StepStatus.DONE, updated_at=set_up),
        "remove-relying-party": StepRecord(status=StepStatus.FAILED, updated_at=set_up + timedelta(hours=1)),
    }
    StateStore("contoso").save(RunState(tenant="contoso", answers=ANSWERS, steps=records))
    unfinished, finished = saved_runs()
    assert unfinished == [] and [(run.tenant, run.removal_stopped) for run in finished] == [("contoso", True)]

    records["relying-party"] = StepRecord(status=StepStatus.FAILED, updated_at=set_up + timedelta(hours=2))
    StateStore("contoso").save(RunState(tenant="contoso", answers=ANSWERS, steps=records))
    unfinished, finished = saved_runs()
    assert [run.tenant for run in unfinished] == ["contoso"] and finished == []


def test_unfinished_runs_lists_only_unfinished_tenants_and_discard_forgets() -> None:
    StateStore("contoso").save(RunState(tenant="contoso", answers=ANSWERS))
    done = RunState(tenant="fabrikam", answers=ANSWERS, finished=True)
    StateStore("fabrikam").save(done)
    runs = unfinished_runs()
    assert [run.tenant for run in runs] == ["contoso"]
    discard_run("contoso")
    assert unfinished_runs() == []


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_the_folder_backups_lock_and_files_are_private() -> None:
    store = StateStore("contoso")
    store.folder.mkdir(parents=True, mode=0o700)
    (store.folder / "contoso.lock").touch(mode=0o644)
    with store.exclusive():
        state = RunState(tenant="contoso", answers=ANSWERS)
        backup = Path(store.back_up_policy(state, "B2C_1A_TrustFrameworkExtensions", b"<old/>").path)
    assert mode(store.folder) == 0o700
    assert mode(store.folder / "backups") == 0o700 and mode(store.folder / "backups" / "contoso") == 0o700
    assert mode(store.folder / "contoso.lock") == 0o600
    assert mode(backup) == 0o600 and mode(store.path) == 0o600


def test_a_state_folder_open_to_others_is_made_private_and_said_so() -> None:
    store = StateStore("contoso")
    store.folder.mkdir(parents=True)
    store.folder.chmod(0o777)
    said: list[str] = []
    store.on_notice = said.append
    store.save(RunState(tenant="contoso", answers=ANSWERS))
    assert mode(store.folder) == 0o700
    assert said == [
        f"{store.folder} was open to other users (mode 0777); it is now 0700, since it holds each tenant's answers, "
        "progress and policy backups"
    ]
    store.save(RunState(tenant="contoso", answers=ANSWERS))
    assert len(said) == 1


def test_a_lock_file_that_is_a_symlink_is_refused_and_its_target_never_made(tmp_path: Path) -> None:
    store = StateStore("contoso")
    store.folder.mkdir(parents=True, mode=0o700)
    target = tmp_path / "elsewhere" / "made-by-the-lock"
    target.parent.mkdir()
    (store.folder / "contoso.lock").symlink_to(target)
    with pytest.raises(BadInputError, match=r"contoso\.lock: is a symbolic link"), store.exclusive():
        pass
    assert not target.exists()


def test_a_lock_file_that_is_a_fifo_is_refused_without_waiting() -> None:
    store = StateStore("contoso")
    store.folder.mkdir(parents=True, mode=0o700)
    os.mkfifo(store.folder / "contoso.lock")
    with (
        pytest.raises(BadInputError, match=r"contoso.lock: is a FIFO \(named pipe\), not a lock file"),
        store.exclusive(),
    ):
        pass


@pytest.mark.parametrize("linked", ["backups", "backups/contoso"])
def test_a_symlinked_backups_folder_is_refused_and_nothing_lands_behind_it(tmp_path: Path, linked: str) -> None:
    store = StateStore("contoso")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    link = store.folder / linked
    link.parent.mkdir(parents=True)
    link.symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(BadInputError, match=f"{linked}: is a symbolic link"):
        store.back_up_policy(RunState(tenant="contoso", answers=ANSWERS), "B2C_1A_TrustFrameworkExtensions", b"<old/>")
    assert list(elsewhere.rglob("*")) == []


def test_a_policy_id_that_is_not_b2c_s_never_names_a_backup(tmp_path: Path) -> None:
    store = StateStore("contoso")
    with pytest.raises(TenantNotReadyError, match="not one B2C allows"):
        store.back_up_policy(RunState(tenant="contoso", answers=ANSWERS), "../../../escaped", b"<old/>")
    assert not list(tmp_path.rglob("escaped*"))


def test_a_state_file_of_another_tenant_is_refused_and_not_listed() -> None:
    StateStore("fabrikam").save(RunState(tenant="fabrikam", answers=ANSWERS))
    store = StateStore("contoso")
    os.replace(StateStore("fabrikam").path, store.path)
    with pytest.raises(BadInputError) as refused:
        store.load()
    assert refused.value.what == f"{store.path} holds the progress of tenant fabrikam, not of contoso its name says"
    assert unfinished_runs() == []


@pytest.mark.parametrize("named", ["fabrikam.onmicrosoft.com", "Fabrikam"])
def test_a_state_file_naming_another_tenant_in_another_spelling_says_which(named: str) -> None:
    store = StateStore("contoso")
    store.save(RunState(tenant="contoso", answers=ANSWERS))
    store.path.write_text(store.path.read_text().replace('"tenant": "contoso"', f'"tenant": "{named}"'))
    with pytest.raises(BadInputError) as refused:
        store.load()
    assert refused.value.what == (
        f"The saved progress in {store.path} cannot be read: tenant: '{named}' is not a tenant's bare name"
    )


def test_a_state_file_naming_a_tenant_no_tenant_can_have_is_damaged() -> None:
    store = StateStore("contoso")
    store.save(RunState(tenant="contoso", answers=ANSWERS))
    store.path.write_text(store.path.read_text().replace('"tenant": "contoso"', '"tenant": "../../x"'))
    with pytest.raises(BadInputError, match="cannot be read"):
        store.load()
    assert unfinished_runs() == []


def test_a_folder_where_the_state_file_should_be_is_a_sentence() -> None:
    store = StateStore("contoso")
    store.path.mkdir(parents=True)
    with pytest.raises(BadInputError, match=r"contoso.json: the saved progress is a folder, not a regular file"):
        store.load()
    with pytest.raises(BadInputError, match=r"contoso.json: cannot be written \(a folder is where a file should be\)"):
        store.save(RunState(tenant="contoso", answers=ANSWERS))


def test_xdg_state_home_pointing_at_a_file_is_a_sentence_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    not_a_folder = tmp_path / "state-home-file"
    not_a_folder.write_text("a file")
    monkeypatch.setenv("XDG_STATE_HOME", str(not_a_folder))
    store = StateStore("contoso")
    for attempt in (store.load, lambda: store.save(RunState(tenant="contoso", answers=ANSWERS))):
        with pytest.raises(BadInputError) as refused:
            attempt()
        assert refused.value.what == f"{not_a_folder}: is a file, but the state folder {store.folder} belongs there"
        assert refused.value.exit_code == ExitCode.BAD_INPUT and "XDG_STATE_HOME" in refused.value.fix
    assert unfinished_runs() == []


def custom_policy_answers(tmp_path: Path) -> Path:
    path = tmp_path / "answers.toml"
    path.write_text(
        '[tenant]\nname = "contoso"\n[asignio]\nclient_id = "00001111-aaaa-2222-bbbb-3333cccc4444"\n'
        '[setup]\npivot = "custom-policy"\n',
        encoding="utf-8",
    )
    return path


def test_a_run_says_it_made_an_open_state_folder_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    state_dir().mkdir(parents=True)
    state_dir().chmod(0o777)
    with SimulatorServer(seeded_tenant()) as server:
        point_at(server, monkeypatch)
        assert main(["--non-interactive", str(custom_policy_answers(tmp_path)), "--no-verify"]) == ExitCode.OK
    assert f"warning: {state_dir()} was open to other users (mode 0777); it is now 0700" in capsys.readouterr().err
    assert mode(state_dir()) == 0o700


@pytest.mark.parametrize(
    ("where", "code", "said"),
    [
        ("a folder where the state file goes", ExitCode.BAD_INPUT, "contoso.json: the saved progress is a folder"),
        ("XDG_STATE_HOME is a file", ExitCode.BAD_INPUT, "is a file, but the state folder"),
    ],
)
def test_a_state_folder_that_cannot_hold_the_state_stops_the_run_with_a_sentence(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    where: str,
    code: ExitCode,
    said: str,
) -> None:
    if where == "XDG_STATE_HOME is a file":
        (tmp_path / "state-file").write_text("")
        monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state-file"))
    else:
        (state_dir() / "contoso.json").mkdir(parents=True)
    with SimulatorServer(seeded_tenant()) as server:
        point_at(server, monkeypatch)
        assert main(["--non-interactive", str(custom_policy_answers(tmp_path)), "--no-verify"]) == code
    err = capsys.readouterr().err
    assert said in err and "this is a bug" not in err


@pytest.mark.parametrize(
    ("mount", "code", "said"),
    [
        ({"read_only": True}, ExitCode.BAD_INPUT, "cannot be written (the file system is read-only)"),
        ({"full": True}, ExitCode.SERVICE, "cannot be written, the disk is full"),
    ],
    ids=["read-only", "full"],
)
def test_a_read_only_or_full_state_folder_stops_the_run_with_a_sentence(
    tmp_path: Path, on_own_mount: RunOnMount, mount: dict[str, bool], code: ExitCode, said: str
) -> None:
    state_home = Path(os.environ["XDG_STATE_HOME"])
    with SimulatorServer(seeded_tenant()) as server:
        result = on_own_mount(
            state_home,
            [sys.executable, "-m", "wizard", "--non-interactive", str(custom_policy_answers(tmp_path))],
            folders=("asignio-setup",),
            env=pipeline_environment(server),
            **mount,
        )
    assert result.returncode == code, result.stderr
    assert said in result.stderr and str(state_home / "asignio-setup") in result.stderr
    assert "Traceback" not in result.stderr and "this is a bug" not in result.stderr
    if code == ExitCode.SERVICE:
        assert "free space, then run again" in result.stderr
