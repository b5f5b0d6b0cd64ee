"""The Graph client through msgraph-core against the simulated tenant over loopback."""

from __future__ import annotations

import json
import ssl
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.support.faults import faults_of
from tests.support.paths import PROJECT_ROOT
from tests.support.servers import STOP_POLL_SECONDS, TricklingGraph
from tests.support.virtual_clock import VirtualClock
from wizard.answers import parse_answers
from wizard.auth import Credential, StaticTokenCredential
from wizard.errors import PermissionMissingError, ServiceError, SetupError, SignInError, TenantNotReadyError
from wizard.graph import (
    GRAPH_APP_ID,
    OFFLINE_ACCESS_SCOPE_ID,
    OPENID_SCOPE_ID,
    GraphClient,
    OidcProviderSpec,
)
from wizard.graph.transport import tls_options
from wizard.policies import demo_chain
from wizard.simulator import ALL_PERMISSIONS, SimulatedTenant, SimulatorServer
from wizard.steps.user_flow import provider_spec

SCOPES = ["https://graph.microsoft.com/.default"]
SECRET = "asignio-client-secret-5b0e"
DOMAIN = "contoso.onmicrosoft.com"
BASE = "B2C_1A_TrustFrameworkBase"
LOCALIZATION = "B2C_1A_TrustFrameworkLocalization"
EXTENSIONS = "B2C_1A_TrustFrameworkExtensions"
ASIGNIO = provider_spec(
    parse_answers(
        {
            "tenant": {"name": "contoso"},
            "asignio": {"client_id": "00001111-aaaa-2222-bbbb-3333cccc4444"},
            "setup": {"pivot": "user-flow"},
        }
    )
)


def chain() -> dict[str, bytes]:
    return demo_chain(DOMAIN)


@pytest.fixture
def server() -> Iterator[SimulatorServer]:
    base = {BASE: chain()[BASE]}
    with SimulatorServer(SimulatedTenant.seeded(base=base)) as running:
        yield running


def facade(server: SimulatorServer, credential: Credential | None = None) -> GraphClient:
    return GraphClient(credential or server.credential, graph_url=server.graph_root + "/beta", scopes=SCOPES)


@pytest.fixture
async def tenant(server: SimulatorServer) -> AsyncIterator[GraphClient]:
    opened = facade(server)
    yield opened
    await opened.close()


def statuses(server: SimulatorServer) -> list[int]:
    return [record.status for record in server.log]


def shows_no_secret(error: BaseException) -> bool:
    text = "".join(traceback.format_exception(error)) + repr(error) + str(error)
    return SECRET not in text


async def test_organization_and_who_is_signed_in(server: SimulatorServer, tenant: GraphClient) -> None:
    organization = await tenant.organization()
    assert organization.tenant_type == "AAD B2C"
    assert organization.initial_domain == DOMAIN
    assert organization.id == server.tenant.organization_id
    assert tenant.signed_in_as() == f"admin@{DOMAIN}"
    assert tenant.granted_permissions() == set(ALL_PERMISSIONS)
    assert server.log[0].path == "/organization"


async def test_an_opaque_token_means_unknown_identity_and_permissions(server: SimulatorServer) -> None:
    opaque = facade(server, StaticTokenCredential("opaque-token"))
    assert opaque.signed_in_as() is None
    assert opaque.granted_permissions() is None


async def test_key_sets_create_find_and_take_a_secret(server: SimulatorServer, tenant: GraphClient) -> None:
    assert await tenant.key_set("B2C_1A_AsignioSecret") is None
    created = await tenant.create_key_set("B2C_1A_AsignioSecret")
    assert (created.id, created.keys) == ("B2C_1A_AsignioSecret", ())
    assert server.log[-1].status == 201
    now = int(time.time())
    key = await tenant.upload_secret("B2C_1A_AsignioSecret", SECRET, use="sig", nbf=now, exp=now + 3600)
    assert key.is_kind("oct", "sig") and (key.nbf, key.exp) == (now, now + 3600)
    again = await tenant.create_key_set("B2C_1A_AsignioSecret")
    assert server.log[-2].status == 409
    assert again.id == "B2C_1A_AsignioSecret" and again.keys == (key,)
    signing = await tenant.key_set("B2C_1A_TokenSigningKeyContainer")
    assert signing is not None and signing.keys[0].kty == "RSA"


async def test_policies_list_download_and_upload_as_xml(server: SimulatorServer, tenant: GraphClient) -> None:
    assert await tenant.policy_ids() == [BASE]
    assert await tenant.policy_xml(BASE) == chain()[BASE]
    assert await tenant.policy_xml(LOCALIZATION) is None
    assert await tenant.upload_policy(LOCALIZATION, chain()[LOCALIZATION]) is True
    assert await tenant.upload_policy(LOCALIZATION, chain()[LOCALIZATION]) is False
    assert await tenant.upload_policy(EXTENSIONS, chain()[EXTENSIONS]) is True
    assert await tenant.policy_ids() == [BASE, LOCALIZATION, EXTENSIONS]
    assert server.tenant.policies[EXTENSIONS] == chain()[EXTENSIONS]


async def test_a_child_before_its_base_is_a_tenant_not_ready_error_naming_the_base(tenant: GraphClient) -> None:
    with pytest.raises(TenantNotReadyError) as raised:
        await tenant.upload_policy(EXTENSIONS, chain()[EXTENSIONS])
    assert "B2C_1A_TRUSTFRAMEWORKLOCALIZATION" in raised.value.what
    assert "TrustFrameworkBase → TrustFrameworkLocalization → TrustFrameworkExtensions" in raised.value.fix


async def test_a_bom_is_refused_with_b2cs_message_whole(tenant: GraphClient) -> None:
    with pytest.raises(ServiceError) as raised:
        await tenant.upload_policy(LOCALIZATION, b"\xef\xbb\xbf" + chain()[LOCALIZATION])
    assert "The policy being uploaded is not XML or is not correctly formatted: " in raised.value.what


async def test_a_policy_for_another_tenant_is_refused(tenant: GraphClient) -> None:
    with pytest.raises(ServiceError) as raised:
        await tenant.upload_policy(LOCALIZATION, chain()[LOCALIZATION].replace(b"contoso", b"fabrikam"))
    assert (
        "TenantId in the policy xml 'fabrikam.onmicrosoft.com' is not same as the one in login tenant"
        in raised.value.what
    )


async def test_a_missing_policy_key_is_named(tenant: GraphClient) -> None:
    content = chain()[LOCALIZATION].replace(
        b"</TrustFrameworkPolicy>",
        b'<ClaimsProviders><ClaimsProvider><DisplayName>x</DisplayName><TechnicalProfiles><TechnicalProfile Id="x">'
        b'<CryptographicKeys><Key Id="client_secret" StorageReferenceId="B2C_1A_AsignioSecret" /></CryptographicKeys>'
        b"</TechnicalProfile></TechnicalProfiles></ClaimsProvider></ClaimsProviders></TrustFrameworkPolicy>",
    )
    with pytest.raises(ServiceError) as raised:
        await tenant.upload_policy(LOCALIZATION, content)
    assert 'does not have CryptographicKey referenced by storageReferenceId "B2C_1A_AsignioSecret"' in raised.value.what


async def test_oidc_provider_create_update_and_list(server: SimulatorServer, tenant: GraphClient) -> None:
    created = await tenant.create_oidc_provider(ASIGNIO, SECRET)
    assert created.kind == "openIdConnectIdentityProvider"
    assert (created.scope, created.response_type, created.response_mode) == ("openid email profile", "code", "query")
    assert created.claims_mapping == {
        "userId": "sub",
        "givenName": "given_name",
        "surname": "family_name",
        "email": "email",
        "displayName": "name",
    }
    changed = OidcProviderSpec(**{**ASIGNIO.__dict__, "display_name": "Asignio sign-in"})
    await tenant.update_oidc_provider(created.id, changed, SECRET)
    [listed] = await tenant.identity_providers()
    assert (listed.id, listed.display_name, listed.client_id) == (created.id, "Asignio sign-in", ASIGNIO.client_id)
    assert listed.metadata_url == ASIGNIO.metadata_url and listed.domain_hint == "https://asignio.com"
    assert SECRET not in repr(server.log) and SECRET not in repr(server.tenant.to_json())


async def test_user_flow_create_is_idempotent_and_takes_the_provider(
    server: SimulatorServer, tenant: GraphClient
) -> None:
    assert await tenant.user_flow("B2C_1_AsignioSignupSignin") is None
    flow = await tenant.create_user_flow("B2C_1_AsignioSignupSignin")
    assert (flow.id, flow.user_flow_type, flow.version) == ("B2C_1_AsignioSignupSignin", "signUpOrSignIn", 3)
    assert await tenant.create_user_flow("B2C_1_AsignioSignupSignin") == flow
    provider = await tenant.create_oidc_provider(ASIGNIO, SECRET)
    assert await tenant.user_flow_provider_ids(flow.id) == []
    await tenant.attach_provider(flow.id, provider.id)
    await tenant.attach_provider(flow.id, provider.id)
    assert await tenant.user_flow_provider_ids(flow.id) == [provider.id]
    attaches = [record for record in server.log if record.path.lower().endswith("/userflowidentityproviders/$ref")]
    assert len(attaches) == 2 and attaches[0].status == 204


async def test_test_application_service_principal_and_consent(server: SimulatorServer, tenant: GraphClient) -> None:
    assert await tenant.applications_named("Asignio test (jwt.ms)") == []
    app = await tenant.create_test_application("Asignio test (jwt.ms)", "https://jwt.ms")
    assert (app.redirect_uris, app.id_token_issuance) == (("https://jwt.ms",), True)
    stored = server.tenant.applications[app.object_id]
    assert stored["signInAudience"] == "AzureADandPersonalMicrosoftAccount"
    [access] = stored["requiredResourceAccess"]
    assert access["resourceAppId"] == GRAPH_APP_ID
    assert {item["id"] for item in access["resourceAccess"]} == {OPENID_SCOPE_ID, OFFLINE_ACCESS_SCOPE_ID}
    assert await tenant.applications_named("Asignio test (jwt.ms)") == [app]
    server.tenant.applications[app.object_id]["web"]["implicitGrantSettings"]["enableIdTokenIssuance"] = False
    await tenant.update_test_application(app.object_id, "https://example.org/reply")
    [updated] = await tenant.applications_named("Asignio test (jwt.ms)")
    assert updated.redirect_uris == ("https://jwt.ms", "https://example.org/reply") and updated.id_token_issuance

    graph = await tenant.service_principal(GRAPH_APP_ID)
    assert graph is not None
    assert await tenant.service_principal(app.app_id) is None
    principal = await tenant.create_service_principal(app.app_id, app.display_name)
    assert await tenant.create_service_principal(app.app_id, app.display_name) == principal
    assert await tenant.service_principal(app.app_id) == principal

    assert await tenant.permission_grant(principal.object_id, graph.object_id) is None
    grant = await tenant.create_permission_grant(principal.object_id, graph.object_id, "openid")
    assert (grant.consent_type, grant.scope) == ("AllPrincipals", "openid")
    assert await tenant.create_permission_grant(principal.object_id, graph.object_id, "openid") == grant
    await tenant.update_permission_grant(grant.id, "openid offline_access")
    found = await tenant.permission_grant(principal.object_id, graph.object_id)
    assert found is not None and found.scope == "openid offline_access"


async def test_a_missing_permission_names_it_and_the_role() -> None:
    permissions = ALL_PERMISSIONS - {"TrustFrameworkKeySet.ReadWrite.All"}
    with SimulatorServer(SimulatedTenant.seeded(), permissions=permissions) as server:
        tenant = facade(server)
        with pytest.raises(PermissionMissingError) as raised:
            await tenant.key_set("B2C_1A_TokenSigningKeyContainer")
        await tenant.close()
    assert "TrustFrameworkKeySet.ReadWrite.All" in raised.value.what
    assert "B2C IEF Keyset Administrator" in raised.value.fix


async def test_a_token_graph_refuses_is_a_sign_in_error(server: SimulatorServer) -> None:
    tenant = facade(server, StaticTokenCredential("expired-or-foreign"))
    with pytest.raises(SignInError) as raised:
        await tenant.organization()
    await tenant.close()
    assert "sign in again" in raised.value.fix
    assert "expired-or-foreign" not in str(raised.value)


async def test_throttling_is_retried_as_retry_after_says(
    server: SimulatorServer, tenant: GraphClient, virtual_clock: VirtualClock
) -> None:
    faults_of(server).throttle(1, retry_after=7)
    assert (await tenant.organization()).tenant_type == "AAD B2C"
    assert virtual_clock.waits == [7]
    assert statuses(server) == [429, 200]


async def test_persistent_throttling_stops_with_a_resumable_error(
    server: SimulatorServer, tenant: GraphClient, virtual_clock: VirtualClock
) -> None:
    faults_of(server).throttle(10, retry_after=1)
    with pytest.raises(ServiceError) as raised:
        await tenant.policy_ids()
    assert "throttling" in raised.value.what and "run the same command again" in raised.value.fix
    assert statuses(server) == [429] * 4
    assert virtual_clock.waits == [1, 1, 1]


async def test_an_unavailable_service_on_a_put_is_retried(
    server: SimulatorServer, tenant: GraphClient, virtual_clock: VirtualClock
) -> None:
    faults_of(server).throttle(1, retry_after=1)
    faults_of(server).fail(1, status=503, writes_only=True, retry_after=3)
    assert await tenant.upload_policy(LOCALIZATION, chain()[LOCALIZATION]) is True
    assert statuses(server) == [429, 503, 201]
    assert virtual_clock.waits == [1, 3]


async def test_a_server_error_that_persists_says_the_run_can_be_resumed(
    server: SimulatorServer, tenant: GraphClient, virtual_clock: VirtualClock
) -> None:
    faults_of(server).fail(4, status=504, retry_after=1)
    with pytest.raises(ServiceError) as raised:
        await tenant.identity_providers()
    assert "GatewayTimeout" in raised.value.what and "resumes" in raised.value.fix
    assert virtual_clock.waits == [1, 1, 1]


async def test_a_dropped_get_is_retried_once(server: SimulatorServer, tenant: GraphClient) -> None:
    await tenant.organization()
    server.reset_log()
    faults_of(server).drop(1)
    assert await tenant.policy_ids() == [BASE]
    assert statuses(server) == [0, 200]


async def test_a_dropped_get_twice_is_a_service_error(server: SimulatorServer, tenant: GraphClient) -> None:
    faults_of(server).drop(2)
    with pytest.raises(ServiceError) as raised:
        await tenant.policy_ids()
    assert "connection" in raised.value.what and statuses(server) == [0, 0]


async def test_a_dropped_post_is_never_repeated(server: SimulatorServer, tenant: GraphClient) -> None:
    faults_of(server).drop(1, writes_only=True)
    with pytest.raises(ServiceError):
        await tenant.create_oidc_provider(ASIGNIO, SECRET)
    assert statuses(server) == [0]
    assert server.tenant.identity_providers == {}


async def test_no_secret_in_errors_or_the_request_log(server: SimulatorServer, tenant: GraphClient) -> None:
    await tenant.create_key_set("B2C_1A_AsignioSecret")
    raised: list[SetupError] = []
    for status in (400, 403, 500):
        faults_of(server).fail(4, status=status)
        for attempt in (
            tenant.upload_secret("B2C_1A_AsignioSecret", SECRET, use="sig", nbf=0, exp=2**31),
            tenant.create_oidc_provider(ASIGNIO, SECRET),
        ):
            with pytest.raises(SetupError) as error:
                await attempt
            raised.append(error.value)
        faults_of(server).clear_faults()
    faults_of(server).drop(2)
    with pytest.raises(ServiceError) as dropped:
        await tenant.update_oidc_provider("OIDC-none", ASIGNIO, SECRET)
    raised.append(dropped.value)
    assert len(raised) == 7
    assert all(shows_no_secret(error) for error in raised)
    assert SECRET not in repr(server.log)


def test_importing_the_graph_client_loads_no_http_or_identity_library() -> None:
    probe = (
        "import sys, wizard.graph; "
        "print(any(m.startswith(('msgraph', 'httpx', 'azure', 'kiota')) for m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_a_plain_http_graph_url_loads_no_ca_bundle_yet_its_tls_would_verify() -> None:
    assert tls_options("https://graph.microsoft.com/beta") == {}
    context = tls_options("http://127.0.0.1:8080/beta")["verify"]
    assert isinstance(context, ssl.SSLContext)
    assert context.cert_store_stats()["x509_ca"] == 0
    assert (context.verify_mode, context.check_hostname) == (ssl.CERT_REQUIRED, True)


async def test_every_list_follows_next_links_to_the_last_page(server: SimulatorServer, tenant: GraphClient) -> None:
    await tenant.upload_policy(LOCALIZATION, chain()[LOCALIZATION])
    await tenant.upload_policy(EXTENSIONS, chain()[EXTENSIONS])
    first = await tenant.create_oidc_provider(ASIGNIO, SECRET)
    second = await tenant.create_oidc_provider(
        OidcProviderSpec(**{**ASIGNIO.__dict__, "display_name": "Other"}), SECRET
    )
    apps = [await tenant.create_test_application("Same name", "https://jwt.ms") for _ in range(3)]
    server.page_size = 1
    server.reset_log()
    assert await tenant.policy_ids() == [BASE, LOCALIZATION, EXTENSIONS]
    assert {provider.id for provider in await tenant.identity_providers()} == {first.id, second.id}
    assert sorted(await tenant.applications_named("Same name"), key=lambda app: app.object_id) == sorted(
        apps, key=lambda app: app.object_id
    )
    assert any("$skiptoken" in record.query for record in server.log)
    assert len(server.log) == 3 + 2 + 3


class OddGraph(ThreadingHTTPServer):
    """A stand-in for what sits between the tool and Graph on a bad day: every GET gets the same canned answer."""

    def __init__(self, status: int, content_type: str, body: bytes, location: str | None = None) -> None:
        answer = (status, content_type, body)

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(answer[0])
                if location is not None:
                    self.send_header("Location", location)
                self.send_header("Content-Type", answer[1])
                self.send_header("Content-Length", str(len(answer[2])))
                self.end_headers()
                self.wfile.write(answer[2])

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": STOP_POLL_SECONDS}, daemon=True).start()

    def client(self) -> GraphClient:
        return GraphClient(
            StaticTokenCredential("token"), graph_url=f"http://127.0.0.1:{self.server_address[1]}/beta", scopes=SCOPES
        )


async def policy_ids_refused(odd: OddGraph) -> ServiceError:
    """Listing the policies through the odd server: the ServiceError it must end in."""
    tenant = odd.client()
    try:
        with pytest.raises(ServiceError) as raised:
            await tenant.policy_ids()
    finally:
        await tenant.close()
        odd.shutdown()
    return raised.value


@pytest.mark.parametrize(
    ("status", "content_type", "body"),
    [
        (200, "text/html", b"<html><body>Sign in to the corporate proxy</body></html>"),
        (502, "text/html", b"<html><body>502 Bad Gateway</body></html>"),
        (200, "application/json", b'{"value": [{"id": "B2C_1A_'),
    ],
)
async def test_an_answer_that_is_not_graph_json_is_the_worlds_doing_not_a_bug(
    status: int, content_type: str, body: bytes
) -> None:
    raised = await policy_ids_refused(OddGraph(status, content_type, body))
    assert raised.exit_code == 6
    if status == 200:
        assert "not Graph JSON" in raised.what and "127.0.0.1" in raised.what


async def test_a_next_link_to_another_host_is_refused_never_followed() -> None:
    page = {"value": [{"id": "B2C_1A_X"}], "@odata.nextLink": "https://attacker.example/beta/trustFramework/policies"}
    raised = await policy_ids_refused(OddGraph(200, "application/json", json.dumps(page).encode()))
    assert "another host" in raised.what


async def test_a_new_applications_service_principal_and_grant_wait_out_replication(
    server: SimulatorServer, tenant: GraphClient
) -> None:
    from wizard.graph import progress_sink

    server.replication_lag = 1.0
    said: list[str] = []
    progress_sink.set(said.append)
    app = await tenant.upsert_test_application("asignio-setup-lag", "Lagging app", "https://jwt.ms")
    assert app is not None
    principal = await tenant.create_service_principal(app.app_id, app.display_name)
    graph = next(sp for sp in server.tenant.service_principals.values() if sp["appId"] == GRAPH_APP_ID)
    grant = await tenant.create_permission_grant(principal.object_id, graph["id"], "openid")
    assert grant.client_id == principal.object_id
    refused = [record.status for record in server.log if record.is_write and record.status >= 400]
    assert 400 in refused and 404 in refused, "the lag was never met"
    assert any("does not show" in message and "replicate" in message for message in said)
    assert len(server.tenant.applications) == 1 and len(server.tenant.permission_grants) == 1


async def test_replication_that_outlasts_the_budget_stops_resumably(
    server: SimulatorServer, virtual_clock: VirtualClock
) -> None:
    """The backoff doubles from half a second to eight and stops before the next wait would pass the minute."""
    server.replication_lag = 120.0
    tenant = GraphClient(server.credential, graph_url=server.graph_root + "/beta", scopes=SCOPES)
    app = await tenant.upsert_test_application("asignio-setup-slow", "Slow app", "https://jwt.ms")
    assert app is not None
    with pytest.raises(ServiceError) as raised:
        await tenant.create_service_principal(app.app_id, app.display_name)
    await tenant.close()
    assert raised.value.exit_code == 6
    assert "still did not show" in raised.value.what and "run the same command again" in raised.value.fix
    assert "request-id" in raised.value.what
    assert virtual_clock.waits == [0.5, 1, 2, 4, 8, 8, 8, 8, 8, 8]


async def test_the_upsert_makes_one_application_however_often_it_runs(
    server: SimulatorServer, tenant: GraphClient
) -> None:
    first = await tenant.upsert_test_application("asignio-setup-once", "Once", "https://jwt.ms")
    again = await tenant.upsert_test_application("asignio-setup-once", "Once", "https://jwt.ms")
    assert first is not None and again is not None and again.object_id == first.object_id
    assert len(server.tenant.applications) == 1
    upserts = [record for record in server.log if record.method == "PATCH"]
    assert [record.status for record in upserts] == [201, 204]


async def test_a_tenant_that_refuses_upserts_gets_plain_creates(server: SimulatorServer, tenant: GraphClient) -> None:
    server.upsert_supported = False
    assert await tenant.upsert_test_application("asignio-setup-refused", "Refused", "https://jwt.ms") is None
    app = await tenant.create_test_application("Refused", "https://jwt.ms")
    principal = await tenant.create_service_principal(app.app_id, app.display_name)
    assert principal.app_id == app.app_id
    assert [record.method for record in server.log if record.is_write] == ["PATCH", "POST", "PATCH", "POST"]


async def test_a_throttled_post_is_ridden_out(server: SimulatorServer, tenant: GraphClient) -> None:
    faults_of(server).throttle(1, retry_after=1, writes_only=True)
    created = await tenant.create_key_set("B2C_1A_AsignioSecret")
    assert created.id == "B2C_1A_AsignioSecret"
    assert statuses(server) == [429, 201]


async def test_every_graph_error_names_the_request_ids_support_asks_for(
    server: SimulatorServer, tenant: GraphClient
) -> None:
    faults_of(server).fail(4, status=500)
    with pytest.raises(ServiceError) as raised:
        await tenant.policy_ids()
    assert "request-id " in raised.value.what and "client-request-id " in raised.value.what


async def test_a_create_answered_504_after_graph_made_it_is_not_sent_again(
    server: SimulatorServer, tenant: GraphClient
) -> None:
    """msgraph-core's middleware would resend a POST after 503/504; for a create Graph may have done, that is a
    second object. The create stops (resumably) instead, and the step's intent makes the re-run look first."""
    faults_of(server).lose_answers(1, status=504)
    with pytest.raises(ServiceError) as raised:
        await tenant.create_oidc_provider(ASIGNIO, SECRET)
    assert raised.value.exit_code == 6
    assert [record.method for record in server.log if record.is_write] == ["POST"]
    assert len(server.tenant.identity_providers) == 1


async def test_a_create_throttled_with_429_waits_as_asked_and_says_so(
    server: SimulatorServer, tenant: GraphClient, virtual_clock: VirtualClock
) -> None:
    from wizard.graph import progress_sink

    said: list[str] = []
    progress_sink.set(said.append)
    faults_of(server).throttle(1, retry_after=1, writes_only=True)
    created = await tenant.create_oidc_provider(ASIGNIO, SECRET)
    assert created.display_name == ASIGNIO.display_name
    assert statuses(server) == [429, 201]
    assert said == ["throttled by Graph, waiting 1 s (attempt 1 of 3)"]
    assert virtual_clock.waits == [1]


async def test_a_redirect_is_never_followed() -> None:
    """A request body may carry the Asignio secret: a 307 to elsewhere is an error, not a second request."""
    raised = await policy_ids_refused(OddGraph(307, "text/plain", b"", location="https://elsewhere.example/beta"))
    assert raised.exit_code == 6 and "redirect" in raised.what


@pytest.mark.parametrize(
    ("status", "code", "message", "refused"),
    [
        (405, "Request_BadRequest", "The HTTP method 'PATCH' is not allowed", True),
        (404, "Request_ResourceNotFound", "Resource 'x' does not exist", True),
        (400, "Request_BadRequest", "Write requests addressed by an alternate key are not supported", True),
        (
            400,
            "Request_BadRequest",
            "Invalid value specified for property 'identifierUris' of resource 'Application'",
            False,
        ),
    ],
)
def test_only_a_refusal_of_the_upsert_itself_falls_back_to_a_plain_create(
    status: int, code: str, message: str, refused: bool
) -> None:
    """A 400 about what was sent would meet a plain create too, which might then make a second app."""
    from wizard.graph.applications import _upsert_refused
    from wizard.graph.errors import GraphFailure

    assert _upsert_refused(GraphFailure(status, code, message, "PATCH", "/applications(uniqueName='x')")) is refused


@pytest.mark.parametrize(
    "data",
    [{"nbf": "1e400"}, {"nbf": "not a date"}, {"exp": {}}],
)
def test_a_key_date_graph_should_not_send_is_a_shape_error_not_a_crash(data: dict[str, object]) -> None:
    from pydantic import ValidationError

    from wizard.graph import Key

    with pytest.raises(ValidationError):
        Key.model_validate(data)


async def test_a_server_that_echoes_the_token_never_gets_it_into_a_message() -> None:
    """Real Graph does not echo the Authorization header, a proxy or a hostile endpoint might."""
    token = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJl"
    echo = {"error": {"code": "BadRequest", "message": f"Bad header 'Authorization: Bearer {token}' for {token}"}}
    odd = OddGraph(400, "application/json", json.dumps(echo).encode())
    tenant = GraphClient(
        StaticTokenCredential(token), graph_url=f"http://127.0.0.1:{odd.server_address[1]}/beta", scopes=SCOPES
    )
    try:
        with pytest.raises(SetupError) as raised:
            await tenant.policy_ids()
    finally:
        await tenant.close()
        odd.shutdown()
    assert token not in str(raised.value) and token not in repr(raised.value)
    assert "[redacted]" in raised.value.what


async def test_a_throttled_read_waits_as_asked_and_says_so(server: SimulatorServer, tenant: GraphClient) -> None:
    """Reads used to be retried by msgraph-core's middleware in silence; now every wait is said."""
    from wizard.graph import progress_sink

    said: list[str] = []
    progress_sink.set(said.append)
    faults_of(server).throttle(2, retry_after=0)
    faults_of(server).fail(1, status=503, retry_after=0)
    assert await tenant.policy_ids() == [BASE]
    assert statuses(server) == [429, 429, 503, 200]
    assert said == [
        "throttled by Graph, waiting 0 s (attempt 1 of 3)",
        "throttled by Graph, waiting 0 s (attempt 2 of 3)",
        "Graph is unavailable (HTTP 503), waiting 0 s (attempt 3 of 3)",
    ]


async def test_a_server_that_trickles_its_answer_meets_the_request_deadline() -> None:
    trickling = TricklingGraph(b'{"value": []' + b" " * 60 + b"}", pause=0.1)
    tenant = GraphClient(
        StaticTokenCredential("token"),
        graph_url=f"http://127.0.0.1:{trickling.server_address[1]}/beta",
        scopes=SCOPES,
        request_deadline=0.5,
    )
    try:
        with pytest.raises(ServiceError) as raised:
            await tenant.policy_ids()
    finally:
        await tenant.close()
        trickling.stop()
    assert raised.value.exit_code == 6
    assert raised.value.what.startswith("Graph did not answer GET trustFramework/policies within 0.5 s")
    assert "run the same command again" in raised.value.fix


@pytest.mark.parametrize("root", ["http://graph.example.com", "http://10.0.0.5:8080", "ftp://graph.microsoft.com"])
def test_an_overriding_graph_url_must_be_https_unless_it_is_this_machine(
    root: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wizard.clouds import Cloud, graph_beta_url
    from wizard.errors import BadInputError, ExitCode

    monkeypatch.setenv("ASIGNIO_SETUP_GRAPH_URL", root)
    with pytest.raises(BadInputError) as refused:
        graph_beta_url(Cloud.GLOBAL)
    assert refused.value.exit_code == ExitCode.BAD_INPUT
    assert refused.value.what.startswith(f"ASIGNIO_SETUP_GRAPH_URL={root!r}")
    for allowed in ("https://graph.example.com", "http://127.0.0.1:8080", "http://localhost:9", "http://[::1]:9"):
        monkeypatch.setenv("ASIGNIO_SETUP_GRAPH_URL", allowed)
        assert graph_beta_url(Cloud.GLOBAL) == allowed + "/beta"
