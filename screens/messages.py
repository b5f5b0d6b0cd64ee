"""The typed messages workers post to the screens; each carries one result of the core, never a widget."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from textual.message import Message

from wizard.errors import SetupError
from wizard.events import Event, RunFinished

if TYPE_CHECKING:
    from wizard.events import ProbeChecked, ProbeRetrying
    from wizard.session import BaseReport, RemovalReview, Review, TenantIdentity
    from wizard.state import SavedRun
    from wizard.verify import Verification


class SavedRunsLoaded(Message, bubble=False):
    """The state store was read: `runs` have a setup that was started and not finished, `finished` one that
    finished, was not removed since, and is on a path the remove can take out."""

    def __init__(
        self, runs: list[SavedRun], finished: list[SavedRun] | None = None, titles: dict[str, str] | None = None
    ) -> None:
        super().__init__()
        self.runs = runs
        self.finished = finished or []
        self.titles = titles or {}
        """Step id → title, for the first of `runs`: its plan's steps in order."""


class DeviceCodeIssued(Message, bubble=False):
    """Sign-in needs the operator to enter a code at a URL (posted from the sign-in thread)."""

    def __init__(self, url: str, code: str, expires_on: datetime) -> None:
        super().__init__()
        self.url = url
        self.code = code
        self.expires_on = expires_on


class SignedIn(Message, bubble=False):
    """The operator is signed in to a B2C tenant with the roles the setup needs."""

    def __init__(self, identity: TenantIdentity) -> None:
        super().__init__()
        self.identity = identity


class SecretLookedUp(Message, bubble=False):
    """The keyring was asked for a stored Asignio secret; only whether one exists travels, never the secret."""

    def __init__(self, client_id: str, found: bool) -> None:
        super().__init__()
        self.client_id = client_id
        self.found = found


class SecretSaved(Message, bubble=False):
    """The typed Asignio secret went to the keyring, or could not (then `problem` says why)."""

    def __init__(self, client_id: str, problem: SetupError | None) -> None:
        super().__init__()
        self.client_id = client_id
        self.problem = problem


class BaseInspected(Message, bubble=False):
    """The tenant's custom-policy base was looked at."""

    def __init__(self, report: BaseReport) -> None:
        super().__init__()
        self.report = report


class ReviewReady(Message, bubble=False):
    """The plan for the final answers, with what the tenant already has; nothing was written."""

    def __init__(self, review: Review) -> None:
        super().__init__()
        self.review = review


class RemovalReady(Message, bubble=False):
    """What a remove would delete, against the tenant as it is now; nothing was written."""

    def __init__(self, review: RemovalReview) -> None:
        super().__init__()
        self.review = review


class RunEvent(Message, bubble=False):
    """One event of the running setup (or remove)."""

    def __init__(self, event: Event) -> None:
        super().__init__()
        self.event = event


class RunComplete(Message, bubble=False):
    """The runner returned."""

    def __init__(self, result: RunFinished) -> None:
        super().__init__()
        self.result = result


class SignInProbed(Message, bubble=False):
    """One probe of the sign-in check ended, or waits for the policy to serve."""

    def __init__(self, event: ProbeChecked | ProbeRetrying) -> None:
        super().__init__()
        self.event = event


class SignInChecked(Message, bubble=False):
    """The sign-in check ended: every probe's result, and the verdict."""

    def __init__(self, verification: Verification) -> None:
        super().__init__()
        self.verification = verification


class WorkGroup(StrEnum):
    """The app's worker groups: one exclusive worker per kind of work, and the name its failure is reported by."""

    SAVED_RUNS = "saved-runs"
    SIGN_IN = "sign-in"
    KEYRING_LOOKUP = "keyring-lookup"
    KEYRING_SAVE = "keyring-save"
    INSPECT = "inspect"
    REVIEW = "review"
    RUN = "run"
    REMOVAL_PLAN = "removal-plan"
    REMOVAL = "removal"
    VERIFY = "verify"


class WorkFailed(Message, bubble=False):
    """A worker of `group` ended with an error; the error view shows it, the screen beneath resets itself."""

    def __init__(self, group: str, error: BaseException) -> None:
        super().__init__()
        self.group = group
        self.error = error
