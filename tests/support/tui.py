"""What the Textual tests share: waiting for the app to settle, the wizard at a given screen."""

from __future__ import annotations

import contextlib

from textual.pilot import Pilot
from textual.worker import WorkerCancelled, WorkerFailed

from screens.app import DEMO_CLIENT_ID, AsignioSetupApp
from screens.progress import ProgressScreen
from screens.review import ReviewScreen
from tests.support.headless import SECRET
from wizard.session import sign_in
from wizard.simulator import SimulatorServer


async def settle(pilot: Pilot) -> None:
    """Every worker ended, however (a failed or superseded one is what some tests want), and the screens caught up;
    repeated because a worker's message can start the next worker."""
    for _ in range(3):
        with contextlib.suppress(WorkerFailed, WorkerCancelled):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def fail_with(error: BaseException) -> None:
    """A worker that fails with `error`."""
    raise error


def app_confirmed_at_review(simulator: SimulatorServer, pivot: str = "user-flow") -> AsignioSetupApp:
    """The wizard as the review screen leaves it after Confirm: signed in, every answer given, phone MFA on."""
    app = AsignioSetupApp(demo=True)
    app.simulator = simulator
    app.draft.client_id = DEMO_CLIENT_ID
    app.draft.pivot, app.draft.mfa = pivot, "phone"
    app.keep_typed_secret(SECRET)
    answers = app.final_answers()
    app.signed_in = sign_in(answers.tenant, answers.auth, demo=simulator)
    app.session = app.signed_in.plan(answers, secret=SECRET)
    return app


async def confirm_the_review(pilot: Pilot) -> None:
    """The plan as the review screen gets it from the core; its Confirm (Enter) opens the progress screen."""
    pilot.app.call_later(
        pilot.app.push_screen, ReviewScreen()
    )  # from the app's task, so message_hook sees its messages
    await pilot.pause()
    await settle(pilot)
    await pilot.press("enter")
    assert any(isinstance(screen, ProgressScreen) for screen in pilot.app.screen_stack)


async def open_progress(pilot: Pilot) -> None:
    """The progress screen once its first run ended."""
    await confirm_the_review(pilot)
    await settle(pilot)
