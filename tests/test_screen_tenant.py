"""Tenant and sign-in: the name is checked as typed; sign-in against the simulated tenant says who and where."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from textual import events
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import Button, Input, Select, Static
from textual.worker import Worker, WorkerState

from screens.app import AsignioSetupApp
from screens.credentials import CredentialsScreen
from screens.messages import SignedIn, WorkFailed
from screens.tenant import TenantScreen
from tests.support.tui import settle
from wizard.clouds import Cloud
from wizard.demo import DemoOptions
from wizard.simulator import SimulatedTenant, SimulatorServer


@pytest.fixture
def simulator() -> Iterator[SimulatorServer]:
    with SimulatorServer(SimulatedTenant.seeded("contoso")) as server:
        yield server


def app_against(simulator: SimulatorServer) -> AsignioSetupApp:
    """The demo wizard signing in to `simulator`, with the tenant name still to type."""
    app = AsignioSetupApp(demo=DemoOptions())
    app.demo.server = simulator
    app.draft.tenant_name = ""
    return app


async def open_tenant(pilot: Pilot) -> None:
    pilot.app.call_later(
        pilot.app.push_screen, TenantScreen()
    )  # from the app's task, so message_hook sees its messages
    await pilot.pause()
    await settle(pilot)


async def sign_in_as_typed(pilot: Pilot) -> None:
    await open_tenant(pilot)
    await pilot.press(*"contoso", "enter")
    await settle(pilot)


async def test_the_name_is_checked_as_typed_and_sign_in_says_who_and_where(simulator: SimulatorServer) -> None:
    messages: list[Message] = []
    app = app_against(simulator)
    async with app.run_test(message_hook=messages.append) as pilot:
        await open_tenant(pilot)
        screen = app.screen
        hint = screen.query_one("#tenant-hint", Static)
        assert "before .onmicrosoft.com" in str(hint.content)
        await pilot.press(*"con toso")
        assert hint.has_class("problem")
        await pilot.press("enter")
        await settle(pilot)
        assert not [message for message in messages if isinstance(message, SignedIn)]
        assert screen.focused is screen.query_one("#tenant-name", Input)

        screen.query_one("#tenant-name", Input).value = "contoso.onmicrosoft.com"
        await pilot.pause()
        assert str(hint.content) == "→ contoso.onmicrosoft.com"
        screen.sign_in()
        screen.sign_in()  # Enter again before the first sign-in ended
        await settle(pilot)
        sign_ins = [m.state for m in messages if isinstance(m, Worker.StateChanged) and m.worker.group == "sign-in"]
        assert WorkerState.SUCCESS in sign_ins and WorkerState.CANCELLED not in sign_ins, "Enter twice: one sign-in"
        [signed_in] = [message for message in messages if isinstance(message, SignedIn)]
        assert signed_in.identity.tenant_domain == "contoso.onmicrosoft.com"
        assert signed_in.identity.tenant_type == "AAD B2C"
        assert "✓ Signed in" in str(screen.query_one("#sign-in-status", Static).content)
        assert (app.draft.tenant_name, app.draft.cloud) == ("contoso", "global")
        assert screen.focused is screen.query_one("#next", Button)
        await pilot.press("enter")
        assert isinstance(app.screen, CredentialsScreen)
        await pilot.press("escape")
        assert app.screen is screen
    assert simulator.writes == 0


async def test_a_changed_choice_asks_for_a_new_sign_in(simulator: SimulatorServer) -> None:
    app = app_against(simulator)
    async with app.run_test() as pilot:
        await sign_in_as_typed(pilot)
        screen = app.screen
        assert app.identity is not None
        screen.query_one("#cloud", Select).value = Cloud.US_GOVERNMENT.value
        await pilot.pause()
        assert app.identity is None
        assert screen.query_one("#next", Button).disabled
        assert "Sign in again" in str(screen.query_one("#sign-in-status", Static).content)


async def test_a_tenant_that_is_not_b2c_is_said_before_anything_is_written() -> None:
    messages: list[Message] = []
    with SimulatorServer(SimulatedTenant.seeded("contoso", tenant_type="AAD")) as simulator:
        app = app_against(simulator)
        async with app.run_test(message_hook=messages.append) as pilot:
            await sign_in_as_typed(pilot)
            await pilot.press("escape")
            screen = app.screen
            assert isinstance(screen, TenantScreen)
            assert "neither an Azure AD B2C nor an Entra External ID tenant" in str(
                screen.query_one("#sign-in-status", Static).content
            )
            assert screen.query_one("#sign-in-status", Static).has_class("problem")
            assert screen.query_one("#next", Button).disabled
            assert not screen.query_one("#sign-in", Button).disabled
        assert simulator.writes == 0
    assert [message.group for message in messages if isinstance(message, WorkFailed)][:1] == ["sign-in"]
    assert not [message for message in messages if isinstance(message, SignedIn)]


def test_tenant_signed_in_snapshot(snap_compare, simulator: SimulatorServer) -> None:
    assert snap_compare(app_against(simulator), terminal_size=(80, 24), run_before=sign_in_as_typed)


async def test_a_setup_that_signs_in_with_a_client_secret_keeps_that_method(simulator: SimulatorServer) -> None:
    app = app_against(simulator)
    app.draft.tenant_name = "contoso"
    app.draft.sign_in_method = "client-secret"
    app.draft.unasked = {"auth": {"client_id": "00001111-aaaa-2222-bbbb-3333cccc4444"}}
    async with app.run_test() as pilot:
        await open_tenant(pilot)
        assert app.screen.query_one("#method", Select).value == "client-secret"


def keys_at_once(app: AsignioSetupApp, text: str) -> None:
    """Keys that arrive together, as a paste without bracketed paste or typing over SSH brings them: all queued
    before the first is handled."""
    for char in text:
        key = events.Key(char if char.isalnum() else "full_stop", char)
        key.set_sender(app)
        app.post_message(key)


async def test_keys_arriving_together_never_crash_the_name_check(simulator: SimulatorServer) -> None:
    app = app_against(simulator)
    async with app.run_test() as pilot:
        await open_tenant(pilot)
        await pilot.press(*"conto")
        keys_at_once(app, "so.onmi")
        await settle(pilot)
        assert app.is_running
        name = app.screen.query_one("#tenant-name", Input)
        hint = app.screen.query_one("#tenant-hint", Static)
        assert name.value == "contoso.onmi"
        assert hint.has_class("problem") and "is not a tenant name" in str(hint.content)

        keys_at_once(app, "crosoft.com")
        await settle(pilot)
        assert str(hint.content) == "→ contoso.onmicrosoft.com" and not hint.has_class("problem")


async def test_a_paste_right_after_typing_never_crashes_the_name_check(simulator: SimulatorServer) -> None:
    app = app_against(simulator)
    async with app.run_test() as pilot:
        await open_tenant(pilot)
        keys_at_once(app, "contoso")
        app.post_message(events.Paste(".onmi"))  # behind the keys, as the terminal sends it
        await settle(pilot)
        assert app.is_running
        hint = app.screen.query_one("#tenant-hint", Static)
        assert hint.has_class("problem") and "'contoso.onmi' is not a tenant name" in str(hint.content)


async def test_spaces_around_the_name_are_ignored(simulator: SimulatorServer) -> None:
    messages: list[Message] = []
    app = app_against(simulator)
    async with app.run_test(message_hook=messages.append) as pilot:
        await open_tenant(pilot)
        app.screen.query_one("#tenant-name", Input).value = "  contoso "
        await pilot.pause()
        assert str(app.screen.query_one("#tenant-hint", Static).content) == "→ contoso.onmicrosoft.com"
        await pilot.press("enter")
        await settle(pilot)
        assert [message for message in messages if isinstance(message, SignedIn)]
        assert app.draft.tenant_name == "contoso"


async def test_the_sign_in_says_where_it_signs_in_and_counts_the_seconds_then_says_what_stopped_it() -> None:
    """A sign-in that cannot reach its host takes a while to fail: the status names the host and counts from the
    start; its failure's sentence (what is wrong, what to do) replaces it."""
    said_while_signing_in: list[str] = []
    app = AsignioSetupApp()

    def status(app: AsignioSetupApp) -> str:
        tenant = next(screen for screen in app.screen_stack if isinstance(screen, TenantScreen))
        return str(tenant.query_one("#sign-in-status", Static).content)

    def hook(message: Message) -> None:
        running = isinstance(message, Worker.StateChanged) and message.state is WorkerState.RUNNING
        if running and message.worker.group == "sign-in":  # type: ignore[attr-defined]
            said_while_signing_in.append(status(app))

    app.draft.sign_in_method = "access-token"
    async with app.run_test(message_hook=hook) as pilot:
        await open_tenant(pilot)
        await pilot.press(*"contoso", "enter")
        await settle(pilot)
        said_at_the_end = status(app)
    assert said_while_signing_in == ["Signing in to contoso.onmicrosoft.com through login.microsoftonline.com… 0 s"]
    assert said_at_the_end.startswith("✗ the access-token sign-in method needs a token in ASIGNIO_SETUP_ACCESS_TOKEN")
    assert "export ASIGNIO_SETUP_ACCESS_TOKEN" in said_at_the_end
