"""The authentication methods policy as documented (Graph v1.0): email one-time passcodes for External ID's MFA."""

from __future__ import annotations

from tests.contract.support import (
    Answer,
    LoopbackGraph,
    assert_body_keys,
    assert_documented_request,
    documented,
    documented_path,
    replays,
)
from wizard.graph import GraphClient

EMAIL_CONFIGURATION_KEYS = {
    "@odata.type": "#microsoft.graph.emailAuthenticationMethodConfiguration",
    "allowExternalIdToUseEmailOtp": "String",
    "excludeTargets": [],
    "id": "String (identifier)",
    "includeTargets": [],
    "state": "String",
}
"""resources/emailauthenticationmethodconfiguration.md's JSON representation: the keys the docs know."""


@replays("update_email_authentication_method_configuration")
async def test_turning_on_email_otp_patches_the_email_configuration_with_its_odata_type(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    """emailauthenticationmethodconfiguration-update.md: PATCH .../authenticationMethodConfigurations/email with
    `@odata.type` (the page says it must be there) and the example's allowExternalIdToUseEmailOtp "enabled"; 204.
    The client also sets `state` "enabled", a key of the resource page, and nothing the docs do not know."""
    doc = documented("update_email_authentication_method_configuration")
    graph_server.queue(Answer.of(doc))

    await graph.enable_email_otp()

    [request] = graph_server.requests
    assert_documented_request(request, doc, documented_path(doc))
    sent = request.json()
    assert_body_keys(sent, doc.request.body, known_from=[EMAIL_CONFIGURATION_KEYS])
    assert sent["@odata.type"] == doc.request.body["@odata.type"]
    assert sent["allowExternalIdToUseEmailOtp"] == "enabled"
    assert sent["state"] == "enabled"
