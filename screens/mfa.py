"""A second factor after Asignio, among those the path offers (phone on B2C, email or SMS on External ID), and what
each will do: on the user-flow path, the one portal step it asks of the operator."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from screens.base import WizardStep
from wizard.answers import MFA_FOR_PIVOT, Mfa, Pivot

CHOICES = {
    Mfa.OFF: "Asignio alone\n  The Asignio signature and face check are the sign-in.",
    Mfa.PHONE: "Asignio, then a phone code\n  After Asignio, B2C sends a code by SMS or a voice call.",
    Mfa.EMAIL: "Asignio, then an email code\n  After Asignio, External ID sends a one-time code by email.",
    Mfa.SMS: "Asignio, then an SMS code\n  After Asignio, External ID sends a one-time code by SMS (paid add-on).",
}
EXTERNAL_ID_ENFORCEMENT = (
    "A Conditional Access policy asks for it on the test app (\\[external_id] mfa_report_only = true creates it "
    "report-only first)."
)
HOW: dict[tuple[Pivot, Mfa], str] = {
    (Pivot.USER_FLOW, Mfa.PHONE): (
        "No Graph API turns MFA on for a user flow, so it is one more portal step: the run gives you the "
        "link to the user flow's Properties page and what to set (Multifactor authentication: SMS or phone "
        "call, Always on). You set it, save, and press Confirm."
    ),
    (Pivot.CUSTOM_POLICY, Mfa.PHONE): (
        "The phone-factor steps of Microsoft's MFA starter pack are added to the Asignio journey; "
        "nothing to do in the portal."
    ),
    (Pivot.EXTERNAL_ID, Mfa.EMAIL): (
        f"Email one-time passcodes are turned on in the tenant's authentication methods. {EXTERNAL_ID_ENFORCEMENT}"
    ),
    (Pivot.EXTERNAL_ID, Mfa.SMS): (
        "SMS is turned on in the tenant's authentication methods. External ID bills SMS as a paid add-on: the "
        f"tenant needs it linked to an Azure subscription before codes are sent. {EXTERNAL_ID_ENFORCEMENT}"
    ),
}


class MfaScreen(WizardStep):
    """Choose with the arrow keys; Enter takes it."""

    CSS_PATH = "mfa.tcss"
    HELP_TITLE = "A second factor"
    HELP = (
        "Whether the sign-in asks for a second factor after Asignio, among those the path offers, and what each "
        "will do in the tenant. ↑↓ choose, Enter takes the highlighted one."
    )

    @property
    def pivot(self) -> Pivot:
        return Pivot(self.wizard.draft.pivot or Pivot.USER_FLOW.value)

    def compose_body(self) -> ComposeResult:
        offered = MFA_FOR_PIVOT[self.pivot]
        yield Static("A second factor after Asignio? [dim](↑↓ to choose, Enter to go on)[/]", classes="title")
        yield OptionList(*(Option(f"[b]{CHOICES[mfa]}", id=mfa.value) for mfa in offered), id="choices")
        yield Static("", id="how", classes="hint")

    def compose_buttons(self) -> ComposeResult:
        yield Button("Back", id="back")
        yield Button("Next", id="next", variant="primary")

    def on_mount(self) -> None:
        choices = self.query_one("#choices", OptionList)
        if Mfa(self.wizard.draft.mfa) not in MFA_FOR_PIVOT[self.pivot]:
            self.wizard.draft.mfa = Mfa.OFF.value
        choices.highlighted = choices.get_option_index(self.wizard.draft.mfa)
        choices.focus()

    @on(OptionList.OptionHighlighted, "#choices")
    def choice_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        mfa = Mfa(event.option_id)
        self.wizard.draft.mfa = mfa.value
        self.query_one("#how", Static).update(HOW.get((self.pivot, mfa), ""))

    @on(OptionList.OptionSelected, "#choices")
    @on(Button.Pressed, "#next")
    def next_step(self) -> None:
        self.wizard.go_on(self)

    @on(Button.Pressed, "#back")
    def go_back(self) -> None:
        self.action_back()
