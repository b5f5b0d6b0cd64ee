"""The error view: what stopped a piece of work, in the operator's terms, and what to do about it."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from screens.base import WizardFooter
from wizard.errors import SetupError
from wizard.outgoing import outgoing


def describe(error: BaseException) -> tuple[str, str]:
    """The sentence of what is wrong and the one of what to do; an unexpected error says it is one."""
    if isinstance(error, SetupError):
        return error.what, error.fix
    return (
        f"Unexpected error: {type(error).__name__}: {outgoing(str(error))}",
        "this is a bug in asignio-setup; nothing more was written to the tenant. Quit and run again to resume",
    )


class ErrorScreen(ModalScreen[None]):
    """Closed with Esc or Enter; the screen beneath has already reset itself to try again."""

    CSS_PATH = "error.tcss"
    HELP_TITLE = "Something stopped"
    HELP = "What stopped the work and what to do about it. Close (Enter or Esc) goes back to the screen beneath."
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Close")]
    AUTO_FOCUS = "#close"

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.what, self.fix = describe(error)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("Something stopped", classes="title")
            yield Static(self.what, id="what", markup=False)
            if self.fix:
                yield Static(f"What to do: {self.fix}", id="fix", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Close", id="close", variant="primary")
        yield WizardFooter()

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss()
