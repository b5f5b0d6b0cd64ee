"""The whole wizard against the simulated tenant, every path (the External ID one in the external-id demo), to a
Run-now URL; and a resume after a stop."""

from __future__ import annotations

import asyncio
import io
import socket
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import Button, Static

from screens.app import AsignioSetupApp, print_exit_report
from screens.ask import AskScreen
from screens.done import DoneScreen
from screens.messages import BaseInspected, ReviewReady, RunComplete, RunEvent, SavedRunsLoaded, SignedIn
from screens.mfa import MfaScreen
from screens.path import PathScreen
from screens.progress import ProgressScreen
from screens.review import ReviewScreen
from screens.tenant import TenantScreen
from screens.welcome import WelcomeScreen
from tests.support.faults import faults_of
from tests.support.tui import settle
from wizard.answers import Pivot
from wizard.demo import DemoOptions
from wizard.errors import ExitCode
from wizard.events import StepFailed, StepWaiting
from wizard.simulator import SimulatedTenant
from wizard.state import StateStore
from wizard.state_files import demo_state_dir, state_files


async def press(pilot: Pilot, *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


async def walk_to_progress(pilot: Pilot, *, custom_policy: bool, phone: bool) -> None:
    """Enter through the demo's prefilled answers, choosing the path and MFA with the arrow keys."""
    app = pilot.app
    await settle(pilot)
    await press(pilot, "enter")
    assert isinstance(app.screen, TenantScreen)
    await press(pilot, "enter")
    assert app.identity is not None and app.identity.tenant_domain == "contoso.onmicrosoft.com"
    await press(pilot, "enter")
    await press(pilot, "enter")
    assert isinstance(app.screen, PathScreen)
    if custom_policy:
        await press(pilot, "down")
    await press(pilot, "enter")
    if phone:
        await press(pilot, "down")
    await press(pilot, "enter")
    assert isinstance(app.screen, ReviewScreen)
    assert not app.screen.query_one("#confirm", Button).disabled
    await press(pilot, "enter")
    assert isinstance(app.screen, ProgressScreen)


async def confirm_portal_steps(pilot: Pilot) -> None:
    """Confirm each portal step as the operator would after doing it: the focus starts on "Open the portal page";
    Tab to "I did it: confirm", Enter, then Tab to "Yes, it is done" in the question, Enter."""
    for _ in range(5):
        screen = pilot.app.screen
        if not (isinstance(screen, ProgressScreen) and screen.waiting):
            return
        assert screen.focused is screen.query_one("#open-link", Button)
        await press(pilot, "tab")
        assert screen.focused is screen.query_one("#confirm-guided", Button)
        await press(pilot, "enter")
        assert isinstance(pilot.app.screen, AskScreen)
        await press(pilot, "tab", "enter")
    raise AssertionError("portal steps still waiting after five confirmations")


@pytest.mark.parametrize(("custom_policy", "phone"), [(False, False), (False, True), (True, False), (True, True)])
async def test_the_wizard_reaches_a_run_now_url(custom_policy: bool, phone: bool) -> None:
    messages: list[Message] = []
    app = AsignioSetupApp(demo=DemoOptions())
    async with app.run_test(message_hook=messages.append) as pilot:
        await walk_to_progress(pilot, custom_policy=custom_policy, phone=phone)
        await confirm_portal_steps(pilot)
        progress = app.screen
        assert isinstance(progress, ProgressScreen)
        assert progress.query_one("#continue", Button).display
        await press(pilot, "enter")
        assert isinstance(app.screen, DoneScreen)
        url = str(app.screen.query_one("#url", Static).content)
        policy = "B2C_1A_AsignioSUSI" if custom_policy else "B2C_1_AsignioSignupSignin"
        assert url.startswith("https://contoso.b2clogin.com/") and policy in url
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert str(app.screen.query_one("#check", Static).content).startswith("Verified: the sign-in reaches Asignio")
        tenant = app.demo.server.tenant
    kinds = {type(message) for message in messages}
    assert {SignedIn, ReviewReady, RunEvent, RunComplete} <= kinds
    assert (BaseInspected in kinds) is custom_policy
    waited = [m.event for m in messages if isinstance(m, RunEvent) and isinstance(m.event, StepWaiting)]
    assert bool(waited) is (not custom_policy)
    assert not [m for m in messages if isinstance(m, RunEvent) and isinstance(m.event, StepFailed)]
    assert len(tenant.applications) == 1
    await assert_nothing_to_resume()


@pytest.mark.parametrize("mfa", ["off", "email"])
async def test_the_wizard_takes_the_external_id_path_to_its_test_url(mfa: str) -> None:
    messages: list[Message] = []
    app = AsignioSetupApp(demo=DemoOptions(platform="external-id"))
    async with app.run_test(message_hook=messages.append) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "enter")
        assert app.identity is not None and app.identity.tenant_type == "CIAM"
        await press(pilot, "enter", "enter")
        assert isinstance(app.screen, PathScreen) and app.screen.offered == (Pivot.EXTERNAL_ID,)
        await press(pilot, "enter")
        assert isinstance(app.screen, MfaScreen)
        if mfa == "email":
            await press(pilot, "down")
        await press(pilot, "enter")
        assert isinstance(app.screen, ReviewScreen)
        assert app.screen.review_steps[0].id == "discovery"
        await press(pilot, "enter")
        assert isinstance(app.screen, ProgressScreen)
        assert not app.screen.waiting, "the External ID path has no portal step"
        await press(pilot, "enter")
        done = app.screen
        assert isinstance(done, DoneScreen)
        url = urlsplit(str(done.query_one("#url", Static).content))
        tenant = app.demo.server.tenant
        metadata_url = app.demo.metadata_url
        assert (url.netloc, url.path) == ("contoso.ciamlogin.com", "/contoso.onmicrosoft.com/oauth2/v2.0/authorize")
        assert str(done.query_one("#redirect-uris", Static).content).splitlines() == [
            f"https://contoso.ciamlogin.com/{tenant.organization_id}/federation/oauth2",
            "https://contoso.ciamlogin.com/contoso.onmicrosoft.com/federation/oauth2",
        ]
        await app.workers.wait_for_complete()
        await pilot.pause()
        checked = str(done.query_one("#check", Static).content)
        assert checked.startswith("Nothing the probes could check fails; not checked: Asignio accepts External ID")
    assert (app.draft.pivot, app.draft.mfa) == ("external-id", mfa)
    [provider] = tenant.identity_providers.values()
    assert provider["@odata.type"] == "#microsoft.graph.oidcIdentityProvider"
    assert provider["wellKnownEndpoint"] == metadata_url
    [flow] = tenant.authentication_events_flows.values()
    assert provider["id"] in flow["_providers"]
    [test_app] = tenant.applications.values()
    assert flow["_apps"] == [test_app["appId"]]
    assert parse_qs(url.query)["client_id"] == [test_app["appId"]]
    policies = list(tenant.conditional_access_policies.values())
    if mfa == "email":
        assert tenant.authentication_methods["email"]["state"] == "enabled"
        [policy] = policies
        assert policy["conditions"]["applications"]["includeApplications"] == [test_app["appId"]]
        assert policy["grantControls"]["builtInControls"] == ["mfa"]
    else:
        assert policies == []
    assert not [m for m in messages if isinstance(m, RunEvent) and isinstance(m.event, StepFailed)]
    await assert_nothing_to_resume()


async def assert_nothing_to_resume(demo_state: Path | None = None) -> None:
    """A finished setup is not offered for Resume on the next launch: the welcome screen shows plain Start. A demo
    keeps its progress apart (beside `demo_state`, or nowhere once a demo of a tenant in memory ends): the real state
    folder stays empty and a real run's welcome screen offers nothing of it."""
    assert state_files() == [], "the demo wrote into the real state folder"
    launches = [AsignioSetupApp()]
    if demo_state is not None:
        state = StateStore("contoso", demo_state_dir(demo_state)).load()
        assert state is not None and state.finished and state.run_now_url
        launches.append(AsignioSetupApp(demo=DemoOptions(state=demo_state)))
    for app in launches:
        messages: list[Message] = []
        async with app.run_test(message_hook=messages.append) as pilot:
            await settle(pilot)
            [loaded] = [message for message in messages if isinstance(message, SavedRunsLoaded)]
            assert loaded.runs == [] and loaded.finished == ([] if not app.demo else loaded.finished)
            assert not app.screen.query_one("#resume", Button).display
            assert not app.screen.query_one("#remove", Button).display or app.demo
            assert app.screen.focused is app.screen.query_one("#start", Button)


async def test_a_tenant_that_is_not_b2c_is_said_on_the_tenant_screen() -> None:
    from wizard.simulator import SimulatorServer

    app = AsignioSetupApp(demo=DemoOptions())
    app.demo.server = SimulatorServer(SimulatedTenant.seeded("contoso", tenant_type="AAD")).start()
    async with app.run_test() as pilot:
        await settle(pilot)
        await press(pilot, "enter", "enter")
        await press(pilot, "escape")
        assert isinstance(app.screen, TenantScreen)
        status = str(app.screen.query_one("#sign-in-status", Static).content)
        assert "neither an Azure AD B2C nor an Entra External ID tenant" in status
        assert app.screen.query_one("#next", Button).disabled
        assert app.demo.server.tenant.identity_providers == {}


async def test_a_stopped_run_resumes_without_duplicates(tmp_path: Path) -> None:
    demo_state = tmp_path / "tenant.json"
    app = AsignioSetupApp(demo=DemoOptions(state=demo_state))
    async with app.run_test() as pilot:
        await settle(pilot)
        await press(pilot, "enter", "enter")
        faults_of(app.demo.server).stall_after_writes(2)
        await press(pilot, "enter", "enter", "enter", "enter")
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("enter")
        assert await asyncio.to_thread(faults_of(app.demo.server).wait_until_stalled, 10)
        await pilot.press("ctrl+q")
    assert app.return_code == ExitCode.INTERRUPTED
    said = io.StringIO()
    print_exit_report(app, io.StringIO(), said)
    assert said.getvalue().startswith("Stopped during the run; what it did so far is saved: start asignio-setup again")

    messages: list[Message] = []
    app = AsignioSetupApp(demo=DemoOptions(state=demo_state))
    async with app.run_test(message_hook=messages.append) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)
        resume = app.screen.query_one("#resume", Button)
        assert resume.display and app.screen.focused is resume
        said = str(app.screen.query_one("#saved-run", Static).content)
        assert " of 8 steps, the last: " in said and "\nNext: " in said and "preflight" not in said
        await press(pilot, "enter", "enter", "enter")
        assert app.resuming and app.draft.pivot == "user-flow"
        await press(pilot, "enter")
        assert isinstance(app.screen, ReviewScreen)
        await press(pilot, "enter")
        await confirm_portal_steps(pilot)
        await press(pilot, "enter")
        assert isinstance(app.screen, DoneScreen)
        tenant = app.demo.server.tenant
    assert len(tenant.identity_providers) == 1
    assert len(tenant.user_flows) == 1
    assert len(tenant.applications) == 1
    await assert_nothing_to_resume(demo_state)


async def test_a_stopped_external_id_demo_resumes_on_the_saved_tenant_and_the_new_demo_document(tmp_path: Path) -> None:
    """The saved tenant keeps its platform without --demo-platform; the resumed answers name the earlier demo's
    document, whose port something else holds now, so the wizard points them at this demo's and the provider follows
    it."""
    demo_state = tmp_path / "tenant.json"
    app = AsignioSetupApp(demo=DemoOptions(state=demo_state, platform="external-id"))
    async with app.run_test() as pilot:
        await settle(pilot)
        await press(pilot, "enter", "enter")
        faults_of(app.demo.server).stall_after_writes(2)
        await press(pilot, "enter", "enter", "enter", "enter")
        assert isinstance(app.screen, ReviewScreen)
        first_metadata_url = app.demo.metadata_url
        await pilot.press("enter")
        assert await asyncio.to_thread(faults_of(app.demo.server).wait_until_stalled, 10)
        await pilot.press("ctrl+q")
    assert app.return_code == ExitCode.INTERRUPTED

    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past the old connections' TIME_WAIT
        squatter.bind(("127.0.0.1", urlsplit(first_metadata_url).port or 0))
        squatter.listen()
        app = AsignioSetupApp(demo=DemoOptions(state=demo_state))
        async with app.run_test() as pilot:
            await settle(pilot)
            assert isinstance(app.screen, WelcomeScreen)
            assert app.screen.query_one("#resume", Button).display
            await press(pilot, "enter", "enter", "enter")
            assert app.resuming and app.draft.pivot == "external-id"
            assert app.demo.server.tenant.tenant_type == "CIAM"
            metadata_url = app.demo.metadata_url
            assert metadata_url is not None and metadata_url != first_metadata_url
            await press(pilot, "enter")
            assert isinstance(app.screen, ReviewScreen)
            await press(pilot, "enter")
            await press(pilot, "enter")
            assert isinstance(app.screen, DoneScreen)
            tenant = app.demo.server.tenant
    [provider] = tenant.identity_providers.values()
    assert provider["wellKnownEndpoint"] == metadata_url
    [flow] = tenant.authentication_events_flows.values()
    [test_app] = tenant.applications.values()
    assert flow["_apps"] == [test_app["appId"]]
    await assert_nothing_to_resume(demo_state)
