"""Entra External ID as documented: the custom OpenID Connect provider (beta) and the sign-up/sign-in user flow, its
providers and its linked apps (v1.0 pages, whose examples send to /beta as the client does)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.contract.examples import (
    EXTERNAL_FLOW_ID,
    FLOW_APP_ID,
    federation_secret,
    federation_spec,
)
from tests.contract.support import (
    Answer,
    LoopbackGraph,
    assert_body_keys,
    assert_documented_request,
    documented,
    documented_path,
    odata_type_name,
    replays,
)
from wizard.answers import parse_answers
from wizard.errors import ServiceError
from wizard.graph import GraphClient
from wizard.steps.base import StepContext
from wizard.steps.external_id import FederatedProvider

OIDC_FEDERATION_KEYS = {
    "@odata.type": "#microsoft.graph.oidcIdentityProvider",
    "id": "String (identifier)",
    "displayName": "String",
    "supportedTenantTypes": "String",
    "clientId": "String",
    "issuer": "String",
    "wellKnownEndpoint": "String",
    "responseType": "String",
    "scope": "String",
    "clientAuthentication": {"@odata.type": "microsoft.graph.oidcClientAuthentication", "clientSecret": "String"},
    "inboundClaimMapping": {"@odata.type": "microsoft.graph.oidcInboundClaimMappingOverride"},
}
"""beta resources/oidcidentityprovider.md's JSON representation (clientSecret: resources/oidcclientauthentication)."""


def lower_type(value: str) -> str:
    return odata_type_name(value).lower()


@replays("create_oidc_federation_provider")
async def test_the_custom_oidc_provider_is_created_as_example_4_shows_and_its_answer_parsed(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    """identitycontainer-post-identityproviders.md Example 4: every key of the example body, the types the same as
    the example's but for case (the resource page spells them oidcIdentityProvider, oidcClientSecretAuthentication),
    and the answer (type in another case, secret masked) parsed as an oidcIdentityProvider."""
    doc = documented("create_oidc_federation_provider")
    graph_server.queue(Answer.of(doc))

    provider = await graph.create_oidc_provider(federation_spec(), federation_secret())

    [request] = graph_server.requests
    assert_documented_request(request, doc, documented_path(doc))
    sent: dict[str, Any] = request.json()
    assert_body_keys(
        {key: value for key, value in sent.items() if key != "inboundClaimMapping"},
        {key: value for key, value in doc.request.body.items() if key != "inboundClaimMapping"},
        known_from=[OIDC_FEDERATION_KEYS],
    )
    assert lower_type(sent["@odata.type"]) == lower_type(doc.request.body["@odata.type"])
    authentication = sent["clientAuthentication"]
    assert lower_type(authentication["@odata.type"]) == lower_type(
        doc.request.body["clientAuthentication"]["@odata.type"]
    )
    assert authentication["clientSecret"] == federation_secret()
    assert set(sent["inboundClaimMapping"]) <= set(doc.request.body["inboundClaimMapping"])
    assert provider.id == doc.response.body["id"]
    assert lower_type(provider.kind) == "oidcidentityprovider"
    assert (provider.issuer, provider.well_known_endpoint) == (
        doc.response.body["issuer"],
        doc.response.body["wellKnownEndpoint"],
    )


@replays("create_sign_up_flow")
async def test_the_sign_up_flow_is_created_as_example_1_shows_with_the_providers_it_offers(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    """identitycontainer-post-authenticationeventsflows.md Example 1: the flow's type, name, sign-up allowed and
    the providers by id; the 201 answer (no providers in it) gives the id."""
    doc = documented("create_sign_up_flow")
    graph_server.queue(Answer.of(doc))

    flow = await graph.create_sign_up_flow(doc.request.body["displayName"], ["EmailPassword-OAUTH"])

    [request] = graph_server.requests
    assert_documented_request(request, doc, documented_path(doc))
    assert request.json() == doc.request.body
    assert (flow.id, flow.display_name) == (doc.response.body["id"], doc.response.body["displayName"])
    assert flow.kind == "externalUsersSelfServiceSignUpEventsFlow"


@replays("list_sign_up_flows")
async def test_listing_the_user_flows_gives_each_flows_id_name_and_kind(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    doc = documented("list_sign_up_flows")
    graph_server.queue(Answer.of(doc))

    flows = await graph.sign_up_flows()

    [request] = graph_server.requests
    assert_documented_request(request, doc, documented_path(doc))
    assert [(flow.id, flow.display_name) for flow in flows] == [
        (item["id"], item["displayName"]) for item in doc.response.body["value"]
    ]
    assert {flow.kind for flow in flows} == {"externalUsersSelfServiceSignUpEventsFlow"}


@replays("list_sign_up_flow_identity_providers")
async def test_a_flows_providers_are_read_by_id_from_their_documented_list(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    doc = documented("list_sign_up_flow_identity_providers")
    graph_server.queue(Answer.of(doc))

    offered = await graph.flow_provider_ids(EXTERNAL_FLOW_ID)

    [request] = graph_server.requests
    assert_documented_request(request, doc, documented_path(doc), skip_headers={"content-type": "a GET sends no body"})
    assert offered == [item["id"] for item in doc.response.body["value"]]


@replays("add_sign_up_flow_identity_provider")
async def test_a_provider_is_offered_by_a_reference_under_the_graph_root_as_the_example_names_it(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    doc = documented("add_sign_up_flow_identity_provider")
    graph_server.queue(Answer.of(doc))

    await graph.add_flow_provider(EXTERNAL_FLOW_ID, "Google-OAUTH")

    [request] = graph_server.requests
    assert_documented_request(request, doc, documented_path(doc))
    reference = request.json()["@odata.id"]
    assert reference == graph.graph_url + "/identityProviders/Google-OAUTH"
    assert reference.endswith(doc.request.body["@odata.id"].removeprefix("https://graph.microsoft.com/beta"))


@replays("remove_sign_up_flow_identity_provider")
async def test_a_provider_is_removed_by_deleting_its_reference(graph_server: LoopbackGraph, graph: GraphClient) -> None:
    doc = documented("remove_sign_up_flow_identity_provider")
    graph_server.queue(Answer.of(doc))

    assert await graph.remove_flow_provider(EXTERNAL_FLOW_ID, "Facebook-OAUTH") is True

    [request] = graph_server.requests
    assert_documented_request(request, doc, documented_path(doc))


@replays("list_sign_up_flow_applications")
async def test_a_flows_linked_apps_are_read_by_app_id(graph_server: LoopbackGraph, graph: GraphClient) -> None:
    doc = documented("list_sign_up_flow_applications")
    graph_server.queue(Answer.of(doc))

    linked = await graph.flow_app_ids(EXTERNAL_FLOW_ID)

    [request] = graph_server.requests
    assert_documented_request(request, doc, documented_path(doc), skip_headers={"content-type": "a GET sends no body"})
    assert linked == [item["appId"] for item in doc.response.body["value"]]


@replays("link_sign_up_flow_application")
async def test_the_test_app_is_linked_with_the_documented_body(graph_server: LoopbackGraph, graph: GraphClient) -> None:
    doc = documented("link_sign_up_flow_application")
    graph_server.queue(Answer.of(doc))

    await graph.link_flow_app(EXTERNAL_FLOW_ID, FLOW_APP_ID)

    [request] = graph_server.requests
    assert_documented_request(request, doc, documented_path(doc))
    assert request.json() == doc.request.body


@replays("list_identity_providers_external_tenant")
async def test_an_external_tenants_providers_parse_the_custom_one_without_an_id_among_the_built_in_ones(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    """identitycontainer-list-identityproviders.md Example 3: built-in providers beside the custom OpenID Connect
    one, which the example shows without an id and with its type spelt OidcIdentityProvider: all parse."""
    doc = documented("list_identity_providers_external_tenant")
    graph_server.queue(Answer.of(doc))

    providers = await graph.identity_providers()

    [request] = graph_server.requests
    assert_documented_request(request, doc, documented_path(doc))
    assert [provider.id for provider in providers] == [item.get("id", "") for item in doc.response.body["value"]]
    custom = providers[-1]
    assert (custom.id, lower_type(custom.kind)) == ("", "oidcidentityprovider")
    listed = doc.response.body["value"][-1]
    assert (custom.issuer, custom.well_known_endpoint, custom.scope) == (
        listed["issuer"],
        listed["wellKnownEndpoint"],
        listed["scope"],
    )
    assert custom.inbound_claim_mapping == listed["inboundClaimMapping"]


@replays("list_identity_providers_external_tenant")
async def test_the_provider_step_stops_with_a_sentence_when_graph_lists_the_provider_without_an_id(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    """A provider the flow cannot be told about (no id, as Example 3 shows one) is a resumable stop, never a
    second provider of the same name."""
    doc = documented("list_identity_providers_external_tenant")
    graph_server.queue(Answer.of(doc))
    answers = parse_answers(
        {
            "tenant": {"name": "contoso"},
            "asignio": {"client_id": doc.response.body["value"][-1]["clientId"], "display_name": "B2C Test"},
            "setup": {"pivot": "external-id"},
        }
    )
    context = StepContext(
        answers=answers,
        graph=graph,
        secret=lambda: "unused",
        back_up=lambda name, content: "",
        confirmed=lambda step_id: False,
        intend=lambda step_id, held: None,
        intent_known=lambda step_id: None,
        claim_age=lambda step_id: None,
    )

    with pytest.raises(ServiceError, match="Graph lists the identity provider B2C Test without its id"):
        await FederatedProvider().check(context)
    assert [request.method for request in graph_server.requests] == ["GET"]
