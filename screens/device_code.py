"""The device-code sign-in: the code and the page to enter it on, while the sign-in worker waits."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from screens.base import WizardFooter
from screens.messages import WorkGroup
from screens.terminal import copy_and_say


class DeviceCodeScreen(ModalScreen[bool]):
    """Shows the code; Esc cancels the sign-in. The tenant screen closes it once the sign-in completes."""

    CSS_PATH = "device_code.tcss"
    HELP_TITLE = "Sign in with a code"
    HELP = (
        "Open the page in any browser (on this machine or another), enter the code and sign in with an admin "
        "account of the tenant; this closes by itself once you are signed in. O opens the page here, C copies the "
        "code, Esc cancels the sign-in."
    )
    AUTO_FOCUS = "#open"
    WAITS_FOR_GROUP = WorkGroup.SIGN_IN
    """The app closes this modal when a worker of this group fails."""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel sign-in"),
        Binding("o", "open_page", "Open in browser"),
        Binding("c", "copy_code", "Copy code"),
    ]

    def __init__(self, url: str, code: str, expires_on: datetime) -> None:
        super().__init__()
        self.url = url
        self.code = code
        self.expires_on = expires_on

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("Sign in with a code", classes="title")
            yield Static(f"1. Open  {self.url}")
            yield Static("2. Enter this code:")
            yield Static(self.code, id="code")
            yield Static(
                f"3. Sign in with an admin account of the tenant. The code expires at "
                f"{self.expires_on.astimezone(UTC):%H:%M} UTC.",
                classes="hint",
            )
            yield Static("Waiting for you to finish in the browser…", id="waiting")
            with Horizontal(classes="buttons"):
                yield Button("Open in browser", id="open", variant="primary")
                yield Button("Copy code", id="copy")
                yield Button("Cancel", id="cancel")
        yield WizardFooter()

    @on(Button.Pressed, "#open")
    def action_open_page(self) -> None:
        self.app.open_url(self.url)

    @on(Button.Pressed, "#copy")
    def action_copy_code(self) -> None:
        copy_and_say(self.app, self.code, "The code")

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Stop waiting for the sign-in; the tenant screen offers Sign in again."""
        self.app.workers.cancel_group(self.app, WorkGroup.SIGN_IN)
        self.dismiss(False)
