"""The welcome screen: what will happen, Resume / Start over for a setup left unfinished, Remove for a finished one."""

from __future__ import annotations

from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import Button

from screens.app import AsignioSetupApp
from screens.messages import SavedRunsLoaded
from screens.tenant import TenantScreen
from screens.welcome import WelcomeScreen
from tests.support.runs import STOPPED_AT, save_stopped_run, unfinished_runs
from wizard.answers import parse_answers
from wizard.events import StepStatus
from wizard.state import RunState, StateStore, StepRecord, state_dir


def save_finished_setup() -> None:
    """A custom-policy setup of fabrikam that finished, written as the runner would."""
    answers = parse_answers(
        {
            "tenant": {"name": "fabrikam"},
            "asignio": {"client_id": "00001111-aaaa-2222-bbbb-3333cccc4444"},
            "setup": {"pivot": "custom-policy"},
        }
    )
    steps = {step: StepRecord(status=StepStatus.DONE, updated_at=STOPPED_AT) for step in ("preflight", "policy-key")}
    state = RunState(tenant="fabrikam", answers=answers, steps=steps, finished=True, updated_at=STOPPED_AT)
    path = StateStore("fabrikam").path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(state.model_dump_json())


async def test_start_opens_the_tenant_step_with_no_saved_run() -> None:
    messages: list[Message] = []
    app = AsignioSetupApp()
    async with app.run_test(message_hook=messages.append) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        loaded = [message for message in messages if isinstance(message, SavedRunsLoaded)]
        assert len(loaded) == 1 and loaded[0].runs == []
        assert app.screen.query_one("#resume", Button).display is False
        await pilot.press("enter")
        assert isinstance(app.screen, TenantScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, WelcomeScreen)


async def test_resume_takes_the_saved_answers() -> None:
    save_stopped_run()
    messages: list[Message] = []
    app = AsignioSetupApp()
    async with app.run_test(message_hook=messages.append) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        [loaded] = [message for message in messages if isinstance(message, SavedRunsLoaded)]
        assert [run.tenant for run in loaded.runs] == ["contoso"]
        assert app.screen.focused is app.screen.query_one("#resume", Button)
        await pilot.press("enter")
        assert isinstance(app.screen, TenantScreen)
        assert app.resuming
        assert app.draft.pivot == "custom-policy"
        assert app.draft.client_id == "00001111-aaaa-2222-bbbb-3333cccc4444"


async def test_start_over_forgets_the_saved_run() -> None:
    save_stopped_run()
    app = AsignioSetupApp()
    async with app.run_test() as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.click("#start-over")
        await app.workers.wait_for_complete()
        assert isinstance(app.screen, TenantScreen)
        assert not app.resuming
        assert app.draft.pivot is None
    assert unfinished_runs() == []
    assert list(state_dir().glob("*.json")) == []


async def _wait_for_saved_runs(pilot: Pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_welcome_snapshot(snap_compare) -> None:
    assert snap_compare(AsignioSetupApp(), terminal_size=(80, 24), run_before=_wait_for_saved_runs)


def test_welcome_with_a_stopped_run_snapshot(snap_compare) -> None:
    save_stopped_run()
    assert snap_compare(AsignioSetupApp(), terminal_size=(80, 24), run_before=_wait_for_saved_runs)


async def test_a_finished_setup_is_offered_for_removal_with_start_kept_in_focus() -> None:
    save_finished_setup()
    messages: list[Message] = []
    app = AsignioSetupApp()
    async with app.run_test(message_hook=messages.append) as pilot:
        await _wait_for_saved_runs(pilot)
        [loaded] = [message for message in messages if isinstance(message, SavedRunsLoaded)]
        assert loaded.runs == [] and [run.tenant for run in loaded.finished] == ["fabrikam"]
        remove = app.screen.query_one("#remove", Button)
        assert remove.display and str(remove.label) == "Remove fabrikam"
        assert app.screen.focused is app.screen.query_one("#start", Button)
        await pilot.click("#remove")
        await app.workers.wait_for_complete()
        assert isinstance(app.screen, TenantScreen)
        assert app.removing and not app.resuming
        assert app.draft.tenant_name == "fabrikam" and app.draft.pivot == "custom-policy"


async def test_an_unfinished_run_is_offered_before_a_finished_setup() -> None:
    save_finished_setup()
    save_stopped_run()
    app = AsignioSetupApp()
    async with app.run_test() as pilot:
        await _wait_for_saved_runs(pilot)
        assert app.screen.focused is app.screen.query_one("#resume", Button)
        assert not app.screen.query_one("#remove", Button).display


def test_welcome_offering_remove_snapshot(snap_compare) -> None:
    save_finished_setup()
    assert snap_compare(AsignioSetupApp(), terminal_size=(80, 24), run_before=_wait_for_saved_runs)
