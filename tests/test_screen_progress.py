"""Progress: the run against the simulated tenant step by step; portal steps confirmed one by one finish the setup
with a second run that writes nothing; a failure says why and offers Retry; no going back while it writes."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator

import pytest
from textual.message import Message
from textual.widgets import Button, ProgressBar, RichLog, Static

from screens.done import DoneScreen
from screens.error import ErrorScreen
from screens.messages import RunComplete, RunEvent, WorkFailed
from screens.progress import ProgressScreen
from screens.review import ReviewScreen
from tests.support.faults import faults_of
from tests.support.runs import unfinished_runs
from tests.support.tui import app_confirmed_at_review, confirm_the_review, open_progress, settle
from wizard.events import StepFailed, StepProgress, StepStatus, StepWaiting
from wizard.policies import demo_chain
from wizard.simulator import SimulatedTenant, SimulatorServer
from wizard.simulator.endpoints import core as endpoints
from wizard.state import StateStore

PORTAL_STEPS = ["local-accounts-off", "user-flow-mfa"]


@pytest.fixture
def simulator() -> Iterator[SimulatorServer]:
    with SimulatorServer(SimulatedTenant.seeded("contoso", base=demo_chain("contoso.onmicrosoft.com"))) as server:
        yield server


def statuses(screen: ProgressScreen) -> dict[str, StepStatus]:
    return {step_id: row.status for step_id, row in screen.rows.items()}


async def test_portal_steps_confirmed_one_by_one_finish_the_setup(simulator: SimulatorServer) -> None:
    messages: list[Message] = []
    app = app_confirmed_at_review(simulator)
    async with app.run_test(message_hook=messages.append) as pilot:
        await open_progress(pilot)
        screen = app.screen
        assert isinstance(screen, ProgressScreen)
        waited = [m.event.step for m in messages if isinstance(m, RunEvent) and isinstance(m.event, StepWaiting)]
        assert sorted(waited) == PORTAL_STEPS
        [first_run] = [message.result for message in messages if isinstance(message, RunComplete)]
        assert sorted(first_run.waiting) == PORTAL_STEPS
        assert "Your turn" in str(screen.query_one("#heading", Static).content)
        assert "Turn off local accounts" in str(screen.query_one("#guided-text", Static).content)
        assert "· then 1 more" in str(screen.query_one("#guided-text", Static).content)
        assert screen.focused is screen.query_one("#confirm-guided", Button)
        assert not screen.query_one("#continue", Button).display
        assert app.active_bindings["ctrl+o"].enabled
        writes_of_the_first_run = simulator.writes
        screen.query_one("#confirm-guided", Button).active_effect_duration = 0  # two Enters in a row both count

        await pilot.press("enter")
        assert statuses(screen)["local-accounts-off"] is StepStatus.DONE
        assert "phone MFA" in str(screen.query_one("#guided-text", Static).content)
        assert len([message for message in messages if isinstance(message, RunComplete)]) == 1

        await pilot.press("enter")
        await settle(pilot)
        [_, second_run] = [message.result for message in messages if isinstance(message, RunComplete)]
        assert second_run.waiting == () and second_run.created == ()
        assert second_run.run_now_url and "B2C_1_AsignioSignupSignin" in second_run.run_now_url
        assert simulator.writes == writes_of_the_first_run
        not_done = {step for step, status in statuses(screen).items() if status is not StepStatus.DONE}
        assert not_done == {"graph-service-principal"}, "what this screen did stays done"
        bar = screen.query_one("#bar", ProgressBar)
        assert bar.progress == bar.total == len(screen.rows)
        assert screen.query_one("#guided").has_class("hidden")
        assert screen.query_one("#log").display
        assert "ctrl+o" not in app.active_bindings
        assert str(screen.query_one("#heading", Static).content).startswith("Done")
        assert screen.focused is screen.query_one("#continue", Button)

        await pilot.press("enter")
        done = app.screen
        assert isinstance(done, DoneScreen)
        assert done.result.run_now_url == second_run.run_now_url
        assert done.result.created == first_run.created and first_run.created
    state = StateStore("contoso").load()
    assert state is not None and state.finished and state.run_now_url == second_run.run_now_url
    assert unfinished_runs() == []


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
