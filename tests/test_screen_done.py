"""Done: the Run-now URL opens and copies; the sign-in probes show with a tick or the fault and its fix, and run
again on a key; the answers file saved here runs again headless."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.geometry import Region
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import Button, Input, Static
from textual.widgets._footer import FooterKey

from screens.app import AsignioSetupApp
from screens.done import DoneScreen
from screens.draft import Draft
from screens.messages import SignInChecked
from screens.overwrite import OverwriteScreen
from screens.welcome import WelcomeScreen
from tests.support.headless import AUTHRESP, CLIENT_ID
from tests.support.tui import (
    EXTERNAL_ID_RESULT,
    EXTERNAL_ID_URL,
    REDIRECT_URIS,
    RESULT,
    URL,
    SnapCompare,
    finished_app,
    settle,
)
from wizard.answers_file import load_answers
from wizard.demo import DemoOptions
from wizard.events import ProbeChecked, ProbeStatus, RunFinished
from wizard.simulator import SimulatorServer
from wizard.simulator.discovery import DiscoveryServer
from wizard.verify import Verification


def finished_external_id_app() -> AsignioSetupApp:
    app = finished_app()
    app.draft.pivot, app.draft.mfa = "external-id", "email"
    return app


async def open_done(pilot: Pilot[int], result: RunFinished = RESULT) -> None:
    pilot.app.call_later(
        pilot.app.push_screen, DoneScreen(result)
    )  # from the app's task, so message_hook sees its messages
    await pilot.pause()
    await pilot.pause()


async def open_external_id_done(pilot: Pilot[int]) -> None:
    await open_done(pilot, EXTERNAL_ID_RESULT)


async def test_open_copy_and_save_answers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = finished_app()
    opened: list[str] = []
    monkeypatch.setattr(app, "open_url", lambda url, **kwargs: opened.append(url))
    async with app.run_test() as pilot:
        await open_done(pilot)
        await pilot.press("enter")
        assert opened == [URL]
        await pilot.press("ctrl+y")
        assert app.clipboard == URL
        target = tmp_path / "contoso.toml"
        app.screen.query_one("#answers-path", Input).value = str(target)
        await pilot.press("ctrl+s")
        said = str(app.screen.query_one("#saved", Static).content)
        assert f"Repeat with: asignio-setup --non-interactive {target}" in said
    answers = load_answers(target)
    assert (answers.tenant.name, answers.setup.mfa.value, answers.asignio.client_id) == (
        "contoso",
        "phone",
        "00001111-aaaa-2222-bbbb-3333cccc4444",
    )
    assert "secret" not in target.read_text().lower().replace("secret_env", "")


async def test_a_path_that_cannot_be_written_is_said(tmp_path: Path) -> None:
    app = finished_app()
    async with app.run_test() as pilot:
        await open_done(pilot)
        app.screen.query_one("#answers-path", Input).value = str(tmp_path / "missing" / "answers.toml")
        await pilot.click("#save")
        assert "Not saved" in str(app.screen.query_one("#saved", Static).content)


def test_done_snapshot(snap_compare: SnapCompare) -> None:
    assert snap_compare(finished_app(), terminal_size=(80, 24), run_before=open_done)


async def test_the_external_id_path_shows_the_redirect_uris_to_register_at_asignio_and_copies_them() -> None:
    app = finished_external_id_app()
    async with app.run_test() as pilot:
        await open_external_id_done(pilot)
        screen = app.screen
        assert str(screen.query_one("#redirect-uris", Static).content).splitlines() == list(REDIRECT_URIS)
        said = " ".join(str(label.content) for label in screen.query(".label").results(Static))
        assert "Register these redirect URIs at Asignio's partner site first" in said
        await pilot.press("ctrl+r")
        assert app.clipboard == "\n".join(REDIRECT_URIS)
        await pilot.press("ctrl+y")
        assert app.clipboard == EXTERNAL_ID_URL


async def test_a_b2c_path_shows_no_redirect_uris_and_has_none_to_copy() -> None:
    app = finished_app()
    async with app.run_test() as pilot:
        await open_done(pilot)
        assert not app.screen.query("#redirect-uris")
        assert app.screen.check_action("copy_redirect_uris", ()) is False
        await pilot.press("ctrl+r")
        assert app.clipboard == ""


def test_done_external_id_snapshot(snap_compare: SnapCompare) -> None:
    assert snap_compare(finished_external_id_app(), terminal_size=(80, 24), run_before=open_external_id_done)


async def test_saving_over_an_existing_file_asks_first(tmp_path: Path) -> None:
    target = tmp_path / "contoso.toml"
    target.write_text("# the operator's own notes\n", encoding="utf-8")
    messages: list[Message] = []
    app = finished_app()
    async with app.run_test(message_hook=messages.append) as pilot:
        await open_done(pilot)
        app.screen.query_one("#answers-path", Input).value = str(target)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, OverwriteScreen)
        assert f"{target} already exists" in str(app.screen.query_one("#question", Static).content)
        await pilot.press("enter")  # Keep it has the focus
        await pilot.pause()
        assert isinstance(app.screen, DoneScreen)
        assert target.read_text(encoding="utf-8") == "# the operator's own notes\n"
        assert "kept as it was" in str(app.screen.query_one("#saved", Static).content)

        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DoneScreen)
        assert target.read_text(encoding="utf-8") == "# the operator's own notes\n"

        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.click("#replace")
        await pilot.pause()
        assert isinstance(app.screen, DoneScreen)
        assert "Repeat with: asignio-setup --non-interactive" in str(app.screen.query_one("#saved", Static).content)
    presses = {id(message): message for message in messages if isinstance(message, Button.Pressed)}.values()
    assert [press.button.id for press in presses] == ["keep", "replace"]  # each press once, however far it bubbled
    assert load_answers(target).tenant.name == "contoso"


async def ask_to_replace(pilot: Pilot[int]) -> None:
    await open_done(pilot)
    await pilot.press("ctrl+s")
    await pilot.pause()


def test_done_asks_before_replacing_snapshot(
    snap_compare: SnapCompare, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "asignio-answers.toml").write_text("# already here\n", encoding="utf-8")
    assert snap_compare(finished_app(), terminal_size=(80, 24), run_before=ask_to_replace)


async def test_copy_says_copied_only_where_the_terminal_takes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    app = finished_app()
    async with app.run_test(notifications=True) as pilot:
        await open_done(pilot)
        monkeypatch.setenv("TERM_PROGRAM", "Apple_Terminal")
        await pilot.press("ctrl+y")
        [refused] = app._notifications
        assert refused.severity == "warning"
        assert refused.message.startswith("Not copied: macOS Terminal does not let programs set the clipboard (OSC 52)")
        app._notifications.clear()
        monkeypatch.setenv("TERM_PROGRAM", "iTerm.app")
        await pilot.press("ctrl+y")
        assert [notification.message for notification in app._notifications] == [
            "The Run-now URL copied to the clipboard."
        ]
        app._notifications.clear()
        monkeypatch.delenv("TERM_PROGRAM")
        monkeypatch.setenv("TERM", "xterm-256color")
        for name in ("TMUX", "STY", "KITTY_WINDOW_ID", "WT_SESSION"):
            monkeypatch.delenv(name, raising=False)
        await pilot.press("ctrl+y")
        [unknown] = [notification.message for notification in app._notifications]
        assert unknown.startswith(
            "The Run-now URL sent to the clipboard through this terminal (OSC 52). If nothing pastes"
        )
    assert app.clipboard == URL


async def test_the_url_is_not_drawn_inside_a_box() -> None:
    """A mouse selection of a wrapped URL must not pick up border characters."""
    app = finished_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_done(pilot)
        url = app.screen.query_one("#url", Static)
        lines = [strip.text.rstrip() for strip in url.render_lines(Region(0, 0, *url.size))]
    assert "".join(line for line in lines if line) == URL


async def test_esc_after_the_run_goes_back_to_a_fresh_start() -> None:
    app = finished_app()
    async with app.run_test() as pilot:
        await open_done(pilot)
        assert app.active_bindings["escape"].enabled
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, WelcomeScreen) and len(app.screen_stack) == 1
        assert app.draft == Draft()


async def test_the_answers_saved_after_a_demo_repeat_with_the_demo_and_name_no_demo_port(tmp_path: Path) -> None:
    """The External ID demo serves its discovery document on a loopback port that closes with it: the saved
    answers keep Asignio's own, and the hint repeats the demo (which serves its document again)."""
    app = AsignioSetupApp(demo=DemoOptions(platform="external-id"), verify=False)  # a Done screen with no run
    target = tmp_path / "demo.toml"
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.identity is not None and app.demo is not None
        metadata_url = app.demo.metadata_url
        assert metadata_url is not None and metadata_url.startswith("http://127.0.0.1:")
        app.draft.pivot, app.draft.mfa = "external-id", "off"
        assert app.final_answers().asignio.metadata_url == metadata_url, "the run federates with the demo's"
        await open_done(pilot, EXTERNAL_ID_RESULT)
        app.screen.query_one("#answers-path", Input).value = str(target)
        await pilot.press("ctrl+s")
        said = str(app.screen.query_one("#saved", Static).content)
    assert f"Repeat with: asignio-setup --demo --demo-platform external-id --non-interactive {target}" in said
    assert "127.0.0.1" not in target.read_text(encoding="utf-8")
    assert (
        load_answers(target).asignio.metadata_url
        == "https://authorization.asignio.com/.well-known/openid-configuration"
    )


PROBES = Verification(
    (
        ProbeChecked(
            "policy-serves",
            "B2C serves B2C_1A_AsignioSUSI",
            ProbeStatus.PASSED,
            "HTTP 200 with OpenID metadata whose issuer is contoso.onmicrosoft.com's",
            "issuer https://contoso.b2clogin.com/8f6a7d3e-1b2c-4d5e-9f01-23456789abcd/v2.0/",
        ),
        ProbeChecked(
            "sends-to-asignio",
            "B2C sends users to Asignio with the right request",
            ProbeStatus.PASSED,
            "a redirect to https://authorization.asignio.com/authorize with the right request",
            "a redirect to https://authorization.asignio.com/authorize with client_id=00001111-aaaa-2222-bbbb-3333cccc4444",
        ),
        ProbeChecked(
            "asignio-accepts",
            "Asignio accepts that request",
            ProbeStatus.FAILED,
            "Asignio's sign-in (no OAuth error)",
            "HTTP 400: Asignio refused it: Error invalid_request: the redirect_uri is not registered",
            f"register {AUTHRESP} as a redirect URI of the Asignio application at Asignio's partner site",
        ),
    )
)


async def check_done(pilot: Pilot[int], key: str | None = None) -> str:
    """Open Done (or press `key` on it), wait for the probes, and give what the screen says of them."""
    if key is None:
        await open_done(pilot)
    else:
        await pilot.press(key)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    screen = pilot.app.screen
    return f"{screen.query_one('#probes', Static).content}\n{screen.query_one('#check', Static).content}"


async def test_done_probes_the_sign_in_shows_a_fault_with_its_fix_and_checks_again(
    finished_setup: tuple[SimulatorServer, DiscoveryServer, Path],
) -> None:
    hosts, asignio, answers = finished_setup
    app = finished_app(verify=True)
    app.draft = Draft.from_answers(load_answers(answers))
    messages: list[Message] = []
    async with app.run_test(message_hook=messages.append) as pilot:
        said = await check_done(pilot)
        assert said.count("✓") == 3, said
        assert "Verified: the sign-in reaches Asignio as it should" in said

        asignio.clients[CLIENT_ID].clear()
        said = await check_done(pilot, "ctrl+t")
        assert "✓ B2C sends users to Asignio with the right request" in said
        assert "✗ Asignio accepts that request" in said
        assert f"what to do: register {AUTHRESP} as a redirect URI of the Asignio application" in said
        assert "The sign-in would not work: fix what the probe says, then Ctrl+T checks again" in said

        asignio.register(CLIENT_ID, AUTHRESP)
        said = await check_done(pilot, "ctrl+t")
        assert said.count("✓") == 3 and "✗" not in said
    checks = {id(message): message for message in messages if isinstance(message, SignInChecked)}.values()
    assert [check.verification.verified for check in checks] == [True, False, True]
    assert hosts.writes == 0


async def test_done_without_verify_says_so_and_checks_on_the_key(
    finished_setup: tuple[SimulatorServer, DiscoveryServer, Path],
) -> None:
    _, _, answers = finished_setup
    app = finished_app()
    app.draft = Draft.from_answers(load_answers(answers))
    async with app.run_test() as pilot:
        said = await check_done(pilot)
        assert "Not checked (--no-verify): Ctrl+T checks the sign-in now" in said
        assert await check_done(pilot, "ctrl+t") != said


async def show_probes(pilot: Pilot[int]) -> None:
    await open_done(pilot)
    pilot.app.screen.post_message(SignInChecked(PROBES))
    await pilot.pause()


def test_done_probes_snapshot(snap_compare: SnapCompare) -> None:
    assert snap_compare(finished_app(), terminal_size=(100, 32), run_before=show_probes)


@pytest.mark.parametrize("platform", ["b2c", "external-id"])
async def test_every_key_of_the_done_screen_shows_whole_at_80_columns(platform: str) -> None:
    app, open_screen = (
        (finished_app(), open_done) if platform == "b2c" else (finished_external_id_app(), open_external_id_done)
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(pilot)
        await settle(pilot)
        keys = list(app.screen.query(FooterKey))
        shown = {key.key for key in keys if key.region.right <= 80 and key.region.width > 0}
        wanted = {"escape", "ctrl+o", "ctrl+y", "ctrl+s", "ctrl+t", "ctrl+q", "f1"}
        assert shown >= wanted | ({"ctrl+r"} if platform == "external-id" else set())
