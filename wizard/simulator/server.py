"""A real HTTP server on 127.0.0.1 that answers like Graph beta for a SimulatedTenant.

It issues one bearer token per tenant and answers each request for the tenant its token belongs to (as real
Graph does: one URL, the token decides the tenant), enforces the token's delegated permissions per endpoint,
and persists the first tenant after every write.
Behaviour knobs make it answer the way a real tenant may: `page_size` pages every collection,
`replication_lag` hides new objects for a while, `upsert_supported` False refuses alternate-key upserts, `latency`
delays every answer. Faults (429, 5xx, dropped connections, lost answers, a stall after the n-th write) are the
tests' own (tests/support/faults.py): they reach a server only through its one fault hook, `SimulatorServer.faults`.
Paths outside /beta are the tenants' sign-in hosts (b2clogin/ciamlogin, wizard.simulator.login), reached by
`ASIGNIO_SETUP_LOGIN_URL` = `login_root`: no token, read-only, logged like the Graph requests.
"""

from __future__ import annotations

import base64
import contextlib
import json
import select
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self
from urllib.parse import parse_qsl, unquote, urlsplit
from urllib.request import urlopen

from wizard import clock
from wizard.auth import StaticTokenCredential
from wizard.permissions import ALL_OPERATIONS
from wizard.simulator import login
from wizard.simulator.discovery import DiscoveryServer
from wizard.simulator.endpoints import (
    GraphEndpoints,
    GraphError,
    GraphRequest,
    GraphResponse,
)
from wizard.simulator.login import LoginResponse, SeenRequest
from wizard.simulator.tenant import SimulatedTenant

ALL_PERMISSIONS = frozenset(operation.permission for operation in ALL_OPERATIONS)
SIGN_IN_APP_ID = "14d82eec-204b-4c2f-b7e8-296a70dab67e"
TOKEN_LIFETIME_SECONDS = 24 * 3600
DROPPED = 0
SHUTDOWN_POLL_SECONDS = 0.01
"""How often the serving thread looks whether `stop` asks it to end, so the most `stop` waits: every demo run and
most tests end with a stop, and an idle wake-up costs next to nothing."""
PROVIDER_DOCUMENT_LIMIT = 256 * 1024
PROVIDER_DOCUMENT_SECONDS = 5.0


@dataclass(frozen=True)
class RequestRecord:
    """One request as the simulator saw it; `status` is 0 when the connection was dropped unanswered.

    Recorded just before the answer goes out, so the log is complete once the client has its answer.
    """

    method: str
    path: str
    query: str
    status: int
    is_write: bool
    started: float
    ended: float
    tenant: str = ""
    """The domain of the tenant the request's token reached; empty when the token was refused or never read."""


@dataclass(frozen=True)
class Tenancy:
    """One tenant the server answers for, and the token that reaches it."""

    tenant: SimulatedTenant
    endpoints: GraphEndpoints
    permissions: frozenset[str]
    access_token: str

    @property
    def credential(self) -> StaticTokenCredential:
        return StaticTokenCredential(self.access_token)


@dataclass(frozen=True, eq=False)
class Exchange:
    """One request as the fault hook sees it, before the server answers it (each one a distinct object)."""

    host: Literal["graph", "sign-in"]
    method: str
    path: str
    """Graph's path without /beta, as routed; a sign-in host's path after its tenant segment."""
    query: Mapping[str, str]
    headers: Mapping[str, str]
    """Names in lower case."""
    body: bytes
    tenant: SimulatedTenant | None
    """The tenant the request reaches (by its token, or by a sign-in host's path); None for a token the server did
    not issue."""
    client_gone: Callable[[], bool]
    """True once the client has hung up or the server has stopped: a request held until then is dropped."""

    @property
    def is_write(self) -> bool:
        return self.method != "GET"


class FaultHook:
    """The one way to change how a server answers, for the tests' faults (tests/support/faults.py); the product and
    the demo use none. The server passes every request through `intercept` and tells `finished` once it is over;
    this base carries every request out as it came."""

    def intercept(self, exchange: Exchange, carry_out: Callable[[], GraphResponse]) -> GraphResponse | None:
        """The answer to send: what `carry_out()` answers (the request served as ever), or another one given before
        or after carrying it out (a raised GraphError is answered in Graph's error shape); None closes the connection
        unanswered. It may hold the request (the server's thread waits) until `stopping`."""
        return carry_out()

    def finished(self, exchange: Exchange, status: int) -> None:
        """The exchange is over: answered with `status`, or dropped (0)."""

    def stopping(self) -> None:
        """The server is stopping: let every request held go on (its client gone, it is dropped)."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def make_access_token(tenant: SimulatedTenant, permissions: Iterable[str]) -> str:
    """A JWT-shaped, unsigned token carrying what the facade reads from real ones: tid, upn, scp, exp."""
    now = int(clock.now().timestamp())
    header = {"typ": "JWT", "alg": "none"}
    payload = {
        "aud": "https://graph.microsoft.com",
        "iss": f"https://sts.windows.net/{tenant.organization_id}/",
        "iat": now,
        "nbf": now,
        "exp": now + TOKEN_LIFETIME_SECONDS,
        "appid": SIGN_IN_APP_ID,
        "name": "Simulated administrator",
        "tid": tenant.organization_id,
        "upn": f"admin@{tenant.domain}",
        "unique_name": f"admin@{tenant.domain}",
        "scp": " ".join(permissions),
        "ver": "1.0",
    }
    parts = (json.dumps(header).encode(), json.dumps(payload).encode(), uuid.uuid4().bytes)
    return ".".join(_b64url(part) for part in parts)


def _normalised_path(raw: str) -> str:
    """`/beta//trustFramework/...` (as the SDK sends it) → `/trustFramework/...`; segments unquoted."""
    segments = [unquote(segment) for segment in raw.split("/") if segment]
    if not segments or segments[0] != "beta":
        raise GraphError(400, "BadRequest", "Invalid version: only /beta is simulated.")
    return "/" + "/".join(segments[1:])


def _provider_document(url: str) -> dict[str, Any] | None:
    """An OpenID provider's discovery document as B2C reads it for a user flow, but only on this machine (the
    simulator has no network): None when it cannot be read."""
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname not in ("127.0.0.1", "localhost"):
        return None
    try:
        with urlopen(url, timeout=PROVIDER_DOCUMENT_SECONDS) as response:
            document = json.loads(response.read(PROVIDER_DOCUMENT_LIMIT))
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) else None


def _peer_closed(connection: socket.socket) -> bool:
    """True when the client hung up (it was killed while its request waited)."""
    readable, _, _ = select.select([connection], [], [], 0)
    if not readable:
        return False
    try:
        return connection.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def setup(self) -> None:
        """Headers and body go out as separate writes: without TCP_NODELAY, Nagle adds ~40 ms a response."""
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.connections.discard(self.connection)

    def do_GET(self) -> None:
        self.server.simulator.serve(self)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the simulator keeps its own request log, and stderr belongs to the wizard."""


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, simulator: SimulatorServer, port: int) -> None:
        self.simulator = simulator
        self.connections: set[socket.socket] = set()
        super().__init__(("127.0.0.1", port), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up (killed on purpose in the resume tests) is expected; anything else is reported."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class SimulatorServer:
    """The simulated Graph beta endpoint; start it, point the facade at `graph_root + "/beta"`.

    It answers for the tenant it is made with, and for every tenant `add_tenant` gives it, each reached by its own
    token; knobs, the fault hook and the request log are the server's, shared by its tenants."""

    def __init__(
        self,
        tenant: SimulatedTenant,
        *,
        state_file: Path | None = None,
        latency: float = 0.0,
        permissions: Iterable[str] | None = None,
        port: int = 0,
        page_size: int | None = None,
        replication_lag: float = 0.0,
        upsert_supported: bool = True,
        consent_allowed: bool = True,
    ) -> None:
        """`page_size`: at most this many items a page, with an `@odata.nextLink` (None: one page).
        `replication_lag`: seconds an object created through the API stays invisible to reads and to
        references in writes (wall clock, saved with the tenant). `upsert_supported`: False answers
        400 to `PATCH /applications(uniqueName=…)` and `/servicePrincipals(appId=…)`. `consent_allowed`: False
        answers 403 to a consent grant, as Graph does to an account that may not grant admin consent."""
        self.tenant = tenant
        self._requested_port = port
        self.state_file = state_file
        self.latency = latency
        self.permissions = ALL_PERMISSIONS if permissions is None else frozenset(permissions)
        self.access_token = make_access_token(tenant, sorted(self.permissions))
        self.credential = StaticTokenCredential(self.access_token)
        self._endpoints = GraphEndpoints(tenant)
        self._tenancies = {self.access_token: Tenancy(tenant, self._endpoints, self.permissions, self.access_token)}
        self.page_size = page_size
        self.replication_lag = replication_lag
        self.upsert_supported = upsert_supported
        self.consent_allowed = consent_allowed
        self._tenant_lock = threading.RLock()
        self._log_lock = threading.Lock()
        self._log: list[RequestRecord] = []
        self.faults = FaultHook()
        """What every request passes through on its way to its answer: the tests put their faults here."""
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.discovery: DiscoveryServer | None = None
        """The demo's Asignio discovery document and authorize endpoint (started by `start_demo`), stopped with the
        simulator."""
        self.login_requests: list[SeenRequest] = []
        """Every request the sign-in hosts got, headers and body included."""

    # Lifecycle

    def start(self) -> Self:
        self._httpd = _HTTPServer(self, self._requested_port)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": SHUTDOWN_POLL_SECONDS},
            name="graph-simulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and cut every open connection, as a vanished service would; held requests are dropped."""
        if self.discovery is not None:
            discovery, self.discovery = self.discovery, None
            discovery.stop()
        httpd = self._httpd
        if httpd is None:
            return
        self._httpd = None
        self.faults.stopping()
        httpd.shutdown()
        for connection in list(httpd.connections):
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the simulator is not running")
        return self._httpd.server_address[1]

    @property
    def graph_root(self) -> str:
        """Like https://graph.microsoft.com: the client appends /beta."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def login_root(self) -> str:
        """Like https://contoso.b2clogin.com (or .ciamlogin.com) for every tenant: the path names the tenant."""
        return f"http://127.0.0.1:{self.port}"

    def add_tenant(self, tenant: SimulatedTenant, *, permissions: Iterable[str] | None = None) -> Tenancy:
        """Answer for one more tenant, reached by the token of the returned tenancy (all permissions unless given);
        it takes the server's knobs and is never saved to the state file, which holds the first tenant."""
        granted = ALL_PERMISSIONS if permissions is None else frozenset(permissions)
        if any(known.tenant.domain.lower() == tenant.domain.lower() for known in self._tenancies.values()):
            raise ValueError(f"the simulator already answers for {tenant.domain}")
        endpoints = GraphEndpoints(
            tenant,
            page_size=self.page_size,
            replication_lag=self.replication_lag,
            upsert_supported=self.upsert_supported,
        )
        tenancy = Tenancy(tenant, endpoints, granted, make_access_token(tenant, sorted(granted)))
        with self._tenant_lock:
            self._tenancies[tenancy.access_token] = tenancy
        return tenancy

    # Behaviour knobs: settable at any time, in effect from the next request, for every tenant

    @property
    def page_size(self) -> int | None:
        return self._endpoints.knobs.page_size

    @page_size.setter
    def page_size(self, value: int | None) -> None:
        if value is not None and value < 1:
            raise ValueError("a page holds at least one item")
        for tenancy in self._tenancies.values():
            tenancy.endpoints.knobs.page_size = value

    @property
    def replication_lag(self) -> float:
        return self._endpoints.knobs.replication_lag

    @replication_lag.setter
    def replication_lag(self, value: float) -> None:
        if value < 0:
            raise ValueError("the replication lag cannot be negative")
        for tenancy in self._tenancies.values():
            tenancy.endpoints.knobs.replication_lag = value

    @property
    def upsert_supported(self) -> bool:
        return self._endpoints.knobs.upsert_supported

    @upsert_supported.setter
    def upsert_supported(self, value: bool) -> None:
        for tenancy in self._tenancies.values():
            tenancy.endpoints.knobs.upsert_supported = value

    @property
    def consent_allowed(self) -> bool:
        return self._endpoints.knobs.consent_allowed

    @consent_allowed.setter
    def consent_allowed(self, value: bool) -> None:
        self._endpoints.knobs.consent_allowed = value

    # Request log

    @property
    def log(self) -> list[RequestRecord]:
        with self._log_lock:
            return list(self._log)

    @property
    def reads(self) -> int:
        return sum(1 for record in self.log if not record.is_write)

    @property
    def writes(self) -> int:
        return sum(1 for record in self.log if record.is_write)

    def reset_log(self) -> None:
        with self._log_lock:
            self._log.clear()

    # Serving

    def serve(self, handler: _Handler) -> None:
        """Answer one request: a sign-in host's, or Graph's (the routing, the permission, the tenant), each through
        the fault hook."""
        started = time.monotonic()  # real time: the request log says when requests overlapped
        url = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        login_tenancy = self._tenancy_named(unquote(url.path.split("/")[1]))
        if login_tenancy is not None:
            self._serve_login(handler, login_tenancy, url.path, url.query, body, started)
        else:
            self._serve_graph(handler, url.path, url.query, body, started)

    def _serve_graph(self, handler: _Handler, raw_path: str, query: str, body: bytes, started: float) -> None:
        request_id = str(uuid.uuid4())
        client_request_id = handler.headers.get("client-request-id") or request_id
        method = handler.command
        try:
            path = _normalised_path(raw_path)
            bad_path = None
        except GraphError as error:
            path, bad_path = raw_path, error
        if self.latency:
            time.sleep(self.latency)  # real time: the network's own delay, for benchmarks
        headers = {name.lower(): value for name, value in handler.headers.items()}
        parameters = dict(parse_qsl(query, keep_blank_values=True))
        tenancy: Tenancy | None = None

        def carry_out() -> GraphResponse:
            nonlocal tenancy
            if bad_path is not None:
                raise bad_path
            tenancy = self._tenancy(handler.headers.get("Authorization", ""))
            host = handler.headers.get("Host") or f"127.0.0.1:{self.port}"
            request = GraphRequest(
                method,
                path,
                parameters,
                headers,
                body,
                base_url=f"http://{host}/beta",
                permissions=tenancy.permissions,
            )
            return self._dispatch(tenancy, request)

        known = self._known_tenancy(handler.headers.get("Authorization", ""))
        exchange = Exchange(
            "graph",
            method,
            path,
            parameters,
            headers,
            body,
            known.tenant if known is not None else None,
            self._client_gone(handler),
        )
        status = DROPPED
        try:
            try:
                response = self.faults.intercept(exchange, carry_out)
            except GraphError as error:
                response = self._error_response(error, request_id, client_request_id)
            except Exception as error:  # noqa: BLE001 -- a simulator bug must reach the client as Graph's 500, not a hung connection
                internal = GraphError(500, "InternalServerError", f"The simulator failed: {type(error).__name__}.")
                response = self._error_response(internal, request_id, client_request_id)
            if response is None:
                self._drop(handler, method, path, unquote(query), exchange.is_write, started)
                return
            self._record(
                RequestRecord(
                    method,
                    path,
                    unquote(query),
                    response.status,
                    exchange.is_write,
                    started,
                    time.monotonic(),  # real time, as `started`
                    tenancy.tenant.domain if tenancy is not None else "",
                )
            )
            self._send(handler, response, request_id, client_request_id)
            status = response.status
        finally:
            self.faults.finished(exchange, status)

    def _serve_login(
        self, handler: _Handler, tenancy: Tenancy, raw_path: str, query: str, body: bytes, started: float
    ) -> None:
        """A sign-in host's answer for the tenant the path's first segment names (its initial domain or its id)."""
        method = handler.command
        with self._log_lock:
            self.login_requests.append(SeenRequest(method, handler.path, tuple(handler.headers.items()), body))
        segments = [unquote(segment) for segment in raw_path.split("/") if segment][1:]
        parameters = dict(parse_qsl(query, keep_blank_values=True))

        def carry_out() -> GraphResponse:
            if method != "GET":
                return LoginResponse(405)
            with self._tenant_lock:
                return login.answer(
                    tenancy.tenant, segments, parameters, _provider_document, tenancy.endpoints.knobs.replication_lag
                )

        exchange = Exchange(
            "sign-in",
            method,
            "/" + "/".join(segments),
            parameters,
            {name.lower(): value for name, value in handler.headers.items()},
            body,
            tenancy.tenant,
            self._client_gone(handler),
        )
        status = DROPPED
        try:
            response = self.faults.intercept(exchange, carry_out)
            if response is None:
                self._drop(handler, method, raw_path, unquote(query), exchange.is_write, started)
                return
            self._record(
                RequestRecord(
                    method,
                    raw_path,
                    unquote(query),
                    response.status,
                    exchange.is_write,
                    started,
                    time.monotonic(),  # real time, as `started`
                    tenancy.tenant.domain,
                )
            )
            handler.send_response(response.status)
            for name, value in response.headers.items():
                handler.send_header(name, value)
            if response.body:
                handler.send_header("Content-Type", response.content_type)
            handler.send_header("Content-Length", str(len(response.body)))
            handler.end_headers()
            handler.wfile.write(response.body)
            handler.wfile.flush()
            status = response.status
        finally:
            self.faults.finished(exchange, status)

    def _client_gone(self, handler: _Handler) -> Callable[[], bool]:
        return lambda: self._httpd is None or _peer_closed(handler.connection)

    def _tenancy_named(self, segment: str) -> Tenancy | None:
        """The tenant a sign-in host's path starts with; None for anything else (a Graph path, say)."""
        if not segment:
            return None
        with self._tenant_lock:
            return next(
                (
                    tenancy
                    for tenancy in self._tenancies.values()
                    if segment.lower() in (tenancy.tenant.domain.lower(), tenancy.tenant.organization_id.lower())
                ),
                None,
            )

    def _known_tenancy(self, authorization: str) -> Tenancy | None:
        """The tenant the bearer token belongs to, if the server issued it."""
        token = authorization[7:].strip() if authorization.startswith("Bearer ") else ""
        with self._tenant_lock:
            return self._tenancies.get(token)

    def _tenancy(self, authorization: str) -> Tenancy:
        """The tenant the bearer token belongs to; a token the server did not issue is refused as Graph does."""
        token = authorization[7:].strip() if authorization.startswith("Bearer ") else ""
        if not token:
            raise GraphError(401, "InvalidAuthenticationToken", "Access token is empty.")
        tenancy = self._known_tenancy(authorization)
        if tenancy is None:
            raise GraphError(401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.")
        return tenancy

    def _dispatch(self, tenancy: Tenancy, request: GraphRequest) -> GraphResponse:
        route, match = tenancy.endpoints.route(request.method, request.path)
        if route.permission is None:
            accepted = set(tenancy.permissions)  # any permission: the endpoint decides what the caller may see
        else:
            accepted = {route.permission}
            if request.method == "GET":
                accepted.add(route.permission.replace(".ReadWrite.", ".Read."))
        if not accepted & tenancy.permissions:
            raise GraphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
        with self._tenant_lock:
            response = route.handler(request, match)
            if request.method != "GET" and self.state_file is not None and tenancy.tenant is self.tenant:
                self.tenant.save(self.state_file)
        return response

    @staticmethod
    def _error_response(error: GraphError, request_id: str, client_request_id: str) -> GraphResponse:
        """Graph's error shape; the ids match the response headers, so a report can quote either."""
        body = {
            "error": {
                "code": error.code,
                "message": error.message,
                "innerError": {
                    "date": clock.now().strftime("%Y-%m-%dT%H:%M:%S"),
                    "request-id": request_id,
                    "client-request-id": client_request_id,
                },
            }
        }
        return GraphResponse(error.status, json.dumps(body).encode(), "application/json", error.headers)

    @staticmethod
    def _send(handler: _Handler, response: GraphResponse, request_id: str, client_request_id: str) -> None:
        """Every answer carries request-id and client-request-id (the client's own, echoed, when it sent one)."""
        handler.send_response(response.status)
        handler.send_header("request-id", request_id)
        handler.send_header("client-request-id", client_request_id)
        for name, value in response.headers.items():
            handler.send_header(name, value)
        if response.body:
            handler.send_header("Content-Type", response.content_type)
        handler.send_header("Content-Length", str(len(response.body)))
        handler.end_headers()
        if response.body:
            handler.wfile.write(response.body)
        handler.wfile.flush()

    def _drop(self, handler: _Handler, method: str, path: str, query: str, is_write: bool, started: float) -> None:
        handler.close_connection = True
        ended = time.monotonic()  # real time, as `started`
        self._record(RequestRecord(method, path, query, DROPPED, is_write, started, ended))

    def _record(self, record: RequestRecord) -> None:
        with self._log_lock:
            self._log.append(record)
