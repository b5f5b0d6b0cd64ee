"""Done: the Run-now URL to try the sign-in, the sign-in probes (`verify`) with a tick or the fault and its fix, the
redirect URIs Asignio must allow (External ID), what was created, and the answers file for repeat installs."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Button, Input, Static

from screens.base import WizardStep
from screens.messages import SignInChecked, SignInProbed, WorkFailed, WorkGroup
from screens.overwrite import OverwriteScreen
from wizard.errors import ExitCode, SetupError
from wizard.events import ProbeChecked, ProbeRetrying, RunFinished
from wizard.rendering import FIX_LABEL, MARKS, render

DEFAULT_ANSWERS_FILE = "asignio-answers.toml"


def probe_lines(probe: ProbeChecked) -> list[str]:
    """A probe as the screen lists it: a tick and what was seen, or the fault with what was expected and the fix."""
    rendered = render(probe)
    return [
        f"{MARKS[rendered.tone]} {rendered.text}",
        *(f"    {line}" for line in rendered.details),
        *([f"    {FIX_LABEL}: {rendered.fix}"] if rendered.fix else []),
    ]


class DoneScreen(WizardStep):
    """The end of the wizard; Ctrl+O opens the URL, Ctrl+Y copies it, Ctrl+S saves the answers file, Ctrl+T probes
    the sign-in again."""

    CSS_PATH = "done.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+o", "open_url", "Open", tooltip="Open the Run-now URL in the browser"),
        Binding("ctrl+y", "copy_url", "Copy URL"),
        Binding("ctrl+s", "save_answers", "Save", tooltip="Save the answers file, to run the setup again headless"),
        Binding(
            "ctrl+r",
            "copy_redirect_uris",
            "Copy URIs",
            tooltip="Copy the redirect URIs to register at Asignio's partner site",
        ),
        Binding(
            "ctrl+t",
            "check_sign_in",
            "Verify",
            tooltip="Run the sign-in check again: read-only probes of what a browser would meet",
        ),
    ]
    HELP_TITLE = "Done"
    HELP = (
        "The Run-now URL signs in through the new setup and shows the token on jwt.ms: Enter or Ctrl+O opens it, "
        "Ctrl+Y copies it. On External ID, the redirect URIs to register at Asignio's partner site (Ctrl+R copies "
        "them). The sign-in check probes, as a browser would start it, what the setup made (nobody is signed in): each "
        "probe with a tick, or the fault with what to do; Ctrl+T runs it again. Ctrl+S saves the answers (no secrets) "
        "to run the same setup again without questions. All of it is printed to the terminal when you quit. Esc goes "
        "back to the start."
    )

    def __init__(self, result: RunFinished) -> None:
        super().__init__()
        self.result = result
        self.probes: dict[str, ProbeChecked] = {}

    def compose_body(self) -> ComposeResult:
        yield Static("Asignio sign-in is set up", classes="title")
        yield Static("Try it: open this URL, sign in with Asignio, and jwt.ms shows the token.", classes="hint")
        yield Static(self.result.run_now_url or "", id="url", markup=False)
        if self.result.partner_redirect_uris:
            yield Static("Register these redirect URIs at Asignio's partner site first:", classes="label")
            yield Static("\n".join(self.result.partner_redirect_uris), id="redirect-uris", markup=False)
        yield Static("Sign-in check (what a browser would meet; nobody is signed in):", classes="label")
        yield Static("", id="probes", markup=False)
        yield Static("", id="check", markup=False)
        created = "\n".join(f"  • {line}" for line in self.result.changed) or "  nothing new: it was all there"
        yield Static(f"Created in this run:\n{created}", id="created", markup=False)
        yield Static("Save the answers (no secrets) to repeat with --non-interactive", classes="label")
        yield Input(DEFAULT_ANSWERS_FILE, id="answers-path", compact=True)
        yield Static("", id="saved", markup=False)

    def compose_buttons(self) -> ComposeResult:
        yield Button("Save answers file", id="save")
        yield Button("Copy URL", id="copy")
        yield Button("Open in browser", id="open", variant="primary")
        yield Button("Quit", id="quit")

    def on_mount(self) -> None:
        self.query_one("#open", Button).focus()
        if self.wizard.verify_after_setup:
            self.action_check_sign_in()
        else:
            self.say_check("Not checked (--no-verify): Ctrl+T checks the sign-in now", None)

    def action_check_sign_in(self) -> None:
        """Probe the sign-in (again): the probes are read-only, so they can run as often as wanted."""
        self.probes = {}
        self.show_probes()
        self.say_check("Checking the sign-in as a browser would start it…", None)
        self.wizard.check_sign_in(self)

    @on(SignInProbed)
    def probed(self, message: SignInProbed) -> None:
        event = message.event
        if isinstance(event, ProbeRetrying):
            self.say_check(render(event).text, None)
            return
        self.probes[event.probe] = event
        self.show_probes()

    @on(SignInChecked)
    def checked(self, message: SignInChecked) -> None:
        verification = message.verification
        self.probes = {probe.probe: probe for probe in verification.probes}
        self.show_probes()
        if verification.verified:
            self.say_check(f"{verification.verdict()}. Ctrl+T checks again", True)
        else:
            self.say_check("The sign-in would not work: fix what the probe says, then Ctrl+T checks again", False)

    @on(WorkFailed)
    def check_failed(self, message: WorkFailed) -> None:
        if message.group == WorkGroup.VERIFY:
            self.say_check(f"The check could not run: {message.error}", False)

    def show_probes(self) -> None:
        lines = [line for probe in self.probes.values() for line in probe_lines(probe)]
        self.query_one("#probes", Static).update("\n".join(lines))

    def say_check(self, text: str, good: bool | None) -> None:
        check = self.query_one("#check", Static)
        check.update(text)
        check.set_classes("" if good is None else "good" if good else "problem")

    @on(Button.Pressed, "#open")
    def action_open_url(self) -> None:
        if self.result.run_now_url:
            self.app.open_url(self.result.run_now_url)

    @on(Button.Pressed, "#copy")
    def action_copy_url(self) -> None:
        if self.result.run_now_url:
            self.wizard.copy_text(self.result.run_now_url, "The Run-now URL")

    def action_copy_redirect_uris(self) -> None:
        self.wizard.copy_text("\n".join(self.result.partner_redirect_uris), "The redirect URIs")

    @on(Input.Submitted, "#answers-path")
    @on(Button.Pressed, "#save")
    def action_save_answers(self) -> None:
        """Write the answers TOML, asking first when a file is already there."""
        path = Path(self.query_one("#answers-path", Input).value.strip() or DEFAULT_ANSWERS_FILE).expanduser()
        if not path.is_file():
            self.write_answers(path)
            return

        def answered(replace: bool | None) -> None:
            if replace:
                self.write_answers(path)
            else:
                self.say_saved(f"Not saved: {path} is kept as it was; give another name to save these answers", False)

        self.app.push_screen(OverwriteScreen(path), answered)

    def write_answers(self, path: Path) -> None:
        """The model holds no secret, so neither does the file."""
        try:
            path.write_text(self.wizard.answers_to_save().to_toml(), encoding="utf-8")
        except (OSError, SetupError) as error:
            self.say_saved(f"✗ Not saved: {error}", False)
            return
        self.say_saved(f"✓ Saved {path.resolve()}\n  Repeat with: {self.wizard.repeat_command(path)}", True)

    def say_saved(self, text: str, good: bool) -> None:
        saved = self.query_one("#saved", Static)
        saved.update(text)
        saved.set_classes("good" if good else "problem")

    @on(Button.Pressed, "#quit")
    def quit(self) -> None:
        self.app.exit(int(ExitCode.OK))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Redirect URIs to copy only on the External ID path."""
        if action == "copy_redirect_uris":
            return bool(self.result.partner_redirect_uris)
        return True

    def action_back(self) -> None:
        """The run is over: Back is a fresh start."""
        self.wizard.back_to_start()
