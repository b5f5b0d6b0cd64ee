"""MFA: off or phone on B2C (for the user flow, what the one portal step will ask); off, email or SMS on External ID."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from screens.app import DEMO_CLIENT_ID, AsignioSetupApp
from screens.mfa import MfaScreen
from screens.review import ReviewScreen
from tests.support.tui import SnapCompare


def app_at_mfa(pivot: str) -> AsignioSetupApp:
    app = AsignioSetupApp()
    app.draft.pivot = pivot
    return app


async def open_mfa(pilot: Pilot[int]) -> None:
    pilot.app.call_later(pilot.app.push_screen, MfaScreen())  # from the app's task, so message_hook sees its messages
    await pilot.pause()
    await pilot.pause()


async def test_phone_on_the_user_flow_explains_the_portal_step(monkeypatch: pytest.MonkeyPatch) -> None:
    app = app_at_mfa("user-flow")
    monkeypatch.setattr(ReviewScreen, "on_mount", lambda self: None)
    async with app.run_test() as pilot:
        await open_mfa(pilot)
        assert app.draft.mfa == "off"
        assert str(app.screen.query_one("#how", Static).content) == ""
        await pilot.press("down")
        assert app.draft.mfa == "phone"
        assert "Confirm" in str(app.screen.query_one("#how", Static).content)
        await pilot.press("enter")
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, MfaScreen)


async def test_phone_on_a_custom_policy_needs_no_portal_step() -> None:
    app = app_at_mfa("custom-policy")
    async with app.run_test() as pilot:
        await open_mfa(pilot)
        await pilot.press("down")
        assert "nothing to do in the portal" in str(app.screen.query_one("#how", Static).content)


def test_mfa_snapshot(snap_compare: SnapCompare) -> None:
    async def choose_phone(pilot: Pilot[int]) -> None:
        await open_mfa(pilot)
        await pilot.press("down")

    assert snap_compare(app_at_mfa("user-flow"), terminal_size=(80, 24), run_before=choose_phone)


async def test_external_id_offers_email_and_sms_and_says_sms_is_paid(monkeypatch: pytest.MonkeyPatch) -> None:
    app = app_at_mfa("external-id")
    app.draft.mfa = "phone"  # a B2C draft's choice: not one this path has
    app.draft.tenant_name, app.draft.client_id = "contoso", DEMO_CLIENT_ID
    monkeypatch.setattr(ReviewScreen, "on_mount", lambda self: None)
    async with app.run_test() as pilot:
        await open_mfa(pilot)
        choices = app.screen.query_one("#choices", OptionList)
        assert [choices.get_option_at_index(index).id for index in range(choices.option_count)] == [
            "off",
            "email",
            "sms",
        ]
        assert app.draft.mfa == "off"
        await pilot.press("down")
        assert app.draft.mfa == "email"
        assert "Conditional Access" in str(app.screen.query_one("#how", Static).content)
        await pilot.press("down")
        assert app.draft.mfa == "sms"
        assert "paid add-on" in str(app.screen.query_one("#how", Static).content)
        await pilot.press("enter")
        assert isinstance(app.screen, ReviewScreen)
    assert app.draft.answers().setup.mfa.value == "sms"


def test_mfa_external_id_snapshot(snap_compare: SnapCompare) -> None:
    async def choose_sms(pilot: Pilot[int]) -> None:
        await open_mfa(pilot)
        await pilot.press("down", "down")

    assert snap_compare(app_at_mfa("external-id"), terminal_size=(80, 24), run_before=choose_sms)
