"""What Graph shows of an object beyond what was sent to it: every property of the documented examples, with the
values a new object has, so the simulator's answers carry the same property names and types as Microsoft's.

The tenant keeps only what clients sent and the server chose (ids, times); these defaults are laid beneath it when an
object is shown. Sources, all microsoftgraph/microsoft-graph-docs-contrib api-reference/beta (fixtures in
tests/contract/fixtures cite the commits): application-post-applications.md, application-get.md, application-upsert.md,
serviceprincipal-post-serviceprincipals.md, serviceprincipal-upsert.md, organization-get.md,
oauth2permissiongrant-list.md, trustframeworkkeyset-generatekey.md and the collections' list pages.
"""

from __future__ import annotations

import copy
from typing import Any

from wizard.simulator.tenant import GRAPH_APP_ID

METADATA = "https://graph.microsoft.com/beta/$metadata"
V1_METADATA = "https://graph.microsoft.com/v1.0/$metadata"
APPLICATION_ENTITY = f"{METADATA}#applications/$entity"
APPLICATIONS = f"{METADATA}#applications"
SERVICE_PRINCIPAL_ENTITY = f"{METADATA}#servicePrincipals/$entity"
SERVICE_PRINCIPALS = f"{METADATA}#servicePrincipals"
GRANT_ENTITY = f"{METADATA}#oauth2PermissionGrants/$entity"
GRANTS = f"{METADATA}#oauth2PermissionGrants"
IDENTITY_PROVIDERS = f"{METADATA}#identity/identityProviders"
PROVIDER_COLLECTION = f"{METADATA}#Collection(microsoft.graph.identityProviderBase)"
FLOW_PROVIDER_COLLECTION = f"{V1_METADATA}#Collection(microsoft.graph.identityProviderBase)"
"""The v1.0 page's example of a flow's providers answers with v1.0's context, though it is sent to beta."""
CONDITIONAL_ACCESS_POLICIES = f"{METADATA}#conditionalAccess/policies"
TRUST_FRAMEWORK_KEY = f"{METADATA}#microsoft.graph.trustFrameworkKey"
MICROSOFT_SERVICES_TENANT = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"
"""The organization that owns Microsoft's first-party applications, Microsoft Graph among them."""

_INFO = {
    "termsOfServiceUrl": None,
    "supportUrl": None,
    "privacyStatementUrl": None,
    "marketingUrl": None,
    "logoUrl": None,
}

APPLICATION_DEFAULTS: dict[str, Any] = {
    "deletedDateTime": None,
    "isFallbackPublicClient": None,
    "applicationTemplateId": None,
    "identifierUris": [],
    "disabledByMicrosoftStatus": None,
    "isDeviceOnlyAuthSupported": None,
    "groupMembershipClaims": None,
    "optionalClaims": None,
    "addIns": [],
    "signInAudience": "AzureADandPersonalMicrosoftAccount",
    "samlMetadataUrl": None,
    "verifiedPublisher": {"displayName": None, "verifiedPublisherId": None, "addedDateTime": None},
    "certification": None,
    "tags": [],
    "tokenEncryptionKeyId": None,
    "api": {
        "requestedAccessTokenVersion": 2,
        "acceptMappedClaims": None,
        "knownClientApplications": [],
        "oauth2PermissionScopes": [],
        "preAuthorizedApplications": [],
    },
    "appRoles": [],
    "publicClient": {"redirectUris": []},
    "info": _INFO,
    "keyCredentials": [],
    "parentalControlSettings": {"countriesBlockedForMinors": [], "legalAgeGroupRule": "Allow"},
    "passwordCredentials": [],
    "requiredResourceAccess": [],
    "uniqueName": None,
    "web": {
        "redirectUris": [],
        "homePageUrl": None,
        "logoutUrl": None,
        "implicitGrantSettings": {"enableIdTokenIssuance": False, "enableAccessTokenIssuance": False},
    },
    "windows": None,
}
"""A new application as the create, upsert and get examples show it. A new app has no verified publisher (its
properties null) and no certification (null); `samlMetadataUrl` is "Nullable" (application.md) and set for SAML apps
only; `signInAudience` defaults to AzureADandPersonalMicrosoftAccount (application.md)."""

SERVICE_PRINCIPAL_DEFAULTS: dict[str, Any] = {
    "deletedDateTime": None,
    "accountEnabled": True,
    "applicationTemplateId": None,
    "appRoleAssignmentRequired": False,
    "errorUrl": None,
    "homepage": None,
    "loginUrl": None,
    "logoutUrl": None,
    "notificationEmailAddresses": [],
    "preferredSingleSignOnMode": None,
    "preferredTokenSigningKeyEndDateTime": None,
    "preferredTokenSigningKeyThumbprint": None,
    "replyUrls": [],
    "samlMetadataUrl": None,
    "samlSingleSignOnSettings": None,
    "signInAudience": "AzureADandPersonalMicrosoftAccount",
    "tags": [],
    "addIns": [],
    "api": {"resourceSpecificApplicationPermissions": []},
    "appRoles": [],
    "info": _INFO,
    "keyCredentials": [],
    "passwordCredentials": [],
}
"""A new service principal as the create and upsert examples show it; the owner organization, the publisher and the
names come from the application (`service_principal_view`). The delegated permissions it exposes keep the name the
tenant stores them under."""


def beneath(defaults: dict[str, Any], shown: dict[str, Any]) -> dict[str, Any]:
    """`shown` with `defaults` filling what it lacks, object by object (a value shown, null included, wins)."""
    merged = {name: copy.deepcopy(value) for name, value in defaults.items() if name not in shown}
    for name, value in shown.items():
        default = defaults.get(name)
        if isinstance(default, dict) and isinstance(value, dict):
            merged[name] = beneath(default, value)
        else:
            merged[name] = copy.deepcopy(value)
    return merged


def application_view(application: dict[str, Any], domain: str) -> dict[str, Any]:
    """An application with every property the examples show; its publisher domain is the tenant's."""
    return beneath({**APPLICATION_DEFAULTS, "publisherDomain": domain}, application)


def service_principal_view(principal: dict[str, Any], organization_id: str, publisher: str) -> dict[str, Any]:
    """A service principal with every property the examples show: owned by `organization_id`, published by
    `publisher` (Microsoft's own for Microsoft Graph's)."""
    if principal.get("appId") == GRAPH_APP_ID:
        organization_id, publisher = MICROSOFT_SERVICES_TENANT, "Microsoft Services"
    defaults = {
        **SERVICE_PRINCIPAL_DEFAULTS,
        "appDisplayName": principal.get("displayName"),
        "appOwnerOrganizationId": organization_id,
        "publisherName": publisher,
        "servicePrincipalNames": [principal["appId"]] if principal.get("appId") else [],
    }
    return beneath(defaults, principal)


def organization_extras(country: str) -> dict[str, Any]:
    """The organization properties organization-get.md's example shows besides those the simulator fills itself,
    as a new B2C tenant has them: no partner, no on-premises sync, no plans listed."""
    return {
        "defaultUsageLocation": country,
        "isMultipleDataLocationsForServicesEnabled": None,
        "marketingNotificationEmails": [],
        "onPremisesLastSyncDateTime": None,
        "onPremisesSyncEnabled": None,
        "partnerTenantType": None,
        "postalCode": None,
        "securityComplianceNotificationMails": [],
        "securityComplianceNotificationPhones": [],
        "state": None,
        "street": None,
        "directorySizeQuota": {"used": 1, "total": 50000},
        "assignedPlans": [],
        "privacyProfile": {"contactEmail": "", "statementUrl": ""},
        "provisionedPlans": [],
    }


def listed_grant(grant: dict[str, Any], organization_id: str) -> dict[str, Any]:
    """A grant as oauth2permissiongrant-list.md lists it: with its `@odata.id`."""
    return {
        "@odata.id": f"https://graph.microsoft.com/v2/{organization_id}/oauth2PermissionGrants/{grant['id']}",
        **grant,
    }
