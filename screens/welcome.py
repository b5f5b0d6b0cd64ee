"""The first screen: what the wizard will do, a way back into a setup that was stopped half-way, and a way to take
a finished setup out of its tenant."""

from __future__ import annotations

import asyncio
from datetime import UTC
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.widgets import Button, Static

from screens.ask import AskScreen
from screens.base import WizardStep
from screens.messages import SavedRunsLoaded
from wizard.events import FINISHED, StepStatus

if TYPE_CHECKING:
    from wizard.state import SavedRun

INTRODUCTION = """\
Sets up Asignio sign-in in an Azure AD B2C or Entra External ID tenant:
  1. sign in to the tenant as an admin;
  2. give the Asignio Client ID and Secret (from partner.asignio.com);
  3. pick the path (user flow, custom policy or External ID) and MFA;
  4. review the plan: nothing is written to the tenant before you confirm;
  5. run it, then try the sign-in with the Run-now URL.
Each step looks at the tenant first: running again duplicates nothing."""


HOW_IT_STOPPED = {StepStatus.FAILED: " (it failed)", StepStatus.WAITING: " (waiting for you in the portal)"}


def describe_saved_run(run: SavedRun, others: int, titles: dict[str, str]) -> str:
    """What was done and what is left of a stopped setup, in a few lines, the steps by their titles (`titles`: the
    plan's steps in order)."""
    plan = list(titles) or list(run.steps)
    done = [step for step in plan if run.steps.get(step) in FINISHED]
    left = [step for step in plan if run.steps.get(step) not in FINISHED]
    lines = [
        f"Unfinished: {run.answers.tenant.domain} ({run.answers.setup.pivot.value}), "
        f"stopped {run.updated_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC",
        f"Done: {len(done)} of {len(plan)} steps" + (f", the last: {titles.get(done[-1], done[-1])}" if done else ""),
    ]
    if left:
        status = run.steps.get(left[0])
        more = f", then {len(left) - 1} more" if len(left) > 1 else ""
        lines.append(f"Next: {titles.get(left[0], left[0])}{HOW_IT_STOPPED.get(status, '') if status else ''}{more}")
    if others:
        lines.append(f"({others} other unfinished setup{'s' if others > 1 else ''} kept as well.)")
    return "\n".join(lines)


def describe_finished_setup(run: SavedRun, others: int) -> str:
    """A finished setup (or a remove of it that stopped), and what Remove would do with it."""
    when = f"{run.updated_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    where = f"{run.answers.tenant.domain} ({run.answers.setup.pivot.value})"
    lines = (
        [f"Removal stopped: {where}, {when}", "Remove finishes it (you see what is left and confirm first)."]
        if run.removal_stopped
        else [
            f"Set up: {where}, finished {when}",
            "Remove takes out of the tenant what the setup put in (you see the list and confirm first).",
        ]
    )
    if others:
        lines.append(f"({others} other finished setup{'s' if others > 1 else ''} kept as well.)")
    return "\n".join(lines)


class WelcomeScreen(WizardStep):
    """Says what will happen; offers Resume or Start over when a setup was left unfinished, Remove beside Start
    when one finished (Start keeps the focus: Remove deletes). The saved progress is read anew each time the screen
    shows, so coming back after a run, a remove or a Start over shows what is saved now."""

    CSS_PATH = "welcome.tcss"
    HELP_TITLE = "Welcome"
    HELP = (
        "What the wizard does, step by step. Start begins a new setup. When a setup stopped half-way, Resume "
        "goes on with its saved answers and Start over discards its saved progress (asked first; the tenant keeps "
        "what was done). When a setup finished, Remove takes out of the tenant what it put in (you see the list and "
        "confirm first)."
    )

    def __init__(self) -> None:
        super().__init__()
        self.saved_run: SavedRun | None = None
        self.finished_setup: SavedRun | None = None

    def compose_body(self) -> ComposeResult:
        yield Static("Set up Asignio sign-in for Azure AD B2C or Entra External ID", classes="title")
        yield Static(INTRODUCTION, id="introduction")
        yield Static("", id="saved-run", classes="hidden", markup=False)
        yield Static("", id="finished-setup", classes="hidden", markup=False)

    def compose_buttons(self) -> ComposeResult:
        yield Button("Remove", id="remove", variant="error", classes="hidden")
        yield Button("Start over", id="start-over", classes="hidden")
        yield Button("Resume", id="resume", variant="primary", classes="hidden")
        yield Button("Start", id="start", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#start", Button).focus()

    def on_screen_resume(self) -> None:
        self.wizard.load_saved_runs(self)

    def on_saved_runs_loaded(self, message: SavedRunsLoaded) -> None:
        """Show what is saved now; what was shown before and is gone (a finished run, a removed setup) goes."""
        self.saved_run = message.runs[0] if message.runs else None
        self.finished_setup = message.finished[0] if message.finished and not message.runs else None
        summary = self.query_one("#saved-run", Static)
        summary.set_class(self.saved_run is None, "hidden")
        self.query_one("#start", Button).set_class(self.saved_run is not None, "hidden")
        self.query_one("#start-over", Button).set_class(self.saved_run is None, "hidden")
        resume = self.query_one("#resume", Button)
        resume.set_class(self.saved_run is None, "hidden")
        self.offer_removal(message.finished if self.finished_setup is not None else [])
        if self.saved_run is None:
            self.query_one("#start", Button).focus()
            return
        summary.update(describe_saved_run(self.saved_run, len(message.runs) - 1, message.titles))
        resume.label = f"Resume {self.saved_run.tenant}"
        resume.focus()

    def offer_removal(self, finished: list[SavedRun]) -> None:
        summary = self.query_one("#finished-setup", Static)
        remove = self.query_one("#remove", Button)
        summary.set_class(not finished, "hidden")
        remove.set_class(not finished, "hidden")
        if not finished:
            return
        summary.update(describe_finished_setup(finished[0], len(finished) - 1))
        remove.label = f"Remove {finished[0].tenant}"

    @on(Button.Pressed, "#remove")
    async def open_removal(self) -> None:
        if self.finished_setup is not None:
            self.wizard.begin_removal(self.finished_setup)
            await self.open_tenant_step()

    @on(Button.Pressed, "#start")
    async def start(self) -> None:
        self.wizard.start_over()
        await self.open_tenant_step()

    @on(Button.Pressed, "#resume")
    async def resume(self) -> None:
        if self.saved_run is not None:
            self.wizard.resume(self.saved_run)
        await self.open_tenant_step()

    @on(Button.Pressed, "#start-over")
    def start_over(self) -> None:
        """Asks first: the saved progress cannot be brought back (the tenant keeps what was done)."""
        run = self.saved_run
        if run is None:
            return
        question = (
            f"The saved progress of {run.answers.tenant.domain} ({run.answers.setup.pivot.value}) is discarded and "
            "a new setup starts. What the tenant already holds stays there; a later run finds it first."
        )
        self.app.push_screen(
            AskScreen("Discard the saved progress?", question, "Keep it", "Discard and start over"), self.discard
        )

    async def discard(self, confirmed: bool | None) -> None:
        run = self.saved_run
        if not confirmed or run is None:
            return
        await asyncio.to_thread(self.wizard.discard_saved_run, run.tenant)
        self.wizard.start_over()
        await self.open_tenant_step()

    async def open_tenant_step(self) -> None:
        """The tenant screen's module brings in the answers model (pydantic, a few hundred ms): imported in a
        thread, so the UI's loop keeps running meanwhile."""
        tenant_screen = await asyncio.to_thread(self.wizard.next_screen_type, self)
        self.app.push_screen(tenant_screen())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The first step has nothing to go back to, so the footer does not offer it."""
        return action != "back"
