"""Every event in words, in one place: the terminal's lines, the wizard's logs and the Done screen's probes all lay
out what `render` returns (the terminal adds its marks, indents and step ids, the TUI its colours and step titles).
A new event gets its words here, and both front ends show it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum
from typing import TYPE_CHECKING, assert_never

from wizard.events import (
    ProbeChecked,
    ProbeRetrying,
    ProbeStatus,
    RunNotice,
    StepDone,
    StepFailed,
    StepProgress,
    StepSkipped,
    StepStarted,
    StepWaiting,
)

if TYPE_CHECKING:
    from wizard.errors import SetupError
    from wizard.events import Event


class Tone(str, Enum):
    """What kind of news an event is: each front end picks its mark, place and colour by it."""

    STARTED = "started"
    """A step began."""
    NOTE = "note"
    """Something said while the work goes on."""
    DONE = "done"
    """A step did its work, or a probe passed."""
    ALREADY = "already"
    """The tenant had it already."""
    KEPT = "kept"
    """A removal step left in the tenant what it may not remove (the text says what and why)."""
    WAITING = "waiting"
    """A portal step waits for the operator."""
    FAILED = "failed"
    """A step stopped, or a probe found a fault."""
    NOT_CHECKED = "not-checked"
    """A probe did not run."""
    WARNING = "warning"
    """Something to know that stops nothing."""


MARKS: dict[Tone, str] = {
    Tone.DONE: "✓",
    Tone.ALREADY: "=",
    Tone.KEPT: "=",
    Tone.WAITING: "…",
    Tone.FAILED: "✗",
    Tone.NOT_CHECKED: "–",
    Tone.WARNING: "warning:",
}
"""The plain-text mark of each tone that has one (the TUI draws some of its own)."""

FIX_LABEL = "what to do"
"""What introduces the fix under a failure."""


@dataclass(frozen=True)
class Rendered:
    """One event in words."""

    tone: Tone
    text: str
    """The headline."""
    step: str | None = None
    """The step it is about: the terminal names it by its id, the TUI by its title."""
    details: tuple[str, ...] = ()
    """Lines under the headline: a portal step's link and numbered instructions, what a probe expected and saw."""
    fix: str = ""
    """What to do about a failure (shown under it after `FIX_LABEL`)."""
    introduces_details: bool = False
    """The headline announces its details: where they are shown under it, a colon ends it."""


def render(event: Event) -> Rendered:
    """The words of `event` (its texts are already fit to leave the process: wizard.events)."""
    match event:
        case StepStarted(step, title, index, total):
            return Rendered(Tone.STARTED, f"[{index}/{total}] {title}", step)
        case StepProgress(step, message):
            return Rendered(Tone.NOTE, message, step)
        case StepDone(step, summary):
            return Rendered(Tone.DONE, summary, step)
        case StepSkipped(step, summary, kept=True):
            return Rendered(Tone.KEPT, summary, step)
        case StepSkipped(step, summary):
            return Rendered(Tone.ALREADY, f"already done: {summary}", step)
        case StepWaiting(step, instructions, link):
            numbered = tuple(f"{number}. {text}" for number, text in enumerate(instructions, start=1))
            return Rendered(
                Tone.WAITING, "waiting for you in the Azure portal", step, (link, *numbered), introduces_details=True
            )
        case StepFailed(step, error):
            return replace(render_error(error), step=step)
        case RunNotice(message):
            return Rendered(Tone.WARNING, message)
        case ProbeChecked(_, title, ProbeStatus.PASSED, _, seen):
            return Rendered(Tone.DONE, f"{title}: {seen}")
        case ProbeChecked(_, title, ProbeStatus.NOT_CHECKED, _, seen):
            return Rendered(Tone.NOT_CHECKED, f"{title}: {seen}")
        case ProbeChecked(_, title, _, expected, seen, fix):
            return Rendered(Tone.FAILED, title, details=(f"expected: {expected}", f"seen: {seen}"), fix=fix)
        case ProbeRetrying(_, message):
            return Rendered(Tone.NOTE, message)
        case _:
            assert_never(event)


def render_error(error: SetupError) -> Rendered:
    """An error that stopped the work: what is wrong, and what to do."""
    return Rendered(Tone.FAILED, error.what, fix=error.fix)
