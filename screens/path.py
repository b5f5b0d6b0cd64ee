"""The path: on a B2C tenant a built-in user flow or a custom policy, each in two lines (for custom policy, the
tenant's base); on an External ID tenant, the External ID path."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from screens.base import WizardStep
from screens.messages import BaseInspected, WorkFailed, WorkGroup
from wizard.answers import Pivot

PATHS = {
    Pivot.USER_FLOW: (
        "User flow",
        "Creates: the Asignio identity provider and a sign-up/sign-in flow.",
        "Needs: nothing else; a few settings are guided portal steps.",
    ),
    Pivot.CUSTOM_POLICY: (
        "Custom policy (Identity Experience Framework)",
        "Creates: a policy key, the Asignio journey, a relying-party policy.",
        "Needs: Microsoft's starter pack (base, localization, extensions).",
    ),
    Pivot.EXTERNAL_ID: (
        "External ID (sign-up and sign-in user flow)",
        "Creates: the Asignio provider and a user flow offering it.",
        "Needs: Asignio's discovery document to allow federation.",
    ),
}
B2C_PATHS = (Pivot.USER_FLOW, Pivot.CUSTOM_POLICY)
EXTERNAL_ID_PATHS = (Pivot.EXTERNAL_ID,)


class PathScreen(WizardStep):
    """Choose the path with the arrow keys; Enter takes it. Custom policy first shows what base the tenant has.
    The paths offered are the signed-in tenant's platform's: B2C's two, or External ID's one."""

    CSS_PATH = "path.tcss"
    HELP_TITLE = "The path"
    HELP = (
        "How Asignio is added: on B2C a built-in user flow or a custom policy (Identity Experience Framework), on "
        "External ID its one path. ↑↓ choose, Enter takes the highlighted one. For custom policy the wizard first "
        "looks at the tenant's policies and says whether the Asignio journey fits on them."
    )

    def __init__(self) -> None:
        super().__init__()
        self.can_host: bool | None = None
        self.offered: tuple[Pivot, ...] = B2C_PATHS

    def _paths_for_the_tenant(self) -> tuple[Pivot, ...]:
        from wizard.steps.preflight import is_external_id

        identity = self.wizard.identity
        return EXTERNAL_ID_PATHS if identity is not None and is_external_id(identity.tenant_type) else B2C_PATHS

    def compose_body(self) -> ComposeResult:
        self.offered = self._paths_for_the_tenant()
        question = "User flow or custom policy?" if self.offered == B2C_PATHS else "An External ID tenant: one path."
        yield Static(f"{question} [dim](↑↓ to choose, Enter to go on)[/]", classes="title")
        yield OptionList(
            *(
                Option(f"[b]{title}[/b]\n  {creates}\n  {needs}", id=pivot.value)
                for pivot, (title, creates, needs) in PATHS.items()
                if pivot in self.offered
            ),
            id="paths",
        )
        yield Static("", id="base-report", markup=False)

    def compose_buttons(self) -> ComposeResult:
        yield Button("Back", id="back")
        yield Button("Next", id="next", variant="primary")

    def on_mount(self) -> None:
        paths = self.query_one("#paths", OptionList)
        chosen = self.wizard.draft.pivot
        if chosen not in {pivot.value for pivot in self.offered}:
            chosen = self.offered[0].value
        paths.highlighted = paths.get_option_index(chosen)
        paths.focus()

    @on(OptionList.OptionHighlighted, "#paths")
    def path_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        pivot = Pivot(event.option_id)
        self.wizard.draft.pivot = pivot.value
        report = self.query_one("#base-report", Static)
        if pivot is Pivot.CUSTOM_POLICY and self.can_host is None:
            report.update("Looking at the tenant's custom policies…")
            report.set_classes("")
            self.wizard.inspect_base(self)
        report.display = pivot is Pivot.CUSTOM_POLICY

    def on_base_inspected(self, message: BaseInspected) -> None:
        result = message.report
        self.can_host = result.can_host
        present = ", ".join(result.present) or "none of the starter pack's policies"
        if result.can_host:
            text = f"✓ It can host the Asignio journey: {result.summary}"
        else:
            text = f"The tenant has: {present}\n✗ It cannot host the Asignio journey: {result.summary}"
        report = self.query_one("#base-report", Static)
        report.update(text)
        report.set_classes("good" if result.can_host else "problem")

    def on_work_failed(self, message: WorkFailed) -> None:
        if message.group == WorkGroup.INSPECT:
            self.query_one("#base-report", Static).update("The tenant's custom policies could not be read.")

    @on(OptionList.OptionSelected, "#paths")
    @on(Button.Pressed, "#next")
    def next_step(self) -> None:
        custom_policy = self.wizard.draft.pivot == Pivot.CUSTOM_POLICY.value
        if custom_policy and self.can_host is None:
            self.notify("Still looking at the tenant's custom policies; a moment.")
            return
        if custom_policy and not self.can_host:
            self.notify(
                "The tenant's base cannot host the Asignio journey (see above): choose the user flow, or upload "
                "the starter pack and come back.",
                severity="warning",
            )
            return
        self.wizard.go_on(self)

    @on(Button.Pressed, "#back")
    def go_back(self) -> None:
        self.action_back()
