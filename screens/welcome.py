"""The first screen: what the wizard will do, a way back into a setup that was stopped half-way, and a way to take
a finished setup out of its tenant."""

from __future__ import annotations

import asyncio
from datetime import UTC
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.widgets import Button, Static

from screens.base import WizardStep
from screens.messages import SavedRunsLoaded
from wizard.events import FINISHED

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


def describe_saved_run(run: SavedRun, others: int) -> str:
    """What was done and what is left of a stopped setup, in a few lines."""
    done = [step for step, status in run.steps.items() if status in FINISHED]
    left = [step for step, status in run.steps.items() if status not in FINISHED]
    lines = [
        f"Unfinished: {run.answers.tenant.domain} ({run.answers.setup.pivot.value}), "
        f"stopped {run.updated_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC",
        f"Done: {', '.join(done) or 'nothing yet'}",
        f"Left: {', '.join(left) or 'the steps not started yet'}",
    ]
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
    when one finished (Start keeps the focus: Remove deletes)."""

    CSS_PATH = "welcome.tcss"

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
        self.wizard.load_saved_runs(self)

    def on_saved_runs_loaded(self, message: SavedRunsLoaded) -> None:
        if not message.runs:
            self.offer_removal(message.finished)
            return
        self.saved_run = message.runs[0]
        summary = self.query_one("#saved-run", Static)
        summary.update(describe_saved_run(self.saved_run, len(message.runs) - 1))
        summary.remove_class("hidden")
        self.query_one("#start", Button).add_class("hidden")
        self.query_one("#start-over", Button).remove_class("hidden")
        resume = self.query_one("#resume", Button)
        resume.label = f"Resume {self.saved_run.tenant}"
        resume.remove_class("hidden")
        resume.focus()

    def offer_removal(self, finished: list[SavedRun]) -> None:
        if not finished:
            return
        self.finished_setup = finished[0]
        summary = self.query_one("#finished-setup", Static)
        summary.update(describe_finished_setup(self.finished_setup, len(finished) - 1))
        summary.remove_class("hidden")
        remove = self.query_one("#remove", Button)
        remove.label = f"Remove {self.finished_setup.tenant}"
        remove.remove_class("hidden")

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
    async def start_over(self) -> None:
        if self.saved_run is not None:
            self.wizard.discard_saved_run(self.saved_run.tenant)
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
