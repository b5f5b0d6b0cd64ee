"""Asignio credentials: the client id is checked as typed; the secret goes to the keyring and is never shown again."""

from __future__ import annotations

import asyncio
import threading

import keyring
import keyring.backend
import keyring.errors
import pytest
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Static
from textual.worker import Worker

from screens.app import AsignioSetupApp
from screens.credentials import CredentialsScreen
from screens.messages import SecretLookedUp, SecretSaved
from screens.path import PathScreen
from tests.support.headless import CLIENT_ID
from tests.support.tui import settle
from wizard.secrets import save_asignio_secret, stored_asignio_secret


def app_at_credentials() -> AsignioSetupApp:
    app = AsignioSetupApp()
    app.draft.tenant_name, app.draft.cloud = "contoso", "global"
    return app


async def open_credentials(pilot: Pilot) -> None:
    pilot.app.call_later(
        pilot.app.push_screen, CredentialsScreen()
    )  # from the app's task, so message_hook sees its messages
    await pilot.pause()
    await settle(pilot)


async def test_client_id_is_checked_as_typed_and_a_secret_is_required() -> None:
    messages: list[Message] = []
    app = app_at_credentials()
    async with app.run_test(message_hook=messages.append) as pilot:
        await open_credentials(pilot)
        screen = app.screen
        assert "contoso.b2clogin.com/contoso.onmicrosoft.com/oauth2/authresp" in str(
            screen.query_one("#redirect", Static).content
        )
        await pilot.press(*"0000-1111")
        assert "Not a GUID" in str(screen.query_one("#client-id-hint", Static).content)
        assert not screen.query_one("#client-id", Input).is_valid
        screen.query_one("#client-id", Input).value = CLIENT_ID.upper()
        await settle(pilot)
        assert str(screen.query_one("#client-id-hint", Static).content) == "✓ a GUID"
        [looked_up] = [message for message in messages if isinstance(message, SecretLookedUp)]
        assert (looked_up.client_id, looked_up.found) == (CLIENT_ID, False)
        await pilot.click("#next")
        assert "Enter the Client Secret" in str(screen.query_one("#secret-status", Static).content)
        assert screen.focused is screen.query_one("#secret", Input)


async def test_without_a_keyring_the_secret_is_kept_for_this_run_only() -> None:
    messages: list[Message] = []
    app = app_at_credentials()
    app.draft.client_id = CLIENT_ID
    async with app.run_test(message_hook=messages.append, notifications=True) as pilot:
        await open_credentials(pilot)
        app.screen.query_one("#secret", Input).focus()
        await pilot.press(*"s3cret", "enter")
        await settle(pilot)
        [saved] = [message for message in messages if isinstance(message, SecretSaved)]
        assert saved.problem is not None and "keyring" in saved.problem.what
        assert isinstance(app.screen, PathScreen)
        assert app._typed_secret == "s3cret"
        assert any("this run only" in notification.message for notification in app._notifications)


@pytest.mark.keyring
async def test_the_secret_goes_to_the_keyring_and_is_offered_again(secret_service: str) -> None:
    app = app_at_credentials()
    app.draft.client_id = CLIENT_ID
    worker_changes: list[Message] = []
    async with app.run_test(message_hook=worker_changes.append) as pilot:
        await open_credentials(pilot)
        app.screen.query_one("#secret", Input).focus()
        await pilot.press(*"s3cret", "enter")
        await settle(pilot)
        assert isinstance(app.screen, PathScreen)
    assert stored_asignio_secret("contoso", CLIENT_ID) == "s3cret"
    described = [change.worker.description for change in worker_changes if isinstance(change, Worker.StateChanged)]
    assert described and not any("s3cret" in description for description in described)

    messages: list[Message] = []
    app = app_at_credentials()
    app.draft.client_id = CLIENT_ID
    async with app.run_test(message_hook=messages.append) as pilot:
        await open_credentials(pilot)
        screen = app.screen
        assert any(isinstance(message, SecretLookedUp) and message.found for message in messages)
        assert screen.query_one("#reuse", Checkbox).display
        secret = screen.query_one("#secret", Input)
        assert secret.disabled and secret.value == ""
        await pilot.click("#next")
        await pilot.pause()
        assert isinstance(app.screen, PathScreen)
        assert app._typed_secret is None
    assert keyring.get_keyring() is not None


@pytest.mark.keyring
def test_credentials_with_a_stored_secret_snapshot(snap_compare, secret_service: str) -> None:
    save_asignio_secret("contoso", CLIENT_ID, "s3cret")
    app = app_at_credentials()
    app.draft.client_id = CLIENT_ID
    assert snap_compare(app, terminal_size=(80, 24), run_before=open_credentials)


def test_credentials_snapshot(snap_compare) -> None:
    async def type_a_partial_id(pilot: Pilot) -> None:
        await open_credentials(pilot)
        await pilot.press(*"00001111-aaaa")

    assert snap_compare(app_at_credentials(), terminal_size=(80, 24), run_before=type_a_partial_id)


class KeyringWaitingForUnlock(keyring.backend.KeyringBackend):
    """A keyring whose save waits (as gnome-keyring does behind its unlock prompt) until the test lets it go."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.saving = threading.Event()
        self.unlocked = threading.Event()
        self.saved: list[str] = []

    def get_password(self, service: str, username: str) -> str | None:
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        self.saving.set()
        self.unlocked.wait(timeout=20)
        self.saved.append(password)

    def delete_password(self, service: str, username: str) -> None:
        raise keyring.errors.PasswordDeleteError(username)


async def test_enter_again_while_the_keyring_waits_saves_once_and_goes_on_once() -> None:
    backend = KeyringWaitingForUnlock()
    keyring.set_keyring(backend)
    messages: list[Message] = []
    app = app_at_credentials()
    app.draft.client_id = CLIENT_ID
    async with app.run_test(message_hook=messages.append) as pilot:
        await open_credentials(pilot)
        app.screen.query_one("#secret", Input).focus()
        await pilot.press(*"s3cret", "enter")
        assert await asyncio.to_thread(backend.saving.wait, 20)
        await pilot.press("enter")
        backend.unlocked.set()
        await settle(pilot)
        assert [type(screen) for screen in app.screen_stack].count(PathScreen) == 1
        assert app._typed_secret == "s3cret"
    assert backend.saved == ["s3cret"]
    assert len([message for message in messages if isinstance(message, SecretSaved)]) == 1
