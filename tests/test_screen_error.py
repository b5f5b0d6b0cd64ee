"""The error view: any worker's failure lands in the one handler, which shows what is wrong and what to do."""

from __future__ import annotations

from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import Static

from screens.app import AsignioSetupApp
from screens.error import ErrorScreen
from screens.messages import WorkFailed
from screens.welcome import WelcomeScreen
from tests.support.tui import fail_with, settle
from wizard.errors import TenantNotReadyError

PROBLEM = TenantNotReadyError(
    "contoso.onmicrosoft.com is not an Azure AD B2C tenant (its type is AAD)",
    "sign in to your B2C tenant instead",
)


async def test_a_worker_error_opens_the_error_view() -> None:
    messages: list[Message] = []
    app = AsignioSetupApp()
    async with app.run_test(message_hook=messages.append) as pilot:
        app.run_worker(fail_with(PROBLEM), group="sign-in", exit_on_error=False)
        await settle(pilot)
        assert isinstance(app.screen, ErrorScreen)
        assert str(app.screen.query_one("#what", Static).content) == PROBLEM.what
        assert "sign in to your B2C tenant" in str(app.screen.query_one("#fix", Static).content)
        failures = [message for message in messages if isinstance(message, WorkFailed)]
        assert failures and all(failure.group == "sign-in" and failure.error is PROBLEM for failure in failures)
        await pilot.press("escape")
        assert isinstance(app.screen, WelcomeScreen)


async def test_an_unexpected_error_says_it_is_a_bug() -> None:
    app = AsignioSetupApp()
    async with app.run_test() as pilot:
        app.run_worker(fail_with(KeyError("tenant_type")), group="inspect", exit_on_error=False)
        await settle(pilot)
        assert isinstance(app.screen, ErrorScreen)
        assert "Unexpected error: KeyError" in str(app.screen.query_one("#what", Static).content)
        await pilot.press("enter")
        assert isinstance(app.screen, WelcomeScreen)


async def _fail(pilot: Pilot) -> None:
    pilot.app.run_worker(fail_with(PROBLEM), group="sign-in", exit_on_error=False)
    await settle(pilot)


def test_error_snapshot(snap_compare) -> None:
    assert snap_compare(AsignioSetupApp(), terminal_size=(80, 24), run_before=_fail)
