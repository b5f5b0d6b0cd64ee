"""Remove: what taking the setup out would delete (`-`), what is already gone (`=`) and what stays although the
answers name it (`!`, with why), confirmed, then done here.

Nothing is deleted before the operator presses Remove; the focus starts on Cancel. The removal's progress shows on
this screen (the progress screen's portal steps and Run-now URL have no place in a remove).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Button, RichLog, Static

from screens.base import WizardStep
from screens.messages import RemovalReady, RunComplete, RunEvent, WorkFailed, WorkGroup
from screens.progress import StepRow, log_text, worker_failure
from wizard.errors import ExitCode, SetupError
from wizard.events import StepDone, StepFailed, StepSkipped, StepStarted, StepStatus
from wizard.rendering import render

if TYPE_CHECKING:
    from wizard.session import PlannedStep, RemovalReview
    from wizard.steps.base import Kept


def removal_table(steps: Sequence[PlannedStep], kept: Sequence[Kept] = ()) -> Table:
    """`-` for what goes, with what exactly; `=` for what the tenant no longer holds, with what was seen; `!` for
    what stays although the answers name it, with why (not made by asignio-setup, or changed since)."""
    table = Table.grid(padding=(0, 1))
    table.add_column()
    table.add_column(ratio=1)
    for step in steps:
        if step.done:
            table.add_row("[green]=[/]", Text.from_markup(f"[dim]{escape(step.detail)}[/dim]"))
        else:
            table.add_row("[b red]-[/]", Text.from_markup(escape(step.detail)))
    for item in kept:
        table.add_row("[b yellow]![/]", Text(f"{item.what}: {item.why}"))
    return table


class RemovalScreen(WizardStep):
    """Asks the app for the removal plan of the signed-in tenant; Remove runs it, Cancel goes back to the start."""

    CSS_PATH = "removal.tcss"
    HELP_TITLE = "Remove the setup"
    HELP = (
        "What taking the setup out of the tenant deletes (-) and what is already gone (=). Nothing is deleted until "
        "you press Remove; the focus starts on Cancel. Ctrl+Q stops a remove half-way (run it again to finish); once "
        "it has run, Esc goes back to the start."
    )

    def __init__(self) -> None:
        super().__init__()
        self.review: RemovalReview | None = None
        self.rows: dict[str, StepRow] = {}
        self.running = False
        self.started = False
        """Remove was pressed: what the plan showed is out of date, and Back is a fresh start."""

    def compose_body(self) -> ComposeResult:
        yield Static("Remove the Asignio setup", classes="title", id="heading")
        yield Static(
            f"From {self.tenant_domain()}: nothing is deleted until you press Remove. The starter-pack "
            "policies, the IEF apps and their keys stay.",
            classes="hint",
        )
        yield Static("Looking at the tenant…", id="plan")
        yield Static("", id="extensions-note", classes="hidden", markup=False)
        yield VerticalScroll(id="steps", classes="hidden", can_focus=False)
        yield RichLog(id="log", wrap=True, markup=False, max_lines=500, classes="hidden")
        yield Static("", id="removed", classes="hidden", markup=False)

    def tenant_domain(self) -> str:
        identity = self.wizard.identity
        return identity.tenant_domain if identity is not None else self.wizard.draft.tenant_name

    def compose_buttons(self) -> ComposeResult:
        yield Button("Cancel", id="cancel")
        yield Button("Remove", id="remove", variant="error", disabled=True)
        yield Button("Quit", id="quit", variant="primary", classes="hidden")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()
        self.wizard.prepare_removal(self)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """No going back while the removal deletes (Ctrl+Q still stops it; a remove run again finishes it)."""
        if action == "back" and self.running:
            return None
        return True

    def action_back(self) -> None:
        if self.started:
            self.wizard.back_to_start()
        else:
            super().action_back()

    def on_removal_ready(self, message: RemovalReady) -> None:
        review = self.review = message.review
        table = removal_table(review.steps, review.kept)
        self.query_one("#plan", Static).update(
            table
            if review.pending
            else Group(
                Text(
                    "Nothing to remove: the tenant holds none of what the setup puts in. Remove then only records "
                    "the setup as removed; it writes nothing to the tenant.\n"
                ),
                table,
            )
        )
        if review.extensions_note:
            note = self.query_one("#extensions-note", Static)
            note.update(f"The extensions policy: {review.extensions_note}.")
            note.remove_class("hidden")
        self.query_one("#remove", Button).disabled = False

    @on(Button.Pressed, "#remove")
    def confirm_removal(self) -> None:
        if self.review is None or self.running:
            return
        self.running = True
        self.started = True
        self.refresh_bindings()
        self.query_one("#heading", Static).update("Removing")
        for button in self.query("#remove, #cancel").results(Button):
            button.disabled = True
        steps = self.query_one("#steps", VerticalScroll)
        steps.remove_children()
        self.rows = {step.id: StepRow(step.title) for step in self.review.steps}
        steps.mount_all(self.rows.values())
        for part in self.query("#plan, #extensions-note"):
            part.add_class("hidden")
        for part in self.query("#steps, #log"):
            part.remove_class("hidden")
        self.wizard.run_removal(self)

    def log_line(self, text: Text) -> None:
        self.query_one("#log", RichLog).write(text)

    def on_run_event(self, message: RunEvent) -> None:
        """The rows follow the deleting steps; the log says every event, each step by its title where it has a row."""
        event = message.event
        match event:
            case StepStarted(step=step_id) if step_id in self.rows:
                self.rows[step_id].set_status(StepStatus.RUNNING)
            case StepDone(step=step_id, summary=summary) | StepSkipped(step=step_id, summary=summary):
                if step_id in self.rows:
                    self.rows[step_id].set_status(StepStatus.DONE, summary)
            case StepFailed(step=step_id, error=error):
                if step_id in self.rows:
                    self.rows[step_id].set_status(StepStatus.FAILED, error.what)
        if not isinstance(event, StepStarted):
            rendered = render(event)
            row = self.rows.get(rendered.step or "")
            self.log_line(log_text(rendered, row.title if row is not None else None))

    def on_run_complete(self, message: RunComplete) -> None:
        self.running = False
        self.refresh_bindings()
        removed = message.result.changed
        kept = self.review is not None and any(item.surprising for item in self.review.kept)
        self.query_one("#heading", Static).update(
            "Removed what asignio-setup made; what it could not prove its own stays (see asignio-setup remove)"
            if kept
            else "Removed: the tenant no longer holds the Asignio setup"
        )
        lines = "\n".join(f"  • {line}" for line in removed) or "  nothing: it was all gone already"
        result = self.query_one("#removed", Static)
        result.update(f"Removed in this run:\n{lines}")
        self.wizard.exit_report = [f"Asignio setup removed from {self.tenant_domain()}:", *lines.splitlines()]
        result.remove_class("hidden")
        self.query_one("#remove").add_class("hidden")
        self.query_one("#cancel").add_class("hidden")
        done = self.query_one("#quit", Button)
        done.remove_class("hidden")
        done.focus()

    def on_work_failed(self, message: WorkFailed) -> None:
        if message.group == WorkGroup.REMOVAL_PLAN:
            self.query_one("#plan", Static).update(
                "The removal plan could not be made; go back, fix it, and come again."
            )
        elif message.group == WorkGroup.REMOVAL:
            self.running = False
            self.refresh_bindings()
            self.query_one("#heading", Static).update("Stopped: fix what is said below, then press Remove again")
            if not isinstance(message.error, SetupError):
                self.log_line(log_text(worker_failure(message.error)))
            for button in self.query("#remove, #cancel").results(Button):
                button.disabled = False
            self.query_one("#remove", Button).focus()

    @on(Button.Pressed, "#cancel")
    def cancel(self) -> None:
        """Back to the welcome screen; nothing was written."""
        self.wizard.back_to_start()

    @on(Button.Pressed, "#quit")
    def finish(self) -> None:
        self.app.exit(int(ExitCode.OK))
