"""The project's own small models of the Graph resources the steps use, parsed as Microsoft documents them.

Graph's documentation is the contract, and it is inconvenient in places: uploadSecret answers `"kty": "OCT"` with
`nbf`/`exp` as numeric strings (trustframeworkkeyset-uploadsecret.md), an organization read with too little
permission has `tenantType: null` (organization-get.md), `@odata.type` comes with or without `#`
(identitycontainer-post-identityproviders.md). So enum-like text is compared case-insensitively, dates accept
numbers or numeric strings, and every field the docs allow to be null may be None. Unknown fields are ignored:
Graph adds properties over time, and a new one must never break a run.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

ODATA_TYPE_PREFIX = "microsoft.graph."


def same_text(value: str | None, expected: str) -> bool:
    """Enum-like Graph text compared as Graph means it: case and spaces ignored ("AAD B2C" is "aadb2c")."""
    if value is None:
        return False
    return value.replace(" ", "").casefold() == expected.replace(" ", "").casefold()


def strip_prefix(identifier: str, prefix: str) -> str:
    """B2C adds a key set's or user flow's prefix itself on create; an id given with it (any case) loses it first."""
    return identifier[len(prefix) :] if identifier.upper().startswith(prefix.upper()) else identifier


def with_prefix(identifier: str, prefix: str) -> str:
    """The id as B2C names it once created: with its prefix, once."""
    return prefix + strip_prefix(identifier, prefix)


def _epoch_seconds(value: Any) -> int | None:
    """A date as seconds since the epoch, from a number, a numeric string or an ISO 8601 text."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("a date, not a boolean")
    try:
        if isinstance(value, int | float):
            return int(value)
        if isinstance(value, str):
            text = value.strip()
            try:
                return int(float(text))
            except ValueError:
                return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())
    except (OverflowError, OSError):
        raise ValueError("a date out of range") from None
    raise ValueError(f"a date as seconds since the epoch, not {type(value).__name__}")


def _odata_kind(value: Any) -> str:
    """`#microsoft.graph.openIdConnectIdentityProvider` or `microsoft.graph.openIdConnectIdentityProvider` →
    `openIdConnectIdentityProvider`."""
    text = str(value or "").lstrip("#")
    return text[len(ODATA_TYPE_PREFIX) :] if text.lower().startswith(ODATA_TYPE_PREFIX) else text


def _text_or_empty(value: Any) -> str:
    return "" if value is None else str(value)


def _version_number(value: Any) -> float:
    """userFlowTypeVersion: documented as a float (3), seen as 3.0; a numeric string is tolerated."""
    if value in (None, ""):
        return 0.0
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"a version number, not {type(value).__name__}")
    return float(value)


EpochSeconds = Annotated[int | None, BeforeValidator(_epoch_seconds)]
OdataKind = Annotated[str, BeforeValidator(_odata_kind)]
Text = Annotated[str, BeforeValidator(_text_or_empty)]


def _empty_when_null(value: Any) -> Any:
    return () if value is None else value


Strings = Annotated[tuple[str, ...], BeforeValidator(_empty_when_null)]
"""A string collection the docs call "not nullable" that a shortened list item may still leave out."""


class GraphModel(BaseModel):
    """A Graph resource as the steps read it: camelCase aliases, unknown properties ignored, immutable. Each model's
    validator is built when the model first reads an answer, not at import: a run reads a few of the 25 (import
    time of this module ~38 ms -> ~17 ms here)."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True, defer_build=True)


class VerifiedDomain(GraphModel):
    name: Text = ""
    is_initial: bool | None = Field(default=None, alias="isInitial")


class Organization(GraphModel):
    """GET /organization (organization-get.md). With only User.Read, every property but id, displayName and
    verifiedDomains is null: tenant_type None means "not allowed to see", not "not B2C"."""

    id: str
    display_name: Text = Field(default="", alias="displayName")
    tenant_type: str | None = Field(default=None, alias="tenantType")
    verified_domains: tuple[VerifiedDomain, ...] | None = Field(default=None, alias="verifiedDomains")

    @property
    def initial_domain(self) -> str:
        """The `<name>.onmicrosoft.com` domain, which custom policies name as their TenantId."""
        for domain in self.verified_domains or ():
            if domain.is_initial:
                return domain.name
        return ""


class Key(GraphModel):
    """A trustFrameworkKey's public metadata (trustframeworkkey.md); `k` is never read back."""

    kid: str | None = None
    use: str | None = None
    kty: str | None = None
    nbf: EpochSeconds = None
    exp: EpochSeconds = None

    def is_kind(self, kty: str, use: str) -> bool:
        return same_text(self.kty, kty) and same_text(self.use, use)


class KeySet(GraphModel):
    """A trustFrameworkKeySet (trustframeworkkeyset-get.md); `keys` may be null on a new, empty set."""

    id: str
    keys: tuple[Key, ...] = ()


class ClaimsMapping(GraphModel):
    user_id: str | None = Field(default=None, alias="userId")
    display_name: str | None = Field(default=None, alias="displayName")
    given_name: str | None = Field(default=None, alias="givenName")
    surname: str | None = None
    email: str | None = None

    def as_graph(self) -> dict[str, str]:
        """The mapping as Graph spells it, nulls left out (so two readings of "unset" compare equal)."""
        return {key: value for key, value in self.model_dump(by_alias=True).items() if value}


class IdentityProvider(GraphModel):
    """An identityProviderBase or one of its subtypes, as listed by /identity/identityProviders. The external-tenant
    example of identitycontainer-list-identityproviders.md shows its custom OpenID Connect provider without an id, so
    an id may be missing ("")."""

    id: Text = ""
    display_name: Text = Field(default="", alias="displayName")
    kind: OdataKind = Field(default="", alias="@odata.type")
    client_id: str | None = Field(default=None, alias="clientId")
    metadata_url: str | None = Field(default=None, alias="metadataUrl")
    scope: str | None = None
    response_type: str | None = Field(default=None, alias="responseType")
    response_mode: str | None = Field(default=None, alias="responseMode")
    domain_hint: str | None = Field(default=None, alias="domainHint")
    claims: ClaimsMapping | None = Field(default=None, alias="claimsMapping")
    issuer: str | None = None
    """External ID's oidcIdentityProvider (beta resources/oidcidentityprovider.md) from here on."""
    well_known_endpoint: str | None = Field(default=None, alias="wellKnownEndpoint")
    inbound_claim_mapping: dict[str, Any] | None = Field(default=None, alias="inboundClaimMapping")

    @property
    def claims_mapping(self) -> dict[str, str]:
        return self.claims.as_graph() if self.claims is not None else {}


class AuthenticationEventsFlow(GraphModel):
    """An External ID user flow (v1.0 resources/authenticationeventsflow.md); `kind` tells the sign-up/sign-in
    flow (externalUsersSelfServiceSignUpEventsFlow) from others."""

    id: str
    display_name: Text = Field(default="", alias="displayName")
    kind: OdataKind = Field(default="", alias="@odata.type")


class UserFlow(GraphModel):
    """A b2cIdentityUserFlow (b2cidentityuserflow-get.md)."""

    id: str
    user_flow_type: Text = Field(default="", alias="userFlowType")
    version: Annotated[float, BeforeValidator(_version_number)] = Field(default=0.0, alias="userFlowTypeVersion")
    language_customization: bool | None = Field(default=None, alias="isLanguageCustomizationEnabled")
    default_language: str | None = Field(default=None, alias="defaultLanguageTag")
    """May be null (b2cidentityuserflow-get.md's example); the create example answers "en"."""

    def settings(self) -> dict[str, str]:
        """The documented properties a flow is made with (b2cidentityuserflow.md), as text; those Graph left null
        are left out, so a reading that gives them and one that does not compare alike."""
        shown = {
            "userFlowType": self.user_flow_type,
            "userFlowTypeVersion": f"{self.version:g}",
            "isLanguageCustomizationEnabled": None
            if self.language_customization is None
            else str(self.language_customization).lower(),
            "defaultLanguageTag": self.default_language,
        }
        return {name: value for name, value in shown.items() if value}


class ImplicitGrantSettings(GraphModel):
    enable_id_token_issuance: bool | None = Field(default=None, alias="enableIdTokenIssuance")


class WebApplication(GraphModel):
    redirect_uris: tuple[str, ...] | None = Field(default=None, alias="redirectUris")
    implicit_grant_settings: ImplicitGrantSettings | None = Field(default=None, alias="implicitGrantSettings")


class PublicClientApplication(GraphModel):
    """publicClientApplication.md: the redirect URIs of a public (native) client."""

    redirect_uris: tuple[str, ...] | None = Field(default=None, alias="redirectUris")


class PermissionScope(GraphModel):
    """A delegated permission an API exposes (permissionscope.md): `value` is the scope name, `id` its GUID."""

    id: str
    value: Text = ""
    type: Text = ""
    is_enabled: bool | None = Field(default=None, alias="isEnabled")


class ApiApplication(GraphModel):
    """apiApplication.md: what the application exposes as an API."""

    oauth2_permission_scopes: tuple[PermissionScope, ...] | None = Field(default=None, alias="oauth2PermissionScopes")


class ResourceAccess(GraphModel):
    """One permission of requiredResourceAccess (resourceaccess.md): a scope or app role id, `type` Scope or Role."""

    id: str
    type: Text = ""


class RequiredResourceAccess(GraphModel):
    """requiredresourceaccess.md: the permissions an application asks of one resource application."""

    resource_app_id: str = Field(alias="resourceAppId")
    resource_access: tuple[ResourceAccess, ...] | None = Field(default=None, alias="resourceAccess")


class Application(GraphModel):
    """An application (application.md): `id` is the object id, `appId` the client id. Every collection may come as
    null or be left out (a shortened list item), so each reads as empty then."""

    object_id: str = Field(alias="id")
    app_id: str = Field(alias="appId")
    display_name: Text = Field(default="", alias="displayName")
    unique_name: str | None = Field(default=None, alias="uniqueName")
    web: WebApplication | None = None
    identifier_uri_list: tuple[str, ...] | None = Field(default=None, alias="identifierUris")
    is_fallback_public_client: bool | None = Field(default=None, alias="isFallbackPublicClient")
    public_client: PublicClientApplication | None = Field(default=None, alias="publicClient")
    api: ApiApplication | None = None
    required_resource_access: tuple[RequiredResourceAccess, ...] | None = Field(
        default=None, alias="requiredResourceAccess"
    )
    tags: Strings = ()
    """application.md: "custom strings that can be used to categorize and identify the application"."""

    @property
    def identifier_uris(self) -> tuple[str, ...]:
        return self.identifier_uri_list or ()

    @property
    def public_client_redirect_uris(self) -> tuple[str, ...]:
        return (self.public_client.redirect_uris or ()) if self.public_client is not None else ()

    @property
    def permission_scopes(self) -> tuple[PermissionScope, ...]:
        return (self.api.oauth2_permission_scopes or ()) if self.api is not None else ()

    def scope_named(self, value: str) -> PermissionScope | None:
        """The enabled delegated permission the application exposes under `value`, if any."""
        return next(
            (scope for scope in self.permission_scopes if scope.value == value and scope.is_enabled is not False), None
        )

    def requires(self, resource_app_id: str, scope_ids: set[str]) -> bool:
        """Whether requiredResourceAccess asks `resource_app_id` for every one of the delegated `scope_ids`."""
        asked = {
            access.id.lower()
            for required in self.required_resource_access or ()
            if required.resource_app_id.lower() == resource_app_id.lower()
            for access in required.resource_access or ()
            if same_text(access.type, "Scope")
        }
        return {scope_id.lower() for scope_id in scope_ids} <= asked

    @property
    def redirect_uris(self) -> tuple[str, ...]:
        return (self.web.redirect_uris or ()) if self.web is not None else ()

    @property
    def id_token_issuance(self) -> bool:
        settings = self.web.implicit_grant_settings if self.web is not None else None
        return bool(settings and settings.enable_id_token_issuance)


class ServicePrincipal(GraphModel):
    object_id: str = Field(alias="id")
    app_id: str = Field(alias="appId")
    tags: Strings = ()
    """serviceprincipal.md: "custom strings that can be used to categorize and identify the service principal"."""


class PermissionGrant(GraphModel):
    """An oAuth2PermissionGrant (oauth2permissiongrant.md): delegated consent of a client to a resource."""

    id: str
    client_id: str = Field(alias="clientId")
    resource_id: str = Field(alias="resourceId")
    scope: Text = ""
    consent_type: Text = Field(default="", alias="consentType")

    @property
    def scopes(self) -> set[str]:
        return set(self.scope.split())


class AuthenticationMethodTarget(GraphModel):
    """An includeTargets entry (resources/authenticationmethodtarget.md): a group, or `all_users`."""

    id: str
    target_type: Text = Field(default="", alias="targetType")


class AuthenticationMethodConfiguration(GraphModel):
    """One method of the authentication methods policy (emailauthenticationmethodconfiguration-get.md,
    smsauthenticationmethodconfiguration-get.md): whether it is on, and for whom."""

    id: str
    state: Text = ""
    include_targets: Annotated[tuple[AuthenticationMethodTarget, ...], BeforeValidator(_empty_when_null)] = Field(
        default=(), alias="includeTargets"
    )
    allow_external_id_to_use_email_otp: str | None = Field(default=None, alias="allowExternalIdToUseEmailOtp")
    """Email only: default/enabled/disabled (resources/emailauthenticationmethodconfiguration.md)."""

    @property
    def enabled(self) -> bool:
        return same_text(self.state, "enabled")

    def targets(self, target_id: str) -> bool:
        return any(target.id.casefold() == target_id.casefold() for target in self.include_targets)


class ConditionalAccessApplications(GraphModel):
    include_applications: Annotated[tuple[str, ...], BeforeValidator(_empty_when_null)] = Field(
        default=(), alias="includeApplications"
    )


class ConditionalAccessConditions(GraphModel):
    applications: ConditionalAccessApplications | None = None


class ConditionalAccessGrantControls(GraphModel):
    built_in_controls: Annotated[tuple[str, ...], BeforeValidator(_empty_when_null)] = Field(
        default=(), alias="builtInControls"
    )


class ConditionalAccessPolicy(GraphModel):
    """A conditionalAccessPolicy as listed (conditionalaccessroot-list-policies.md): its state is `enabled`,
    `disabled` or `enabledForReportingButNotEnforced`; conditions and grantControls may be null."""

    id: str
    display_name: Text = Field(default="", alias="displayName")
    state: Text = ""
    conditions: ConditionalAccessConditions | None = None
    grant_controls: ConditionalAccessGrantControls | None = Field(default=None, alias="grantControls")

    @property
    def included_applications(self) -> tuple[str, ...]:
        applications = self.conditions.applications if self.conditions is not None else None
        return applications.include_applications if applications is not None else ()

    @property
    def requires_mfa(self) -> bool:
        controls = self.grant_controls.built_in_controls if self.grant_controls is not None else ()
        return any(same_text(control, "mfa") for control in controls)
