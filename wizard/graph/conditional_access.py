"""Conditional Access: the policy that asks for multifactor authentication at the test app (Graph beta).

Docs (beta): conditionalaccessroot-list-policies.md (GET /identity/conditionalAccess/policies, 200 with a `value`
list; Policy.Read.All), conditionalaccessroot-post-policies.md (POST, 201 with the policy;
conditions.applications.includeApplications takes app ids, grantControls.builtInControls "mfa"),
conditionalaccesspolicy-update.md (PATCH /identity/conditionalAccess/policies/{id}, 204; properties left out keep
their values). resources/conditionalaccesspolicy.md: state is enabled, disabled or enabledForReportingButNotEnforced.
"""

from __future__ import annotations

from typing import Any

from wizard.graph.errors import unexpected_shape
from wizard.graph.models import ConditionalAccessPolicy, same_text
from wizard.graph.transport import GraphResource, path_segment
from wizard.permissions import CONDITIONAL_ACCESS, CONDITIONAL_ACCESS_READ

POLICIES_PATH = "identity/conditionalAccess/policies"
ENFORCED = "enabled"
REPORT_ONLY = "enabledForReportingButNotEnforced"


def policy_state(*, report_only: bool) -> str:
    return REPORT_ONLY if report_only else ENFORCED


def mfa_policy_body(display_name: str, app_id: str, *, report_only: bool) -> dict[str, Any]:
    """Every user signing in to `app_id` must pass MFA; report-only logs what it would do without enforcing it."""
    return {
        "displayName": display_name,
        "state": policy_state(report_only=report_only),
        "conditions": {
            "clientAppTypes": ["all"],
            "applications": {"includeApplications": [app_id]},
            "users": {"includeUsers": ["All"]},
        },
        "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
    }


class ConditionalAccessCalls(GraphResource):
    async def conditional_access_policies_named(self, display_name: str) -> list[ConditionalAccessPolicy]:
        """The policies called `display_name` (compared without case), every page read. Graph does not keep
        displayNames unique, so the step decides what to make of several."""
        found = await self._graph.list_all(CONDITIONAL_ACCESS_READ, POLICIES_PATH)
        policies = self._parse_all(ConditionalAccessPolicy, found, CONDITIONAL_ACCESS_READ, f"GET /{POLICIES_PATH}")
        return [policy for policy in policies if same_text(policy.display_name, display_name)]

    async def create_mfa_policy(self, display_name: str, app_id: str, *, report_only: bool) -> str:
        """Not idempotent (Graph picks the id): the step looks for the policy by its displayName first. Returns the
        new policy's id."""
        body = mfa_policy_body(display_name, app_id, report_only=report_only)
        response = await self._graph.call(CONDITIONAL_ACCESS, "POST", POLICIES_PATH, json=body, idempotent=False)
        created = self._graph.parse_json(CONDITIONAL_ACCESS, response)
        policy_id = created.get("id")
        if not isinstance(policy_id, str) or not policy_id:
            raise unexpected_shape(CONDITIONAL_ACCESS, "POST", f"/{POLICIES_PATH}", "the new policy has no id")
        return policy_id

    async def update_mfa_policy(
        self, policy_id: str, *, state: str | None = None, app_id: str | None = None, grant_mfa: bool = False
    ) -> None:
        """Changes only what differs from the answers: the state, the app (the policy's only one), the MFA grant.
        Everything else the operator set (a break-glass exclusion, say) stays, as the update page says of properties
        left out; conditions are sent with only `applications`, as its example sends only signInRiskLevels. A
        PATCH of the same values changes nothing, so a repeat is safe."""
        body: dict[str, Any] = {}
        if state is not None:
            body["state"] = state
        if app_id is not None:
            body["conditions"] = {"applications": {"includeApplications": [app_id]}}
        if grant_mfa:
            body["grantControls"] = {"operator": "OR", "builtInControls": ["mfa"]}
        path = f"{POLICIES_PATH}/{path_segment(policy_id)}"
        await self._graph.call(CONDITIONAL_ACCESS, "PATCH", path, json=body, idempotent=True)
