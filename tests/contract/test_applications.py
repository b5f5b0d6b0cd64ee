"""App registrations, service principals and delegated permission grants as documented."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.contract.examples import (
    APPLICATION_NAME,
    APPLICATION_OBJECT_ID,
    GRANT_CLIENT_ID,
    GRANT_ID,
    GRANT_RESOURCE_ID,
    GRANT_SCOPE,
    LISTED_APP_ID,
    LISTED_APPLICATION_NAME,
    LISTED_GRANT_CLIENT_ID,
    LISTED_GRANT_RESOURCE_ID,
    REDIRECT_URI,
    SERVICE_PRINCIPAL_APP_ID,
    SERVICE_PRINCIPAL_NAME,
    UNIQUE_NAME,
    UPDATED_SCOPE,
    upsert_refused,
)
from tests.contract.support import (
    Answer,
    Documented,
    LoopbackGraph,
    assert_body_keys,
    assert_documented_request,
    documented,
    documented_path,
    graph_error,
    replays,
)
from wizard.graph import Application, GraphClient
from wizard.ownership import OWNER_TAG

ODATA_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
"""The form of the grant example's startTime/expiryTime ("2022-03-17T00:00:00Z")."""


def application_representations() -> list[Any]:
    """Every documented representation of an application: the keys the docs know for one. Nested objects are
    checked where these show them (web, api, implicitGrantSettings); their empty lists (requiredResourceAccess)
    show no item keys, so the items the client sends there are not checked."""
    return [
        documented(name).response.body
        for name in ("create_application", "upsert_application_created", "get_application_by_unique_name")
    ]


def service_principal_representations() -> list[Any]:
    return [documented(name).response.body for name in ("create_service_principal", "upsert_service_principal_created")]


def assert_tagged_as_documented(sent: dict[str, Any], representations: list[Any]) -> None:
    """The tool's mark: `tags` (application.md, serviceprincipal.md: a string collection "to categorize and
    identify") is a key of every documented representation, and the client sends exactly its own tag in it."""
    assert all(isinstance(representation["tags"], list) for representation in representations)
    assert sent["tags"] == [OWNER_TAG]


def as_collection(entity: dict[str, Any], doc: Documented) -> Answer:
    """A documented entity as the one item of a 200 collection answer, with the collection example's headers."""
    item = {key: value for key, value in entity.items() if key != "@odata.context"}
    return Answer(200, doc.response.headers, {"value": [item]})


def assert_parses_as_documented(application: Application, answered: dict[str, Any]) -> None:
    """The documented application's ids, names, redirect URIs and ID token issuance, as the client's model."""
    assert (application.object_id, application.app_id) == (answered["id"], answered["appId"])
    assert (application.display_name, application.unique_name) == (answered["displayName"], answered["uniqueName"])
    assert application.redirect_uris == tuple(answered["web"]["redirectUris"])
    assert application.id_token_issuance is answered["web"]["implicitGrantSettings"]["enableIdTokenIssuance"]


def assert_web_settings(sent: dict[str, Any], redirect_uris: list[str]) -> None:
    """What the client means by its test application: ID tokens may be issued to the redirect URIs."""
    assert sent["web"]["redirectUris"] == redirect_uris
    assert sent["web"]["implicitGrantSettings"]["enableIdTokenIssuance"] is True


# Applications


@replays("list_applications")
async def test_finding_applications_by_name_filters_the_collection_and_parses_the_documented_items(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    """application-list.md: GET /applications with OData query options. The doc's example uses $filter with $count
    and $orderby, which need `ConsistencyLevel: eventual`; the client sends a plain `$filter=displayName eq '…'`,
    which needs neither, so that header is required only if the client sends $orderby, $search or $count. Its
    answer is the example's collection; the doc's item is shortened ("all the properties will be returned from an
    actual call"), and the fixture adds only the key property `id`, which every actual answer carries."""
    doc = documented("list_applications")
    graph_server.queue(Answer.of(doc))

    try:
        found = await graph.applications_named(LISTED_APPLICATION_NAME)
    finally:  # the request is checked even when the answer does not parse
        [request] = graph_server.requests
        assert_documented_request(
            request,
            doc,
            documented_path(doc, {}),
            skip_headers={"ConsistencyLevel": "required only with $orderby/$search/$count"},
        )
        documented_options = set(parse_qs(urlsplit(str(doc.request.example_path)).query))
        assert set(request.query) <= documented_options
        assert request.query["$filter"] == [f"displayName eq '{LISTED_APPLICATION_NAME}'"]
        if {"$orderby", "$search", "$count"} & set(request.query):
            assert request.header("ConsistencyLevel") == "eventual"
    [item] = doc.response.body["value"]
    assert [(application.app_id, application.display_name) for application in found] == [
        (item["appId"], item["displayName"])
    ]


@replays("create_application")
async def test_creating_the_test_application_posts_known_application_properties_and_parses_the_created_one(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    """application-post-applications.md: POST /applications with at least displayName (the example's only key);
    201 with the whole application. Every other key the client sends (signInAudience, api, web,
    requiredResourceAccess) must be an application property the docs show."""
    doc = documented("create_application")
    graph_server.queue(Answer.of(doc))

    created = await graph.create_test_application(APPLICATION_NAME, REDIRECT_URI)

    [request] = graph_server.requests
    assert_documented_request(request, doc, documented_path(doc))
    sent = request.json()
    assert_body_keys(sent, doc.request.body, known_from=application_representations())
    assert_tagged_as_documented(sent, application_representations())
    assert created.tags == tuple(doc.response.body["tags"])
    assert sent["displayName"] == doc.request.body["displayName"]
    assert_web_settings(sent, [REDIRECT_URI])
    assert_parses_as_documented(created, doc.response.body)


@replays("upsert_application_created")
async def test_upserting_a_new_test_application_patches_its_unique_name_key_and_parses_the_created_one(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    """application-upsert.md: PATCH /applications(uniqueName='app-65278') with `Prefer: create-if-missing` (without
    it a missing app is a 404) and a body with displayName; 201 with the new application, which carries the
    uniqueName. The path is compared URL-decoded."""
    doc = documented("upsert_application_created")
    graph_server.queue(Answer.of(doc))

    created = await graph.upsert_test_application(UNIQUE_NAME, APPLICATION_NAME, REDIRECT_URI)

    [request] = graph_server.requests
    assert_documented_request(request, doc, documented_path(doc))
    assert request.header("Prefer") == "create-if-missing"
    sent = request.json()
    assert_body_keys(sent, doc.request.body, known_from=application_representations())
    assert_tagged_as_documented(sent, application_representations())
    assert sent["displayName"] == APPLICATION_NAME
    assert_web_settings(sent, [REDIRECT_URI])
    assert created is not None
    assert_parses_as_documented(created, doc.response.body)
    assert created.unique_name == UNIQUE_NAME


@replays("upsert_application_updated")
async def test_upserting_an_existing_test_application_takes_the_204_and_finds_it_by_name(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    """application-upsert.md: an application with that uniqueName exists, so the same PATCH answers 204 with no
    body. The client then finds it among the applications listed by name (GET by uniqueName is not documented);
    that list answers the documented application (upsert's 201 body, which has the uniqueName) as its one item."""
    doc = documented("upsert_application_updated")
    existing = documented("upsert_application_created").response.body
    graph_server.queue(Answer.of(doc), as_collection(existing, documented("list_applications")))

    found = await graph.upsert_test_application(UNIQUE_NAME, APPLICATION_NAME, REDIRECT_URI)

    upsert, listing = graph_server.requests
    assert_documented_request(upsert, doc, documented_path(doc))
    assert upsert.header("Prefer") == "create-if-missing"
    assert_body_keys(upsert.json(), doc.request.body, known_from=application_representations())
    assert (listing.method, listing.graph_path) == ("GET", "/applications")
    assert listing.query["$filter"] == [f"displayName eq '{APPLICATION_NAME}'"]
    assert found is not None
    assert_parses_as_documented(found, existing)


@replays("get_application_by_unique_name")
@pytest.mark.parametrize("existing", [[], ["https://contoso.com/signed-in"]], ids=["documented", "with-a-uri"])
async def test_updating_the_test_application_reads_it_by_object_id_and_keeps_its_redirect_uris(
    graph_server: LoopbackGraph, graph: GraphClient, existing: list[str]
) -> None:
    """application-get.md: GET /applications/{id} answers the application (the fixture is this plain GET by id:
    a GET by uniqueName is not documented). Its web.redirectUris parse, and the PATCH that follows keeps them and
    adds the new one: the documented (empty) list, and the same answer with one URI already there."""
    doc = documented("get_application_by_unique_name")
    body = doc.response.body
    body["web"]["redirectUris"] = existing
    graph_server.queue(
        Answer(doc.response.status, doc.response.headers, body), Answer.of(documented("update_application"))
    )

    await graph.update_test_application(APPLICATION_OBJECT_ID, REDIRECT_URI)

    read, patch = graph_server.requests
    assert_documented_request(read, doc, documented_path(doc, {"id": APPLICATION_OBJECT_ID}))
    assert read.body == b""
    assert_web_settings(patch.json(), [*existing, REDIRECT_URI])


@replays("get_application_by_unique_name")
async def test_an_application_the_ledger_records_is_read_by_object_id_and_a_gone_one_is_none(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    """application-get.md: GET /applications/{id} (the fixture is this plain GET by id). A remove reads each app the
    ledger records by its object id, whatever it is called now; a 404 (errors.md's shape) means it is gone."""
    doc = documented("get_application_by_unique_name")
    graph_server.queue(
        Answer.of(doc),
        graph_error(404, "Request_ResourceNotFound", f"Resource '{APPLICATION_OBJECT_ID}' does not exist"),
    )

    found = await graph.application(APPLICATION_OBJECT_ID)
    gone = await graph.application(APPLICATION_OBJECT_ID)

    read, _ = graph_server.requests
    assert_documented_request(read, doc, documented_path(doc, {"id": APPLICATION_OBJECT_ID}))
    assert found is not None and found.display_name == doc.response.body["displayName"]
    assert gone is None


@replays("update_application")
async def test_updating_the_test_application_patches_only_its_web_settings_by_object_id(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    """application-update.md: PATCH /applications/{applicationObjectId} with the properties to change; 204. The
    example changes displayName; the client changes only `web` (a redirect URI, ID token issuance) and leaves the
    name alone, so it legitimately omits displayName. `web` and its keys must be the documented ones."""
    doc = documented("update_application")
    graph_server.queue(Answer.of(documented("get_application_by_unique_name")), Answer.of(doc))

    await graph.update_test_application(APPLICATION_OBJECT_ID, REDIRECT_URI)

    _, patch = graph_server.requests
    assert_documented_request(patch, doc, documented_path(doc, {"applicationObjectId": APPLICATION_OBJECT_ID}))
    sent = patch.json()
    assert_body_keys(
        sent,
        doc.request.body,
        known_from=application_representations(),
        omitted={"displayName": "the client does not rename the application"},
    )
    assert set(sent) == {"web"}
    assert_web_settings(sent, [REDIRECT_URI])


# Service principals


@replays("list_service_principals")
async def test_finding_a_service_principal_filters_by_app_id_and_parses_the_documented_item(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    """serviceprincipal-list.md: GET /servicePrincipals answers a collection; the client filters it by appId
    ($filter=appId eq '…') and reads the item with that appId. The (old) stored page's example item is shortened;
    the fixture adds only the key property `id`, which every actual answer carries."""
    doc = documented("list_service_principals")
    graph_server.queue(Answer.of(doc))

    try:
        principal = await graph.service_principal(LISTED_APP_ID)
    finally:  # the request is checked even when the answer does not parse
        [request] = graph_server.requests
        assert_documented_request(request, doc, documented_path(doc))
        assert request.query == {"$filter": [f"appId eq '{LISTED_APP_ID}'"]}
    assert principal is not None
    assert principal.app_id == doc.response.body["value"][0]["appId"]


@replays("upsert_service_principal_created")
async def test_upserting_a_new_service_principal_patches_its_app_id_key_and_parses_the_created_one(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    """serviceprincipal-upsert.md: PATCH /servicePrincipals(appId='…') with `Prefer: create-if-missing` ("required
    for upsert behavior") and displayName; 201 with the new service principal. The path is compared URL-decoded."""
    doc = documented("upsert_service_principal_created")
    graph_server.queue(Answer.of(doc))

    principal = await graph.create_service_principal(SERVICE_PRINCIPAL_APP_ID, SERVICE_PRINCIPAL_NAME)

    [request] = graph_server.requests
    assert_documented_request(request, doc, documented_path(doc))
    assert request.header("Prefer") == "create-if-missing"
    assert_body_keys(request.json(), doc.request.body, known_from=service_principal_representations())
    assert_tagged_as_documented(request.json(), service_principal_representations())
    assert request.json() == {**doc.request.body, "tags": [OWNER_TAG]}
    assert (principal.object_id, principal.app_id) == (doc.response.body["id"], doc.response.body["appId"])
    assert principal.tags == tuple(doc.response.body["tags"])


@replays("upsert_service_principal_updated")
async def test_upserting_an_existing_service_principal_takes_the_204_and_finds_it_by_app_id(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    """serviceprincipal-upsert.md: one with that appId exists, so the same PATCH answers 204; the client then reads
    it from the collection filtered by appId, answered here with the documented service principal as its item."""
    doc = documented("upsert_service_principal_updated")
    existing = documented("upsert_service_principal_created").response.body
    graph_server.queue(Answer.of(doc), as_collection(existing, documented("list_service_principals")))

    principal = await graph.create_service_principal(SERVICE_PRINCIPAL_APP_ID, SERVICE_PRINCIPAL_NAME)

    upsert, listing = graph_server.requests
    assert_documented_request(upsert, doc, documented_path(doc))
    assert upsert.header("Prefer") == "create-if-missing"
    assert upsert.json() == {**doc.request.body, "tags": [OWNER_TAG]}
    assert (listing.method, listing.graph_path) == ("GET", "/servicePrincipals")
    assert listing.query == {"$filter": [f"appId eq '{SERVICE_PRINCIPAL_APP_ID}'"]}
    assert (principal.object_id, principal.app_id) == (existing["id"], existing["appId"])


@replays("create_service_principal")
async def test_creating_a_service_principal_where_upserts_are_refused_posts_its_app_id(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    """serviceprincipal-post-serviceprincipals.md: POST /servicePrincipals with appId (the example's only key, its
    trailing comma dropped); 201 with the service principal. The client posts only when the tenant refused the
    upsert first (here with 405)."""
    doc = documented("create_service_principal")
    graph_server.queue(upsert_refused(), Answer.of(doc))

    principal = await graph.create_service_principal(SERVICE_PRINCIPAL_APP_ID, SERVICE_PRINCIPAL_NAME)

    _, create = graph_server.requests
    assert_documented_request(create, doc, documented_path(doc))
    assert_body_keys(create.json(), doc.request.body, known_from=service_principal_representations())
    assert_tagged_as_documented(create.json(), service_principal_representations())
    assert create.json() == {**doc.request.body, "tags": [OWNER_TAG]}
    assert (principal.object_id, principal.app_id) == (doc.response.body["id"], doc.response.body["appId"])


# Delegated permission grants


@replays("list_oauth2_permission_grants")
async def test_finding_a_consent_grant_filters_by_client_id_and_matches_resource_and_consent_type(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    """oauth2permissiongrant-list.md: GET /oauth2PermissionGrants "supports the $filter (eq)"; a filter on clientId
    also lessens replication delay. No `and` is documented, so the client filters by clientId alone and picks the
    AllPrincipals grant for the resource itself."""
    doc = documented("list_oauth2_permission_grants")
    graph_server.queue(Answer.of(doc))

    grant = await graph.permission_grant(LISTED_GRANT_CLIENT_ID, LISTED_GRANT_RESOURCE_ID)

    [request] = graph_server.requests
    assert_documented_request(request, doc, documented_path(doc))
    assert request.query == {"$filter": [f"clientId eq '{LISTED_GRANT_CLIENT_ID}'"]}
    [item] = doc.response.body["value"]
    assert grant is not None
    assert (grant.id, grant.client_id, grant.resource_id) == (item["id"], item["clientId"], item["resourceId"])
    assert grant.consent_type == "AllPrincipals"
    assert grant.scope == item["scope"] and grant.scopes == {"User.Read", "Group.ReadWrite.All"}


@replays("create_oauth2_permission_grant")
@pytest.mark.parametrize("status", [201, 200])
async def test_granting_consent_posts_an_all_principals_grant_with_both_times_and_accepts_200_or_201(
    graph_server: LoopbackGraph, graph: GraphClient, status: int
) -> None:
    """oauth2permissiongrant-post.md: POST /oauth2PermissionGrants with clientId, consentType "AllPrincipals",
    resourceId, scope, and startTime/expiryTime ("ignored, but a value is required"), all six of the example's keys.
    The prose says "a 200-series response code", the example 201: both are success."""
    doc = documented("create_oauth2_permission_grant")
    graph_server.queue(Answer(status, doc.response.headers, doc.response.body))

    grant = await graph.create_permission_grant(GRANT_CLIENT_ID, GRANT_RESOURCE_ID, GRANT_SCOPE)

    [request] = graph_server.requests
    assert_documented_request(request, doc, documented_path(doc))
    sent = request.json()
    assert_body_keys(sent, doc.request.body, known_from=[doc.response.body])
    times = {"startTime", "expiryTime"}
    assert {key: sent[key] for key in set(sent) - times} == {
        key: value for key, value in doc.request.body.items() if key not in times
    }
    assert sent["consentType"] == "AllPrincipals"
    assert all(ODATA_DATE_TIME.match(sent[key]) for key in times), {key: sent[key] for key in times}
    assert datetime.fromisoformat(sent["startTime"]) < datetime.fromisoformat(sent["expiryTime"])
    answered = doc.response.body
    assert (grant.id, grant.client_id, grant.resource_id) == (
        answered["id"],
        answered["clientId"],
        answered["resourceId"],
    )
    assert (grant.scope, grant.consent_type) == (GRANT_SCOPE, "AllPrincipals")


@replays("update_oauth2_permission_grant")
async def test_changing_a_consent_grants_scope_patches_only_the_scope_by_grant_id(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    """oauth2permissiongrant-update.md: PATCH /oauth2PermissionGrants/{id} with {"scope": …}, which replaces the
    whole list; 204. The body is exactly the doc's."""
    doc = documented("update_oauth2_permission_grant")
    graph_server.queue(Answer.of(doc))

    await graph.update_permission_grant(GRANT_ID, UPDATED_SCOPE)

    [request] = graph_server.requests
    assert_documented_request(request, doc, documented_path(doc))
    assert_body_keys(request.json(), doc.request.body)
    assert request.json() == doc.request.body


# The IdentityExperienceFramework apps and Microsoft Graph's service principal

PERMISSION_SCOPE_KEYS = {
    "adminConsentDescription",
    "adminConsentDisplayName",
    "id",
    "isEnabled",
    "origin",
    "type",
    "userConsentDescription",
    "userConsentDisplayName",
    "value",
}
"""The permissionScope properties (api-reference/beta/resources/permissionscope.md, its JSON representation): the
application examples show `api.oauth2PermissionScopes` only empty, so its items are held to the resource page."""
RESOURCE_ACCESS_KEYS = {"resourceAppId", "resourceAccess"}
"""requiredResourceAccess's properties (requiredresourceaccess.md); each resourceAccess item has id and type."""
IEF_SCOPE_ID = "8f1c6b5e-0d1a-4a8e-9a53-2f3c4d5e6f70"
"""Not in any example: the client-chosen id of the user_impersonation scope."""


@replays("create_application")
async def test_creating_the_identity_experience_framework_app_posts_its_scope_and_graph_access_as_documented(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    """application-post-applications.md with the tutorial's IdentityExperienceFramework app: every top-level and
    nested key a documented application property, the scope item a documented permissionScope."""
    from wizard.graph.applications import ief_application_body

    doc = documented("create_application")
    graph_server.queue(Answer.of(doc))
    body = ief_application_body(
        "IdentityExperienceFramework", "https://contoso.b2clogin.com/contoso.onmicrosoft.com", IEF_SCOPE_ID
    )

    created = await graph.create_application(body)

    [request] = graph_server.requests
    assert_documented_request(request, doc, documented_path(doc))
    sent = request.json()
    assert_body_keys(sent, doc.request.body, known_from=application_representations())
    assert_tagged_as_documented(sent, application_representations())
    [scope] = sent["api"]["oauth2PermissionScopes"]
    assert set(scope) <= PERMISSION_SCOPE_KEYS
    assert (scope["id"], scope["value"], scope["type"], scope["isEnabled"]) == (
        IEF_SCOPE_ID,
        "user_impersonation",
        "Admin",
        True,
    )
    [graph_access] = sent["requiredResourceAccess"]
    assert set(graph_access) == RESOURCE_ACCESS_KEYS
    assert all(set(access) == {"id", "type"} for access in graph_access["resourceAccess"])
    assert sent["web"] == {"redirectUris": ["https://contoso.b2clogin.com/contoso.onmicrosoft.com"]}
    assert_parses_as_documented(created, doc.response.body)
    assert created.identifier_uris == () and created.permission_scopes == ()
    assert created.is_fallback_public_client is None and created.public_client_redirect_uris == ()


@replays("create_application")
async def test_creating_the_proxy_app_posts_a_public_client_asking_for_the_ief_scope_and_graph(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    """The ProxyIdentityExperienceFramework app: isFallbackPublicClient and publicClient.redirectUris are documented
    application properties; it asks two resources for delegated scopes."""
    from wizard.graph.applications import proxy_ief_application_body

    doc = documented("create_application")
    graph_server.queue(Answer.of(doc))

    await graph.create_application(
        proxy_ief_application_body("ProxyIdentityExperienceFramework", SERVICE_PRINCIPAL_APP_ID, IEF_SCOPE_ID)
    )

    [request] = graph_server.requests
    sent = request.json()
    assert_body_keys(sent, doc.request.body, known_from=application_representations())
    assert_tagged_as_documented(sent, application_representations())
    assert sent["isFallbackPublicClient"] is True
    assert sent["publicClient"] == {"redirectUris": ["myapp://auth"]}
    assert [access["resourceAppId"] for access in sent["requiredResourceAccess"]] == [
        SERVICE_PRINCIPAL_APP_ID,
        "00000003-0000-0000-c000-000000000000",
    ]
    assert all(set(access) == RESOURCE_ACCESS_KEYS for access in sent["requiredResourceAccess"])


@replays("update_application")
async def test_setting_the_app_id_uri_patches_only_identifier_uris_by_object_id(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    """application-update.md: the App ID URI names the appId, so it is PATCHed once the app exists; identifierUris
    is a documented application property (the create example shows it)."""
    doc = documented("update_application")
    graph_server.queue(Answer.of(doc))
    uri = "https://contoso.onmicrosoft.com/631a96bc-a705-4eda-9f99-fdaf9f54f6a2"

    await graph.update_application(APPLICATION_OBJECT_ID, {"identifierUris": [uri]})

    [patch] = graph_server.requests
    assert_documented_request(patch, doc, documented_path(doc, {"applicationObjectId": APPLICATION_OBJECT_ID}))
    assert_body_keys(
        patch.json(),
        doc.request.body,
        known_from=application_representations(),
        omitted={"displayName": "the client does not rename the application"},
    )
    assert patch.json() == {"identifierUris": [uri]}


@replays("create_service_principal")
async def test_microsoft_graphs_service_principal_is_created_by_posting_its_app_id_only(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    """serviceprincipal-post-serviceprincipals.md: POST /servicePrincipals {appId}; Microsoft's own application has
    no object in the tenant to upsert by, so the client posts at once."""
    doc = documented("create_service_principal")
    graph_server.queue(Answer.of(doc))

    principal = await graph.create_microsoft_service_principal(SERVICE_PRINCIPAL_APP_ID)

    [create] = graph_server.requests
    assert_documented_request(create, doc, documented_path(doc))
    assert create.json() == doc.request.body
    assert (principal.object_id, principal.app_id) == (doc.response.body["id"], doc.response.body["appId"])


@replays("create_oauth2_permission_grant")
async def test_a_grant_refused_with_403_is_none_for_the_caller_to_guide_the_operator(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    """oauth2permissiongrant-post.md sends the documented grant; Graph's 403 (concepts/errors.md's shape, code
    Authorization_RequestDenied) means the account may not grant tenant-wide consent: None, not an error."""
    doc = documented("create_oauth2_permission_grant")
    graph_server.queue(
        graph_error(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
    )

    assert await graph.grant_if_allowed(GRANT_CLIENT_ID, GRANT_RESOURCE_ID, GRANT_SCOPE) is None

    [request] = graph_server.requests
    assert_documented_request(request, doc, documented_path(doc))
