"""Review: the plan against the simulated tenant, what it already has, the extensions diff; nothing written here."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from textual.geometry import Region
from textual.message import Message
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Button, Static

from screens.app import DEMO_CLIENT_ID, AsignioSetupApp
from screens.messages import ReviewReady
from screens.mfa import MfaScreen
from screens.progress import ProgressScreen
from screens.review import ReviewScreen
from tests.support.headless import SECRET
from tests.support.tui import SnapCompare
from wizard.demo import DemoOptions
from wizard.policies import demo_chain
from wizard.session import sign_in
from wizard.simulator import SimulatedTenant, SimulatorServer
from wizard.simulator.discovery import DiscoveryServer

SNAPSHOT_DISCOVERY_PORT = 28419
"""A fixed port below the ephemeral range, so the discovery document's URL the External ID plan shows is the same
in every run of the snapshot."""


def app_at_review(
    simulator: SimulatorServer, pivot: str, mfa: str = "phone", *, metadata_url: str | None = None
) -> AsignioSetupApp:
    """The wizard as the MFA screen leaves it: every answer given, signed in to the simulated tenant."""
    app = AsignioSetupApp(demo=DemoOptions())
    assert app.demo is not None
    app.demo.server = simulator
    app.draft.client_id = DEMO_CLIENT_ID
    app.draft.pivot, app.draft.mfa = pivot, mfa
    if metadata_url is not None:
        app.draft.unasked = {"asignio": {"metadata_url": metadata_url}}
    app.keep_typed_secret(SECRET)
    answers = app.final_answers()
    app.signed_in = sign_in(answers.tenant, answers.auth, demo=simulator)
    app.session = app.signed_in.session_for(answers, secret=SECRET)
    return app


@pytest.fixture
def simulator() -> Iterator[SimulatorServer]:
    with SimulatorServer(SimulatedTenant.seeded("contoso", base=demo_chain("contoso.onmicrosoft.com"))) as server:
        yield server


@pytest.fixture
def external_simulator() -> Iterator[SimulatorServer]:
    with SimulatorServer(SimulatedTenant.seeded("contoso", tenant_type="CIAM")) as server:
        yield server


def shown_text(widget: Widget) -> str:
    """What the widget shows on screen, line by line, as the operator reads it."""
    return "\n".join(strip.text for strip in widget.render_lines(Region(0, 0, *widget.size)))


async def open_review(pilot: Pilot[int]) -> None:
    pilot.app.call_later(
        pilot.app.push_screen, ReviewScreen()
    )  # from the app's task, so message_hook sees its messages
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_the_user_flow_plan_is_listed_and_nothing_is_written_before_confirm(simulator: SimulatorServer) -> None:
    messages: list[Message] = []
    app = app_at_review(simulator, "user-flow")
    async with app.run_test(message_hook=messages.append) as pilot:
        await open_review(pilot)
        [ready] = [message for message in messages if isinstance(message, ReviewReady)]
        assert ready.review.extensions_diff is None
        screen = app.screen
        plan = shown_text(screen.query_one("#plan", Static))
        for number, step in enumerate(ready.review.steps, start=1):
            assert f"{number}. {step.title[:30]}" in plan
        assert "user-flow-mfa" in [step.id for step in ready.review.steps]
        assert not screen.query_one("#diff", Static).display
        assert screen.focused is screen.query_one("#confirm", Button)
        assert simulator.writes == 0
        await pilot.press("enter")
        assert isinstance(app.screen, ProgressScreen)
        assert [row.title for row in app.screen.rows.values()] == [step.title for step in ready.review.steps]
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert simulator.writes > 0, "Confirm is what starts the writing"


async def test_custom_policy_shows_the_extensions_diff(simulator: SimulatorServer) -> None:
    messages: list[Message] = []
    app = app_at_review(simulator, "custom-policy")
    async with app.run_test(message_hook=messages.append) as pilot:
        await open_review(pilot)
        [ready] = [message for message in messages if isinstance(message, ReviewReady)]
        assert ready.review.extensions_diff
        screen = app.screen
        assert screen.query_one("#diff", Static).display
        assert str(screen.query_one("#diff-title", Static).content) == "Changes to your extensions policy"
        plan = shown_text(screen.query_one("#plan", Static))
        done = [step for step in ready.review.steps if step.done]
        marks = " ".join(plan.split())
        assert done and marks.count("✓ already in the tenant") + marks.count("✓ nothing to do") == len(done)
    assert simulator.writes == 0


async def test_at_80x24_the_summary_and_the_changes_come_first_and_pgdn_scrolls_from_the_confirm_button(
    simulator: SimulatorServer,
) -> None:
    messages: list[Message] = []
    app = app_at_review(simulator, "custom-policy")
    async with app.run_test(size=(80, 24), message_hook=messages.append) as pilot:
        await open_review(pilot)
        [ready] = [message for message in messages if isinstance(message, ReviewReady)]
        screen = app.screen
        changes = [step for step in ready.review.steps if not step.done]
        in_place = len(ready.review.steps) - len(changes)
        heading = str(screen.query_one("#heading", Static).content)
        assert heading == f"Review the plan: {len(changes)} changes, {in_place} already in place"
        plan = " ".join(shown_text(screen.query_one("#plan", Static)).split())
        assert plan.count("— to do") == len(changes)
        assert plan.rindex("— to do") < plan.index("✓"), "the changes are listed before what is in place"
        confirm = screen.query_one("#confirm", Button)
        assert screen.focused is confirm
        body = screen.query_one(".body")
        assert body.max_scroll_y > 0 and body.scroll_y == 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert body.scroll_y > 0, "PgDn scrolls the plan with the focus on Confirm"
        assert screen.focused is confirm
        await pilot.press("pageup")
        await pilot.pause()
        assert body.scroll_y == 0
    assert simulator.writes == 0


async def test_a_step_that_only_reads_is_not_said_to_be_in_the_tenant(external_simulator: SimulatorServer) -> None:
    with DiscoveryServer("good") as discovery:
        app = app_at_review(external_simulator, "external-id", "email", metadata_url=discovery.url)
        async with app.run_test() as pilot:
            await open_review(pilot)
            plan = " ".join(shown_text(app.screen.query_one("#plan", Static)).split())
    assert "Check Asignio's discovery document — ✓ nothing to do" in plan
    assert "discovery document — ✓ already in the tenant" not in plan


async def test_back_from_review_keeps_the_answers(simulator: SimulatorServer) -> None:
    app = app_at_review(simulator, "user-flow", mfa="off")
    async with app.run_test() as pilot:
        app.call_later(app.push_screen, MfaScreen())
        await pilot.pause()
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, MfaScreen)
        assert (app.draft.pivot, app.draft.mfa) == ("user-flow", "off")


def test_review_user_flow_snapshot(snap_compare: SnapCompare, simulator: SimulatorServer) -> None:
    assert snap_compare(app_at_review(simulator, "user-flow"), terminal_size=(80, 24), run_before=open_review)


def test_review_custom_policy_snapshot(snap_compare: SnapCompare, simulator: SimulatorServer) -> None:
    assert snap_compare(app_at_review(simulator, "custom-policy"), terminal_size=(80, 24), run_before=open_review)


async def test_the_external_id_plan_lists_the_discovery_check_first_and_writes_nothing(
    external_simulator: SimulatorServer,
) -> None:
    messages: list[Message] = []
    with DiscoveryServer("good") as discovery:
        app = app_at_review(external_simulator, "external-id", "email", metadata_url=discovery.url)
        async with app.run_test(message_hook=messages.append) as pilot:
            await open_review(pilot)
            [ready] = [message for message in messages if isinstance(message, ReviewReady)]
            ids = [step.id for step in ready.review.steps]
            assert ids == [
                "discovery",
                "preflight",
                "oidc-provider",
                "sign-up-flow",
                "test-app",
                "test-app-consent",
                "test-app-flow-link",
                "mfa-method",
                "mfa-policy",
            ]
            plan = " ".join(shown_text(app.screen.query_one("#plan", Static)).split())
            assert "1. Check Asignio's discovery document — ✓ nothing to do" in plan
            assert "Add Asignio as a custom OpenID Connect provider — to do" in plan
            assert not app.screen.query_one("#diff", Static).display
    assert external_simulator.writes == 0


def test_review_external_id_snapshot(snap_compare: SnapCompare, external_simulator: SimulatorServer) -> None:
    with DiscoveryServer("good", port=SNAPSHOT_DISCOVERY_PORT) as discovery:
        app = app_at_review(external_simulator, "external-id", "email", metadata_url=discovery.url)
        assert snap_compare(app, terminal_size=(80, 24), run_before=open_review)
