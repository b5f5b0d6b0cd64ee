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


def plan_table(steps: Sequence[PlannedStep]) -> Table:
    """One numbered row per step; a grid, so wrapped titles and details stay indented under their number."""
    table = Table.grid(padding=(0, 1))
    table.add_column(justify="right")
    table.add_column(ratio=1)
    for number, step in enumerate(steps, start=1):
        mark = "[green]✓ already in the tenant[/]" if step.done else "[b]to do[/b]"
        text = f"{escape(step.title)} — {mark}"
        if step.detail != step.title:
            text += f"\n[dim]{escape(step.detail)}[/dim]"
        table.add_row(f"{number}.", Text.from_markup(text))
    return table


class ReviewScreen(WizardStep):
    """Asks the session for the plan against the tenant; Confirm starts the run."""

    CSS_PATH = "review.tcss"

    def __init__(self) -> None:
        super().__init__()
        self.review_steps: tuple[PlannedStep, ...] = ()

    def compose_body(self) -> ComposeResult:
        yield Static("Review the plan", classes="title")
        yield Static(
            "Nothing is written to the tenant until you confirm. Steps already done are skipped.",
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
