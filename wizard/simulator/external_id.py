"""The Entra External ID endpoints of the simulated tenant: custom OpenID Connect providers and the sign-up/sign-in
user flows, answered as Microsoft's Graph docs show them (tests/contract/fixtures cites each page).

- beta identitycontainer-post-identityproviders.md Example 4: `oidcIdentityProvider` (any casing of the type),
  201 echoing the request with the secret masked; only in an external tenant (organization tenantType CIAM).
- v1.0 identitycontainer-post-authenticationeventsflows.md: 201, the answer's onAuthenticationMethodLoadStart
  without identityProviders; identitycontainer-list-authenticationeventsflows.md: the providers inline.
- the flow's identityProviders list/$ref add/$ref remove and conditions/applications/includeApplications list/add.
The docs name no error code for a duplicate flow name, an unknown provider reference, or an app already in another
flow; the simulator answers Graph's generic 400 (404 for what is absent or still replicating).
"""

from __future__ import annotations

import re
from typing import Any

from wizard import clock
from wizard.simulator.tenant import CREATED, SimulatedTenant, new_id

ODATA_PREFIX = "#microsoft.graph."
OIDC_FEDERATION_TYPE = ODATA_PREFIX + "oidcIdentityProvider"
OIDC_FEDERATION_CREATED_TYPE = ODATA_PREFIX + "OidcIdentityProvider"
"""How Example 4's answer spells the type (the resource page: oidcIdentityProvider)."""
CLIENT_AUTHENTICATION_TYPES = {
    kind.lower(): kind
    for kind in (
        ODATA_PREFIX + "oidcClientSecretAuthentication",
        ODATA_PREFIX + "oidcPrivateJwtKeyClientAuthentication",
    )
}
"""By lower-case name: the request may spell them otherwise (Example 4: OIDCClientSecretAuthentication)."""
SIGN_UP_FLOW_TYPE = ODATA_PREFIX + "externalUsersSelfServiceSignUpEventsFlow"
METHOD_LOAD_TYPE = ODATA_PREFIX + "onAuthenticationMethodLoadStartExternalUsersSelfServiceSignUp"
FLOW_START_TYPE = ODATA_PREFIX + "onInteractiveAuthFlowStartExternalUsersSelfServiceSignUp"
USER_CREATE_START_TYPE = ODATA_PREFIX + "onUserCreateStartExternalUsersSelfServiceSignUp"
"""A new flow creates members (identitycontainer-list-authenticationeventsflows.md's flows)."""
OIDC_FEDERATION_REQUIRED = (
    "displayName",
    "clientId",
    "issuer",
    "wellKnownEndpoint",
    "responseType",
    "scope",
    "clientAuthentication",
)
MASKED = "*****"
"""How Example 4's answer shows the client secret."""
EXTERNAL_TENANT_TYPE = "CIAM"
BUILT_IN_PROVIDERS = {
    provider_id: {
        "@odata.type": ODATA_PREFIX + "builtInIdentityProvider",
        "id": provider_id,
        "displayName": display_name,
        "identityProviderType": provider_type,
        "state": None,
    }
    for provider_id, display_name, provider_type in (
        ("AADSignup-OAUTH", "Azure Active Directory Sign up", "AADSignup"),
        ("EmailOtpSignup-OAUTH", "Email One Time Passcode", "EmailOTP"),
        ("EmailPassword-OAUTH", "Email with password", "EmailPassword"),
    )
}
"""An external tenant's built-in providers, as identitycontainer-list-identityproviders.md Example 3 lists them."""
LISTED_TYPE = ODATA_PREFIX + "OidcIdentityProvider"
LISTED_AUTHENTICATION_TYPE = ODATA_PREFIX + "OIDCClientSecretAuthentication"
LISTED_MASK = "***********"
"""How Example 3 of the list page spells a custom OpenID Connect provider and masks its secret."""


PROVIDER_REFERENCE = re.compile(r"/identityProviders/([^/]+)/?$", re.IGNORECASE)
"""The add-provider doc's @odata.id is `…/beta/identityProviders/{id}`; `…/identity/identityProviders/{id}` too."""
V1_METADATA = "https://graph.microsoft.com/v1.0/$metadata"


def same_type(value: Any, expected: str) -> bool:
    """`@odata.type` compared as Graph's examples spell it: with or without '#', any case."""
    return isinstance(value, str) and ("#" + value.lstrip("#")).lower() == expected.lower()


def is_oidc_federation(body: dict[str, Any]) -> bool:
    return same_type(body.get("@odata.type"), OIDC_FEDERATION_TYPE)


def is_external_tenant(tenant: SimulatedTenant) -> bool:
    return tenant.tenant_type.replace(" ", "").lower() == EXTERNAL_TENANT_TYPE.lower()


def check_oidc_federation(tenant: SimulatedTenant, provider: dict[str, Any], error: type[Exception]) -> None:
    """The create and update rules of an external tenant's custom OpenID Connect provider."""
    if not is_external_tenant(tenant):
        raise error(400, "Request_BadRequest", "The oidcIdentityProvider type is supported in external tenants only.")
    missing = [name for name in OIDC_FEDERATION_REQUIRED if not provider.get(name)]
    if missing:
        raise error(400, "Request_BadRequest", f"Invalid value specified for property(s): {', '.join(missing)}.")
    if provider["responseType"] != "code":
        raise error(400, "Request_BadRequest", "Invalid value specified for property 'responseType'.")
    if "microsoftonline.com" in str(provider["issuer"]).lower():
        raise error(400, "Request_BadRequest", "An issuer on microsoftonline.com is not accepted.")
    authentication = provider["clientAuthentication"]
    if not isinstance(authentication, dict) or not any(
        same_type(authentication.get("@odata.type"), kind) for kind in CLIENT_AUTHENTICATION_TYPES
    ):
        raise error(400, "Request_BadRequest", "Invalid value specified for property 'clientAuthentication'.")


def stored_oidc_federation(body: dict[str, Any]) -> dict[str, Any]:
    """What the tenant keeps: the type as the resource page spells it, the secret never."""
    authentication = {k: v for k, v in dict(body.get("clientAuthentication") or {}).items() if k != "clientSecret"}
    kind = "#" + str(authentication.get("@odata.type", "")).lstrip("#")
    authentication["@odata.type"] = CLIENT_AUTHENTICATION_TYPES.get(kind.lower(), kind)
    return {**body, "@odata.type": OIDC_FEDERATION_TYPE, "clientAuthentication": authentication}


def shown_oidc_federation(provider: dict[str, Any]) -> dict[str, Any]:
    shown = {key: value for key, value in provider.items() if not key.startswith("_")}
    shown["clientAuthentication"] = {**dict(provider.get("clientAuthentication") or {}), "clientSecret": MASKED}
    return shown


def listed_oidc_federation(provider: dict[str, Any]) -> dict[str, Any]:
    """A custom OpenID Connect provider in the tenant's provider list, spelt as the list page's Example 3 (which
    also leaves out the id; the simulator keeps it, as a client cannot work without it)."""
    shown = shown_oidc_federation(provider)
    authentication = dict(shown["clientAuthentication"])
    if same_type(authentication.get("@odata.type"), ODATA_PREFIX + "oidcClientSecretAuthentication"):
        authentication["@odata.type"] = LISTED_AUTHENTICATION_TYPE
    return {
        **shown,
        "@odata.type": LISTED_TYPE,
        "clientAuthentication": {**authentication, "clientSecret": LISTED_MASK},
    }


def new_flow(body: dict[str, Any], provider_ids: list[str]) -> dict[str, Any]:
    start = body.get("onInteractiveAuthFlowStart") or {}
    return {
        "@odata.type": SIGN_UP_FLOW_TYPE,
        "id": new_id(),
        "displayName": body["displayName"],
        "description": body.get("description"),
        "priority": body.get("priority", 500),
        "onAttributeCollectionStart": None,
        "onAttributeCollectionSubmit": None,
        "onUserCreateStart": {"@odata.type": USER_CREATE_START_TYPE, "userTypeToCreate": "member"},
        "onInteractiveAuthFlowStart": {
            "@odata.type": FLOW_START_TYPE,
            "isSignUpAllowed": bool(start.get("isSignUpAllowed", True)),
        },
        "onAttributeCollection": body.get("onAttributeCollection"),
        "_providers": provider_ids,
        "_apps": [],
        CREATED: clock.now().timestamp(),
    }


def created_flow_view(flow: dict[str, Any]) -> dict[str, Any]:
    """The create answer (Example 2): conditions with includeAllApplications only, no identityProviders."""
    shown = {key: value for key, value in flow.items() if not key.startswith("_")}
    return {
        "@odata.context": f"{V1_METADATA}#identity/authenticationEventsFlows/$entity",
        **shown,
        "conditions": {"applications": {"includeAllApplications": False}},
        "onAuthenticationMethodLoadStart": {"@odata.type": METHOD_LOAD_TYPE},
    }


def listed_flow_view(flow: dict[str, Any], providers: list[dict[str, Any]]) -> dict[str, Any]:
    """A flow in the list (list-authenticationeventsflows.md Example 1): providers and linked apps inline."""
    shown = {key: value for key, value in flow.items() if not key.startswith("_")}
    context = (
        f"{V1_METADATA}#identity/authenticationEventsFlows('{flow['id']}')/"
        "microsoft.graph.externalUsersSelfServiceSignUpEventsFlow/conditions/applications/includeApplications"
    )
    return {
        **shown,
        "conditions": {
            "applications": {
                "includeAllApplications": False,
                "includeApplications@odata.context": context,
                "includeApplications": [{"appId": app_id} for app_id in flow["_apps"]],
            }
        },
        "onAuthenticationMethodLoadStart": {"@odata.type": METHOD_LOAD_TYPE, "identityProviders": providers},
    }
