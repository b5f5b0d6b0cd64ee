"""The behaviour knobs: paging (concepts/paging.md), replication lag (Entra's eventual consistency) and the
alternate-key upserts (application-upsert.md, serviceprincipal-upsert.md), over real HTTP.

Lag tests hide new objects with a long lag, then let it pass by moving the virtual clock on (tests/support/virtual_clock.py)
or end it by setting `replication_lag` to 0, so they never depend on a timing.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from tests.support.simulator import OIDC_PROVIDER, Start, client, error_of
from tests.support.virtual_clock import VirtualClock
from wizard.simulator import SimulatedTenant

LONG_LAG = 600.0
NO_BACKING_APPLICATION = "The appId '{}' of the service principal does not reference a valid application object."
CREATE_IF_MISSING = {"Prefer": "create-if-missing"}


def every_page(graph: httpx.Client, path: str, params: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Follow @odata.nextLink to the end, as a client must; each page is checked against the knob."""
    pages = [graph.get(path, params=params).json()]
    while "@odata.nextLink" in pages[-1]:
        pages.append(graph.get(pages[-1]["@odata.nextLink"]).json())
    return pages


# Paging


def test_every_collection_pages_and_the_next_links_lead_to_the_end(start_simulator: Start) -> None:
    server = start_simulator(page_size=2)
    with client(server) as graph:
        names = [f"app {number}" for number in range(5)]
        for name in names:
            graph.post("/applications", json={"displayName": name})
        pages = every_page(graph, "/applications")
        assert [len(page["value"]) for page in pages] == [2, 2, 1]
        assert [app["displayName"] for page in pages for app in page["value"]] == names
        assert pages[0]["@odata.nextLink"].startswith(server.graph_root + "/beta/applications?")
        assert "$skiptoken=" in pages[0]["@odata.nextLink"]
        assert "@odata.nextLink" not in pages[-1]
        key_sets = every_page(graph, "/trustFramework/keySets")
        assert [len(page["value"]) for page in key_sets] == [2]
        server.page_size = 1
        assert [len(page["value"]) for page in every_page(graph, "/trustFramework/keySets")] == [1, 1]
        server.page_size = None
        assert len(every_page(graph, "/applications")) == 1


def test_filter_applies_before_paging_and_the_next_link_keeps_the_query(start_simulator: Start) -> None:
    with client(start_simulator(page_size=2)) as graph:
        for name in ("Asignio", "Other", "asignio", "ASIGNIO", "Other"):
            graph.post("/applications", json={"displayName": name})
        pages = every_page(graph, "/applications", {"$filter": "displayName eq 'Asignio'", "$select": "displayName"})
        assert [[app["displayName"] for app in page["value"]] for page in pages] == [
            ["Asignio", "asignio"],
            ["ASIGNIO"],
        ]
        assert "%24filter=displayName%20eq%20%27Asignio%27" in pages[0]["@odata.nextLink"].replace(
            "$filter", "%24filter"
        )
        assert set(pages[1]["value"][0]) == {"id", "displayName"}


def test_top_limits_a_page_and_links_to_the_rest(start_simulator: Start) -> None:
    with client(start_simulator()) as graph:
        for number in range(3):
            graph.post("/applications", json={"displayName": f"app {number}"})
        pages = every_page(graph, "/applications", {"$top": "2"})
        assert [len(page["value"]) for page in pages] == [2, 1]
        assert "%24top=2" in pages[0]["@odata.nextLink"].replace("$top", "%24top")
        assert graph.get("/applications", params={"$top": "zero"}).status_code == 400


def test_paging_covers_policies_and_user_flow_providers(start_simulator: Start) -> None:
    tenant = SimulatedTenant.seeded(base={f"B2C_1A_P{number}": b"<x/>" for number in range(3)})
    with client(start_simulator(tenant, page_size=2)) as graph:
        policies = every_page(graph, "/trustFramework/policies")
        assert [policy["id"] for page in policies for policy in page["value"]] == [
            "B2C_1A_P0",
            "B2C_1A_P1",
            "B2C_1A_P2",
        ]
        graph.post(
            "/identity/b2cUserFlows", json={"id": "Susi", "userFlowType": "signUpOrSignIn", "userFlowTypeVersion": 3}
        )
        for _ in range(3):
            provider = graph.post("/identity/identityProviders", json=OIDC_PROVIDER).json()
            reference = {"@odata.id": f"https://graph.microsoft.com/beta/identity/identityProviders/{provider['id']}"}
            graph.post("/identity/b2cUserFlows/B2C_1_Susi/userFlowIdentityProviders/$ref", json=reference)
        attached = every_page(graph, "/identity/b2cUserFlows/B2C_1_Susi/userFlowIdentityProviders")
        assert [len(page["value"]) for page in attached] == [2, 1]


# Replication lag


def test_a_new_application_is_hidden_from_reads_and_references_until_it_replicates(
    start_simulator: Start, virtual_clock: VirtualClock
) -> None:
    server = start_simulator(replication_lag=LONG_LAG)
    with client(server) as graph:
        application = graph.post("/applications", json={"displayName": "Asignio test"}).json()
        by_id = graph.get(f"/applications/{application['id']}")
        assert by_id.status_code == 404 and error_of(by_id)["code"] == "Request_ResourceNotFound"
        assert graph.get("/applications", params={"$filter": "displayName eq 'Asignio test'"}).json()["value"] == []
        assert graph.get("/applications").json()["value"] == []
        principal = graph.post("/servicePrincipals", json={"appId": application["appId"]})
        assert error_of(principal) == {
            **error_of(principal),
            "code": "Request_BadRequest",
            "message": NO_BACKING_APPLICATION.format(application["appId"]),
        }
        assert principal.status_code == 400  # Entra's NoBackingApplicationObject
        virtual_clock.skip(LONG_LAG)
        assert graph.get(f"/applications/{application['id']}").status_code == 200
        assert [app["id"] for app in graph.get("/applications").json()["value"]] == [application["id"]]
        assert graph.post("/servicePrincipals", json={"appId": application["appId"]}).status_code == 201


def test_a_grant_naming_a_new_service_principal_is_404_until_it_replicates(start_simulator: Start) -> None:
    server = start_simulator(replication_lag=LONG_LAG)
    with client(server) as graph:
        application = graph.post("/applications", json={"displayName": "app"}).json()
        server.replication_lag = 0
        principal = graph.post("/servicePrincipals", json={"appId": application["appId"]}).json()
        server.replication_lag = LONG_LAG
        [resource] = graph.get("/servicePrincipals", params={"$filter": "displayName eq 'Microsoft Graph'"}).json()[
            "value"
        ]
        body = {
            "clientId": principal["id"],
            "resourceId": resource["id"],
            "consentType": "AllPrincipals",
            "scope": "openid",
        }
        refused = graph.post("/oauth2PermissionGrants", json=body)
        assert refused.status_code == 404 and error_of(refused)["code"] == "Request_ResourceNotFound"
        second = graph.post("/servicePrincipals", json={"appId": application["appId"]})
        assert second.status_code == 409  # uniqueness sees the replicating one
        server.replication_lag = 0
        assert graph.post("/oauth2PermissionGrants", json=body).status_code == 201


def test_a_new_key_set_and_its_new_key_are_hidden_until_they_replicate(
    start_simulator: Start, virtual_clock: VirtualClock
) -> None:
    server = start_simulator(replication_lag=LONG_LAG)
    with client(server) as graph:
        assert graph.post("/trustFramework/keySets", json={"id": "AsignioSecret"}).status_code == 201
        again = graph.post("/trustFramework/keySets", json={"id": "AsignioSecret"})
        assert again.status_code == 409 and error_of(again)["code"] == "AADB2C95028"
        path = "/trustFramework/keySets/B2C_1A_AsignioSecret"
        hidden = graph.get(path)
        assert hidden.status_code == 404 and error_of(hidden)["code"] == "AADB2C90073"
        assert "B2C_1A_AsignioSecret" not in [k["id"] for k in graph.get("/trustFramework/keySets").json()["value"]]
        now = int(time.time())
        secret = {"use": "sig", "k": "secret", "nbf": now - 60, "exp": now + 3600}
        assert graph.post(f"{path}/uploadSecret", json=secret).status_code == 404
        virtual_clock.skip(LONG_LAG)
        uploaded = graph.post(f"{path}/uploadSecret", json=secret)
        assert uploaded.status_code == 200
        kid = uploaded.json()["kid"]
        assert graph.get(f"{path}/getActiveKey").status_code == 404, "the new key is replicating"
        virtual_clock.skip(LONG_LAG)
        assert graph.get(f"{path}/getActiveKey").json()["kid"] == kid
        assert [key["kid"] for key in graph.get(path).json()["keys"]] == [kid]


def test_a_new_key_stays_out_of_the_key_set_while_it_lags(start_simulator: Start) -> None:
    tenant = SimulatedTenant.seeded()
    tenant.key_sets["B2C_1A_AsignioSecret"] = []  # made outside the API: visible whatever the lag
    server = start_simulator(tenant, replication_lag=LONG_LAG)
    with client(server) as graph:
        path = "/trustFramework/keySets/B2C_1A_AsignioSecret"
        assert graph.post(f"{path}/uploadSecret", json={"use": "sig", "k": "secret"}).status_code == 200
        assert graph.get(path).json()["keys"] == []
        assert graph.get(f"{path}/getActiveKey").status_code == 404
        server.replication_lag = 0
        assert len(graph.get(path).json()["keys"]) == 1


def test_writes_by_id_on_lagging_providers_and_flows_are_404(start_simulator: Start) -> None:
    server = start_simulator(replication_lag=LONG_LAG)
    with client(server) as graph:
        provider = graph.post("/identity/identityProviders", json=OIDC_PROVIDER).json()
        patched = graph.patch(f"/identity/identityProviders/{provider['id']}", json={"responseType": "id_token"})
        assert patched.status_code == 404 and error_of(patched)["code"] == "Request_ResourceNotFound"
        assert graph.get("/identity/identityProviders").json()["value"] == []
        flow = {"id": "Susi", "userFlowType": "signUpOrSignIn", "userFlowTypeVersion": 3}
        assert graph.post("/identity/b2cUserFlows", json=flow).status_code == 201
        assert graph.post("/identity/b2cUserFlows", json=flow).status_code == 409
        reference = {"@odata.id": f"https://graph.microsoft.com/beta/identity/identityProviders/{provider['id']}"}
        attach = graph.post("/identity/b2cUserFlows/B2C_1_Susi/userFlowIdentityProviders/$ref", json=reference)
        assert attach.status_code == 404 and error_of(attach)["code"] == "Request_ResourceNotFound"
        assert graph.get("/identity/b2cUserFlows/B2C_1_Susi").status_code == 404
        server.replication_lag = 0
        assert (
            graph.post("/identity/b2cUserFlows/B2C_1_Susi/userFlowIdentityProviders/$ref", json=reference).status_code
            == 204
        )


def test_creation_times_are_saved_so_a_reloaded_simulator_still_hides_new_objects(
    start_simulator: Start, tmp_path: Path
) -> None:
    state_file = tmp_path / "tenant.json"
    first = start_simulator(state_file=state_file, replication_lag=LONG_LAG)
    with client(first) as graph:
        application = graph.post("/applications", json={"displayName": "app"}).json()
        graph.post("/trustFramework/keySets", json={"id": "Kept"})
    first.stop()
    reloaded = start_simulator(SimulatedTenant.load(state_file), replication_lag=LONG_LAG)
    with client(reloaded) as graph:
        assert graph.get(f"/applications/{application['id']}").status_code == 404
        assert graph.get("/trustFramework/keySets/B2C_1A_Kept").status_code == 404
        reloaded.replication_lag = 0
        assert graph.get(f"/applications/{application['id']}").json()["displayName"] == "app"
        assert "_created" not in graph.get(f"/applications/{application['id']}").json()
        assert graph.get("/trustFramework/keySets/B2C_1A_Kept").status_code == 200


def test_policies_are_exempt_from_the_lag(start_simulator: Start) -> None:
    tenant = SimulatedTenant.seeded(base={"B2C_1A_Base": b"<x/>"})
    with client(start_simulator(tenant, replication_lag=LONG_LAG)) as graph:
        assert graph.get("/trustFramework/policies/B2C_1A_Base/$value").status_code == 200


# Upserts by alternate key


def test_application_upsert_creates_201_then_updates_204_and_404s_without_prefer(start_simulator: Start) -> None:
    with client(start_simulator()) as graph:
        created = graph.patch(
            "/applications(uniqueName='asignio-test')", json={"displayName": "Asignio"}, headers=CREATE_IF_MISSING
        )
        assert created.status_code == 201
        application = created.json()
        assert (application["uniqueName"], application["displayName"]) == ("asignio-test", "Asignio")
        updated = graph.patch(
            "/applications(uniqueName='asignio-test')", json={"displayName": "Renamed"}, headers=CREATE_IF_MISSING
        )
        assert updated.status_code == 204 and updated.content == b""
        assert (
            graph.patch("/applications(uniqueName='asignio-test')", json={"signInAudience": "AzureADMyOrg"}).status_code
            == 204
        )
        absent = graph.patch("/applications(uniqueName='other')", json={"displayName": "Other"})
        assert absent.status_code == 404 and error_of(absent)["code"] == "Request_ResourceNotFound"
        for path in ("/applications(uniqueName='ASIGNIO-TEST')", f"/applications(appId='{application['appId']}')"):
            assert graph.get(path).json()["displayName"] == "Renamed"
        assert graph.get("/applications(uniqueName='other')").status_code == 404
        assert len(graph.get("/applications").json()["value"]) == 1
        taken = graph.post("/applications", json={"displayName": "Copy", "uniqueName": "asignio-test"})
        assert taken.status_code == 400 and error_of(taken)["code"] == "Request_MultipleObjectsWithSameKeyValue"


def test_alternate_key_paths_are_parsed_encoded_or_not_with_doubled_quotes(start_simulator: Start) -> None:
    server = start_simulator()
    with client(server) as graph:
        created = graph.patch(
            "/applications(uniqueName='O''Brien app')", json={"displayName": "O'Brien"}, headers=CREATE_IF_MISSING
        )
        assert created.status_code == 201 and created.json()["uniqueName"] == "O'Brien app"
        encoded = httpx.URL(server.graph_root + "/beta/applications%28uniqueName%3D%27O%27%27Brien%20app%27%29")
        assert graph.get(encoded).json()["displayName"] == "O'Brien"
        assert graph.patch(encoded, json={"displayName": "x"}, headers=CREATE_IF_MISSING).status_code == 204


def test_service_principal_upsert_needs_a_replicated_application(start_simulator: Start) -> None:
    server = start_simulator(replication_lag=LONG_LAG)
    with client(server) as graph:
        application = graph.post("/applications", json={"displayName": "app"}).json()
        path = f"/servicePrincipals(appId='{application['appId']}')"
        lagging = graph.patch(path, json={}, headers=CREATE_IF_MISSING)
        assert lagging.status_code == 400
        assert error_of(lagging)["message"] == NO_BACKING_APPLICATION.format(application["appId"])
        server.replication_lag = 0
        assert graph.patch(path, json={"displayName": "instance"}).status_code == 404
        created = graph.patch(path, json={"displayName": "instance"}, headers=CREATE_IF_MISSING)
        assert created.status_code == 201 and created.json()["appId"] == application["appId"]
        assert graph.patch(path, json={"displayName": "renamed"}, headers=CREATE_IF_MISSING).status_code == 204
        assert graph.get(path).json()["displayName"] == "renamed"
        assert graph.post("/servicePrincipals", json={"appId": application["appId"]}).status_code == 409


def test_an_upsert_of_a_lagging_application_updates_it_instead_of_creating_a_second(start_simulator: Start) -> None:
    server = start_simulator(replication_lag=LONG_LAG)
    with client(server) as graph:
        path = "/applications(uniqueName='asignio-test')"
        assert graph.patch(path, json={"displayName": "first"}, headers=CREATE_IF_MISSING).status_code == 201
        assert graph.get(path).status_code == 404
        assert graph.patch(path, json={"displayName": "again"}, headers=CREATE_IF_MISSING).status_code == 204
        assert graph.patch(path, json={"displayName": "plain"}).status_code == 404
        assert [app["displayName"] for app in server.tenant.applications.values()] == ["again"]


def test_a_tenant_refusing_upserts_answers_400_to_alternate_key_writes_only(start_simulator: Start) -> None:
    server = start_simulator(upsert_supported=False)
    with client(server) as graph:
        for path in (
            "/applications(uniqueName='asignio-test')",
            "/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')",
        ):
            refused = graph.patch(path, json={"displayName": "x"}, headers=CREATE_IF_MISSING)
            assert refused.status_code == 400 and error_of(refused)["code"] == "Request_BadRequest"
        assert graph.get("/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')").status_code == 200
        assert server.tenant.applications == {}
        server.upsert_supported = True
        assert (
            graph.patch(
                "/applications(uniqueName='asignio-test')", json={"displayName": "x"}, headers=CREATE_IF_MISSING
            ).status_code
            == 201
        )


# An empty tenant, and an account that may not grant consent

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"


def test_an_empty_tenant_lacks_graphs_service_principal_until_one_is_created_from_its_app_id(
    start_simulator: Start, tmp_path: Path
) -> None:
    """serviceprincipal-post-serviceprincipals.md: POST {appId} makes Microsoft Graph's service principal, with its
    delegated scopes; a second is a conflict. Saved and reloaded, the empty tenant stays without one."""
    empty = SimulatedTenant.empty()
    empty.save(tmp_path / "tenant.json")
    assert SimulatedTenant.load(tmp_path / "tenant.json").service_principals == {}
    server = start_simulator(empty)
    with client(server) as graph:
        filtered = {"$filter": f"appId eq '{GRAPH_APP_ID}'"}
        assert graph.get("/servicePrincipals", params=filtered).json()["value"] == []
        created = graph.post("/servicePrincipals", json={"appId": GRAPH_APP_ID})
        assert created.status_code == 201
        scopes = {scope["value"]: scope["id"] for scope in created.json()["publishedPermissionScopes"]}
        assert scopes["openid"] == "37f7f235-527c-4136-accd-4a02d197296e"
        assert graph.post("/servicePrincipals", json={"appId": GRAPH_APP_ID}).status_code == 409
        assert [sp["appId"] for sp in graph.get("/servicePrincipals", params=filtered).json()["value"]] == [
            GRAPH_APP_ID
        ]


def test_an_applications_service_principal_shows_the_scopes_the_application_exposes(start_simulator: Start) -> None:
    """beta serviceprincipal.md: publishedPermissionScopes, "the delegated permissions exposed by the application"
    (the application's api.oauth2PermissionScopes); the name oauth2PermissionScopes is v1.0's, which the simulator
    does not serve."""
    scope = {"id": "8f1c6b5e-0d1a-4a8e-9a53-2f3c4d5e6f70", "value": "user_impersonation", "type": "Admin"}
    with client(start_simulator()) as graph:
        app = graph.post(
            "/applications",
            json={"displayName": "IdentityExperienceFramework", "api": {"oauth2PermissionScopes": [scope]}},
        ).json()
        principal = graph.post("/servicePrincipals", json={"appId": app["appId"]}).json()
    assert principal["publishedPermissionScopes"] == [scope]
    assert "oauth2PermissionScopes" not in principal


def test_an_account_that_may_not_grant_consent_gets_graphs_403(start_simulator: Start) -> None:
    server = start_simulator(consent_allowed=False)
    with client(server) as graph:
        graph_principal = graph.get("/servicePrincipals", params={"$filter": f"appId eq '{GRAPH_APP_ID}'"})
        graph_id = graph_principal.json()["value"][0]["id"]
        refused = graph.post(
            "/oauth2PermissionGrants",
            json={"clientId": graph_id, "resourceId": graph_id, "consentType": "AllPrincipals", "scope": "openid"},
        )
        assert refused.status_code == 403
        assert error_of(refused)["code"] == "Authorization_RequestDenied"
        server.consent_allowed = True
        granted = graph.post(
            "/oauth2PermissionGrants",
            json={"clientId": graph_id, "resourceId": graph_id, "consentType": "AllPrincipals", "scope": "openid"},
        )
    assert granted.status_code == 201
