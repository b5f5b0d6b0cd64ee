"""Typed events the runner emits, and the outcome it returns; wizard.rendering puts each into words for both front
ends."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from wizard.errors import ExitCode, SetupError
from wizard.outgoing import outgoing


class StepStatus(str, Enum):
    """Where a step stands, in the run and in the state file."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    SKIPPED = "skipped"
    WAITING = "waiting"
    FAILED = "failed"


FINISHED = (StepStatus.DONE, StepStatus.SKIPPED)
"""A step in one of these needs nothing more: it did its work, or found it already there."""


def _said(value: Any) -> Any:
    if isinstance(value, str):
        return outgoing(value)
    if isinstance(value, tuple):
        return tuple(_said(item) for item in value)
    return value


class _Said:
    """An event's texts are made fit to leave the process as the event is made (wizard.outgoing: secrets scrubbed,
    control characters escaped), so whoever shows it (the terminal, `--json`, the TUI, the state) shows it safely."""

    def __post_init__(self) -> None:
        for each in dataclasses.fields(self):  # type: ignore[arg-type]
            object.__setattr__(self, each.name, _said(getattr(self, each.name)))


@dataclass(frozen=True)
class StepStarted(_Said):
    """A step began: it looks at the tenant first."""

    step: str
    title: str
    index: int
    total: int


@dataclass(frozen=True)
class StepProgress(_Said):
    """Something worth telling while a step works."""

    step: str
    message: str


@dataclass(frozen=True)
class StepDone(_Said):
    """A step changed the tenant to what the answers ask for."""

    step: str
    summary: str


@dataclass(frozen=True)
class StepSkipped(_Said):
    """The tenant already had what the step would make (a removal step: nothing it may remove is left)."""

    step: str
    summary: str
    kept: bool = False
    """A removal step left in the tenant what the answers or the ledger name (the summary says what and why)."""


@dataclass(frozen=True)
class StepWaiting(_Said):
    """A portal step no API can do: the operator does it and confirms."""

    step: str
    instructions: tuple[str, ...]
    link: str


@dataclass(frozen=True)
class StepFailed(_Said):
    """A step stopped; the run can be resumed after the fix."""

    step: str
    error: SetupError


@dataclass(frozen=True)
class RunNotice(_Said):
    """Something the operator should know that stops nothing and belongs to no step (a state folder that was open
    to other users)."""

    message: str


@dataclass(frozen=True)
class RunFinished(_Said):
    """How a run ended, as `Runner.run` returns it (it is not emitted: the events tell what happened, this what it
    came to). `run_now_url` is set when the sign-in can be tried; a run with `failures` stopped, and its
    `exit_code` is that of the first."""

    run_now_url: str | None
    changed: tuple[str, ...] = field(default_factory=tuple)
    """What this run's steps changed in the tenant, each step's summary in plan order: what a setup created or
    replaced, what a remove deleted."""
    waiting: tuple[str, ...] = field(default_factory=tuple)
    partner_redirect_uris: tuple[str, ...] = field(default_factory=tuple)
    """Redirect URIs the operator must register at Asignio's partner site (the External ID path's federation)."""
    failures: tuple[StepFailed, ...] = field(default_factory=tuple)
    """The steps that stopped, in the order they did (each was emitted as it happened)."""
    exit_code: ExitCode = ExitCode.OK
    """The first failure's code; else 7 when portal steps wait for the operator; else 0 (README: exit codes)."""

    @property
    def failure(self) -> SetupError | None:
        """The error the run ended with (the first step's to fail), or None."""
        return self.failures[0].error if self.failures else None


class ProbeStatus(str, Enum):
    """How one probe of the sign-in check ended."""

    PASSED = "passed"
    FAILED = "failed"
    """It saw what a user would meet and what stops the sign-in (exit 9)."""
    UNREACHABLE = "unreachable"
    """A host it needed could not be reached, or answered as a service that is down (exit 6)."""
    NOT_CHECKED = "not-checked"
    """It did not run: a probe before it failed, or nothing public shows what it would look at."""


@dataclass(frozen=True)
class ProbeChecked:
    """One probe of the sign-in check (`verify`) ended: what it expected, what it saw, the fix when they differ."""

    probe: str
    title: str
    status: ProbeStatus
    expected: str
    seen: str
    fix: str = ""
    url: str = ""
    """What the probe requested (never carries a secret: the probes have none)."""


@dataclass(frozen=True)
class ProbeRetrying:
    """A probe found the policy not serving yet (a new policy can take a moment) and will try again."""

    probe: str
    message: str
    retry_in: float


Event = (
    StepStarted
    | StepProgress
    | StepDone
    | StepSkipped
    | StepWaiting
    | StepFailed
    | RunNotice
    | ProbeChecked
    | ProbeRetrying
)
