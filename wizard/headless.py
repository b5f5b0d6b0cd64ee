"""`asignio-setup run answers.toml` (or `--non-interactive answers.toml`): the whole setup with no questions, events
printed as lines.

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
    ProbeChecked,
    ProbeRetrying,
    ProbeStatus,
    RunFinished,
    RunNotice,
    StepDone,
    StepFailed,
    StepProgress,
    StepSkipped,
    StepStarted,
    StepWaiting,
)
from wizard.json_lines import error_fields, event_object, expect_summary, summary_fields, write_line, write_summary
from wizard.logs import RUN_TENANT
from wizard.outgoing import outgoing

if TYPE_CHECKING:
    from wizard.auth import DeviceCodePrompt
    from wizard.session import PlannedStep
    from wizard.simulator import DemoPlatform, SimulatorServer
    from wizard.verify import Verification

PROBE_MARKS = {
    ProbeStatus.PASSED: "✓",
    ProbeStatus.FAILED: "✗",
    ProbeStatus.UNREACHABLE: "✗",
    ProbeStatus.NOT_CHECKED: "–",
}


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
        if json_lines and tenant is not None:
            expect_summary(tenant)

    def __call__(self, event: Event) -> None:
        if self.json_lines and not isinstance(event, RunFinished):
            self.write_json(event_object(event))
        stream = self.err if self.json_lines or self.tenant else self.out
        if isinstance(event, StepFailed):
            self.failures.append(event)
            stream = self.err
        elif isinstance(event, RunNotice | ProbeRetrying) or (
            isinstance(event, ProbeChecked) and event.status in (ProbeStatus.FAILED, ProbeStatus.UNREACHABLE)
        ):
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

    def failed(self, error: SetupError, *, summarise: bool = True, say: bool = True) -> None:
        """An error that ended the run outside any step (the sign-in, a state folder), as the CLI reports one: its
        sentence (`say`), and with `--json` its failed line and (`summarise`) the summary."""
        if self.json_lines:
            self.write_json({"event": "failed", "step": None, **error_fields(error)})
            if summarise:
                self.summary(error.exit_code, **summary_fields(self.tenant))
        if say:
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
            case StepSkipped(step, summary, kept=True):
                return [f"  = {step}: {summary}"]
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
            case ProbeChecked(_, title, ProbeStatus.PASSED | ProbeStatus.NOT_CHECKED as status, _, seen):
                return [f"  {PROBE_MARKS[status]} {title}: {seen}"]
            case ProbeChecked(_, title, status, expected, seen, fix):
                return [
                    f"  {PROBE_MARKS[status]} {title}",
                    f"      expected: {expected}",
                    f"      seen: {seen}",
                    *([f"    what to do: {fix}"] if fix else []),
                ]
            case ProbeRetrying(_, message):
                return [f"      {message}"]
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
class VerifyOptions:
    """Whether and how a setup ends with the sign-in probes (`verify`)."""

    enabled: bool = True
    timeout: float | None = None
    """How long a policy that does not serve yet is waited for (None: the default two minutes)."""


async def verify_setup(
    answers: Answers,
    printer: EventPrinter,
    options: VerifyOptions,
    server: SimulatorServer | None = None,
) -> Verification:
    """The sign-in probes of a finished setup, printed as they end; the demo's probes go to its simulator."""
    from wizard.verify import DEFAULT_TIMEOUT_SECONDS, recorded_test_app, verify_sign_in

    human = printer.err if printer.json_lines or printer.tenant else printer.out
    printer.say(["Verifying the sign-in (no browser, no credentials, nothing written):"], human)
    return await verify_sign_in(
        answers,
        recorded_test_app(answers),
        printer,
        timeout=DEFAULT_TIMEOUT_SECONDS if options.timeout is None else options.timeout,
        login_root=server.login_root if server is not None else None,
        asignio_root=server.discovery.issuer if server is not None and server.discovery is not None else None,
    )


def say_verification(printer: EventPrinter, verification: Verification) -> None:
    """The probes' verdict in one sentence (the error, when one probe found a fault)."""
    error = verification.error()
    if error is not None:
        printer.say([f"error: {error.what}", *([f"  what to do: {error.fix}"] if error.fix else [])], printer.err)
        return
    human = printer.err if printer.json_lines or printer.tenant else printer.out
    printer.say([verification.verdict()], human)


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
    verify: VerifyOptions,
) -> int:
    from wizard.auth import print_device_code

    answers = load_answers(answers_path)
    server = None
    if demo:
        from wizard.simulator import demo_metadata_url, start_demo, tenant_platform

        server = start_demo(demo_state, name=answers.tenant.name, platform=demo_platform, empty=demo_empty)
        metadata_url = demo_metadata_url(server)
        platform = "B2C" if tenant_platform(server.tenant) == "b2c" else "External ID"
        print(f"Demo: a simulated {platform} tenant ({server.tenant.domain}) at {server.graph_root}", file=sys.stderr)
        if metadata_url is not None:
            answers = with_metadata_url(answers, metadata_url)
            print(
                f"Demo: Asignio's discovery document served at {metadata_url} (the answers' own is not read)",
                file=sys.stderr,
            )
    printer = EventPrinter(sys.stdout, sys.stderr, json_lines=json_lines)
    try:
        outcome = await _run_session(answers, server, confirm, rotate_secret, printer, print_device_code, verify)
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
    verify: VerifyOptions,
) -> Outcome:
    """One tenant's setup, then (unless turned off) the sign-in probes; a step's failure is its outcome, any other
    SetupError is raised."""
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
    verification = None
    if verify.enabled and not finished.waiting:
        verification = await verify_setup(answers, printer, verify, server)
        say_verification(printer, verification)
        exit_code = verification.exit_code
    if printer.json_lines:
        fields = event_object(finished)
        del fields["event"]
        verified = {} if verification is None else {"verified": verification.verified}
        printer.summary(exit_code, **fields, **verified)
    if finished.waiting:
        return Outcome(exit_code, f"waiting for portal steps {', '.join(finished.waiting)} (exit {int(exit_code)})")
    run_now = f"; Run now: {finished.run_now_url}" if finished.run_now_url else ""
    fault = verification.error() if verification is not None else None
    if fault is not None:
        return Outcome(exit_code, f"set up, but the sign-in check failed (exit {int(exit_code)}): {fault.what}")
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


async def _run_tenants(
    paths: Sequence[Path], confirm: Sequence[str], rotate_secret: bool, json_lines: bool, verify: VerifyOptions
) -> int:
    answers = [load_answers(path) for path in paths]
    refuse_shared_tenants(paths, answers)
    refuse_unknown_confirmations(answers, confirm)

    async def set_up(answers: Answers, printer: EventPrinter, prompt: DeviceCodePrompt) -> Outcome:
        its_own = [step_id for step_id in confirm if step_id in portal_steps(answers)]
        return await _run_session(answers, None, its_own, rotate_secret, printer, prompt, verify)

    return await _for_tenants(answers, json_lines, set_up)


async def _plan_session(answers: Answers, printer: EventPrinter, prompt: DeviceCodePrompt) -> Outcome:
    from wizard.session import sign_in

    signed_in = sign_in(answers.tenant, answers.auth, demo=None, device_code_prompt=prompt)
    try:
        review = await signed_in.plan(answers).review(printer)
    finally:
        await signed_in.close()
    human = printer.err if printer.json_lines or printer.tenant else printer.out
    for step in review.steps:
        printer.say([planned_line(step)], human)
        if printer.json_lines:
            printer.write_json(
                {
                    "event": "step_planned",
                    "step": step.id,
                    "title": step.title,
                    "done": step.done,
                    "checked": step.checked,
                }
            )
    problems = [step.problem for step in review.steps if step.problem is not None]
    if problems:
        raise problems[0]
    pending = [step.id for step in review.steps if step.checked and not step.done]
    unchecked = [step.id for step in review.steps if not step.checked]
    if review.extensions_diff:
        printer.say(review.extensions_diff.splitlines(), human)
    exit_code = ExitCode.CHANGES_PENDING if pending else ExitCode.OK
    if pending:
        printer.say([f"Changes pending in {len(pending)} step(s): {', '.join(pending)}"], human)
    else:
        printer.say(["The tenant matches the answers: nothing to change."], human)
    if unchecked:
        printer.say([f"Not checked until those changes are made: {', '.join(unchecked)}"], human)
    if printer.json_lines:
        printer.summary(
            exit_code, changes_pending=pending, not_checked=unchecked, extensions_diff=review.extensions_diff
        )
    if pending:
        return Outcome(exit_code, f"changes pending in {', '.join(pending)} (exit {int(exit_code)})")
    return Outcome(exit_code, f"matches the answers (exit {int(exit_code)})")


def planned_line(step: PlannedStep) -> str:
    """`=` already in the tenant, `+` to do, `?` not checked (the tenant could not be looked at for it)."""
    if step.done:
        return f"  = {step.id}: already in the tenant"
    if step.checked:
        return f"  + {step.id}: {step.detail}"
    return f"  ? {step.id}: {'' if step.problem is None else 'not checked: '}{step.detail}"


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
    verify: VerifyOptions = VerifyOptions(),
) -> int:
    """Runs the setup to the end or to the first failure, then the sign-in probes; returns the exit code (README:
    exit codes)."""
    return asyncio.run(
        _run(answers_path, demo, demo_empty, demo_state, demo_platform, confirm, rotate_secret, json_lines, verify)
    )


def run_tenants(
    answers_paths: Sequence[Path],
    *,
    confirm: Sequence[str] = (),
    rotate_secret: bool = False,
    json_lines: bool = False,
    verify: VerifyOptions = VerifyOptions(),
) -> int:
    """Runs the setups of several tenants at once, each to its end; returns the worst exit code (README)."""
    return asyncio.run(_run_tenants(answers_paths, confirm, rotate_secret, json_lines, verify))


async def _verify(answers_path: Path, json_lines: bool, options: VerifyOptions) -> int:
    answers = load_answers(answers_path)
    printer = EventPrinter(sys.stdout, sys.stderr, json_lines=json_lines)
    verification = await verify_setup(answers, printer, options)
    say_verification(printer, verification)
    if json_lines:
        printer.summary(verification.exit_code, verified=verification.verified)
    return int(verification.exit_code)


def run_verify(answers_path: Path, *, json_lines: bool = False, options: VerifyOptions = VerifyOptions()) -> int:
    """`asignio-setup verify`: the sign-in probes of the setup the state records for the answers' tenant; no Graph
    request, no secret. 0 verified, 9 the sign-in would not work, 6 a host could not be reached."""
    return asyncio.run(_verify(answers_path, json_lines, options))
