"""The simulator answers as Microsoft's Graph docs show, inconvenient parts included (tests/contract/REPORT.md).

Each test names the doc it holds the simulator to; all go through real HTTP, as the client does.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.contract.support import documented
from tests.support.paths import PROJECT_ROOT
from tests.support.simulator import OIDC_PROVIDER, Start, client, error_of, pack_policy, put_policy
from wizard.simulator import ALL_PERMISSIONS, SimulatedTenant, SimulatorServer

INVENTED_CODES = {"AADB2C95024", "AADB2C95025"}
"""Codes an earlier simulator used for "not found": Microsoft's mean "resource too large" and "wrong password"."""
TRUST_FRAMEWORK_KEY = {"k", "x5c", "x5t", "kty", "use", "exp", "nbf", "kid", "e", "n", "d", "p", "q", "dp", "dq", "qi"}


@pytest.fixture
def server(start_simulator: Start) -> SimulatorServer:
    return start_simulator()


@pytest.fixture
def graph(server: SimulatorServer) -> Iterator[httpx.Client]:
    with client(server) as running:
        yield running


# Keys: trustframeworkkeyset-uploadsecret.md, -get.md, -generatekey.md, trustframework-post-keysets.md


def test_upload_secret_answers_like_the_doc_example_oct_in_capitals_and_string_dates(graph: httpx.Client) -> None:
    created = graph.post("/trustFramework/keySets", json={"id": "AsignioSecret"})
    assert created.headers["Location"] == "/trustFramework/keySets('B2C_1A_AsignioSecret')"
    uploaded = graph.post(
        "/trustFramework/keySets/B2C_1A_AsignioSecret/uploadSecret",
        json={"use": "sig", "k": "secret", "nbf": 1508969811, "exp": 4102444800},
    )
    assert uploaded.status_code == 200
    body = uploaded.json()
    assert set(body) == {"kid", "use", "kty", "nbf", "exp"}
    assert (body["use"], body["kty"], body["nbf"], body["exp"]) == ("sig", "OCT", "1508969811", "4102444800")


def test_a_key_set_reads_back_its_keys_as_documented_trust_framework_keys(graph: httpx.Client) -> None:
    graph.post("/trustFramework/keySets", json={"id": "AsignioSecret"})
    graph.post(
        "/trustFramework/keySets/B2C_1A_AsignioSecret/uploadSecret",
        json={"use": "sig", "k": "secret", "nbf": 1508969811, "exp": 4102444800},
    )
    [key] = graph.get("/trustFramework/keySets/B2C_1A_AsignioSecret").json()["keys"]
    assert set(key) == TRUST_FRAMEWORK_KEY
    assert (key["kty"], key["nbf"], key["exp"], key["k"]) == ("OCT", 1508969811, 4102444800, None)
    active = graph.get("/trustFramework/keySets/B2C_1A_AsignioSecret/getActiveKey").json()
    assert active["kid"] == key["kid"] and active["nbf"] == 1508969811


def test_dates_must_be_integers_as_the_request_documents_them(graph: httpx.Client) -> None:
    graph.post("/trustFramework/keySets", json={"id": "Dates"})
    as_strings = graph.post(
        "/trustFramework/keySets/B2C_1A_Dates/uploadSecret",
        json={"use": "sig", "k": "secret", "nbf": "1508969811", "exp": "4102444800"},
    )
    assert as_strings.status_code == 400 and error_of(as_strings)["code"] == "AADB2C"


def test_generated_keys_are_rsa_with_public_parts_and_numeric_dates(graph: httpx.Client) -> None:
    graph.post("/trustFramework/keySets", json={"id": "Signing"})
    generated = graph.post(
        "/trustFramework/keySets/B2C_1A_Signing/generateKey",
        json={"use": "sig", "kty": "RSA", "nbf": 1508969811, "exp": 4102444800},
    )
    assert generated.status_code == 200
    key = generated.json()
    assert (key["kty"], key["use"], key["e"], key["nbf"]) == ("RSA", "sig", "AQAB", 1508969811)
    assert key["n"] and key["d"] is None and key["k"] is None


# Organization: organization-get.md


def test_organization_without_organization_read_is_200_with_only_id_name_and_domains(start_simulator: Start) -> None:
    server = start_simulator(permissions={"TrustFrameworkKeySet.ReadWrite.All"})
    with client(server) as graph:
        response = graph.get("/organization")
    assert response.status_code == 200
    [organization] = response.json()["value"]
    assert organization["id"] == server.tenant.organization_id
    assert organization["displayName"] == "Contoso B2C"
    assert organization["verifiedDomains"][0]["name"] == "contoso.onmicrosoft.com"
    others = {
        name: value for name, value in organization.items() if name not in ("id", "displayName", "verifiedDomains")
    }
    assert "tenantType" in others and set(others.values()) == {None}


@pytest.mark.parametrize("permission", ["Organization.Read.All", "Directory.Read.All", "Directory.ReadWrite.All"])
def test_organization_read_or_directory_read_shows_the_b2c_tenant_type(start_simulator: Start, permission: str) -> None:
    with client(start_simulator(permissions={permission})) as graph:
        assert graph.get("/organization").json()["value"][0]["tenantType"] == "AAD B2C"


def test_a_token_without_any_permission_cannot_read_the_organization(start_simulator: Start) -> None:
    with client(start_simulator(permissions=())) as graph:
        assert graph.get("/organization").status_code == 403


# Errors: concepts/errors.md; B2C error-code reference (AADB2C90073)


def test_a_missing_key_set_or_policy_is_404_with_b2c_s_not_found_code(graph: httpx.Client) -> None:
    key_set = graph.get("/trustFramework/keySets/B2C_1A_Nothing")
    assert key_set.status_code == 404
    assert error_of(key_set) == {
        **error_of(key_set),
        "code": "AADB2C90073",
        "message": "KeyContainer with 'id': 'B2C_1A_Nothing' cannot be found in the directory 'contoso.onmicrosoft.com'.",
    }
    for path in ("/trustFramework/policies/B2C_1A_Nothing", "/trustFramework/policies/B2C_1A_Nothing/$value"):
        policy = graph.get(path)
        assert policy.status_code == 404 and error_of(policy)["code"] == "AADB2C90073"
    upload = graph.post("/trustFramework/keySets/B2C_1A_Nothing/uploadSecret", json={"use": "sig", "k": "x"})
    assert upload.status_code == 404 and error_of(upload)["code"] == "AADB2C90073"


def test_no_error_uses_an_invented_code(graph: httpx.Client) -> None:
    graph.post("/trustFramework/keySets", json={"id": "Empty"})
    answers = [
        graph.get("/trustFramework/keySets/B2C_1A_Missing"),
        graph.get("/trustFramework/keySets/B2C_1A_Missing/getActiveKey"),
        graph.get("/trustFramework/keySets/B2C_1A_Empty/getActiveKey"),
        graph.delete("/trustFramework/keySets/B2C_1A_Missing"),
        graph.get("/trustFramework/policies/B2C_1A_Missing/$value"),
        graph.get("/identity/b2cUserFlows/B2C_1_Missing"),
        graph.get("/applications/00000000-0000-0000-0000-000000000000"),
    ]
    assert {answer.status_code for answer in answers} == {404}
    assert not {error_of(answer)["code"] for answer in answers} & INVENTED_CODES


def test_errors_carry_graph_s_shape_and_the_request_ids_as_headers(graph: httpx.Client) -> None:
    echoed = graph.get("/applications/none", headers={"client-request-id": "my-own-id"})
    error = echoed.json()["error"]
    assert set(error) == {"code", "message", "innerError"}
    inner = error["innerError"]
    assert set(inner) == {"date", "request-id", "client-request-id"}
    assert echoed.headers["client-request-id"] == inner["client-request-id"] == "my-own-id"
    assert echoed.headers["request-id"] == inner["request-id"]
    generated = graph.get("/applications/none")
    assert generated.headers["client-request-id"] and generated.headers["request-id"] != echoed.headers["request-id"]
    assert "request-id" in graph.get("/organization").headers


# $filter: directory string comparisons are case-insensitive


def test_filter_compares_strings_case_insensitively_and_joins_with_and(graph: httpx.Client) -> None:
    for name in ("Asignio test (jwt.ms)", "Other"):
        graph.post("/applications", json={"displayName": name})
    found = graph.get("/applications", params={"$filter": "displayName eq 'ASIGNIO TEST (JWT.MS)'"}).json()["value"]
    assert [app["displayName"] for app in found] == ["Asignio test (jwt.ms)"]
    both = f"displayName eq 'other' and appId eq '{found[0]['appId'].upper()}'"
    assert graph.get("/applications", params={"$filter": both}).json()["value"] == []
    same = f"displayName eq 'asignio test (jwt.ms)' AND appId eq '{found[0]['appId'].upper()}'"
    assert len(graph.get("/applications", params={"$filter": same}).json()["value"]) == 1
    unsupported = graph.get("/applications", params={"$filter": "displayName ne 'Other'"})
    assert unsupported.status_code == 400 and error_of(unsupported)["code"] == "Request_UnsupportedQuery"


# Identity providers and user flows: identitycontainer-post-identityproviders.md,
# b2cidentityuserflow-post-userflowidentityproviders.md, identitycontainer-post-b2cuserflows.md


def test_a_provider_is_created_as_the_doc_shows_and_reads_back_masked(
    server: SimulatorServer, graph: httpx.Client
) -> None:
    created = graph.post(
        "/identity/identityProviders",
        json={**OIDC_PROVIDER, "@odata.type": "microsoft.graph.openIdConnectIdentityProvider"},
    )
    assert created.status_code == 201
    assert created.json()["@odata.type"] == "microsoft.graph.openIdConnectIdentityProvider"
    [listed] = graph.get("/identity/identityProviders").json()["value"]
    assert (listed["@odata.type"], listed["clientSecret"]) == (
        "#microsoft.graph.openIdConnectIdentityProvider",
        "******",
    )
    assert '"s"' not in str(server.tenant.to_json())


def test_providers_attach_only_through_user_flow_identity_providers(graph: httpx.Client) -> None:
    flow = graph.post(
        "/identity/b2cUserFlows", json={"id": "Susi", "userFlowType": "signUpOrSignIn", "userFlowTypeVersion": 3}
    )
    assert flow.headers["Location"].endswith("/beta/identity/b2cUserFlows/B2C_1_Susi")
    assert flow.headers["Location"].startswith("http://127.0.0.1:")
    version = flow.json()["userFlowTypeVersion"]
    assert version == 3 and isinstance(version, int), "the doc's example shows the integer 3"
    provider = graph.post("/identity/identityProviders", json=OIDC_PROVIDER).json()
    reference = {"@odata.id": f"https://graph.microsoft.com/beta/identity/identityProviders/{provider['id']}"}
    deprecated = graph.post("/identity/b2cUserFlows/B2C_1_Susi/identityProviders/$ref", json=reference)
    assert deprecated.status_code == 400
    assert (
        error_of(deprecated)["code"] == "BadRequest"
        and "Resource not found for the segment" in error_of(deprecated)["message"]
    )
    assert graph.get("/identity/b2cUserFlows/B2C_1_Susi/userflowIdentityProviders").json()["value"] == []
    assert (
        graph.post("/identity/b2cUserFlows/B2C_1_Susi/userflowIdentityProviders/$ref", json=reference).status_code
        == 204
    )
    assert (
        graph.post("/identity/b2cUserFlows/B2C_1_Susi/USERFLOWIDENTITYPROVIDERS/$ref", json=reference).status_code
        == 400
    )


# Custom policies: B2C's upload rules, independent of the project's policy engine


def test_a_technical_profile_reference_must_resolve_in_the_policy_or_its_bases(
    start_simulator: Start, starter_pack: Path
) -> None:
    base = pack_policy(starter_pack, "B2C_1A_TrustFrameworkBase")
    server = start_simulator(SimulatedTenant.seeded(base={"B2C_1A_TrustFrameworkBase": base}))
    child = b"""<TrustFrameworkPolicy xmlns="http://schemas.microsoft.com/online/cpim/schemas/2013/06"
  PolicySchemaVersion="0.3.0.0" TenantId="contoso.onmicrosoft.com" PolicyId="B2C_1A_Child">
  <BasePolicy><TenantId>contoso.onmicrosoft.com</TenantId><PolicyId>B2C_1A_TrustFrameworkBase</PolicyId></BasePolicy>
  <UserJourneys><UserJourney Id="Journey"><OrchestrationSteps>
    <OrchestrationStep Order="1" Type="ClaimsExchange"><ClaimsExchanges>
      <ClaimsExchange Id="A" TechnicalProfileReferenceId="AAD-UserReadUsingObjectId"/>
      <ClaimsExchange Id="B" TechnicalProfileReferenceId="NoSuchProfile"/>
    </ClaimsExchanges></OrchestrationStep>
  </OrchestrationSteps></UserJourney></UserJourneys>
</TrustFrameworkPolicy>"""
    with client(server) as graph:
        refused = put_policy(graph, "B2C_1A_Child", child)
        assert refused.status_code == 400 and error_of(refused)["code"] == "AADB2C"
        assert error_of(refused)["message"] == (
            'Validation failed: 1 validation error(s) found in policy "B2C_1A_CHILD" of tenant "contoso.onmicrosoft.com".'
            'Policy "B2C_1A_CHILD" of tenant "contoso.onmicrosoft.com" makes a reference to TechnicalProfile with id '
            '"NoSuchProfile" but neither the policy nor any of its base policies contain such an element.'
        )
        fixed = child.replace(b"NoSuchProfile", b"SelfAsserted-LocalAccountSignin-Email")
        assert put_policy(graph, "B2C_1A_Child", fixed).status_code == 201


def test_uploads_do_not_use_the_project_s_own_validator(
    graph: httpx.Client, starter_pack: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import wizard.policies

    def refuses_everything(*args: object, **kwargs: object) -> list[object]:
        raise AssertionError("the simulator must not call the project's validator")

    monkeypatch.setattr(wizard.policies, "validate_chain", refuses_everything)
    content = pack_policy(starter_pack, "B2C_1A_TrustFrameworkBase")
    graph.post("/trustFramework/keySets", json={"id": "FacebookSecret"})
    graph.post("/trustFramework/keySets/B2C_1A_FacebookSecret/uploadSecret", json={"use": "sig", "k": "x"})
    assert put_policy(graph, "B2C_1A_TrustFrameworkBase", content).status_code == 201


def test_the_simulator_imports_without_any_graph_sdk_or_the_policy_engine() -> None:
    script = (
        "import sys, wizard.simulator\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('msgraph', 'msgraph_beta', 'msgraph_core', 'kiota_abstractions')"
        " or m.startswith('wizard.policies')]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, check=True, timeout=60)


# python -m wizard.simulator takes the new knobs


def test_the_module_takes_page_size_and_replication_lag(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wizard.simulator",
            "--state-file",
            str(tmp_path / "t.json"),
            "--page-size",
            "1",
            "--replication-lag",
            "60",
        ],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(3)]
        root, token = (line.strip().split("=", 1)[1] for line in lines[1:3])
        with httpx.Client(base_url=root + "/beta", headers={"Authorization": f"Bearer {token}"}, timeout=10) as graph:
            first = graph.get("/trustFramework/keySets").json()
            assert len(first["value"]) == 1 and first["@odata.nextLink"]
            assert graph.post("/applications", json={"displayName": "lagging"}).status_code == 201
            assert graph.get("/applications").json()["value"] == []
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_knobs_refuse_nonsense_values() -> None:
    with pytest.raises(ValueError):
        SimulatorServer(SimulatedTenant.seeded(), page_size=0)
    with pytest.raises(ValueError):
        SimulatorServer(SimulatedTenant.seeded(), replication_lag=-1)
    assert SimulatorServer(SimulatedTenant.seeded()).permissions == ALL_PERMISSIONS


# Authentication methods policy: emailauthenticationmethodconfiguration-update.md


def test_turning_on_email_otp_answers_204_and_the_tenant_keeps_the_patched_values(
    graph: httpx.Client, server: SimulatorServer
) -> None:
    """The page's example body (with `@odata.type`, which it says is required) answers 204 with no body; properties
    left out keep their values."""
    path = "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/email"
    kind = "#microsoft.graph.emailAuthenticationMethodConfiguration"
    first = graph.patch(path, json={"@odata.type": kind, "state": "enabled"})
    second = graph.patch(path, json={"@odata.type": kind, "allowExternalIdToUseEmailOtp": "enabled"})

    assert (first.status_code, first.content, second.status_code) == (204, b"", 204)
    configuration = server.tenant.authentication_methods["email"]
    assert (configuration["state"], configuration["allowExternalIdToUseEmailOtp"]) == ("enabled", "enabled")


def test_an_email_otp_patch_without_its_odata_type_is_refused(graph: httpx.Client, server: SimulatorServer) -> None:
    """The page: "The `@odata.type` property ... must be included in the body"."""
    path = "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/email"
    refused = graph.patch(path, json={"state": "enabled"})

    assert refused.status_code == 400
    assert "email" not in server.tenant.authentication_methods


@pytest.mark.parametrize(
    ("method", "fixture"),
    [
        ("email", "get_email_authentication_method_configuration"),
        ("sms", "get_sms_authentication_method_configuration"),
    ],
)
def test_a_method_configuration_reads_back_with_the_keys_of_its_get_example(
    graph: httpx.Client, method: str, fixture: str
) -> None:
    """emailauthenticationmethodconfiguration-get.md, smsauthenticationmethodconfiguration-get.md (beta): 200 with
    the example's keys, `@odata.type` and the capitalised id included."""
    example = documented(fixture).response.body
    answered = graph.get(f"/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{method}")

    assert answered.status_code == 200
    body = answered.json()
    assert set(body) == set(example)
    assert (body["@odata.type"], body["id"]) == (example["@odata.type"], example["id"])


def test_turning_on_sms_for_everyone_reads_back_as_the_sms_get_example_shows(graph: httpx.Client) -> None:
    """smsauthenticationmethodconfiguration-update.md's example body (its `@odata.type`, state enabled) plus the
    all_users target answers 204; the next GET shows state enabled and the target."""
    path = "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/sms"
    target = {"targetType": "group", "id": "all_users", "isRegistrationRequired": False}
    body = {**documented("update_sms_authentication_method_configuration").request.body, "includeTargets": [target]}
    patched = graph.patch(path, json=body)
    read = graph.get(path).json()

    assert (patched.status_code, patched.content) == (204, b"")
    shown_target = {**target, "isUsableForSignIn": True}  # the get example shows it; the PATCH left it out
    assert (read["state"], read["includeTargets"], read["id"]) == ("enabled", [shown_target], "Sms")


def test_an_sms_patch_with_the_wrong_odata_type_is_refused(graph: httpx.Client, server: SimulatorServer) -> None:
    path = "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/sms"
    refused = graph.patch(
        path, json={"@odata.type": "#microsoft.graph.emailAuthenticationMethodConfiguration", "state": "enabled"}
    )

    assert refused.status_code == 400
    assert "sms" not in server.tenant.authentication_methods


def test_reading_the_methods_without_a_policy_permission_is_graphs_403(start_simulator: Start) -> None:
    server = start_simulator(permissions=["Organization.Read.All"])
    with client(server) as graph:
        refused = graph.get("/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/sms")
        listed = graph.get("/identity/conditionalAccess/policies")
    assert (refused.status_code, error_of(refused)["code"]) == (403, "Authorization_RequestDenied")
    assert (listed.status_code, error_of(listed)["code"]) == (403, "Authorization_RequestDenied")


# Conditional Access: conditionalaccessroot-post-policies.md, -list-policies.md, conditionalaccesspolicy-update.md


def test_creating_a_conditional_access_policy_answers_example_1s_shape_with_its_nulls(
    graph: httpx.Client, server: SimulatorServer
) -> None:
    """Example 1's request answers 201 with the same keys as the doc's answer at every level, its
    nulls null and its lists filled in, and the tenant keeps one policy."""
    doc = documented("create_conditional_access_policy")
    created = graph.post("/identity/conditionalAccess/policies", json=doc.request.body)

    assert created.status_code == 201
    body, example = created.json(), doc.response.body
    assert set(body) == set(example)
    assert set(body["conditions"]) == set(example["conditions"])
    for part in ("applications", "users", "locations"):
        assert body["conditions"][part] == example["conditions"][part]
    assert body["grantControls"] == example["grantControls"]
    assert (body["modifiedDateTime"], body["sessionControls"], body["conditions"]["platforms"]) == (None, None, None)
    assert list(server.tenant.conditional_access_policies) == [body["id"]]


def test_the_policies_list_as_the_list_example_shows_and_page(start_simulator: Start) -> None:
    """conditionalaccessroot-list-policies.md (beta): a `value` list whose policies have the list example's keys
    (conditions.devices null beside the create answer's), paged with @odata.nextLink like every collection."""
    server = start_simulator(page_size=1)
    example = documented("list_conditional_access_policies").response.body["value"][0]
    body = documented("create_conditional_access_policy").request.body
    with client(server) as graph:
        for name in ("First", "Second"):
            assert (
                graph.post("/identity/conditionalAccess/policies", json={**body, "displayName": name}).status_code
                == 201
            )
        first = graph.get("/identity/conditionalAccess/policies").json()
        second = graph.get(first["@odata.nextLink"]).json()

    assert [policy["displayName"] for policy in first["value"] + second["value"]] == ["First", "Second"]
    assert "@odata.nextLink" not in second
    listed = first["value"][0]
    assert set(listed) == set(example)
    assert set(listed["conditions"]) == set(example["conditions"])


def test_updating_a_policy_answers_204_and_keeps_what_the_patch_left_out(
    graph: httpx.Client, server: SimulatorServer
) -> None:
    """conditionalaccesspolicy-update.md (beta): 204, properties left out keep their values."""
    created = graph.post(
        "/identity/conditionalAccess/policies", json=documented("create_conditional_access_policy").request.body
    ).json()
    path = f"/identity/conditionalAccess/policies/{created['id']}"
    patched = graph.patch(path, json={"state": "enabledForReportingButNotEnforced"})
    example = graph.patch(path, json=documented("update_conditional_access_policy").request.body)

    assert (patched.status_code, patched.content, example.status_code) == (204, b"", 204)
    policy = server.tenant.conditional_access_policies[created["id"]]
    assert policy["state"] == "enabledForReportingButNotEnforced"
    assert policy["conditions"]["signInRiskLevels"] == ["high", "medium", "low"]
    assert policy["grantControls"]["builtInControls"] == ["mfa"]


def test_updating_a_policy_that_is_not_there_is_graphs_404(graph: httpx.Client) -> None:
    missing = graph.patch(
        "/identity/conditionalAccess/policies/00000000-0000-0000-0000-000000000000", json={"state": "enabled"}
    )
    assert (missing.status_code, error_of(missing)["code"]) == (404, "Request_ResourceNotFound")


# External ID: identitycontainer-post-identityproviders.md Example 4 (beta), the v1.0 authenticationEventsFlows pages


@pytest.fixture
def external(start_simulator: Start) -> Iterator[httpx.Client]:
    with client(start_simulator(SimulatedTenant.seeded("contoso", tenant_type="CIAM"))) as running:
        yield running


def test_a_custom_oidc_provider_is_answered_like_example_4_with_the_secret_masked(external: httpx.Client) -> None:
    doc = documented("create_oidc_federation_provider")
    created = external.post("/identity/identityProviders", json=doc.request.body)
    assert created.status_code == 201
    body = created.json()
    assert set(body) == set(doc.response.body)
    assert body["@odata.type"] == doc.response.body["@odata.type"]
    assert body["clientAuthentication"] == doc.response.body["clientAuthentication"]
    listed = external.get("/identity/identityProviders").json()["value"]
    example = documented("list_identity_providers_external_tenant").response.body["value"]
    assert listed[:3] == example[:3]
    assert listed[3]["@odata.type"] == example[3]["@odata.type"]
    assert listed[3]["clientAuthentication"] == example[3]["clientAuthentication"]
    assert set(listed[3]) == set(example[3]) | {"id"}


def test_a_b2c_tenant_refuses_a_custom_oidc_provider_of_an_external_tenant(graph: httpx.Client) -> None:
    refused = graph.post("/identity/identityProviders", json=documented("create_oidc_federation_provider").request.body)
    assert refused.status_code == 400
    assert "external tenants only" in error_of(refused)["message"]


def test_a_sign_up_flow_is_answered_like_example_1_and_listed_with_its_providers(external: httpx.Client) -> None:
    doc = documented("create_sign_up_flow")
    created = external.post("/identity/authenticationEventsFlows", json=doc.request.body)
    assert created.status_code == 201
    body = created.json()
    assert set(doc.response.body) <= set(body)
    assert body["onAuthenticationMethodLoadStart"] == doc.response.body["onAuthenticationMethodLoadStart"]
    assert body["conditions"] == doc.response.body["conditions"]
    listed = external.get("/identity/authenticationEventsFlows").json()["value"]
    documented_flow = documented("list_sign_up_flows").response.body["value"][0]
    assert set(listed[0]) >= set(documented_flow) - {"onUserCreateStart"}
    providers = external.get(documented_path_of("list_sign_up_flow_identity_providers", body["id"])).json()["value"]
    assert providers == [documented_flow["onAuthenticationMethodLoadStart"]["identityProviders"][0]]


def documented_path_of(fixture: str, flow_id: str) -> str:
    return documented(fixture).request.path.replace("{authenticationEventsFlow-id}", flow_id)


def test_an_app_is_linked_to_one_flow_only_and_the_link_answers_like_the_doc(external: httpx.Client) -> None:
    app = external.post("/applications", json={"displayName": "jwt.ms"}).json()
    flow_ids = [
        external.post(
            "/identity/authenticationEventsFlows",
            json={**documented("create_sign_up_flow").request.body, "displayName": name},
        ).json()["id"]
        for name in ("one", "two")
    ]
    link = documented("link_sign_up_flow_application")
    body = {**link.request.body, "appId": app["appId"]}
    linked = external.post(documented_path_of("link_sign_up_flow_application", flow_ids[0]), json=body)
    assert linked.status_code == 201
    assert set(linked.json()) == set(link.response.body)
    listed = external.get(documented_path_of("list_sign_up_flow_applications", flow_ids[0])).json()["value"]
    assert listed == [{"appId": app["appId"]}]
    refused = external.post(documented_path_of("link_sign_up_flow_application", flow_ids[1]), json=body)
    assert refused.status_code == 400
    assert "one user flow only" in error_of(refused)["message"]


# Service principals: serviceprincipal-post-serviceprincipals.md, resources/serviceprincipal.md (beta)

BETA_SCOPES, V1_SCOPES = "publishedPermissionScopes", "oauth2PermissionScopes"


def test_a_service_principal_names_its_scopes_as_beta_declares_them(graph: httpx.Client) -> None:
    """Beta's servicePrincipal has publishedPermissionScopes and no oauth2PermissionScopes (resources/serviceprincipal.md
    beta: "This property is named oauth2PermissionScopes in v1.0"; msgraph-metadata beta-entity-types.json), as the
    create example shows; an application keeps oauth2PermissionScopes on its `api` (apiApplication, both versions).
    Microsoft Graph's own principal and a new one alike answer with the documented create example's keys."""
    example = documented("create_service_principal").response.body
    assert BETA_SCOPES in example and V1_SCOPES not in example
    scope = {"id": "8f1c6b5e-0d1a-4a8e-9a53-2f3c4d5e6f70", "value": "user_impersonation", "type": "Admin"}
    app = graph.post("/applications", json={"displayName": "IEF", "api": {V1_SCOPES: [scope]}}).json()
    created = graph.post("/servicePrincipals", json={"appId": app["appId"]}).json()
    listed = graph.get("/servicePrincipals").json()["value"]
    for principal in [created, *listed]:
        assert V1_SCOPES not in principal, principal["displayName"]
        assert BETA_SCOPES in principal, principal["displayName"]
        assert set(principal) <= set(example) | {"@odata.context"}, set(principal) - set(example)
    assert created[BETA_SCOPES] == [scope]
    assert graph.get(f"/applications/{app['id']}").json()["api"][V1_SCOPES] == [scope]


def test_a_tenant_saved_with_v1_named_scopes_is_served_with_betas_name(tmp_path: Path, start_simulator: Start) -> None:
    """A --demo-state file an earlier simulator wrote keeps working, answering as beta declares."""
    tenant = SimulatedTenant.seeded()
    graph_principal = next(iter(tenant.service_principals.values()))
    graph_principal[V1_SCOPES] = graph_principal.pop(BETA_SCOPES)
    tenant.save(tmp_path / "old.json")
    with client(start_simulator(SimulatedTenant.load(tmp_path / "old.json"))) as graph:
        [principal] = graph.get("/servicePrincipals").json()["value"]
    assert V1_SCOPES not in principal and principal[BETA_SCOPES]
