"""Which discovery documents External ID can federate with, and the reason named for each one it cannot."""

from __future__ import annotations

import pytest

from wizard.discovery import federation_blockers, fetch_discovery
from wizard.errors import ExitCode, ServiceError
from wizard.simulator.discovery import DiscoveryServer, DocumentKind

GOOD = {
    "issuer": "https://authorization.asignio.com",
    "authorization_endpoint": "https://authorization.asignio.com/authorize",
    "token_endpoint": "https://authorization.asignio.com/token",
    "jwks_uri": "https://authorization.asignio.com/jwks",
    "response_types_supported": ["code", "id_token"],
    "subject_types_supported": ["public"],
    "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
}


def test_a_document_with_every_field_and_client_secret_post_can_federate() -> None:
    assert federation_blockers(GOOD) == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"token_endpoint_auth_methods_supported": ["client_secret_basic"]}, "offers client_secret_basic, and"),
        ({"token_endpoint_auth_methods_supported": None}, "offers none, and External ID needs one of"),
        ({"jwks_uri": None}, "it has no jwks_uri"),
        ({"issuer": ""}, "it has no issuer"),
        ({"response_types_supported": ["id_token"]}, "response_types_supported lacks code"),
        ({"subject_types_supported": "public"}, "it has no subject_types_supported"),
    ],
)
def test_a_document_that_cannot_federate_names_the_field_that_stops_it(change: dict, reason: str) -> None:
    document = {key: value for key, value in {**GOOD, **change}.items() if value is not None}
    blockers = federation_blockers(document)
    assert len(blockers) == 1
    assert reason in blockers[0]
    assert "ask Asignio" in blockers[0]


async def test_the_document_is_read_from_the_loopback_server_as_served() -> None:
    with DiscoveryServer("good") as server:
        document = await fetch_discovery(server.url)
    assert document["issuer"] == server.issuer
    assert federation_blockers(document) == []


@pytest.mark.parametrize(("kind", "reason"), [("basic-only", "offers client_secret_basic"), ("no-jwks", "no jwks_uri")])
async def test_the_served_bad_documents_are_refused_for_their_field(kind: DocumentKind, reason: str) -> None:
    with DiscoveryServer(kind) as server:
        blockers = federation_blockers(await fetch_discovery(server.url))
    assert len(blockers) == 1
    assert reason in blockers[0]


async def test_an_unreachable_document_is_exit_6_naming_the_url() -> None:
    with DiscoveryServer() as server:
        url = server.url
    with pytest.raises(ServiceError) as caught:
        await fetch_discovery(url)
    assert caught.value.exit_code == ExitCode.SERVICE
    assert url in caught.value.what


async def test_a_page_that_is_not_a_discovery_document_is_exit_6_naming_the_url() -> None:
    with DiscoveryServer() as server:
        url = server.issuer + "/elsewhere"
        with pytest.raises(ServiceError, match="answered HTTP 404") as caught:
            await fetch_discovery(url)
    assert url in caught.value.what
