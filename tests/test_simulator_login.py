"""The simulated sign-in hosts (b2clogin/ciamlogin) and Asignio's simulated authorize endpoint, on their own: what a
browser's request gets from what the tenant holds, without the tool's probes in between."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from wizard.simulator import SimulatedTenant, SimulatorServer
from wizard.simulator.discovery import DiscoveryServer

APP_ID = "11112222-3333-4444-5555-666677778888"
PARTNER_CLIENT = "aaaabbbb-cccc-dddd-eeee-ffff00001111"
NS = "http://schemas.microsoft.com/online/cpim/schemas/2013/06"


def policy(policy_id: str, body: str, base: str | None = None) -> bytes:
    base_policy = f"<BasePolicy><TenantId>contoso.onmicrosoft.com</TenantId><PolicyId>{base}</PolicyId></BasePolicy>"
    return (
        f'<TrustFrameworkPolicy xmlns="{NS}" TenantId="contoso.onmicrosoft.com" PolicyId="{policy_id}">'
        f"{base_policy if base else ''}{body}</TrustFrameworkPolicy>"
    ).encode()


def partner_provider(domain: str, profile: str, items: str) -> str:
    return (
        f"<ClaimsProvider><Domain>{domain}</Domain><DisplayName>Partner</DisplayName><TechnicalProfiles>"
        f'<TechnicalProfile Id="{profile}"><Protocol Name="OAuth2" /><Metadata>{items}</Metadata>'
        "</TechnicalProfile></TechnicalProfiles></ClaimsProvider>"
    )


def tenant_with_a_journey() -> SimulatedTenant:
    """A base naming the partner's endpoint, an extension overriding its client id and offering it in a journey
    (redirect URI with the policy in it), and a relying party on that journey."""
    tenant = SimulatedTenant.seeded("contoso")
    tenant.policies["B2C_1A_Base"] = policy(
        "B2C_1A_Base",
        "<ClaimsProviders>"
        + partner_provider(
            "partner.example",
            "Partner-OAUTH2",
            '<Item Key="authorization_endpoint">https://partner.example/authorize</Item>'
            '<Item Key="client_id">base-client</Item><Item Key="scope">openid email</Item>',
        )
        + partner_provider("elsewhere.example", "Unused-OAUTH2", '<Item Key="authorization_endpoint">https://x/</Item>')
        + "</ClaimsProviders>",
    )
    tenant.policies["B2C_1A_Extensions"] = policy(
        "B2C_1A_Extensions",
        "<ClaimsProviders>"
        + partner_provider(
            "partner.example",
            "Partner-OAUTH2",
            f'<Item Key="client_id">{PARTNER_CLIENT}</Item><Item Key="UsePolicyInRedirectUri">true</Item>',
        )
        + '</ClaimsProviders><UserJourneys><UserJourney Id="Journey"><OrchestrationSteps>'
        '<OrchestrationStep Order="1" Type="ClaimsExchange"><ClaimsExchanges>'
        '<ClaimsExchange Id="PartnerExchange" TechnicalProfileReferenceId="Partner-OAUTH2" />'
        "</ClaimsExchanges></OrchestrationStep></OrchestrationSteps></UserJourney></UserJourneys>",
        base="B2C_1A_Base",
    )
    tenant.policies["B2C_1A_Signin"] = policy(
        "B2C_1A_Signin",
        '<RelyingParty><DefaultUserJourney ReferenceId="Journey" /></RelyingParty>',
        base="B2C_1A_Extensions",
    )
    tenant.applications["app"] = {"id": "app", "appId": APP_ID, "web": {"redirectUris": ["https://jwt.ms"]}}
    return tenant


@pytest.fixture
def login() -> Iterator[SimulatorServer]:
    with SimulatorServer(tenant_with_a_journey()) as server:
        yield server


def authorize(server: SimulatorServer, policy_id: str = "B2C_1A_Signin", **query: str) -> httpx.Response:
    parameters = {"client_id": APP_ID, "redirect_uri": "https://jwt.ms", "scope": "openid", **query}
    url = f"{server.login_root}/contoso.onmicrosoft.com/{policy_id}/oauth2/v2.0/authorize"
    return httpx.get(url, params=parameters, follow_redirects=False)


def test_a_relying_party_serves_its_metadata_a_base_or_unknown_policy_does_not(login: SimulatorServer) -> None:
    tenant_id = login.tenant.organization_id
    answer = httpx.get(
        f"{login.login_root}/contoso.onmicrosoft.com/b2c_1a_signin/v2.0/.well-known/openid-configuration"
    )
    assert answer.status_code == 200
    assert answer.json()["issuer"] == f"https://contoso.b2clogin.com/{tenant_id}/v2.0/"
    by_query = httpx.get(f"{login.login_root}/{tenant_id}/v2.0/.well-known/openid-configuration?p=B2C_1A_Signin")
    assert by_query.json() == answer.json()
    for policy_id in ("B2C_1A_Extensions", "B2C_1A_Missing"):
        url = f"{login.login_root}/contoso.onmicrosoft.com/{policy_id}/v2.0/.well-known/openid-configuration"
        assert httpx.get(url).status_code == 404
    other_tenant = httpx.get(f"{login.login_root}/fabrikam.onmicrosoft.com/B2C_1A_Signin/v2.0/x")
    assert other_tenant.status_code == 400  # a path naming no tenant it holds is Graph's, and not /beta
    assert all(not record.is_write for record in login.log)


def test_the_domain_hint_picks_the_journey_provider_by_domain_with_its_merged_metadata(login: SimulatorServer) -> None:
    answer = authorize(login, domain_hint="PARTNER.example")
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    assert (location.scheme, location.netloc, location.path) == ("https", "partner.example", "/authorize")
    query = {name: values[0] for name, values in parse_qs(location.query).items()}
    assert query["client_id"] == PARTNER_CLIENT
    assert query["redirect_uri"] == "https://contoso.b2clogin.com/contoso.onmicrosoft.com/b2c_1a_signin/oauth2/authresp"
    assert (query["response_type"], query["scope"]) == ("code", "openid email")
    assert query["state"].startswith("StateProperties=")


def test_without_a_matching_hint_b2c_shows_its_own_page(login: SimulatorServer) -> None:
    assert authorize(login).status_code == 200
    assert authorize(login, domain_hint="elsewhere.example").status_code == 200  # not in the journey
    assert authorize(login, domain_hint="unknown.example").status_code == 200


def test_an_unknown_client_or_reply_url_is_refused_with_b2c_codes(login: SimulatorServer) -> None:
    unknown = authorize(login, client_id="99999999-9999-9999-9999-999999999999", domain_hint="partner.example")
    assert unknown.status_code == 400 and "AADB2C90018" in unknown.text
    elsewhere = authorize(login, redirect_uri="https://example.com", domain_hint="partner.example")
    assert elsewhere.status_code == 400 and "AADB2C90006" in elsewhere.text


def test_a_user_flow_sends_to_its_provider_read_from_the_discovery_document() -> None:
    tenant = SimulatedTenant.seeded("contoso")
    tenant.identity_providers["OIDC-1"] = {
        "@odata.type": "#microsoft.graph.openIdConnectIdentityProvider",
        "id": "OIDC-1",
        "clientId": PARTNER_CLIENT,
        "domainHint": "https://asignio.com",
        "responseType": "code",
        "responseMode": "query",
        "scope": "openid email profile",
    }
    tenant.user_flows["B2C_1_Signin"] = {"id": "B2C_1_Signin", "_providers": ["OIDC-1"]}
    tenant.applications["app"] = {"id": "app", "appId": APP_ID, "web": {"redirectUris": ["https://jwt.ms"]}}
    with DiscoveryServer() as asignio, SimulatorServer(tenant) as server:
        tenant.identity_providers["OIDC-1"]["metadataUrl"] = asignio.url
        answer = authorize(server, "B2C_1_Signin", domain_hint="https://asignio.com")
        assert answer.status_code == 302
        assert answer.headers["Location"].startswith(f"{asignio.issuer}/authorize?client_id={PARTNER_CLIENT}&")
        tenant.identity_providers["OIDC-1"]["metadataUrl"] = "https://authorization.asignio.com/x"  # no network
        assert authorize(server, "B2C_1_Signin", domain_hint="https://asignio.com").status_code == 200


def test_an_external_tenant_serves_its_metadata_and_the_sign_in_page_for_a_registered_app() -> None:
    tenant = SimulatedTenant.seeded("contoso", tenant_type="CIAM")
    tenant.applications["app"] = {"id": "app", "appId": APP_ID, "web": {"redirectUris": ["https://jwt.ms"]}}
    with SimulatorServer(tenant) as server:
        tenant_id = tenant.organization_id
        metadata = httpx.get(f"{server.login_root}/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration")
        assert metadata.json()["issuer"] == f"https://{tenant_id}.ciamlogin.com/{tenant_id}/v2.0"
        url = f"{server.login_root}/contoso.onmicrosoft.com/oauth2/v2.0/authorize"
        assert httpx.get(url, params={"client_id": APP_ID, "redirect_uri": "https://jwt.ms"}).status_code == 200
        unknown = httpx.get(url, params={"client_id": PARTNER_CLIENT, "redirect_uri": "https://jwt.ms"})
        assert unknown.status_code == 400 and "AADSTS700016" in unknown.text
        elsewhere = httpx.get(url, params={"client_id": APP_ID, "redirect_uri": "https://example.com"})
        assert elsewhere.status_code == 400 and "AADSTS50011" in elsewhere.text


@pytest.mark.parametrize(
    ("query", "status", "says"),
    [
        ({"client_id": "someone-else"}, 400, "invalid_client"),
        ({"redirect_uri": "https://example.com/other"}, 400, "is not registered for this application"),
        ({"response_type": "token"}, 302, "error=unsupported_response_type"),
        ({"scope": "email"}, 302, "error=invalid_scope"),
        ({}, 200, "Sign in with your Asignio Signature"),
    ],
)
def test_asignio_answers_as_an_oauth_server(query: dict[str, str], status: int, says: str) -> None:
    """RFC 6749 4.1.2.1: an unknown client or redirect URI is told to the user, never redirected to; other errors go
    back to the redirect URI."""
    with DiscoveryServer() as asignio:
        asignio.register(PARTNER_CLIENT, "https://contoso.b2clogin.com/contoso.onmicrosoft.com/oauth2/authresp")
        parameters = {
            "client_id": PARTNER_CLIENT,
            "redirect_uri": "https://contoso.b2clogin.com/contoso.onmicrosoft.com/oauth2/authresp",
            "response_type": "code",
            "scope": "openid profile",
            **query,
        }
        answer = httpx.get(f"{asignio.issuer}/authorize", params=parameters, follow_redirects=False)
    assert answer.status_code == status
    assert says in (answer.headers.get("Location", "") if status == 302 else answer.text)
    if says == "invalid_client":
        assert json.loads(answer.text)["error"] == "invalid_client"
