"""Done: the Run-now URL to try the sign-in, the redirect URIs Asignio must allow (External ID), what was created,
and the answers file for repeat installs."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Button, Input, Static

from screens.base import WizardStep
from screens.overwrite import OverwriteScreen
from wizard.errors import ExitCode, SetupError
from wizard.events import RunFinished

DEFAULT_ANSWERS_FILE = "asignio-answers.toml"


class DoneScreen(WizardStep):
    """The end of the wizard; Ctrl+O opens the URL, Ctrl+Y copies it, Ctrl+S saves the answers file."""

    CSS_PATH = "done.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+o", "open_url", "Open URL"),
        Binding("ctrl+y", "copy_url", "Copy URL"),
        Binding("ctrl+s", "save_answers", "Save answers"),
        Binding("ctrl+r", "copy_redirect_uris", "Copy redirect URIs"),
    ]

    def __init__(self, result: RunFinished) -> None:
        super().__init__()
        self.result = result

    def compose_body(self) -> ComposeResult:
        yield Static("Asignio sign-in is set up", classes="title")
        yield Static("Try it: open this URL, sign in with Asignio, and jwt.ms shows the token.", classes="hint")
        yield Static(self.result.run_now_url or "", id="url", markup=False)
        if self.result.partner_redirect_uris:
            yield Static("Register these redirect URIs at Asignio's partner site first:", classes="label")
            yield Static("\n".join(self.result.partner_redirect_uris), id="redirect-uris", markup=False)
        created = "\n".join(f"  • {line}" for line in self.result.created) or "  nothing new: it was all there"
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

    @on(Button.Pressed, "#open")
    def action_open_url(self) -> None:
        if self.result.run_now_url:
            self.app.open_url(self.result.run_now_url)

    @on(Button.Pressed, "#copy")
    def action_copy_url(self) -> None:
        if self.result.run_now_url:
            self.app.copy_to_clipboard(self.result.run_now_url)
            self.notify("Run-now URL copied to the clipboard")

    def action_copy_redirect_uris(self) -> None:
        self.app.copy_to_clipboard("\n".join(self.result.partner_redirect_uris))
        self.notify("Redirect URIs copied to the clipboard")

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
            path.write_text(self.wizard.final_answers().to_toml(), encoding="utf-8")
        except (OSError, SetupError) as error:
            self.say_saved(f"✗ Not saved: {error}", False)
            return
        self.say_saved(f"✓ Saved {path.resolve()}\n  Repeat with: asignio-setup --non-interactive {path}", True)

    def say_saved(self, text: str, good: bool) -> None:
        saved = self.query_one("#saved", Static)
        saved.update(text)
        saved.set_classes("good" if good else "problem")

    @on(Button.Pressed, "#quit")
    def quit(self) -> None:
        self.app.exit(int(ExitCode.OK))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The run is over: there is nothing to go back to; redirect URIs to copy only on the External ID path."""
        if action == "copy_redirect_uris":
            return bool(self.result.partner_redirect_uris)
        return action != "back"
