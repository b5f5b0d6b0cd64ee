"""Conditional Access: the policies that ask for multifactor authentication at an app (Graph beta).

Docs (beta): conditionalaccessroot-list-policies.md, conditionalaccessroot-post-policies.md,
conditionalaccesspolicy-update.md, resources/conditionalaccesspolicy.md.
"""

from __future__ import annotations

import re

from wizard import clock
from wizard.simulator import representations
from wizard.simulator.endpoints.core import (
    SEGMENT,
    GraphError,
    GraphRequest,
    GraphResponse,
    ResourceGroup,
    Route,
    json_response,
    merge,
    public,
    routes,
)

POLICY_READ = "Policy.Read.All"
CONDITIONAL_ACCESS = "Policy.ReadWrite.ConditionalAccess"
CONDITIONAL_ACCESS_POLICIES = "/identity/conditionalAccess/policies"
POLICY_STATES = {"enabled", "disabled", "enabledForReportingButNotEnforced"}
"""resources/conditionalaccesspolicy.md (beta): the conditionalAccessPolicyState values."""


class ConditionalAccessEndpoints(ResourceGroup):
    """The tenant's Conditional Access policies."""

    def routes(self) -> list[Route]:
        policy = f"{CONDITIONAL_ACCESS_POLICIES}/{SEGMENT}"
        return routes(
            [
                ("GET", CONDITIONAL_ACCESS_POLICIES, self.list_conditional_access_policies, POLICY_READ),
                ("POST", CONDITIONAL_ACCESS_POLICIES, self.create_conditional_access_policy, CONDITIONAL_ACCESS),
                ("PATCH", policy, self.update_conditional_access_policy, CONDITIONAL_ACCESS),
            ]
        )

    def list_conditional_access_policies(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        """conditionalaccessroot-list-policies.md (beta): the policies, their conditions with `devices` null beside
        the create answer's keys (the list example shows it); new ones hidden while they replicate."""
        listed = []
        for policy in self._visible(self.tenant.conditional_access_policies.values()):
            shown = {key: value for key, value in policy.items() if key != "@odata.context"}
            shown["conditions"] = {**shown["conditions"], "devices": shown["conditions"].get("devices")}
            listed.append(shown)
        return self._page(request, listed, representations.CONDITIONAL_ACCESS_POLICIES)

    def update_conditional_access_policy(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        """conditionalaccesspolicy-update.md (beta): 204; properties left out keep their values (nested objects
        merge). A policy that is not there is 404 (the page names no code: Graph's not-found code is used)."""
        policy = self._object(self.tenant.conditional_access_policies, "conditionalAccessPolicy", match.group(1))
        body = request.json()
        if "state" in body and body["state"] not in POLICY_STATES:
            raise GraphError(400, "BadRequest", f"Invalid value '{body['state']}' for the policy's state.")
        merge(policy, {key: value for key, value in body.items() if key not in ("id", "@odata.context")})
        policy["modifiedDateTime"] = clock.now().strftime("%Y-%m-%dT%H:%M:%S.0000000Z")
        return GraphResponse(204)

    def create_conditional_access_policy(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        """conditionalaccessroot-post-policies.md: 201 with the whole policy, the lists the request left out empty,
        modifiedDateTime, sessionControls and platforms null (Example 1's answer)."""
        body = request.json()
        state = body.get("state")
        if not body.get("displayName") or state not in POLICY_STATES:
            raise GraphError(400, "BadRequest", "A Conditional Access policy needs a displayName and a valid state.")
        conditions = body.get("conditions") or {}
        applications = conditions.get("applications") or {}
        users = conditions.get("users") or {}
        grant = body.get("grantControls") or {}
        policy_id = self._new_id()
        policy = {
            "@odata.context": "https://graph.microsoft.com/beta/$metadata#conditionalAccess/policies/$entity",
            "id": policy_id,
            "displayName": body["displayName"],
            "createdDateTime": clock.now().strftime("%Y-%m-%dT%H:%M:%S.0000000Z"),
            "modifiedDateTime": None,
            "state": state,
            "sessionControls": body.get("sessionControls"),
            "conditions": {
                "signInRiskLevels": list(conditions.get("signInRiskLevels", [])),
                "clientAppTypes": list(conditions.get("clientAppTypes", [])),
                "platforms": conditions.get("platforms"),
                "deviceStates": conditions.get("deviceStates"),
                "applications": {
                    name: list(applications.get(name, []))
                    for name in ("includeApplications", "excludeApplications", "includeUserActions")
                },
                "users": {
                    name: list(users.get(name, []))
                    for name in (
                        "includeUsers",
                        "excludeUsers",
                        "includeGroups",
                        "excludeGroups",
                        "includeRoles",
                        "excludeRoles",
                    )
                },
                "locations": conditions.get("locations"),
            },
            "grantControls": {
                "operator": grant.get("operator"),
                "builtInControls": list(grant.get("builtInControls", [])),
                "customAuthenticationFactors": list(grant.get("customAuthenticationFactors", [])),
                "termsOfUse": list(grant.get("termsOfUse", [])),
            },
        }
        self.tenant.conditional_access_policies[policy_id] = self._stamped(policy)
        return json_response(201, public(policy))
