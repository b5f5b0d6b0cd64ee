"""Path: user flow or custom policy on B2C (for custom policy, the base the simulated tenant has and whether it fits);
External ID alone on an external tenant."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from screens.app import DEMO_CLIENT_ID, AsignioSetupApp
from screens.messages import BaseInspected
from screens.mfa import MfaScreen
from screens.path import PathScreen
from wizard.demo import DemoOptions
from wizard.policies import demo_chain
from wizard.session import TenantIdentity, sign_in
from wizard.simulator import SimulatedTenant, SimulatorServer
from wizard.steps.base import EXTERNAL_ID_TENANT_TYPE


def signed_in_app(tenant: SimulatedTenant) -> Iterator[AsignioSetupApp]:
    """The wizard as the credentials screen leaves it: signed in to `tenant`, the path still to choose."""
    with SimulatorServer(tenant) as simulator:
        app = AsignioSetupApp(demo=DemoOptions())
        app.demo.server = simulator
        app.draft.client_id = DEMO_CLIENT_ID
        signing_in = app.draft.sign_in_answers()
        app.signed_in = sign_in(signing_in.tenant, signing_in.auth, demo=simulator)
        app.identity = TenantIdentity(None, "contoso.onmicrosoft.com", tenant.tenant_type, tenant.display_name)
        yield app


@pytest.fixture
def app_with_base() -> Iterator[AsignioSetupApp]:
    yield from signed_in_app(SimulatedTenant.seeded("contoso", base=demo_chain("contoso.onmicrosoft.com")))


@pytest.fixture
def app_without_base() -> Iterator[AsignioSetupApp]:
    yield from signed_in_app(SimulatedTenant.seeded("contoso"))


@pytest.fixture
def app_on_external_id() -> Iterator[AsignioSetupApp]:
    yield from signed_in_app(SimulatedTenant.seeded("contoso", tenant_type=EXTERNAL_ID_TENANT_TYPE))


@pytest.fixture
def app_with_a_broken_chain() -> Iterator[AsignioSetupApp]:
    """Base and extensions, but not the localization the extensions build on (deleted behind the tool's back)."""
    chain = demo_chain("contoso.onmicrosoft.com")
    del chain["B2C_1A_TrustFrameworkLocalization"]
    yield from signed_in_app(SimulatedTenant.seeded("contoso", base=chain))


async def open_path(pilot: Pilot) -> None:
    pilot.app.call_later(pilot.app.push_screen, PathScreen())  # from the app's task, so message_hook sees its messages
    await pilot.pause()
    await pilot.pause()


async def choose_custom_policy(pilot: Pilot) -> None:
    await open_path(pilot)
    await pilot.press("down")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_the_user_flow_goes_on_without_looking_at_policies(app_with_base: AsignioSetupApp) -> None:
    messages: list[Message] = []
    app = app_with_base
    async with app.run_test(message_hook=messages.append) as pilot:
        await open_path(pilot)
        screen = app.screen
        assert screen.focused is screen.query_one("#paths", OptionList)
        assert app.draft.pivot == "user-flow"
        assert not screen.query_one("#base-report", Static).display
        await pilot.press("enter")
        assert isinstance(app.screen, MfaScreen)
        await pilot.press("escape")
        assert app.screen is screen
    assert not [message for message in messages if isinstance(message, BaseInspected)]


async def test_custom_policy_shows_a_base_that_can_host_the_journey(app_with_base: AsignioSetupApp) -> None:
    messages: list[Message] = []
    app = app_with_base
    async with app.run_test(message_hook=messages.append) as pilot:
        await choose_custom_policy(pilot)
        [inspected] = [message for message in messages if isinstance(message, BaseInspected)]
        assert inspected.report.can_host
        assert app.draft.pivot == "custom-policy"
        report = app.screen.query_one("#base-report", Static)
        assert report.display and report.has_class("good")
        assert str(report.content).startswith("✓ It can host the Asignio journey: found B2C_1A_TrustFrameworkBase")
        await pilot.press("enter")
        assert isinstance(app.screen, MfaScreen)
    assert app.demo.server.writes == 0


async def test_custom_policy_without_a_base_offers_to_set_it_up(app_without_base: AsignioSetupApp) -> None:
    messages: list[Message] = []
    app = app_without_base
    async with app.run_test(message_hook=messages.append) as pilot:
        await choose_custom_policy(pilot)
        [inspected] = [message for message in messages if isinstance(message, BaseInspected)]
        assert inspected.report.can_host and inspected.report.present == ()
        report = str(app.screen.query_one("#base-report", Static).content)
        assert "the tenant lacks B2C_1A_TrustFrameworkBase, B2C_1A_TrustFrameworkLocalization" in report
        assert "the setup uploads them first, from asignio-setup's own demo base" in report
        await pilot.press("enter")
        assert isinstance(app.screen, MfaScreen)
    assert app.demo.server.writes == 0


async def test_a_chain_missing_its_localization_is_refused_with_the_reason(
    app_with_a_broken_chain: AsignioSetupApp,
) -> None:
    messages: list[Message] = []
    app = app_with_a_broken_chain
    async with app.run_test(message_hook=messages.append, notifications=True) as pilot:
        await choose_custom_policy(pilot)
        [inspected] = [message for message in messages if isinstance(message, BaseInspected)]
        assert not inspected.report.can_host
        report = str(app.screen.query_one("#base-report", Static).content)
        assert "✗ It cannot host" in report and "B2C_1A_TrustFrameworkLocalization" in report
        await pilot.press("enter")
        assert isinstance(app.screen, PathScreen)
        assert any("cannot host" in notification.message for notification in app._notifications)
        await pilot.press("up", "enter")
        assert isinstance(app.screen, MfaScreen)


def test_path_custom_policy_snapshot(snap_compare, app_with_base: AsignioSetupApp) -> None:
    assert snap_compare(app_with_base, terminal_size=(80, 24), run_before=choose_custom_policy)


def test_path_custom_policy_without_a_base_snapshot(snap_compare, app_without_base: AsignioSetupApp) -> None:
    assert snap_compare(app_without_base, terminal_size=(80, 24), run_before=choose_custom_policy)


async def test_an_external_tenant_is_offered_the_external_id_path_alone(app_on_external_id: AsignioSetupApp) -> None:
    messages: list[Message] = []
    app = app_on_external_id
    app.draft.pivot = "custom-policy"  # a resumed B2C draft: not a path this tenant has
    async with app.run_test(message_hook=messages.append) as pilot:
        await open_path(pilot)
        paths = app.screen.query_one("#paths", OptionList)
        assert [paths.get_option_at_index(index).id for index in range(paths.option_count)] == ["external-id"]
        assert app.draft.pivot == "external-id"
        assert not app.screen.query_one("#base-report", Static).display
        await pilot.press("enter")
        assert isinstance(app.screen, MfaScreen)
    assert not [message for message in messages if isinstance(message, BaseInspected)]
    assert app.demo.server.writes == 0


def test_path_external_id_snapshot(snap_compare, app_on_external_id: AsignioSetupApp) -> None:
    assert snap_compare(app_on_external_id, terminal_size=(80, 24), run_before=open_path)
