"""`asignio-setup verify`: the sign-in a browser would start, probed without a browser, a credential or a write.

On Azure AD B2C three probes, each a public GET with redirects not followed (../shared/notes/ownership-and-verify.md):
1. the relying party (or user flow) serves its OpenID metadata with an issuer of the tenant (B2C openid-connect.md);
2. the authorize request for the test app with `domain_hint` (B2C direct-signin.md) answers a redirect to the Asignio
   authorization endpoint the tool configured, with the answers' client id, the redirect URI Asignio must know
   (`…/oauth2/authresp`, the partner article), `response_type=code` and `openid` in the scope;
3. Asignio's answer to that very request: an OAuth error (a page or JSON naming the client or the redirect URI, or
   a redirect carrying `error=`) says what to fix; anything else is Asignio showing its sign-in.

On Entra External ID Microsoft documents no parameter that sends the sign-in straight to a custom OpenID Connect
provider (how-to-custom-oidc-federation-customers.md describes only the provider button on the flow's page), so the
probes there are the tenant's metadata and the authorize page for the test app; what Asignio is sent is not checked,
and the result says so.

Nothing here signs a user in or sends the Asignio secret: a probe proves B2C and Asignio would start the sign-in, not
that it ends with a token. A policy just uploaded may take a moment to serve: probes 1 and 2 are repeated every 10 s
within a budget. The waits go through the tool's clock (wizard.clock), so tests run them on virtual time.

Every answer comes from outside and is read within bounds: one deadline for each request's whole answer (a host that
trickles it ends the probe as unreachable, however often a byte arrives), at most PAGE_LIMIT bytes of a body, no
redirect followed and a Location no longer than LOCATION_LIMIT, JSON however deeply nested taken as no JSON.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit, urlunsplit

from wizard import clock
from wizard.answers import GUID_PATTERN, Answers, Pivot
from wizard.clouds import b2clogin_host, checked_override_root
from wizard.discovery import fetch_discovery
from wizard.errors import BadInputError, ExitCode, ServiceError, SetupError, SignInWouldFailError, shown
from wizard.events import ProbeChecked, ProbeRetrying, ProbeStatus
from wizard.state import StateStore
from wizard.tls import verifying_context

if TYPE_CHECKING:
    import httpx

LOGIN_URL_ENV = "ASIGNIO_SETUP_LOGIN_URL"
"""Replaces `https://{tenant}.b2clogin.com` (or `.ciamlogin.com`): the paths under it stay the documented ones."""
ASIGNIO_URL_ENV = "ASIGNIO_SETUP_ASIGNIO_URL"
"""Replaces the scheme and host of the Asignio URL B2C redirects to, for probe 3 only (path and query as sent)."""
LOGIN_ROOT_EXAMPLE = "https://contoso.b2clogin.com"
"""What an override of a sign-in or Asignio root looks like, for the sentence refusing one."""
DEFAULT_TIMEOUT_SECONDS = 120.0
"""How long a policy that does not serve yet is waited for."""
RETRY_SECONDS = 10.0
REQUEST_DEADLINE_SECONDS = 15.0
"""How long one probe request may take, connecting and reading its whole answer together."""
PAGE_LIMIT = 64 * 1024
"""What is read of any answer: a metadata document or an error page is a few kilobytes."""
LOCATION_LIMIT = 8 * 1024
"""The longest redirect a probe takes: 8 KB is the common limit on a request line, so no sign-in sends a browser to
a longer URL (B2C's request to Asignio is a few hundred characters)."""
SEEN_LIMIT = 300
"""How much of an outside text (an error description, a page) a result quotes."""
POLICY_SERVES = "policy-serves"
SENDS_TO_ASIGNIO = "sends-to-asignio"
ASIGNIO_ACCEPTS = "asignio-accepts"
TENANT_SERVES = "tenant-serves"
AUTHORIZE_PAGE = "authorize-page"
TEST_APP_STEP = "test-app"
ERROR_CODE = re.compile(r"\b(AADB2C\d{5}|AADSTS\d{4,6})\b")
"""B2C's and Entra's error codes, as their error pages and redirects quote them."""
TAG = re.compile(r"<[^<>]*>")
"""An HTML tag, ending at the first `<` or `>`: a page of tags never closed is read in one pass, not once per `<`."""
CLIENT_ERRORS = ("invalid_client", "unauthorized_client")
NETWORK_FIX = "check the network (a proxy, a firewall) and the host, then run asignio-setup verify again"


@dataclass(frozen=True)
class Verification:
    """The probes as they ended, in order; at most one fault, the probes after it not checked."""

    probes: tuple[ProbeChecked, ...]

    @property
    def fault(self) -> ProbeChecked | None:
        return next(
            (probe for probe in self.probes if probe.status in (ProbeStatus.FAILED, ProbeStatus.UNREACHABLE)), None
        )

    @property
    def verified(self) -> bool:
        return self.fault is None

    def verdict(self) -> str:
        """The check in one sentence, saying what was not checked when something was not."""
        error = self.error()
        if error is not None:
            return error.what
        unchecked = [probe.title for probe in self.probes if probe.status is ProbeStatus.NOT_CHECKED]
        if unchecked:
            return f"Nothing the probes could check fails; not checked: {'; '.join(unchecked)}"
        return "Verified: the sign-in reaches Asignio as it should (no user was signed in)"

    @property
    def exit_code(self) -> ExitCode:
        fault = self.fault
        if fault is None:
            return ExitCode.OK
        return ExitCode.SERVICE if fault.status is ProbeStatus.UNREACHABLE else ExitCode.SIGN_IN_WOULD_FAIL

    def error(self) -> SetupError | None:
        """The fault as the error a run ends with: exit 9 naming the probe, what it expected and saw, and the fix;
        exit 6 when a host could not be reached."""
        fault = self.fault
        if fault is None:
            return None
        what = f"{fault.title}: expected {fault.expected}; saw {fault.seen}"
        if fault.status is ProbeStatus.UNREACHABLE:
            return ServiceError(what, fault.fix)
        return SignInWouldFailError(f"Sign-in would not work: {what}", fault.fix)


def login_host(answers: Answers) -> str:
    """The tenant's sign-in host as browsers meet it."""
    if answers.setup.pivot is Pivot.EXTERNAL_ID:
        return f"{answers.tenant.name}.ciamlogin.com"
    return b2clogin_host(answers.tenant.name, answers.tenant.cloud)


def configured_login_root(answers: Answers) -> str:
    """`https://{tenant}.b2clogin.com` (or `.ciamlogin.com`), or the root ASIGNIO_SETUP_LOGIN_URL names."""
    override = os.environ.get(LOGIN_URL_ENV)
    return (
        checked_override_root(LOGIN_URL_ENV, override, example=LOGIN_ROOT_EXAMPLE)
        if override
        else f"https://{login_host(answers)}"
    )


def configured_asignio_root() -> str | None:
    override = os.environ.get(ASIGNIO_URL_ENV)
    return checked_override_root(ASIGNIO_URL_ENV, override, example=LOGIN_ROOT_EXAMPLE) if override else None


def on_root(url: str, root: str | None) -> str:
    """`url` with its scheme and host replaced by those of `root` (None: as it is); path and query kept."""
    if root is None:
        return url
    target, stand_in = urlsplit(url), urlsplit(root)
    return urlunsplit((stand_in.scheme, stand_in.netloc, target.path, target.query, ""))


def recorded_test_app(answers: Answers, store: StateStore | None = None) -> str:
    """The app id of the test app this tool registered, as the state records it: verify needs the setup's own app,
    never one found by name."""
    store = store or StateStore(answers.tenant.name)
    state = store.load()
    record = state.steps.get(TEST_APP_STEP) if state is not None else None
    app_id = record.ids.get("app_id") if record is not None else None
    if state is None or app_id is None:
        raise BadInputError(
            f"No setup of {answers.tenant.domain} is recorded in {store.path}: verify tries the sign-in with the test "
            "app the setup registered",
            "run the setup first (asignio-setup --non-interactive ANSWERS.toml), or verify where it ran",
        )
    if not state.finished:
        raise BadInputError(
            f"The setup of {answers.tenant.domain} has not finished (see {store.path})",
            "finish it (run the setup again; on the user-flow path confirm the portal steps), then verify",
        )
    return app_id


def redirect_uri_at_asignio(answers: Answers) -> str:
    """The redirect URI B2C sends and Asignio must know (the partner article's pattern, on the real host)."""
    return f"https://{login_host(answers)}/{answers.tenant.domain}/oauth2/authresp"


def _same_endpoint(url: str, expected: str) -> bool:
    seen, wanted = urlsplit(url), urlsplit(expected)
    return (seen.scheme.lower(), seen.netloc.lower(), seen.path.rstrip("/")) == (
        wanted.scheme.lower(),
        wanted.netloc.lower(),
        wanted.path.rstrip("/"),
    )


def _endpoint(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _parameters(url: str) -> dict[str, str]:
    """A URL's query and fragment parameters, first value each (an OAuth error may come in either)."""
    parts = urlsplit(url)
    found: dict[str, str] = {}
    for part in (parts.fragment, parts.query):
        for name, values in parse_qs(part, keep_blank_values=True).items():
            found[name] = values[0]
    return found


def _quote(text: str) -> str:
    """Outside text as a result quotes it: one line, control characters escaped, cut at SEEN_LIMIT."""
    return repr(" ".join(text.split())[:SEEN_LIMIT])[1:-1]


def _is_guid(text: str) -> bool:
    return GUID_PATTERN.fullmatch(text) is not None


def issuer_problem(issuer: object, answers: Answers) -> str | None:
    """Why `issuer` is not an issuer of the tenant, or None. B2C issues `https://{tenant}.b2clogin.com/{tenant id}/
    v2.0/` (or `…/tfp/{tenant}/{policy}/v2.0/` when the flow is set so); External ID `https://{tenant id}.ciamlogin
    .com/{tenant id}/v2.0`: the host is the tenant's sign-in host (or its id's), the path names the tenant by id or
    initial domain."""
    if not isinstance(issuer, str) or not issuer:
        return "the document has no issuer"
    parts = urlsplit(issuer)
    host = (parts.hostname or "").lower()
    segments = [segment for segment in parts.path.split("/") if segment]
    if segments[:1] == ["tfp"]:
        segments = segments[1:]
    tenant = segments[0].lower() if segments else ""
    names_tenant = tenant == answers.tenant.domain or _is_guid(tenant)
    own_host = host == login_host(answers) or (
        answers.setup.pivot is Pivot.EXTERNAL_ID and host.endswith(".ciamlogin.com") and _is_guid(host.split(".")[0])
    )
    if parts.scheme != "https" or not own_host or not names_tenant:
        return f"the issuer {shown(issuer)} is not one of {answers.tenant.domain}"
    return None


@dataclass(frozen=True)
class Answer:
    """What a probe's request got back, as much as a probe reads of it."""

    status: int
    location: str | None
    content_type: str
    body: bytes

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json_object(self) -> dict[str, object] | None:
        try:
            data = json.loads(self.body)
        except (ValueError, RecursionError):
            return None
        return data if isinstance(data, dict) else None

    def error_code(self) -> str | None:
        """The B2C or Entra error code an error page or redirect quotes, if any."""
        found = ERROR_CODE.search(self.text()) or (ERROR_CODE.search(self.location) if self.location else None)
        return found.group(1) if found else None

    def words(self) -> str:
        """What the answer says: an OAuth error's code and description, else the page's text without its tags."""
        data = self.json_object()
        if data is not None and "error" in data:
            return f"{data.get('error')}: {data.get('error_description') or ''}".strip(": ")
        return " ".join(TAG.sub(" ", self.text()).split())


class Unreachable(Exception):
    """A probe's host could not be reached, or gave no answer a probe can read (`why`, after the host's name)."""

    def __init__(self, url: str, why: str) -> None:
        super().__init__(f"{urlsplit(url).netloc} {why}")


@dataclass
class Attempt:
    """One try of the first two probes: their results, and why to try again (None: final)."""

    results: list[ProbeChecked]
    not_yet: str | None = None
    """What is not served yet, said as the retry line says it; None when the results are final."""
    location: str | None = None
    """Where B2C sent the browser, when probe 2 passed."""

    def fault_index(self) -> int:
        """Where the probe that is not served yet stands among the results."""
        return next(
            index
            for index, result in enumerate(self.results)
            if result.status in (ProbeStatus.FAILED, ProbeStatus.UNREACHABLE)
        )


class SignInProbes:
    """The probes of one answers file's sign-in; `run` emits each result once it is final."""

    def __init__(
        self,
        answers: Answers,
        app_id: str,
        http: httpx.AsyncClient,
        emit: Callable[[ProbeChecked | ProbeRetrying], None],
        *,
        login_root: str,
        asignio_root: str | None,
        timeout: float,
        request_deadline: float = REQUEST_DEADLINE_SECONDS,
    ) -> None:
        self.answers = answers
        self.app_id = app_id
        self.http = http
        self.emit = emit
        self.login_root = login_root
        self.asignio_root = asignio_root
        self.timeout = max(timeout, 0.0)
        self.request_deadline = request_deadline
        self.external_id = answers.setup.pivot is Pivot.EXTERNAL_ID
        self.policy = (
            answers.user_flow.name if answers.setup.pivot is Pivot.USER_FLOW else answers.custom_policy.relying_party
        )

    async def get(self, url: str) -> Answer:
        """The answer to a GET of `url`, within the request deadline and the limits; Unreachable when there is
        none a probe can read."""
        import httpx

        try:
            async with asyncio.timeout(self.request_deadline):  # real time: a host trickling its answer is real
                return await self._read(url)
        except TimeoutError:
            raise Unreachable(
                url, f"did not send its whole answer within {self.request_deadline:g} s (it came too slowly)"
            ) from None
        except httpx.HTTPError as error:
            raise Unreachable(url, f"could not be reached ({type(error).__name__})") from None

    async def _read(self, url: str) -> Answer:
        async with self.http.stream("GET", url) as response:
            location = response.headers.get("Location")
            if location is not None and len(location) > LOCATION_LIMIT:
                raise Unreachable(
                    url,
                    f"answered a redirect {len(location):,} characters long (no sign-in sends one over "
                    f"{LOCATION_LIMIT:,}): it is not answering as a sign-in service",
                )
            body = b""
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) >= PAGE_LIMIT:
                    break
            return Answer(response.status_code, location, response.headers.get("Content-Type", ""), body[:PAGE_LIMIT])

    # The run

    async def run(self) -> Verification:
        deadline = clock.monotonic() + self.timeout
        while True:
            attempt = await (self.external_id_attempt() if self.external_id else self.b2c_attempt())
            remaining = deadline - clock.monotonic()
            if attempt.not_yet is None or remaining <= 0:
                break
            pause = min(RETRY_SECONDS, remaining)
            probe = attempt.results[attempt.fault_index()].probe
            self.emit(ProbeRetrying(probe, f"{attempt.not_yet}, retrying in {pause:g} s", pause))
            await clock.sleep(pause)
        results = list(attempt.results)
        if attempt.not_yet is not None:
            index = attempt.fault_index()
            results[index] = self.still_not_serving(results[index])
        results.append(await self.third_probe(attempt, results))
        for result in results:
            self.emit(result)
        return Verification(tuple(results))

    def still_not_serving(self, result: ProbeChecked) -> ProbeChecked:
        """A probe still not served once the budget is spent: its fault, the wait said in what was seen."""
        waited = f" (still so after {self.timeout:g} s of retries)" if self.timeout else ""
        return dataclasses.replace(result, seen=result.seen + waited)

    async def third_probe(self, attempt: Attempt, results: list[ProbeChecked]) -> ProbeChecked:
        if self.external_id:
            return self.asignio_not_checked()
        title = "Asignio accepts that request"
        expected = "Asignio's sign-in (no OAuth error)"
        failed = next((result for result in results if result.status is not ProbeStatus.PASSED), None)
        if failed is not None or attempt.location is None:
            reason = failed.title if failed is not None else "the probe before it"
            return ProbeChecked(
                ASIGNIO_ACCEPTS, title, ProbeStatus.NOT_CHECKED, expected, f"not checked: {reason} failed"
            )
        return await self.asignio_accepts(attempt.location, title, expected)

    # Azure AD B2C

    def b2c_metadata_url(self) -> str:
        return f"{self.login_root}/{self.answers.tenant.domain}/{self.policy}/v2.0/.well-known/openid-configuration"

    def b2c_authorize_url(self, domain_hint: str) -> str:
        query = urlencode(
            {
                "client_id": self.app_id,
                "redirect_uri": self.answers.test_app.redirect_uri,
                "scope": "openid",
                "response_type": "id_token",
                "nonce": secrets.token_hex(8),
                "prompt": "login",
                "domain_hint": domain_hint,
            }
        )
        return f"{self.login_root}/{self.answers.tenant.domain}/{self.policy}/oauth2/v2.0/authorize?{query}"

    async def b2c_attempt(self) -> Attempt:
        not_yet = f"B2C does not serve {self.policy} yet"
        serves, answered = await self.metadata_probe(
            POLICY_SERVES, f"B2C serves {self.policy}", self.b2c_metadata_url(), not_yet
        )
        if serves.status is not ProbeStatus.PASSED:
            retry = not_yet if answered is not None and answered != 200 else None
            return Attempt([serves, self.not_checked_after(SENDS_TO_ASIGNIO, serves)], retry)
        return await self.sends_to_asignio(serves)

    def not_checked_after(self, probe: str, failed: ProbeChecked) -> ProbeChecked:
        title = (
            "External ID shows its sign-in page for the test app"
            if probe == AUTHORIZE_PAGE
            else "B2C sends users to Asignio with the right request"
        )
        return ProbeChecked(probe, title, ProbeStatus.NOT_CHECKED, "", f"not checked: {failed.title} failed")

    async def metadata_probe(self, probe: str, title: str, url: str, not_yet: str) -> tuple[ProbeChecked, int | None]:
        """Probe 1: 200 with an OpenID metadata document whose issuer is the tenant's; with the HTTP status seen
        (None: the host could not be reached)."""
        expected = f"HTTP 200 with OpenID metadata whose issuer is {self.answers.tenant.domain}'s"
        host = login_host(self.answers)
        try:
            answer = await self.get(url)
        except Unreachable as error:
            return ProbeChecked(probe, title, ProbeStatus.UNREACHABLE, expected, str(error), NETWORK_FIX, url), None
        return self.metadata_result(probe, title, url, not_yet, expected, host, answer), answer.status

    def metadata_result(
        self, probe: str, title: str, url: str, not_yet: str, expected: str, host: str, answer: Answer
    ) -> ProbeChecked:
        if answer.status != 200:
            status = ProbeStatus.UNREACHABLE if answer.status >= 500 else ProbeStatus.FAILED
            subject = f"the user flow {self.policy}" if self.answers.setup.pivot is Pivot.USER_FLOW else self.policy
            fix = (
                f"{host} did not answer as a working service: run asignio-setup verify again later"
                if status is ProbeStatus.UNREACHABLE
                else f"{not_yet}: run the setup again (asignio-setup --non-interactive ANSWERS.toml), which puts "
                f"{subject} back; a policy just uploaded can take minutes to serve (--verify-timeout waits longer)"
            )
            if self.external_id and status is ProbeStatus.FAILED:
                fix = f"check that {self.answers.tenant.domain} is an External ID tenant and its name is right"
            code = answer.error_code()
            return ProbeChecked(
                probe, title, status, expected, f"HTTP {answer.status}" + (f" ({code})" if code else ""), fix, url
            )
        document = answer.json_object() or {}
        problem = issuer_problem(document.get("issuer"), self.answers) if document else "the answer is not JSON"
        if problem is None:
            return ProbeChecked(
                probe, title, ProbeStatus.PASSED, expected, f"issuer {_quote(str(document['issuer']))}", url=url
            )
        return ProbeChecked(
            probe,
            title,
            ProbeStatus.FAILED,
            expected,
            problem,
            f"{host} is not answering as {self.answers.tenant.domain}'s sign-in: check [tenant] name "
            f"(and {LOGIN_URL_ENV}, when set)",
            url,
        )

    async def configured_endpoint(self) -> tuple[str, str] | ProbeChecked:
        """The Asignio authorization endpoint the tool configured and the domain hint that picks Asignio: the claims
        provider's (custom policy), or the provider's discovery document and domain hint (user flow)."""
        if self.answers.setup.pivot is Pivot.CUSTOM_POLICY:
            from wizard.policies import asignio_claims_provider  # the policy engine (lxml): custom policies only

            provider = asignio_claims_provider()
            return provider.authorization_endpoint, provider.domain
        title = "B2C sends users to Asignio with the right request"
        url = self.answers.asignio.metadata_url
        expected = "Asignio's discovery document naming its authorization_endpoint"
        try:
            document = await fetch_discovery(url)
        except ServiceError as error:
            return ProbeChecked(SENDS_TO_ASIGNIO, title, ProbeStatus.UNREACHABLE, expected, error.what, error.fix, url)
        endpoint = document.get("authorization_endpoint")
        if not isinstance(endpoint, str) or not endpoint:
            return ProbeChecked(
                SENDS_TO_ASIGNIO,
                title,
                ProbeStatus.FAILED,
                expected,
                f"{url} has no authorization_endpoint",
                "ask Asignio to publish it, or check [asignio] metadata_url",
                url,
            )
        return endpoint, self.answers.asignio.domain_hint

    async def sends_to_asignio(self, serves: ProbeChecked) -> Attempt:
        """Probe 2: the authorize request with domain_hint answers a redirect to Asignio carrying the right request."""
        title = "B2C sends users to Asignio with the right request"
        configured = await self.configured_endpoint()
        if isinstance(configured, ProbeChecked):
            return Attempt([serves, configured])
        endpoint, domain_hint = configured
        client_id = self.answers.asignio.client_id
        redirect_uri = redirect_uri_at_asignio(self.answers)
        expected = (
            f"a redirect to {endpoint} with client_id={client_id}, redirect_uri={redirect_uri}, response_type=code "
            "and openid in the scope"
        )
        url = self.b2c_authorize_url(domain_hint)
        try:
            answer = await self.get(url)
        except Unreachable as error:
            return Attempt([serves, self.b2c_fault(title, expected, str(error), NETWORK_FIX, url, unreachable=True)])
        if answer.status >= 400:
            code = answer.error_code()
            seen = f"HTTP {answer.status}" + (f" ({code})" if code else "") + f": {_quote(answer.words())}"
            fix = (
                f"B2C refused the test app's sign-in request: run the setup again, which registers the test app "
                f"{self.app_id} with {self.answers.test_app.redirect_uri}"
            )
            fault = self.b2c_fault(title, expected, seen, fix, url, unreachable=answer.status >= 500)
            return Attempt([serves, fault], f"B2C does not take the sign-in request for {self.policy} yet")
        if answer.location is None or not 300 <= answer.status < 400:
            code = answer.error_code()
            seen = f"HTTP {answer.status}: B2C showed its own page" + (f" ({code})" if code else "")
            return Attempt([serves, self.b2c_fault(title, expected, seen, self.no_asignio_fix(domain_hint), url)])
        location = urljoin(url, answer.location)
        parameters = _parameters(location)
        if not _same_endpoint(location, endpoint):
            if "error" in parameters:
                seen = (
                    f"B2C sent the browser back with error {_quote(parameters['error'])}: "
                    f"{_quote(parameters.get('error_description', ''))}"
                )
                fix = f"run the setup again, which registers the test app {self.app_id} as B2C needs it"
            else:
                seen = f"a redirect to {_quote(_endpoint(location))}"
                fix = self.no_asignio_fix(domain_hint)
            return Attempt([serves, self.b2c_fault(title, expected, seen, fix, url)])
        problems = self.request_problems(parameters, client_id, redirect_uri)
        if problems:
            seen, fix = problems
            return Attempt([serves, self.b2c_fault(title, expected, seen, fix, url)])
        passed = ProbeChecked(
            SENDS_TO_ASIGNIO,
            title,
            ProbeStatus.PASSED,
            expected,
            f"a redirect to {_quote(_endpoint(location))} with client_id={client_id}, redirect_uri={redirect_uri}, "
            f"response_type=code, scope={_quote(parameters['scope'])}",
            url=url,
        )
        return Attempt([serves, passed], location=location)

    def b2c_fault(
        self, title: str, expected: str, seen: str, fix: str, url: str, *, unreachable: bool = False
    ) -> ProbeChecked:
        status = ProbeStatus.UNREACHABLE if unreachable else ProbeStatus.FAILED
        return ProbeChecked(SENDS_TO_ASIGNIO, title, status, expected, seen, fix, url)

    def no_asignio_fix(self, domain_hint: str) -> str:
        if self.answers.setup.pivot is Pivot.USER_FLOW:
            return (
                f"the user flow {self.policy} must offer the Asignio provider with domain hint {domain_hint}: run the "
                "setup again, which attaches it"
            )
        return (
            f"{self.policy}'s journey must offer the Asignio claims provider with <Domain>{domain_hint}</Domain>: run "
            "the setup again, which uploads it to the extensions policy"
        )

    def request_problems(self, parameters: dict[str, str], client_id: str, redirect_uri: str) -> tuple[str, str] | None:
        """What is wrong with the request B2C sends Asignio, as (seen, fix); None when it is right."""
        where = (
            "the identity provider's Client ID"
            if self.answers.setup.pivot is Pivot.USER_FLOW
            else "the client_id of the Asignio claims provider in B2C_1A_TrustFrameworkExtensions"
        )
        sent = parameters.get("client_id", "")
        if sent.lower() != client_id.lower():
            return (
                f"client_id={_quote(sent)} (the answers' client id is {client_id})",
                f"{where} is {_quote(sent)}, not the answers' {client_id} (changed outside this tool?): run the "
                f"setup again to send {client_id}, or set [asignio] client_id to {_quote(sent)} if Asignio "
                "issued that one",
            )
        if parameters.get("redirect_uri") != redirect_uri:
            return (
                f"redirect_uri={_quote(parameters.get('redirect_uri', ''))}",
                f"Asignio must be sent {redirect_uri}: run the setup again (in a custom policy, "
                "UsePolicyInRedirectUri must be false)",
            )
        if parameters.get("response_type") != "code":
            return (
                f"response_type={_quote(parameters.get('response_type', ''))}",
                "Asignio is set up for the code flow: run the setup again, which sets response_type code",
            )
        if "openid" not in parameters.get("scope", "").split():
            return (
                f"scope={_quote(parameters.get('scope', ''))}",
                "the scope sent to Asignio must hold openid: run the setup again",
            )
        return None

    async def asignio_accepts(self, location: str, title: str, expected: str) -> ProbeChecked:
        """Probe 3: the request B2C sends, put to Asignio (its host replaced by ASIGNIO_SETUP_ASIGNIO_URL's)."""
        url = on_root(location, self.asignio_root)
        try:
            answer = await self.get(url)
        except Unreachable as unreachable:
            seen = str(unreachable)
            return ProbeChecked(ASIGNIO_ACCEPTS, title, ProbeStatus.UNREACHABLE, expected, seen, NETWORK_FIX, url)
        if answer.status >= 500:
            return ProbeChecked(
                ASIGNIO_ACCEPTS,
                title,
                ProbeStatus.UNREACHABLE,
                expected,
                f"HTTP {answer.status}",
                "Asignio's service did not answer as a working one: run asignio-setup verify again later",
                url,
            )
        sent_back = _parameters(urljoin(url, answer.location)) if answer.location else {}
        data = answer.json_object() if answer.status < 300 else None
        if 300 <= answer.status < 400 and "error" in sent_back:
            oauth_error = sent_back["error"]
            words = f"{oauth_error}: {sent_back.get('error_description', '')}".strip(": ")
        elif answer.status >= 400 or (data is not None and "error" in data):
            oauth_error = str((answer.json_object() or {}).get("error", ""))
            words = answer.words()
        else:
            seen = f"HTTP {answer.status}: Asignio shows its sign-in"
            return ProbeChecked(ASIGNIO_ACCEPTS, title, ProbeStatus.PASSED, expected, seen, url=url)
        return ProbeChecked(
            ASIGNIO_ACCEPTS,
            title,
            ProbeStatus.FAILED,
            expected,
            f"HTTP {answer.status}: Asignio refused it: {_quote(words)}",
            self.asignio_fix(oauth_error, words),
            url,
        )

    def asignio_fix(self, error: str, words: str) -> str:
        """What to change at Asignio's partner site, read from its OAuth error: the redirect URI, the client id."""
        client_id = self.answers.asignio.client_id
        redirect_uri = redirect_uri_at_asignio(self.answers)
        lowered = words.lower()
        if re.search(r"redirect[ _]?ur[il]", lowered):
            return f"register {redirect_uri} as a redirect URI of the Asignio application at Asignio's partner site"
        if error in CLIENT_ERRORS or "client" in lowered:
            return (
                f"the Client ID {client_id} is not one Asignio knows: check it at Asignio's partner site; if Asignio "
                "issued another, set [asignio] client_id to it and run the setup again"
            )
        return (
            f"check the Asignio application at Asignio's partner site (Client ID {client_id}, redirect URI "
            f"{redirect_uri}), then run asignio-setup verify again"
        )

    # Entra External ID

    async def external_id_attempt(self) -> Attempt:
        domain = self.answers.tenant.domain
        not_yet = f"External ID does not serve {domain} yet"
        serves, answered = await self.metadata_probe(
            TENANT_SERVES,
            f"External ID serves {domain}'s OpenID metadata",
            f"{self.login_root}/{domain}/v2.0/.well-known/openid-configuration",
            not_yet,
        )
        if serves.status is not ProbeStatus.PASSED:
            retry = not_yet if answered is not None and answered != 200 else None
            return Attempt([serves, self.not_checked_after(AUTHORIZE_PAGE, serves)], retry)
        page, answered = await self.authorize_page()
        retry = (
            "External ID does not take the test app's sign-in yet" if answered is not None and answered >= 400 else None
        )
        return Attempt([serves, page], retry if page.status is not ProbeStatus.PASSED else None)

    async def authorize_page(self) -> tuple[ProbeChecked, int | None]:
        """External ID's authorize endpoint answers the test app's request with its sign-in page, no error; with
        the HTTP status seen (None: not reached)."""
        title = "External ID shows its sign-in page for the test app"
        expected = "HTTP 200: the sign-in page, no AADSTS error"
        query = urlencode(
            {
                "client_id": self.app_id,
                "nonce": secrets.token_hex(8),
                "redirect_uri": self.answers.test_app.redirect_uri,
                "scope": "openid",
                "response_type": "id_token",
                "prompt": "login",
            }
        )
        url = f"{self.login_root}/{self.answers.tenant.domain}/oauth2/v2.0/authorize?{query}"
        try:
            answer = await self.get(url)
        except Unreachable as error:
            unreachable = ProbeStatus.UNREACHABLE
            return ProbeChecked(AUTHORIZE_PAGE, title, unreachable, expected, str(error), NETWORK_FIX, url), None
        return self.authorize_page_result(title, expected, url, answer), answer.status

    def authorize_page_result(self, title: str, expected: str, url: str, answer: Answer) -> ProbeChecked:
        code = answer.error_code()
        sent_back = _parameters(urljoin(url, answer.location)) if answer.location else {}
        if code is None and "error" not in sent_back and answer.status < 400:
            return ProbeChecked(
                AUTHORIZE_PAGE, title, ProbeStatus.PASSED, expected, f"HTTP {answer.status}: the sign-in page", url=url
            )
        status = ProbeStatus.UNREACHABLE if answer.status >= 500 else ProbeStatus.FAILED
        seen = f"HTTP {answer.status}" + (f" ({code})" if code else "") + f": {_quote(answer.words())}"
        look_up = f"; the code is explained at https://login.microsoftonline.com/error?code={code[6:]}" if code else ""
        fix = (
            f"External ID refused the test app {self.app_id}'s sign-in: run the setup again, which registers it with "
            f"{self.answers.test_app.redirect_uri} and links it to the user flow{look_up}"
        )
        return ProbeChecked(AUTHORIZE_PAGE, title, status, expected, seen, fix, url)

    def asignio_not_checked(self) -> ProbeChecked:
        return ProbeChecked(
            ASIGNIO_ACCEPTS,
            "Asignio accepts External ID's request",
            ProbeStatus.NOT_CHECKED,
            "what External ID sends Asignio once Asignio is chosen",
            "not checked: Microsoft documents no parameter that sends an External ID sign-in straight to a custom "
            "OpenID Connect provider, so the request Asignio gets is only sent after a person picks Asignio",
            "open the Run-now URL, choose Asignio, and see Asignio's sign-in; Asignio must know the redirect URIs the "
            "setup printed",
        )


async def verify_sign_in(
    answers: Answers,
    app_id: str,
    emit: Callable[[ProbeChecked | ProbeRetrying], None],
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    request_deadline: float = REQUEST_DEADLINE_SECONDS,
    login_root: str | None = None,
    asignio_root: str | None = None,
) -> Verification:
    """Probe the sign-in of the answers' setup for the test app `app_id`; each probe's result is emitted once final.
    `timeout` is the budget for a policy that does not serve yet, `request_deadline` each request's for its whole
    answer. `login_root` and `asignio_root` stand in for the real hosts (the demo's simulator); unset, the
    environment's overrides or the real hosts are used. Raises BadInputError for an override that is not allowed."""
    import httpx

    root = login_root or configured_login_root(answers)
    stand_in = asignio_root if asignio_root is not None else configured_asignio_root()
    headers = {"Accept": "application/json, text/html", "Accept-Encoding": "identity"}
    tls = await verifying_context()
    async with httpx.AsyncClient(timeout=request_deadline, follow_redirects=False, headers=headers, verify=tls) as http:
        probes = SignInProbes(
            answers,
            app_id,
            http,
            emit,
            login_root=root,
            asignio_root=stand_in,
            timeout=timeout,
            request_deadline=request_deadline,
        )
        return await probes.run()
