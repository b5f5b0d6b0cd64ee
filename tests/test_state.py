"""The state store: private, atomic, per tenant, and honest about damage."""

import stat
from pathlib import Path

import pytest

from wizard.answers import parse_answers
from wizard.errors import BadInputError
from wizard.events import StepStatus
from wizard.state import RunState, StateStore, StepRecord, discard_run, state_dir, unfinished_runs

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


def test_unfinished_runs_lists_only_unfinished_tenants_and_discard_forgets() -> None:
    StateStore("contoso").save(RunState(tenant="contoso", answers=ANSWERS))
    done = RunState(tenant="fabrikam", answers=ANSWERS, finished=True)
    StateStore("fabrikam").save(done)
    runs = unfinished_runs()
    assert [run.tenant for run in runs] == ["contoso"]
    discard_run("contoso")
    assert unfinished_runs() == []
