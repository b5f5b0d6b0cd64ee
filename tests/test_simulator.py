"""The simulated tenant over plain HTTP: Graph's shapes and B2C's rules, the fault knobs, persistence."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.faults import faults_of
from tests.support.paths import PROJECT_ROOT
from tests.support.simulator import OIDC_PROVIDER, client, error_of, pack_policy, put_policy
from wizard.simulator import (
    ALL_PERMISSIONS,
    SimulatedTenant,
    SimulatorServer,
    start_demo,
)

SECRET = "never-show-this-8d1f"


@pytest.fixture
def base_only(starter_pack: Path) -> dict[str, bytes]:
    return {"B2C_1A_TrustFrameworkBase": pack_policy(starter_pack, "B2C_1A_TrustFrameworkBase")}


@pytest.fixture
def server(base_only: dict[str, bytes]) -> Iterator[SimulatorServer]:
    with SimulatorServer(SimulatedTenant.seeded(base=base_only)) as running:
        yield running


@pytest.fixture
def graph(server: SimulatorServer) -> Iterator[httpx.Client]:
    with client(server) as running:
        yield running


def test_organization_answers_on_the_sdk_double_slash_path(server: SimulatorServer, graph: httpx.Client) -> None:
    response = graph.get(server.graph_root + "/beta//organization")
    assert response.status_code == 200
    organization = response.json()["value"][0]
    assert organization["tenantType"] == "AAD B2C"
    assert {"name": "contoso.onmicrosoft.com", "isInitial": True}.items() <= organization["verifiedDomains"][0].items()


def test_the_access_token_is_jwt_shaped_with_tenant_user_and_permissions(server: SimulatorServer) -> None:
    from wizard.auth import token_claims

    claims = token_claims(server.access_token)
    assert claims is not None
    assert claims["tid"] == server.tenant.organization_id
    assert claims["upn"] == "admin@contoso.onmicrosoft.com"
    assert set(claims["scp"].split()) == ALL_PERMISSIONS
    assert server.credential.get_token("https://graph.microsoft.com/.default").token == server.access_token


def test_another_token_is_refused_like_graph_refuses_it(server: SimulatorServer) -> None:
    response = httpx.get(server.graph_root + "/beta/organization", headers={"Authorization": "Bearer not-ours"})
    assert response.status_code == 401
    assert error_of(response)["code"] == "InvalidAuthenticationToken"
    assert httpx.get(server.graph_root + "/beta/organization").status_code == 401


def test_an_endpoint_whose_permission_the_token_lacks_is_403(base_only: dict[str, bytes]) -> None:
    permissions = ALL_PERMISSIONS - {"TrustFrameworkKeySet.ReadWrite.All"}
    with SimulatorServer(SimulatedTenant.seeded(base=base_only), permissions=permissions) as server:
        headers = {"Authorization": f"Bearer {server.access_token}"}
        denied = httpx.get(server.graph_root + "/beta/trustFramework/keySets", headers=headers)
        allowed = httpx.get(server.graph_root + "/beta/trustFramework/policies", headers=headers)
    assert denied.status_code == 403
    assert error_of(denied) == {
        **error_of(denied),
        "code": "Authorization_RequestDenied",
        "message": "Insufficient privileges to complete the operation.",
    }
    assert allowed.status_code == 200


def test_key_sets_get_the_prefix_and_a_second_create_is_aadb2c95028(graph: httpx.Client) -> None:
    created = graph.post("/trustFramework/keySets", json={"id": "AsignioSecret"})
    assert created.status_code == 201
    assert created.json() == {"id": "B2C_1A_AsignioSecret", "keys": []}
    again = graph.post("/trustFramework/keySets", json={"id": "AsignioSecret"})
    assert again.status_code == 409
    assert error_of(again)["code"] == "AADB2C95028"
    assert graph.get("/trustFramework/keySets/b2c_1a_asigniosecret").json()["id"] == "B2C_1A_AsignioSecret"


def test_an_uploaded_secret_becomes_the_active_key_and_is_never_shown(
    server: SimulatorServer, graph: httpx.Client
) -> None:
    graph.post("/trustFramework/keySets", json={"id": "AsignioSecret"})
    now = int(time.time())
    uploaded = graph.post(
        "/trustFramework/keySets/B2C_1A_AsignioSecret/uploadSecret",
        json={"use": "sig", "k": SECRET, "nbf": now - 60, "exp": now + 3600},
    )
    assert uploaded.status_code == 200
    assert uploaded.json()["kty"] == "OCT" and "k" not in uploaded.json()
    assert (uploaded.json()["nbf"], uploaded.json()["exp"]) == (str(now - 60), str(now + 3600))
    for path in ("getActiveKey()", "getActiveKey"):
        active = graph.get(f"/trustFramework/keySets/B2C_1A_AsignioSecret/{path}")
        assert active.json()["kid"] == uploaded.json()["kid"]
    assert SECRET not in json.dumps(server.tenant.to_json())
    assert SECRET not in repr(server.log)


def test_a_key_set_without_a_valid_key_has_no_active_key(graph: httpx.Client) -> None:
    graph.post("/trustFramework/keySets", json={"id": "Expired"})
    graph.post("/trustFramework/keySets/B2C_1A_Expired/uploadSecret", json={"use": "sig", "k": "x", "nbf": 1, "exp": 2})
    response = graph.get("/trustFramework/keySets/B2C_1A_Expired/getActiveKey()")
    assert response.status_code == 404
    assert error_of(response)["code"] == "Request_ResourceNotFound"


def test_policies_upload_201_then_200_and_download_as_stored(graph: httpx.Client, starter_pack: Path) -> None:
    content = pack_policy(starter_pack, "B2C_1A_TrustFrameworkLocalization")
    assert put_policy(graph, "B2C_1A_TrustFrameworkLocalization", content).status_code == 201
    assert put_policy(graph, "B2C_1A_TrustFrameworkLocalization", content).status_code == 200
    assert graph.get("/trustFramework/policies/B2C_1A_TrustFrameworkLocalization/$value").content == content
    ids = [policy["id"] for policy in graph.get("/trustFramework/policies").json()["value"]]
    assert ids == ["B2C_1A_TrustFrameworkBase", "B2C_1A_TrustFrameworkLocalization"]


def test_a_policy_sent_as_octet_stream_is_refused(graph: httpx.Client, starter_pack: Path) -> None:
    content = pack_policy(starter_pack, "B2C_1A_TrustFrameworkLocalization")
    response = put_policy(graph, "B2C_1A_TrustFrameworkLocalization", content, "application/octet-stream")
    assert response.status_code == 415
    assert "application/xml" in error_of(response)["message"]


@pytest.mark.parametrize("prefix", [b"\xef\xbb\xbf", b"junk "])
def test_a_bom_or_leading_junk_is_not_xml_to_b2c(graph: httpx.Client, starter_pack: Path, prefix: bytes) -> None:
    content = prefix + pack_policy(starter_pack, "B2C_1A_TrustFrameworkLocalization")
    response = put_policy(graph, "B2C_1A_TrustFrameworkLocalization", content)
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "AADB2C"
    assert error["message"].startswith("The policy being uploaded is not XML or is not correctly formatted: ")


def test_the_policy_must_name_the_login_tenant_and_its_own_id(graph: httpx.Client, starter_pack: Path) -> None:
    content = pack_policy(starter_pack, "B2C_1A_TrustFrameworkLocalization")
    other_tenant = put_policy(graph, "B2C_1A_TrustFrameworkLocalization", content.replace(b"contoso", b"fabrikam"))
    assert error_of(other_tenant)["message"] == (
        "TenantId in the policy xml 'fabrikam.onmicrosoft.com' is not same as the one in login tenant "
        "'contoso.onmicrosoft.com'."
    )
    other_id = put_policy(graph, "B2C_1A_Other", content)
    assert other_id.status_code == 400 and "does not match" in error_of(other_id)["message"]


def test_a_child_before_its_base_names_the_missing_base(graph: httpx.Client, starter_pack: Path) -> None:
    response = put_policy(graph, "B2C_1A_signup_signin", pack_policy(starter_pack, "B2C_1A_signup_signin"))
    assert response.status_code == 400
    assert (
        "Policy with 'policyId': B2C_1A_TRUSTFRAMEWORKEXTENSIONS cannot be found in the directory "
        "'contoso.onmicrosoft.com'"
    ) in error_of(response)["message"]


def test_a_key_reference_needs_a_keyset_with_an_active_key(starter_pack: Path) -> None:
    with SimulatorServer(SimulatedTenant.seeded()) as server:
        headers = {"Authorization": f"Bearer {server.access_token}", "Content-Type": "application/xml"}
        url = server.graph_root + "/beta/trustFramework/policies/B2C_1A_TrustFrameworkBase/$value"
        response = httpx.put(url, content=pack_policy(starter_pack, "B2C_1A_TrustFrameworkBase"), headers=headers)
    assert response.status_code == 400
    assert (
        'does not have CryptographicKey referenced by storageReferenceId "B2C_1A_FacebookSecret"'
        in error_of(response)["message"]
    )


def upload_to(server: SimulatorServer, policy_id: str, content: bytes) -> httpx.Response:
    headers = {"Authorization": f"Bearer {server.access_token}", "Content-Type": "application/xml"}
    url = server.graph_root + f"/beta/trustFramework/policies/{policy_id}/$value"
    return httpx.put(url, content=content, headers=headers)


def test_an_empty_tenant_refuses_the_base_with_b2cs_whole_message_and_keeps_nothing(starter_pack: Path) -> None:
    """As MicrosoftDocs/azure-docs#7581 quotes it: the first key set, in document order, that the tenant lacks."""
    with SimulatorServer(SimulatedTenant(name="contoso")) as server:
        response = upload_to(
            server, "B2C_1A_TrustFrameworkBase", pack_policy(starter_pack, "B2C_1A_TrustFrameworkBase")
        )
        assert server.tenant.policies == {}
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "AADB2C"
    assert error["message"] == (
        'Validation failed: 1 validation error(s) found in policy "B2C_1A_TRUSTFRAMEWORKBASE" of tenant '
        '"contoso.onmicrosoft.com".Tenant "contoso.onmicrosoft.com" does not have CryptographicKey referenced by '
        'storageReferenceId "B2C_1A_FacebookSecret".'
    )


def test_a_key_set_that_holds_no_key_does_not_satisfy_a_reference(starter_pack: Path) -> None:
    tenant = SimulatedTenant.seeded()
    tenant.key_sets["B2C_1A_FacebookSecret"] = []
    with SimulatorServer(tenant) as server:
        response = upload_to(
            server, "B2C_1A_TrustFrameworkBase", pack_policy(starter_pack, "B2C_1A_TrustFrameworkBase")
        )
        assert response.status_code == 400
        assert 'storageReferenceId "B2C_1A_FacebookSecret"' in error_of(response)["message"]
        server.tenant.key_sets["B2C_1A_FacebookSecret"] = [
            {"kid": "k", "use": "sig", "kty": "oct", "nbf": None, "exp": None}
        ]
        base = pack_policy(starter_pack, "B2C_1A_TrustFrameworkBase")
        assert upload_to(server, "B2C_1A_TrustFrameworkBase", base).status_code == 201


def test_a_child_is_refused_until_its_base_is_uploaded_then_accepted(starter_pack: Path) -> None:
    tenant = SimulatedTenant.seeded()
    tenant.key_sets["B2C_1A_FacebookSecret"] = [{"kid": "k", "use": "sig", "kty": "oct", "nbf": None, "exp": None}]
    extensions = pack_policy(starter_pack, "B2C_1A_TrustFrameworkExtensions")
    with SimulatorServer(tenant) as server:
        early = upload_to(server, "B2C_1A_TrustFrameworkExtensions", extensions)
        assert early.status_code == 400
        assert error_of(early)["message"] == (
            'Validation failed: 1 validation error(s) found in policy "B2C_1A_TRUSTFRAMEWORKEXTENSIONS" of tenant '
            "\"contoso.onmicrosoft.com\".Policy with 'policyId': B2C_1A_TRUSTFRAMEWORKLOCALIZATION cannot be found in "
            "the directory 'contoso.onmicrosoft.com'. Please make sure the base policy is uploaded first."
        )
        for policy_id in ("B2C_1A_TrustFrameworkBase", "B2C_1A_TrustFrameworkLocalization"):
            assert upload_to(server, policy_id, pack_policy(starter_pack, policy_id)).status_code == 201
        assert upload_to(server, "B2C_1A_TrustFrameworkExtensions", extensions).status_code == 201


def test_references_resolve_against_the_stored_ancestors(graph: httpx.Client, starter_pack: Path) -> None:
    for policy_id in ("B2C_1A_TrustFrameworkLocalization", "B2C_1A_TrustFrameworkExtensions"):
        assert put_policy(graph, policy_id, pack_policy(starter_pack, policy_id)).status_code == 201
    broken = pack_policy(starter_pack, "B2C_1A_signup_signin").replace(
        b'DefaultUserJourney ReferenceId="SignUpOrSignIn"', b'DefaultUserJourney ReferenceId="NoSuchJourney"'
    )
    response = put_policy(graph, "B2C_1A_signup_signin", broken)
    assert response.status_code == 400
    assert (
        'makes a reference to UserJourney with id "NoSuchJourney" but neither the policy nor any of its base '
        "policies contain such an element"
    ) in error_of(response)["message"]
    assert (
        put_policy(graph, "B2C_1A_signup_signin", pack_policy(starter_pack, "B2C_1A_signup_signin")).status_code == 201
    )


def test_identity_provider_secret_reads_back_masked_and_is_not_kept(
    server: SimulatorServer, graph: httpx.Client
) -> None:
    body = {
        "@odata.type": "#microsoft.graph.openIdConnectIdentityProvider",
        "displayName": "Asignio",
        "clientId": "cid",
        "clientSecret": SECRET,
        "metadataUrl": "https://authorization.asignio.com/.well-known/openid-configuration",
        "responseType": "code",
        "responseMode": "query",
        "scope": "openid email profile",
        "claimsMapping": {"userId": "sub"},
    }
    created = graph.post("/identity/identityProviders", json=body)
    assert created.status_code == 201
    provider_id = created.json()["id"]
    assert graph.get(f"/identity/identityProviders/{provider_id}").json()["clientSecret"] == "******"
    assert graph.patch(f"/identity/identityProviders/{provider_id}", json={"responseMode": "bogus"}).status_code == 400
    assert (
        graph.patch(f"/identity/identityProviders/{provider_id}", json={"clientSecret": SECRET + "2"}).status_code
        == 204
    )
    assert SECRET not in json.dumps(server.tenant.to_json())
    missing = graph.post("/identity/identityProviders", json={**body, "metadataUrl": None})
    assert missing.status_code == 400 and "metadataUrl" in error_of(missing)["message"]


def test_user_flows_get_b2c_1_and_take_providers_by_reference(graph: httpx.Client) -> None:
    body = {"id": "AsignioSignupSignin", "userFlowType": "signUpOrSignIn", "userFlowTypeVersion": 3}
    assert graph.post("/identity/b2cUserFlows", json=body).json()["id"] == "B2C_1_AsignioSignupSignin"
    assert graph.post("/identity/b2cUserFlows", json=body).status_code == 409
    provider = graph.post("/identity/identityProviders", json=OIDC_PROVIDER).json()
    reference = {"@odata.id": f"https://graph.microsoft.com/beta/identity/identityProviders/{provider['id']}"}
    flow = "/identity/b2cUserFlows/B2C_1_AsignioSignupSignin"
    assert graph.post(f"{flow}/userFlowIdentityProviders/$ref", json=reference).status_code == 204
    again = graph.post(f"{flow}/userflowIdentityProviders/$ref", json=reference)
    assert again.status_code == 400
    assert error_of(again) == {
        **error_of(again),
        "code": "Request_BadRequest",
        "message": (
            "One or more added object references already exist for the following modified properties: "
            "'userFlowIdentityProviders'."
        ),
    }
    for listing in ("userFlowIdentityProviders", "identityProviders"):
        assert [p["id"] for p in graph.get(f"{flow}/{listing}").json()["value"]] == [provider["id"]]


def test_applications_filter_select_top_and_service_principal_uniqueness(graph: httpx.Client) -> None:
    for name in ("Asignio test (jwt.ms)", "Other", "O'Brien's app"):
        graph.post("/applications", json={"displayName": name})
    found = graph.get("/applications", params={"$filter": "displayName eq 'O''Brien''s app'", "$select": "id,appId"})
    [application] = found.json()["value"]
    assert set(application) == {"id", "appId"}
    assert len(graph.get("/applications", params={"$top": "2"}).json()["value"]) == 2
    assert graph.get("/applications", params={"$filter": "startswith(displayName,'A')"}).status_code == 400
    assert graph.post("/servicePrincipals", json={"appId": application["appId"]}).status_code == 201
    duplicate = graph.post("/servicePrincipals", json={"appId": application["appId"]})
    assert duplicate.status_code == 409
    assert error_of(duplicate)["code"] == "Request_MultipleObjectsWithSameKeyValue"


def test_grants_are_found_by_client_and_resource(graph: httpx.Client) -> None:
    app = graph.post("/applications", json={"displayName": "app"}).json()
    client = graph.post("/servicePrincipals", json={"appId": app["appId"]}).json()
    graph_filter = {"$filter": "appId eq '00000003-0000-0000-c000-000000000000'"}
    [resource] = graph.get("/servicePrincipals", params=graph_filter).json()["value"]
    body = {"clientId": client["id"], "resourceId": resource["id"], "consentType": "AllPrincipals", "scope": "openid"}
    grant = graph.post("/oauth2PermissionGrants", json=body).json()
    assert graph.post("/oauth2PermissionGrants", json=body).status_code == 409
    assert (
        graph.patch(f"/oauth2PermissionGrants/{grant['id']}", json={"scope": "openid offline_access"}).status_code
        == 204
    )
    query = {"$filter": f"clientId eq '{client['id']}' and resourceId eq '{resource['id']}'"}
    [found] = graph.get("/oauth2PermissionGrants", params=query).json()["value"]
    assert found["scope"] == "openid offline_access"


def test_throttle_fail_and_writes_only_faults(server: SimulatorServer, graph: httpx.Client) -> None:
    faults_of(server).throttle(1, retry_after=7)
    throttled = graph.get("/organization")
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "7"
    faults_of(server).fail(1, status=504, writes_only=True)
    assert graph.get("/organization").status_code == 200
    failed = graph.post("/trustFramework/keySets", json={"id": "A"})
    assert failed.status_code == 504 and "Retry-After" not in failed.headers
    faults_of(server).fail(1, status=503, retry_after=2)
    assert graph.get("/organization").headers["Retry-After"] == "2"
    assert "B2C_1A_A" not in server.tenant.key_sets
    assert graph.post("/trustFramework/keySets", json={"id": "A"}).status_code == 201


def test_a_dropped_request_gets_no_answer_and_changes_nothing(server: SimulatorServer, graph: httpx.Client) -> None:
    faults_of(server).drop(1)
    with pytest.raises(httpx.RemoteProtocolError):
        graph.post("/trustFramework/keySets", json={"id": "Dropped"})
    assert "B2C_1A_Dropped" not in server.tenant.key_sets
    assert server.log[-1].status == 0
    assert graph.get("/organization").status_code == 200


def test_the_log_counts_reads_and_writes(server: SimulatorServer, graph: httpx.Client) -> None:
    graph.get("/organization")
    graph.post("/trustFramework/keySets", json={"id": "Counted"})
    assert (server.reads, server.writes) == (1, 1)
    record = server.log[-1]
    assert (record.method, record.path, record.status, record.is_write) == (
        "POST",
        "/trustFramework/keySets",
        201,
        True,
    )
    assert record.ended >= record.started
    server.reset_log()
    assert server.log == [] and server.reads == server.writes == 0


def test_latency_is_added_to_every_request(server: SimulatorServer, graph: httpx.Client) -> None:
    server.latency = 0.2
    started = time.monotonic()
    graph.get("/organization")
    assert time.monotonic() - started >= 0.2


def test_stall_after_writes_holds_later_requests_until_release(server: SimulatorServer, graph: httpx.Client) -> None:
    faults_of(server).stall_after_writes(1)
    assert graph.post("/trustFramework/keySets", json={"id": "First"}).status_code == 201
    assert faults_of(server).wait_until_stalled(timeout=5)
    results: list[int] = []
    waiting = threading.Thread(target=lambda: results.append(graph.get("/organization").status_code))
    waiting.start()
    assert faults_of(server).wait_until_holding(1, timeout=5)
    assert results == []
    faults_of(server).release()
    waiting.join(timeout=5)
    assert results == [200]


def test_a_held_request_whose_client_hung_up_is_never_acted_on(server: SimulatorServer) -> None:
    faults_of(server).stall_after_writes(1)
    headers = {"Authorization": f"Bearer {server.access_token}"}
    httpx.post(server.graph_root + "/beta/trustFramework/keySets", json={"id": "First"}, headers=headers)
    body = json.dumps({"id": "Second"}).encode()
    request = (
        f"POST /beta/trustFramework/keySets HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {server.access_token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    with socket.create_connection(("127.0.0.1", server.port)) as killed_client:
        killed_client.sendall(request)
        assert faults_of(server).wait_until_holding(1, timeout=5)
    faults_of(server).release()
    assert faults_of(server).wait_until_logged(2, timeout=5)
    assert server.log[-1].status == 0
    assert "B2C_1A_Second" not in server.tenant.key_sets


def test_stopping_drops_held_requests_without_acting_on_them(server: SimulatorServer, graph: httpx.Client) -> None:
    faults_of(server).stall_after_writes(1)
    graph.post("/trustFramework/keySets", json={"id": "First"})
    errors: list[Exception] = []

    def held_write() -> None:
        try:
            graph.post("/trustFramework/keySets", json={"id": "Held"})
        except httpx.TransportError as error:
            errors.append(error)

    waiting = threading.Thread(target=held_write)
    waiting.start()
    assert faults_of(server).wait_until_holding(1, timeout=5)
    server.stop()
    waiting.join(timeout=5)
    assert len(errors) == 1
    assert "B2C_1A_Held" not in server.tenant.key_sets
    assert server.log[-1].status == 0


def test_the_state_file_is_written_after_each_write_and_loads_back(tmp_path: Path, base_only: dict[str, bytes]) -> None:
    state_file = tmp_path / "tenant.json"
    with SimulatorServer(SimulatedTenant.seeded(base=base_only), state_file=state_file) as server:
        headers = {"Authorization": f"Bearer {server.access_token}"}
        httpx.get(server.graph_root + "/beta/organization", headers=headers)
        assert not state_file.exists()
        httpx.post(server.graph_root + "/beta/trustFramework/keySets", json={"id": "Kept"}, headers=headers)
        assert state_file.exists()
        before = server.tenant.to_json()
    loaded = SimulatedTenant.load(state_file)
    assert loaded.to_json() == before
    assert loaded.policies == base_only
    assert "B2C_1A_Kept" in loaded.key_sets


def test_the_demo_starts_from_the_policy_engine_chain_and_survives_a_restart(tmp_path: Path) -> None:
    state_file = tmp_path / "demo.json"
    server = start_demo(state_file)
    try:
        assert "B2C_1A_TrustFrameworkBase" in server.tenant.policies
        headers = {"Authorization": f"Bearer {server.access_token}"}
        httpx.post(server.graph_root + "/beta/trustFramework/keySets", json={"id": "Demo"}, headers=headers)
    finally:
        server.stop()
    restarted = start_demo(state_file)
    try:
        assert "B2C_1A_Demo" in restarted.tenant.key_sets
    finally:
        restarted.stop()


def test_stop_cuts_open_connections(server: SimulatorServer, graph: httpx.Client) -> None:
    assert graph.get("/organization").status_code == 200
    server.stop()
    with pytest.raises(httpx.TransportError):
        graph.get("/organization")


def test_the_module_runs_standalone_and_prints_how_to_point_at_it(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "wizard.simulator", "--state-file", str(tmp_path / "t.json"), "--name", "fabrikam"],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(3)]
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert "fabrikam.onmicrosoft.com" in lines[0]
    graph_root = lines[1].strip().split("=", 1)[1]
    assert lines[1].startswith("export ASIGNIO_SETUP_GRAPH_URL=http://127.0.0.1:")
    token = lines[2].strip().split("=", 1)[1]
    assert lines[2].startswith("export ASIGNIO_SETUP_ACCESS_TOKEN=")
    assert graph_root and token.count(".") == 2


def test_a_service_principal_is_deleted_with_204_and_then_is_a_404(graph: httpx.Client) -> None:
    """serviceprincipal-delete.md: 204 No Content; the same delete again names the missing object (404)."""
    application = graph.post("/applications", json={"displayName": "jwt.ms test"}).json()
    principal = graph.post("/servicePrincipals", json={"appId": application["appId"]}).json()

    deleted = graph.delete(f"/servicePrincipals/{principal['id']}")
    again = graph.delete(f"/servicePrincipals/{principal['id']}")

    assert (deleted.status_code, deleted.content) == (204, b"")
    assert again.status_code == 404
    assert error_of(again)["code"] == "Request_ResourceNotFound"
