"""Per-tenant progress, written atomically after every step, so a stopped setup resumes where it was.

The tenant itself is the final truth: steps always look before they act. The state adds what the tenant cannot
tell: which answers each step was done for, what the tool created, and backups of what it overwrote.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from wizard.answers import Answers
from wizard.errors import BadInputError, TenantNotReadyError
from wizard.events import StepStatus
from wizard.state_files import state_dir, state_files

STATE_VERSION = 1


def _now() -> datetime:
    return datetime.now(UTC)


class StateModel(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)


class StepRecord(StateModel):
    """What one step last did."""

    status: StepStatus
    """Where the step stands."""
    fingerprint: str = ""
    """The fingerprint of the answers the step was done for; a change re-does the step."""
    summary: str = ""
    """One line for the operator."""
    ids: dict[str, str] = Field(default_factory=dict)
    """Ids the step found or created in the tenant (key set, app object id...)."""
    updated_at: datetime = Field(default_factory=_now)
    """When the record was written."""


class Intent(StateModel):
    """A create Graph cannot repeat safely, about to be sent."""

    at: datetime
    """When the step noted it, just before the request."""
    known: list[str] = Field(default_factory=list)
    """What the tenant already held of the kind being made (key ids), so the new one can be told apart."""


class Backup(StateModel):
    """A policy as it was in the tenant before the tool replaced it."""

    policy_id: str
    """The policy's id."""
    path: str
    """The file holding its old content."""
    taken_at: datetime
    """When it was downloaded."""


class RunState(StateModel):
    """Everything the tool remembers about one tenant's setup."""

    version: int = STATE_VERSION
    """The state file format."""
    tenant: str
    """The tenant's bare name."""
    answers: Answers
    """The answers of the latest run (no secrets: the model cannot hold one)."""
    steps: dict[str, StepRecord] = Field(default_factory=dict)
    """Step id → its record."""
    confirmed: dict[str, str] = Field(default_factory=dict)
    """Portal steps the operator confirmed: step id → the fingerprint of the answers it was confirmed for."""
    intents: dict[str, Intent] = Field(default_factory=dict)
    """Steps about to make something Graph cannot make idempotently (step id → when): written before the
    request, so a run killed between the request and the step's record looks patiently before making it again."""
    finished: bool = False
    """True once every step is done or skipped."""
    run_now_url: str | None = None
    """The test URL, once known."""
    backups: list[Backup] = Field(default_factory=list)
    """Policies the tool replaced, newest last."""
    updated_at: datetime = Field(default_factory=_now)
    """When the file was last written."""


@dataclass(frozen=True)
class SavedRun:
    """A tenant's saved progress as the welcome screen shows it."""

    tenant: str
    answers: Answers
    steps: dict[str, StepStatus]
    updated_at: datetime
    finished: bool


def _write_private(path: Path, data: bytes) -> None:
    """Temp file + fsync + rename, mode 0600: a crash leaves the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if hasattr(os, "fchmod"):  # POSIX; on Windows the file inherits the user profile's ACL
            os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _sync_directory(path.parent)


def _sync_directory(folder: Path) -> None:
    """Make the rename durable. POSIX only: Windows cannot open a folder as a file, and makes renames durable itself."""
    if os.name == "nt":
        return
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


class StateStore:
    """The state file of one tenant, and its policy backups."""

    def __init__(self, tenant: str, folder: Path | None = None) -> None:
        self.tenant = tenant
        self.folder = folder or state_dir()
        self.path = self.folder / f"{tenant}.json"

    def load(self) -> RunState | None:
        """The saved state, or None when there is none. A damaged file is an error, never silently replaced."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            return RunState.model_validate_json(raw)
        except ValidationError as error:
            raise BadInputError(
                f"The saved progress in {self.path} cannot be read ({error.error_count()} problems)",
                "move the file aside to start over; the tenant itself keeps what was done",
            ) from None

    def save(self, state: RunState) -> None:
        state.updated_at = _now()
        _write_private(self.path, state.model_dump_json(indent=2).encode())

    def back_up_policy(self, state: RunState, policy_id: str, content: bytes) -> Backup:
        """Keep a policy's current content before it is replaced; recorded in the state."""
        taken_at = _now()
        path = self.folder / "backups" / self.tenant / f"{policy_id}.{taken_at:%Y%m%dT%H%M%S%fZ}.xml"
        _write_private(path, content)
        backup = Backup(policy_id=policy_id, path=str(path), taken_at=taken_at)
        state.backups.append(backup)
        self.save(state)
        return backup

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Holds the tenant's lock file for a run; a second run on the same tenant is refused, not interleaved."""
        from filelock import FileLock, Timeout

        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        lock = FileLock(self.folder / f"{self.tenant}.lock", timeout=0, mode=0o600)
        try:
            lock.acquire()
        except Timeout:
            raise TenantNotReadyError(
                f"Another asignio-setup is setting up {self.tenant} right now",
                "let it finish (or stop it), then run again",
            ) from None
        try:
            yield
        finally:
            lock.release()

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


def unfinished_runs(folder: Path | None = None) -> list[SavedRun]:
    """Every tenant whose setup was started and not finished, newest first; unreadable files are left out."""
    runs = []
    for path in state_files(folder):
        try:
            state = RunState.model_validate_json(path.read_bytes())
        except (OSError, ValidationError, json.JSONDecodeError):
            continue
        if not state.finished:
            statuses = {step: record.status for step, record in state.steps.items()}
            runs.append(SavedRun(state.tenant, state.answers, statuses, state.updated_at, state.finished))
    return sorted(runs, key=lambda run: run.updated_at, reverse=True)


def discard_run(tenant: str, folder: Path | None = None) -> None:
    """Forget a tenant's saved progress (the tenant keeps what was done; backups are kept)."""
    StateStore(tenant, folder).discard()
