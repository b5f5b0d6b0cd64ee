"""Review: the plan step by step, what the tenant already has, and the extensions diff. Nothing is written here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.markup import escape
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Button, Static

from screens.base import WizardStep
from screens.messages import ReviewReady, WorkFailed, WorkGroup

if TYPE_CHECKING:
    from wizard.session import PlannedStep


def plan_summary(steps: Sequence[PlannedStep]) -> str:
    """The plan in one line, before its steps: how many change something, how many need nothing."""
    changes = sum(not step.done for step in steps)
    in_place = len(steps) - changes
    said = f"{changes} change{'' if changes == 1 else 's'}, {in_place} already in place"
    return said if changes else f"nothing to change, {in_place} already in place"


def done_mark(step: PlannedStep) -> str:
    """A step with nothing to do: its work is in the tenant, or it only reads or asks and has nothing to ask."""
    return "[green]✓ already in the tenant[/]" if step.writes else "[green]✓ nothing to do[/]"


def plan_table(steps: Sequence[PlannedStep]) -> Table:
    """The steps that change something first, with what they make; then those already in place, one line each. The
    numbers are the plan's order; a grid, so wrapped titles and details stay indented under their number."""
    table = Table.grid(padding=(0, 1))
    table.add_column(justify="right")
    table.add_column(ratio=1)
    numbered = list(enumerate(steps, start=1))
    for number, step in [(number, step) for number, step in numbered if not step.done]:
        text = f"{escape(step.title)} — [b]to do[/b]"
        if step.detail != step.title:
            text += f"\n[dim]{escape(step.detail)}[/dim]"
        table.add_row(f"{number}.", Text.from_markup(text))
    for number, step in [(number, step) for number, step in numbered if step.done]:
        table.add_row(f"{number}.", Text.from_markup(f"{escape(step.title)} — {done_mark(step)}"))
    return table


class ReviewScreen(WizardStep):
    """Asks the session for the plan against the tenant; Confirm starts the run."""

    CSS_PATH = "review.tcss"
    HELP_TITLE = "Review the plan"
    HELP = (
        "Every step of the setup against the tenant as it is now: the changes first, then what is already in place. "
        "Nothing is written to the tenant until you confirm; PgUp and PgDn scroll the plan wherever the focus is. "
        "Confirm and run starts the run; Back changes an answer."
    )

    def __init__(self) -> None:
        super().__init__()
        self.review_steps: tuple[PlannedStep, ...] = ()

    def compose_body(self) -> ComposeResult:
        yield Static("Review the plan", classes="title", id="heading")
        yield Static(
            "Nothing is written to the tenant until you confirm; steps already in place are skipped. PgDn scrolls.",
            classes="hint",
        )
        yield Static("Looking at the tenant…", id="plan")
        yield Static("", id="diff-title", classes="label hidden")
        yield Static("", id="diff", classes="hidden")

    def compose_buttons(self) -> ComposeResult:
        yield Button("Back", id="back")
        yield Button("Confirm and run", id="confirm", variant="primary", disabled=True)

    def on_mount(self) -> None:
        self.wizard.prepare_review(self)

    def on_review_ready(self, message: ReviewReady) -> None:
        review = message.review
        self.review_steps = review.steps
        self.query_one("#heading", Static).update(f"Review the plan: {plan_summary(review.steps)}")
        self.query_one("#plan", Static).update(plan_table(review.steps))
        if review.extensions_diff:
            self.query_one("#diff-title", Static).update("Changes to your extensions policy")
            self.query_one("#diff", Static).update(Syntax(review.extensions_diff, "diff", word_wrap=True))
            self.query_one("#diff-title", Static).remove_class("hidden")
            self.query_one("#diff", Static).remove_class("hidden")
        confirm = self.query_one("#confirm", Button)
        confirm.disabled = False
        confirm.focus()

    def on_work_failed(self, message: WorkFailed) -> None:
        if message.group == WorkGroup.REVIEW:
            self.query_one("#plan", Static).update("The plan could not be prepared; go back, fix it, and come again.")

    @on(Button.Pressed, "#confirm")
    def confirm(self) -> None:
        self.wizard.go_on(self, self.review_steps)

    @on(Button.Pressed, "#back")
    def go_back(self) -> None:
        self.action_back()
