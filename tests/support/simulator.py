"""The simulated tenant over plain HTTP, as the simulator's own tests reach it: a client, its errors, what it takes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx

from wizard.simulator import SimulatorServer

Start = Callable[..., SimulatorServer]
"""The `start_simulator` fixture: a started simulator (a seeded tenant unless given one) with the given knobs."""
CHAIN_FILES = {
    "B2C_1A_TrustFrameworkBase": "TrustFrameworkBase.xml",
    "B2C_1A_TrustFrameworkLocalization": "TrustFrameworkLocalization.xml",
    "B2C_1A_TrustFrameworkExtensions": "TrustFrameworkExtensions.xml",
    "B2C_1A_signup_signin": "SignUpOrSignin.xml",
}
OIDC_PROVIDER = {
    "@odata.type": "#microsoft.graph.openIdConnectIdentityProvider",
    "displayName": "Asignio",
    "clientId": "c",
    "clientSecret": "s",
    "metadataUrl": "https://m",
    "responseType": "code",
    "scope": "openid",
    "claimsMapping": {"userId": "sub"},
}
"""A minimal OpenID Connect provider the simulator accepts."""


def client(server: SimulatorServer, token: str | None = None) -> httpx.Client:
    """Plain HTTP to the server's Graph with its token (or `token`, another tenant's)."""
    headers = {"Authorization": f"Bearer {token or server.access_token}"}
    return httpx.Client(base_url=server.graph_root + "/beta", headers=headers, timeout=10)


def error_of(response: httpx.Response) -> dict[str, str]:
    error = response.json()["error"]
    assert set(error["innerError"]) >= {"date", "request-id"}
    return error


def pack_policy(starter_pack: Path, policy_id: str) -> bytes:
    """A starter-pack file made uploadable for contoso: tenant named, BOM removed (B2C refuses it)."""
    raw = (starter_pack / "SocialAndLocalAccountsWithMfa" / CHAIN_FILES[policy_id]).read_bytes()
    return raw.removeprefix(b"\xef\xbb\xbf").replace(b"yourtenant", b"contoso")


def put_policy(
    graph: httpx.Client, policy_id: str, content: bytes, content_type: str = "application/xml"
) -> httpx.Response:
    return graph.put(
        f"/trustFramework/policies/{policy_id}/$value", content=content, headers={"Content-Type": content_type}
    )
