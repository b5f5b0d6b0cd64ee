"""The IEF apps, their service principals and admin consent on tenants that lack them, through the real Graph layer
and the real Runner against the simulator (paging and replication lag on)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from tests.support.crashes import CRASH_LAG_SECONDS, crash_after_write
from tests.support.tenants import grant_as_an_administrator_would, principal_of
from wizard.answers import parse_answers
from wizard.errors import ExitCode, SetupError
from wizard.events import Event, RunFinished, StepWaiting
from wizard.graph import GRAPH_APP_ID, OFFLINE_ACCESS_SCOPE_ID, OPENID_SCOPE_ID, GraphClient
from wizard.ownership import OWNER_TAG
from wizard.runner import Runner
from wizard.simulator import SimulatedTenant, SimulatorServer
from wizard.simulator.tenant import new_id
from wizard.state import StateStore
from wizard.steps import Plan, jwt_ms_app
from wizard.steps.base import AnyStep
from wizard.steps.chain import BASE_POLICY, EXTENSIONS_POLICY, LOCALIZATION_POLICY
from wizard.steps.ief_apps import (
    IEF_APP_NAME,
    PROXY_APP_NAME,
    GraphServicePrincipal,
    admin_consent_url,
    ief_app_steps,
    ief_scope_id,
    named_app_ids,
)
from wizard.steps.jwt_ms_app import TestApplication as JwtMsTestApp
from wizard.steps.preflight import Preflight

ANSWERS = parse_answers(
    {
        "tenant": {"name": "contoso"},
        "asignio": {"client_id": "00001111-aaaa-2222-bbbb-3333cccc4444"},
        "setup": {"pivot": "custom-policy"},
    }
)
LAG = 0.3
IEF_REDIRECT = "https://contoso.b2clogin.com/contoso.onmicrosoft.com"
SIGN_IN = {"openid", "offline_access"}


def small_plan() -> Plan:
    """Preflight and the IEF steps, the first after Preflight instead of the base check; the test app (which the
    Runner's Run-now URL needs) after Graph's service principal, which it asks consent of."""
    first, *rest = ief_app_steps()
    assert isinstance(first, GraphServicePrincipal)
    steps: tuple[AnyStep, ...] = (
        Preflight(),
        GraphServicePrincipal(after=("preflight",)),
        *rest,
        JwtMsTestApp(after=("graph-service-principal",)),
    )
    return Plan(ANSWERS, steps)


def graph_client(graph_root: str, token_credential: Any) -> GraphClient:
    return GraphClient(
        token_credential, graph_url=graph_root + "/beta", scopes=["https://graph.microsoft.com/.default"]
    )


async def run_steps(
    server: SimulatorServer,
    events: list[Event] | None = None,
    *,
    confirm: str | None = None,
    facts: dict[str, Any] | None = None,
) -> RunFinished:
    """The small plan's run; a step's failure is raised, as the command ends with it."""
    graph = graph_client(server.graph_root, server.credential)
    runner = Runner(small_plan(), graph, StateStore("contoso"), lambda: "unused")
    for name, value in (facts or {}).items():
        setattr(runner.context.facts, name, value)
    if confirm:
        runner.confirm_guided(confirm)
    try:
        finished = await runner.run((events if events is not None else []).append)
    finally:
        await graph.close()
    if finished.failure is not None:
        raise finished.failure
    return finished


def apps_named(tenant: SimulatedTenant, name: str) -> list[dict[str, Any]]:
    return [app for app in tenant.applications.values() if app["displayName"] == name]


def grants_between(tenant: SimulatedTenant, client_app_id: str, resource_app_id: str) -> list[set[str]]:
    client, resource = principal_of(tenant, client_app_id), principal_of(tenant, resource_app_id)
    return [
        set(grant["scope"].split())
        for grant in tenant.permission_grants.values()
        if (grant["clientId"], grant["resourceId"], grant["consentType"])
        == (client["id"], resource["id"], "AllPrincipals")
    ]


def assert_prerequisites_once(tenant: SimulatedTenant) -> None:
    """Exactly one of each app and service principal, and the three grants, as the tutorial has them."""
    [ief] = apps_named(tenant, IEF_APP_NAME)
    [proxy] = apps_named(tenant, PROXY_APP_NAME)
    app_ids = [sp["appId"] for sp in tenant.service_principals.values()]
    assert len(app_ids) == len(set(app_ids)), app_ids
    assert ief["web"]["redirectUris"] == [IEF_REDIRECT]
    assert ief["identifierUris"] == [f"https://contoso.onmicrosoft.com/{ief['appId']}"]
    [scope] = ief["api"]["oauth2PermissionScopes"]
    assert (scope["value"], scope["type"], scope["isEnabled"]) == ("user_impersonation", "Admin", True)
    assert ief["signInAudience"] == proxy["signInAudience"] == "AzureADMyOrg"
    assert proxy["isFallbackPublicClient"] is True
    assert proxy["publicClient"]["redirectUris"] == ["myapp://auth"]
    asked = {
        required["resourceAppId"]: {access["id"] for access in required["resourceAccess"]}
        for required in proxy["requiredResourceAccess"]
    }
    assert asked == {ief["appId"]: {scope["id"]}, GRAPH_APP_ID: {OPENID_SCOPE_ID, OFFLINE_ACCESS_SCOPE_ID}}
    assert grants_between(tenant, proxy["appId"], GRAPH_APP_ID) == [SIGN_IN]
    assert grants_between(tenant, proxy["appId"], ief["appId"]) == [{"user_impersonation"}]
    assert grants_between(tenant, ief["appId"], GRAPH_APP_ID) == [SIGN_IN]


def extensions_naming(ief_app_id: str, proxy_app_id: str) -> bytes:
    """A TrustFrameworkExtensions whose login-NonInteractive names the two apps, as the starter pack places them."""
    return f"""<?xml version="1.0" encoding="utf-8"?>
<TrustFrameworkPolicy xmlns="http://schemas.microsoft.com/online/cpim/schemas/2013/06" TenantId="contoso.onmicrosoft.com"
  PolicyId="B2C_1A_TrustFrameworkExtensions" PublicPolicyUri="http://contoso.onmicrosoft.com/B2C_1A_TrustFrameworkExtensions">
  <BasePolicy><TenantId>contoso.onmicrosoft.com</TenantId><PolicyId>B2C_1A_TrustFrameworkLocalization</PolicyId></BasePolicy>
  <ClaimsProviders><ClaimsProvider><DisplayName>Local Account SignIn</DisplayName><TechnicalProfiles>
    <TechnicalProfile Id="login-NonInteractive">
      <Metadata>
        <Item Key="client_id">{proxy_app_id}</Item>
        <Item Key="IdTokenAudience">{ief_app_id}</Item>
      </Metadata>
      <InputClaims>
        <InputClaim ClaimTypeReferenceId="client_id" DefaultValue="{proxy_app_id}" />
        <InputClaim ClaimTypeReferenceId="resource_id" PartnerClaimType="resource" DefaultValue="{ief_app_id}" />
      </InputClaims>
    </TechnicalProfile>
  </TechnicalProfiles></ClaimsProvider></ClaimsProviders>
</TrustFrameworkPolicy>
""".encode()


def manual_ief_app(tenant: SimulatedTenant, *, identifier_uri: bool = True) -> dict[str, Any]:
    """An IdentityExperienceFramework app registered by hand as the tutorial says (no uniqueName), and its SP."""
    app_id = new_id()
    scope = {"id": new_id(), "value": "user_impersonation", "type": "Admin", "isEnabled": True}
    app: dict[str, Any] = {
        "id": new_id(),
        "appId": app_id,
        "displayName": IEF_APP_NAME,
        "uniqueName": None,
        "signInAudience": "AzureADMyOrg",
        "identifierUris": [f"https://contoso.onmicrosoft.com/{app_id}"] if identifier_uri else [],
        "web": {"redirectUris": [IEF_REDIRECT]},
        "api": {"oauth2PermissionScopes": [scope]},
        "requiredResourceAccess": [
            {
                "resourceAppId": GRAPH_APP_ID,
                "resourceAccess": [
                    {"id": OPENID_SCOPE_ID, "type": "Scope"},
                    {"id": OFFLINE_ACCESS_SCOPE_ID, "type": "Scope"},
                ],
            }
        ],
    }
    tenant.applications[app["id"]] = app
    principal: dict[str, Any] = {
        "id": new_id(),
        "appId": app_id,
        "displayName": IEF_APP_NAME,
        "publishedPermissionScopes": [scope],
    }
    tenant.service_principals[principal["id"]] = principal
    return app


def ief_writes(server: SimulatorServer) -> list[tuple[str, str]]:
    return [
        (record.method, record.path)
        for record in server.log
        if record.is_write and record.path.startswith(("/applications", "/servicePrincipals", "/oauth2"))
    ]


# An empty tenant


async def test_an_empty_tenant_gets_one_of_each_app_principal_and_grant_and_a_rerun_writes_nothing() -> None:
    tenant = SimulatedTenant.empty()
    assert tenant.service_principals == {}
    with SimulatorServer(tenant, replication_lag=LAG, page_size=1) as server:
        finished = await run_steps(server)
        assert finished.waiting == ()
        assert finished.run_now_url is not None
        assert_prerequisites_once(tenant)
        [ief] = apps_named(tenant, IEF_APP_NAME)
        assert ief["api"]["oauth2PermissionScopes"][0]["id"] == ief_scope_id(ANSWERS)
        server.reset_log()
        again = await run_steps(server)
        assert server.writes == 0
        assert again.waiting == ()
    assert_prerequisites_once(tenant)


async def test_the_steps_hand_the_app_ids_to_the_steps_after_them() -> None:
    """The base-chain upload renders the starter pack with these ids: every check sets them, done or not."""
    tenant = SimulatedTenant.empty()
    with SimulatorServer(tenant, page_size=1) as server:
        await run_steps(server)
        graph = graph_client(server.graph_root, server.credential)
        runner = Runner(small_plan(), graph, StateStore("contoso"), lambda: "unused")
        try:
            await runner.run(lambda event: None)
        finally:
            await graph.close()
    [ief], [proxy] = apps_named(tenant, IEF_APP_NAME), apps_named(tenant, PROXY_APP_NAME)
    assert (runner.context.facts.ief_app_id, runner.context.facts.proxy_ief_app_id) == (ief["appId"], proxy["appId"])


# A partly prepared tenant


async def test_a_tenant_with_only_the_ief_app_gets_only_what_it_lacks() -> None:
    tenant = SimulatedTenant(name="contoso", display_name="Contoso B2C")
    ief = manual_ief_app(tenant)
    before = dict(ief)
    with SimulatorServer(tenant, replication_lag=LAG, page_size=1) as server:
        await run_steps(server)
        writes = ief_writes(server)
    assert not [write for write in writes if ief["id"] in write[1] or ief["appId"] in write[1]]
    assert not [write for write in writes if "asignio-setup-identity-experience-framework" in write[1]]
    assert tenant.applications[ief["id"]] == before
    assert_prerequisites_once(tenant)


async def test_an_ief_app_someone_registered_without_its_app_id_uri_stops_the_run_naming_it_and_is_not_patched() -> (
    None
):
    """Using an administrator's IEF app is fine; changing it is not the tool's to do: one that lacks its App ID URI
    stops the run (exit 5) naming what it lacks and where to add it, with nothing written to it."""
    tenant = SimulatedTenant(name="contoso", display_name="Contoso B2C")
    ief = manual_ief_app(tenant, identifier_uri=False)
    before = dict(ief)
    with SimulatorServer(tenant, page_size=1) as server:
        with pytest.raises(SetupError) as caught:
            await run_steps(server)
        touched = [write for write in ief_writes(server) if ief["id"] in write[1] or ief["appId"] in write[1]]
    assert touched == []
    assert tenant.applications[ief["id"]] == before
    assert caught.value.exit_code is ExitCode.TENANT
    assert f"the Application ID URI https://contoso.onmicrosoft.com/{ief['appId']}" in caught.value.what
    assert ief["appId"] in caught.value.what and "App registrations → IdentityExperienceFramework" in caught.value.fix


async def test_an_ief_app_the_tool_made_that_lost_its_app_id_uri_gets_just_that_patched() -> None:
    tenant = SimulatedTenant(name="contoso", display_name="Contoso B2C")
    with SimulatorServer(tenant, page_size=1) as server:
        await run_steps(server)
        [ief] = apps_named(tenant, IEF_APP_NAME)
        ief["identifierUris"] = []
        server.reset_log()
        await run_steps(server)
        patches = [record.path for record in server.log if record.method == "PATCH" and ief["id"] in record.path]
    assert patches == [f"/applications/{ief['id']}"]
    assert_prerequisites_once(tenant)


# Two apps named IdentityExperienceFramework


async def test_two_ief_apps_and_no_extensions_naming_one_stop_the_run_listing_both_before_any_write() -> None:
    tenant = SimulatedTenant(name="contoso", display_name="Contoso B2C")
    first, second = manual_ief_app(tenant), manual_ief_app(tenant)
    with SimulatorServer(tenant, page_size=1) as server:
        with pytest.raises(SetupError) as caught:
            await run_steps(server)
        touched = [write for write in ief_writes(server) if first["id"] in write[1] or second["id"] in write[1]]
    assert touched == []
    assert caught.value.exit_code is ExitCode.TENANT
    assert first["appId"] in caught.value.what and second["appId"] in caught.value.what
    assert "delete the IdentityExperienceFramework registrations you do not use" in caught.value.fix
    assert len(apps_named(tenant, IEF_APP_NAME)) == 2 and apps_named(tenant, PROXY_APP_NAME) == []


async def test_two_ief_apps_with_the_extensions_naming_one_use_that_one() -> None:
    tenant = SimulatedTenant(name="contoso", display_name="Contoso B2C")
    manual_ief_app(tenant)
    named = manual_ief_app(tenant)
    tenant.policies[EXTENSIONS_POLICY] = extensions_naming(named["appId"], new_id())
    with SimulatorServer(tenant, page_size=1) as server:
        await run_steps(server)
    [proxy] = apps_named(tenant, PROXY_APP_NAME)
    assert named["appId"] in {required["resourceAppId"] for required in proxy["requiredResourceAccess"]}
    assert grants_between(tenant, proxy["appId"], named["appId"]) == [{"user_impersonation"}]
    assert grants_between(tenant, named["appId"], GRAPH_APP_ID) == [SIGN_IN]
    assert len(apps_named(tenant, IEF_APP_NAME)) == 2


# A tenant whose base chain is uploaded


async def test_with_the_whole_base_chain_listed_the_steps_read_nothing_and_take_the_ids_the_extensions_names() -> None:
    tenant = SimulatedTenant(name="contoso", display_name="Contoso B2C")
    ief_app_id, proxy_app_id = new_id(), new_id()
    facts: dict[str, Any] = {
        "policy_ids": (BASE_POLICY, LOCALIZATION_POLICY, EXTENSIONS_POLICY.upper()),
        "chain": {EXTENSIONS_POLICY.upper(): extensions_naming(ief_app_id, proxy_app_id)},
    }
    with SimulatorServer(tenant, page_size=1) as server:
        graph = graph_client(server.graph_root, server.credential)
        runner = Runner(small_plan(), graph, StateStore("contoso"), lambda: "unused")
        runner.context.facts.policy_ids = facts["policy_ids"]
        runner.context.facts.chain = facts["chain"]
        try:
            finished = await runner.run(lambda event: None)
        finally:
            await graph.close()
        asked = [record.query for record in server.log]
    assert finished.waiting == ()
    assert not [query for query in asked if "IdentityExperienceFramework" in query]
    assert (runner.context.facts.ief_app_id, runner.context.facts.proxy_ief_app_id) == (ief_app_id, proxy_app_id)
    assert apps_named(tenant, IEF_APP_NAME) == []


def test_the_app_ids_are_read_from_login_non_interactive_and_placeholders_name_none(starter_pack: Path) -> None:
    ief, proxy = new_id(), new_id()
    assert named_app_ids(extensions_naming(ief, proxy)) == (ief, proxy)
    pack = starter_pack / "SocialAndLocalAccounts" / "TrustFrameworkExtensions.xml"
    assert named_app_ids(pack.read_bytes()) == (None, None)
    assert named_app_ids(b"not xml") == (None, None)
    assert named_app_ids(None) == (None, None)


# An account that may not grant consent


def seed_consented_test_app(tenant: SimulatedTenant) -> None:
    """The jwt.ms test app as an earlier run left it, consent included (the account here may grant none)."""
    app_id = new_id()
    app: dict[str, Any] = {
        "id": new_id(),
        "appId": app_id,
        "displayName": ANSWERS.test_app.display_name,
        "uniqueName": jwt_ms_app.test_app_unique_name(ANSWERS.test_app.display_name),
        "tags": [OWNER_TAG],
        "web": {
            "redirectUris": [ANSWERS.test_app.redirect_uri],
            "implicitGrantSettings": {"enableIdTokenIssuance": True},
        },
    }
    tenant.applications[app["id"]] = app
    principal: dict[str, Any] = {"id": new_id(), "appId": app_id, "displayName": app["displayName"]}
    tenant.service_principals[principal["id"]] = principal
    grant_as_an_administrator_would(tenant, app_id, GRAPH_APP_ID, "openid offline_access")


async def test_a_refused_grant_leaves_a_guided_step_with_the_consent_links_done_once_the_tenant_holds_consent() -> None:
    tenant = SimulatedTenant(name="contoso", display_name="Contoso B2C")
    seed_consented_test_app(tenant)
    with SimulatorServer(tenant, replication_lag=LAG, page_size=1, consent_allowed=False) as server:
        events: list[Event] = []
        finished = await run_steps(server, events)
        assert finished.waiting == ("ief-admin-consent",)
        [waiting] = [event for event in events if isinstance(event, StepWaiting)]
        [ief], [proxy] = apps_named(tenant, IEF_APP_NAME), apps_named(tenant, PROXY_APP_NAME)
        proxy_url = f"https://login.microsoftonline.com/contoso.onmicrosoft.com/adminconsent?client_id={proxy['appId']}"
        assert waiting.link == proxy_url == admin_consent_url(ANSWERS, proxy["appId"])
        assert any(proxy_url in line for line in waiting.instructions)
        assert any(admin_consent_url(ANSWERS, ief["appId"]) in line for line in waiting.instructions)
        assert any("Global Administrator or Privileged Role Administrator" in line for line in waiting.instructions)
        assert len(tenant.permission_grants) == 1, "only the test app's"

        confirmed_only = await run_steps(server, confirm="ief-admin-consent")
        assert confirmed_only.waiting == ("ief-admin-consent",), "a confirmation without the grants is not enough"

        grant_as_an_administrator_would(tenant, proxy["appId"], GRAPH_APP_ID, "openid offline_access")
        grant_as_an_administrator_would(tenant, proxy["appId"], ief["appId"], "user_impersonation")
        grant_as_an_administrator_would(tenant, ief["appId"], GRAPH_APP_ID, "openid offline_access")
        server.reset_log()
        done = await run_steps(server)
        assert done.waiting == ()
        assert server.writes == 0
    assert_prerequisites_once(tenant)


# A crash after every write


PLAIN_CREATE_WRITES = 12
"""The writes Graph carries out in a clean run of the small plan on a tenant that takes no upserts, counted as
`stall_after_writes` counts them (refused upserts are not among them)."""


def test_a_clean_run_of_plain_creates_makes_the_writes_the_crash_test_crashes_after() -> None:
    with SimulatorServer(SimulatedTenant.empty(), upsert_supported=False) as server:
        asyncio.run(run_steps(server))
        assert sum(1 for record in server.log if record.is_write and 200 <= record.status < 300) == PLAIN_CREATE_WRITES


@pytest.mark.parametrize("crash_after", range(1, PLAIN_CREATE_WRITES + 1))
def test_crashed_after_any_write_of_plain_creates_the_rerun_ends_with_exactly_one_of_each(crash_after: int) -> None:
    """The small plan dies right after a write Graph answered (before it could record it), then runs again at once
    against a tenant that pages and hides new objects for a while: one of each, and the run after that writes
    nothing. The tenant takes no upserts, so the apps are made by plain creates, which the recorded intent guards
    (the upserted apps die after every write in tests/test_starter_base.py's empty-tenant run)."""
    tenant = SimulatedTenant.empty()
    with SimulatorServer(tenant, page_size=1, replication_lag=CRASH_LAG_SECONDS, upsert_supported=False) as server:
        with crash_after_write(server, crash_after):
            asyncio.run(run_steps(server))
        asyncio.run(run_steps(server))
        assert_prerequisites_once(tenant)
        server.reset_log()
        asyncio.run(run_steps(server))
        assert [(record.method, record.path, record.status) for record in server.log if record.is_write] == []
