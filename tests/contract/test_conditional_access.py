"""Conditional Access as documented (Graph v1.0): the policy that requires MFA at the test app."""

from __future__ import annotations

import pytest

from tests.contract.support import (
    Answer,
    LoopbackGraph,
    assert_body_keys,
    assert_documented_request,
    documented,
    documented_path,
    replays,
)
from wizard.graph import GraphClient

TEST_APP_ID = "00000002-0000-0ff1-ce00-000000000000"
"""The app id conditionalaccessroot-post-policies.md's Example 1 includes."""


@replays("create_conditional_access_policy")
@pytest.mark.parametrize(("report_only", "state"), [(False, "enabled"), (True, "enabledForReportingButNotEnforced")])
async def test_creating_the_mfa_policy_posts_the_documented_shape_for_the_test_app(
    graph_server: LoopbackGraph, graph: GraphClient, report_only: bool, state: str
) -> None:
    """conditionalaccessroot-post-policies.md, Example 1: POST /identity/conditionalAccess/policies with
    displayName, state, conditions (applications.includeApplications, users, clientAppTypes) and grantControls
    {operator "OR", builtInControls ["mfa"]}; 201 with the policy, whose id the client returns (nulls and all)."""
    doc = documented("create_conditional_access_policy")
    graph_server.queue(Answer.of(doc))

    policy_id = await graph.create_mfa_policy("Asignio MFA", TEST_APP_ID, report_only=report_only)

    [request] = graph_server.requests
    assert_documented_request(request, doc, documented_path(doc))
    sent = request.json()
    assert_body_keys(sent, doc.request.body, known_from=[doc.response.body])
    assert sent["state"] == state
    assert sent["conditions"]["applications"]["includeApplications"] == [TEST_APP_ID]
    assert sent["conditions"]["users"] == {"includeUsers": ["All"]}
    assert sent["grantControls"] == doc.request.body["grantControls"]
    assert policy_id == doc.response.body["id"]
