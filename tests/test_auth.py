"""Credentials per sign-in method, and the static token credential the simulator and pipelines use."""

from __future__ import annotations

import base64
import json
import time
from datetime import datetime
from typing import Any

import pytest

from wizard.answers import Answers, parse_answers
from wizard.auth import (
    ACCESS_TOKEN_ENV,
    StaticTokenCredential,
    credential_for,
    print_device_code,
    sign_in_settings,
    token_claims,
)
from wizard.errors import BadInputError, SignInError
from wizard.graph import GraphClient
from wizard.permissions import DELEGATED_PERMISSIONS
from wizard.simulator import SimulatedTenant, SimulatorServer

APP_SECRET = "sign-in-app-secret-77aa"
SIGN_IN_APP = "11112222-3333-4444-5555-666677778888"


def answers(method: str | None = None, cloud: str = "global", **auth: str) -> Answers:
    data: dict[str, Any] = {
        "tenant": {"name": "contoso", "cloud": cloud},
        "asignio": {"client_id": "00001111-aaaa-2222-bbbb-3333cccc4444"},
        "setup": {"pivot": "custom-policy"},
        "auth": {**({"method": method} if method else {}), **auth},
    }
    return parse_answers(data)


def credential_from(answers: Answers, **options: Any) -> tuple[Any, list[str]]:
    return credential_for(answers.tenant, answers.auth, **options)


def jwt(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none'})}.{part(claims)}.c2ln"


def test_a_jwt_shaped_token_is_read_and_anything_else_is_not() -> None:
    assert token_claims(jwt({"upn": "a@b", "exp": 5})) == {"upn": "a@b", "exp": 5}
    assert token_claims("opaque") is None
    assert token_claims("a.%%%.c") is None


def test_the_static_credential_expires_when_its_jwt_does() -> None:
    token = jwt({"exp": 2_000_000_000})
    assert StaticTokenCredential(token).get_token("scope").expires_on == 2_000_000_000
    opaque = StaticTokenCredential("opaque").get_token("scope", enable_cae=True)
    assert opaque.token == "opaque" and opaque.expires_on > time.time() + 3000
    assert "opaque" not in repr(StaticTokenCredential("opaque"))


def test_access_token_method_uses_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ACCESS_TOKEN_ENV, "pipeline-token")
    credential, scopes = credential_from(answers("access-token"))
    assert isinstance(credential, StaticTokenCredential)
    assert credential.get_token(*scopes).token == "pipeline-token"
    assert scopes == ["https://graph.microsoft.com/.default"]


def test_access_token_method_without_the_variable_says_what_to_set() -> None:
    with pytest.raises(SignInError) as raised:
        credential_from(answers("access-token"))
    assert ACCESS_TOKEN_ENV in raised.value.what and ACCESS_TOKEN_ENV in raised.value.fix


def test_access_token_env_names_this_tenants_own_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ACCESS_TOKEN_ENV, "another-tenants-token")
    monkeypatch.setenv("FABRIKAM_GRAPH_TOKEN", "fabrikam-token")
    credential, scopes = credential_from(answers(access_token_env="FABRIKAM_GRAPH_TOKEN"))
    assert credential.get_token(*scopes).token == "fabrikam-token"
    monkeypatch.delenv("FABRIKAM_GRAPH_TOKEN")
    with pytest.raises(SignInError) as raised:
        credential_from(answers("access-token", access_token_env="FABRIKAM_GRAPH_TOKEN"))
    assert "FABRIKAM_GRAPH_TOKEN" in raised.value.what and "FABRIKAM_GRAPH_TOKEN" in raised.value.fix


def test_access_token_env_takes_a_name_never_a_token() -> None:
    with pytest.raises(BadInputError) as raised:
        answers("access-token", access_token_env="eyJ0eXAiOiJKV1Qi.eyJ.c2ln")
    assert "auth.access_token_env" in raised.value.what


def test_no_method_means_the_token_variable_when_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ACCESS_TOKEN_ENV, "pipeline-token")
    credential, _ = credential_from(answers())
    assert isinstance(credential, StaticTokenCredential)


def test_no_method_and_no_token_means_device_code_with_explicit_permissions() -> None:
    from azure.identity import DeviceCodeCredential

    made, scopes = credential_from(answers(), prompt=lambda uri, code, expires: None)
    assert isinstance(made, DeviceCodeCredential)
    assert scopes == [f"https://graph.microsoft.com/{permission}" for permission in DELEGATED_PERMISSIONS]
    assert "https://graph.microsoft.com/Policy.ReadWrite.TrustFramework" in scopes
    settings = sign_in_settings(answers().tenant, answers().auth)
    assert (settings.tenant_id, settings.authority) == ("contoso.onmicrosoft.com", "login.microsoftonline.com")


def test_device_code_in_another_cloud_signs_in_there_and_prints_the_code(capsys: pytest.CaptureFixture[str]) -> None:
    china = answers("device-code", cloud="china")
    assert sign_in_settings(china.tenant, china.auth).authority == "login.chinacloudapi.cn"
    print_device_code("https://microsoft.com/deviceloginchina", "XYZ789", datetime.now())
    printed = capsys.readouterr().err
    assert "https://microsoft.com/deviceloginchina" in printed and "XYZ789" in printed


def test_in_a_run_of_several_tenants_the_device_code_names_its_tenant(capsys: pytest.CaptureFixture[str]) -> None:
    print_device_code("https://microsoft.com/devicelogin", "ABC123", datetime.now(), tenant="fabrikam")
    assert capsys.readouterr().err.startswith("fabrikam: To sign in, open https://microsoft.com/devicelogin")


def test_browser_sign_in_asks_for_the_clouds_graph_permissions() -> None:
    from azure.identity import InteractiveBrowserCredential

    made, scopes = credential_from(answers("browser", cloud="usgov"))
    assert isinstance(made, InteractiveBrowserCredential)
    assert scopes[0].startswith("https://graph.microsoft.us/")
    usgov = answers("browser", cloud="usgov")
    assert sign_in_settings(usgov.tenant, usgov.auth).authority == "login.microsoftonline.us"


def test_azure_cli_uses_the_default_scope_of_the_tenant() -> None:
    from azure.identity import AzureCliCredential

    credential, scopes = credential_from(answers("azure-cli"))
    assert isinstance(credential, AzureCliCredential)
    assert scopes == ["https://graph.microsoft.com/.default"]
    assert credential.tenant_id == "contoso.onmicrosoft.com"


def test_client_secret_from_the_named_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    from azure.identity import ClientSecretCredential

    monkeypatch.setenv("SIGN_IN_SECRET", APP_SECRET)
    asked: list[str] = []

    def lookup(name: str) -> str:
        asked.append(name)
        return "from-keyring"

    credential, scopes = credential_from(
        answers("client-secret", client_id=SIGN_IN_APP, client_secret_env="SIGN_IN_SECRET"), secret_lookup=lookup
    )
    assert isinstance(credential, ClientSecretCredential)
    assert scopes == ["https://graph.microsoft.com/.default"]
    assert asked == []


def test_client_secret_falls_back_to_the_lookup() -> None:
    from azure.identity import ClientSecretCredential

    asked: list[str] = []

    def lookup(name: str) -> str:
        asked.append(name)
        return APP_SECRET

    credential, _ = credential_from(
        answers("client-secret", client_id=SIGN_IN_APP, client_secret_env="SIGN_IN_SECRET"), secret_lookup=lookup
    )
    assert isinstance(credential, ClientSecretCredential)
    assert asked == [SIGN_IN_APP]


def test_client_secret_nowhere_says_what_to_set() -> None:
    with pytest.raises(SignInError) as raised:
        credential_from(
            answers("client-secret", client_id=SIGN_IN_APP, client_secret_env="SIGN_IN_SECRET"),
            secret_lookup=lambda name: None,
        )
    assert SIGN_IN_APP in raised.value.what
    assert "SIGN_IN_SECRET" in raised.value.fix and "keyring" in raised.value.fix


async def test_an_access_token_credential_drives_the_facade(monkeypatch: pytest.MonkeyPatch) -> None:
    with SimulatorServer(SimulatedTenant.seeded()) as server:
        monkeypatch.setenv(ACCESS_TOKEN_ENV, server.access_token)
        credential, scopes = credential_from(answers())
        tenant = GraphClient(credential, graph_url=server.graph_root + "/beta", scopes=scopes)
        organization = await tenant.organization()
        await tenant.close()
    assert organization.initial_domain == "contoso.onmicrosoft.com"
    assert tenant.signed_in_as() == "admin@contoso.onmicrosoft.com"
