"""Which discovery documents External ID can federate with, and the reason named for each one it cannot."""

from __future__ import annotations

import pytest

from wizard.discovery import federation_blockers

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
