"""The welcome screen: what will happen, Resume / Start over for a setup left unfinished, Remove for a finished one."""

from __future__ import annotations

from pathlib import Path

from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import Button, Static

from screens.app import AsignioSetupApp
from screens.ask import AskScreen
from screens.messages import SavedRunsLoaded
from screens.tenant import TenantScreen
from screens.welcome import WelcomeScreen
from tests.support.runs import STOPPED_AT, save_stopped_run, unfinished_runs
from tests.support.tui import settle
from wizard.answers import parse_answers
from wizard.demo import DemoOptions
from wizard.events import StepStatus
from wizard.state import RunState, StateStore, StepRecord, state_dir
from wizard.state_files import demo_state_dir


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


async def test_start_over_asks_first_then_forgets_the_saved_run_and_back_shows_a_fresh_welcome() -> None:
    save_stopped_run()
    messages: list[Message] = []
    app = AsignioSetupApp()
    async with app.run_test(message_hook=messages.append) as pilot:
        await settle(pilot)
        welcome = app.screen
        await pilot.click("#start-over")
        await settle(pilot)
        assert isinstance(app.screen, AskScreen), "Start over asks before discarding progress"
        assert "contoso.onmicrosoft.com (custom-policy) is discarded" in str(
            app.screen.query_one("#question", Static).content
        )
        await pilot.press("enter")  # the focused answer keeps it
        await settle(pilot)
        assert app.screen is welcome
        assert [run.tenant for run in unfinished_runs()] == ["contoso"]

        await pilot.click("#start-over")
        await settle(pilot)
        await pilot.click("#yes")
        await settle(pilot)
        assert isinstance(app.screen, TenantScreen)
        assert not app.resuming
        assert app.draft.pivot is None
        assert unfinished_runs() == []
        assert list(state_dir().glob("*.json")) == []

        messages.clear()
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is welcome
        [loaded] = [message for message in messages if isinstance(message, SavedRunsLoaded)]
        assert loaded.runs == [], "back on the welcome screen, the saved progress is read anew"
        assert not welcome.query_one("#resume", Button).display
        assert not welcome.query_one("#saved-run", Static).display
        assert welcome.focused is welcome.query_one("#start", Button)


async def test_a_stopped_run_is_described_by_its_steps_titles() -> None:
    save_stopped_run()
    app = AsignioSetupApp()
    async with app.run_test() as pilot:
        await settle(pilot)
        said = str(app.screen.query_one("#saved-run", Static).content)
    assert "Done: 2 of 16 steps, the last: Store the Asignio Client Secret as a policy key" in said
    assert "Next: Read the tenant's base policies and build the Asignio policies, then 13 more" in said
    assert "preflight" not in said


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


async def test_a_demo_welcome_never_offers_a_real_setup_and_a_real_one_never_a_demos(tmp_path: Path) -> None:
    """A demo keeps its progress beside its --demo-state file (or in a folder of its own that ends with it)."""
    save_finished_setup()
    app = AsignioSetupApp(demo=DemoOptions())
    async with app.run_test() as pilot:
        await _wait_for_saved_runs(pilot)
        assert not app.screen.query_one("#remove", Button).display
        assert not app.screen.query_one("#finished-setup", Static).display

    demo_state = tmp_path / "tenant.json"
    real = StateStore("fabrikam").path
    demo_progress = StateStore("fabrikam", demo_state_dir(demo_state)).path
    demo_progress.parent.mkdir(parents=True)
    real.rename(demo_progress)
    save_stopped_run()
    app = AsignioSetupApp(demo=DemoOptions(state=demo_state))
    async with app.run_test() as pilot:
        await _wait_for_saved_runs(pilot)
        assert str(app.screen.query_one("#remove", Button).label) == "Remove fabrikam"
        assert not app.screen.query_one("#resume", Button).display, "the real unfinished run is not the demo's"


def test_start_over_asks_first_snapshot(snap_compare) -> None:
    async def ask_to_start_over(pilot: Pilot) -> None:
        await _wait_for_saved_runs(pilot)
        await pilot.click("#start-over")
        await pilot.pause()

    save_stopped_run()
    assert snap_compare(AsignioSetupApp(), terminal_size=(80, 24), run_before=ask_to_start_over)
