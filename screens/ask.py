"""A question before something that cannot be taken back (a portal step confirmed, saved progress discarded): the
safe answer has the focus, so a stray Enter never does it."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from screens.base import WizardFooter


class AskScreen(ModalScreen[bool]):
    """Dismissed with True only by the second button; the first (focused) and Esc answer False."""

    CSS_PATH = "ask.tcss"
    AUTO_FOCUS = "#no"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "no", "Not now")]
    HELP = "Answer the question: Enter takes the focused button, which is the safe one; Esc answers it too."

    def __init__(self, title: str, question: str, no: str, yes: str) -> None:
        super().__init__()
        self.title_text = title
        self.question = question
        self.no_label = no
        self.yes_label = yes

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self.title_text, classes="title", markup=False)
            yield Static(self.question, id="question", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(self.no_label, id="no", variant="primary")
                yield Button(self.yes_label, id="yes", variant="warning")
        yield WizardFooter()

    @on(Button.Pressed, "#no")
    def action_no(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#yes")
    def yes(self) -> None:
        self.dismiss(True)
