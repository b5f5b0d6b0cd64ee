"""Asks before a file the operator already has is replaced (the Done screen's answers file)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from screens.base import WizardFooter


class OverwriteScreen(ModalScreen[bool]):
    """Dismissed with True to replace the file; Keep (focused first) and Esc leave it as it is."""

    CSS_PATH = "overwrite.tcss"
    HELP_TITLE = "Replace the file?"
    HELP = "Keep it (Enter or Esc) leaves the file as it is; Replace writes these answers over it."
    AUTO_FOCUS = "#keep"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "keep", "Keep it")]

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("Replace the file?", classes="title")
            yield Static(f"{self.path} already exists. Replace it with these answers?", id="question", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Keep it", id="keep", variant="primary")
                yield Button("Replace", id="replace", variant="warning")
        yield WizardFooter()

    @on(Button.Pressed, "#keep")
    def action_keep(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#replace")
    def replace(self) -> None:
        self.dismiss(True)
