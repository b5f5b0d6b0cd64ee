"""The sign-in hosts a browser meets, `{tenant}.b2clogin.com` and `{tenant}.ciamlogin.com`, for a simulated tenant:
its OpenID metadata and its authorize endpoint, answered from what the tenant holds right now.

Written from B2C's and Entra's public behaviour, not from the tool's probes (`wizard.verify`), so a shared mistake
cannot pass both: the relying party found among the uploaded policies, its journey's claims exchanges, the claims
provider whose `<Domain>` matches `domain_hint` (direct-signin.md) and that technical profile's metadata merged over
the base chain; for a user flow, the attached OpenID Connect provider whose `domainHint` matches and the
`authorization_endpoint` of the discovery document at its `metadataUrl` (read like B2C does, but only on this
machine: the simulator has no network). The redirect URI sent to the provider is the partner article's
`https://{tenant}.b2clogin.com/{tenant}.onmicrosoft.com/oauth2/authresp`.

The status of B2C's answer for a policy it does not have, and the wording of its error pages, are not documented:
404 and 400 pages quoting B2C's error codes (AADB2C90006, AADB2C90018) and Entra's (AADSTS50011, AADSTS700016).
"""

from __future__ import annotations

import html
import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from lxml import etree

from wizard.simulator.endpoints.core import GraphResponse
from wizard.simulator.external_id import is_external_tenant
from wizard.simulator.rules import PolicyRejected, ancestors, base_policy_id, parse_policy
from wizard.simulator.tenant import SimulatedTenant, find_key, settled

OIDC_PROVIDER_TYPE = "#microsoft.graph.openIdConnectIdentityProvider"
METADATA_PATH = ("v2.0", ".well-known", "openid-configuration")
AUTHORIZE_PATH = ("oauth2", "v2.0", "authorize")
TRUE_VALUES = ("true", "1")

FetchDocument = Callable[[str], Mapping[str, Any] | None]
"""Reads a provider's discovery document (None: it could not be read)."""


@dataclass(frozen=True)
class SeenRequest:
    """A request as it reached a stand-in host, every byte of it that a secret could hide in."""

    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def holds(self, text: str) -> bool:
        return text in self.target or any(text in value for _, value in self.headers) or text.encode() in self.body


@dataclass(frozen=True)
class LoginResponse(GraphResponse):
    """A sign-in host's answer: a page unless it says otherwise."""

    content_type: str = "text/html; charset=utf-8"


def _page(status: int, message: str) -> LoginResponse:
    text = html.escape(message)
    return LoginResponse(status, f"<!DOCTYPE html><html><body><p>{text}</p></body></html>".encode())


def _document(data: dict[str, Any]) -> LoginResponse:
    return LoginResponse(200, json.dumps(data).encode(), "application/json")


def _local(element: etree._Element) -> str:
    return str(etree.QName(element).localname)


def _children(parent: etree._Element, name: str) -> list[etree._Element]:
    return [child for child in parent if isinstance(child.tag, str) and _local(child) == name]


def _descendants(root: etree._Element, name: str) -> list[etree._Element]:
    return [element for element in root.iter() if isinstance(element.tag, str) and _local(element) == name]


def answer(
    tenant: SimulatedTenant,
    segments: list[str],
    query: Mapping[str, str],
    fetch: FetchDocument,
    lag: float = 0.0,
) -> LoginResponse:
    """The b2clogin/ciamlogin answer for `tenant`; `segments`: the path after the tenant segment."""
    if is_external_tenant(tenant):
        if tuple(segments) == METADATA_PATH:
            return _document(ciam_metadata(tenant))
        if tuple(segments) == AUTHORIZE_PATH:
            return ciam_authorize(tenant, query, lag)
        return _page(404, "The page you are looking for cannot be found.")
    policy, rest = _b2c_request(segments, query)
    if rest == METADATA_PATH:
        if served_policy(tenant, policy, lag) is None:
            return not_served(tenant, policy)
        return _document(b2c_metadata(tenant, policy.lower()))
    if rest == AUTHORIZE_PATH:
        return b2c_authorize(tenant, policy, query, fetch, lag)
    return _page(404, "The page you are looking for cannot be found.")


def _b2c_request(segments: list[str], query: Mapping[str, str]) -> tuple[str, tuple[str, ...]]:
    """The policy a B2C sign-in request names (in the path, or as `p`) and the path after it."""
    policy = query.get("p") or ""
    rest = tuple(segments)
    if rest not in (METADATA_PATH, AUTHORIZE_PATH) and segments:
        policy, rest = segments[0], tuple(segments[1:])
    return policy, rest


def metadata_policy(tenant: SimulatedTenant, segments: list[str], query: Mapping[str, str]) -> str | None:
    """The policy whose B2C metadata the request asks for; None for any other request."""
    if is_external_tenant(tenant):
        return None
    policy, rest = _b2c_request(segments, query)
    return policy if rest == METADATA_PATH else None


def not_served(tenant: SimulatedTenant, policy: str) -> LoginResponse:
    """B2C's answer for the metadata of a policy it does not serve."""
    return _page(404, f"The policy '{policy}' does not exist in the tenant '{tenant.domain}'.")


def served_policy(tenant: SimulatedTenant, policy: str, lag: float) -> str | None:
    """The stored id of a relying party or user flow named `policy` (B2C ids ignore case), or None."""
    user_flow = find_key(tenant.user_flows, policy)
    if user_flow is not None:
        return user_flow if settled(tenant.user_flows[user_flow], lag) else None
    stored = find_key(tenant.policies, policy)
    if stored is None:
        return None
    try:
        root = parse_policy(tenant.policies[stored])
    except PolicyRejected:
        return None
    return stored if _children(root, "RelyingParty") else None


def b2c_metadata(tenant: SimulatedTenant, policy: str) -> dict[str, Any]:
    """As B2C's openid-connect.md shows a policy's metadata: the issuer by tenant id on the b2clogin host."""
    host = f"https://{tenant.name}.b2clogin.com"
    base = f"{host}/{tenant.domain}/{policy}"
    return {
        "issuer": f"{host}/{tenant.organization_id}/v2.0/",
        "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
        "token_endpoint": f"{base}/oauth2/v2.0/token",
        "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
        "jwks_uri": f"{base}/discovery/v2.0/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "response_types_supported": ["code", "code id_token", "code token", "code id_token token", "id_token"],
        "scopes_supported": ["openid"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "claims_supported": ["name", "given_name", "family_name", "email", "sub", "idp", "tid", "iss", "iat"],
    }


def ciam_metadata(tenant: SimulatedTenant) -> dict[str, Any]:
    """An external tenant's metadata: the issuer on the tenant id's own ciamlogin host."""
    tenant_id = tenant.organization_id
    base = f"https://{tenant.name}.ciamlogin.com/{tenant_id}"
    return {
        "issuer": f"https://{tenant_id}.ciamlogin.com/{tenant_id}/v2.0",
        "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
        "token_endpoint": f"{base}/oauth2/v2.0/token",
        "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
        "jwks_uri": f"{base}/discovery/v2.0/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
    }


def _application(tenant: SimulatedTenant, app_id: str, lag: float) -> dict[str, Any] | None:
    return next(
        (
            app
            for app in tenant.applications.values()
            if str(app.get("appId", "")).lower() == app_id.lower() and settled(app, lag)
        ),
        None,
    )


def _redirect_uris(app: Mapping[str, Any]) -> list[str]:
    web = app.get("web") or {}
    uris = web.get("redirectUris") if isinstance(web, dict) else None
    return [uri for uri in uris if isinstance(uri, str)] if isinstance(uris, list) else []


def _requesting_app(
    tenant: SimulatedTenant,
    query: Mapping[str, str],
    lag: float,
    *,
    unknown: Callable[[str], str],
    unregistered: Callable[[str, str], str],
) -> dict[str, Any] | LoginResponse:
    """The application an authorize request names, or the error page the request gets, in the platform's own words,
    for a client the tenant does not know (`unknown(client_id)`) or a reply URL the client does not list
    (`unregistered(client_id, redirect_uri)`)."""
    client_id = query.get("client_id", "")
    app = _application(tenant, client_id, lag)
    if app is None:
        return _page(400, unknown(client_id))
    redirect_uri = query.get("redirect_uri", "")
    if redirect_uri not in _redirect_uris(app):
        return _page(400, unregistered(client_id, redirect_uri))
    return app


def b2c_authorize(
    tenant: SimulatedTenant, policy: str, query: Mapping[str, str], fetch: FetchDocument, lag: float
) -> LoginResponse:
    """B2C's authorize: the policy, the client and its reply URL first; then, with a `domain_hint` one provider of
    the journey answers, a redirect to that provider; without one, B2C's own sign-in page."""
    stored = served_policy(tenant, policy, lag)
    if stored is None:
        return _page(400, f"The policy '{policy}' does not exist in the tenant '{tenant.domain}'.")
    app = _requesting_app(
        tenant,
        query,
        lag,
        unknown=lambda client_id: (
            f"AADB2C90018: The client id '{client_id}' specified in the request is not registered in tenant "
            f"'{tenant.domain}'."
        ),
        unregistered=lambda client_id, redirect_uri: (
            f"AADB2C90006: The redirect URI '{redirect_uri}' provided in the request is not registered for the client "
            f"id '{client_id}'."
        ),
    )
    if isinstance(app, LoginResponse):
        return app
    hint = query.get("domain_hint", "")
    if find_key(tenant.user_flows, stored) is not None:
        request = _user_flow_request(tenant, stored, hint, fetch)
    else:
        request = _claims_provider_request(tenant, stored, hint)
    if request is None:
        return _page(200, f"Sign in to {tenant.display_name}")
    return LoginResponse(302, headers={"Location": request})


def _authresp(tenant: SimulatedTenant, policy: str | None = None) -> str:
    middle = f"/{policy.lower()}" if policy else ""
    return f"https://{tenant.name}.b2clogin.com/{tenant.domain}{middle}/oauth2/authresp"


def _user_flow_request(tenant: SimulatedTenant, flow_id: str, hint: str, fetch: FetchDocument) -> str | None:
    flow = tenant.user_flows[flow_id]
    for provider_id in flow.get("_providers", []):
        provider = tenant.identity_providers.get(provider_id)
        if provider is None or provider.get("@odata.type") != OIDC_PROVIDER_TYPE:
            continue
        if not hint or str(provider.get("domainHint", "")).lower() != hint.lower():
            continue
        document = fetch(str(provider.get("metadataUrl", "")))
        endpoint = document.get("authorization_endpoint") if document is not None else None
        if not isinstance(endpoint, str):
            return None
        parameters = {
            "client_id": provider.get("clientId", ""),
            "redirect_uri": _authresp(tenant),
            "response_type": provider.get("responseType", "code"),
            "scope": provider.get("scope", ""),
            "response_mode": provider.get("responseMode", "form_post"),
            "nonce": secrets.token_hex(8),
            "state": "StateProperties=" + secrets.token_urlsafe(24),
        }
        return f"{endpoint}?{urlencode(parameters)}"
    return None


def _chain(tenant: SimulatedTenant, policy_id: str) -> list[etree._Element]:
    """The relying party and its bases, base first; a stored policy that no longer parses is left out."""
    roots = []
    rp = parse_policy(tenant.policies[policy_id])
    for content in ancestors(tenant, base_policy_id(rp)).values():
        try:
            roots.append(parse_policy(content))
        except PolicyRejected:
            continue
    return [*roots, rp]


def _claims_provider_request(tenant: SimulatedTenant, policy_id: str, hint: str) -> str | None:
    """The provider the relying party's journey offers whose `<Domain>` is the hint, as the redirect B2C sends."""
    if not hint:
        return None
    chain = _chain(tenant, policy_id)
    relying_party = _descendants(chain[-1], "RelyingParty")[0]
    journeys = _children(relying_party, "DefaultUserJourney")
    journey_id = journeys[0].get("ReferenceId") if journeys else None
    journey = None
    for policy in chain:
        for candidate in _descendants(policy, "UserJourney"):
            if candidate.get("Id") == journey_id:
                journey = candidate
    if journey is None:
        return None
    exchanged = {exchange.get("TechnicalProfileReferenceId") for exchange in _descendants(journey, "ClaimsExchange")}
    profile_id = None
    for policy in chain:
        for provider in _descendants(policy, "ClaimsProvider"):
            domains = _children(provider, "Domain")
            if not domains or (domains[0].text or "").strip().lower() != hint.lower():
                continue
            for profile in _descendants(provider, "TechnicalProfile"):
                if profile.get("Id") in exchanged:
                    profile_id = profile.get("Id")
    if profile_id is None:
        return None
    items: dict[str, str] = {}
    protocol = ""
    for policy in chain:
        for profile in _descendants(policy, "TechnicalProfile"):
            if profile.get("Id") != profile_id:
                continue
            for element in _children(profile, "Protocol"):
                protocol = element.get("Name") or protocol
            for item in _descendants(profile, "Item"):
                items[item.get("Key") or ""] = (item.text or "").strip()
    endpoint = items.get("authorization_endpoint")
    if not endpoint:
        return None
    with_policy = items.get("UsePolicyInRedirectUri", "").lower() in TRUE_VALUES
    parameters = {
        "client_id": items.get("client_id", ""),
        "redirect_uri": _authresp(tenant, policy_id if with_policy else None),
        "response_type": items.get("response_types", "code"),
        "scope": items.get("scope", "openid" if protocol.lower() == "openidconnect" else ""),
        "state": "StateProperties=" + secrets.token_urlsafe(24),
    }
    if protocol.lower() == "openidconnect":
        parameters["response_mode"] = items.get("response_mode", "form_post")
        parameters["nonce"] = secrets.token_hex(8)
    return f"{endpoint}?{urlencode(parameters)}"


def ciam_authorize(tenant: SimulatedTenant, query: Mapping[str, str], lag: float) -> LoginResponse:
    """External ID's authorize: the app and its reply URL, then the sign-in page of the flow the app is linked to."""
    app = _requesting_app(
        tenant,
        query,
        lag,
        unknown=lambda client_id: (
            f"AADSTS700016: Application with identifier '{client_id}' was not found in the directory "
            f"'{tenant.display_name}'."
        ),
        unregistered=lambda client_id, redirect_uri: (
            f"AADSTS50011: The redirect URI '{redirect_uri}' specified in the request does not match the redirect "
            f"URIs configured for the application '{client_id}'."
        ),
    )
    if isinstance(app, LoginResponse):
        return app
    offered = [
        str(tenant.identity_providers[provider_id].get("displayName", ""))
        for flow in tenant.authentication_events_flows.values()
        if str(app.get("appId")) in flow.get("_apps", [])
        for provider_id in flow.get("_providers", [])
        if provider_id in tenant.identity_providers
    ]
    return _page(200, f"Sign in to {tenant.display_name}: {', '.join(offered) or 'email'}")
