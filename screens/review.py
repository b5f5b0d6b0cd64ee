"""Review: the plan step by step, what the tenant already has, and the extensions diff. Nothing is written here."""

from __future__ import annotations

from rich.markup import escape
from rich.syntax import Syntax
from textual import on
from textual.app import ComposeResult
from textual.widgets import Button, Static

from screens.base import WizardStep
from screens.messages import ReviewReady, WorkFailed


class ReviewScreen(WizardStep):
    """Asks the session for the plan against the tenant; Confirm starts the run."""

    CSS_PATH = "review.tcss"

    def __init__(self) -> None:
        super().__init__()
        self.review_steps: tuple = ()

    def compose_body(self) -> ComposeResult:
        yield Static("Review the plan", classes="title")
        yield Static("Looking at the tenant…", id="plan")
        yield Static("", id="diff-title", classes="label hidden")
        yield Static("", id="diff", classes="hidden")
        yield Static(
            "Nothing has been written to the tenant. Confirm to run the plan; steps already done are skipped.",
            classes="hint",
        )

    def compose_buttons(self) -> ComposeResult:
        yield Button("Back", id="back")
        yield Button("Confirm and run", id="confirm", variant="primary", disabled=True)

    def on_mount(self) -> None:
        self.wizard.prepare_review(self)

    def on_review_ready(self, message: ReviewReady) -> None:
        review = message.review
        self.review_steps = review.steps
        lines = []
        for number, step in enumerate(review.steps, start=1):
            mark = "[green]✓ already in the tenant[/]" if step.done else "[b]to do[/b]"
            lines.append(f"{number:>2}. {escape(step.title)} — {mark}")
            if step.detail != step.title:
                lines.append(f"    [dim]{escape(step.detail)}[/dim]")
        self.query_one("#plan", Static).update("\n".join(lines))
        if review.extensions_diff:
            self.query_one("#diff-title", Static).update("Changes to your extensions policy")
            self.query_one("#diff", Static).update(Syntax(review.extensions_diff, "diff", word_wrap=True))
            self.query_one("#diff-title", Static).remove_class("hidden")
            self.query_one("#diff", Static).remove_class("hidden")
        confirm = self.query_one("#confirm", Button)
        confirm.disabled = False
        confirm.focus()

    def on_work_failed(self, message: WorkFailed) -> None:
        if message.group == "review":
            self.query_one("#plan", Static).update("The plan could not be prepared; go back, fix it, and come again.")

    @on(Button.Pressed, "#confirm")
    def confirm(self) -> None:
        from screens.progress import ProgressScreen

        self.app.push_screen(ProgressScreen(self.review_steps))

    @on(Button.Pressed, "#back")
    def go_back(self) -> None:
        self.action_back()
