"""What the Textual tests share."""

from __future__ import annotations

import contextlib

from textual.pilot import Pilot
from textual.worker import WorkerCancelled, WorkerFailed


async def settle(pilot: Pilot) -> None:
    """Every worker ended, however (a failed or superseded one is what some tests want), and the screens caught up;
    repeated because a worker's message can start the next worker."""
    for _ in range(3):
        with contextlib.suppress(WorkerFailed, WorkerCancelled):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()
