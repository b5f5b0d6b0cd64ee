"""What every wizard step shares: a header, a scrolling body, a row of buttons, the footer, Esc to go back."""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import Footer, Header

if TYPE_CHECKING:
    from screens.app import AsignioSetupApp


class WizardFooter(Footer):
    """The footer, recomposed only when the keys it shows change. Textual's recomposes on every binding refresh
    (seven times before the first screen is ready; each remounts and restyles every key) even when nothing it shows
    changed. Below `ROOMY` columns it packs its keys tighter and leaves out the palette's key (Ctrl+P still opens
    it, and F1 lists it), so a screen's own keys are not cut off at 80 columns."""

    ROOMY: ClassVar[int] = 100

    def __init__(self) -> None:
        super().__init__()
        self.shown: Hashable = None

    def keys_to_show(self) -> Hashable:
        """What `compose` reads: the screen's active bindings as displayed, shown or not (the command palette's key
        is not shown yet appears), enabled or not."""
        if not self._bindings_ready:
            return None
        return self.compact, tuple(
            (
                binding.action,
                self.app.get_key_display(binding),
                binding.description,
                binding.group,
                binding.show,
                enabled,
                tooltip,
            )
            for _node, binding, enabled, tooltip in self.screen.active_bindings.values()
        )

    def on_resize(self, event: Resize) -> None:
        narrow = event.size.width < self.ROOMY
        if narrow != self.compact:
            self.compact = narrow
            self.show_command_palette = not narrow
            self.call_after_refresh(self.recompose)

    async def recompose(self) -> None:
        if self.is_attached:
            keys = self.keys_to_show()
            if keys is not None and keys == self.shown:
                return
            self.shown = keys
        await super().recompose()


class WizardStep(Screen[None]):
    """One step of the wizard; subclasses compose the body and the buttons."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("pageup", "scroll_body(-1)", "Scroll up", show=False),
        Binding("pagedown", "scroll_body(1)", "Scroll down", show=False),
    ]
    BODY_SCROLLS: ClassVar[bool] = True
    """False for a step whose body lays out its own scrolling parts (the progress log)."""
    HELP_TITLE: ClassVar[str] = ""
    """The screen's name in its help (F1)."""
    HELP: ClassVar[str] = ""
    """What the screen is for, in its help (F1); its keys are listed from its bindings."""

    @property
    def wizard(self) -> AsignioSetupApp:
        """The app, typed: it holds the draft answers and starts the workers."""
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header()
        body = VerticalScroll(classes="body", can_focus=False) if self.BODY_SCROLLS else Vertical(classes="body")
        with body:
            yield from self.compose_body()
        with Horizontal(classes="buttons"):
            yield from self.compose_buttons()
        yield WizardFooter()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def compose_buttons(self) -> ComposeResult:
        yield from ()

    def action_back(self) -> None:
        """Go back one step; answers given so far stay in the draft."""
        if len(self.app.screen_stack) > 1:
            self.dismiss()

    def action_scroll_body(self, pages: int) -> None:
        """PgUp/PgDn scroll the body wherever the focus is (a button, a field): the body is no tab stop of its own."""
        body = self.query_one(".body")
        if isinstance(body, VerticalScroll):
            (body.scroll_page_down if pages > 0 else body.scroll_page_up)()
