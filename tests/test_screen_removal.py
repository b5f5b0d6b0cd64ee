"""The removal screen: Remove on the welcome screen for a finished setup, the plan, Cancel, and the removal itself,
against the simulator after a real headless setup."""

from __future__ import annotations

import asyncio
import io
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import Button, RichLog, Static

from screens.app import AsignioSetupApp
from screens.error import ErrorScreen
from screens.messages import RemovalReady, RunComplete, RunEvent, SavedRunsLoaded, SignedIn
from screens.removal import RemovalScreen
from screens.tenant import TenantScreen
from screens.welcome import WelcomeScreen
from tests.support.faults import faults_of
from tests.support.headless import CLIENT_ID, GUIDED_STEPS, answers_text, point_at, run
from tests.support.tenants import EXTENSIONS, NOTHING_OF_THE_SETUP, left_of_the_setup, seeded_tenant, with_foreign_claim
from tests.support.tui import settle
from wizard.answers import parse_answers
from wizard.events import StepDone, StepStatus
from wizard.secrets import stored_asignio_secret
from wizard.simulator import SimulatorServer
from wizard.state import REMOVAL_STEP_PREFIX, SHARED_STEP, RunState, StateStore, StepRecord
from wizard.steps import build_plan
from wizard.steps.removal import build_removal_plan


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatorServer]:
    with SimulatorServer(seeded_tenant()) as simulated:
        point_at(simulated, monkeypatch)
        yield simulated


def set_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pivot: str, *extra: str) -> None:
    """A finished setup made by the real headless run; afterwards the Asignio secret is nowhere, since a removal
    needs none."""
    answers = tmp_path / f"{pivot}.toml"
    answers.write_text(answers_text(pivot) + '[auth]\nmethod = "access-token"\n', encoding="utf-8")
    assert run(answers, *extra) == 0
    monkeypatch.delenv("ASIGNIO_CLIENT_SECRET")
    assert stored_asignio_secret("contoso", CLIENT_ID) is None


@pytest.fixture
def original_policies(server: SimulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """The tenant's policies before a custom-policy setup, which is then made."""
    original = dict(server.tenant.policies)
    set_up(tmp_path, monkeypatch, "custom-policy")
    assert server.tenant.policies[EXTENSIONS] != original[EXTENSIONS]
    server.reset_log()
    return original


def as_text(widget: Static) -> str:
    """What a Static holding a Rich renderable shows, as plain text."""
    console = Console(width=200, file=io.StringIO(), record=True)
    console.print(widget.content)
    return console.export_text()


async def press(pilot: Pilot, *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


async def open_removal(pilot: Pilot) -> RemovalScreen:
    """From the welcome screen: Remove, sign in with the saved answers' method, Next; the plan is shown."""
    await settle(pilot)
    welcome = pilot.app.screen
    assert isinstance(welcome, WelcomeScreen)
    assert welcome.focused is welcome.query_one("#start", Button)
    await pilot.click("#remove")
    await settle(pilot)
    assert isinstance(pilot.app.screen, TenantScreen)
    await press(pilot, "enter")
    await press(pilot, "enter")
    removal = pilot.app.screen
    assert isinstance(removal, RemovalScreen)
    return removal


async def test_remove_confirmed_leaves_the_tenant_as_it_was(
    server: SimulatorServer, original_policies: dict[str, bytes]
) -> None:
    messages: list[Message] = []
    app = AsignioSetupApp()
    async with app.run_test(message_hook=messages.append) as pilot:
        removal = await open_removal(pilot)
        [loaded] = [message for message in messages if isinstance(message, SavedRunsLoaded)]
        assert loaded.runs == [] and [run.tenant for run in loaded.finished] == ["contoso"]
        assert removal.focused is removal.query_one("#cancel", Button)
        plan = as_text(removal.query_one("#plan", Static))
        assert "- Delete the relying-party policy B2C_1A_AsignioSUSI" in plan
        assert "- Delete the policy key B2C_1A_AsignioSecret" in plan
        note = str(removal.query_one("#extensions-note", Static).content)
        assert "restored from the backup taken before the first Asignio upload" in note
        assert server.writes == 0

        await pilot.click("#remove")
        await settle(pilot)
        removed = str(removal.query_one("#removed", Static).content)
        assert removal.focused is removal.query_one("#quit", Button)
        logged = " ".join(line.text.rstrip() for line in removal.query_one("#log", RichLog).lines)  # lines wrap
        title = removal.rows["remove-relying-party"].title
    assert f"✓ {title}: B2C_1A_AsignioSUSI deleted" in logged, "the terminal's words, the step by its title"
    assert server.tenant.policies == original_policies
    assert left_of_the_setup(server) == NOTHING_OF_THE_SETUP
    assert "B2C_1A_AsignioSUSI deleted" in removed and "B2C_1A_AsignioSecret deleted" in removed
    kinds = {type(message) for message in messages}
    assert {SignedIn, RemovalReady, RunEvent, RunComplete} <= kinds
    done = {m.event.step for m in messages if isinstance(m, RunEvent) and isinstance(m.event, StepDone)}
    assert {"remove-relying-party", "remove-from-extensions", "remove-policy-key", "remove-test-app"} <= done
    state = StateStore("contoso").load()
    assert state is not None and state.removed_at is not None

    messages.clear()
    app = AsignioSetupApp()
    async with app.run_test(message_hook=messages.append) as pilot:
        await settle(pilot)
        [loaded] = [message for message in messages if isinstance(message, SavedRunsLoaded)]
        assert loaded.finished == []
        assert not app.screen.query_one("#remove", Button).display


async def test_back_after_a_remove_shows_a_welcome_read_anew(
    server: SimulatorServer, original_policies: dict[str, bytes]
) -> None:
    app = AsignioSetupApp()
    async with app.run_test() as pilot:
        welcome = app.screen
        removal = await open_removal(pilot)
        await pilot.click("#remove")
        await settle(pilot)
        assert removal.query_one("#quit", Button).display
        await press(pilot, "escape")
        assert app.screen is welcome and len(app.screen_stack) == 1
        assert not welcome.query_one("#remove", Button).display, "the removed setup is no longer offered"
        assert not welcome.query_one("#finished-setup", Static).display
        assert app.exit_report[0] == "Asignio setup removed from contoso.onmicrosoft.com:"


async def test_an_extensions_policy_changed_since_the_setup_is_listed_as_kept_and_stays(
    server: SimulatorServer, original_policies: dict[str, bytes]
) -> None:
    """An admin edited the extensions after the setup: the plan lists them (and the policy key they name) as kept
    with why, the removal takes the rest, and the end says something stayed."""
    edited = server.tenant.policies[EXTENSIONS] = with_foreign_claim(server.tenant.policies[EXTENSIONS])
    app = AsignioSetupApp()
    async with app.run_test() as pilot:
        removal = await open_removal(pilot)
        plan = as_text(removal.query_one("#plan", Static))
        assert f"! {EXTENSIONS} (the Asignio pieces in it): changed since asignio-setup uploaded it: kept" in plan
        assert f"! the key set B2C_1A_AsignioSecret: kept: {EXTENSIONS}, which stays, names it" in plan
        await pilot.click("#remove")
        await settle(pilot)
        assert "what it could not prove its own stays" in str(removal.query_one("#heading", Static).content)
    assert server.tenant.policies[EXTENSIONS] == edited
    assert "B2C_1A_AsignioSUSI" not in server.tenant.policies
    assert "B2C_1A_AsignioSecret" in server.tenant.key_sets


async def test_cancel_writes_nothing_and_goes_back_to_the_start(
    server: SimulatorServer, original_policies: dict[str, bytes]
) -> None:
    state_before = StateStore("contoso").path.read_bytes()
    policies_before = dict(server.tenant.policies)
    app = AsignioSetupApp()
    async with app.run_test() as pilot:
        removal = await open_removal(pilot)
        assert not removal.query_one("#remove", Button).disabled
        await press(pilot, "enter")
        assert isinstance(app.screen, WelcomeScreen)
    assert server.writes == 0
    assert server.tenant.policies == policies_before
    assert StateStore("contoso").path.read_bytes() == state_before


async def test_a_key_set_b2c_keeps_as_bak_is_said_at_the_end(
    server: SimulatorServer, original_policies: dict[str, bytes]
) -> None:
    server.tenant.keep_deleted_key_sets = True
    app = AsignioSetupApp()
    async with app.run_test() as pilot:
        removal = await open_removal(pilot)
        await pilot.click("#remove")
        await settle(pilot)
        removed = str(removal.query_one("#removed", Static).content)
    assert "B2C keeps a backup copy, B2C_1A_AsignioSecret.bak" in removed


async def test_a_refused_delete_shows_the_error_view_and_remove_again_finishes(
    server: SimulatorServer, original_policies: dict[str, bytes]
) -> None:
    app = AsignioSetupApp()
    async with app.run_test() as pilot:
        removal = await open_removal(pilot)
        faults_of(server).fail(1, status=400, writes_only=True)
        await pilot.click("#remove")
        await settle(pilot)
        assert isinstance(app.screen, ErrorScreen)
        await press(pilot, "escape")
        assert app.screen is removal
        assert "Stopped" in str(removal.query_one("#heading", Static).content)
        assert removal.focused is removal.query_one("#remove", Button)
        assert left_of_the_setup(server) != NOTHING_OF_THE_SETUP
        await press(pilot, "enter")
        assert removal.query_one("#quit", Button).display
    assert server.tenant.policies == original_policies
    assert left_of_the_setup(server) == NOTHING_OF_THE_SETUP


async def test_a_removal_stopped_halfway_is_offered_to_finish_not_to_resume(
    server: SimulatorServer, original_policies: dict[str, bytes]
) -> None:
    app = AsignioSetupApp()
    async with app.run_test() as pilot:
        await open_removal(pilot)
        faults_of(server).fail(1, status=400, writes_only=True)
        await pilot.click("#remove")
        await settle(pilot)
        assert isinstance(app.screen, ErrorScreen)
    assert left_of_the_setup(server) != NOTHING_OF_THE_SETUP

    messages: list[Message] = []
    app = AsignioSetupApp()
    async with app.run_test(message_hook=messages.append) as pilot:
        removal = await open_removal(pilot)
        [loaded] = [message for message in messages if isinstance(message, SavedRunsLoaded)]
        assert loaded.runs == [] and [run.removal_stopped for run in loaded.finished] == [True]
        assert "= " in as_text(removal.query_one("#plan", Static))
        await pilot.click("#remove")
        await settle(pilot)
        assert removal.query_one("#quit", Button).display
    assert server.tenant.policies == original_policies
    assert left_of_the_setup(server) == NOTHING_OF_THE_SETUP


@pytest.mark.parametrize("pivot", ["custom-policy", "user-flow"])
def test_the_removal_steps_are_named_as_the_state_tells_a_stopped_remove_by(pivot: str) -> None:
    plan = build_removal_plan(parse_answers(tomllib.loads(answers_text(pivot))))
    assert all(step.id == SHARED_STEP or step.id.startswith(REMOVAL_STEP_PREFIX) for step in plan.steps)
    assert SHARED_STEP in {step.id for step in build_plan(plan.answers).steps}


async def test_remove_after_a_user_flow_setup_deletes_the_flow_the_provider_and_the_app(
    server: SimulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await asyncio.to_thread(set_up, tmp_path, monkeypatch, "user-flow", *GUIDED_STEPS)
    app = AsignioSetupApp()
    async with app.run_test() as pilot:
        removal = await open_removal(pilot)
        plan = as_text(removal.query_one("#plan", Static))
        assert "- Delete the user flow B2C_1_AsignioSignupSignin" in plan
        assert removal.query_one("#extensions-note", Static).display is False
        await pilot.click("#remove")
        await settle(pilot)
        assert removal.query_one("#quit", Button).display
    assert left_of_the_setup(server) == NOTHING_OF_THE_SETUP


async def test_a_tenant_already_clean_is_said_and_remove_only_records_it(
    server: SimulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A setup finished long ago (no waiting for replication) whose objects someone already deleted by hand."""
    answers = parse_answers(tomllib.loads(answers_text("custom-policy") + '[auth]\nmethod = "access-token"\n'))
    long_ago = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    steps = {step: StepRecord(status=StepStatus.DONE, updated_at=long_ago) for step in ("preflight", "relying-party")}
    StateStore("contoso").save(RunState(tenant="contoso", answers=answers, steps=steps, finished=True))
    monkeypatch.delenv("ASIGNIO_CLIENT_SECRET")
    app = AsignioSetupApp()
    async with app.run_test() as pilot:
        removal = await open_removal(pilot)
        plan = as_text(removal.query_one("#plan", Static))
        assert plan.startswith("Nothing to remove") and "= B2C_1A_AsignioSUSI is not in the tenant" in plan
        await pilot.click("#remove")
        await settle(pilot)
        assert "nothing: it was all gone already" in str(removal.query_one("#removed", Static).content)
    assert server.writes == 0
    state = StateStore("contoso").load()
    assert state is not None and state.removed_at is not None


def test_removal_plan_snapshot(snap_compare, server: SimulatorServer, original_policies: dict[str, bytes]) -> None:
    assert snap_compare(AsignioSetupApp(), terminal_size=(100, 30), run_before=open_removal)
