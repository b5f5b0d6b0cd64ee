"""`asignio-setup --non-interactive answers.toml`: the whole setup with no questions, events printed as lines."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TextIO

from wizard.answers import load_answers
from wizard.errors import ExitCode
from wizard.events import (
    Event,
    RunFinished,
    StepDone,
    StepFailed,
    StepProgress,
    StepSkipped,
    StepStarted,
    StepWaiting,
)


class EventPrinter:
    """Turns runner events into self-contained lines (steps may run at once, so lines name their step)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def __call__(self, event: Event) -> None:
        for line in self.lines(event):
            print(line, file=self.out, flush=True)

    @staticmethod
    def lines(event: Event) -> list[str]:
        match event:
            case StepStarted(step, title, index, total):
                return [f"[{index}/{total}] {title} ({step})"]
            case StepProgress(step, message):
                return [f"      {step}: {message}"]
            case StepDone(step, summary):
                return [f"  ✓ {step}: {summary}"]
            case StepSkipped(step, summary):
                return [f"  = {step}: already done: {summary}"]
            case StepWaiting(step, instructions, link):
                numbered = [f"      {number}. {text}" for number, text in enumerate(instructions, start=1)]
                return [f"  … {step}: waiting for you in the Azure portal:", f"      {link}", *numbered,
                        f"      then run again with --confirm {step}"]
            case StepFailed(step, error):
                fix = [f"    what to do: {error.fix}"] if error.fix else []
                return [f"  ✗ {step}: {error.what}", *fix]
            case RunFinished(url, created, waiting):
                lines = [f"Created or changed: {'; '.join(created)}"] if created else ["Nothing needed changing."]
                if waiting:
                    lines.append(f"Waiting for you in the portal: {', '.join(waiting)}")
                if url:
                    lines.append(f"Run now: {url}")
                return lines
        return []


def print_device_code(verification_uri: str, user_code: str, expires_on: datetime) -> None:
    print(
        f"To sign in, open {verification_uri} and enter the code {user_code} (valid until {expires_on:%H:%M}).",
        file=sys.stderr,
        flush=True,
    )


async def _run(answers_path: Path, demo: bool, demo_state: Path | None, confirm: Sequence[str]) -> int:
    from wizard.session import Session

    answers = load_answers(answers_path)
    server = None
    if demo:
        from wizard.simulator import start_demo

        server = start_demo(demo_state, name=answers.tenant.name)
        print(f"Demo: a simulated B2C tenant ({answers.tenant.domain}) at {server.graph_root}", file=sys.stderr)
    session = Session.open(answers, demo=server, device_code_prompt=print_device_code)
    try:
        for step_id in confirm:
            session.confirm_guided(step_id)
        finished = await session.run(EventPrinter(sys.stdout))
    finally:
        await session.close()
        if server is not None:
            server.stop()
    return int(ExitCode.PENDING if finished.waiting else ExitCode.OK)


def run_headless(answers_path: Path, *, demo: bool = False, demo_state: Path | None = None,
                 confirm: Sequence[str] = ()) -> int:
    """Runs the setup to the end or to the first failure; returns the exit code (README: exit codes)."""
    return asyncio.run(_run(answers_path, demo, demo_state, confirm))
