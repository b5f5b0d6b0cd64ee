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
from tests.support.tui import TENANT_ID, settle
from wizard.answers import parse_answers
from wizard.secrets import save_asignio_secret, stored_asignio_secret
from wizard.session import TenantIdentity
from wizard.steps.plan import build_plan


def app_at_credentials(tenant_type: str | None = None) -> AsignioSetupApp:
    """The wizard after the tenant screen; signed in to a tenant of `tenant_type` (None: no sign-in said yet)."""
    app = AsignioSetupApp()
    app.draft.tenant_name, app.draft.cloud = "contoso", "global"
    if tenant_type is not None:
        app.identity = TenantIdentity(
            "admin@contoso.onmicrosoft.com", "contoso.onmicrosoft.com", tenant_type, "Contoso", TENANT_ID
        )
    return app


def shown_redirect_uris(app: AsignioSetupApp) -> list[str]:
    return str(app.screen.query_one("#redirect-uris", Static).content).splitlines()


async def test_an_external_id_tenant_is_shown_its_federation_redirect_uris_with_a_copy_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Both URIs as the plan prints them at the end (Plan.partner_redirect_uris), before anything is run."""
    monkeypatch.setenv("TERM_PROGRAM", "WezTerm")
    answers = parse_answers(
        {"tenant": {"name": "contoso"}, "asignio": {"client_id": CLIENT_ID}, "setup": {"pivot": "external-id"}}
    )
    expected = list(build_plan(answers).partner_redirect_uris(TENANT_ID))
    app = app_at_credentials("CIAM")
    async with app.run_test(notifications=True) as pilot:
        await open_credentials(pilot)
        assert shown_redirect_uris(app) == expected
        said = str(app.screen.query_one("#redirect", Static).content)
        assert "partner.asignio.com before the run" in said
        assert "b2clogin" not in " ".join(shown_redirect_uris(app))
        await pilot.press("ctrl+r")
        assert app.clipboard == "\n".join(expected)
        assert [n.message for n in app._notifications] == ["The redirect URIs copied to the clipboard."]


async def test_a_b2c_tenant_is_shown_its_b2clogin_redirect_uri() -> None:
    app = app_at_credentials("AAD B2C")
    async with app.run_test() as pilot:
        await open_credentials(pilot)
        assert shown_redirect_uris(app) == ["https://contoso.b2clogin.com/contoso.onmicrosoft.com/oauth2/authresp"]


async def test_before_a_sign_in_says_the_platform_both_platforms_uris_are_shown_the_tenant_id_as_a_placeholder() -> (
    None
):
    app = app_at_credentials()
    async with app.run_test() as pilot:
        await open_credentials(pilot)
        assert shown_redirect_uris(app) == [
            "https://contoso.b2clogin.com/contoso.onmicrosoft.com/oauth2/authresp",
            "https://contoso.ciamlogin.com/<tenant id>/federation/oauth2",
            "https://contoso.ciamlogin.com/contoso.onmicrosoft.com/federation/oauth2",
        ]
        assert "<tenant id> is shown once you sign in" in str(app.screen.query_one("#redirect", Static).content)


async def test_spaces_around_the_client_id_are_ignored() -> None:
    app = app_at_credentials("AAD B2C")
    async with app.run_test() as pilot:
        await open_credentials(pilot)
        screen = app.screen
        screen.query_one("#client-id", Input).value = f"  {CLIENT_ID.upper()} "
        await settle(pilot)
        assert str(screen.query_one("#client-id-hint", Static).content) == "✓ a GUID"
        screen.query_one("#secret", Input).value = " s3cret "
        await pilot.click("#next")
        await settle(pilot)
        assert isinstance(app.screen, PathScreen)
        assert app.draft.client_id == CLIENT_ID
        assert app._typed_secret == "s3cret"


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
        assert "https://contoso.b2clogin.com/contoso.onmicrosoft.com/oauth2/authresp" in str(
            screen.query_one("#redirect-uris", Static).content
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
    app = app_at_credentials("AAD B2C")
    app.draft.client_id = CLIENT_ID
    assert snap_compare(app, terminal_size=(80, 24), run_before=open_credentials)


def test_credentials_snapshot(snap_compare) -> None:
    async def type_a_partial_id(pilot: Pilot) -> None:
        await open_credentials(pilot)
        await pilot.press(*"00001111-aaaa")

    assert snap_compare(app_at_credentials("AAD B2C"), terminal_size=(80, 24), run_before=type_a_partial_id)


def test_credentials_external_id_snapshot(snap_compare) -> None:
    assert snap_compare(app_at_credentials("CIAM"), terminal_size=(80, 24), run_before=open_credentials)


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
