"""Credentials for Microsoft Graph, one per sign-in method the answers can name.

azure-identity is imported only when a credential is built, so loading the wizard stays cheap. A token or a client
secret read here is remembered (wizard.outgoing) as it is read, so no text leaving the process carries it.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from wizard import clock
from wizard.answers import DEFAULT_ACCESS_TOKEN_ENV, AuthAnswers, SignInMethod, TenantAnswers
from wizard.clouds import ENDPOINTS, Cloud, graph_scope
from wizard.errors import SignInError
from wizard.outgoing import remember_secret
from wizard.permissions import DELEGATED_PERMISSIONS

ACCESS_TOKEN_ENV = DEFAULT_ACCESS_TOKEN_ENV
UNKNOWN_EXPIRY_SECONDS = 3600
SIGN_IN_CONNECT_TIMEOUT_SECONDS = 10.0
SIGN_IN_HTTP: dict[str, Any] = {"connection_timeout": SIGN_IN_CONNECT_TIMEOUT_SECONDS, "retry_total": 1}
"""azure-identity's HTTP to the sign-in host: a short connect deadline and one retry, so a machine that cannot reach
it hears so in seconds (azure-core's defaults, 300 s and 3 connect retries with backoff, kept an offline sign-in
going for a minute and more). The device-code wait for the operator is MSAL's own and not shortened by this."""

DeviceCodePrompt = Callable[[str, str, datetime], None]
QUIET = logging.NullHandler()
SecretLookup = Callable[[str], str | None]


def token_claims(token: str) -> dict[str, Any] | None:
    """The payload of a JWT-shaped token, unverified (only to describe it); None when it is not a JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (binascii.Error, ValueError, RecursionError):
        return None
    return claims if isinstance(claims, dict) else None


class Token(Protocol):
    """What the Graph layer reads of a token: azure-core's AccessToken and IssuedToken both have it."""

    @property
    def token(self) -> str: ...

    @property
    def expires_on(self) -> int: ...


class Credential(Protocol):
    """Anything that hands out Graph tokens: azure-identity's credentials, a given token, a test's stand-in."""

    def get_token(self, *scopes: str, **options: Any) -> Token: ...


class IssuedToken(NamedTuple):
    """A token as azure-core's AccessToken has it (the same two fields), without importing azure-core: a pipeline
    or demo run with a given token then never loads the Azure libraries (~70 ms of start-up)."""

    token: str
    expires_on: int


class StaticTokenCredential:
    """A TokenCredential for a token acquired elsewhere (a pipeline, the simulator); it cannot renew it."""

    def __init__(self, token: str) -> None:
        self._token = token
        claims = token_claims(token) or {}
        expiry = claims.get("exp")
        self._expires_on = expiry if isinstance(expiry, int) else int(clock.now().timestamp()) + UNKNOWN_EXPIRY_SECONDS

    def get_token(
        self,
        *scopes: str,
        claims: str | None = None,
        tenant_id: str | None = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> IssuedToken:
        return IssuedToken(self._token, self._expires_on)

    def close(self) -> None:
        """Nothing to release; present because TokenCredentials are closed by their owners."""

    def __repr__(self) -> str:
        return f"StaticTokenCredential(expires_on={self._expires_on})"


def resolve_method(auth: AuthAnswers) -> SignInMethod:
    """The method to use: the answers' choice; unset means a pre-acquired token when one is given, else device code."""
    if auth.method is not None:
        return auth.method
    return SignInMethod.ACCESS_TOKEN if os.environ.get(auth.access_token_env) else SignInMethod.DEVICE_CODE


def delegated_scopes(cloud: Cloud) -> list[str]:
    """The explicit Graph permissions a signed-in user consents to (for the real Graph, even when the URL is overridden)."""
    root = ENDPOINTS[cloud].graph_root
    return [f"{root}/{permission}" for permission in DELEGATED_PERMISSIONS]


def print_device_code(
    verification_uri: str, user_code: str, expires_on: datetime, *, tenant: str | None = None
) -> None:
    """The code on stderr; in a run of several tenants, `tenant` says which one it signs in to."""
    print(
        f"{tenant + ': ' if tenant else ''}To sign in, open {verification_uri} and enter the code {user_code} "
        f"(valid until {expires_on.astimezone():%H:%M}).",
        file=sys.stderr,
        flush=True,
    )


@dataclass(frozen=True)
class SignInSettings:
    """What the credential for the answers' sign-in is made from, decided before any library is imported."""

    method: SignInMethod
    tenant_id: str
    client_id: str
    authority: str
    """The cloud's sign-in host (azure-identity's `authority`)."""
    scopes: list[str]


def sign_in_settings(tenant: TenantAnswers, auth: AuthAnswers) -> SignInSettings:
    """The method, tenant, app, authority and scopes a sign-in uses: `.default` for app-only and pre-acquired
    tokens, explicit delegated permissions when a user consents."""
    method = resolve_method(auth)
    delegated = method in (SignInMethod.BROWSER, SignInMethod.DEVICE_CODE)
    scopes = delegated_scopes(tenant.cloud) if delegated else [graph_scope(tenant.cloud)]
    return SignInSettings(method, tenant.domain, auth.client_id, ENDPOINTS[tenant.cloud].authority_host, scopes)


def credential_for(
    tenant: TenantAnswers,
    auth: AuthAnswers,
    *,
    prompt: DeviceCodePrompt | None = None,
    secret_lookup: SecretLookup | None = None,
) -> tuple[Credential, list[str]]:
    """A credential and the scopes to ask it for, per the answers' sign-in method.

    `secret_lookup(client_id)` is asked for the client-secret method's secret when the environment
    variable named in the answers is not set (the keyring, usually).
    """
    settings = sign_in_settings(tenant, auth)
    method, tenant_id, client_id, authority = (
        settings.method,
        settings.tenant_id,
        settings.client_id,
        settings.authority,
    )
    if method is SignInMethod.ACCESS_TOKEN:
        name = auth.access_token_env
        token = os.environ.get(name)
        remember_secret(token)
        if not token:
            raise SignInError(
                f"the access-token sign-in method needs a token in {name}, and it is not set",
                f"export {name} with a Graph access token for {tenant_id}, or choose another [auth] method",
            )
        return StaticTokenCredential(token), settings.scopes
    # azure-identity logs each failed get_token as a WARNING, which with no handler Python prints raw on stderr
    # once per attempt; the Graph layer says the failure once, as a sentence.
    logging.getLogger("azure.identity").addHandler(QUIET)
    if method is SignInMethod.CLIENT_SECRET:
        secret = _client_secret(auth, secret_lookup)
        from azure.identity import ClientSecretCredential

        made = ClientSecretCredential(tenant_id, client_id, secret, authority=authority, **SIGN_IN_HTTP)
        return made, settings.scopes
    if method is SignInMethod.AZURE_CLI:
        from azure.identity import AzureCliCredential

        return AzureCliCredential(tenant_id=tenant_id), settings.scopes
    if method is SignInMethod.BROWSER:
        from azure.identity import InteractiveBrowserCredential

        browser = InteractiveBrowserCredential(
            tenant_id=tenant_id, client_id=client_id, authority=authority, **SIGN_IN_HTTP
        )
        return browser, settings.scopes
    from azure.identity import DeviceCodeCredential

    credential = DeviceCodeCredential(
        tenant_id=tenant_id,
        client_id=client_id,
        authority=authority,
        prompt_callback=prompt or print_device_code,
        **SIGN_IN_HTTP,
    )
    return credential, settings.scopes


def _client_secret(auth: AuthAnswers, secret_lookup: SecretLookup | None) -> str:
    name = auth.client_secret_env
    secret = os.environ.get(name) if name else None
    if not secret and secret_lookup is not None:
        secret = secret_lookup(auth.client_id)
    remember_secret(secret)
    if not secret:
        where = (
            f"the environment variable {name}" if name else "an environment variable named by [auth] client_secret_env"
        )
        raise SignInError(
            f"no client secret found for the sign-in app {auth.client_id}",
            f"put the app's secret in {where}, or store it in the OS keyring",
        )
    return secret
