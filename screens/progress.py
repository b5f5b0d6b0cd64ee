"""Progress: every step with its state, a progress bar and a log; a failure offers Retry, a portal step Confirm."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Button, ProgressBar, RichLog, Static

from screens.ask import AskScreen
from screens.base import WizardStep
from screens.messages import RunComplete, RunEvent, WorkFailed, WorkGroup
from wizard.errors import SetupError
from wizard.events import (
    FINISHED,
    RunFinished,
    StepDone,
    StepFailed,
    StepSkipped,
    StepStarted,
    StepStatus,
    StepWaiting,
)
from wizard.outgoing import outgoing
from wizard.rendering import FIX_LABEL, Rendered, Tone, render, render_error

if TYPE_CHECKING:
    from wizard.session import PlannedStep

MARKS: dict[StepStatus, tuple[str, str]] = {
    StepStatus.PENDING: ("·", "dim"),
    StepStatus.RUNNING: ("▶", "bold"),
    StepStatus.DONE: ("✓", "green"),
    StepStatus.SKIPPED: ("✓", "green"),
    StepStatus.WAITING: ("⏸", "yellow"),
    StepStatus.FAILED: ("✗", "red"),
}


class StepRow(Static):
    """One step of the plan and where it stands."""

    def __init__(self, title: str, status: StepStatus = StepStatus.PENDING) -> None:
        super().__init__()
        self.title = title
        self.status = status
        self.note = ""

    def on_mount(self) -> None:
        self.set_status(self.status)

    def set_status(self, status: StepStatus, note: str = "") -> None:
        self.status = status
        self.note = note or self.note
        mark, style = MARKS[status]
        line = Text.assemble((f"{mark} ", style), self.title, (f"  {status.value}", style))
        if self.note and status in (*FINISHED, StepStatus.FAILED):
            line.append(f" — {self.note}", style="dim")
        self.update(line)


CONFIRMED_HERE = "confirmed by you"

LOG_MARKS: dict[Tone, tuple[str, str]] = {
    Tone.DONE: ("✓", "green"),
    Tone.ALREADY: ("✓", "green"),
    Tone.KEPT: ("=", "yellow"),
    Tone.WAITING: ("⏸", "yellow"),
    Tone.FAILED: ("✗", "red"),
    Tone.WARNING: ("⚠", "yellow"),
}
"""The wizard's own marks and colours for the run's log (the words are wizard.rendering's)."""


def _fix_line(rendered: Rendered) -> str:
    return f"\n{FIX_LABEL.capitalize()}: {rendered.fix}" if rendered.fix else ""


def failure_text(rendered: Rendered) -> str:
    """A failure's words as a panel shows them: the mark, what is wrong, and what to do on a line of its own."""
    return f"{LOG_MARKS[Tone.FAILED][0]} {rendered.text}{_fix_line(rendered)}"


def log_text(rendered: Rendered, step_title: str | None = None) -> Text:
    """An event's words as a run's log shows them: its mark and colour, the step by its title (steps run at once), and
    a failure's fix on a line of its own; a portal step's link and instructions are left to its panel."""
    mark, style = LOG_MARKS.get(rendered.tone, ("", ""))
    marked = f"{mark} " if mark else ""
    named = f"{step_title or rendered.step}: " if rendered.step else ""
    return Text(f"{marked}{named}{rendered.text}{_fix_line(rendered)}", style=style)


def run_report(
    domain: str, result: RunFinished, created: Sequence[str], waiting: Sequence[tuple[str, str]]
) -> list[str]:
    """What a run leaves on the terminal when the wizard ends: the Run-now URL, the redirect URIs to register, what
    it made, and the portal steps still waiting with their links (`waiting`: title, link). Each URL on a line of its
    own, unindented, so a selection takes it whole."""
    lines = [f"Asignio setup of {domain}:"]
    if result.run_now_url and not waiting:
        lines += ["Run now (sign in with Asignio; jwt.ms shows the token):", result.run_now_url]
    if result.partner_redirect_uris:
        lines += ["Redirect URIs to register at Asignio's partner site:", *result.partner_redirect_uris]
    lines += ["Created in this run:", *(f"  • {line}" for line in created)] if created else ["Nothing new was created."]
    for title, link in waiting:
        lines += [f"Waiting for you in the portal: {title}", link]
    if waiting:
        lines.append("Start asignio-setup again and choose Resume once they are done.")
    return lines


def worker_failure(error: BaseException) -> Rendered:
    """What stopped a worker, in words: an error the operator can act on as it is, anything else as our bug."""
    if isinstance(error, SetupError):
        return render_error(error)
    return Rendered(Tone.FAILED, f"Unexpected error: {type(error).__name__}: {outgoing(str(error))}")


class ProgressScreen(WizardStep):
    """Starts the run on mount; the run can be left with Ctrl+Q at any time and resumed later. A portal step waits
    for the operator with its link shown; confirming it is a second, distinct act (a question whose focused answer
    is "Not yet"), so a stray Enter never confirms what was not done."""

    CSS_PATH = "progress.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+o", "open_link", "Open portal page", tooltip="Open the portal step's page in your browser"),
        Binding("ctrl+y", "copy_link", "Copy link", tooltip="Copy the portal step's link"),
    ]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    """On a short terminal a panel asking for the operator hides the step list and the log (the panel names the step,
    the bar shows how far the run got)."""
    HELP_TITLE = "The run"
    HELP = (
        "Every step with where it stands, a bar and a log. A portal step no API can do waits for you: its link is "
        "shown (Ctrl+O opens it, Ctrl+Y copies it); do it in the portal, then 'I did it: confirm' asks once more "
        "before it counts. After the last one the run checks every step again. A failure says why and offers Retry. "
        "Ctrl+Q stops a run half-way (it resumes next time); once it has ended, Esc goes back to the start."
    )

    def __init__(self, steps: Sequence[PlannedStep]) -> None:
        super().__init__()
        self.rows: dict[str, StepRow] = {step.id: StepRow(step.title) for step in steps}
        self.running = False
        self.waiting: dict[str, tuple[tuple[str, ...], str]] = {}
        """Portal steps the operator still has to confirm: step id → (instructions, link); the first is shown."""
        self.result: RunFinished | None = None
        self.created: list[str] = []
        self.done_here: set[str] = set()
        """Steps a run on this screen did: when the next run finds their work there, they stay "done", quietly."""
        self.confirmed_here: set[str] = set()
        """Portal steps the operator confirmed on this screen."""
        self.still_missing: set[str] = set()
        """Portal steps confirmed here that the next run still found not done in the tenant."""

    def compose_body(self) -> ComposeResult:
        yield Static("Setting up", classes="title", id="heading")
        with VerticalScroll(id="steps", can_focus=False):
            yield from self.rows.values()
        yield ProgressBar(total=len(self.rows) or None, show_eta=False, id="bar")
        with Vertical(id="failure", classes="panel hidden"):
            yield Static("", id="failure-text", markup=False)
        with Vertical(id="guided", classes="panel hidden"):
            yield Static("", id="guided-missing", classes="problem hidden", markup=False)
            yield Static("", id="guided-text", markup=False)
        yield Static("", id="guided-link", classes="hidden", markup=False)
        yield RichLog(id="log", wrap=True, markup=False, max_lines=500)

    def compose_buttons(self) -> ComposeResult:
        yield Button("Open the portal page", id="open-link", classes="hidden")
        yield Button("I did it: confirm", id="confirm-guided", variant="warning", classes="hidden")
        yield Button("Retry", id="retry", variant="warning", classes="hidden")
        yield Button("Continue", id="continue", variant="success", classes="hidden")

    def on_mount(self) -> None:
        self.start_run()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """No going back while the run writes to the tenant (Ctrl+Q still stops it; it resumes later); the portal
        link only while a portal step waits."""
        if action == "back" and self.running:
            return None
        if action in ("open_link", "copy_link"):
            return self.first_waiting() is not None
        return True

    def action_back(self) -> None:
        """Once a run has ended, what the review showed is out of date: Back is a fresh start."""
        self.wizard.back_to_start()

    def start_run(self) -> None:
        self.running = True
        self.result = None
        self.query_one("#failure").add_class("hidden")
        self.mark_asking()
        self.query_one("#retry").add_class("hidden")
        self.query_one("#heading", Static).update("Setting up")
        for row in self.rows.values():
            if row.status is StepStatus.FAILED:
                row.set_status(StepStatus.PENDING)
        self.refresh_bindings()
        self.wizard.run_setup(self)

    def log_line(self, text: str, style: str = "") -> None:
        self.query_one("#log", RichLog).write(Text(text, style=style))

    def log_event(self, rendered: Rendered) -> None:
        title = self.row(rendered.step).title if rendered.step else None
        self.query_one("#log", RichLog).write(log_text(rendered, title))

    def on_run_event(self, message: RunEvent) -> None:
        """The rows follow the steps; the log says each event (a step this screen did or the operator confirmed here
        stays "done", quietly; one confirmed here that is still missing says so)."""
        event = message.event
        match event:
            case StepStarted(step=step_id, title=title):
                self.row(step_id, title).set_status(StepStatus.RUNNING)
            case StepDone(step=step_id) if step_id in self.confirmed_here:
                self.still_missing.discard(step_id)
                self.row(step_id).set_status(StepStatus.DONE, CONFIRMED_HERE)
            case StepDone(step=step_id, summary=summary):
                self.row(step_id).set_status(StepStatus.DONE, summary)
                self.done_here.add(step_id)
                self.log_event(render(event))
            case StepSkipped(step=step_id) if step_id in self.done_here:
                self.row(step_id).set_status(StepStatus.DONE)
            case StepSkipped(step=step_id, summary=summary):
                self.row(step_id).set_status(StepStatus.SKIPPED, summary)
                self.log_event(render(event))
            case StepWaiting(step=step_id, instructions=instructions, link=link):
                self.row(step_id).set_status(StepStatus.WAITING)
                self.waiting[step_id] = (tuple(instructions), link)
                if step_id in self.confirmed_here:
                    self.still_missing.add(step_id)
                    self.log_line(f"✗ still missing in the tenant: {self.row(step_id).title}", "red")
                else:
                    self.log_event(render(event))
                self.show_guided()
            case StepFailed(step=step_id, error=error):
                self.row(step_id).set_status(StepStatus.FAILED, error.what)
                self.show_failure(render(event))
            case _:
                self.log_event(render(event))
        self.update_bar()

    def row(self, step_id: str, title: str = "") -> StepRow:
        """The step's row; a step the review did not list gets one when it starts."""
        if step_id not in self.rows:
            self.rows[step_id] = StepRow(title or step_id)
            self.query_one("#steps").mount(self.rows[step_id])
        return self.rows[step_id]

    def update_bar(self) -> None:
        finished = sum(row.status in FINISHED for row in self.rows.values())
        self.query_one("#bar", ProgressBar).update(total=len(self.rows), progress=finished)

    def mark_asking(self) -> None:
        """`-asks` while a panel asks something of the operator: on a short terminal it takes the log's place."""
        panels = self.query("#failure, #guided")
        self.set_class(any(not panel.has_class("hidden") for panel in panels), "-asks")

    def first_waiting(self) -> str | None:
        """The portal step to do now: the first of the plan still waiting (the run reports them in any order)."""
        return next((step_id for step_id in self.rows if step_id in self.waiting), None)

    def show_guided(self) -> None:
        """The first portal step still waiting, with its instructions, its link as text and the buttons; hidden when
        none is left. A step confirmed here that the run still finds missing says so first."""
        step_id = self.first_waiting()
        for widget in self.query("#guided, #guided-link, #open-link, #confirm-guided"):
            widget.set_class(step_id is None, "hidden")
        self.mark_asking()
        self.refresh_bindings()
        if step_id is None:
            return
        instructions, link = self.waiting[step_id]
        left = f" · then {len(self.waiting) - 1} more" if len(self.waiting) > 1 else ""
        text = "\n".join([f"{self.row(step_id).title}{left}", *instructions])
        self.query_one("#guided-text", Static).update(text)
        missing = self.query_one("#guided-missing", Static)
        missing.update(
            "Still missing: you confirmed this step, but the tenant does not show it done. Do it (or have it done), "
            "then confirm again."
        )
        missing.set_class(step_id not in self.still_missing, "hidden")
        self.query_one("#guided-link", Static).update(f"Link (Ctrl+O opens it, Ctrl+Y copies it):\n{link}")

    def show_failure(self, failure: Rendered) -> None:
        """The failure in its panel (and in the log, with the step it stopped)."""
        self.query_one("#failure-text", Static).update(failure_text(failure))
        self.query_one("#failure").remove_class("hidden")
        self.mark_asking()
        self.log_event(failure)

    def on_run_complete(self, message: RunComplete) -> None:
        self.running = False
        self.result = message.result
        self.created.extend(line for line in message.result.changed if line not in self.created)
        self.refresh_bindings()
        self.report()
        if message.result.waiting:
            self.query_one("#heading", Static).update("Your turn: the portal steps below, one by one")
            self.query_one("#open-link", Button).focus()
        elif message.result.run_now_url:
            self.show_ready()
        else:
            self.query_one("#heading", Static).update("The run ended without a Run-now URL")
            self.query_one("#retry", Button).remove_class("hidden")

    def show_ready(self) -> None:
        self.query_one("#heading", Static).update("Done: Asignio sign-in is ready to try")
        self.log_line("The setup is complete.", "bold green")
        done = self.query_one("#continue", Button)
        done.remove_class("hidden")
        done.focus()

    def on_work_failed(self, message: WorkFailed) -> None:
        if message.group != WorkGroup.RUN:
            return
        self.running = False
        self.refresh_bindings()
        self.query_one("#heading", Static).update("Stopped: fix what is said below, then Retry")
        if self.query_one("#failure").has_class("hidden"):
            self.show_failure(worker_failure(message.error))
        retry = self.query_one("#retry", Button)
        retry.remove_class("hidden")
        retry.focus()

    @on(Button.Pressed, "#retry")
    def retry(self) -> None:
        self.start_run()

    def report(self) -> None:
        """What the terminal keeps when the wizard ends, as of this run (the Done screen shows the same)."""
        if self.result is None:
            return
        waiting = [
            (self.rows[step_id].title, self.waiting[step_id][1]) for step_id in self.rows if step_id in self.waiting
        ]
        session = self.wizard.session
        domain = session.answers.tenant.domain if session is not None else self.wizard.draft.tenant_name
        self.wizard.exit_report = run_report(domain, self.result, self.created, waiting)

    def waiting_link(self) -> str | None:
        step_id = self.first_waiting()
        return self.waiting[step_id][1] if step_id is not None else None

    @on(Button.Pressed, "#open-link")
    def action_open_link(self) -> None:
        link = self.waiting_link()
        if link is not None:
            self.app.open_url(link)

    def action_copy_link(self) -> None:
        link = self.waiting_link()
        if link is not None:
            self.wizard.copy_text(link, "The portal link")

    @on(Button.Pressed, "#confirm-guided")
    def ask_to_confirm(self) -> None:
        """Confirming counts as done what the tool cannot check itself: asked once more, "Not yet" focused."""
        step_id = self.first_waiting()
        if step_id is None or self.running:
            return
        title = self.rows[step_id].title
        question = f"Is \u201c{title}\u201d done in the portal? The run counts it as done from now on."
        self.app.push_screen(
            AskScreen("Confirm the portal step", question, "Not yet", "Yes, it is done"), self.answered
        )

    def answered(self, done: bool | None) -> None:
        if done:
            self.confirm_guided()

    def confirm_guided(self) -> None:
        """The operator did the portal step shown: record it. After the last one the run goes again: it finds
        every step done, writes nothing, and finishes the setup with the Run-now URL (or says what is still missing
        where the tenant can tell)."""
        step_id = self.first_waiting()
        if step_id is None or self.running:
            return
        del self.waiting[step_id]
        self.wizard.confirm_guided(step_id)
        self.confirmed_here.add(step_id)
        self.still_missing.discard(step_id)
        self.rows[step_id].set_status(StepStatus.DONE, CONFIRMED_HERE)
        self.log_line(f"✓ confirmed: {self.rows[step_id].title}", "green")
        self.update_bar()
        self.show_guided()
        if self.waiting:
            self.query_one("#open-link", Button).focus()
        else:
            self.log_line("Checking every step once more to finish the setup…")
            self.start_run()

    @on(Button.Pressed, "#continue")
    def show_result(self) -> None:
        if self.result is not None:
            self.wizard.go_on(self, replace(self.result, changed=tuple(self.created)))
