"""Graph's error answers as the project's own errors: what went wrong, what to do, and the ids support asks for.

Graph answers errors as `{"error": {"code", "message", "innerError": {"request-id", "client-request-id", "date"}}}`
(concepts/errors.md); the ids also come as response headers. Messages are built from Graph's code and message and
from the request's method and path only, never from a request body. What the server said is outside text: its
control characters are escaped as it is read (a message cannot clear the screen or fake a line), and any secret it
echoes is scrubbed once it becomes a message (wizard.outgoing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from wizard.errors import PermissionMissingError, ServiceError, SetupError, SignInError, TenantNotReadyError
from wizard.outgoing import printable
from wizard.permissions import Operation

MISSING_BASE = re.compile(r"Policy with 'policyId': (\S+) cannot be found", re.IGNORECASE)
BASE_CHAIN_ORDER = "TrustFrameworkBase → TrustFrameworkLocalization → TrustFrameworkExtensions"
ABSENT_CODES = frozenset(
    code.lower()
    for code in (
        "Request_ResourceNotFound",
        "ResourceNotFound",
        "ItemNotFound",
        "NotFound",
        "AADB2C95052",
        "AADB2C90073",
        "AADB2C90130",
    )
)
"""Codes that mean "no such thing". B2C's error-code reference gives its own (AADB2C95052: key set not created;
AADB2C90073: "… cannot be found in the directory"; AADB2C90130: key container does not exist) no HTTP status, so
the code counts whatever the status."""
CONFLICT_CODES = frozenset(code.lower() for code in ("Request_MultipleObjectsWithSameKeyValue", "AADB2C95028"))
"""Codes that mean "it already exists" (AADB2C95028: a key set of that id exists)."""
RESUME = "run the same command again: it resumes where it stopped"


@dataclass(eq=False)
class GraphFailure(Exception):
    """A Graph request that did not succeed, as Graph described it (not frozen: Python sets attributes such as
    `__traceback__` on exceptions)."""

    status: int
    code: str
    message: str
    method: str
    path: str
    request_id: str | None = None
    client_request_id: str | None = None

    @classmethod
    def from_answer(
        cls, status: int, body: Any, headers: dict[str, str], method: str, path: str, sent_client_request_id: str | None
    ) -> GraphFailure:
        """Parse Graph's error object; an answer that is not one (a proxy's page) keeps just the status."""
        error = body.get("error") if isinstance(body, dict) else None
        error = error if isinstance(error, dict) else {}
        inner = error.get("innerError") or error.get("innererror") or {}
        inner = inner if isinstance(inner, dict) else {}
        return cls(
            status=status,
            code=printable(str(error.get("code") or "")),
            message=printable(str(error.get("message") or "")),
            method=method,
            path=path,
            request_id=_text(headers.get("request-id") or inner.get("request-id")),
            client_request_id=(
                _text(headers.get("client-request-id") or inner.get("client-request-id")) or sent_client_request_id
            ),
        )

    @property
    def is_absent(self) -> bool:
        return self.status == 404 or self.code.lower() in ABSENT_CODES

    @property
    def is_conflict(self) -> bool:
        return self.status == 409 or self.code.lower() in CONFLICT_CODES

    def has_message(self, *fragments: str) -> bool:
        lowered = self.message.lower()
        return any(fragment.lower() in lowered for fragment in fragments)

    @property
    def support_ids(self) -> str:
        """What Microsoft support asks for: the request-id and client-request-id of the failing call."""
        ids = [
            f"request-id {self.request_id}" if self.request_id else "",
            f"client-request-id {self.client_request_id}" if self.client_request_id else "",
        ]
        shown = ", ".join(part for part in ids if part)
        return f"; {shown}" if shown else ""

    @property
    def detail(self) -> str:
        said = f"{self.code}: {self.message}" if self.code or self.message else f"HTTP {self.status}"
        return f" ({said}; {self.method} {self.path}{self.support_ids})"


def _text(value: Any) -> str | None:
    return printable(str(value)) if value else None


def translate(failure: GraphFailure, operation: Operation) -> SetupError:
    """A Graph failure as the project's own error, with what to do about it; one Graph answered below 500 says the
    request was not carried out."""
    error = _translated(failure, operation)
    error.refused_by_graph = failure.status < 500
    return error


def _translated(failure: GraphFailure, operation: Operation) -> SetupError:
    detail = failure.detail
    if failure.status == 401:
        return SignInError(
            f"Graph did not accept the sign-in{detail}",
            "sign in again (the token may have expired or be for another tenant or service), then run again",
        )
    if failure.status == 403:
        return PermissionMissingError(
            f"the signed-in identity may not {operation.action}: that needs the Graph permission "
            f"{operation.permission}{detail}",
            f"grant {operation.permission} (with admin consent) to the sign-in app and give the account the "
            f"{operation.role} role, then run again",
        )
    if 300 <= failure.status < 400:
        return ServiceError(
            f"Graph answered with a redirect (HTTP {failure.status}) while trying to {operation.action}{detail}; "
            "the tool follows none, since a request may carry the Asignio secret",
            "check ASIGNIO_SETUP_GRAPH_URL and any proxy between you and Graph, then run the same command again",
        )
    if failure.status == 429:
        return ServiceError(
            f"Graph kept throttling the requests to {operation.action} (it retried while Graph asked it to wait up to "
            f"3 minutes){detail}",
            f"wait a minute, then {RESUME}",
        )
    if failure.status >= 500:
        return ServiceError(f"Graph failed while trying to {operation.action}{detail}", RESUME)
    missing_base = MISSING_BASE.search(failure.message)
    if missing_base:
        return TenantNotReadyError(
            f"the tenant has no policy {missing_base.group(1)}, which the uploaded policy builds on{detail}",
            "upload the starter pack's base policies first (Identity Experience Framework → Custom policies), "
            f"in order {BASE_CHAIN_ORDER}, then run again",
        )
    return ServiceError(
        f"Graph refused to {operation.action}{detail}", "fix what the message names, then run the same command again"
    )


def not_graph_json(operation: Operation, method: str, path: str, content_type: str, host: str) -> ServiceError:
    """A proxy's sign-in page, a gateway's HTML error, a cut-off body: the world's doing, never a bug of ours."""
    return ServiceError(
        f"Graph answered with something that is not Graph JSON ({content_type or 'no content type'} from {host}) "
        f"while trying to {operation.action} ({method} {path})",
        f"check the network path to Graph (a proxy or captive portal?), then {RESUME}",
    )


def unexpected_shape(operation: Operation, method: str, path: str, problem: str) -> ServiceError:
    return ServiceError(
        f"Graph's answer to {method} {path} does not have the shape its documentation describes ({problem}) "
        f"while trying to {operation.action}",
        RESUME,
    )
