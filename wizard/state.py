"""Per-tenant progress, written atomically after every step, so a stopped setup resumes where it was.

The tenant itself is the final truth: steps always look before they act. The state adds what the tenant cannot
tell: which answers each step was done for, what the tool created (the ownership ledger, wizard.ownership), and
backups of what it overwrote.
"""

from __future__ import annotations

import json
import logging
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from wizard import clock
from wizard.answers import TENANT_LABEL, Answers, is_policy_id
from wizard.errors import BadInputError, TenantNotReadyError, shown
from wizard.events import StepStatus
from wizard.files import MEGABYTE, UnreadableFileError, kind_of, read_regular_file, write_failure
from wizard.outgoing import json_text
from wizard.ownership import LedgerEntry, ObjectKind, Origin
from wizard.state_files import state_dir, state_files

STATE_VERSION = 2
"""Format 2 keeps the ownership ledger; format 1 (each step's `made`) is migrated when read (`_from_format_1`)."""
FOLDER_MODE = 0o700
FILE_MODE = 0o600
OPEN_TO_OTHERS = 0o077
REMOVAL_STEP_PREFIX = "remove-"
"""How the remove's own steps are named (wizard.steps.removal; the preflight they share with the setup aside): the saved
state tells a stopped remove from a stopped setup by them."""
SHARED_STEP = "preflight"
STATE_FILE_LIMIT = 16 * MEGABYTE
"""Far more than any tenant's progress; a bigger file is not one this tool wrote."""
WRITE_FIX = (
    "make the state folder writable, or choose one you can write to with --state-dir DIR (or "
    "ASIGNIO_SETUP_STATE_DIR, XDG_STATE_HOME); then run again"
)
log = logging.getLogger(__name__)


def _now() -> datetime:
    return clock.now()


class StateModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StepRecord(StateModel):
    """What one step last did."""

    status: StepStatus
    """Where the step stands."""
    fingerprint: str = ""
    """The fingerprint of the answers the step was done for: a later run counts the record as its own recent claim
    (see the runner's claim age) only when its answers have the same fingerprint."""
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
    """Policies the tool replaced or deleted, newest last."""
    ledger: list[LedgerEntry] = Field(default_factory=list)
    """Every object the tool made in the tenant and every one it found there, by the id Graph gave it (see
    wizard.ownership): a remove deletes only what this (or the tenant's own mark) proves the tool made. It outlives
    the step records: a remove without --all leaves the prerequisites here for a later `remove --all`."""
    removed_at: datetime | None = None
    """When `asignio-setup remove` last finished taking the setup out of the tenant (None: never): a setup recorded
    before it is not there to remove. (What a remove gives back is the backup the ledger names, not one by time.)"""
    updated_at: datetime = Field(default_factory=_now)
    """When the file was last written."""

    @field_validator("tenant")
    @classmethod
    def _tenant_name(cls, value: str) -> str:
        if not TENANT_LABEL.fullmatch(value):
            raise ValueError(f"{shown(value)} is not a tenant's bare name")
        return value


@dataclass(frozen=True)
class SavedRun:
    """A tenant's saved progress as the welcome screen shows it."""

    tenant: str
    answers: Answers
    steps: dict[str, StepStatus]
    updated_at: datetime
    removal_stopped: bool = False
    """A remove of the setup was under way when it stopped (see `saved_runs`)."""


def _format_version(raw: bytes) -> int | None:
    """The state format a file says it is in, read before the model so a newer format gets its own sentence."""
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    version = data.get("version") if isinstance(data, dict) else None
    return version if isinstance(version, int) and not isinstance(version, bool) else None


FORMAT_1 = 1
READABLE_VERSIONS = (FORMAT_1, STATE_VERSION)


def parse_state(raw: bytes) -> RunState:
    """The state in a file's bytes; one in format 1 is migrated (`_from_format_1`), to be saved in this format."""
    data = json.loads(raw)
    if isinstance(data, dict) and data.get("version") == FORMAT_1:
        data = _from_format_1(data)
    return RunState.model_validate(data)


def _from_format_1(data: dict[str, Any]) -> dict[str, Any]:
    """Format 1 kept what the tool made per step (`steps[*].made`, and `made_before_removal` for steps a remove
    without --all dropped): those become the ledger's made entries. It recorded nothing the setup found, nor the
    policy key, relying party or test app it made (only the prerequisites), nor any hash: a remove keeps those and
    says it cannot prove them the tool's; the tenant's marks cannot help, since format 1's setup left none."""
    made_by_step: dict[str, dict[str, str]] = {}
    for step_id, made in (data.pop("made_before_removal", None) or {}).items():
        made_by_step.setdefault(step_id, {}).update(made)
    for step_id, record in (data.get("steps") or {}).items():
        if isinstance(record, dict):
            made_by_step.setdefault(step_id, {}).update(record.pop("made", None) or {})
    ledger: list[LedgerEntry] = []
    for step_id, made in made_by_step.items():
        ledger.extend(_format_1_entries(step_id, made))
    return {**data, "version": STATE_VERSION, "ledger": [entry.model_dump(mode="json") for entry in ledger]}


def _format_1_entries(step_id: str, made: dict[str, str]) -> list[LedgerEntry]:
    """One format-1 step's `made` (name → id: key_set, policies, application, service_principal, grant …)."""
    app_id = made.get("app_id")
    entries: list[tuple[ObjectKind, str, str | None]] = []
    for name, value in made.items():
        if name == "key_set":
            entries.append((ObjectKind.KEY_SET, value, None))
        elif name == "policies":
            entries.extend((ObjectKind.POLICY, policy_id, None) for policy_id in value.split(",") if policy_id)
        elif name == "application":
            entries.append((ObjectKind.APPLICATION, value, app_id))
        elif name == "service_principal":
            entries.append((ObjectKind.SERVICE_PRINCIPAL, value, app_id))
        elif name.startswith("grant "):
            entries.append((ObjectKind.CONSENT_GRANT, value, None))
    return [
        LedgerEntry(kind=kind, id=object_id, origin=Origin.MADE, step=step_id, app_id=made_app_id)
        for kind, object_id, made_app_id in entries
    ]


def _write_private(path: Path, data: bytes) -> None:
    """Temp file + fsync + rename, mode 0600: a crash leaves the old file or the new one, never half of one. The
    temp file is made anew (never through a link) and the rename replaces a link rather than follow it. A failure
    (full disk, read-only folder, a folder in the file's place) is a sentence naming the path."""
    try:
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise write_failure(error, path, WRITE_FIX) from None
    try:
        if hasattr(os, "fchmod"):  # POSIX; on Windows the file inherits the user profile's ACL
            os.fchmod(descriptor, FILE_MODE)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise write_failure(error, path, WRITE_FIX) from None
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


def _file_in_the_way(folder: Path) -> Path | None:
    """The file (not a folder) that stands where `folder` or one of the folders above it should be, if any."""
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            return None if candidate.is_dir() else candidate
    return None


def _in_the_way(file: Path, folder: Path) -> BadInputError:
    return BadInputError(
        f"{file}: is a file, but the state folder {folder} belongs there",
        "move that file aside, or choose a folder with --state-dir DIR (or ASIGNIO_SETUP_STATE_DIR, XDG_STATE_HOME); "
        "then run again",
    )


def _private_folder(folder: Path, notice: Callable[[str], None], *, link_allowed: bool) -> None:
    """`folder` as a folder only its owner can open (0700): made so, or tightened and said so when it was more open.
    Inside the state folder a symbolic link is refused: backups land only where the state says they are."""
    if not link_allowed and folder.is_symlink():
        raise BadInputError(
            f"{folder}: is a symbolic link; the tool keeps its backups only in a folder of its own",
            "remove the link (the tool makes the folder itself), then run again",
        )
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
        mode = stat.S_IMODE(folder.stat().st_mode)
        if os.name != "nt" and mode & OPEN_TO_OTHERS:
            os.chmod(folder, FOLDER_MODE)
            notice(
                f"{folder} was open to other users (mode {mode:04o}); it is now 0700, since it holds each "
                "tenant's answers, progress and policy backups"
            )
    except (NotADirectoryError, FileExistsError) as error:
        in_the_way = _file_in_the_way(folder)
        raise (_in_the_way(in_the_way, folder) if in_the_way else write_failure(error, folder, WRITE_FIX)) from None
    except OSError as error:
        raise write_failure(error, folder, WRITE_FIX) from None


def _refuse_odd_lock_file(path: Path) -> None:
    """A lock file already there must be a plain file: a symbolic link (whose target taking the lock would create)
    or a FIFO (which would block the open) is refused, whichever filelock version opens it next."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as error:
        raise write_failure(error, path, WRITE_FIX) from None
    if stat.S_ISLNK(mode):
        raise _link_refused(path)
    if not stat.S_ISREG(mode):
        raise BadInputError(
            f"{path}: is {kind_of(mode)}, not a lock file", "move it aside (the tool makes the lock file itself)"
        )


def _link_refused(path: Path) -> BadInputError:
    return BadInputError(
        f"{path}: is a symbolic link; the lock file must be a file of the state folder itself",
        "remove the link (the tool makes the lock file itself), then run again",
    )


def _first_problem(error: ValidationError) -> str:
    """Where the first problem is and what it is (a tenant that is not a bare name quotes the name)."""
    problem = error.errors(include_url=False)[0]
    where = ".".join(str(part) for part in problem["loc"])
    what = str(problem["ctx"]["error"]) if problem["type"] == "value_error" else str(problem["msg"]).lower()
    return f"{where}: {what}" if where else what


class StateStore:
    """The state file of one tenant, and its policy backups."""

    def __init__(self, tenant: str, folder: Path | None = None) -> None:
        self.tenant = tenant
        self.folder = folder or state_dir()
        self.path = self.folder / f"{tenant}.json"
        self.on_notice: Callable[[str], None] = log.warning
        """Where a sentence the operator should read but that stops nothing goes (the runner's events in a run)."""

    def load(self) -> RunState | None:
        """The saved state, or None when there is none. A damaged file, or one of another tenant, is an error,
        never silently replaced or used."""
        in_the_way = _file_in_the_way(self.folder)
        if in_the_way is not None:
            raise _in_the_way(in_the_way, self.folder)
        if not os.path.lexists(self.path):
            return None
        try:
            raw = read_regular_file(self.path, limit=STATE_FILE_LIMIT, role="saved progress")
        except UnreadableFileError as error:
            raise BadInputError(
                error.what, "move it aside to start over; the tenant itself keeps what was done"
            ) from None
        try:
            written_by = _format_version(raw)
        except RecursionError:
            raise BadInputError(
                f"The saved progress in {self.path} is nested too deeply to be progress this tool wrote",
                "move the file aside to start over; the tenant itself keeps what was done",
            ) from None
        if written_by is not None and written_by not in READABLE_VERSIONS:
            newer = written_by > STATE_VERSION
            raise BadInputError(
                f"The saved progress in {self.path} is in format {written_by}, which this asignio-setup "
                f"{'predates' if newer else 'no longer reads'} (it reads formats "
                f"{' and '.join(str(version) for version in READABLE_VERSIONS)})",
                "upgrade asignio-setup (pipx upgrade asignio-setup), or move the file aside to start over; the "
                "tenant itself keeps what was done"
                if newer
                else "move the file aside to start over; the tenant itself keeps what was done",
            )
        try:
            state = parse_state(raw)
        except ValidationError as error:
            more = error.error_count() - 1
            raise BadInputError(
                f"The saved progress in {self.path} cannot be read: {_first_problem(error)}"
                + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""),
                "move the file aside to start over; the tenant itself keeps what was done",
            ) from None
        except ValueError as error:
            raise BadInputError(
                f"The saved progress in {self.path} cannot be read: {shown(str(error))}",
                "move the file aside to start over; the tenant itself keeps what was done",
            ) from None
        if state.tenant != self.tenant:
            raise BadInputError(
                f"{self.path} holds the progress of tenant {state.tenant}, not of {self.tenant} its name says",
                f"move it aside (or back to {state.tenant}.json if it was renamed); each tenant's progress is kept "
                "in a file named after it",
            )
        return state

    def save(self, state: RunState) -> None:
        """Written with every known secret scrubbed from every text in it (wizard.outgoing), whatever a server
        echoed into a step's summary."""
        state.updated_at = _now()
        _private_folder(self.folder, self.on_notice, link_allowed=True)
        _write_private(self.path, json_text(state.model_dump(mode="json"), indent=2).encode())

    def back_up_policy(self, state: RunState, policy_id: str, content: bytes) -> Backup:
        """Keep a policy's current content before it is replaced; recorded in the state. The file is named after
        the policy id, so only an id of B2C's own form is taken."""
        if not is_policy_id(policy_id):
            raise TenantNotReadyError(
                f"The tenant's policy id {shown(policy_id)} is not one B2C allows, so it cannot name a backup",
                "rename the policy in the tenant (B2C_1A_ and letters, digits, '_' or '-'), then run again",
            )
        taken_at = _now()
        backups = self.folder / "backups"
        _private_folder(self.folder, self.on_notice, link_allowed=True)
        for folder in (backups, backups / self.tenant):
            _private_folder(folder, self.on_notice, link_allowed=False)
        path = backups / self.tenant / f"{policy_id}.{taken_at:%Y%m%dT%H%M%S%fZ}.xml"
        _write_private(path, content)
        backup = Backup(policy_id=policy_id, path=str(path), taken_at=taken_at)
        state.backups.append(backup)
        self.save(state)
        return backup

    def original_policy(self, state: RunState, policy_id: str) -> bytes | None:
        """The policy as it was just before the tool's first upload into it: the backup the ledger names for it
        (`LedgerEntry.original`); None when it names none or the file is gone or unreadable."""
        entry = next((entry for entry in state.ledger if entry.names(ObjectKind.POLICY, policy_id)), None)
        if entry is None or entry.original is None:
            return None
        try:
            return read_regular_file(Path(entry.original), limit=STATE_FILE_LIMIT, role="policy backup")
        except UnreadableFileError:
            log.warning("the backup %s of %s cannot be read", entry.original, policy_id)
            return None

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Holds the tenant's lock file for a run; a second run on the same tenant is refused, not interleaved."""
        from filelock import FileLock, Timeout

        _private_folder(self.folder, self.on_notice, link_allowed=True)
        lock_path = self.folder / f"{self.tenant}.lock"
        _refuse_odd_lock_file(lock_path)
        lock = FileLock(lock_path, timeout=0, mode=FILE_MODE)
        try:
            lock.acquire()
        except Timeout:
            raise TenantNotReadyError(
                f"Another asignio-setup is setting up {self.tenant} right now",
                "let it finish (or stop it), then run again",
            ) from None
        except OSError as error:
            raise write_failure(error, lock_path, WRITE_FIX) from None
        try:
            os.chmod(lock_path, FILE_MODE)  # one an older version left 0644
            yield
        finally:
            lock.release()

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


def _saved_states(folder: Path | None) -> Iterator[RunState]:
    """Every tenant's saved state that can be read; unreadable files, and files that hold another tenant than their
    name says, are left out (a run for that tenant says why)."""
    for path in state_files(folder):
        try:
            state = parse_state(read_regular_file(path, limit=STATE_FILE_LIMIT, role="progress"))
        except (UnreadableFileError, ValidationError, ValueError):
            continue
        if state.tenant == path.stem:
            yield state


def _removed_since_set_up(state: RunState) -> bool:
    """A remove finished after every step record: a setup run after a remove records its steps anew, later."""
    removed_at = state.removed_at
    return removed_at is not None and all(record.updated_at <= removed_at for record in state.steps.values())


def _removal_stopped(state: RunState) -> bool:
    """A remove stopped before it finished: one of its steps was recorded after every step of the setup."""
    removal: list[datetime] = []
    setup: list[datetime] = []
    for step_id, record in state.steps.items():
        if step_id != SHARED_STEP:
            (removal if step_id.startswith(REMOVAL_STEP_PREFIX) else setup).append(record.updated_at)
    return not state.finished and bool(removal) and (not setup or max(removal) > max(setup))


def saved_runs(folder: Path | None = None) -> tuple[list[SavedRun], list[SavedRun]]:
    """The tenants whose setup was started and not finished, and those whose setup is there to remove: finished and
    not removed since, or a remove of it stopped halfway (run again, it finishes); each newest first."""
    unfinished, finished = [], []
    for state in _saved_states(folder):
        stopped = _removal_stopped(state)
        statuses = {step: record.status for step, record in state.steps.items()}
        run = SavedRun(state.tenant, state.answers, statuses, state.updated_at, stopped)
        if stopped or (state.finished and not _removed_since_set_up(state)):
            finished.append(run)
        elif not state.finished:
            unfinished.append(run)
    return _newest_first(unfinished), _newest_first(finished)


def _newest_first(runs: list[SavedRun]) -> list[SavedRun]:
    return sorted(runs, key=lambda run: run.updated_at, reverse=True)


def discard_run(tenant: str, folder: Path | None = None) -> None:
    """Forget a tenant's saved progress (the tenant keeps what was done; backups are kept)."""
    StateStore(tenant, folder).discard()
