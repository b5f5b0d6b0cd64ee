"""`asignio-setup --non-interactive answers.toml`: the whole setup with no questions, events printed as lines."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from wizard.answers import Answers, load_answers
from wizard.errors import ExitCode, SetupError
from wizard.events import (
    Event,
    RunFinished,
    RunNotice,
    StepDone,
    StepFailed,
    StepProgress,
    StepSkipped,
    StepStarted,
    StepWaiting,
)

if TYPE_CHECKING:
    from wizard.simulator import SimulatorServer


class EventPrinter:
    """Turns runner events into self-contained lines (steps may run at once, so lines name their step)."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out = out
        self.err = err
        self.failures: list[StepFailed] = []

    def __call__(self, event: Event) -> None:
        stream = self.out
        if isinstance(event, StepFailed):
            self.failures.append(event)
            stream = self.err
        elif isinstance(event, RunNotice):
            stream = self.err
        for line in self.lines(event):
            print(line, file=stream, flush=True)

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
                return [f"  … {step}: waiting for you in the Azure portal:", f"      {link}", *numbered]
            case StepFailed(step, error):
                fix = [f"    what to do: {error.fix}"] if error.fix else []
                return [f"  ✗ {step}: {error.what}", *fix]
            case RunNotice(message):
                return [f"warning: {message}"]
            case RunFinished(url, created, waiting):
                lines = [f"Created or changed: {'; '.join(created)}"] if created else ["Nothing needed changing."]
                if waiting:
                    confirm = " ".join(f"--confirm {step}" for step in waiting)
                    lines.append(
                        f"Waiting for you in the portal: {', '.join(waiting)}. When they are done, run "
                        f"the same command again with {confirm}"
                    )
                if url:
                    lines.append(f"Run now: {url}")
                return lines
        return []


async def _run(
    answers_path: Path, demo: bool, demo_state: Path | None, confirm: Sequence[str], rotate_secret: bool
) -> int:
    answers = load_answers(answers_path)
    server = None
    if demo:
        from wizard.simulator import start_demo

        server = start_demo(demo_state, name=answers.tenant.name)
        print(f"Demo: a simulated B2C tenant ({answers.tenant.domain}) at {server.graph_root}", file=sys.stderr)
    try:
        return await _run_session(answers, server, confirm, rotate_secret)
    finally:
        if server is not None:
            server.stop()


async def _run_session(
    answers: Answers, server: SimulatorServer | None, confirm: Sequence[str], rotate_secret: bool
) -> int:
    from wizard.auth import print_device_code
    from wizard.session import sign_in

    signed_in = sign_in(answers.tenant, answers.auth, demo=server, device_code_prompt=print_device_code)
    printer = EventPrinter(sys.stdout, sys.stderr)
    try:
        session = signed_in.plan(answers, rotate_secret=rotate_secret)
        for step_id in confirm:
            session.confirm_guided(step_id)
        finished = await session.run(printer)
    except SetupError as error:
        if any(error is failure.error for failure in printer.failures):
            return int(error.exit_code)
        raise
    finally:
        await signed_in.close()
    return int(ExitCode.PENDING if finished.waiting else ExitCode.OK)


async def _plan(answers_path: Path) -> int:
    from wizard.auth import print_device_code
    from wizard.session import sign_in

    answers = load_answers(answers_path)
    signed_in = sign_in(answers.tenant, answers.auth, demo=None, device_code_prompt=print_device_code)
    try:
        review = await signed_in.plan(answers).review()
    finally:
        await signed_in.close()
    for step in review.steps:
        mark = "=" if step.done else "+"
        print(f"  {mark} {step.id}: {'already in the tenant' if step.done else step.detail}", flush=True)
    pending = [step.id for step in review.steps if not step.done]
    if review.extensions_diff:
        print(review.extensions_diff, flush=True)
    if not pending:
        print("The tenant matches the answers: nothing to change.", flush=True)
        return int(ExitCode.OK)
    print(f"Changes pending in {len(pending)} step(s): {', '.join(pending)}", flush=True)
    return int(ExitCode.CHANGES_PENDING)


def run_plan(answers_path: Path) -> int:
    """Signs in and checks every step, writing nothing to the tenant or the state; 0 when it matches, else 8."""
    return asyncio.run(_plan(answers_path))


def run_headless(
    answers_path: Path,
    *,
    demo: bool = False,
    demo_state: Path | None = None,
    confirm: Sequence[str] = (),
    rotate_secret: bool = False,
) -> int:
    """Runs the setup to the end or to the first failure; returns the exit code (README: exit codes)."""
    return asyncio.run(_run(answers_path, demo, demo_state, confirm, rotate_secret))
