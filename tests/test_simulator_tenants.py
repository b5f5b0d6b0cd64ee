"""The simulator's multi-tenant mode: one server, one URL, the bearer token deciding the tenant, as on real Graph."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from tests.support.paths import PROJECT_ROOT
from tests.support.simulator import client
from wizard.simulator import SimulatedTenant, SimulatorServer


@pytest.fixture
def two_tenants() -> Iterator[SimulatorServer]:
    with SimulatorServer(SimulatedTenant.seeded("contoso")) as server:
        yield server


def test_each_token_reaches_its_own_tenant_and_writes_land_there_only(two_tenants: SimulatorServer) -> None:
    fabrikam = two_tenants.add_tenant(SimulatedTenant.seeded("fabrikam", tenant_type="AAD"))
    assert fabrikam.access_token != two_tenants.access_token
    with (
        client(two_tenants, two_tenants.access_token) as contoso_graph,
        client(two_tenants, fabrikam.access_token) as fabrikam_graph,
    ):
        contoso_org = contoso_graph.get("/organization").json()["value"][0]
        fabrikam_org = fabrikam_graph.get("/organization").json()["value"][0]
        assert (contoso_org["id"], contoso_org["tenantType"]) == (two_tenants.tenant.organization_id, "AAD B2C")
        assert (fabrikam_org["id"], fabrikam_org["tenantType"]) == (fabrikam.tenant.organization_id, "AAD")
        assert fabrikam_org["verifiedDomains"][0]["name"] == "fabrikam.onmicrosoft.com"

        assert fabrikam_graph.post("/trustFramework/keySets", json={"id": "AsignioSecret"}).status_code == 201
    assert "B2C_1A_AsignioSecret" in fabrikam.tenant.key_sets
    assert "B2C_1A_AsignioSecret" not in two_tenants.tenant.key_sets


def test_a_token_the_server_did_not_issue_is_refused_as_graph_does(two_tenants: SimulatorServer) -> None:
    two_tenants.add_tenant(SimulatedTenant.seeded("fabrikam"))
    with client(two_tenants, "not-a-token-it-issued") as graph:
        refused = graph.get("/organization")
    assert refused.status_code == 401
    assert two_tenants.log[-1].tenant == ""
    assert refused.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_each_tenant_has_its_own_permissions_and_shares_the_servers_knobs(two_tenants: SimulatorServer) -> None:
    reader = two_tenants.add_tenant(
        SimulatedTenant.seeded("fabrikam"), permissions={"Policy.Read.All", "TrustFrameworkKeySet.Read.All"}
    )
    two_tenants.page_size = 1
    with (
        client(two_tenants, reader.access_token) as fabrikam_graph,
        client(two_tenants, two_tenants.access_token) as contoso_graph,
    ):
        denied = fabrikam_graph.post("/trustFramework/keySets", json={"id": "AsignioSecret"})
        assert denied.status_code == 403
        assert denied.json()["error"]["code"] == "Authorization_RequestDenied"
        assert contoso_graph.post("/trustFramework/keySets", json={"id": "AsignioSecret"}).status_code == 201
        first_page = fabrikam_graph.get("/trustFramework/keySets").json()
    assert len(first_page["value"]) == 1 and "@odata.nextLink" in first_page
    assert [(record.tenant, record.status) for record in two_tenants.log] == [
        ("fabrikam.onmicrosoft.com", 403),
        ("contoso.onmicrosoft.com", 201),
        ("fabrikam.onmicrosoft.com", 200),
    ]


def test_the_same_tenant_twice_is_refused(two_tenants: SimulatorServer) -> None:
    with pytest.raises(ValueError, match=r"already answers for Contoso\.onmicrosoft\.com"):
        two_tenants.add_tenant(SimulatedTenant.seeded("Contoso"))


def test_the_standalone_simulator_serves_more_tenants_and_prints_each_ones_token_variable() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "wizard.simulator", "--name", "contoso", "--also", "fabrikam"],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline().strip() for _ in range(4)]
        graph_root = lines[1].split("=", 1)[1]
        variable, rest = lines[3].removeprefix("export ").split("=", 1)
        token, comment = rest.split("  # ")
        assert variable == "ASIGNIO_SETUP_ACCESS_TOKEN_FABRIKAM"
        assert comment == 'fabrikam.onmicrosoft.com: [auth] access_token_env = "ASIGNIO_SETUP_ACCESS_TOKEN_FABRIKAM"'
        response = httpx.get(f"{graph_root}/beta/organization", headers={"Authorization": f"Bearer {token}"})
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert response.json()["value"][0]["verifiedDomains"][0]["name"] == "fabrikam.onmicrosoft.com"
