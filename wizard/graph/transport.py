"""How the project talks HTTP to Graph: msgraph-core's client and middleware, the token, paging and patience.

msgraph-core (Microsoft's Graph core library) supplies the httpx client with Graph's middleware (telemetry, and the
redirect and retry handlers, both turned off per request). Its middleware runs only for requests that carry kiota's
request options, so every request here carries them. This module retries 429s (and, for requests safe to repeat,
503 and 504) itself, honouring Retry-After and saying how long it waits, which the middleware does in silence. It
puts an overall deadline on every request, so a server that trickles its answer ends the run instead of hanging
it. And it adds what Graph's docs ask of a client: follow `@odata.nextLink` until it is absent
(learn.microsoft.com/graph/paging), and wait out the replication lag of new directory objects ("Designing for
eventual consistency for Microsoft Entra") with a bounded backoff that says what it waits for.
"""

from __future__ import annotations

import asyncio
import contextvars
import importlib.util
import logging
import socket
import sys
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from wizard import clock
from wizard.auth import SIGN_IN_CONNECT_TIMEOUT_SECONDS, Credential, Token, token_claims
from wizard.errors import ExitCode, ServiceError, SignInError
from wizard.graph.errors import RESUME, GraphFailure, not_graph_json, translate, unexpected_shape
from wizard.outgoing import remember_secret
from wizard.permissions import Operation

if TYPE_CHECKING:
    import httpx
    from msgraph_core import APIVersion, GraphClientFactory
    from pydantic import BaseModel, ValidationError

T = TypeVar("T")
M = TypeVar("M", bound="BaseModel")
log = logging.getLogger(__name__)

LAG_BUDGET_SECONDS = 60.0
"""How long a new object may stay invisible before the run stops (resumably): about a minute, per Microsoft."""
LAG_FIRST_WAIT_SECONDS = 0.5
LAG_LONGEST_WAIT_SECONDS = 8.0
TOKEN_RENEWAL_MARGIN_SECONDS = 300
MAX_PAGES = 1000
CONNECT_TIMEOUT_SECONDS = 15.0
READ_TIMEOUT_SECONDS = 60.0
REQUEST_DEADLINE_SECONDS = 120.0
"""The most one request may take, connecting, sending and reading together: the read timeout alone never ends a
server that sends a byte every few seconds."""
TOO_MANY_REQUESTS = 429
RETRIED_WHEN_SAFE = frozenset({TOO_MANY_REQUESTS, 503, 504})
"""Answers a request safe to repeat is sent again after; any other request only after a 429 (refused before any
work), since a 503 or 504 may come after Graph did it."""
THROTTLE_RETRIES = 3
LONGEST_RETRY_AFTER_SECONDS = 180.0
"""msgraph-core's own limit: a longer Retry-After ends the run (resumably) rather than waiting for minutes."""
RETRY_ATTEMPT = "Retry-Attempt"
"""The header msgraph-core's retry handler marks a repeated request with; kept, so Graph sees the same."""
REQUEST_OPTIONS = "kiota_request_options"
"""msgraph-core's transport runs its middleware (retry, redirect) only for requests carrying this extension."""

progress_sink: contextvars.ContextVar[Callable[[str], None] | None] = contextvars.ContextVar(
    "graph_progress_sink", default=None
)
"""Where waits are reported: the runner sets it in each step's task, so a step's waits show as its progress."""


def report_progress(message: str) -> None:
    sink = progress_sink.get()
    if sink is not None:
        sink(message)


def _sign_in_failed(error: Exception, host: str | None) -> SignInError:
    """The credential could not get a token: the operator's to fix, never a bug. When it is the network (the sign-in
    host did not answer), the sentence says so and names the host: the [auth] settings are not the problem then,
    and the run is to be repeated (exit 6)."""
    why = _unreachable(error)
    if why is not None:
        where = f"https://{host}" if host else "the sign-in host"
        return SignInError(
            f"Signing in could not reach {host or 'the sign-in host'}: {why}",
            f"check that this machine reaches {where} (network, DNS, proxy, firewall), then run the same command again",
            exit_code=ExitCode.SERVICE,
        )
    reason = (str(error).strip().splitlines() or [type(error).__name__])[0][:300]
    return SignInError(
        f"Signing in to the tenant failed: {reason}",
        "check [auth] method and [tenant] name; with azure-cli run "
        "`az login --tenant <tenant>.onmicrosoft.com --allow-no-subscriptions` first; device-code is the simplest",
    )


def _causes(error: BaseException) -> list[BaseException]:
    """`error` and what it was raised from or while handling, azure-core's `inner_exception` included."""
    chain: list[BaseException] = []
    pending: list[BaseException | None] = [error]
    while pending and len(chain) < 32:
        each = pending.pop()
        if each is None or any(each is seen for seen in chain):
            continue
        chain.append(each)
        inner = getattr(each, "inner_exception", None)
        pending.extend([each.__context__, each.__cause__, inner if isinstance(inner, BaseException) else None])
    return chain


def _unreachable(error: Exception) -> str | None:
    """Why the sign-in host could not be reached, when a connection failure (azure-core's ServiceRequestError or
    ServiceResponseError) is what ended the sign-in; None when the sign-in was refused or failed otherwise."""
    chain = _causes(error)
    names = {cls.__name__ for each in chain for cls in type(each).__mro__}
    if not names & {"ServiceRequestError", "ServiceResponseError"}:
        return None
    if any(isinstance(each, socket.gaierror) for each in chain) or "NameResolutionError" in names:
        return "its name did not resolve (DNS)"
    if "ProxyError" in names:
        return "the proxy (HTTPS_PROXY) did not connect to it"
    if any(isinstance(each, TimeoutError) for each in chain) or "ConnectTimeoutError" in names:
        return f"it did not answer within {SIGN_IN_CONNECT_TIMEOUT_SECONDS:g} s"
    if any(isinstance(each, ConnectionRefusedError) for each in chain):
        return "it refused the connection"
    return "the connection failed"


def _is_credential_refusal(error: Exception) -> bool:
    """azure-identity's "no token for you". Its exception class lives in azure-core, which is loaded whenever an
    Azure credential is in use; a given token (pipelines, the demo) never loads it, so it is not imported here."""
    exceptions = sys.modules.get("azure.core.exceptions")
    return exceptions is not None and isinstance(error, exceptions.ClientAuthenticationError)


def lagging_when_absent(failure: GraphFailure) -> bool:
    """The default sign of replication lag: an object we just made or read answers "not found"."""
    return failure.is_absent


class Transport:
    """One signed-in connection to one Graph endpoint (the cloud's, the simulator's): requests, pages, patience."""

    def __init__(
        self,
        credential: Credential,
        *,
        graph_url: str,
        scopes: list[str],
        lag_budget: float = LAG_BUDGET_SECONDS,
        request_deadline: float = REQUEST_DEADLINE_SECONDS,
        sign_in_host: str | None = None,
    ) -> None:
        self._credential = credential
        self.sign_in_host = sign_in_host
        """Where the credential signs in (the cloud's authority host), for the sentence when it cannot be reached."""
        self.graph_url = graph_url.rstrip("/")
        self._origin = _origin(self.graph_url)
        self._scopes = list(scopes)
        self.lag_budget = lag_budget
        self.request_deadline = request_deadline
        self._client: httpx.AsyncClient | None = None
        self._token: Token | None = None
        self._sign_in_lock = threading.Lock()

    # Sign-in

    def _acquire_token(self) -> Token:
        """Runs in a worker thread: an interactive sign-in (a device code waiting for the operator) blocks for
        minutes and must block neither the UI nor the other requests. One sign-in at a time."""
        with self._sign_in_lock:
            if self._token_is_fresh():
                assert self._token is not None
                return self._token
            try:
                self._token = self._credential.get_token(*self._scopes)
            except Exception as error:
                if _is_credential_refusal(error):
                    raise _sign_in_failed(error, self.sign_in_host) from None
                raise
            remember_secret(self._token.token)
            return self._token

    def _token_is_fresh(self) -> bool:
        return (
            self._token is not None and self._token.expires_on - TOKEN_RENEWAL_MARGIN_SECONDS > clock.now().timestamp()
        )

    async def bearer_token(self) -> str:
        if not self._token_is_fresh():
            await asyncio.to_thread(self._acquire_token)
        assert self._token is not None
        return self._token.token

    def token_claims(self) -> dict[str, Any] | None:
        """The token's claims (unverified, only to describe it); None when the token is opaque or unobtainable."""
        if self._token is None:
            try:
                self._acquire_token()
            except SignInError:
                return None
        assert self._token is not None
        return token_claims(self._token.token)

    # Requests

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            import httpx

            APIVersion, GraphClientFactory = _msgraph_core_factory()
            timeout = httpx.Timeout(READ_TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS)
            plain = httpx.AsyncClient(
                base_url=self.graph_url + "/", timeout=timeout, http2=True, **tls_options(self.graph_url)
            )
            self._client = GraphClientFactory.create_with_default_middleware(api_version=APIVersion.beta, client=plain)
        return self._client

    async def send(
        self,
        operation: Operation,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        idempotent: bool,
    ) -> httpx.Response:
        """One request; a non-2xx answer raises GraphFailure, a broken connection or a passed deadline a resumable
        ServiceError.

        `idempotent`: sending it twice does no harm (a GET, a PUT, a PATCH, or a create Graph answers with "it
        exists" the second time). Such a request is sent once more after a dropped connection, and again after 429,
        503 and 504. Any other request may have been carried out when the answer is a 503 or 504, so only a 429
        (refused before any work) is retried. Each wait is reported as progress. Redirects are never followed: a
        request body may carry the Asignio secret."""
        import httpx

        url = path if path.startswith(("http://", "https://")) else path.lstrip("/")
        shown_path = urlsplit(path).path if "://" in path else path
        retried_connection = False
        retries = 0
        while True:
            client_request_id = str(uuid.uuid4())
            request_headers = {
                "Authorization": f"Bearer {await self.bearer_token()}",
                "client-request-id": client_request_id,
                "Accept": "application/json",
                **({RETRY_ATTEMPT: str(retries)} if retries else {}),
                **(headers or {}),
            }
            request = self._http().build_request(
                method,
                url,
                params=params,
                json=json,
                content=content,
                headers=request_headers,
                extensions={REQUEST_OPTIONS: _middleware_options()},
            )
            started = time.monotonic()  # real time: how long the answer took to come, for the log
            try:
                async with asyncio.timeout(self.request_deadline):  # real time: a trickling server is real
                    response = await self._http().send(request)
            except TimeoutError:
                raise _deadline_passed(operation, method, shown_path, self.request_deadline) from None
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as error:
                if retried_connection or not idempotent:
                    raise _transport_error(operation, error) from None
                retried_connection = True
                continue
            except httpx.HTTPError as error:
                raise _transport_error(operation, error) from None
            log.debug(
                "%s %s → %s in %.0f ms (request-id %s, client-request-id %s)",
                method,
                shown_path,
                response.status_code,
                (time.monotonic() - started) * 1000,  # real time, as `started`
                response.headers.get("request-id"),
                client_request_id,
            )
            if response.is_success:
                return response
            retried = RETRIED_WHEN_SAFE if idempotent else {TOO_MANY_REQUESTS}
            if response.status_code in retried and retries < THROTTLE_RETRIES:
                retries += 1
                wait = _retry_after(response, retries)
                if wait is not None:
                    report_progress(
                        f"{_why_waiting(response.status_code)}, waiting {wait:g} s "
                        f"(attempt {retries} of {THROTTLE_RETRIES})"
                    )
                    await clock.sleep(wait)
                    continue
            raise GraphFailure.from_answer(
                response.status_code,
                _json_or_none(response),
                dict(response.headers),
                method,
                shown_path,
                client_request_id,
            )

    async def call(self, operation: Operation, method: str, path: str, **options: Any) -> httpx.Response:
        """`send`, with Graph's refusal translated into the project's error for `operation`."""
        try:
            return await self.send(operation, method, path, **options)
        except GraphFailure as failure:
            raise translate(failure, operation) from None

    def parse_json(self, operation: Operation, response: httpx.Response) -> dict[str, Any]:
        """The answer's JSON object; anything else (an HTML page, a cut-off body) is said as such."""
        content_type = response.headers.get("content-type", "")
        request = response.request
        try:
            data = response.json() if "json" in content_type.lower() else None
        except (ValueError, RecursionError):
            data = None
        if not isinstance(data, dict):
            raise not_graph_json(operation, request.method, request.url.path, content_type, request.url.host)
        return data

    async def get_json(self, operation: Operation, path: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        response = await self.send(operation, "GET", path, params=params, idempotent=True)
        return self.parse_json(operation, response)

    async def send_optional(
        self, operation: Operation, method: str, path: str, **options: Any
    ) -> httpx.Response | None:
        """A request whose "not found" (404, or B2C's own code) means absent; other refusals are errors."""
        try:
            return await self.send(operation, method, path, **options)
        except GraphFailure as failure:
            if failure.is_absent:
                return None
            raise translate(failure, operation) from None

    async def get_optional(self, operation: Operation, path: str) -> dict[str, Any] | None:
        """A GET's JSON object, or None when Graph says there is no such thing."""
        response = await self.send_optional(operation, "GET", path, idempotent=True)
        return None if response is None else self.parse_json(operation, response)

    async def delete_optional(self, operation: Operation, path: str) -> bool:
        """A DELETE (204): True when it deleted something, False when Graph says it was already gone, so a second
        remove writes nothing and fails on nothing."""
        return await self.send_optional(operation, "DELETE", path, idempotent=True) is not None

    async def list_all(
        self, operation: Operation, path: str, params: dict[str, str] | None = None
    ) -> list[dict[str, Any]]:
        """Every item of a collection, Graph's refusals translated into the project's errors."""
        try:
            return await self.pages(operation, path, params)
        except GraphFailure as failure:
            raise translate(failure, operation) from None

    async def pages(
        self, operation: Operation, path: str, params: dict[str, str] | None = None
    ) -> list[dict[str, Any]]:
        """Every item of a collection: Graph may page any of them, so `@odata.nextLink` is followed until absent.
        A refusal is raised as the GraphFailure it is (for callers that wait out lag)."""
        items: list[dict[str, Any]] = []
        seen: set[str] = set()
        url, query = path, params
        for _ in range(MAX_PAGES):
            page = await self.get_json(operation, url, query)
            value = page.get("value")
            if not isinstance(value, list):
                raise unexpected_shape(operation, "GET", path, "no `value` list in a collection")
            items.extend(item for item in value if isinstance(item, dict))
            next_link = page.get("@odata.nextLink")
            if not next_link:
                return items
            if not isinstance(next_link, str) or _origin(next_link) != self._origin:
                raise unexpected_shape(operation, "GET", path, "an @odata.nextLink to another host")
            if next_link in seen:
                raise unexpected_shape(operation, "GET", path, "an @odata.nextLink that repeats")
            seen.add(next_link)
            url, query = next_link, None
        raise unexpected_shape(operation, "GET", path, f"more than {MAX_PAGES} pages")

    # Patience

    async def patiently(
        self,
        operation: Operation,
        waiting_for: str,
        attempt: Callable[[], Awaitable[T]],
        lagging: Callable[[GraphFailure], bool] = lagging_when_absent,
    ) -> T:
        """`attempt` again, with a bounded backoff, while its refusal is replication lag; then a resumable stop."""
        backoff = _Backoff(self.lag_budget)
        while True:
            try:
                return await attempt()
            except GraphFailure as failure:
                if not lagging(failure):
                    raise translate(failure, operation) from None
                said = f"Graph does not show {waiting_for} yet (new objects take a while to replicate); trying again"
                if not await backoff.pause(said):
                    raise _still_lagging(operation, waiting_for, backoff.waited, failure) from None

    async def eventually(
        self, waiting_for: str, read: Callable[[], Awaitable[T | None]], *, budget: float | None = None
    ) -> T | None:
        """`read` until it finds something or the lag budget has passed; None means "really not there"."""
        backoff = _Backoff(self.lag_budget if budget is None else budget)
        while True:
            found = await read()
            if found is not None or not await backoff.pause(
                f"looking again for {waiting_for}: Graph may not show it yet; next look"
            ):
                return found

    async def close(self) -> None:
        """Close the HTTP connections; the credential belongs to whoever made it."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None


class _Backoff:
    """The waits between looks at something Graph may not show yet: doubling from half a second to eight, until
    `budget` seconds would be passed; each wait is reported as the step's progress."""

    def __init__(self, budget: float) -> None:
        self._budget = budget
        self._started = clock.monotonic()
        self._wait = LAG_FIRST_WAIT_SECONDS

    @property
    def waited(self) -> float:
        return clock.monotonic() - self._started

    async def pause(self, said: str) -> bool:
        """Wait before the next try, saying `said` "in N s"; False (no wait) once the budget would be passed."""
        if self.waited + self._wait > self._budget:
            return False
        report_progress(f"{said} in {self._wait:g} s")
        await clock.sleep(self._wait)
        self._wait = min(self._wait * 2, LAG_LONGEST_WAIT_SECONDS)
        return True


class GraphResource:
    """What each resource group's calls share: the transport, and parsing into the project's models."""

    _graph: Transport

    async def _shown(self, what: str, said: str, read: Callable[[], Awaitable[T | None]]) -> T:
        """What Graph says exists (a conflict, an upsert's 204), once a read shows it: right after a create it may
        not yet. `said` is what Graph said of it, for the error when it never shows."""
        found = await self._graph.eventually(what, read)
        if found is None:
            raise ServiceError(
                f"Graph {said} {what} but does not show it",
                f"wait a minute (the tenant may still be replicating), then {RESUME}",
            )
        return found

    @staticmethod
    def _parse(model: type[M], data: Any, operation: Operation, where: str) -> M:
        """`data` as `model`; an answer without what the docs promise (an id, say) is Graph's fault, said so."""
        from pydantic import ValidationError

        try:
            return model.model_validate(data)
        except ValidationError as error:
            method, _, path = where.partition(" ")
            raise unexpected_shape(operation, method, path, _first_problem(error)) from None

    def _parse_all(self, model: type[M], items: list[dict[str, Any]], operation: Operation, where: str) -> list[M]:
        return [self._parse(model, item, operation, where) for item in items]


def _first_problem(error: ValidationError) -> str:
    problem = error.errors()[0]
    where = ".".join(str(part) for part in problem.get("loc", ()))
    message = str(problem.get("msg", "invalid"))
    return f"{where}: {message}" if where else message


def _msgraph_core_factory() -> tuple[type[APIVersion], type[GraphClientFactory]]:
    """msgraph-core's APIVersion and GraphClientFactory, without its package `__init__`, which also imports its
    azure-identity auth provider and with it azure-core (tens of milliseconds of every run); this project never uses
    that provider (the token comes from its own Credential). Python runs a package's `__init__` before any of its
    submodules, so the package is registered unexecuted and the two submodules imported alone; the first name read
    from the package itself then runs the real `__init__`, so `import msgraph_core` elsewhere still gets all of it."""
    if "msgraph_core" not in sys.modules:
        spec = importlib.util.find_spec("msgraph_core")
        assert spec is not None and spec.loader is not None
        loader = spec.loader
        package = importlib.util.module_from_spec(spec)

        def run_init(name: str) -> Any:
            del vars(package)["__getattr__"]
            loader.exec_module(package)
            return getattr(package, name)

        vars(package)["__getattr__"] = run_init
        sys.modules["msgraph_core"] = package
    from msgraph_core._enums import APIVersion
    from msgraph_core.graph_client_factory import GraphClientFactory

    return APIVersion, GraphClientFactory


def tls_options(graph_url: str) -> dict[str, Any]:
    """httpx's defaults (the CA bundle loaded for each client: tens of milliseconds, megabytes) for an https Graph
    URL. A plain-http one (allowed for this machine only: the demo's simulator, a test server) never meets TLS, since
    requests stay on the Graph URL's origin (a nextLink to another is refused); its client gets a TLS context that
    trusts no certificate, so a handshake, were one ever tried, would fail rather than go unverified."""
    if _origin(graph_url)[0] == "https":
        return {}
    import ssl

    return {"verify": ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)}


def _middleware_options() -> dict[str, Any]:
    """kiota request options for msgraph-core's middleware: no redirects, and no retries of its own (the transport
    retries, saying how long it waits)."""
    from kiota_http.middleware.options import RedirectHandlerOption, RetryHandlerOption

    return {
        RedirectHandlerOption.get_key(): RedirectHandlerOption(should_redirect=False),
        RetryHandlerOption.get_key(): RetryHandlerOption(max_retries=0),
    }


def _why_waiting(status: int) -> str:
    return "throttled by Graph" if status == TOO_MANY_REQUESTS else f"Graph is unavailable (HTTP {status})"


def _retry_after(response: httpx.Response, attempt: int) -> float | None:
    """Seconds to wait before asking again: Graph's Retry-After, in seconds or as a date (or a short backoff without
    one); None when it asks for longer than the tool waits in one go."""
    text = response.headers.get("retry-after", "").strip()
    try:
        wait = float(text) if text else float(2**attempt)
    except ValueError:
        wait = _seconds_until(text, default=float(2**attempt))
    return max(wait, 0.0) if wait <= LONGEST_RETRY_AFTER_SECONDS else None


def _seconds_until(http_date: str, *, default: float) -> float:
    from email.utils import parsedate_to_datetime

    try:
        moment = parsedate_to_datetime(http_date)
    except (TypeError, ValueError):
        return default
    return moment.timestamp() - clock.now().timestamp()


def path_segment(identifier: str) -> str:
    """An id as one URL path segment: every character that could end or change the path escaped."""
    from urllib.parse import quote

    return quote(identifier, safe="")


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (ValueError, RecursionError):
        return None


def _transport_error(operation: Operation, error: Exception) -> ServiceError:
    return ServiceError(
        f"the connection to Graph failed while trying to {operation.action} ({type(error).__name__})",
        f"check the network, then {RESUME}",
    )


def _deadline_passed(operation: Operation, method: str, path: str, deadline: float) -> ServiceError:
    return ServiceError(
        f"Graph did not answer {method} {path} within {deadline:g} s while trying to {operation.action} (the "
        "connection stayed open but the answer never finished)",
        f"check the network and any proxy between you and Graph, then {RESUME}",
    )


def _still_lagging(operation: Operation, waiting_for: str, waited: float, failure: GraphFailure) -> ServiceError:
    return ServiceError(
        f"Graph still did not show {waiting_for} after {waited:.0f} s, while trying to {operation.action}"
        f"{failure.detail}",
        f"the tenant is still replicating a new object: wait a minute, then {RESUME}",
    )
