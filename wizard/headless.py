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
from wizard.json_lines import event_object, write_line, write_summary

if TYPE_CHECKING:
    from wizard.simulator import SimulatorServer


class EventPrinter:
    """Turns runner events into self-contained lines (steps may run at once, so lines name their step)."""

    def __init__(self, out: TextIO, err: TextIO, *, json_lines: bool = False) -> None:
        self.out = out
        self.err = err
        self.json_lines = json_lines
        """With `--json`: the JSON objects go to `out` and every human line to `err`."""
        self.failures: list[StepFailed] = []

    def __call__(self, event: Event) -> None:
        if self.json_lines and not isinstance(event, RunFinished):
            write_line(self.out, event_object(event))
        stream = self.err if self.json_lines else self.out
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
    answers_path: Path,
    demo: bool,
    demo_empty: bool,
    demo_state: Path | None,
    confirm: Sequence[str],
    rotate_secret: bool,
    json_lines: bool,
) -> int:
    answers = load_answers(answers_path)
    server = None
    if demo:
        from wizard.simulator import start_demo

        server = start_demo(demo_state, name=answers.tenant.name, empty=demo_empty)
        print(f"Demo: a simulated B2C tenant ({answers.tenant.domain}) at {server.graph_root}", file=sys.stderr)
    try:
        return await _run_session(answers, server, confirm, rotate_secret, json_lines)
    finally:
        if server is not None:
            server.stop()


async def _run_session(
    answers: Answers, server: SimulatorServer | None, confirm: Sequence[str], rotate_secret: bool, json_lines: bool
) -> int:
    from wizard.auth import print_device_code
    from wizard.session import sign_in

    signed_in = sign_in(answers.tenant, answers.auth, demo=server, device_code_prompt=print_device_code)
    printer = EventPrinter(sys.stdout, sys.stderr, json_lines=json_lines)
    try:
        session = signed_in.plan(answers, rotate_secret=rotate_secret)
        for step_id in confirm:
            session.confirm_guided(step_id)
        finished = await session.run(printer)
    except SetupError as error:
        if any(error is failure.error for failure in printer.failures):
            if json_lines:
                write_summary(sys.stdout, error.exit_code, run_now_url=None)
            return int(error.exit_code)
        raise
    finally:
        await signed_in.close()
    exit_code = ExitCode.PENDING if finished.waiting else ExitCode.OK
    if json_lines:
        write_line(sys.stdout, {**event_object(finished), "exit_code": int(exit_code)})
    return int(exit_code)


async def _plan(answers_path: Path, json_lines: bool) -> int:
    from wizard.auth import print_device_code
    from wizard.session import sign_in

    answers = load_answers(answers_path)
    signed_in = sign_in(answers.tenant, answers.auth, demo=None, device_code_prompt=print_device_code)
    try:
        review = await signed_in.plan(answers).review()
    finally:
        await signed_in.close()
    human = sys.stderr if json_lines else sys.stdout
    for step in review.steps:
        mark = "=" if step.done else "+"
        print(f"  {mark} {step.id}: {'already in the tenant' if step.done else step.detail}", file=human, flush=True)
        if json_lines:
            write_line(sys.stdout, {"event": "step_planned", "step": step.id, "title": step.title, "done": step.done})
    pending = [step.id for step in review.steps if not step.done]
    if review.extensions_diff:
        print(review.extensions_diff, file=human, flush=True)
    exit_code = ExitCode.CHANGES_PENDING if pending else ExitCode.OK
    if pending:
        print(f"Changes pending in {len(pending)} step(s): {', '.join(pending)}", file=human, flush=True)
    else:
        print("The tenant matches the answers: nothing to change.", file=human, flush=True)
    if json_lines:
        write_summary(sys.stdout, exit_code, changes_pending=pending, extensions_diff=review.extensions_diff)
    return int(exit_code)


def run_plan(answers_path: Path, *, json_lines: bool = False) -> int:
    """Signs in and checks every step, writing nothing to the tenant or the state; 0 when it matches, else 8."""
    return asyncio.run(_plan(answers_path, json_lines))


def run_headless(
    answers_path: Path,
    *,
    demo: bool = False,
    demo_empty: bool = False,
    demo_state: Path | None = None,
    confirm: Sequence[str] = (),
    rotate_secret: bool = False,
    json_lines: bool = False,
) -> int:
    """Runs the setup to the end or to the first failure; returns the exit code (README: exit codes)."""
    return asyncio.run(_run(answers_path, demo, demo_empty, demo_state, confirm, rotate_secret, json_lines))
