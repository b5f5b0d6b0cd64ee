"""What the contract tests share: the documented examples, a loopback server that answers with them, and the checks.

The rule of the project: Microsoft's documentation is the contract, not our simulator. So the server here knows
nothing about Graph. It answers each request with the next queued answer (a documented example response, as
copied into `fixtures/*.json` from microsoftgraph/microsoft-graph-docs-contrib) and records what the client sent,
for the tests to compare with the documented request.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar, cast
from urllib.parse import parse_qs, unquote, urlsplit

FIXTURES = Path(__file__).resolve().parent / "fixtures"
DOCS_REPO = "microsoftgraph/microsoft-graph-docs-contrib/"
DOC_FOLDERS = ("api-reference/", "concepts/")
TOKEN = "token"
SCOPES = ["https://graph.microsoft.com/.default"]
VERSION_PREFIX = "/beta"
"""The client is given `http://127.0.0.1:{port}/beta`; the docs' paths are relative to the version."""
NOT_THE_CLIENTS_HEADERS = {
    "content-length": "the doc's byte count of its own example body; httpx sends the length of the real one",
}
"""Documented request headers that say nothing about the client."""

POLL_SECONDS = 0.01
"""How often the server looks for its shutdown: the default half second would be every test's teardown time."""


# The documented examples


@dataclass(frozen=True)
class DocumentedRequest:
    method: str | None
    path: str | None
    """The path template of the doc's "HTTP request" section, e.g. `/trustFramework/keySets/{id}`."""
    example_path: str | None
    """The path of the doc's example request (relative to the version)."""
    headers: dict[str, str]
    body: Any


@dataclass(frozen=True)
class DocumentedResponse:
    status: int
    headers: dict[str, str]
    body: Any


@dataclass(frozen=True)
class Documented:
    """One fixture: a Graph operation's documented example request and response."""

    name: str
    operation: str
    doc: str
    permissions: dict[str, Any]
    request: DocumentedRequest
    response: DocumentedResponse
    notes: str

    @property
    def accepted_permissions(self) -> tuple[str, ...]:
        """The delegated permissions the doc's table accepts: the least privileged one and the higher ones."""
        least = self.permissions.get("delegated_least")
        higher = tuple(str(permission) for permission in self.permissions.get("delegated_higher") or ())
        return ((str(least),) if least else ()) + higher


def fixture_names() -> list[str]:
    return sorted(path.stem for path in FIXTURES.glob("*.json"))


@cache
def _fixture_text(name: str) -> str:
    path = FIXTURES / f"{name}.json"
    if not path.is_file():
        raise LookupError(f"no fixture {name!r} in {FIXTURES}")
    return path.read_text(encoding="utf-8")


def raw_fixture(name: str) -> dict[str, Any]:
    return cast(dict[str, Any], json.loads(_fixture_text(name)))


def documented(name: str) -> Documented:
    """The fixture `name`, parsed afresh on every call, so a test that adapts a body cannot change another's."""
    data = raw_fixture(name)
    request, response = data["request"], data["response"]
    return Documented(
        name=name,
        operation=data["operation"],
        doc=data["doc"],
        permissions=dict(data.get("permissions") or {}),
        request=DocumentedRequest(
            request["method"],
            request["path"],
            request["example_path"],
            dict(request.get("headers") or {}),
            request.get("body"),
        ),
        response=DocumentedResponse(int(response["status"]), dict(response.get("headers") or {}), response.get("body")),
        notes=data.get("notes") or "",
    )


COVERED: dict[str, set[str]] = {}
"""Fixture name → the tests that replay it, filled at import time by `replays` (so whichever tests run)."""

F = TypeVar("F", bound=Callable[..., Any])


def replays(*names: str) -> Callable[[F], F]:
    """Mark a test as one that replays these fixtures; a name with no fixture fails when the module is imported."""

    def mark(test: F) -> F:
        for name in names:
            _fixture_text(name)
            COVERED.setdefault(name, set()).add(f"{test.__module__}.{test.__qualname__}")
        return test

    return mark


# The loopback server


@dataclass(frozen=True)
class Answer:
    """One queued response: a status, headers and a body (an object or list is sent as JSON, a string as is)."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None

    @classmethod
    def of(cls, doc: Documented) -> Answer:
        """The documented example response as it stands."""
        return cls(doc.response.status, doc.response.headers, doc.response.body)

    def encoded(self) -> tuple[bytes, dict[str, str]]:
        """The bytes and headers to send. A documented Content-Length is dropped (it counts the doc's own, often
        truncated, body); a JSON body without a documented Content-Type gets `application/json`, as Graph's JSON
        answers (error objects included, concepts/errors.md) carry it."""
        headers = {name: value for name, value in self.headers.items() if name.lower() != "content-length"}
        if self.body is None:
            return b"", headers
        if isinstance(self.body, bytes):
            return self.body, headers
        if isinstance(self.body, str):
            return self.body.encode("utf-8"), headers
        if not any(name.lower() == "content-type" for name in headers):
            headers["Content-Type"] = "application/json"
        return json.dumps(self.body).encode("utf-8"), headers


def graph_error(status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> Answer:
    """An error answer in the documented shape: concepts/errors.md's example body (error_response.json) with
    another code and message."""
    body = documented("error_response").response.body
    body["error"]["code"] = code
    body["error"]["message"] = message
    return Answer(status, dict(headers or {}), body)


@dataclass(frozen=True)
class Recorded:
    """One request as the server received it."""

    method: str
    target: str
    """The request target as sent: the path, percent-encoded, and the query."""
    headers: dict[str, str]
    """Header names in lower case."""
    body: bytes

    @property
    def path(self) -> str:
        """The URL-decoded path, version prefix included."""
        return unquote(urlsplit(self.target).path)

    @property
    def graph_path(self) -> str:
        """The URL-decoded path relative to the Graph version, as the docs write it."""
        path = self.path
        return path[len(VERSION_PREFIX) :] if path.startswith(VERSION_PREFIX + "/") else path

    @property
    def query(self) -> dict[str, list[str]]:
        """The query's parameters, URL-decoded."""
        return parse_qs(urlsplit(self.target).query, keep_blank_values=True)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        return json.loads(self.body)


class LoopbackGraph:
    """A tiny HTTP server on 127.0.0.1 that answers with queued answers and records every request it gets."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._answers: deque[Answer] = deque()
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.graph = self
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": POLL_SECONDS},
            name="loopback-graph",
            daemon=True,
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def graph_url(self) -> str:
        return self.root + VERSION_PREFIX

    def queue(self, *answers: Answer) -> None:
        with self._lock:
            self._answers.extend(answers)

    @property
    def unanswered(self) -> int:
        """Queued answers no request has taken yet."""
        with self._lock:
            return len(self._answers)

    def take(self, request: Recorded) -> Answer:
        with self._lock:
            self.requests.append(request)
            if self._answers:
                return self._answers.popleft()
        return graph_error(
            500, "contractTestNothingQueued", f"the test queued no answer for {request.method} {request.path}"
        )

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    graph: LoopbackGraph


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        recorded = Recorded(
            self.command, self.path, {name.lower(): value for name, value in self.headers.items()}, self._body()
        )
        answer = cast(_Server, self.server).graph.take(recorded)
        payload, headers = answer.encoded()
        bodiless = answer.status in (204, 304) or answer.status < 200
        self.send_response(answer.status)
        for name, value in headers.items():
            self.send_header(name, value)
        if not bodiless:
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if payload and not bodiless:
            self.wfile.write(payload)

    def _body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the requests are recorded, and a failing test shows them."""


# The checks


def media_type(value: str | None) -> str:
    return (value or "").split(";")[0].strip().lower()


def documented_path(doc: Documented, ids: Mapping[str, str] | None = None) -> str:
    """The path the doc says to use: its example path when `ids` is None (the test then calls with the example's
    ids), else its path template with each `{placeholder}` in `ids` filled in."""
    if ids is None:
        path = doc.request.example_path
        assert path and "{" not in path and "?" not in path, f"{doc.name}: the example path is not concrete: {path}"
        return path
    path = doc.request.path
    assert path, f"{doc.name} documents no path"
    for name, value in ids.items():
        placeholder = "{" + name + "}"
        assert placeholder in path, f"{doc.name}: no {placeholder} in the documented path {path}"
        path = path.replace(placeholder, value)
    assert "{" not in path, f"{doc.name}: placeholders left unfilled in {path}"
    return path


def assert_graph_headers(request: Recorded) -> None:
    """What every documented request carries: `Authorization: Bearer {token}` (the "Request headers" table of each
    page) and a client-request-id GUID (the id Graph's InnerError echoes and support asks for)."""
    assert request.header("authorization") == f"Bearer {TOKEN}", f"{request.method} {request.path}: Authorization"
    client_request_id = request.header("client-request-id")
    assert client_request_id is not None, f"{request.method} {request.path} sent no client-request-id"
    assert str(uuid.UUID(client_request_id)) == client_request_id.lower(), f"not a GUID: {client_request_id}"


def assert_documented_headers(request: Recorded, doc: Documented, skip: Mapping[str, str] | None = None) -> None:
    """Every header the doc's example request sends, as documented: Content-Type by media type, others by value
    (case ignored). `skip` names headers a test handles itself, with the reason."""
    skipped = {name.lower(): reason for name, reason in {**NOT_THE_CLIENTS_HEADERS, **(skip or {})}.items()}
    for name, value in doc.request.headers.items():
        if name.lower() in skipped:
            continue
        sent = request.header(name)
        assert sent is not None, f"{doc.name}: the doc sends `{name}: {value}`; the client sent no {name}"
        if name.lower() == "content-type":
            assert media_type(sent) == media_type(value), f"{doc.name}: Content-Type {sent!r}, documented {value!r}"
        else:
            assert sent.lower() == value.lower(), f"{doc.name}: {name}: {sent!r}, documented {value!r}"


def assert_documented_request(
    request: Recorded,
    doc: Documented,
    path: str,
    *,
    method: str | None = None,
    segments_ignore_case: bool = False,
    skip_headers: Mapping[str, str] | None = None,
) -> None:
    """The request line and headers the doc shows: its method (or `method`, where the docs disagree with
    themselves), `path` (URL-decoded on both sides; compared case-insensitively by segment only where a test says
    why) and its headers."""
    expected_method = method or doc.request.method
    assert request.method == expected_method, f"{doc.name}: sent {request.method}, documented {expected_method}"
    assert request.path.startswith(VERSION_PREFIX + "/"), f"{doc.name}: {request.path} is not under {VERSION_PREFIX}"
    sent, expected = request.graph_path, unquote(path)
    if segments_ignore_case:
        assert sent.lower().split("/") == expected.lower().split("/"), f"{doc.name}: sent {sent}, documented {expected}"
    else:
        assert sent == expected, f"{doc.name}: sent {sent}, documented {expected}"
    assert_graph_headers(request)
    assert_documented_headers(request, doc, skip_headers)


def unknown_keys(sent: Any, samples: Sequence[Any], where: str = "") -> list[str]:
    """The keys of `sent` (dotted, nested) that no documented sample of the same object has. A nested object is
    checked only where a sample shows one (an empty or null documented value shows no keys)."""
    if isinstance(sent, list):
        items = [item for sample in samples if isinstance(sample, list) for item in sample if isinstance(item, dict)]
        if not items:
            return []
        return [key for item in sent for key in unknown_keys(item, items, where + "[]")]
    objects = [sample for sample in samples if isinstance(sample, dict)]
    if not isinstance(sent, dict) or not objects:
        return []
    known = set().union(*objects)
    found: list[str] = []
    for key, value in sent.items():
        dotted = f"{where}.{key}" if where else key
        if key not in known:
            found.append(dotted)
        else:
            found.extend(unknown_keys(value, [sample[key] for sample in objects if key in sample], dotted))
    return found


def assert_body_keys(
    sent: Any, example: Mapping[str, Any], *, known_from: Sequence[Any] = (), omitted: Mapping[str, str] | None = None
) -> None:
    """The JSON body sends every key of the doc's example body (but those in `omitted`, each with the reason the
    client legitimately leaves it out) and no key the docs do not know: none that is not in the example or in
    `known_from`, the documented representations of the same resource."""
    assert isinstance(sent, dict), f"the body is not a JSON object: {sent!r}"
    missing = [key for key in example if key not in sent and key not in (omitted or {})]
    assert not missing, f"the documented key(s) {missing} are not sent; sent {sorted(sent)}"
    unknown = unknown_keys(sent, [example, *known_from])
    assert not unknown, f"the key(s) {unknown} are not in the documented example or resource"


def odata_type_name(value: str) -> str:
    """`#microsoft.graph.x` and `microsoft.graph.x` name the same type; the docs write both (see the tests)."""
    return value.removeprefix("#")
