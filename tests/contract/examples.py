"""The arguments the contract tests call the client with: the documented examples' values, where they matter.

Each id below is the one in the fixture's example path or body, so `documented_path(doc)` (the example's path)
is what the client must request. `INVOCATIONS` says, per fixture, which client call performs the operation; the
error tests run every one of them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.contract.support import Answer, documented, graph_error
from wizard.graph import GraphClient, OidcFederationSpec, OidcProviderSpec, SecondFactor

KEY_SET_ID = "B2C_1A_keyset1"
"""The id trustframework-post-keysets.md's example key set ends up with (the doc's GET and uploadSecret say {id})."""
POLICY_TO_READ = "B2C_1A_Test"
"""trustframeworkpolicy-get.md's example policy."""
POLICY_TO_UPLOAD = "B2C_1A_SocialAndLocalAccounts_Base"
"""trustframework-put-trustframeworkpolicy.md's example policy."""
USER_FLOW_TO_READ = "B2C_1_CustomerSignUp"
"""b2cidentityuserflow-get.md's example flow (its path says {id}; the response names it)."""
USER_FLOW_WITH_PROVIDERS = "B2C_test_signin_signup"
"""The flow of the userflowIdentityProviders examples."""
CREATED_PROVIDER_ID = "Contoso-OIDC-00001111-aaaa-2222-bbbb-3333cccc4444"
"""The id identitycontainer-post-identityproviders.md's example provider gets."""
UPDATED_PROVIDER_ID = "OIDC-V1-Nam_AD_Test-3e393390-ed2d-4794-97f6-5c999ccc61f7"
"""identityproviderbase-update.md's example provider."""
APPLICATION_OBJECT_ID = "03ef14b0-ca33-4840-8f4f-d6e91916010e"
"""The object id of the application examples (application-get.md's path says {id})."""
UNIQUE_NAME = "app-65278"
"""application-upsert.md's example uniqueName."""
APPLICATION_NAME = "Display name"
"""The displayName of application-upsert.md's and application-post-applications.md's examples."""
LISTED_APPLICATION_NAME = "a"
"""The displayName application-list.md's example finds."""
REDIRECT_URI = "https://jwt.ms"
"""Not in any example: the redirect URI the client adds to the test application."""
SERVICE_PRINCIPAL_APP_ID = "65415bb1-9267-4313-bbf5-ae259732ee12"
"""The appId of serviceprincipal-post-serviceprincipals.md's and serviceprincipal-upsert.md's examples."""
SERVICE_PRINCIPAL_ID = "59e617e5-e447-4adc-8b88-00af644d7c92"
"""A service principal object id to delete (the delete doc's example keeps the {id} placeholder)."""
SERVICE_PRINCIPAL_NAME = "My app instance"
"""serviceprincipal-upsert.md's example displayName."""
LISTED_APP_ID = "appId-value"
"""The appId of serviceprincipal-list.md's example item."""
GRANT_CLIENT_ID = "ef969797-201d-4f6b-960c-e9ed5f31dab5"
GRANT_RESOURCE_ID = "943603e4-e787-4fe9-93d1-e30f749aae39"
GRANT_SCOPE = "DelegatedPermissionGrant.ReadWrite.All"
"""oauth2permissiongrant-post.md's example clientId, resourceId and scope."""
LISTED_GRANT_CLIENT_ID = "263a5b01-03e5-408e-8557-bab681df104c"
LISTED_GRANT_RESOURCE_ID = "1804a6f8-e623-4520-8f40-ba1b0c11c42d"
"""oauth2permissiongrant-list.md's example grant's clientId and resourceId."""
GRANT_ID = "l5eW7x0ga0-WDOntXzHateQDNpSH5-lPk9HjD3Sarjk"
UPDATED_SCOPE = "User.ReadBasic.All Group.ReadWrite.All"
"""oauth2permissiongrant-update.md's example grant id and scope."""
EXTERNAL_FLOW_ID = "0313cc37-d421-421d-857b-87804d61e33e"
"""The External ID user flow of the authenticationEventsFlows examples."""
FLOW_APP_ID = "63856651-13d9-4784-9abf-20758d509e19"
"""The appId the includeApplications examples link."""
CONDITIONAL_ACCESS_POLICY_ID = "7359d0e0-d8a9-4afa-8a93-e23e099d7be8"
"""A policy id to update (conditionalaccesspolicy-update.md's example keeps {id}): Example 1's created policy."""
SIG = "sig"
"""The `use` the steps give a policy key; uploadSecret's example writes the placeholder "use-value"."""


def oidc_spec(body: Mapping[str, Any] | None = None, **changes: Any) -> OidcProviderSpec:
    """The provider of identitycontainer-post-identityproviders.md's B2C example (or of `body`), as a spec."""
    example = body if body is not None else documented("create_oidc_identity_provider").request.body
    values: dict[str, Any] = {
        "display_name": example["displayName"],
        "client_id": example["clientId"],
        "metadata_url": example["metadataUrl"],
        "scope": example["scope"],
        "response_type": example["responseType"],
        "response_mode": example["responseMode"],
        "domain_hint": example["domainHint"],
        "claims_mapping": dict(example["claimsMapping"]),
    }
    values.update(changes)
    return OidcProviderSpec(**values)


def oidc_secret() -> str:
    return str(documented("create_oidc_identity_provider").request.body["clientSecret"])


def federation_spec() -> OidcFederationSpec:
    """The custom OpenID Connect provider of identitycontainer-post-identityproviders.md's Example 4, as a spec (the
    claim mapping the tool sends: the example's first five)."""
    example = documented("create_oidc_federation_provider").request.body
    mapping = {
        claim: example["inboundClaimMapping"][claim] for claim in ("sub", "name", "given_name", "family_name", "email")
    }
    return OidcFederationSpec(
        display_name=example["displayName"],
        client_id=example["clientId"],
        issuer=example["issuer"],
        well_known_endpoint=example["wellKnownEndpoint"],
        scope=example["scope"],
        claim_mapping=mapping,
    )


def federation_secret() -> str:
    return str(documented("create_oidc_federation_provider").request.body["clientAuthentication"]["clientSecret"])


def policy_xml() -> bytes:
    """The policy trustframework-put-trustframeworkpolicy.md's example uploads, byte for byte."""
    return str(documented("put_policy_updated").request.body).encode("utf-8")


def upsert_refused() -> Answer:
    """How a tenant that takes no alternate-key upserts may answer (the client then creates instead)."""
    return graph_error(405, "Request_BadRequest", "The HTTP method 'PATCH' is not allowed on this resource.")


@dataclass(frozen=True)
class Invocation:
    """The client call that performs a fixture's operation."""

    call: Callable[[GraphClient], Awaitable[object]]
    lead_in: Callable[[], list[Answer]] = field(default=list)
    """The answers to the requests the client makes before the documented one, in order."""


INVOCATIONS: dict[str, Invocation] = {
    "get_organization": Invocation(lambda graph: graph.organization()),
    "get_key_set": Invocation(lambda graph: graph.key_set(KEY_SET_ID)),
    "create_key_set": Invocation(lambda graph: graph.create_key_set("keyset1")),
    "upload_secret": Invocation(
        lambda graph: graph.upload_secret(
            KEY_SET_ID, "application-secret-to-be-uploaded", use=SIG, nbf=1508969811, exp=1508973711
        )
    ),
    "delete_key_set": Invocation(lambda graph: graph.delete_key_set(KEY_SET_ID)),
    "delete_policy": Invocation(lambda graph: graph.delete_policy(POLICY_TO_UPLOAD)),
    "delete_application": Invocation(lambda graph: graph.delete_application(APPLICATION_OBJECT_ID)),
    "delete_service_principal": Invocation(lambda graph: graph.delete_service_principal(SERVICE_PRINCIPAL_ID)),
    "delete_oauth2_permission_grant": Invocation(lambda graph: graph.delete_permission_grant(GRANT_ID)),
    "delete_user_flow": Invocation(lambda graph: graph.delete_user_flow(USER_FLOW_TO_READ)),
    "delete_identity_provider": Invocation(lambda graph: graph.delete_identity_provider(CREATED_PROVIDER_ID)),
    "generate_key": Invocation(
        lambda graph: graph.generate_key(KEY_SET_ID, kty="RSA", use=SIG, nbf=1508969811, exp=1508969811)
    ),
    "list_policies": Invocation(lambda graph: graph.policy_ids()),
    "get_policy_content": Invocation(lambda graph: graph.policy_xml(POLICY_TO_READ)),
    "put_policy_created": Invocation(lambda graph: graph.upload_policy(POLICY_TO_UPLOAD, policy_xml())),
    "put_policy_updated": Invocation(lambda graph: graph.upload_policy(POLICY_TO_UPLOAD, policy_xml())),
    "list_identity_providers": Invocation(lambda graph: graph.identity_providers()),
    "create_oidc_identity_provider": Invocation(lambda graph: graph.create_oidc_provider(oidc_spec(), oidc_secret())),
    "update_identity_provider": Invocation(
        lambda graph: graph.update_oidc_provider(UPDATED_PROVIDER_ID, oidc_spec(), oidc_secret())
    ),
    "get_user_flow": Invocation(lambda graph: graph.user_flow(USER_FLOW_TO_READ)),
    "get_email_authentication_method_configuration": Invocation(
        lambda graph: graph.authentication_method(SecondFactor.EMAIL)
    ),
    "get_sms_authentication_method_configuration": Invocation(
        lambda graph: graph.authentication_method(SecondFactor.SMS)
    ),
    "update_email_authentication_method_configuration": Invocation(
        lambda graph: graph.enable_authentication_method(SecondFactor.EMAIL, add_all_users=True)
    ),
    "update_sms_authentication_method_configuration": Invocation(
        lambda graph: graph.enable_authentication_method(SecondFactor.SMS, add_all_users=True)
    ),
    "list_conditional_access_policies": Invocation(
        lambda graph: graph.conditional_access_policies_named("SimplePolicy2")
    ),
    "update_conditional_access_policy": Invocation(
        lambda graph: graph.update_mfa_policy(
            CONDITIONAL_ACCESS_POLICY_ID, state="enabled", app_id=SERVICE_PRINCIPAL_APP_ID, grant_mfa=True
        )
    ),
    "create_conditional_access_policy": Invocation(
        lambda graph: graph.create_mfa_policy("Asignio MFA", SERVICE_PRINCIPAL_APP_ID, report_only=False)
    ),
    "create_user_flow": Invocation(lambda graph: graph.create_user_flow("Customer")),
    "list_user_flow_identity_providers": Invocation(
        lambda graph: graph.user_flow_provider_ids(USER_FLOW_WITH_PROVIDERS)
    ),
    "add_user_flow_identity_provider": Invocation(
        lambda graph: graph.attach_provider(USER_FLOW_WITH_PROVIDERS, CREATED_PROVIDER_ID)
    ),
    "list_applications": Invocation(lambda graph: graph.applications_named(LISTED_APPLICATION_NAME)),
    "create_application": Invocation(lambda graph: graph.create_test_application(APPLICATION_NAME, REDIRECT_URI)),
    "upsert_application_created": Invocation(
        lambda graph: graph.upsert_test_application(UNIQUE_NAME, APPLICATION_NAME, REDIRECT_URI)
    ),
    "upsert_application_updated": Invocation(
        lambda graph: graph.upsert_test_application(UNIQUE_NAME, APPLICATION_NAME, REDIRECT_URI)
    ),
    "get_application_by_unique_name": Invocation(
        lambda graph: graph.update_test_application(APPLICATION_OBJECT_ID, REDIRECT_URI)
    ),
    "update_application": Invocation(
        lambda graph: graph.update_test_application(APPLICATION_OBJECT_ID, REDIRECT_URI),
        lambda: [Answer.of(documented("get_application_by_unique_name"))],
    ),
    "list_service_principals": Invocation(lambda graph: graph.service_principal(LISTED_APP_ID)),
    "create_service_principal": Invocation(
        lambda graph: graph.create_service_principal(SERVICE_PRINCIPAL_APP_ID, SERVICE_PRINCIPAL_NAME),
        lambda: [upsert_refused()],
    ),
    "upsert_service_principal_created": Invocation(
        lambda graph: graph.create_service_principal(SERVICE_PRINCIPAL_APP_ID, SERVICE_PRINCIPAL_NAME)
    ),
    "upsert_service_principal_updated": Invocation(
        lambda graph: graph.create_service_principal(SERVICE_PRINCIPAL_APP_ID, SERVICE_PRINCIPAL_NAME)
    ),
    "list_oauth2_permission_grants": Invocation(
        lambda graph: graph.permission_grant(LISTED_GRANT_CLIENT_ID, LISTED_GRANT_RESOURCE_ID)
    ),
    "create_oauth2_permission_grant": Invocation(
        lambda graph: graph.create_permission_grant(GRANT_CLIENT_ID, GRANT_RESOURCE_ID, GRANT_SCOPE)
    ),
    "update_oauth2_permission_grant": Invocation(lambda graph: graph.update_permission_grant(GRANT_ID, UPDATED_SCOPE)),
    "create_oidc_federation_provider": Invocation(
        lambda graph: graph.create_oidc_provider(federation_spec(), federation_secret())
    ),
    "create_sign_up_flow": Invocation(lambda graph: graph.create_sign_up_flow("Woodgrove", ["EmailPassword-OAUTH"])),
    "list_sign_up_flows": Invocation(lambda graph: graph.sign_up_flows()),
    "list_identity_providers_external_tenant": Invocation(lambda graph: graph.identity_providers()),
    "list_sign_up_flow_identity_providers": Invocation(lambda graph: graph.flow_provider_ids(EXTERNAL_FLOW_ID)),
    "add_sign_up_flow_identity_provider": Invocation(
        lambda graph: graph.add_flow_provider(EXTERNAL_FLOW_ID, "Google-OAUTH")
    ),
    "remove_sign_up_flow_identity_provider": Invocation(
        lambda graph: graph.remove_flow_provider(EXTERNAL_FLOW_ID, "Facebook-OAUTH")
    ),
    "list_sign_up_flow_applications": Invocation(lambda graph: graph.flow_app_ids(EXTERNAL_FLOW_ID)),
    "link_sign_up_flow_application": Invocation(lambda graph: graph.link_flow_app(EXTERNAL_FLOW_ID, FLOW_APP_ID)),
}
"""Every fixture but the two that document no single operation (error_response, paging)."""
