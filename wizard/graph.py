"""The one facade over the Microsoft Graph beta SDK: one method per operation the steps need.

B2C's trust framework, user flows and OpenID Connect providers exist only in Graph beta, hence
msgraph-beta-sdk. The SDK is imported lazily (its first parsed response costs seconds); `warm_up()`
pays that cost off the event loop. Every SDK error leaves here as one of the project's SetupErrors
with a fix to offer, and never carries a secret: messages are built from Graph's error code and
message only, never from request bodies.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import re
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from wizard.auth import token_claims
from wizard.errors import PermissionMissingError, ServiceError, SetupError, SignInError, TenantNotReadyError
from wizard.permissions import (
    APPLICATIONS,
    GRANTS,
    KEY_SETS,
    ORGANIZATION,
    POLICIES,
    PROVIDERS,
    USER_FLOWS,
    Operation,
)

if TYPE_CHECKING:
    import ssl

    from azure.core.credentials import AccessToken, TokenCredential
    from kiota_abstractions.api_error import APIError
    from msgraph_beta import GraphServiceClient

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
OPENID_SCOPE_ID = "37f7f235-527c-4136-accd-4a02d197296e"
OFFLINE_ACCESS_SCOPE_ID = "7427e0e9-2fba-42fe-b0c0-848c9e6a8182"
KEY_SET_PREFIX = "B2C_1A_"
USER_FLOW_PREFIX = "B2C_1_"
KEY_SET_EXISTS = "AADB2C95028"
MISSING_BASE = re.compile(r"Policy with 'policyId': (\S+) cannot be found", re.IGNORECASE)
BASE_CHAIN_ORDER = "TrustFrameworkBase → TrustFrameworkLocalization → TrustFrameworkExtensions"
ALL_PRINCIPALS = "AllPrincipals"

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Organization:
    id: str
    display_name: str
    tenant_type: str
    initial_domain: str


@dataclass(frozen=True)
class KeyInfo:
    kid: str | None
    use: str | None
    kty: str | None
    nbf: int | None
    exp: int | None


@dataclass(frozen=True)
class KeySetInfo:
    id: str
    keys: tuple[KeyInfo, ...]


@dataclass(frozen=True)
class OidcProviderSpec:
    """An OpenID Connect identity provider to create or update (the Asignio values come from steps.provider_spec)."""

    display_name: str
    client_id: str
    metadata_url: str
    scope: str
    response_type: str
    response_mode: str
    domain_hint: str | None
    claims_mapping: dict[str, str]


@dataclass(frozen=True)
class IdentityProviderInfo:
    id: str
    display_name: str
    kind: str
    client_id: str | None
    metadata_url: str | None
    scope: str | None
    response_type: str | None
    response_mode: str | None
    domain_hint: str | None
    claims_mapping: dict[str, str]


@dataclass(frozen=True)
class UserFlowInfo:
    id: str
    user_flow_type: str
    version: float | int


@dataclass(frozen=True)
class ApplicationInfo:
    object_id: str
    app_id: str
    display_name: str
    redirect_uris: tuple[str, ...]
    id_token_issuance: bool


@dataclass(frozen=True)
class ServicePrincipalInfo:
    object_id: str
    app_id: str


@dataclass(frozen=True)
class GrantInfo:
    id: str
    client_id: str
    resource_id: str
    scope: str
    consent_type: str


def _quoted(value: str) -> str:
    """An OData string literal."""
    return "'" + value.replace("'", "''") + "'"


def _strip_prefix(identifier: str, prefix: str) -> str:
    return identifier[len(prefix):] if identifier.upper().startswith(prefix.upper()) else identifier


def _enum_text(value: Any) -> str | None:
    """An SDK enum (or flags enum, parsed as a list) as Graph spells it."""
    if value is None:
        return None
    if isinstance(value, list):
        return " ".join(str(getattr(item, "value", item)) for item in value)
    return str(getattr(value, "value", value))


def _is_conflict(error: APIError) -> bool:
    return error.response_status_code == 409


def _odata_parts(error: APIError) -> tuple[str, str]:
    """Graph's error code and message, when the SDK could parse them."""
    main = getattr(error, "error", None)
    code = getattr(main, "code", None) or ""
    message = getattr(main, "message", None) or ""
    return str(code), str(message)


def translate(error: APIError, operation: Operation) -> SetupError:
    """A Graph error as the project's own error, with what to do about it."""
    status = error.response_status_code or 0
    code, message = _odata_parts(error)
    detail = f" ({code}: {message})" if code or message else f" (HTTP {status})"
    if status == 401:
        return SignInError(
            f"Graph did not accept the sign-in{detail}",
            "sign in again (the token may have expired or be for another tenant or service), then run again",
        )
    if status == 403:
        return PermissionMissingError(
            f"the signed-in identity may not {operation.action}: that needs the Graph permission "
            f"{operation.permission}{detail}",
            f"grant {operation.permission} (with admin consent) to the sign-in app and give the account the "
            f"{operation.role} role, or sign in as a Global Administrator, then run again",
        )
    if status == 429:
        return ServiceError(
            f"Graph kept throttling the requests to {operation.action}, even after retrying{detail}",
            "wait a minute, then run the same command again: it resumes where it stopped",
        )
    if status >= 500:
        return ServiceError(
            f"Graph failed while trying to {operation.action}{detail}",
            "run the same command again: it resumes where it stopped",
        )
    missing_base = MISSING_BASE.search(message)
    if missing_base:
        return TenantNotReadyError(
            f"the tenant has no policy {missing_base.group(1)}, which the uploaded policy builds on",
            "upload the starter pack's base policies first (Identity Experience Framework → Custom policies), "
            f"in order {BASE_CHAIN_ORDER}, then run again",
        )
    return ServiceError(
        f"Graph refused to {operation.action}{detail}",
        "fix what the message names, then run the same command again",
    )


def _sign_in_failed(error: Exception) -> SignInError:
    """The credential could not get a token: the operator's to fix, never a bug."""
    reason = (str(error).strip().splitlines() or [type(error).__name__])[0][:300]
    return SignInError(
        f"Signing in to the tenant failed: {reason}",
        "check [auth] method and [tenant] name; with azure-cli run "
        "`az login --tenant <tenant>.onmicrosoft.com --allow-no-subscriptions` first; device-code is the simplest",
    )


def _transport_error(operation: Operation, error: Exception) -> ServiceError:
    return ServiceError(
        f"the connection to Graph failed while trying to {operation.action} ({type(error).__name__})",
        "check the network, then run the same command again: it resumes where it stopped",
    )


def _key_info(key: Any) -> KeyInfo:
    return KeyInfo(kid=key.kid, use=key.use, kty=key.kty, nbf=key.nbf, exp=key.exp)


def _key_set_info(key_set: Any) -> KeySetInfo:
    return KeySetInfo(id=key_set.id, keys=tuple(_key_info(key) for key in key_set.keys or ()))


def _provider_info(provider: Any) -> IdentityProviderInfo:
    odata_type = provider.odata_type or type(provider).__name__
    mapping = getattr(provider, "claims_mapping", None)
    claims = {}
    if mapping is not None:
        names = {"userId": "user_id", "givenName": "given_name", "surname": "surname", "email": "email", "displayName": "display_name"}
        claims = {name: getattr(mapping, attribute) for name, attribute in names.items() if getattr(mapping, attribute)}
    return IdentityProviderInfo(
        id=provider.id,
        display_name=provider.display_name or "",
        kind=odata_type.rsplit(".", 1)[-1],
        client_id=getattr(provider, "client_id", None),
        metadata_url=getattr(provider, "metadata_url", None),
        scope=getattr(provider, "scope", None),
        response_type=_enum_text(getattr(provider, "response_type", None)),
        response_mode=_enum_text(getattr(provider, "response_mode", None)),
        domain_hint=getattr(provider, "domain_hint", None),
        claims_mapping=claims,
    )


def _user_flow_info(flow: Any) -> UserFlowInfo:
    version = flow.user_flow_type_version
    if isinstance(version, float) and version.is_integer():
        version = int(version)
    return UserFlowInfo(id=flow.id, user_flow_type=_enum_text(flow.user_flow_type) or "", version=version or 0)


def _application_info(application: dict[str, Any]) -> ApplicationInfo:
    web = application.get("web") or {}
    grants = web.get("implicitGrantSettings") or {}
    return ApplicationInfo(
        object_id=application.get("id"),
        app_id=application.get("appId"),
        display_name=application.get("displayName") or "",
        redirect_uris=tuple(web.get("redirectUris") or ()),
        id_token_issuance=bool(grants.get("enableIdTokenIssuance")),
    )


def _service_principal_info(principal: dict[str, Any]) -> ServicePrincipalInfo:
    return ServicePrincipalInfo(object_id=principal.get("id"), app_id=principal.get("appId"))


def _grant_info(grant: dict[str, Any]) -> GrantInfo:
    return GrantInfo(
        id=grant.get("id"), client_id=grant.get("clientId"), resource_id=grant.get("resourceId"),
        scope=grant.get("scope") or "", consent_type=grant.get("consentType") or "",
    )


class _StatusRecorder:
    """A kiota response handler that keeps the status code (201 vs 200) and leaves errors to the adapter."""

    def __init__(self, adapter: Any, request_info: Any) -> None:
        self._adapter = adapter
        self._request_info = request_info
        self.status: int | None = None

    async def handle_response_async(self, response: Any, error_map: Any) -> None:
        self.status = response.status_code
        span = self._adapter.start_tracing_span(self._request_info, "upload_policy")
        try:
            await self._adapter.throw_failed_responses(response, error_map, span, span)
        finally:
            span.end()


class OffLoopCredential:
    """Hands the SDK a credential whose token call runs in a worker thread: an interactive sign-in (a device code
    waiting for the operator) blocks for minutes, and must block neither the UI nor the other requests' loop.
    One sign-in at a time, so concurrent first requests never start two."""

    def __init__(self, credential: TokenCredential) -> None:
        self._credential = credential
        self._lock = threading.Lock()

    def get_token(self, *scopes: str, **options: Any) -> Awaitable[Any]:
        def acquire() -> Any:
            with self._lock:
                return self._credential.get_token(*scopes, **options)

        return asyncio.to_thread(acquire)


class Tenant:
    """The B2C tenant as the steps see it, through Graph beta."""

    def __init__(self, credential: TokenCredential, *, graph_url: str, scopes: list[str]) -> None:
        self._credential = credential
        self._graph_url = graph_url.rstrip("/")
        self._scopes = list(scopes)
        self._client: GraphServiceClient | None = None
        self._token_claims: dict[str, Any] | None = None

    @property
    def client(self) -> GraphServiceClient:
        """The SDK client, built on first use and pointed at `graph_url` (the simulator, or another cloud)."""
        if self._client is None:
            import httpx
            from kiota_authentication_azure.azure_identity_authentication_provider import (
                AzureIdentityAuthenticationProvider,
            )
            from kiota_http.kiota_client_factory import DEFAULT_CONNECTION_TIMEOUT, DEFAULT_REQUEST_TIMEOUT
            from msgraph_beta import GraphRequestAdapter, GraphServiceClient
            from msgraph_beta.graph_request_adapter import apiVersion, options
            from msgraph_core import GraphClientFactory

            http = httpx.AsyncClient(
                timeout=httpx.Timeout(DEFAULT_REQUEST_TIMEOUT, connect=DEFAULT_CONNECTION_TIMEOUT),
                http2=True,
                verify=_tls_context(),
            )
            http = GraphClientFactory.create_with_default_middleware(api_version=apiVersion, client=http, options=options)
            auth = AzureIdentityAuthenticationProvider(OffLoopCredential(self._credential), scopes=self._scopes)
            client = GraphServiceClient(request_adapter=GraphRequestAdapter(auth, http))
            client.request_adapter.base_url = self._graph_url
            self._client = client
        return self._client

    async def _call(self, operation: Operation, call: Callable[[], Awaitable[T]], *, idempotent: bool) -> T:
        """Run one SDK call, translating its errors; an idempotent call is repeated once after a dropped connection."""
        import httpx
        from azure.core.exceptions import ClientAuthenticationError
        from kiota_abstractions.api_error import APIError

        retried = False
        while True:
            try:
                return await call()
            except APIError as error:
                raise translate(error, operation) from None
            except ClientAuthenticationError as error:
                raise _sign_in_failed(error) from None
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as error:
                if retried or not idempotent:
                    raise _transport_error(operation, error) from None
                retried = True
            except httpx.HTTPError as error:
                raise _transport_error(operation, error) from None

    async def _optional(self, operation: Operation, call: Callable[[], Awaitable[T]]) -> T | None:
        """A GET whose 404 means "not there"."""
        from kiota_abstractions.api_error import APIError

        async def fetch() -> T | None:
            try:
                return await call()
            except APIError as error:
                if error.response_status_code == 404:
                    return None
                raise

        return await self._call(operation, fetch, idempotent=True)

    async def _conflict_tolerant(
        self, operation: Operation, create: Callable[[], Awaitable[T]], is_conflict: Callable[[APIError], bool]
    ) -> T | None:
        """A create that returns None instead of failing when the thing already exists."""
        from kiota_abstractions.api_error import APIError

        async def attempt() -> T | None:
            try:
                return await create()
            except APIError as error:
                if is_conflict(error):
                    return None
                raise

        return await self._call(operation, attempt, idempotent=False)

    async def _create_or_existing(
        self,
        operation: Operation,
        what: str,
        create: Callable[[], Awaitable[Any]],
        is_conflict: Callable[[APIError], bool],
        convert: Callable[[Any], R],
        existing: Callable[[], Awaitable[R | None]],
    ) -> R:
        """A create whose "it already exists" answer returns the existing one, so a resumed run never fails on
        what an interrupted one made."""
        created = await self._conflict_tolerant(operation, create, is_conflict)
        if created is not None:
            return convert(created)
        found = await existing()
        if found is None:
            raise ServiceError(
                f"Graph says {what} exists but cannot find it",
                "run the same command again in a minute (the tenant may still be replicating)",
            )
        return found

    # Who and where

    def _as_json(self, build_request: Callable[[], Any]) -> Callable[[], Awaitable[dict[str, Any] | None]]:
        """A call that sends the built request and reads the answer as plain JSON (None when empty). For answers
        of which a few fields are used: the SDK's model parsing costs ~25 ms of CPU per entity (each runs thousands
        of import statements), and these calls are on every run's critical path."""

        async def send() -> dict[str, Any] | None:
            import json

            from msgraph_beta.generated.models.o_data_errors.o_data_error import ODataError

            adapter = self.client.request_adapter
            body = await adapter.send_primitive_async(build_request(), "bytes", {"XXX": ODataError})
            return json.loads(body) if body else None

        return send

    async def _get_json(self, operation: Operation, build_request: Callable[[], Any]) -> dict[str, Any]:
        """A GET answer as plain JSON ({} when empty)."""
        return await self._call(operation, self._as_json(build_request), idempotent=True) or {}

    async def organization(self) -> Organization:
        found = await self._get_json(ORGANIZATION, self.client.organization.to_get_request_information)
        organizations = found.get("value")
        if not organizations:
            raise TenantNotReadyError(
                "Graph returned no organization for the signed-in tenant",
                "sign in to the B2C tenant itself (not the tenant that holds its subscription)",
            )
        organization = organizations[0]
        domains = organization.get("verifiedDomains") or []
        initial = next((domain.get("name") for domain in domains if domain.get("isInitial")), None)
        return Organization(
            id=organization.get("id"),
            display_name=organization.get("displayName") or "",
            tenant_type=organization.get("tenantType") or "",
            initial_domain=initial or "",
        )

    def _claims(self) -> dict[str, Any] | None:
        """The token's claims, asked of the credential as the SDK asks (CAE on), so its cached token is reused
        and an interactive credential does not prompt a second time."""
        if self._token_claims is None:
            from azure.core.exceptions import ClientAuthenticationError

            try:
                token = self._credential.get_token(*self._scopes, enable_cae=True)
            except ClientAuthenticationError:
                return None
            self._token_claims = token_claims(token.token) or {}
        return self._token_claims or None

    def signed_in_as(self) -> str | None:
        """The user (or, for an app, its app id) the token was issued to; None when the token is opaque."""
        claims = self._claims()
        if claims is None:
            return None
        return claims.get("upn") or claims.get("unique_name") or claims.get("preferred_username") or claims.get("appid")

    def granted_permissions(self) -> set[str] | None:
        """The delegated (scp) or application (roles) permissions in the token; None when the token is opaque."""
        claims = self._claims()
        if claims is None:
            return None
        granted = set(str(claims.get("scp") or "").split())
        roles = claims.get("roles")
        if isinstance(roles, list):
            granted.update(str(role) for role in roles)
        return granted

    # Policy keys

    async def key_set(self, key_set_id: str) -> KeySetInfo | None:
        key_sets = self.client.trust_framework.key_sets
        found = await self._optional(KEY_SETS, lambda: key_sets.by_trust_framework_key_set_id(key_set_id).get())
        return _key_set_info(found) if found is not None else None

    async def create_key_set(self, key_set_id: str) -> KeySetInfo:
        """Create the (empty) keyset; B2C adds the B2C_1A_ prefix. An existing one is returned as it is."""
        from msgraph_beta.generated.models.trust_framework_key_set import TrustFrameworkKeySet

        body = TrustFrameworkKeySet(id=_strip_prefix(key_set_id, KEY_SET_PREFIX))
        return await self._create_or_existing(
            KEY_SETS,
            f"the keyset {key_set_id}",
            lambda: self.client.trust_framework.key_sets.post(body),
            lambda error: _odata_parts(error)[0] == KEY_SET_EXISTS or _is_conflict(error),
            _key_set_info,
            lambda: self.key_set(KEY_SET_PREFIX + _strip_prefix(key_set_id, KEY_SET_PREFIX)),
        )

    async def upload_secret(self, key_set_id: str, secret: str, *, use: str, nbf: int, exp: int) -> KeyInfo:
        from msgraph_beta.generated.trust_framework.key_sets.item.upload_secret.upload_secret_post_request_body import (
            UploadSecretPostRequestBody,
        )

        body = UploadSecretPostRequestBody(use=use, k=secret, nbf=nbf, exp=exp)
        item = self.client.trust_framework.key_sets.by_trust_framework_key_set_id(key_set_id)
        key = await self._call(KEY_SETS, lambda: item.upload_secret.post(body), idempotent=False)
        if key is None:
            raise ServiceError(f"Graph returned no key after uploading to {key_set_id}", "run the same command again")
        return _key_info(key)

    # Custom policies

    async def policy_ids(self) -> list[str]:
        found = await self._get_json(POLICIES, self.client.trust_framework.policies.to_get_request_information)
        return [policy["id"] for policy in found.get("value") or []]

    async def policy_xml(self, policy_id: str) -> bytes | None:
        """The policy as stored, or None when the tenant has no such policy."""
        content = self.client.trust_framework.policies.by_trust_framework_policy_id(policy_id).content
        return await self._optional(POLICIES, lambda: content.get())

    async def upload_policy(self, policy_id: str, content: bytes) -> bool:
        """Create or replace the policy (PUT, so safe to repeat); True when it was created."""
        from kiota_abstractions.base_request_configuration import RequestConfiguration
        from kiota_abstractions.headers_collection import HeadersCollection
        from kiota_http.middleware.options.response_handler_option import ResponseHandlerOption
        from msgraph_beta.generated.models.o_data_errors.o_data_error import ODataError

        adapter = self.client.request_adapter
        builder = self.client.trust_framework.policies.by_trust_framework_policy_id(policy_id).content

        async def put() -> bool:
            headers = HeadersCollection()
            headers.add("Content-Type", "application/xml")
            request_info = builder.to_put_request_information(content, RequestConfiguration(headers=headers))
            recorder = _StatusRecorder(adapter, request_info)
            request_info.add_request_options([ResponseHandlerOption(recorder)])
            await adapter.send_primitive_async(request_info, "bytes", {"XXX": ODataError})
            return recorder.status == 201

        return await self._call(POLICIES, put, idempotent=True)

    # Identity providers

    async def identity_providers(self) -> list[IdentityProviderInfo]:
        result = await self._call(PROVIDERS, lambda: self.client.identity.identity_providers.get(), idempotent=True)
        return [_provider_info(provider) for provider in (result.value if result is not None else None) or []]

    @staticmethod
    def _oidc_body(spec: OidcProviderSpec, client_secret: str) -> Any:
        from msgraph_beta.generated.models.claims_mapping import ClaimsMapping
        from msgraph_beta.generated.models.open_id_connect_identity_provider import OpenIdConnectIdentityProvider
        from msgraph_beta.generated.models.open_id_connect_response_mode import OpenIdConnectResponseMode
        from msgraph_beta.generated.models.open_id_connect_response_types import OpenIdConnectResponseTypes

        mapping = spec.claims_mapping
        return OpenIdConnectIdentityProvider(
            display_name=spec.display_name,
            client_id=spec.client_id,
            client_secret=client_secret,
            metadata_url=spec.metadata_url,
            scope=spec.scope,
            response_type=OpenIdConnectResponseTypes(spec.response_type),
            response_mode=OpenIdConnectResponseMode(spec.response_mode),
            domain_hint=spec.domain_hint,
            claims_mapping=ClaimsMapping(
                user_id=mapping.get("userId"),
                given_name=mapping.get("givenName"),
                surname=mapping.get("surname"),
                email=mapping.get("email"),
                display_name=mapping.get("displayName"),
            ),
        )

    async def create_oidc_provider(self, spec: OidcProviderSpec, client_secret: str) -> IdentityProviderInfo:
        body = self._oidc_body(spec, client_secret)
        created = await self._call(PROVIDERS, lambda: self.client.identity.identity_providers.post(body), idempotent=False)
        if created is None:
            raise ServiceError("Graph returned nothing after creating the identity provider", "run the same command again")
        return _provider_info(created)

    async def update_oidc_provider(self, provider_id: str, spec: OidcProviderSpec, client_secret: str) -> None:
        body = self._oidc_body(spec, client_secret)
        item = self.client.identity.identity_providers.by_identity_provider_base_id(provider_id)
        await self._call(PROVIDERS, lambda: item.patch(body), idempotent=True)

    # User flows

    async def user_flow(self, flow_id: str) -> UserFlowInfo | None:
        flows = self.client.identity.b2c_user_flows
        found = await self._optional(USER_FLOWS, lambda: flows.by_b2c_identity_user_flow_id(flow_id).get())
        return _user_flow_info(found) if found is not None else None

    async def create_user_flow(self, flow_id: str) -> UserFlowInfo:
        """A sign-up-or-sign-in flow, recommended version; `flow_id` carries B2C_1_, which B2C adds itself."""
        from msgraph_beta.generated.models.b2c_identity_user_flow import B2cIdentityUserFlow
        from msgraph_beta.generated.models.user_flow_type import UserFlowType

        body = B2cIdentityUserFlow(
            id=_strip_prefix(flow_id, USER_FLOW_PREFIX), user_flow_type=UserFlowType.SignUpOrSignIn, user_flow_type_version=3.0
        )
        return await self._create_or_existing(
            USER_FLOWS,
            f"the user flow {flow_id}",
            lambda: self.client.identity.b2c_user_flows.post(body),
            _is_conflict,
            _user_flow_info,
            lambda: self.user_flow(USER_FLOW_PREFIX + _strip_prefix(flow_id, USER_FLOW_PREFIX)),
        )

    async def user_flow_provider_ids(self, flow_id: str) -> list[str]:
        providers = self.client.identity.b2c_user_flows.by_b2c_identity_user_flow_id(flow_id).user_flow_identity_providers
        result = await self._call(USER_FLOWS, lambda: providers.get(), idempotent=True)
        return [provider.id for provider in (result.value if result is not None else None) or []]

    async def attach_provider(self, flow_id: str, provider_id: str) -> None:
        """Add the provider to the flow (userFlowIdentityProviders/$ref, which the beta SDK has no builder for)."""
        from msgraph_beta.generated.models.o_data_errors.o_data_error import ODataError
        from msgraph_beta.generated.models.reference_create import ReferenceCreate

        adapter = self.client.request_adapter
        deprecated = self.client.identity.b2c_user_flows.by_b2c_identity_user_flow_id(flow_id).identity_providers.ref
        body = ReferenceCreate(odata_id=f"{self._graph_url}/identity/identityProviders/{provider_id}")

        async def post() -> None:
            request_info = deprecated.to_post_request_information(body)
            request_info.url_template = request_info.url_template.replace(
                "/identityProviders/$ref", "/userFlowIdentityProviders/$ref"
            )
            await adapter.send_no_response_content_async(request_info, {"XXX": ODataError})

        await self._conflict_tolerant(USER_FLOWS, post, _is_conflict)

    # The test application

    async def applications_named(self, display_name: str) -> list[ApplicationInfo]:
        from kiota_abstractions.base_request_configuration import RequestConfiguration
        from msgraph_beta.generated.applications.applications_request_builder import ApplicationsRequestBuilder

        query = ApplicationsRequestBuilder.ApplicationsRequestBuilderGetQueryParameters(
            filter=f"displayName eq {_quoted(display_name)}"
        )
        config = RequestConfiguration(query_parameters=query)
        found = await self._get_json(APPLICATIONS, lambda: self.client.applications.to_get_request_information(config))
        return [_application_info(app) for app in found.get("value") or []]

    @staticmethod
    def _web(redirect_uris: list[str]) -> Any:
        from msgraph_beta.generated.models.implicit_grant_settings import ImplicitGrantSettings
        from msgraph_beta.generated.models.web_application import WebApplication

        return WebApplication(
            redirect_uris=redirect_uris,
            implicit_grant_settings=ImplicitGrantSettings(enable_id_token_issuance=True, enable_access_token_issuance=False),
        )

    async def create_test_application(self, display_name: str, redirect_uri: str) -> ApplicationInfo:
        """A web app that may receive id tokens at `redirect_uri` and asks Graph for openid + offline_access."""
        from uuid import UUID

        from msgraph_beta.generated.models.api_application import ApiApplication
        from msgraph_beta.generated.models.application import Application
        from msgraph_beta.generated.models.required_resource_access import RequiredResourceAccess
        from msgraph_beta.generated.models.resource_access import ResourceAccess

        body = Application(
            display_name=display_name,
            sign_in_audience="AzureADandPersonalMicrosoftAccount",
            api=ApiApplication(requested_access_token_version=2),
            web=self._web([redirect_uri]),
            required_resource_access=[
                RequiredResourceAccess(
                    resource_app_id=GRAPH_APP_ID,
                    resource_access=[
                        ResourceAccess(id=UUID(OPENID_SCOPE_ID), type="Scope"),
                        ResourceAccess(id=UUID(OFFLINE_ACCESS_SCOPE_ID), type="Scope"),
                    ],
                )
            ],
        )
        create = self._as_json(lambda: self.client.applications.to_post_request_information(body))
        created = await self._call(APPLICATIONS, create, idempotent=False)
        if created is None:
            raise ServiceError("Graph returned nothing after creating the test application", "run the same command again")
        return _application_info(created)

    async def update_test_application(self, object_id: str, redirect_uri: str) -> None:
        """Add the redirect URI (keeping the others) and turn on id token issuance."""
        from msgraph_beta.generated.models.application import Application

        item = self.client.applications.by_application_id(object_id)
        current = await self._get_json(APPLICATIONS, item.to_get_request_information)
        uris = list(_application_info(current).redirect_uris)
        if redirect_uri not in uris:
            uris.append(redirect_uri)
        body = Application(web=self._web(uris))
        await self._call(APPLICATIONS, lambda: item.patch(body), idempotent=True)

    async def service_principal(self, app_id: str) -> ServicePrincipalInfo | None:
        from kiota_abstractions.base_request_configuration import RequestConfiguration
        from msgraph_beta.generated.service_principals.service_principals_request_builder import (
            ServicePrincipalsRequestBuilder,
        )

        query = ServicePrincipalsRequestBuilder.ServicePrincipalsRequestBuilderGetQueryParameters(
            filter=f"appId eq {_quoted(app_id)}"
        )
        config = RequestConfiguration(query_parameters=query)
        found = await self._get_json(APPLICATIONS, lambda: self.client.service_principals.to_get_request_information(config))
        principals = found.get("value") or []
        return _service_principal_info(principals[0]) if principals else None

    async def create_service_principal(self, app_id: str) -> ServicePrincipalInfo:
        """The app's service principal, which consent grants attach to; an existing one is returned as it is."""
        from msgraph_beta.generated.models.service_principal import ServicePrincipal

        body = ServicePrincipal(app_id=app_id)
        return await self._create_or_existing(
            APPLICATIONS,
            f"a service principal for {app_id}",
            self._as_json(lambda: self.client.service_principals.to_post_request_information(body)),
            _is_conflict,
            _service_principal_info,
            lambda: self.service_principal(app_id),
        )

    async def permission_grant(self, client_object_id: str, resource_object_id: str) -> GrantInfo | None:
        """The tenant-wide (AllPrincipals) consent of the client to the resource, if any."""
        from kiota_abstractions.base_request_configuration import RequestConfiguration
        from msgraph_beta.generated.oauth2_permission_grants.oauth2_permission_grants_request_builder import (
            Oauth2PermissionGrantsRequestBuilder,
        )

        query = Oauth2PermissionGrantsRequestBuilder.Oauth2PermissionGrantsRequestBuilderGetQueryParameters(
            filter=f"clientId eq {_quoted(client_object_id)} and resourceId eq {_quoted(resource_object_id)}"
        )
        config = RequestConfiguration(query_parameters=query)
        found = await self._get_json(GRANTS, lambda: self.client.oauth2_permission_grants.to_get_request_information(config))
        grants = [_grant_info(grant) for grant in found.get("value") or []]
        return next((grant for grant in grants if grant.consent_type == ALL_PRINCIPALS), None)

    async def create_permission_grant(self, client_object_id: str, resource_object_id: str, scope: str) -> GrantInfo:
        """Admin consent for every user; when it already exists, the existing grant is returned as it is."""
        from msgraph_beta.generated.models.o_auth2_permission_grant import OAuth2PermissionGrant

        body = OAuth2PermissionGrant(
            client_id=client_object_id, resource_id=resource_object_id, consent_type=ALL_PRINCIPALS, scope=scope
        )
        return await self._create_or_existing(
            GRANTS,
            "the consent grant",
            self._as_json(lambda: self.client.oauth2_permission_grants.to_post_request_information(body)),
            _is_conflict,
            _grant_info,
            lambda: self.permission_grant(client_object_id, resource_object_id),
        )

    async def update_permission_grant(self, grant_id: str, scope: str) -> None:
        from msgraph_beta.generated.models.o_auth2_permission_grant import OAuth2PermissionGrant

        item = self.client.oauth2_permission_grants.by_o_auth2_permission_grant_id(grant_id)
        await self._call(GRANTS, lambda: item.patch(OAuth2PermissionGrant(scope=scope)), idempotent=True)

    async def close(self) -> None:
        """Close the HTTP connections; the credential belongs to whoever made it."""
        if self._client is not None:
            await self._client.request_adapter._http_client.aclose()
            self._client = None


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """The TLS context every client shares: building one (loading the CA bundle) costs ~90 ms, so once a process."""
    import httpx

    return httpx.create_ssl_context()


class _RehearsalAdapter:
    """A request adapter that sends nothing: each call builds its request as usual and parses an empty answer of the
    type it expects (and of its error type), so every builder, model and serializer it touches gets imported."""

    def __init__(self, adapter: Any) -> None:
        self._adapter = adapter

    def __getattr__(self, name: str) -> Any:
        return getattr(self._adapter, name)

    async def send_async(self, request_info: Any, parsable_factory: Any, error_map: Any) -> None:
        self._parse_empty(parsable_factory, *(error_map or {}).values())

    async def send_collection_async(self, request_info: Any, parsable_factory: Any, error_map: Any) -> None:
        self._parse_empty(parsable_factory, *(error_map or {}).values())

    async def send_primitive_async(self, request_info: Any, response_type: str, error_map: Any) -> None:
        self._parse_empty(*(error_map or {}).values())

    async def send_no_response_content_async(self, request_info: Any, error_map: Any) -> None:
        self._parse_empty(*(error_map or {}).values())

    @staticmethod
    def _parse_empty(*models: Any) -> None:
        from kiota_serialization_json.json_parse_node_factory import JsonParseNodeFactory

        answer = b'{"error": {"details": [{}], "innerError": {}}}'
        for model in models:
            JsonParseNodeFactory().get_root_parse_node("application/json", answer).get_object_value(model)


class _UnusedCredential:
    """The rehearsal's credential: it sends nothing, so no token is ever asked for."""

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        raise SignInError("the warm-up rehearsal never signs in", "")


async def _rehearse(tenant: Tenant) -> None:
    """Every facade operation once, through the rehearsal adapter; the "nothing came back" errors are expected."""
    spec = OidcProviderSpec(
        display_name="warm-up", client_id="warm-up", metadata_url="https://localhost", scope="openid",
        response_type="code", response_mode="query", domain_hint=None, claims_mapping={"userId": "sub"},
    )
    operations: list[Callable[[], Awaitable[Any]]] = [
        tenant.organization,
        lambda: tenant.key_set("warm-up"),
        lambda: tenant.create_key_set("warm-up"),
        lambda: tenant.upload_secret("warm-up", "warm-up", use="sig", nbf=0, exp=0),
        tenant.policy_ids,
        lambda: tenant.policy_xml("warm-up"),
        lambda: tenant.upload_policy("warm-up", b"<TrustFrameworkPolicy/>"),
        tenant.identity_providers,
        lambda: tenant.create_oidc_provider(spec, "warm-up"),
        lambda: tenant.update_oidc_provider("warm-up", spec, "warm-up"),
        lambda: tenant.user_flow("warm-up"),
        lambda: tenant.create_user_flow("warm-up"),
        lambda: tenant.user_flow_provider_ids("warm-up"),
        lambda: tenant.attach_provider("warm-up", "warm-up"),
        lambda: tenant.applications_named("warm-up"),
        lambda: tenant.create_test_application("warm-up", "https://localhost"),
        lambda: tenant.update_test_application("warm-up", "https://localhost"),
        lambda: tenant.service_principal("warm-up"),
        lambda: tenant.create_service_principal("warm-up"),
        lambda: tenant.permission_grant("warm-up", "warm-up"),
        lambda: tenant.create_permission_grant("warm-up", "warm-up", "openid"),
        lambda: tenant.update_permission_grant("warm-up", "openid"),
    ]
    for operation in operations:
        with contextlib.suppress(SetupError):
            await operation()
    await tenant.close()


def warm_up() -> None:
    """Pay the SDK's one-time costs before the first real request (run it in a thread): its import, the first parse
    (which imports every entity model), each operation's request builders, models and serializers, the HTTP/1.1
    and HTTP/2 connection code, and the shared TLS context. Sends nothing."""
    import asyncio
    import importlib
    import json

    from kiota_serialization_json.json_parse_node_factory import JsonParseNodeFactory
    from msgraph_beta import GraphServiceClient
    from msgraph_beta.generated.models.organization_collection_response import OrganizationCollectionResponse

    sample = {"value": [{"id": "0", "tenantType": "AAD B2C", "verifiedDomains": [{"name": "x.onmicrosoft.com", "isInitial": True}]}]}
    node = JsonParseNodeFactory().get_root_parse_node("application/json", json.dumps(sample).encode())
    node.get_object_value(OrganizationCollectionResponse)
    for module in ("anyio._backends._asyncio", "httpcore._async.http11", "httpcore._async.http2"):
        importlib.import_module(module)
    tenant = Tenant(_UnusedCredential(), graph_url="https://localhost/beta", scopes=["https://localhost/.default"])
    tenant._client = GraphServiceClient(request_adapter=_RehearsalAdapter(tenant.client.request_adapter))
    asyncio.run(_rehearse(tenant))
