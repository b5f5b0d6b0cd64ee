"""Typed events the runner emits; the headless CLI prints them, the TUI turns them into messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from wizard.errors import SetupError


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


@dataclass(frozen=True)
class StepStarted:
    """A step began: it looks at the tenant first."""

    step: str
    title: str
    index: int
    total: int


@dataclass(frozen=True)
class StepProgress:
    """Something worth telling while a step works."""

    step: str
    message: str


@dataclass(frozen=True)
class StepDone:
    """A step changed the tenant to what the answers ask for."""

    step: str
    summary: str


@dataclass(frozen=True)
class StepSkipped:
    """The tenant already had what the step would make."""

    step: str
    summary: str


@dataclass(frozen=True)
class StepWaiting:
    """A portal step no API can do: the operator does it and confirms."""

    step: str
    instructions: tuple[str, ...]
    link: str


@dataclass(frozen=True)
class StepFailed:
    """A step stopped; the run can be resumed after the fix."""

    step: str
    error: SetupError


@dataclass(frozen=True)
class RunNotice:
    """Something the operator should know that stops nothing and belongs to no step (a state folder that was open
    to other users)."""

    message: str


@dataclass(frozen=True)
class RunFinished:
    """The run ended; `run_now_url` is set when the sign-in can be tried."""

    run_now_url: str | None
    created: tuple[str, ...] = field(default_factory=tuple)
    waiting: tuple[str, ...] = field(default_factory=tuple)
    partner_redirect_uris: tuple[str, ...] = field(default_factory=tuple)
    """Redirect URIs the operator must register at Asignio's partner site (the External ID path's federation)."""


Event = StepStarted | StepProgress | StepDone | StepSkipped | StepWaiting | StepFailed | RunNotice | RunFinished
