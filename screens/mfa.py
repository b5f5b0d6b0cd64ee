"""Phone MFA after Asignio, on or off; on the user-flow path, what the one portal step will ask of the operator."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from screens.base import WizardStep
from wizard.answers import Mfa, Pivot

CHOICES = {
    Mfa.OFF: "Asignio alone\n  The Asignio signature and face check are the sign-in.",
    Mfa.PHONE: "Asignio, then a phone code\n  After Asignio, B2C sends a code by SMS or a voice call.",
}
HOW = {
    Pivot.USER_FLOW: (
        "No Graph API turns MFA on for a user flow, so it is one more portal step: the run gives you the "
        "link to the user flow's Properties page and what to set (Multifactor authentication: SMS or phone "
        "call, Always on). You set it, save, and press Confirm."
    ),
    Pivot.CUSTOM_POLICY: (
        "The phone-factor steps of Microsoft's MFA starter pack are added to the Asignio journey; "
        "nothing to do in the portal."
    ),
}


class MfaScreen(WizardStep):
    """Choose with the arrow keys; Enter takes it."""

    CSS_PATH = "mfa.tcss"

    def compose_body(self) -> ComposeResult:
        yield Static("A second factor after Asignio? [dim](↑↓ to choose, Enter to go on)[/]", classes="title")
        yield OptionList(*(Option(f"[b]{text}", id=mfa.value) for mfa, text in CHOICES.items()), id="choices")
        yield Static("", id="how", classes="hint")

    def compose_buttons(self) -> ComposeResult:
        yield Button("Back", id="back")
        yield Button("Next", id="next", variant="primary")

    def on_mount(self) -> None:
        choices = self.query_one("#choices", OptionList)
        choices.highlighted = choices.get_option_index(self.wizard.draft.mfa)
        choices.focus()

    @on(OptionList.OptionHighlighted, "#choices")
    def choice_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        mfa = Mfa(event.option_id)
        self.wizard.draft.mfa = mfa.value
        pivot = Pivot(self.wizard.draft.pivot or Pivot.USER_FLOW.value)
        self.query_one("#how", Static).update(HOW[pivot] if mfa is Mfa.PHONE else "")

    @on(OptionList.OptionSelected, "#choices")
    @on(Button.Pressed, "#next")
    def next_step(self) -> None:
        self.wizard.go_on(self)

    @on(Button.Pressed, "#back")
    def go_back(self) -> None:
        self.action_back()
