"""What every request shares, as documented: paging (concepts/paging.md) and throttling (Retry-After)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import pytest

from tests.contract.examples import (
    LISTED_APP_ID,
    LISTED_APPLICATION_NAME,
    LISTED_GRANT_CLIENT_ID,
    LISTED_GRANT_RESOURCE_ID,
    POLICY_TO_UPLOAD,
    USER_FLOW_WITH_PROVIDERS,
    policy_xml,
)
from tests.contract.support import (
    Answer,
    LoopbackGraph,
    assert_documented_request,
    assert_graph_headers,
    documented,
    documented_path,
    graph_error,
    replays,
)
from wizard.errors import SetupError
from wizard.graph import GraphClient


async def policy_ids(graph: GraphClient) -> list[str]:
    return await graph.policy_ids()


async def provider_ids(graph: GraphClient) -> list[str]:
    return [provider.id for provider in await graph.identity_providers()]


async def application_app_ids(graph: GraphClient) -> list[str]:
    return [application.app_id for application in await graph.applications_named(LISTED_APPLICATION_NAME)]


async def service_principal_app_ids(graph: GraphClient) -> list[str]:
    principal = await graph.service_principal(LISTED_APP_ID)
    return [] if principal is None else [principal.app_id]


async def grant_ids(graph: GraphClient) -> list[str]:
    grant = await graph.permission_grant(LISTED_GRANT_CLIENT_ID, LISTED_GRANT_RESOURCE_ID)
    return [] if grant is None else [grant.id]


async def flow_provider_ids(graph: GraphClient) -> list[str]:
    return await graph.user_flow_provider_ids(USER_FLOW_WITH_PROVIDERS)


@dataclass(frozen=True)
class Listing:
    """A list operation: the client call, and the key of the documented items it reads back."""

    read: Callable[[GraphClient], Awaitable[list[str]]]
    key: str


LISTINGS = {
    "list_policies": Listing(policy_ids, "id"),
    "list_identity_providers": Listing(provider_ids, "id"),
    "list_applications": Listing(application_app_ids, "appId"),
    "list_service_principals": Listing(service_principal_app_ids, "appId"),
    "list_oauth2_permission_grants": Listing(grant_ids, "id"),
    "list_user_flow_identity_providers": Listing(flow_provider_ids, "id"),
}


def next_link(graph_server: LoopbackGraph, collection: str) -> str:
    """concepts/paging.md's @odata.nextLink, pointed back at the loopback server and at `collection`: its query
    (`$top=5&$skiptoken=X%27…%27`, the doc's " ... " elision included) is kept exactly as the doc writes it."""
    documented_link = urlsplit(str(documented("paging").response.body["@odata.nextLink"]))
    return urlunsplit(("http", f"127.0.0.1:{graph_server.port}", "/beta" + collection, documented_link.query, ""))


@replays("paging", *LISTINGS)
@pytest.mark.parametrize("fixture", LISTINGS)
async def test_a_collection_is_read_to_its_last_page_by_following_the_whole_next_link(
    graph_server: LoopbackGraph, graph: GraphClient, fixture: str
) -> None:
    """concepts/paging.md: follow @odata.nextLink "until the @odata.nextLink property is no longer returned", using
    the entire URL as given (not re-adding the first request's query), and a page may hold zero items. Each list's
    documented items are split over two pages (the first empty when there is one item); every item is read."""
    doc = documented(fixture)
    collection = documented_path(doc, {"userflow-id": USER_FLOW_WITH_PROVIDERS} if "{" in str(doc.request.path) else {})
    items: list[dict[str, Any]] = doc.response.body["value"]
    half = len(items) // 2
    link = next_link(graph_server, collection)
    first = {**doc.response.body, "value": items[:half], "@odata.nextLink": link}
    graph_server.queue(
        Answer(200, doc.response.headers, first), Answer(200, doc.response.headers, {"value": items[half:]})
    )

    try:
        read = await LISTINGS[fixture].read(graph)
    finally:  # the requests are checked even when an answer does not parse
        assert len(graph_server.requests) == 2, [request.target for request in graph_server.requests]
        _, second = graph_server.requests
        segments_ignore_case = fixture == "list_user_flow_identity_providers"  # see test_identity: userflow/userFlow
        skip = (
            {"ConsistencyLevel": "required only with $orderby/$search/$count"}
            if fixture == "list_applications"
            else None
        )
        assert_documented_request(second, doc, collection, segments_ignore_case=segments_ignore_case, skip_headers=skip)
        assert second.query == parse_qs(urlsplit(link).query, keep_blank_values=True)
        assert second.query["$skiptoken"] == ["X'4453707 ... 6633B900000000000000000000'"]

    assert read == [item[LISTINGS[fixture].key] for item in items]


@replays("create_key_set")
async def test_a_throttled_key_set_post_is_sent_again_after_retry_after_and_succeeds(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    """429 with `Retry-After: 1`, then the documented 201: msgraph-core's retry middleware waits and sends the same
    POST again (marked with its Retry-Attempt header), so the middleware runs for the client's requests."""
    doc = documented("create_key_set")
    graph_server.queue(
        graph_error(429, "activityLimitReached", "The app or user has been throttled.", {"Retry-After": "1"}),
        Answer.of(doc),
    )

    created = await graph.create_key_set("keyset1")

    first, second = graph_server.requests
    for request in (first, second):
        assert_documented_request(request, doc, documented_path(doc))
    assert second.json() == first.json() == doc.request.body
    assert second.header("Retry-Attempt") == "1"
    assert created.id == doc.response.body["id"]


@replays("put_policy_updated")
async def test_a_throttled_policy_put_is_sent_again_after_retry_after_and_succeeds(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    """The same for the PUT of a policy's XML: the body is sent again whole, and the documented 200 is success."""
    doc = documented("put_policy_updated")
    graph_server.queue(
        graph_error(429, "activityLimitReached", "The app or user has been throttled.", {"Retry-After": "1"}),
        Answer.of(doc),
    )

    created = await graph.upload_policy(POLICY_TO_UPLOAD, policy_xml())

    first, second = graph_server.requests
    for request in (first, second):
        assert_documented_request(request, doc, documented_path(doc))
    assert second.body == first.body == policy_xml()
    assert second.header("Retry-Attempt") == "1"
    assert created is False


@replays("error_response")
async def test_the_client_request_id_an_error_names_is_the_one_graph_received_with_telemetry_on(
    graph_server: LoopbackGraph, graph: GraphClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """msgraph-core's telemetry middleware sets a client-request-id on requests to Graph's own hosts. It must keep
    the client's, or the id an error names is not one Graph ever saw. The loopback server is not a Graph host, so
    the middleware is told it is."""
    from msgraph_core.middleware import GraphTelemetryHandler

    monkeypatch.setattr(GraphTelemetryHandler, "is_graph_url", lambda self, url: True)
    doc = documented("error_response")
    graph_server.queue(Answer(doc.response.status, {}, doc.response.body))

    with pytest.raises(SetupError) as raised:
        await graph.organization()

    [request] = graph_server.requests
    assert request.header("SdkVersion") is not None, "the telemetry middleware did not run"
    assert_graph_headers(request)
    assert f"client-request-id {request.header('client-request-id')}" in str(raised.value)
