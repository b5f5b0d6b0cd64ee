"""The simulator answers each documented example as Microsoft's Graph docs show it.

Every fixture in tests/contract/fixtures (a documented request and response, copied from
microsoftgraph/microsoft-graph-docs-contrib with its page cited) is sent to the simulator as the doc sends it, after
the tenant is given what the request needs, and the simulator's answer is held to the documented one in shape: the
status, the headers the doc shows, the property names with their exact casing, the JSON types (numbers as strings
where the doc shows strings), nulls where the doc shows nulls, the `@odata` annotations, and the values the doc
fixes (enums, `@odata.type` forms). Ids, names and times differ, so they are compared by type only.

The contract tests replay the same fixtures against the client; with both, the client and the simulator cannot
agree on a shape the docs do not show.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from lxml import etree

from tests.contract.examples import (
    EXTERNAL_FLOW_ID,
    FLOW_APP_ID,
    GRANT_CLIENT_ID,
    GRANT_ID,
    GRANT_RESOURCE_ID,
    SERVICE_PRINCIPAL_APP_ID,
    UPDATED_PROVIDER_ID,
)
from tests.contract.support import documented, fixture_names, media_type
from tests.support.simulator import Start, client
from wizard.simulator import SimulatedTenant, SimulatorServer
from wizard.simulator.tenant import GRAPH_APP_ID

DOCS_ROOT = "https://graph.microsoft.com"
"""Where the docs' absolute URLs (Location, `@odata.nextLink`) point; the simulator's own root stands for it."""
PLACEHOLDER = re.compile(r"^[A-Za-z0-9_.]+-value$")
"""The values of the docs' generated examples (`"kty": "kty-value"`): they show a property and its type, no value."""
KEY_IN_CONTEXT = re.compile(r"\('[^']*'\)")
"""The entity key inside an `@odata.context` (`authenticationEventsFlows('0313…')`): an id, not a form."""
SKIPTOKEN = re.compile(r"\$skiptoken=[^&]*")
FIXED_VALUES = {
    "@odata.type",
    "certificateData",
    "clientSecret",
    "consentType",
    "identityProviderType",
    "kty",
    "legalAgeGroupRule",
    "responseMode",
    "responseType",
    "signInAudience",
    "state",
    "targetType",
    "use",
    "userFlowType",
    "userTypeToCreate",
}
"""Properties whose value the doc fixes (an enum, a type name, a secret's mask), compared as written: case included."""
SENT_WITHOUT_AN_EXAMPLE = {
    "@odata.context": "old examples leave out the context every Graph answer carries",
}
"""Properties an answer may carry where its example shows none, with the reason."""


# Comparing an answer with the documented one


def json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def odata_kind(item: Any) -> str | None:
    """The type an item names, as Graph compares it (with or without '#', any case); None when it names none."""
    if isinstance(item, dict) and isinstance(item.get("@odata.type"), str):
        return str(item["@odata.type"]).lstrip("#").lower()
    return None


def same_fixed_values(item: Any, candidate: Any) -> bool:
    """Whether a documented item shows the values the doc fixes as `item` has them: the one to hold it to."""
    if not isinstance(item, dict) or not isinstance(candidate, dict):
        return True
    return all(item.get(name) == candidate[name] for name in FIXED_VALUES & set(candidate) if name in item)


def is_placeholder(value: Any) -> bool:
    return isinstance(value, str) and PLACEHOLDER.match(value) is not None


@dataclass
class ShapeCheck:
    """Walks an answer beside its documented example (`expected`) and the other documented representations of the
    same resource (`others`): every property the example shows must be there, and nothing no representation shows;
    each value has a type some representation shows (null only where one shows null, or the example is a
    placeholder); the values the doc fixes are equal."""

    tolerated: Mapping[str, str]
    ids: Mapping[str, str]
    differences: list[str] = field(default_factory=list)

    def report(self, where: str, difference: str) -> None:
        if not any(where == path or where.startswith((path + ".", path + "[")) for path in self.tolerated):
            self.differences.append(f"{where or '(the body)'}: {difference}")

    def compare(self, actual: Any, expected: Any, others: list[Any], where: str) -> None:
        kinds = {json_kind(value) for value in (expected, *others)}
        if actual is None:
            if "null" not in kinds and not is_placeholder(expected):
                self.report(where, f"null where the doc shows {json_kind(expected)}")
            return
        if json_kind(actual) not in kinds:
            self.report(where, f"{json_kind(actual)} {actual!r:.60} where the doc shows {' or '.join(sorted(kinds))}")
            return
        if isinstance(actual, dict):
            self._compare_objects(actual, expected, others, where)
        elif isinstance(actual, list):
            self._compare_lists(actual, expected, others, where)

    def compare_value(self, name: str, actual: Any, expected: Any, where: str) -> None:
        """The values the doc fixes: enums and type names as written, annotation URLs in their form."""
        if actual is None or expected is None or is_placeholder(expected):
            return
        if name.endswith("@odata.context"):
            actual, expected = KEY_IN_CONTEXT.sub("('…')", actual), KEY_IN_CONTEXT.sub("('…')", expected)
        elif name == "@odata.nextLink":
            actual, expected = SKIPTOKEN.sub("$skiptoken=…", actual), SKIPTOKEN.sub("$skiptoken=…", self.fill(expected))
        elif name not in FIXED_VALUES:
            return
        if actual != expected:
            self.report(where, f"{actual!r} where the doc shows {expected!r}")

    def fill(self, text: str) -> str:
        for documented_value, actual_value in self.ids.items():
            text = text.replace(documented_value, actual_value)
        return text

    def _compare_objects(self, actual: dict[str, Any], expected: Any, others: list[Any], where: str) -> None:
        expected = expected if isinstance(expected, dict) else {}
        representations = [other for other in others if isinstance(other, dict)]
        known = set(expected).union(*representations)
        for name in expected:
            if name not in actual:
                self.report(f"{where}.{name}".lstrip("."), "missing")
        for name, value in actual.items():
            path = f"{where}.{name}".lstrip(".")
            if name not in known:
                if name not in SENT_WITHOUT_AN_EXAMPLE:
                    self.report(path, "no documented representation shows it")
                continue
            shown = [other[name] for other in representations if name in other]
            primary, rest = (expected[name], shown) if name in expected else (shown[0], shown[1:])
            self.compare(value, primary, rest, path)
            self.compare_value(name, value, primary, path)

    def _compare_lists(self, actual: list[Any], expected: Any, others: list[Any], where: str) -> None:
        expected = expected if isinstance(expected, list) else []
        other_items = [item for other in others if isinstance(other, list) for item in other]
        if where == "value" and expected and not actual:
            self.report(where, "empty where the doc lists items: the case's setup made none")
        for item in actual:
            kind = odata_kind(item)
            alike = [candidate for candidate in expected if odata_kind(candidate) == kind]
            alike_elsewhere = [candidate for candidate in other_items if odata_kind(candidate) == kind]
            candidates = alike + alike_elsewhere
            if not candidates:
                if expected or other_items:
                    self.report(f"{where}[]", f"an item of a kind no documented example shows ({kind})")
                continue
            primary = next((candidate for candidate in candidates if same_fixed_values(item, candidate)), candidates[0])
            self.compare(
                item, primary, [candidate for candidate in candidates if candidate is not primary], f"{where}[]"
            )


# Preparing the tenant a documented request needs


class Tenant:
    """The simulated tenant, given what a request needs through Graph as a client would, where Graph can."""

    def __init__(self, server: SimulatorServer, graph: httpx.Client) -> None:
        self.server = server
        self.graph = graph

    def post(self, path: str, body: Mapping[str, Any]) -> Any:
        answered = self.graph.post(path, json=dict(body))
        assert answered.status_code in (200, 201, 204), f"setup POST {path}: {answered.status_code} {answered.text}"
        return answered.json() if answered.content else None

    def application(self, display_name: str = "Display name", **properties: Any) -> dict[str, Any]:
        return dict(self.post("/applications", {"displayName": display_name, **properties}))

    def service_principal(self, app_id: str | None = None) -> dict[str, Any]:
        return dict(self.post("/servicePrincipals", {"appId": app_id or self.application()["appId"]}))

    def graph_service_principal_id(self) -> str:
        return next(sp["id"] for sp in self.server.tenant.service_principals.values() if sp["appId"] == GRAPH_APP_ID)

    def grant(self) -> dict[str, Any]:
        """oauth2permissiongrant-post.md's grant, from a new service principal to Microsoft Graph's."""
        body = documented("create_oauth2_permission_grant").request.body
        ids = {"clientId": self.service_principal()["id"], "resourceId": self.graph_service_principal_id()}
        return dict(self.post("/oauth2PermissionGrants", {**body, **ids}))

    def oidc_provider(self) -> dict[str, Any]:
        """identitycontainer-post-identityproviders.md's B2C OpenID Connect provider."""
        return dict(self.post("/identity/identityProviders", documented("create_oidc_identity_provider").request.body))

    def social_provider(self, provider_type: str, display_name: str) -> dict[str, Any]:
        body = {
            "@odata.type": "#microsoft.graph.socialIdentityProvider",
            "displayName": display_name,
            "identityProviderType": provider_type,
            "clientId": f"{provider_type.lower()}-client",
            "clientSecret": "secret",
        }
        return dict(self.post("/identity/identityProviders", body))

    def user_flow(self, name: str) -> str:
        body = {**documented("create_user_flow").request.body, "id": name}
        return str(self.post("/identity/b2cUserFlows", body)["id"])

    def sign_up_flow(self, *provider_ids: str) -> str:
        """identitycontainer-post-authenticationeventsflows.md's flow, offering `provider_ids` besides email."""
        body = documented("create_sign_up_flow").request.body
        offered = [{"id": "EmailPassword-OAUTH"}, *({"id": provider_id} for provider_id in provider_ids)]
        body["onAuthenticationMethodLoadStart"]["identityProviders"] = offered
        return str(self.post("/identity/authenticationEventsFlows", body)["id"])

    def key_set(self, name: str = "keyset1") -> str:
        return str(self.post("/trustFramework/keySets", {"id": name})["id"])

    def policy(self, policy_id: str, content: str) -> None:
        """A stored policy, put in the tenant's store directly: the docs' example policies name no real tenant or
        base, so B2C's upload checks would refuse them."""
        self.server.tenant.policies[policy_id] = content.encode("utf-8")

    def conditional_access_policy(self, **changes: Any) -> dict[str, Any]:
        body = {**documented("create_conditional_access_policy").request.body, **changes}
        return dict(self.post("/identity/conditionalAccess/policies", body))


Setup = Callable[[Tenant], dict[str, str]]


def nothing(tenant: Tenant) -> dict[str, str]:
    return {}


def b2c() -> SimulatedTenant:
    return SimulatedTenant.seeded()


def external() -> SimulatedTenant:
    return SimulatedTenant.seeded(tenant_type="CIAM")


def named_as_the_policy_examples() -> SimulatedTenant:
    """The policy examples' TenantId is tenantName.onmicrosoft.com."""
    return SimulatedTenant.seeded("tenantname")


@dataclass(frozen=True)
class Replay:
    """How a fixture's request is sent to the simulator."""

    setup: Setup = nothing
    """Gives the tenant what the request needs; answers the doc's ids (or `{placeholders}`) and the simulator's ids to
    put in their place in the path, the body and the expected headers."""
    tenant: Callable[[], SimulatedTenant] = b2c
    also: tuple[str, ...] = ()
    """Fixtures that show the same resource (`name[]`: the items of its `value`): properties and types they show
    are the resource's too. Examples are often shortened, so one alone does not list every property."""
    tolerated: Mapping[str, str] = field(default_factory=dict)
    """Where (a dotted path, `[]` for list items) the answer may differ from the example, and why."""
    adapted: str = ""
    """Why the request is not the doc's own (then `method`, `path` or `status` say how it differs)."""
    method: str | None = None
    path: str | None = None
    status: int | None = None
    answer: Callable[[Any], Any] | None = None
    """The part of the answer the example shows (None: all of it)."""


def application_id(tenant: Tenant) -> dict[str, str]:
    return {"{id}": tenant.application()["id"]}


def with_application(tenant: Tenant) -> dict[str, str]:
    return {SERVICE_PRINCIPAL_APP_ID: tenant.application()["appId"]}


def with_grant(tenant: Tenant) -> dict[str, str]:
    grant_id = tenant.grant()["id"]
    return {"{id}": grant_id, GRANT_ID: grant_id}


def with_key_set(tenant: Tenant) -> dict[str, str]:
    return {"{id}": tenant.key_set()}


def with_generated_key(tenant: Tenant) -> dict[str, str]:
    key_set_id = tenant.key_set()
    body = documented("generate_key").request.body
    tenant.post(f"/trustFramework/keySets/{key_set_id}/generateKey", {**body, "exp": 4102444800})
    return {"{id}": key_set_id}


def with_provider_to_attach(tenant: Tenant) -> dict[str, str]:
    return {
        "B2C_test_signin_signup": tenant.user_flow("test_signin_signup"),
        "{id}": tenant.oidc_provider()["id"],
    }


def with_attached_providers(tenant: Tenant) -> dict[str, str]:
    """b2cidentityuserflow-list-userflowidentityproviders.md's flow: an OpenID Connect provider and social ones."""
    flow_id = tenant.user_flow("test_signin_signup")
    providers = [tenant.oidc_provider(), tenant.social_provider("Microsoft", "Microsoft Account")]
    for provider in providers:
        reference = {"@odata.id": f"{DOCS_ROOT}/beta/identity/identityProviders/{provider['id']}"}
        tenant.post(f"/identity/b2cUserFlows/{flow_id}/userflowIdentityProviders/$ref", reference)
    return {"B2C_test_signin_signup": flow_id}


APPLE_PRIVATE_KEY = "apple-private-key"


def with_listed_providers(tenant: Tenant) -> dict[str, str]:
    """identitycontainer-list-identityproviders.md's B2C example: a social, an OpenID Connect and an Apple provider."""
    tenant.social_provider("LinkedIn", "linkedin")
    tenant.oidc_provider()
    apple = {
        "@odata.type": "#microsoft.graph.appleManagedIdentityProvider",
        "displayName": "Sign in with Apple",
        "developerId": "UBF8T346G9",
        "serviceId": "com.microsoft.aad.b2c.iuyt.client",
        "keyId": "99P6DD87C4",
        "certificateData": APPLE_PRIVATE_KEY,
    }
    tenant.post("/identity/identityProviders", apple)
    return {}


def with_oidc_provider(tenant: Tenant) -> dict[str, str]:
    provider_id = tenant.oidc_provider()["id"]
    return {"{id}": provider_id, UPDATED_PROVIDER_ID: provider_id}


def with_federation_provider(tenant: Tenant) -> dict[str, str]:
    tenant.post("/identity/identityProviders", documented("create_oidc_federation_provider").request.body)
    return {}


def with_sign_up_flow(tenant: Tenant) -> dict[str, str]:
    google = tenant.social_provider("Google", "Google")["id"]
    return {EXTERNAL_FLOW_ID: tenant.sign_up_flow(), "Google-OAUTH": google}


def with_sign_up_flow_offering_google(tenant: Tenant) -> dict[str, str]:
    """The flow of the providers' list example: email with password and Google."""
    flow_id = tenant.sign_up_flow(tenant.social_provider("Google", "Google")["id"])
    return {EXTERNAL_FLOW_ID: flow_id}


def with_sign_up_flow_offering_facebook(tenant: Tenant) -> dict[str, str]:
    """The flow of the provider remove example: email with password and Facebook."""
    facebook = tenant.social_provider("Facebook", "Facebook")["id"]
    return {EXTERNAL_FLOW_ID: tenant.sign_up_flow(facebook), "Facebook-OAUTH": facebook}


def with_linked_application(tenant: Tenant) -> dict[str, str]:
    flow_id = tenant.sign_up_flow()
    app_id = tenant.application()["appId"]
    link = documented("link_sign_up_flow_application").request.body
    tenant.post(
        f"/identity/authenticationEventsFlows/{flow_id}/conditions/applications/includeApplications",
        {**link, "appId": app_id},
    )
    return {EXTERNAL_FLOW_ID: flow_id}


def with_application_to_link(tenant: Tenant) -> dict[str, str]:
    return {
        EXTERNAL_FLOW_ID: tenant.sign_up_flow(),
        FLOW_APP_ID: tenant.application()["appId"],
    }


def with_sms_for_everyone(tenant: Tenant) -> dict[str, str]:
    """SMS turned on for all users, with the target the client sends (smsauthenticationmethodconfiguration-update.md)."""
    body = {
        **documented("update_sms_authentication_method_configuration").request.body,
        "includeTargets": [{"targetType": "group", "id": "all_users", "isRegistrationRequired": False}],
    }
    answered = tenant.graph.patch(
        "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/sms", json=body
    )
    assert answered.status_code == 204, answered.text
    return {}


def with_unique_name(tenant: Tenant) -> dict[str, str]:
    tenant.application(uniqueName="app-65278")
    return {}


def with_service_principal(tenant: Tenant) -> dict[str, str]:
    app_id = tenant.application()["appId"]
    tenant.service_principal(app_id)
    return {SERVICE_PRINCIPAL_APP_ID: app_id}


def with_service_principal_id(tenant: Tenant) -> dict[str, str]:
    return {"{id}": tenant.service_principal()["id"]}


def with_pages(tenant: Tenant) -> dict[str, str]:
    for number in range(6):
        tenant.application(f"app {number}")
    return {f"{DOCS_ROOT}/v1.0/users": f"{tenant.server.graph_root}/beta/applications"}


def with_policy_to_read(tenant: Tenant) -> dict[str, str]:
    tenant.policy("B2C_1A_Test", documented("get_policy_content").response.body)
    return {}


def with_policy_to_replace(tenant: Tenant) -> dict[str, str]:
    tenant.policy("B2C_1A_SocialAndLocalAccounts_Base", documented("put_policy_updated").request.body)
    return {}


def with_policies(tenant: Tenant) -> dict[str, str]:
    for policy_id in ("B2C_1A_CustomPolicy2", "B2C_1A_CustomPolicy3"):
        tenant.policy(policy_id, documented("put_policy_updated").request.body)
    return {}


def with_user_flow(tenant: Tenant) -> dict[str, str]:
    return {"{id}": tenant.user_flow("CustomerSignUp")}


def with_conditional_access_policy(tenant: Tenant) -> dict[str, str]:
    return {"{id}": tenant.conditional_access_policy()["id"]}


def with_disabled_conditional_access_policy(tenant: Tenant) -> dict[str, str]:
    tenant.conditional_access_policy(displayName="SimplePolicy1", state="disabled")
    return {}


def with_listed_application(tenant: Tenant) -> dict[str, str]:
    """application-list.md's Example 3 finds one app named "a", for this organization only."""
    tenant.application("a", signInAudience="AzureADMyOrg", identifierUris=["http://contoso/"])
    return {}


def in_items(tolerated: Mapping[str, str]) -> dict[str, str]:
    """`tolerated`, for the items of a collection."""
    return {f"value[].{path}": reason for path, reason in tolerated.items()}


APPLICATION = ("create_application", "upsert_application_created", "get_application_by_unique_name")
SERVICE_PRINCIPAL = ("create_service_principal", "upsert_service_principal_created", "list_service_principals[]")
PROVIDERS = (
    "list_identity_providers[]",
    "list_user_flow_identity_providers[]",
    "list_identity_providers_external_tenant[]",
    "list_sign_up_flow_identity_providers[]",
)
USER_FLOW = ("create_user_flow", "get_user_flow")
SIGN_UP_FLOW = ("create_sign_up_flow", "list_sign_up_flows[]")
A_NEW_APPLICATION = {
    "verifiedPublisher": "application-get.md's app has a verified publisher; a new app has none (its properties null)",
    "certification": "application-get.md's app is certified; a new app is not (null)",
    "samlMetadataUrl": "the create examples show a made-up URL; no page says a new app has one, and the service "
    "principal examples show the same property null",
}
FLOW_ATTRIBUTES = "the fixtures drop each flow's attribute page (the tool does not read it); the pages show it"

REPLAYS: dict[str, Replay] = {
    # Organization
    "get_organization": Replay(
        also=(),
        adapted="the page's request is GET /organization (a collection of one organization); its example reads the "
        "organization by id and shows the entity",
        path="/organization",
        answer=lambda body: body["value"][0],
        tolerated={
            "@odata.context": "the example's is an entity's; an item of a collection carries none",
            "partnerTenantType": "the example's tenant is managed by a partner; the simulated one is not (null)",
        },
    ),
    # Trust framework key sets and policies
    "create_key_set": Replay(),
    "get_key_set": Replay(setup=with_generated_key),
    "generate_key": Replay(setup=with_key_set, also=("get_key_set.keys[]",)),
    "upload_secret": Replay(setup=lambda tenant: {**with_key_set(tenant), "use-value": "sig"}),
    "delete_key_set": Replay(setup=with_key_set),
    "list_policies": Replay(setup=lambda tenant: {**with_policies(tenant), **with_policy_to_replace(tenant)}),
    "get_policy_content": Replay(setup=with_policy_to_read),
    "put_policy_created": Replay(tenant=named_as_the_policy_examples),
    "put_policy_updated": Replay(tenant=named_as_the_policy_examples, setup=with_policy_to_replace),
    "delete_policy": Replay(setup=with_policy_to_replace),
    # Identity providers
    "list_identity_providers": Replay(setup=with_listed_providers, also=PROVIDERS),
    "create_oidc_identity_provider": Replay(also=PROVIDERS),
    "update_identity_provider": Replay(setup=with_oidc_provider),
    "delete_identity_provider": Replay(setup=with_oidc_provider),
    "list_identity_providers_external_tenant": Replay(
        tenant=external,
        setup=with_federation_provider,
        also=PROVIDERS,
        tolerated={
            "value[].id": "the example's custom provider has no id; the simulator keeps it (a client needs it)",
            "@microsoft.graph.tips": "a hint to the developer, not data",
        },
    ),
    "create_oidc_federation_provider": Replay(tenant=external, also=PROVIDERS),
    # B2C user flows
    "create_user_flow": Replay(also=USER_FLOW),
    "get_user_flow": Replay(setup=with_user_flow, also=USER_FLOW),
    "delete_user_flow": Replay(setup=with_user_flow),
    "list_user_flow_identity_providers": Replay(setup=with_attached_providers, also=PROVIDERS),
    "add_user_flow_identity_provider": Replay(setup=with_provider_to_attach),
    # Applications, service principals and grants
    "list_applications": Replay(
        setup=with_listed_application,
        also=APPLICATION,
        adapted="the example filters with startswith and orders by name; the simulator takes `eq`, the filter the "
        "client sends (application-list.md: $filter supports eq on displayName)",
        path="/applications?$filter=displayName eq 'a'&$count=true&$top=1",
        tolerated=in_items(A_NEW_APPLICATION),
    ),
    "create_application": Replay(also=APPLICATION, tolerated=A_NEW_APPLICATION),
    "upsert_application_created": Replay(also=APPLICATION, tolerated=A_NEW_APPLICATION),
    "upsert_application_updated": Replay(setup=with_unique_name),
    "get_application_by_unique_name": Replay(setup=application_id, also=APPLICATION, tolerated=A_NEW_APPLICATION),
    "update_application": Replay(setup=application_id),
    "delete_application": Replay(setup=application_id),
    "list_service_principals": Replay(also=SERVICE_PRINCIPAL),
    "create_service_principal": Replay(setup=with_application, also=SERVICE_PRINCIPAL),
    "upsert_service_principal_created": Replay(setup=with_application, also=SERVICE_PRINCIPAL),
    "upsert_service_principal_updated": Replay(setup=with_service_principal),
    "delete_service_principal": Replay(setup=with_service_principal_id),
    "list_oauth2_permission_grants": Replay(
        setup=lambda tenant: {"grant": tenant.grant()["id"]}, also=("create_oauth2_permission_grant",)
    ),
    "create_oauth2_permission_grant": Replay(
        setup=lambda tenant: {
            GRANT_CLIENT_ID: tenant.service_principal()["id"],
            GRANT_RESOURCE_ID: tenant.graph_service_principal_id(),
        },
        also=("list_oauth2_permission_grants[]",),
    ),
    "update_oauth2_permission_grant": Replay(setup=with_grant),
    "delete_oauth2_permission_grant": Replay(setup=with_grant),
    # Authentication methods and Conditional Access
    "get_email_authentication_method_configuration": Replay(),
    "get_sms_authentication_method_configuration": Replay(setup=with_sms_for_everyone),
    "update_email_authentication_method_configuration": Replay(),
    "update_sms_authentication_method_configuration": Replay(),
    "list_conditional_access_policies": Replay(
        setup=with_disabled_conditional_access_policy, also=("create_conditional_access_policy",)
    ),
    "create_conditional_access_policy": Replay(also=("list_conditional_access_policies[]",)),
    "update_conditional_access_policy": Replay(setup=with_conditional_access_policy),
    # External ID user flows
    "create_sign_up_flow": Replay(
        tenant=external, also=SIGN_UP_FLOW, tolerated={"onAttributeCollection": FLOW_ATTRIBUTES}
    ),
    "list_sign_up_flows": Replay(
        tenant=external,
        setup=lambda tenant: {"flow": tenant.sign_up_flow()},
        also=SIGN_UP_FLOW,
        tolerated={"value[].onAttributeCollection": FLOW_ATTRIBUTES},
    ),
    "list_sign_up_flow_identity_providers": Replay(
        tenant=external, setup=with_sign_up_flow_offering_google, also=PROVIDERS
    ),
    "add_sign_up_flow_identity_provider": Replay(tenant=external, setup=with_sign_up_flow),
    "remove_sign_up_flow_identity_provider": Replay(tenant=external, setup=with_sign_up_flow_offering_facebook),
    "list_sign_up_flow_applications": Replay(tenant=external, setup=with_linked_application),
    "link_sign_up_flow_application": Replay(tenant=external, setup=with_application_to_link),
    # Concepts every operation shares
    "error_response": Replay(
        adapted="concepts/errors.md shows the error body every operation answers with, for no request of its own and "
        "with no status: it is held against the simulator's answer to a read of an application that is not there",
        method="GET",
        path="/applications/00000000-0000-0000-0000-000000000000",
        status=404,
        tolerated={"error.innerError.client-request-id": "Graph's OpenAPI InnerError has it; the example does not"},
    ),
    "paging": Replay(
        setup=with_pages,
        adapted="concepts/paging.md pages GET /users, which the simulator does not serve; its rule holds for every "
        "collection, so the same $top pages the applications",
        path="/applications?$top=5",
        tolerated={"value": "the page shows the nextLink alone"},
    ),
}
"""Every fixture whose request the simulator serves, and how it is sent."""

NOT_SERVED: dict[str, str] = {}
"""Fixtures the simulator is not asked to answer, and why: none today. A fixture for an operation the simulator does
not serve belongs here, with the reason, until the simulator serves it."""


# Sending the documented request


def filled(text: str, ids: Mapping[str, str]) -> str:
    for documented_value, actual_value in ids.items():
        text = text.replace(documented_value, actual_value)
    return text


def send(graph: httpx.Client, name: str, replay: Replay, ids: Mapping[str, str]) -> httpx.Response:
    doc = documented(name)
    method = replay.method or doc.request.method
    path = filled(replay.path or doc.request.example_path or "", ids)
    assert method and "{" not in path, f"{name}: the request is not concrete: {method} {path}"
    headers = {
        header: filled(value, ids)
        for header, value in doc.request.headers.items()
        if header.lower() != "content-length"
    }
    body = doc.request.body
    if body is None:
        content = None
    elif isinstance(body, str):
        content = filled(body, ids).encode("utf-8")
    else:
        content = filled(json.dumps(body), ids).encode("utf-8")
        headers.setdefault("Content-Type", "application/json")
    return graph.request(method, path, content=content, headers=headers)


def header_differences(answered: httpx.Response, name: str, ids: Mapping[str, str], root: str) -> list[str]:
    """The headers the doc shows: the media type of Content-Type; Location as written (relative or absolute)."""
    doc = documented(name)
    differences = []
    for header, value in doc.response.headers.items():
        if header.lower() == "content-length":
            continue
        actual = answered.headers.get(header)
        if header.lower() == "content-type":
            if media_type(actual) != media_type(value):
                differences.append(f"Content-Type {actual!r} where the doc shows {value!r}")
        elif header.lower() == "location":
            expected = filled(value, {**ids, DOCS_ROOT: root})
            if actual != expected:
                differences.append(f"Location {actual!r} where the doc shows {expected!r}")
        elif actual is None:
            differences.append(f"no {header} header")
    if isinstance(doc.response.body, dict | list) and media_type(answered.headers.get("content-type")) != (
        "application/json"
    ):
        differences.append(f"Content-Type {answered.headers.get('content-type')!r} for a JSON body")
    return differences


def representations(names: tuple[str, ...]) -> list[Any]:
    """The documented bodies `names` name: `fixture`, or `fixture.property[]` for the items of a list property
    (`fixture[]` for those of its `value`)."""
    shown: list[Any] = []
    for entry in names:
        fixture, _, part = entry.removesuffix("[]").partition(".")
        body = documented(fixture).response.body
        if entry.endswith("[]"):
            shown.extend(body[part or "value"])
        else:
            shown.append(body)
    return shown


def body_differences(answered: httpx.Response, name: str, replay: Replay, ids: Mapping[str, str]) -> list[str]:
    example = documented(name).response.body
    if example is None:
        return [] if answered.content == b"" else [f"a body where the doc shows none: {answered.text[:80]!r}"]
    if isinstance(example, str):
        root = etree.fromstring(answered.content)
        expected = etree.fromstring(example.encode("utf-8"))
        return [] if etree.QName(root).localname == etree.QName(expected).localname else ["not the documented XML"]
    check = ShapeCheck(replay.tolerated, ids)
    shown = answered.json() if replay.answer is None else replay.answer(answered.json())
    others = representations(replay.also)
    if isinstance(example, dict) and isinstance(example.get("value"), list):
        others = [{"value": others}]  # a collection's items are what the other representations show
    check.compare(shown, example, others, "")
    return check.differences


def test_every_fixture_is_replayed_against_the_simulator_or_said_why_not() -> None:
    assert set(REPLAYS) | set(NOT_SERVED) == set(fixture_names())
    assert not set(REPLAYS) & set(NOT_SERVED)
    changed = [
        name
        for name, replay in REPLAYS.items()
        if (replay.method, replay.path, replay.status, replay.answer) != (None, None, None, None)
    ]
    assert all(REPLAYS[name].adapted for name in changed), "a request or answer that is not the doc's says why"


@pytest.mark.parametrize("name", sorted(REPLAYS))
def test_the_simulator_answers_the_documented_request_as_the_doc_shows(name: str, start_simulator: Start) -> None:
    replay = REPLAYS[name]
    server = start_simulator(replay.tenant())
    with client(server) as graph:
        ids = replay.setup(Tenant(server, graph))
        answered = send(graph, name, replay, ids)
    expected_status = replay.status or documented(name).response.status

    assert answered.status_code == expected_status, answered.text
    differences = header_differences(answered, name, ids, server.graph_root) + body_differences(
        answered, name, replay, ids
    )
    assert not differences, "\n".join(differences)


def test_an_apple_providers_key_is_never_kept_and_reads_back_masked(start_simulator: Start) -> None:
    """identitycontainer-list-identityproviders.md shows an appleManagedIdentityProvider's certificateData as
    "******": like a client secret, the simulator keeps it nowhere, so it can never reach its state file."""
    server = start_simulator()
    with client(server) as graph:
        with_listed_providers(Tenant(server, graph))
        listed = graph.get("/identity/identityProviders").json()["value"]

    [apple] = [provider for provider in listed if provider["@odata.type"].endswith("appleManagedIdentityProvider")]
    assert apple["certificateData"] == "******"
    assert APPLE_PRIVATE_KEY not in json.dumps(server.tenant.to_json())
