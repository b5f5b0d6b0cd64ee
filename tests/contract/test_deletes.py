"""Every delete the tool makes, as documented: DELETE on the object's path, no body, 204 No Content; a 404 (the object
already gone, which is what a remove wants) answers False instead of raising."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from tests.contract.examples import (
    APPLICATION_OBJECT_ID,
    CREATED_PROVIDER_ID,
    GRANT_ID,
    INVOCATIONS,
    KEY_SET_ID,
    SERVICE_PRINCIPAL_ID,
    USER_FLOW_TO_READ,
)
from tests.contract.support import (
    Answer,
    LoopbackGraph,
    assert_documented_request,
    documented,
    documented_path,
    graph_error,
    replays,
)
from wizard.graph import GraphClient

DELETES: dict[str, Mapping[str, str] | None] = {
    # application-delete.md: by object id (the page also offers appId='…'; deleted apps stay restorable 30 days).
    "delete_application": {"applicationObjectId": APPLICATION_OBJECT_ID},
    # serviceprincipal-delete.md and oauth2permissiongrant-delete.md: neither page promises that deleting the
    # application takes them along, so the client deletes each itself.
    "delete_service_principal": {"id": SERVICE_PRINCIPAL_ID},
    "delete_oauth2_permission_grant": {"id": GRANT_ID},
    # b2cidentityuserflow-delete.md and identityproviderbase-delete.md.
    "delete_user_flow": {"id": USER_FLOW_TO_READ},
    "delete_identity_provider": {"id": CREATED_PROVIDER_ID},
    # trustframeworkkeyset-delete.md; trustframeworkpolicy-delete.md, whose path has no /$value (None: the example's
    # own path, which names the policy).
    "delete_key_set": {"id": KEY_SET_ID},
    "delete_policy": None,
}
"""Each delete fixture, with the ids that fill its documented path."""


@replays(*DELETES)
@pytest.mark.parametrize("name", sorted(DELETES))
async def test_a_delete_sends_the_documented_request_and_a_404_answers_false(
    name: str, graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    doc = documented(name)
    delete = INVOCATIONS[name].call
    graph_server.queue(Answer.of(doc), graph_error(404, "Request_ResourceNotFound", "Resource 'x' does not exist."))

    assert await delete(graph) is True
    assert await delete(graph) is False

    deleted, gone = graph_server.requests
    assert_documented_request(deleted, doc, documented_path(doc, DELETES[name]))
    assert deleted.body == gone.body == b""
    assert gone.graph_path == deleted.graph_path
