"""Whether an OpenID discovery document lets Entra External ID federate with the provider, read before any write.

The required fields and the client authentication methods External ID accepts are those recorded in
../shared/notes/external-id.md (from Microsoft's custom OIDC federation article for external tenants):
client_secret_basic is refused, so the document must offer client_secret_post, client_secret_jwt or
private_key_jwt.

The document comes from outside and is trusted no further than the rules recorded in
../shared/notes/ownership-and-verify.md: it is read with a byte limit and one overall deadline, every endpoint in it
is https (plain http only on this machine, for tests and the demo), no value is longer than a URL can sanely be or
holds a control character, and its issuer is on the host the document was fetched from. OpenID Connect Discovery 1.0
section 4.3 asks more: the issuer identical to the metadata URL minus `/.well-known/openid-configuration`. The tool
holds it to the same scheme, host and port and lets the path differ, because providers in use publish documents
whose issuer path is not their metadata path (Azure AD B2C's own: metadata under `/{tenant}/{policy}/v2.0/`, issuer
`/{tenant id}/v2.0/`) and External ID takes them; what must not pass is a document on one host that names an issuer
on another.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from wizard.answers import LOOPBACK_HOSTS
from wizard.errors import ServiceError, shown
from wizard.outgoing import printable
from wizard.tls import verifying_context

REQUIRED_TEXT_FIELDS = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
ACCEPTED_CLIENT_AUTHENTICATION = ("client_secret_post", "client_secret_jwt", "private_key_jwt")


def federation_blockers(document: Mapping[str, Any]) -> list[str]:
    """Each field of `document` that stops External ID from federating, as a phrase naming the field and what to
    ask the provider for; empty when federation can go ahead."""
    blockers = [
        f"it has no {name} (ask Asignio to publish it)"
        for name in REQUIRED_TEXT_FIELDS
        if not isinstance(document.get(name), str) or not document[name]
    ]
    if "code" not in _texts(document.get("response_types_supported")):
        blockers.append("its response_types_supported lacks code (ask Asignio to allow the authorization code flow)")
    if not _texts(document.get("subject_types_supported")):
        blockers.append("it has no subject_types_supported (ask Asignio to publish it)")
    methods = _texts(document.get("token_endpoint_auth_methods_supported"))
    if not any(method in methods for method in ACCEPTED_CLIENT_AUTHENTICATION):
        offered = ", ".join(methods) or "none"
        blockers.append(
            f"its token_endpoint_auth_methods_supported offers {offered}, and External ID needs one of "
            f"{', '.join(ACCEPTED_CLIENT_AUTHENTICATION)} (ask Asignio to enable client_secret_post)"
        )
    return blockers


def _texts(value: object) -> list[str]:
    """The strings of a JSON array; anything else counts as empty."""
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


DISCOVERY_DEADLINE_SECONDS = 15.0
"""How long the whole document may take to arrive, connecting and reading together: it is one small JSON file."""
DISCOVERY_SIZE_LIMIT = 256 * 1024
"""Discovery documents are a few kilobytes; anything far bigger is not one, and is not read past this."""
LONGEST_VALUE = 2048
"""The longest text a value may hold: a URL longer than this is no endpoint a provider publishes."""
DEFAULT_PORTS = {"https": 443, "http": 80}


def untrusted_fields(document: Mapping[str, Any], metadata_url: str) -> list[str]:
    """Each value of `document` that cannot be trusted, as a phrase naming its field: over the length limit or with
    a control character (in any text the document holds, alone or in a list), an endpoint that is not https (http
    only on loopback), an issuer on another host than the document's. Empty when nothing stands out."""
    problems: dict[str, str] = {}
    for name, value in document.items():
        field = shown(name)[1:-1]
        texts = [value] if isinstance(value, str) else _texts(value)
        hostile = next((text for text in texts if printable(text) != text), None)
        if any(len(text) > LONGEST_VALUE for text in texts):
            problems[name] = f"its {field} is longer than {LONGEST_VALUE} characters"
        elif hostile is not None:
            problems[name] = f"its {field} holds control characters ({shown(hostile)})"
        elif isinstance(value, str) and _is_endpoint(name) and not _secure(value):
            problems[name] = f"its {field} {shown(value)} is not an https:// URL"
    issuer = document.get("issuer")
    if isinstance(issuer, str) and "issuer" not in problems and _origin(issuer) != _origin(metadata_url):
        problems["issuer"] = (
            f"its issuer {shown(issuer)} is not on the host the document was read from ({_host(metadata_url)}), "
            "as OpenID Connect Discovery requires"
        )
    return list(problems.values())


def _is_endpoint(name: str) -> bool:
    return name == "issuer" or name.endswith(("_endpoint", "_uri"))


def _secure(url: str) -> bool:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return bool(parts.hostname) and (scheme == "https" or (scheme == "http" and parts.hostname in LOOPBACK_HOSTS))


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or DEFAULT_PORTS.get(scheme)
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port


def _host(url: str) -> str:
    return urlsplit(url).netloc


async def fetch_discovery(url: str, *, deadline: float = DISCOVERY_DEADLINE_SECONDS) -> dict[str, Any]:
    """The discovery document at `url`, parsed; an unreachable URL, an answer that is not a JSON object, one larger
    than the limit (never read past it) or one still arriving at `deadline` is a resumable ServiceError (exit 6)
    naming the URL. Redirects are not followed: the answers name the document."""
    fix = "check [asignio] metadata_url and the network (a proxy, a firewall), then run again"
    try:
        async with asyncio.timeout(deadline):
            body = await _read_limited(url, fix, deadline)
    except TimeoutError:
        raise ServiceError(
            f"The discovery document {url} did not arrive within {deadline:g} s (the server kept it coming too slowly)",
            fix,
        ) from None
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        document = None
    if not isinstance(document, dict):
        raise ServiceError(f"The discovery document {url} is not a JSON object", fix)
    return document


async def _read_limited(url: str, fix: str, deadline: float) -> bytes:
    """The body at `url`, read chunk by chunk and given up as soon as it passes the size limit."""
    import httpx

    headers = {"Accept": "application/json", "Accept-Encoding": "identity"}
    too_large = ServiceError(f"The discovery document {url} is larger than {DISCOVERY_SIZE_LIMIT} bytes", fix)
    tls = await verifying_context()
    try:
        async with (
            httpx.AsyncClient(timeout=deadline, follow_redirects=False, verify=tls) as client,
            client.stream("GET", url, headers=headers) as response,
        ):
            if response.status_code != 200:
                raise ServiceError(f"The discovery document {url} answered HTTP {response.status_code}", fix)
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > DISCOVERY_SIZE_LIMIT:
                raise too_large
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > DISCOVERY_SIZE_LIMIT:
                    raise too_large
            return bytes(body)
    except httpx.HTTPError as error:
        raise ServiceError(f"The discovery document {url} could not be read ({type(error).__name__})", fix) from None
