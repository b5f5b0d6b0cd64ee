"""Conditional Access as documented (Graph beta): the policy that requires MFA at the test app, found by its name,
created once, its state set as the answers ask."""

from __future__ import annotations

import pytest

from tests.contract.examples import CONDITIONAL_ACCESS_POLICY_ID
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
    """conditionalaccessroot-post-policies.md (beta), Example 1: POST /identity/conditionalAccess/policies with
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


@replays("list_conditional_access_policies")
async def test_finding_the_policy_lists_the_policies_and_matches_the_display_name(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    """conditionalaccessroot-list-policies.md (beta): GET /identity/conditionalAccess/policies, 200 with `value`;
    the client matches the displayName (without case) and reads state, included apps and grant controls, nulls
    (createdDateTime, locations, devices) and all."""
    doc = documented("list_conditional_access_policies")
    graph_server.queue(Answer.of(doc))

    [policy] = await graph.conditional_access_policies_named("simplepolicy2")

    [request] = graph_server.requests
    assert_documented_request(request, doc, documented_path(doc))
    example = doc.response.body["value"][1]
    assert (policy.id, policy.display_name, policy.state) == (example["id"], "SimplePolicy2", "disabled")
    assert policy.included_applications == ("None",)
    assert policy.requires_mfa


@replays("update_conditional_access_policy")
async def test_updating_the_policy_patches_only_what_differs_by_id(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    """conditionalaccesspolicy-update.md (beta): PATCH /identity/conditionalAccess/policies/{id} with the fields to
    change (the example sends conditions with one key only); 204. The client sends state, conditions.applications
    and grantControls, keys of the create example, and no displayName or users (the operator's to keep)."""
    doc = documented("update_conditional_access_policy")
    graph_server.queue(Answer.of(doc), Answer.of(doc))

    await graph.update_mfa_policy(CONDITIONAL_ACCESS_POLICY_ID, state="enabled", app_id=TEST_APP_ID, grant_mfa=True)
    await graph.update_mfa_policy(CONDITIONAL_ACCESS_POLICY_ID, state="enabledForReportingButNotEnforced")

    [everything, state_only] = graph_server.requests
    assert_documented_request(everything, doc, documented_path(doc, {"id": CONDITIONAL_ACCESS_POLICY_ID}))
    sent = everything.json()
    create = documented("create_conditional_access_policy")
    assert_body_keys(sent, {}, known_from=[doc.request.body, create.request.body, create.response.body])
    assert sent == {
        "state": "enabled",
        "conditions": {"applications": {"includeApplications": [TEST_APP_ID]}},
        "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
    }
    assert state_only.json() == {"state": "enabledForReportingButNotEnforced"}
