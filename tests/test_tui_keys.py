"""What every screen shares: F1 (or ?) opens a help listing the screen's keys, the command palette offers the
screen's own commands by name, and every widget the Tab key reaches shows that it has the focus."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.geometry import Region
from textual.message import Message
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, Static

from screens.app import AsignioSetupApp
from screens.ask import AskScreen
from screens.commands import WizardCommands
from screens.credentials import CredentialsScreen
from screens.device_code import DeviceCodeScreen
from screens.done import DoneScreen
from screens.draft import Draft
from screens.error import ErrorScreen
from screens.help import HelpScreen
from screens.messages import SignInChecked
from screens.mfa import MfaScreen
from screens.overwrite import OverwriteScreen
from screens.path import PathScreen
from screens.progress import ProgressScreen
from screens.tenant import TenantScreen
from tests.support.runs import save_stopped_run
from tests.support.tui import (
    EXTERNAL_ID_RESULT,
    PORTAL_STEPS,
    RESULT,
    SCREENS,
    TENANT_ID,
    SnapCompare,
    app_confirmed_at_review,
    finished_app,
    open_progress,
    settle,
)
from wizard.answers_file import load_answers
from wizard.errors import SetupError
from wizard.session import TenantIdentity
from wizard.simulator import SimulatorServer
from wizard.simulator.discovery import DiscoveryServer


def signed_in_app(tenant_type: str = "CIAM") -> AsignioSetupApp:
    app = finished_app()
    app.identity = TenantIdentity(
        "admin@contoso.onmicrosoft.com", "contoso.onmicrosoft.com", tenant_type, "Contoso", TENANT_ID
    )
    return app


async def show(pilot: Pilot[int], screen: Screen[Any]) -> None:
    pilot.app.call_later(pilot.app.push_screen, screen)
    await pilot.pause()
    await settle(pilot)


def help_keys(app: AsignioSetupApp) -> str:
    help_screen = app.screen
    assert isinstance(help_screen, HelpScreen)
    return " ".join(f"{key} {said}" for key, said, _enabled in help_screen.keys)


def test_every_screen_has_its_help() -> None:
    for screen_type in SCREENS:
        assert getattr(screen_type, "HELP", ""), f"{screen_type.__name__} has no help"


async def test_f1_shows_the_screens_keys_and_closes_again() -> None:
    app = signed_in_app()
    async with app.run_test() as pilot:
        await show(pilot, CredentialsScreen())
        credentials = app.screen
        await pilot.press("f1")
        await pilot.pause()
        keys = help_keys(app)
        assert str(app.screen.query_one(".title", Static).content) == "Help: Asignio credentials"
        assert "Ctrl+R Copy the redirect URIs shown" in keys
        assert "Esc Back" in keys and "Ctrl+Q Quit" in keys and "F1 What this screen is for and its keys" in keys
        assert "Ctrl+R copies them" in str(app.screen.query_one("#about", Static).content)
        await pilot.press("f1")
        await pilot.pause()
        assert app.screen is credentials
        await pilot.press("f1", "escape")
        await pilot.pause()
        assert app.screen is credentials


async def test_a_question_mark_typed_in_a_field_is_a_question_mark() -> None:
    app = signed_in_app()
    async with app.run_test() as pilot:
        await show(pilot, TenantScreen())
        name = app.screen.query_one("#tenant-name", Input)
        assert app.screen.focused is name
        await pilot.press("?")
        assert name.value.endswith("?") and not isinstance(app.screen, HelpScreen)
        app.screen.query_one("#sign-in").focus()
        await pilot.press("?")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert str(app.screen.query_one(".title", Static).content) == "Help: Tenant and sign-in"


def test_help_snapshot(snap_compare: SnapCompare) -> None:
    async def open_help(pilot: Pilot[int]) -> None:
        await show(pilot, CredentialsScreen())
        await pilot.press("f1")
        await pilot.pause()

    assert snap_compare(signed_in_app(), terminal_size=(80, 24), run_before=open_help)


def palette_names(app: AsignioSetupApp) -> list[str]:
    return [name for name, _said, _command in WizardCommands(app.screen).commands()]


async def test_the_command_palette_offers_the_screens_own_commands_and_runs_them() -> None:
    app = finished_app()
    async with app.run_test() as pilot:
        await show(pilot, DoneScreen(RESULT))
        names = palette_names(app)
        assert {"Open", "Copy URL", "Save"} <= set(names)
        assert "Copy URIs" not in names, "a command the screen does not offer now is not offered"
        assert "Help: the keys of this screen" in names
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Copy URL", "enter")
        await settle(pilot)
        assert isinstance(app.screen, DoneScreen)
        assert app.clipboard == RESULT.run_now_url

        app.pop_screen()
        await show(pilot, DoneScreen(EXTERNAL_ID_RESULT))
        assert "Copy URIs" in palette_names(app)


async def test_the_palette_on_the_done_screen_runs_the_sign_in_check(
    finished_setup: tuple[SimulatorServer, DiscoveryServer, Path],
) -> None:
    """Done's Ctrl+T is in the palette by name, and choosing it probes the sign-in (here after --no-verify)."""
    _, _, answers = finished_setup
    app = finished_app()
    app.draft = Draft.from_answers(load_answers(answers))
    messages: list[Message] = []
    async with app.run_test(message_hook=messages.append) as pilot:
        await show(pilot, DoneScreen(RESULT))
        assert "Not checked (--no-verify)" in str(app.screen.query_one("#check", Static).content)
        commands = {name: said for name, said, _command in WizardCommands(app.screen).commands()}
        assert commands["Verify"] == "Run the sign-in check again: read-only probes of what a browser would meet"
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Verify", "enter")
        await app.workers.wait_for_complete()
        await settle(pilot)
        assert isinstance(app.screen, DoneScreen)
        said = str(app.screen.query_one("#check", Static).content)
    assert said.startswith("Verified: the sign-in reaches Asignio as it should"), said
    assert [message.verification.verified for message in messages if isinstance(message, SignInChecked)] == [True]


async def test_the_palette_on_a_waiting_portal_step_offers_to_open_and_copy_its_link() -> None:
    from wizard.policies import demo_chain
    from wizard.simulator import SimulatedTenant, SimulatorServer

    with SimulatorServer(SimulatedTenant.seeded("contoso", base=demo_chain("contoso.onmicrosoft.com"))) as server:
        app = app_confirmed_at_review(server)
        async with app.run_test() as pilot:
            await open_progress(pilot)
            assert isinstance(app.screen, ProgressScreen)
            assert sorted(app.screen.waiting) == PORTAL_STEPS
            assert {"Open portal page", "Copy link"} <= set(palette_names(app))


def rendered(widget: Widget) -> list[list[tuple[str, object]]]:
    """The widget and what it holds (a Select's current value is a widget of its own) as drawn, segment by segment
    with its style."""
    drawn: list[list[tuple[str, object]]] = []
    for part in (widget, *widget.walk_children(Widget)):
        lines = part.render_lines(Region(0, 0, part.size.width, part.size.height))
        drawn.extend([(segment.text, segment.style) for segment in line] for line in lines)
    return drawn


async def assert_focus_shows(pilot: Pilot[int]) -> None:
    """Every widget Tab reaches on the current screen is drawn differently with the focus than without it: there is
    no tab stop that does not show, and none that is invisible."""
    screen = pilot.app.screen
    chain = list(screen.focus_chain)
    assert chain, f"nothing to focus on {screen!r}"
    for widget in chain:
        screen.set_focus(None)
        await pilot.pause()
        without = rendered(widget)
        screen.set_focus(widget)
        await pilot.pause()
        assert rendered(widget) != without, f"{widget!r} on {type(screen).__name__} shows no focus"


Opening = Callable[[Pilot[int]], Awaitable[None]]


def pushing(make: Callable[[], Screen[Any]]) -> Opening:
    async def open_it(pilot: Pilot[int]) -> None:
        await show(pilot, make())

    return open_it


async def welcome_with_a_stopped_run(pilot: Pilot[int]) -> None:
    await settle(pilot)


EXPIRES = datetime(2026, 11, 21, 16, 45, tzinfo=UTC)


@pytest.mark.parametrize(
    "opening",
    [
        welcome_with_a_stopped_run,
        pushing(TenantScreen),
        pushing(CredentialsScreen),
        pushing(PathScreen),
        pushing(MfaScreen),
        pushing(lambda: DoneScreen(EXTERNAL_ID_RESULT)),
        pushing(lambda: DeviceCodeScreen("https://microsoft.com/devicelogin", "GTX4PLK2Q", EXPIRES)),
        pushing(lambda: ErrorScreen(SetupError("It stopped", "try again"))),
        pushing(lambda: OverwriteScreen(__import__("pathlib").Path("answers.toml"))),
        pushing(lambda: AskScreen("Discard?", "The saved progress goes.", "Keep it", "Discard")),
        pushing(lambda: HelpScreen("Help: a screen", "What it is for.", [("Ctrl+Y", "Copy", True)])),
    ],
    ids=lambda opening: getattr(opening, "__qualname__", str(opening)),
)
async def test_every_focusable_widget_shows_its_focus(opening: Opening) -> None:
    save_stopped_run()
    app = signed_in_app("AAD B2C")
    async with app.run_test(size=(100, 40)) as pilot:
        await opening(pilot)
        await assert_focus_shows(pilot)


async def test_the_progress_screen_shows_its_focus_while_a_portal_step_waits() -> None:
    from wizard.policies import demo_chain
    from wizard.simulator import SimulatedTenant, SimulatorServer

    with SimulatorServer(SimulatedTenant.seeded("contoso", base=demo_chain("contoso.onmicrosoft.com"))) as server:
        app = app_confirmed_at_review(server)
        async with app.run_test(size=(100, 40)) as pilot:
            await open_progress(pilot)
            await assert_focus_shows(pilot)
