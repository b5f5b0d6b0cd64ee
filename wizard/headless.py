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

from wizard.answers import Answers
from wizard.answers_file import load_answers
from wizard.auth import DeviceCodePrompt, print_device_code
from wizard.demo import Demo, DemoOptions
from wizard.errors import BadInputError, ExitCode, SetupError, unexpected, worst_exit_code
from wizard.events import RunFinished
from wizard.logs import RUN_TENANT
from wizard.printer import EventPrinter
from wizard.session import PlannedStep, check_sign_in, sign_in
from wizard.steps import GuidedStep, build_plan
from wizard.verify import Verification


def finished_lines(finished: RunFinished) -> list[str]:
    """How a setup that did not fail ended: what it changed, the portal steps left, the redirect URIs, the URL."""
    lines = [f"Created or changed: {'; '.join(finished.changed)}"] if finished.changed else ["Nothing needed changing."]
    if finished.waiting:
        confirm = " ".join(f"--confirm {step}" for step in finished.waiting)
        lines.append(
            f"Waiting for you in the portal: {', '.join(finished.waiting)}. When they are done, run "
            f"the same command again with {confirm}"
        )
    if finished.partner_redirect_uris:
        lines.append("Register these redirect URIs for the Asignio application at Asignio's partner site:")
        lines.extend(f"    {uri}" for uri in finished.partner_redirect_uris)
    if finished.run_now_url:
        lines.append(f"Run now: {finished.run_now_url}")
    return lines


@dataclass(frozen=True)
class VerifyOptions:
    """Whether and how a setup ends with the sign-in probes (`verify`)."""

    enabled: bool = True
    timeout: float | None = None
    """How long a policy that does not serve yet is waited for (None: the default two minutes)."""
    request_deadline: float | None = None
    """How long each probe request may take for its whole answer (None: the default 15 s; tests give a short one)."""


async def verify_setup(
    answers: Answers, printer: EventPrinter, options: VerifyOptions, demo: Demo | None = None
) -> Verification:
    """The sign-in probes of a finished setup, printed as they end; a demo's go to its simulator, and its test app is
    the one recorded in the demo's own state folder."""
    printer.say(["Verifying the sign-in (no browser, no credentials, nothing written):"], printer.human)
    state_folder = demo.state_folder if demo is not None else None
    return await check_sign_in(
        answers,
        printer,
        timeout=options.timeout,
        request_deadline=options.request_deadline,
        demo=demo,
        state_folder=state_folder,
    )


def say_verification(printer: EventPrinter, verification: Verification) -> None:
    """The probes' verdict in one sentence (the error, when one probe found a fault)."""
    error = verification.error()
    if error is not None:
        printer.say([f"error: {error.what}", *([f"  what to do: {error.fix}"] if error.fix else [])], printer.err)
        return
    printer.say([verification.verdict()], printer.human)


@dataclass(frozen=True)
class Outcome:
    """How one tenant's run or plan ended: its exit code, and its summary line's words after `tenant: `."""

    exit_code: ExitCode
    said: str

    @classmethod
    def failure(cls, error: SetupError) -> Outcome:
        return cls(error.exit_code, f"failed (exit {int(error.exit_code)}): {error.what}")


Work = Callable[[Answers, EventPrinter, DeviceCodePrompt], Awaitable[Outcome]]
"""One tenant's run or plan, given its printer and device-code prompt."""


async def _run(
    answers_path: Path,
    demo_options: DemoOptions | None,
    confirm: Sequence[str],
    rotate_secret: bool,
    json_lines: bool,
    verify: VerifyOptions,
) -> int:
    answers = load_answers(answers_path)
    demo = Demo(demo_options) if demo_options is not None else None
    try:
        if demo is not None:
            demo.start(answers.tenant.name)
            for line in demo.introduction():
                print(line, file=sys.stderr)
            answers = demo.answers(answers)
        printer = EventPrinter(sys.stdout, sys.stderr, json_lines=json_lines)
        outcome = await _run_session(answers, demo, confirm, rotate_secret, printer, print_device_code, verify)
    finally:
        if demo is not None:
            demo.close()
    return int(outcome.exit_code)


async def _run_session(
    answers: Answers,
    demo: Demo | None,
    confirm: Sequence[str],
    rotate_secret: bool,
    printer: EventPrinter,
    prompt: DeviceCodePrompt,
    verify: VerifyOptions,
) -> Outcome:
    """One tenant's setup, then (unless turned off) the sign-in probes; a step's failure is its outcome, any other
    SetupError is raised. A demo's progress is kept in its own folder, apart from the real runs'."""
    signed_in = sign_in(
        answers.tenant,
        answers.auth,
        demo=demo.server if demo is not None else None,
        device_code_prompt=prompt,
        state_folder=demo.state_folder if demo is not None else None,
    )
    try:
        session = signed_in.session_for(answers, rotate_secret=rotate_secret)
        for step_id in confirm:
            session.confirm_guided(step_id)
        finished = await session.run(printer)
    finally:
        await signed_in.close()
    if finished.failure is not None:
        if printer.json_lines:
            printer.summary(finished.exit_code, run_now_url=None)
        return Outcome.failure(finished.failure)
    printer.say(finished_lines(finished), printer.human)
    exit_code = finished.exit_code
    verification = None
    if verify.enabled and not finished.waiting:
        verification = await verify_setup(answers, printer, verify, demo)
        say_verification(printer, verification)
        exit_code = verification.exit_code
    if printer.json_lines:
        verified = {} if verification is None else {"verified": verification.verified}
        printer.summary(
            exit_code,
            run_now_url=finished.run_now_url,
            created=list(finished.changed),
            waiting=list(finished.waiting),
            partner_redirect_uris=list(finished.partner_redirect_uris),
            **verified,
        )
    if finished.waiting:
        return Outcome(exit_code, f"waiting for portal steps {', '.join(finished.waiting)} (exit {int(exit_code)})")
    run_now = f"; Run now: {finished.run_now_url}" if finished.run_now_url else ""
    fault = verification.error() if verification is not None else None
    if fault is not None:
        return Outcome(exit_code, f"set up, but the sign-in check failed (exit {int(exit_code)}): {fault.what}")
    return Outcome(exit_code, f"done (exit {int(exit_code)}){run_now}")


def portal_steps(answers: Answers) -> set[str]:
    """The ids of the portal steps the answers' path has (what `--confirm` may name)."""
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
    signed_in = sign_in(answers.tenant, answers.auth, demo=None, device_code_prompt=prompt)
    try:
        review = await signed_in.session_for(answers).review(printer)
    finally:
        await signed_in.close()
    human = printer.human
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
    """`=` already in the tenant (or, for a step that only reads or asks, nothing to do), `+` to do, `?` not checked
    (the tenant could not be looked at for it)."""
    if step.done:
        return f"  = {step.id}: {'already in the tenant' if step.writes else 'nothing to do'}"
    if step.checked:
        return f"  + {step.id}: {step.detail}"
    return f"  ? {step.id}: {'' if step.problem is None else 'not checked: '}{step.detail}"


async def _plan(answers_path: Path, json_lines: bool) -> int:
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
    demo: DemoOptions | None = None,
    confirm: Sequence[str] = (),
    rotate_secret: bool = False,
    json_lines: bool = False,
    verify: VerifyOptions = VerifyOptions(),
) -> int:
    """Runs the setup to the end or to the first failure, then the sign-in probes; returns the exit code (README:
    exit codes)."""
    return asyncio.run(_run(answers_path, demo, confirm, rotate_secret, json_lines, verify))


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
