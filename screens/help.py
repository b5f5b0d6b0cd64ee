"""F1 or ?: what the screen beneath is for and every key it takes at that moment, each with what it does."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Static

from screens.base import WizardFooter

if TYPE_CHECKING:
    from textual.app import App

KEY_NAMES = {
    "escape": "Esc",
    "pageup": "PgUp",
    "pagedown": "PgDn",
    "question_mark": "?",
    "shift+tab": "Shift+Tab",
    "tab": "Tab",
    "enter": "Enter",
    "space": "Space",
}
GENERAL_KEYS = (
    ("Enter", "Press the focused button, or take the highlighted choice"),
    ("↑ ↓", "Move in a list of choices"),
    ("PgUp / PgDn", "Scroll the screen's text, wherever the focus is"),
    ("?", "This help too, outside a text field"),
)


def key_name(key: str) -> str:
    """A bound key as the operator types it: ctrl+o → Ctrl+O, f1 → F1."""
    if key in KEY_NAMES:
        return KEY_NAMES[key]
    return "+".join(part.capitalize() if len(part) > 1 else part.upper() for part in key.split("+"))


def screen_keys(app: App[Any], screen: Screen[Any]) -> list[tuple[str, str, bool]]:
    """(key, what it does, whether it works now) for each key the screen and the app bind with a description."""
    keys: dict[str, tuple[str, str, bool]] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if active.node not in (screen, app) or not binding.description or binding.system:
            continue
        shown = binding.key_display or key_name(key)
        described = active.tooltip or binding.tooltip or binding.description
        keys.setdefault(binding.action, (shown, described, active.enabled))
        if keys[binding.action][0] != shown:
            first, described, enabled = keys[binding.action]
            keys[binding.action] = (f"{first} / {shown}", described, enabled)
    return list(keys.values())


class HelpScreen(ModalScreen[None]):
    """Built from the screen beneath as it is when F1 is pressed; Esc, F1 or ? close it."""

    CSS_PATH = "help.tcss"
    AUTO_FOCUS = "#close"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,question_mark", "close", "Close help"),
        Binding("pageup", "scroll_help(-1)", "Scroll up", show=False),
        Binding("pagedown", "scroll_help(1)", "Scroll down", show=False),
    ]
    HELP = "This help. Esc, F1 or ? close it."

    def __init__(self, title: str, about: str, keys: list[tuple[str, str, bool]]) -> None:
        super().__init__()
        self.title_text = title
        self.about = about
        self.keys = keys

    @classmethod
    def about_screen(cls, app: App[Any], screen: Screen[Any]) -> HelpScreen:
        title = getattr(screen, "HELP_TITLE", "") or type(screen).__name__.removesuffix("Screen")
        return cls(f"Help: {title}", getattr(screen, "HELP", ""), screen_keys(app, screen))

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(ratio=1)
        for key, described, enabled in self.keys:
            table.add_row(key, Text(described if enabled else f"{described} (not now)", style="" if enabled else "dim"))
        for key, described in GENERAL_KEYS:
            table.add_row(key, described)
        with Vertical(id="dialog"):
            yield Static(self.title_text, classes="title", markup=False)
            with VerticalScroll(id="help-body", can_focus=False):
                if self.about:
                    yield Static(self.about, id="about", markup=False)
                yield Static(table, id="keys")
            with Horizontal(classes="buttons"):
                yield Button("Close", id="close", variant="primary")
        yield WizardFooter()

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss()

    def action_scroll_help(self, pages: int) -> None:
        body = self.query_one("#help-body", VerticalScroll)
        (body.scroll_page_down if pages > 0 else body.scroll_page_up)()
