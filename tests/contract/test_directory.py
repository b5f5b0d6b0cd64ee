"""The signed-in tenant as documented: GET /organization (organization-get.md)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.contract.support import (
    Answer,
    Documented,
    LoopbackGraph,
    assert_documented_request,
    documented,
    replays,
)
from wizard.graph import GraphClient, same_text

USER_READ_PROPERTIES = {"id", "displayName", "verifiedDomains"}
"""organization-get.md: "Applications granted the User.Read permission are able to read only the id, displayName,
and verifiedDomains properties of the organization. All other properties will return with null values." """


def organization_collection(doc: Documented, organization: dict[str, Any]) -> Answer:
    """GET /organization answers "a collection of one organization object" (the doc's Response section). The doc's
    example reads /organization/{id} and so answers the bare entity; for the path the client uses, that entity is
    the collection's one item."""
    item = {key: value for key, value in organization.items() if key != "@odata.context"}
    return Answer(
        doc.response.status,
        doc.response.headers,
        {"@odata.context": "https://graph.microsoft.com/beta/$metadata#organization", "value": [item]},
    )


@replays("get_organization")
@pytest.mark.parametrize("tenant_type", ["AAD", "AAD B2C", "CIAM"])
async def test_reading_the_organization_gets_the_collection_and_parses_its_tenant_type(
    graph_server: LoopbackGraph, graph: GraphClient, tenant_type: str
) -> None:
    """organization-get.md: GET /organization. The example's tenantType is "AAD"; resources/organization.md gives
    "AAD B2C" (with a space) and "CIAM" as the others, so each is answered and read as is, and only "AAD B2C" is a B2C
    tenant. The initial verified domain is the one custom policies name."""
    doc = documented("get_organization")
    organization = {**doc.response.body, "tenantType": tenant_type}
    graph_server.queue(organization_collection(doc, organization))

    found = await graph.organization()

    [request] = graph_server.requests
    assert_documented_request(request, doc, doc.request.path or "")
    assert found.id == doc.response.body["id"]
    assert found.display_name == doc.response.body["displayName"]
    assert found.tenant_type == tenant_type
    assert same_text(found.tenant_type, "AAD B2C") is (tenant_type == "AAD B2C")
    assert found.initial_domain == "Contoso.com"


@replays("get_organization")
async def test_an_organization_read_with_only_user_read_parses_with_tenant_type_none(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    """With User.Read only, Graph still answers 200, but every property except id, displayName and verifiedDomains
    is null: tenantType None means "not allowed to see", and the three it may see still parse."""
    doc = documented("get_organization")
    organization = {key: (value if key in USER_READ_PROPERTIES else None) for key, value in doc.response.body.items()}
    graph_server.queue(organization_collection(doc, organization))

    found = await graph.organization()

    assert found.tenant_type is None
    assert (found.id, found.display_name) == (doc.response.body["id"], doc.response.body["displayName"])
    assert found.initial_domain == "Contoso.com"
