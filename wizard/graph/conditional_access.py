"""Conditional Access: the policy that asks for multifactor authentication at the test app (Graph v1.0).

Docs: conditionalaccessroot-post-policies.md (POST /identity/conditionalAccess/policies, 201 with the policy;
conditions.applications.includeApplications takes app ids, grantControls.builtInControls "mfa").
"""

from __future__ import annotations

from typing import Any

from wizard.graph.errors import unexpected_shape
from wizard.graph.transport import GraphResource
from wizard.permissions import CONDITIONAL_ACCESS

POLICIES_PATH = "identity/conditionalAccess/policies"
REPORT_ONLY = "enabledForReportingButNotEnforced"


def mfa_policy_body(display_name: str, app_id: str, *, report_only: bool) -> dict[str, Any]:
    """Every user signing in to `app_id` must pass MFA; report-only logs what it would do without enforcing it."""
    return {
        "displayName": display_name,
        "state": REPORT_ONLY if report_only else "enabled",
        "conditions": {
            "clientAppTypes": ["all"],
            "applications": {"includeApplications": [app_id]},
            "users": {"includeUsers": ["All"]},
        },
        "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
    }


class ConditionalAccessCalls(GraphResource):
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
