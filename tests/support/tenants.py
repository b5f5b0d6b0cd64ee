"""Simulated tenants as the tests make, shape and count them."""

from __future__ import annotations

from typing import Any

from wizard.graph import GRAPH_APP_ID
from wizard.policies import demo_chain
from wizard.simulator import SimulatedTenant, SimulatorServer
from wizard.simulator.tenant import new_id

EXTENSIONS = "B2C_1A_TrustFrameworkExtensions"
EXPECTED = {
    "custom-policy": {
        "asignio key sets": 1,
        "asignio keys": 1,
        "policies": 4,
        "identity providers": 0,
        "user flows": 0,
        "applications": 1,
        "service principals": 1,
        "grants": 1,
    },
    "user-flow": {
        "asignio key sets": 0,
        "asignio keys": 0,
        "policies": 3,
        "identity providers": 1,
        "user flows": 1,
        "applications": 1,
        "service principals": 1,
        "grants": 1,
    },
}
"""What a setup of each path leaves in a seeded tenant, as `tenant_objects` counts it."""
NOTHING_OF_THE_SETUP = {
    "asignio key sets": 0,
    "asignio keys": 0,
    "identity providers": 0,
    "user flows": 0,
    "applications": 0,
    "service principals": 0,
    "grants": 0,
}
FOREIGN_CLAIM = (
    b'<ClaimType Id="contosoLoyaltyNumber"><DisplayName>Loyalty number</DisplayName>'
    b"<DataType>string</DataType></ClaimType>"
)


def seeded_tenant(**options: object) -> SimulatedTenant:
    return SimulatedTenant.seeded("contoso", base=demo_chain("contoso.onmicrosoft.com"), **options)


def tenant_objects(tenant: SimulatedTenant) -> dict[str, int]:
    """What the tool may create, counted, so duplicates show."""
    return {
        "asignio key sets": sum(1 for key_set in tenant.key_sets if "asignio" in key_set.lower()),
        "asignio keys": sum(len(keys) for name, keys in tenant.key_sets.items() if "asignio" in name.lower()),
        "policies": len(tenant.policies),
        "identity providers": len(tenant.identity_providers),
        "user flows": len(tenant.user_flows),
        "applications": len(tenant.applications),
        "service principals": sum(1 for sp in tenant.service_principals.values() if sp["appId"] != GRAPH_APP_ID),
        "grants": len(tenant.permission_grants),
    }


def left_of_the_setup(server: SimulatorServer) -> dict[str, int]:
    objects = tenant_objects(server.tenant)
    objects.pop("policies")
    return objects


def with_foreign_claim(extensions: bytes) -> bytes:
    """The extensions as an admin might edit them in the portal: one claim type of their own added."""
    assert b"<ClaimsSchema>" in extensions
    return extensions.replace(b"<ClaimsSchema>", b"<ClaimsSchema>" + FOREIGN_CLAIM, 1)


def principal_of(tenant: SimulatedTenant, app_id: str) -> dict[str, Any]:
    [principal] = [sp for sp in tenant.service_principals.values() if sp["appId"] == app_id]
    return principal


def grant_as_an_administrator_would(
    tenant: SimulatedTenant, client_app_id: str, resource_app_id: str, scope: str
) -> None:
    """What the admin-consent page leaves behind: a tenant-wide grant (seeded, so visible at once)."""
    grant_id = new_id()
    tenant.permission_grants[grant_id] = {
        "id": grant_id,
        "clientId": principal_of(tenant, client_app_id)["id"],
        "resourceId": principal_of(tenant, resource_app_id)["id"],
        "consentType": "AllPrincipals",
        "principalId": None,
        "scope": scope,
    }
