"""Whether an OpenID discovery document lets Entra External ID federate with the provider, read before any write.

The required fields and the client authentication methods External ID accepts are those recorded in
../shared/notes/external-id.md (from Microsoft's custom OIDC federation article for external tenants):
client_secret_basic is refused, so the document must offer client_secret_post, client_secret_jwt or
private_key_jwt.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
"""How long the document may take to arrive: it is one small JSON file."""
DISCOVERY_SIZE_LIMIT = 256 * 1024
"""Discovery documents are a few kilobytes; anything far bigger is not one."""


async def fetch_discovery(url: str) -> dict[str, Any]:
    """The discovery document at `url`, parsed; an unreachable URL or an answer that is not a JSON object is a
    resumable ServiceError (exit 6) naming the URL. Redirects are not followed: the answers name the document."""
    import httpx

    from wizard.errors import ServiceError

    fix = "check [asignio] metadata_url and the network (a proxy, a firewall), then run again"
    try:
        async with httpx.AsyncClient(timeout=DISCOVERY_DEADLINE_SECONDS, follow_redirects=False) as client:
            response = await client.get(url, headers={"Accept": "application/json"})
    except httpx.HTTPError as error:
        raise ServiceError(f"The discovery document {url} could not be read ({type(error).__name__})", fix) from None
    if response.status_code != 200:
        raise ServiceError(f"The discovery document {url} answered HTTP {response.status_code}", fix)
    if len(response.content) > DISCOVERY_SIZE_LIMIT:
        raise ServiceError(f"The discovery document {url} is larger than {DISCOVERY_SIZE_LIMIT} bytes", fix)
    try:
        document = response.json()
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise ServiceError(f"The discovery document {url} is not a JSON object", fix)
    return document
