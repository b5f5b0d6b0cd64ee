"""`asignio-setup remove ANSWERS.toml`: takes out of the tenant what the setup put in, and only what the tool can
prove it made (the steps and their rules: wizard.steps.removal).

The command shows the plan (what goes, what is already gone, what stays and why), asks (unless `--yes`), removes,
and ends with exit 5 when it kept something the operator may expect gone: an object the tool cannot prove it made
(no state on this machine, or not recorded in it) or a policy changed since the tool uploaded it.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from wizard.answers import Pivot
from wizard.answers_file import load_answers
from wizard.auth import print_device_code
from wizard.errors import BadInputError, ExitCode, TenantNotReadyError
from wizard.events import Event, RunNotice, StepDone
from wizard.json_lines import note_summary, write_line, write_summary
from wizard.printer import EventPrinter
from wizard.session import RemovalReview, sign_in
from wizard.state import StateStore
from wizard.steps.removal import build_removal_plan

ALL_ON_THE_USER_FLOW_PATH = (
    "--all also takes out the prerequisites a custom-policy setup created (starter-pack policies, key sets, IEF "
    "apps); a user-flow setup creates none, so here --all removes the same as remove without it"
)
"""What `remove --all` says on the user-flow path, where it has nothing more to take out than a plain remove."""
STATE_DIR_OPTION = "--state-dir DIR"
"""The option that points the tool at a state folder kept from the setup (another machine, a pipeline's cache)."""


def _ask(yes: bool) -> bool:
    """True when the operator agreed (or gave --yes); off a terminal without --yes there is no one to ask."""
    if yes:
        return True
    if not sys.stdin.isatty():
        raise BadInputError(
            "remove asks before it deletes anything, but its input is not a terminal",
            "add --yes to remove without asking (pipelines), or run it in a terminal",
        )
    print("Remove these? [y/N] ", end="", file=sys.stderr, flush=True)
    return sys.stdin.readline().strip().lower() in ("y", "yes")


def kept_lines(review: RemovalReview, state_path: Path) -> list[str]:
    """What the remove leaves that the answers name, each with its reason; with no state, which option helps."""
    lines = [f"  ! {kept.what}: {kept.why}" for kept in review.kept]
    if not review.recorded and review.kept:
        lines.append(
            f"No setup of this tenant is recorded on this machine ({state_path}), so what asignio-setup made cannot be "
            f"proven beyond the marks it leaves in the tenant, and the rest is kept. If the setup's state folder was "
            f"kept (another machine, a pipeline's cache), point at it with {STATE_DIR_OPTION}."
        )
    return lines


def kept_error(review: RemovalReview) -> TenantNotReadyError | None:
    """Exit 5 when something the operator may expect gone stayed; None when all that stayed was there before."""
    surprising = [kept for kept in review.kept if kept.surprising]
    if not surprising:
        return None
    listed = ", ".join(kept.what for kept in surprising)
    return TenantNotReadyError(
        f"Kept what asignio-setup cannot prove it made, or that changed since it did: {listed}",
        f"delete what should go in the portal yourself; point at the setup's state folder with {STATE_DIR_OPTION}; "
        "a policy changed since asignio-setup uploaded it goes with --force (after a backup)",
    )


async def _remove(answers_path: Path, yes: bool, json_lines: bool, everything: bool, force: bool) -> int:
    answers = load_answers(answers_path)
    build_removal_plan(answers)  # an answers file remove cannot take out is refused before the sign-in
    human = sys.stderr if json_lines else sys.stdout
    printer = EventPrinter(sys.stdout, sys.stderr, json_lines=json_lines)
    if everything and answers.setup.pivot is not Pivot.CUSTOM_POLICY:
        printer(RunNotice(ALL_ON_THE_USER_FLOW_PATH))
    signed_in = sign_in(answers.tenant, answers.auth, demo=None, device_code_prompt=print_device_code)
    removed: list[str] = []
    """What the removal's steps deleted so far: a remove that fails or is stopped halfway still says it."""
    deleting: set[str] = set()

    def emit(event: Event) -> None:
        if isinstance(event, StepDone) and event.step in deleting:
            removed.append(event.summary)
            note_summary(removed=list(removed))
        printer(event)

    def finish(review: RemovalReview, removed: list[str], *, asked: bool = True) -> int:
        """The end: exit 5 naming what stayed that the operator may expect gone (when the remove went ahead)."""
        error = kept_error(review) if asked else None
        code = error.exit_code if error is not None else ExitCode.OK
        if error is not None:
            printer.say([f"error: {error.what}", f"  what to do: {error.fix}"], sys.stderr)
        if json_lines:
            kept = [{"what": kept.what, "why": kept.why} for kept in review.kept]
            write_summary(sys.stdout, code, removed=removed, kept=kept)
        return int(code)

    try:
        removal = signed_in.removal(answers, everything=everything, force=force)
        review = await removal.review()
        deleting.update(step.id for step in review.steps)
        for step in review.steps:
            print(f"  {'=' if step.done else '-'} {step.id}: {step.detail}", file=human, flush=True)
            if json_lines:
                write_line(
                    sys.stdout, {"event": "step_planned", "step": step.id, "title": step.title, "done": step.done}
                )
        for line in kept_lines(review, StateStore(answers.tenant.name).path):
            print(line, file=human, flush=True)
        if review.extensions_note:
            print(f"The extensions policy: {review.extensions_note}.", file=human, flush=True)
        if not review.pending:
            removal.record_clean(review)
            print("Nothing to remove: the tenant holds nothing asignio-setup made.", file=human, flush=True)
            return finish(review, [])
        if not _ask(yes):
            print("Nothing was removed.", file=human, flush=True)
            return finish(review, [], asked=False)
        finished = await removal.run(emit)
    finally:
        await signed_in.close()
    if finished.failure is not None:
        if json_lines:
            write_summary(sys.stdout, finished.exit_code, removed=removed)
        return int(finished.exit_code)
    print(f"Removed: {'; '.join(finished.changed)}", file=human, flush=True)
    return finish(review, list(finished.changed))


def run_remove(
    answers_path: Path, *, yes: bool = False, json_lines: bool = False, everything: bool = False, force: bool = False
) -> int:
    """Signs in, shows what the setup left in the tenant and what stays, asks (unless `yes`), removes what the tool
    proves it made (with `everything`, also the prerequisites it created; with `force`, also a policy changed since
    it uploaded it); 0 when done or nothing was there, 5 when something the answers name was kept (README)."""
    return asyncio.run(_remove(answers_path, yes, json_lines, everything, force))
