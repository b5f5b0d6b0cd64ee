"""Progress: the run against the simulated tenant step by step; portal steps confirmed one by one finish the setup
with a second run that writes nothing; a failure says why and offers Retry; no going back while it writes."""

from __future__ import annotations

import asyncio
import io
import itertools
from collections.abc import Iterator

import pytest
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import Button, ProgressBar, RichLog, Static

from screens.app import print_exit_report
from screens.ask import AskScreen
from screens.done import DoneScreen
from screens.error import ErrorScreen
from screens.messages import RunComplete, RunEvent, WorkFailed
from screens.progress import ProgressScreen
from screens.review import ReviewScreen
from screens.welcome import WelcomeScreen
from tests.support.faults import faults_of
from tests.support.runs import unfinished_runs
from tests.support.tenants import grant_as_an_administrator_would
from tests.support.tui import PORTAL_STEPS, app_confirmed_at_review, confirm_the_review, open_progress, settle
from wizard.errors import ExitCode
from wizard.events import StepFailed, StepProgress, StepStatus, StepWaiting
from wizard.graph import GRAPH_APP_ID
from wizard.policies import demo_chain
from wizard.simulator import SimulatedTenant, SimulatorServer
from wizard.simulator.endpoints import core as endpoints
from wizard.state import StateStore


@pytest.fixture
def simulator() -> Iterator[SimulatorServer]:
    with SimulatorServer(SimulatedTenant.seeded("contoso", base=demo_chain("contoso.onmicrosoft.com"))) as server:
        yield server


async def confirm_in_the_portal(pilot: Pilot, screen: ProgressScreen) -> None:
    """'I did it: confirm', then 'Yes, it is done' in the question it asks."""
    screen.query_one("#confirm-guided", Button).press()
    await pilot.pause()
    assert isinstance(pilot.app.screen, AskScreen)
    await pilot.click("#yes")
    await settle(pilot)
    assert pilot.app.screen is screen


def statuses(screen: ProgressScreen) -> dict[str, StepStatus]:
    return {step_id: row.status for step_id, row in screen.rows.items()}


async def test_portal_steps_confirmed_one_by_one_finish_the_setup(
    simulator: SimulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    messages: list[Message] = []
    app = app_confirmed_at_review(simulator)
    opened: list[str] = []
    monkeypatch.setattr(app, "open_url", lambda url, **kwargs: opened.append(url))
    async with app.run_test(message_hook=messages.append) as pilot:
        await open_progress(pilot)
        screen = app.screen
        assert isinstance(screen, ProgressScreen)
        waited = [m.event for m in messages if isinstance(m, RunEvent) and isinstance(m.event, StepWaiting)]
        assert sorted(event.step for event in waited) == PORTAL_STEPS
        [first_run] = [message.result for message in messages if isinstance(message, RunComplete)]
        assert sorted(first_run.waiting) == PORTAL_STEPS
        assert "Your turn" in str(screen.query_one("#heading", Static).content)
        assert "Turn off local accounts" in str(screen.query_one("#guided-text", Static).content)
        assert "· then 1 more" in str(screen.query_one("#guided-text", Static).content)
        [local_accounts] = [event for event in waited if event.step == "local-accounts-off"]
        assert str(screen.query_one("#guided-link", Static).content).splitlines()[-1] == local_accounts.link
        assert screen.focused is screen.query_one("#open-link", Button)
        assert not screen.query_one("#continue", Button).display
        assert app.active_bindings["ctrl+o"].enabled
        writes_of_the_first_run = simulator.writes

        await pilot.press("enter")
        assert opened == [local_accounts.link]
        await pilot.press("ctrl+y")
        assert app.clipboard == local_accounts.link

        await confirm_in_the_portal(pilot, screen)
        assert statuses(screen)["local-accounts-off"] is StepStatus.DONE
        assert "phone MFA" in str(screen.query_one("#guided-text", Static).content)
        assert len([message for message in messages if isinstance(message, RunComplete)]) == 1
        assert screen.focused is screen.query_one("#open-link", Button)

        await confirm_in_the_portal(pilot, screen)
        [_, second_run] = [message.result for message in messages if isinstance(message, RunComplete)]
        assert second_run.waiting == () and second_run.changed == ()
        assert second_run.run_now_url and "B2C_1_AsignioSignupSignin" in second_run.run_now_url
        assert simulator.writes == writes_of_the_first_run
        not_done = {step for step, status in statuses(screen).items() if status is not StepStatus.DONE}
        assert not_done == {"graph-service-principal"}, "what this screen did stays done, not skipped"
        assert {screen.rows[step].note for step in PORTAL_STEPS} == {"confirmed by you"}
        bar = screen.query_one("#bar", ProgressBar)
        assert bar.progress == bar.total == len(screen.rows)
        assert screen.query_one("#guided").has_class("hidden")
        assert screen.query_one("#guided-link").has_class("hidden")
        assert screen.query_one("#log").display
        assert "ctrl+o" not in app.active_bindings
        assert str(screen.query_one("#heading", Static).content).startswith("Done")
        assert screen.focused is screen.query_one("#continue", Button)

        await pilot.press("enter")
        done = app.screen
        assert isinstance(done, DoneScreen)
        assert done.result.run_now_url == second_run.run_now_url
        assert done.result.changed == first_run.changed and first_run.changed
    state = StateStore("contoso").load()
    assert state is not None and state.finished and state.run_now_url == second_run.run_now_url
    assert unfinished_runs() == []
    assert app.exit_report[:3] == [
        "Asignio setup of contoso.onmicrosoft.com:",
        "Run now (sign in with Asignio; jwt.ms shows the token):",
        second_run.run_now_url,
    ]
    assert app.exit_report[3:] == ["Created in this run:", *(f"  • {line}" for line in first_run.changed)]


async def test_stray_enters_after_confirm_and_run_never_confirm_a_portal_step(simulator: SimulatorServer) -> None:
    """Enter after Enter from the review on: the focus starts on "Open the portal page", and confirming asks again
    with "Not yet" focused, so nothing is confirmed unseen. Ctrl+O says why nothing opened where nothing can."""
    app = app_confirmed_at_review(simulator)
    async with app.run_test(notifications=True) as pilot:
        await confirm_the_review(pilot)
        for _ in range(4):
            await pilot.press("enter")
            await settle(pilot)
        screen = next(screen for screen in app.screen_stack if isinstance(screen, ProgressScreen))
        assert sorted(screen.waiting) == PORTAL_STEPS
        assert statuses(screen)["local-accounts-off"] is StepStatus.WAITING
        state = StateStore("contoso").load()
        assert state is not None and state.confirmed == {}

        screen.query_one("#confirm-guided", Button).press()  # a click would hit the notice over the buttons
        await pilot.pause()
        assert isinstance(app.screen, AskScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen and statuses(screen)["local-accounts-off"] is StepStatus.WAITING

        app._notifications.clear()
        await pilot.press("ctrl+o")
        [said] = [notification.message for notification in app._notifications]
    assert said.startswith("There is no desktop here to open a browser on (no DISPLAY).")
    assert "Open the link on your own machine: it is shown on the screen" in said


async def test_a_refused_consent_for_the_test_app_is_a_guided_step_that_says_when_it_is_still_missing(
    simulator: SimulatorServer,
) -> None:
    """The signed-in account may not grant the test app's consent: the run waits for an administrator with
    Microsoft's admin-consent link; confirmed while the tenant still lacks it, the screen says so; once granted,
    the setup finishes."""
    simulator.consent_allowed = False
    messages: list[Message] = []
    app = app_confirmed_at_review(simulator, pivot="custom-policy", lag_budget=0.0)
    async with app.run_test(message_hook=messages.append) as pilot:
        await open_progress(pilot)
        screen = app.screen
        assert isinstance(screen, ProgressScreen)
        assert list(screen.waiting) == ["test-app-consent"]
        assert not [m for m in messages if isinstance(m, RunEvent) and isinstance(m.event, StepFailed)]
        [test_app] = simulator.tenant.applications.values()
        consent_url = (
            f"https://login.microsoftonline.com/contoso.onmicrosoft.com/adminconsent?client_id={test_app['appId']}"
        )
        guided = str(screen.query_one("#guided-text", Static).content)
        assert guided.startswith("If needed: an administrator grants consent to the test app")
        assert "Global Administrator or Privileged Role Administrator" in guided
        assert str(screen.query_one("#guided-link", Static).content).splitlines()[-1] == consent_url
        assert not screen.query_one("#guided-missing").display

        await confirm_in_the_portal(pilot, screen)
        assert list(screen.waiting) == ["test-app-consent"], "a confirmation without the consent is not enough"
        missing = screen.query_one("#guided-missing", Static)
        assert missing.display and str(missing.content).startswith("Still missing: you confirmed this step")
        assert statuses(screen)["test-app-consent"] is StepStatus.WAITING

        grant_as_an_administrator_would(simulator.tenant, test_app["appId"], GRAPH_APP_ID, "openid offline_access")
        await confirm_in_the_portal(pilot, screen)
        assert not screen.waiting
        assert str(screen.query_one("#heading", Static).content).startswith("Done")
    [*_, last_run] = [message.result for message in messages if isinstance(message, RunComplete)]
    assert last_run.run_now_url and test_app["appId"] in last_run.run_now_url


async def test_after_a_run_back_goes_to_a_fresh_start(simulator: SimulatorServer) -> None:
    app = app_confirmed_at_review(simulator, pivot="custom-policy")
    async with app.run_test() as pilot:
        await open_progress(pilot)
        assert str(app.screen.query_one("#heading", Static).content).startswith("Done")
        assert app.active_bindings["escape"].enabled
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen) and len(app.screen_stack) == 1
        assert app.identity is None and app.session is None and app.draft.pivot is None


async def test_ctrl_q_during_a_write_says_the_run_stopped_and_exits_130(simulator: SimulatorServer) -> None:
    app = app_confirmed_at_review(simulator)
    faults_of(simulator).stall_after_writes(1)
    async with app.run_test() as pilot:
        await confirm_the_review(pilot)
        assert await asyncio.to_thread(faults_of(simulator).wait_until_stalled, 10)
        await pilot.press("ctrl+q")
    faults_of(simulator).release()
    assert app.return_code == ExitCode.INTERRUPTED == 130
    out, err = io.StringIO(), io.StringIO()
    print_exit_report(app, out, err)
    assert err.getvalue().startswith(
        "Stopped during the run; the simulated tenant and its progress ended with the demo"
    )
    assert [run.tenant for run in unfinished_runs()] == ["contoso"]


async def test_a_failed_step_says_why_and_retry_finishes_it(simulator: SimulatorServer) -> None:
    messages: list[Message] = []
    app = app_confirmed_at_review(simulator, pivot="custom-policy")
    faults_of(simulator).fail(1, status=403, writes_only=True)
    async with app.run_test(message_hook=messages.append) as pilot:
        await open_progress(pilot)
        assert isinstance(app.screen, ErrorScreen)
        await pilot.press("escape")
        screen = app.screen
        assert isinstance(screen, ProgressScreen), "the error view closes; the run's screen stays"
        [failed] = [m.event for m in messages if isinstance(m, RunEvent) and isinstance(m.event, StepFailed)]
        assert {m.group for m in messages if isinstance(m, WorkFailed)} == {"run"}
        assert statuses(screen)[failed.step] is StepStatus.FAILED
        failure = str(screen.query_one("#failure-text", Static).content)
        assert failure.startswith(f"✗ {failed.error.what}") and "What to do:" in failure
        assert str(screen.query_one("#heading", Static).content).startswith("Stopped")
        assert screen.focused is screen.query_one("#retry", Button)

        await pilot.press("enter")
        await settle(pilot)
        assert screen.query_one("#failure").has_class("hidden")
        assert statuses(screen)[failed.step] is StepStatus.DONE
        assert str(screen.query_one("#heading", Static).content).startswith("Done")
    assert len(simulator.tenant.applications) == 1


async def test_no_going_back_while_the_run_writes(simulator: SimulatorServer) -> None:
    app = app_confirmed_at_review(simulator)
    faults_of(simulator).stall_after_writes(1)
    async with app.run_test() as pilot:
        await confirm_the_review(pilot)
        assert await asyncio.to_thread(faults_of(simulator).wait_until_stalled, 10)
        await pilot.pause()
        screen = app.screen
        assert screen.running
        assert not app.active_bindings["escape"].enabled
        await pilot.press("escape")
        assert app.screen is screen
        faults_of(simulator).release()
        await settle(pilot)
        assert not screen.running


def test_progress_waiting_for_the_portal_snapshot(
    snap_compare, simulator: SimulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = (f"00000000-0000-4000-8000-{number:012d}" for number in itertools.count(1))
    monkeypatch.setattr(endpoints, "new_id", lambda: next(ids))  # the simulator's object ids, fixed for the picture
    assert snap_compare(app_confirmed_at_review(simulator), terminal_size=(80, 24), run_before=open_progress)


async def test_a_throttled_read_shows_its_wait_in_the_log(simulator: SimulatorServer) -> None:
    messages: list[Message] = []
    app = app_confirmed_at_review(simulator, pivot="custom-policy")
    async with app.run_test(message_hook=messages.append) as pilot:
        pilot.app.call_later(pilot.app.push_screen, ReviewScreen())
        await pilot.pause()
        await settle(pilot)
        faults_of(simulator).throttle(1, retry_after=0)
        await pilot.press("enter")
        await settle(pilot)
        said = "throttled by Graph, waiting 0 s (attempt 1 of 3)"
        progress = [m.event for m in messages if isinstance(m, RunEvent) and isinstance(m.event, StepProgress)]
        assert StepProgress("preflight", said) in progress
        screen = next(screen for screen in app.screen_stack if isinstance(screen, ProgressScreen))
        logged = " ".join(line.text.rstrip() for line in screen.query_one("#log", RichLog).lines)  # lines wrap
        assert f"Check the tenant and the permissions: {said}" in logged


async def test_retry_waits_for_what_the_failed_run_made_and_makes_nothing_twice(simulator: SimulatorServer) -> None:
    """Retry runs the same session again while Graph does not show the failed run's objects yet: it waits for them,
    then writes only what failed."""
    from tests.support.tenants import EXPECTED, tenant_objects

    relying_party = "B2C_1A_AsignioSUSI"
    waits: list[str] = []

    def hook(message: Message) -> None:
        messages.append(message)
        event = message.event if isinstance(message, RunEvent) else None
        if isinstance(event, StepProgress) and "Graph may not show it yet" in event.message:
            waits.append(event.step)
            simulator.replication_lag = 0.0  # the objects replicate once a step waits for them

    messages: list[Message] = []
    app = app_confirmed_at_review(simulator, pivot="custom-policy")
    faults_of(simulator).refuse_policy(relying_party)
    async with app.run_test(message_hook=hook) as pilot:
        await open_progress(pilot)
        assert isinstance(app.screen, ErrorScreen)
        await pilot.press("escape")
        screen = app.screen
        assert isinstance(screen, ProgressScreen)
        assert statuses(screen)["relying-party"] is StepStatus.FAILED
        faults_of(simulator).accept_policy(relying_party)
        simulator.replication_lag = 600.0
        simulator.reset_log()

        await pilot.press("enter")
        await settle(pilot)
        assert str(screen.query_one("#heading", Static).content).startswith("Done")
    assert waits, "the retry did not wait for what the failed run made"
    assert tenant_objects(simulator.tenant) == EXPECTED["custom-policy"]
    assert [(record.method, record.path) for record in simulator.log if record.method != "GET"] == [
        ("PUT", f"/trustFramework/policies/{relying_party}/$value")
    ]
