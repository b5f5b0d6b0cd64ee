"""`asignio-setup --non-interactive answers.toml`: the whole setup with no questions, events printed as lines.

Several answers files run their tenants at once (`run_tenants`): each its own sign-in, Graph client, state file and
lock, its lines prefixed with (and its JSON objects keyed by) its tenant, one summary line each at the end.
"""

from __future__ import annotations

import asyncio
import functools
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from wizard.answers import Answers, load_answers
from wizard.errors import BadInputError, ExitCode, SetupError, unexpected, worst_exit_code
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
from wizard.json_lines import error_fields, event_object, write_line, write_summary
from wizard.logs import RUN_TENANT
from wizard.outgoing import outgoing

if TYPE_CHECKING:
    from wizard.auth import DeviceCodePrompt
    from wizard.simulator import DemoPlatform, SimulatorServer


class EventPrinter:
    """Turns runner events into self-contained lines (steps may run at once, so lines name their step)."""

    def __init__(self, out: TextIO, err: TextIO, *, json_lines: bool = False, tenant: str | None = None) -> None:
        self.out = out
        self.err = err
        self.json_lines = json_lines
        """With `--json`: the JSON objects go to `out` and every human line to `err`."""
        self.tenant = tenant
        """In a run of several answers files, the tenant this printer speaks for: its human lines all go to `err`,
        each prefixed `tenant: ` (`out` keeps the summary lines), and its JSON objects carry `"tenant"`."""
        self.failures: list[StepFailed] = []

    def __call__(self, event: Event) -> None:
        if self.json_lines and not isinstance(event, RunFinished):
            self.write_json(event_object(event))
        stream = self.err if self.json_lines or self.tenant else self.out
        if isinstance(event, StepFailed):
            self.failures.append(event)
            stream = self.err
        elif isinstance(event, RunNotice):
            stream = self.err
        self.say(self.lines(event), stream)

    def say(self, lines: list[str], stream: TextIO) -> None:
        """Each line as it may leave the process (wizard.outgoing): no secret, no raw control character."""
        prefix = f"{self.tenant}: " if self.tenant else ""
        for line in lines:
            print(outgoing(prefix + line, multiline=True), file=stream, flush=True)

    def _tag(self) -> dict[str, str]:
        return {} if self.tenant is None else {"tenant": self.tenant}

    def write_json(self, data: dict[str, Any]) -> None:
        write_line(self.out, {"event": data["event"], **self._tag(), **data})

    def summary(self, exit_code: int, **fields: Any) -> None:
        """The run's last JSON line (of this tenant's lines, when there are several)."""
        write_summary(self.out, exit_code, **self._tag(), **fields)

    def failed(self, error: SetupError) -> None:
        """An error that ended the run outside any step (the sign-in, a state folder), as the CLI reports one."""
        if self.json_lines:
            self.write_json({"event": "failed", "step": None, **error_fields(error)})
            self.summary(error.exit_code, run_now_url=None)
        self.say([f"error: {error.what}", *([f"  what to do: {error.fix}"] if error.fix else [])], self.err)

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
            case RunFinished(url, created, waiting, redirect_uris):
                lines = [f"Created or changed: {'; '.join(created)}"] if created else ["Nothing needed changing."]
                if waiting:
                    confirm = " ".join(f"--confirm {step}" for step in waiting)
                    lines.append(
                        f"Waiting for you in the portal: {', '.join(waiting)}. When they are done, run "
                        f"the same command again with {confirm}"
                    )
                if redirect_uris:
                    lines.append("Register these redirect URIs for the Asignio application at Asignio's partner site:")
                    lines.extend(f"    {uri}" for uri in redirect_uris)
                if url:
                    lines.append(f"Run now: {url}")
                return lines
        return []


@dataclass(frozen=True)
class Outcome:
    """How one tenant's run or plan ended: its exit code, and its summary line's words after `tenant: `."""

    exit_code: ExitCode
    said: str

    @classmethod
    def failure(cls, error: SetupError) -> Outcome:
        return cls(error.exit_code, f"failed (exit {int(error.exit_code)}): {error.what}")


Work = Callable[[Answers, EventPrinter, "DeviceCodePrompt"], Awaitable[Outcome]]
"""One tenant's run or plan, given its printer and device-code prompt."""


async def _run(
    answers_path: Path,
    demo: bool,
    demo_empty: bool,
    demo_state: Path | None,
    demo_platform: DemoPlatform | None,
    confirm: Sequence[str],
    rotate_secret: bool,
    json_lines: bool,
) -> int:
    from wizard.auth import print_device_code

    answers = load_answers(answers_path)
    server = None
    if demo:
        from wizard.simulator import demo_metadata_url, start_demo

        server = start_demo(demo_state, name=answers.tenant.name, platform=demo_platform, empty=demo_empty)
        metadata_url = demo_metadata_url(server)
        platform = "B2C" if metadata_url is None else "External ID"
        print(f"Demo: a simulated {platform} tenant ({server.tenant.domain}) at {server.graph_root}", file=sys.stderr)
        if metadata_url is not None:
            answers = with_metadata_url(answers, metadata_url)
            print(
                f"Demo: Asignio's discovery document served at {metadata_url} (the answers' own is not read)",
                file=sys.stderr,
            )
    printer = EventPrinter(sys.stdout, sys.stderr, json_lines=json_lines)
    try:
        outcome = await _run_session(answers, server, confirm, rotate_secret, printer, print_device_code)
    finally:
        if server is not None:
            server.stop()
    return int(outcome.exit_code)


async def _run_session(
    answers: Answers,
    server: SimulatorServer | None,
    confirm: Sequence[str],
    rotate_secret: bool,
    printer: EventPrinter,
    prompt: DeviceCodePrompt,
) -> Outcome:
    """One tenant's setup; a step's failure is its outcome, any other SetupError is raised."""
    from wizard.session import sign_in

    signed_in = sign_in(answers.tenant, answers.auth, demo=server, device_code_prompt=prompt)
    try:
        session = signed_in.plan(answers, rotate_secret=rotate_secret)
        for step_id in confirm:
            session.confirm_guided(step_id)
        finished = await session.run(printer)
    except SetupError as error:
        if any(error is failure.error for failure in printer.failures):
            if printer.json_lines:
                printer.summary(error.exit_code, run_now_url=None)
            return Outcome.failure(error)
        raise
    finally:
        await signed_in.close()
    exit_code = ExitCode.PENDING if finished.waiting else ExitCode.OK
    if printer.json_lines:
        fields = event_object(finished)
        del fields["event"]
        printer.summary(exit_code, **fields)
    if finished.waiting:
        return Outcome(exit_code, f"waiting for portal steps {', '.join(finished.waiting)} (exit {int(exit_code)})")
    run_now = f"; Run now: {finished.run_now_url}" if finished.run_now_url else ""
    return Outcome(exit_code, f"done (exit {int(exit_code)}){run_now}")


def with_metadata_url(answers: Answers, metadata_url: str) -> Answers:
    """The answers with Asignio's discovery document at `metadata_url` (the demo's, whose port changes each run)."""
    return answers.model_copy(update={"asignio": answers.asignio.model_copy(update={"metadata_url": metadata_url})})


def portal_steps(answers: Answers) -> set[str]:
    """The ids of the portal steps the answers' path has (what `--confirm` may name)."""
    from wizard.steps import GuidedStep, build_plan

    return {step.id for step in build_plan(answers).steps if isinstance(step, GuidedStep)}


def refuse_shared_tenants(paths: Sequence[Path], answers: Sequence[Answers]) -> None:
    """Two answers files for one tenant would fight over its state file and lock: refused before anything starts."""
    first_file: dict[str, Path] = {}
    for path, each in zip(paths, answers, strict=True):
        name = each.tenant.name.lower()
        if name in first_file:
            raise BadInputError(
                f"{first_file[name]} and {path} both set up tenant {each.tenant.name}: their runs would share one "
                "state file and lock",
                "name each tenant once in the command; run the other file in a command of its own",
            )
        first_file[name] = path


def refuse_unknown_confirmations(answers: Sequence[Answers], confirm: Sequence[str]) -> None:
    """With several files each `--confirm` goes to the tenants whose path has that portal step; one that no path has
    is a typo, refused before anything starts."""
    known = set().union(*(portal_steps(each) for each in answers))
    for step_id in confirm:
        if step_id not in known:
            raise BadInputError(
                f"{step_id} is not a portal step of any of these setups",
                f"confirm one of: {', '.join(sorted(known)) or 'none on these paths'}",
            )


async def _for_tenant(answers: Answers, json_lines: bool, work: Work) -> Outcome:
    """One tenant of several: its lines and log named after it, and whatever ends its work becomes its outcome, so
    the others go on."""
    from wizard.auth import print_device_code

    name = answers.tenant.name
    RUN_TENANT.set(name)
    printer = EventPrinter(sys.stdout, sys.stderr, json_lines=json_lines, tenant=name)
    try:
        return await work(answers, printer, functools.partial(print_device_code, tenant=name))
    except SetupError as error:
        printer.failed(error)
        return Outcome.failure(error)
    except Exception as error:  # noqa: BLE001 - one tenant's bug ends its own run, not the others'
        failure = unexpected(error, f"the run for {name}")
        printer.failed(failure)
        return Outcome.failure(failure)


async def _for_tenants(answers: Sequence[Answers], json_lines: bool, work: Work) -> int:
    """Every tenant's work at once; then one summary line each, in the files' order; the worst code."""
    outcomes = await asyncio.gather(*(_for_tenant(each, json_lines, work) for each in answers))
    summaries = sys.stderr if json_lines else sys.stdout
    for each, outcome in zip(answers, outcomes, strict=True):
        print(f"{each.tenant.name}: {outcome.said}", file=summaries, flush=True)
    return int(worst_exit_code([outcome.exit_code for outcome in outcomes]))


async def _run_tenants(paths: Sequence[Path], confirm: Sequence[str], rotate_secret: bool, json_lines: bool) -> int:
    answers = [load_answers(path) for path in paths]
    refuse_shared_tenants(paths, answers)
    refuse_unknown_confirmations(answers, confirm)

    async def set_up(answers: Answers, printer: EventPrinter, prompt: DeviceCodePrompt) -> Outcome:
        its_own = [step_id for step_id in confirm if step_id in portal_steps(answers)]
        return await _run_session(answers, None, its_own, rotate_secret, printer, prompt)

    return await _for_tenants(answers, json_lines, set_up)


async def _plan_session(answers: Answers, printer: EventPrinter, prompt: DeviceCodePrompt) -> Outcome:
    from wizard.session import sign_in

    signed_in = sign_in(answers.tenant, answers.auth, demo=None, device_code_prompt=prompt)
    try:
        review = await signed_in.plan(answers).review()
    finally:
        await signed_in.close()
    human = printer.err if printer.json_lines or printer.tenant else printer.out
    for step in review.steps:
        mark = "=" if step.done else "+"
        printer.say([f"  {mark} {step.id}: {'already in the tenant' if step.done else step.detail}"], human)
        if printer.json_lines:
            printer.write_json({"event": "step_planned", "step": step.id, "title": step.title, "done": step.done})
    problems = [step.problem for step in review.steps if step.problem is not None]
    if problems:
        raise problems[0]
    pending = [step.id for step in review.steps if not step.done]
    if review.extensions_diff:
        printer.say(review.extensions_diff.splitlines(), human)
    exit_code = ExitCode.CHANGES_PENDING if pending else ExitCode.OK
    if pending:
        printer.say([f"Changes pending in {len(pending)} step(s): {', '.join(pending)}"], human)
    else:
        printer.say(["The tenant matches the answers: nothing to change."], human)
    if printer.json_lines:
        printer.summary(exit_code, changes_pending=pending, extensions_diff=review.extensions_diff)
    if pending:
        return Outcome(exit_code, f"changes pending in {', '.join(pending)} (exit {int(exit_code)})")
    return Outcome(exit_code, f"matches the answers (exit {int(exit_code)})")


async def _plan(answers_path: Path, json_lines: bool) -> int:
    from wizard.auth import print_device_code

    answers = load_answers(answers_path)
    printer = EventPrinter(sys.stdout, sys.stderr, json_lines=json_lines)
    return int((await _plan_session(answers, printer, print_device_code)).exit_code)


async def _plan_tenants(paths: Sequence[Path], json_lines: bool) -> int:
    answers = [load_answers(path) for path in paths]
    refuse_shared_tenants(paths, answers)
    return await _for_tenants(answers, json_lines, _plan_session)


def run_plan(answers_paths: Sequence[Path], *, json_lines: bool = False) -> int:
    """Signs in and checks every step, writing nothing to the tenant or the state; 0 when it matches, else 8.
    Several answers files are planned at once, each tenant with its own lines, and end with the worst code."""
    if len(answers_paths) == 1:
        return asyncio.run(_plan(answers_paths[0], json_lines))
    return asyncio.run(_plan_tenants(answers_paths, json_lines))


def run_headless(
    answers_path: Path,
    *,
    demo: bool = False,
    demo_empty: bool = False,
    demo_state: Path | None = None,
    demo_platform: DemoPlatform | None = None,
    confirm: Sequence[str] = (),
    rotate_secret: bool = False,
    json_lines: bool = False,
) -> int:
    """Runs the setup to the end or to the first failure; returns the exit code (README: exit codes)."""
    return asyncio.run(
        _run(answers_path, demo, demo_empty, demo_state, demo_platform, confirm, rotate_secret, json_lines)
    )


def run_tenants(
    answers_paths: Sequence[Path],
    *,
    confirm: Sequence[str] = (),
    rotate_secret: bool = False,
    json_lines: bool = False,
) -> int:
    """Runs the setups of several tenants at once, each to its end; returns the worst exit code (README)."""
    return asyncio.run(_run_tenants(answers_paths, confirm, rotate_secret, json_lines))
