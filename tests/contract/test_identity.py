"""Identity providers and B2C user flows as documented (Graph beta)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.contract.examples import (
    CREATED_PROVIDER_ID,
    UPDATED_PROVIDER_ID,
    USER_FLOW_TO_READ,
    USER_FLOW_WITH_PROVIDERS,
    oidc_secret,
    oidc_spec,
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
    odata_type_name,
    replays,
)
from wizard.graph import GraphClient


def listed_oidc_provider() -> dict[str, Any]:
    """The OpenID Connect provider of identitycontainer-list-identityproviders.md's B2C example."""
    items = documented("list_identity_providers").response.body["value"]
    return next(
        item for item in items if odata_type_name(item["@odata.type"]).endswith("openIdConnectIdentityProvider")
    )


def oidc_representations() -> list[Any]:
    """Every documented representation of an openIdConnectIdentityProvider: the keys the docs know for one."""
    create = documented("create_oidc_identity_provider")
    return [create.request.body, create.response.body, listed_oidc_provider()]


@replays("list_identity_providers")
async def test_listing_identity_providers_parses_every_kind_with_or_without_the_hash(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    """identitycontainer-list-identityproviders.md (B2C example): a social, an OpenID Connect and an Apple provider,
    each named by `@odata.type` with '#'. Every one parses, its kind without the '#' and the namespace, and the
    OpenID Connect one with all its settings; secrets read back masked and are not the client's concern."""
    doc = documented("list_identity_providers")
    graph_server.queue(Answer.of(doc))

    providers = await graph.identity_providers()

    [request] = graph_server.requests
    assert_documented_request(request, doc, documented_path(doc))
    documented_items = doc.response.body["value"]
    assert [provider.id for provider in providers] == [item["id"] for item in documented_items]
    assert [provider.kind for provider in providers] == [
        "socialIdentityProvider",
        "openIdConnectIdentityProvider",
        "appleManagedIdentityProvider",
    ]
    oidc = next(provider for provider in providers if provider.kind == "openIdConnectIdentityProvider")
    listed = listed_oidc_provider()
    assert (oidc.display_name, oidc.client_id, oidc.metadata_url, oidc.scope) == (
        listed["displayName"],
        listed["clientId"],
        listed["metadataUrl"],
        listed["scope"],
    )
    assert (oidc.response_type, oidc.response_mode, oidc.domain_hint) == (
        listed["responseType"],
        listed["responseMode"],
        listed["domainHint"],
    )
    assert oidc.claims_mapping == listed["claimsMapping"]


@replays("create_oidc_identity_provider")
async def test_creating_an_openid_connect_provider_posts_the_documented_provider_and_parses_it_without_the_hash(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    """identitycontainer-post-identityproviders.md (B2C example): POST /identity/identityProviders with every
    property of an openIdConnectIdentityProvider ("all the properties listed … are required"); 201 with the provider,
    whose `@odata.type` has no '#'. Given the example's values, the client sends the example's body. The type is
    compared without a leading '#': the create examples write `microsoft.graph.…`, the update page's social example
    `#microsoft.graph.…`, and list answers the latter, so the docs accept both in a request."""
    doc = documented("create_oidc_identity_provider")
    example = doc.request.body
    graph_server.queue(Answer.of(doc))

    provider = await graph.create_oidc_provider(oidc_spec(), oidc_secret())

    [request] = graph_server.requests
    assert_documented_request(request, doc, documented_path(doc))
    sent = request.json()
    assert_body_keys(sent, example, known_from=[doc.response.body])
    assert odata_type_name(sent["@odata.type"]) == odata_type_name(example["@odata.type"])
    assert {key: value for key, value in sent.items() if key != "@odata.type"} == {
        key: value for key, value in example.items() if key != "@odata.type"
    }
    answered = doc.response.body
    assert provider.kind == "openIdConnectIdentityProvider"
    assert (provider.id, provider.display_name, provider.client_id) == (
        answered["id"],
        answered["displayName"],
        answered["clientId"],
    )
    assert (provider.metadata_url, provider.scope, provider.response_type, provider.response_mode) == (
        answered["metadataUrl"],
        answered["scope"],
        answered["responseType"],
        answered["responseMode"],
    )
    assert provider.domain_hint == answered["domainHint"]
    assert provider.claims_mapping == answered["claimsMapping"]


@replays("update_identity_provider")
async def test_updating_an_openid_connect_provider_patches_it_by_id_with_known_properties_only(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    """identityproviderbase-update.md (OpenID Connect example): PATCH /identity/identityProviders/{id} with the
    properties to change ({"responseType": "id_token"}); 204. The client sends the whole provider, so a repeat sets
    every setting again: each key must be one the docs know for an openIdConnectIdentityProvider (the create
    example's, which the update page's property table lists too, plus `@odata.type`, which its social example
    sends), and the example's responseType is sent with the example's value."""
    doc = documented("update_identity_provider")
    graph_server.queue(Answer.of(doc))

    await graph.update_oidc_provider(UPDATED_PROVIDER_ID, oidc_spec(response_type="id_token"), oidc_secret())

    [request] = graph_server.requests
    assert_documented_request(request, doc, documented_path(doc))
    sent = request.json()
    assert_body_keys(sent, doc.request.body, known_from=oidc_representations())
    assert sent["responseType"] == doc.request.body["responseType"] == "id_token"


@replays("get_user_flow")
async def test_reading_a_user_flow_gets_it_by_id_and_parses_an_integer_version(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    """b2cidentityuserflow-get.md: GET /identity/b2cUserFlows/{id}; userFlowTypeVersion is typed Float but the
    example answers the integer 1, and defaultLanguageTag null."""
    doc = documented("get_user_flow")
    graph_server.queue(Answer.of(doc))

    flow = await graph.user_flow(USER_FLOW_TO_READ)

    [request] = graph_server.requests
    assert_documented_request(request, doc, documented_path(doc, {"id": USER_FLOW_TO_READ}))
    assert flow is not None
    assert (flow.id, flow.user_flow_type, flow.version) == (USER_FLOW_TO_READ, "signUpOrSignIn", 1)


@replays("create_user_flow")
@pytest.mark.parametrize("asked_for", ["Customer", "B2C_1_Customer"])
async def test_creating_a_user_flow_posts_sign_up_or_sign_in_version_3_and_takes_back_the_prefixed_id(
    graph_server: LoopbackGraph, graph: GraphClient, asked_for: str
) -> None:
    """identitycontainer-post-b2cuserflows.md: POST /identity/b2cUserFlows with id "Customer", userFlowType
    "signUpOrSignIn" and userFlowTypeVersion 3; 201 with the flow as B2C_1_Customer (the service adds the prefix,
    so the client sends the id without it). The body is exactly the doc's: all three keys, enum as documented."""
    doc = documented("create_user_flow")
    graph_server.queue(Answer.of(doc))

    flow = await graph.create_user_flow(asked_for)

    [request] = graph_server.requests
    assert_documented_request(request, doc, documented_path(doc))
    sent = request.json()
    assert_body_keys(sent, doc.request.body, known_from=[doc.response.body])
    assert sent == doc.request.body
    assert sent["userFlowType"] == "signUpOrSignIn" and sent["userFlowTypeVersion"] == 3
    assert (flow.id, flow.user_flow_type, flow.version) == ("B2C_1_Customer", "signUpOrSignIn", 3)


@replays("list_user_flow_identity_providers")
async def test_listing_a_user_flows_providers_gets_their_collection_and_reads_every_id(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    """b2cidentityuserflow-list-userflowidentityproviders.md: GET …/b2cUserFlows/{id}/userflowIdentityProviders
    answers the providers the flow offers. The path is compared case-insensitively by segment: the docs spell it
    `userflowIdentityProviders`, the client `userFlowIdentityProviders` (the navigation property's camel case), and
    Graph resolves path segments regardless of case (which no page states outright)."""
    doc = documented("list_user_flow_identity_providers")
    graph_server.queue(Answer.of(doc))

    ids = await graph.user_flow_provider_ids(USER_FLOW_WITH_PROVIDERS)

    [request] = graph_server.requests
    assert_documented_request(request, doc, documented_path(doc), segments_ignore_case=True)
    assert ids == [item["id"] for item in doc.response.body["value"]]


def assert_provider_reference(sent: Any, doc: Documented, graph: GraphClient) -> None:
    """The body is {"@odata.id": <the provider's URL>}: the doc's is Graph's beta URL of the provider; the client
    builds it from its own Graph URL (here the loopback one), so the path must be the doc's and the origin the
    client's. With graph_url https://graph.microsoft.com/beta it is the doc's string exactly."""
    assert_body_keys(sent, doc.request.body)
    reference = urlsplit(sent["@odata.id"])
    documented_reference = urlsplit(doc.request.body["@odata.id"].replace("{id}", CREATED_PROVIDER_ID))
    assert reference.path == documented_reference.path == f"/beta/identity/identityProviders/{CREATED_PROVIDER_ID}"
    client_graph = urlsplit(graph.graph_url)
    assert (reference.scheme, reference.netloc) == (client_graph.scheme, client_graph.netloc)


@replays("add_user_flow_identity_provider")
async def test_adding_a_provider_to_a_user_flow_posts_a_reference_to_it(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    """b2cidentityuserflow-userflowidentityproviders-update.md (current page): POST
    …/b2cUserFlows/{id}/userflowIdentityProviders/$ref with the provider's @odata.id; 204. The path is compared
    case-insensitively by segment (`userflow…` in the docs, `userFlow…` in the client, as in the list test), and
    the $ref segment is checked exactly."""
    doc = documented("add_user_flow_identity_provider")
    graph_server.queue(Answer.of(doc))

    await graph.attach_provider(USER_FLOW_WITH_PROVIDERS, CREATED_PROVIDER_ID)

    [request] = graph_server.requests
    assert_documented_request(request, doc, documented_path(doc), segments_ignore_case=True)
    assert request.graph_path.endswith("/$ref")
    assert_provider_reference(request.json(), doc, graph)


@replays("add_user_flow_identity_provider")
async def test_adding_a_provider_to_a_user_flow_patches_the_reference_where_post_is_not_allowed(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    """The docs disagree with themselves (REPORT.md): the current learn page says POST …/$ref, both stored repo
    versions PATCH. A tenant that refuses the POST with 405 gets the same reference by PATCH, and the documented 204
    to it is success."""
    doc = documented("add_user_flow_identity_provider")
    graph_server.queue(graph_error(405, "Request_BadRequest", "The HTTP method 'POST' is not allowed."), Answer.of(doc))

    await graph.attach_provider(USER_FLOW_WITH_PROVIDERS, CREATED_PROVIDER_ID)

    post, patch = graph_server.requests
    assert_documented_request(post, doc, documented_path(doc), segments_ignore_case=True)
    assert_documented_request(patch, doc, documented_path(doc), method="PATCH", segments_ignore_case=True)
    assert patch.graph_path.endswith("/$ref")
    assert_provider_reference(patch.json(), doc, graph)
    assert patch.json() == post.json()
