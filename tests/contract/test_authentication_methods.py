"""The authentication methods policy as documented (Graph beta): email one-time passcodes or SMS for External ID's
MFA, read first, turned on for every user."""

from __future__ import annotations

import pytest

from tests.contract.support import (
    Answer,
    LoopbackGraph,
    assert_body_keys,
    assert_documented_request,
    documented,
    documented_path,
    replays,
)
from wizard.graph import GraphClient, SecondFactor

EMAIL_CONFIGURATION_KEYS = {
    "@odata.type": "#microsoft.graph.emailAuthenticationMethodConfiguration",
    "allowExternalIdToUseEmailOtp": "String",
    "excludeTargets": [],
    "id": "String (identifier)",
    "includeTargets": [{"@odata.type": "microsoft.graph.authenticationMethodTarget"}],
    "state": "String",
}
"""resources/emailauthenticationmethodconfiguration.md's (beta) JSON representation: the keys the docs know."""
METHOD_TARGET_KEYS = {"@odata.type": "", "id": "", "targetType": "", "isRegistrationRequired": ""}
"""resources/authenticationmethodtarget.md's (beta) JSON representation."""


@replays("get_email_authentication_method_configuration", "get_sms_authentication_method_configuration")
@pytest.mark.parametrize(
    ("fixture", "method", "targets_everyone"),
    [
        ("get_email_authentication_method_configuration", SecondFactor.EMAIL, False),
        ("get_sms_authentication_method_configuration", SecondFactor.SMS, True),
    ],
)
async def test_reading_a_method_gets_its_configuration_with_its_state_and_targets(
    graph_server: LoopbackGraph, graph: GraphClient, fixture: str, method: SecondFactor, targets_everyone: bool
) -> None:
    """emailauthenticationmethodconfiguration-get.md, smsauthenticationmethodconfiguration-get.md: GET
    .../authenticationMethodConfigurations/{email|sms}, 200 with state and includeTargets (empty in the email
    example, the all_users group in the SMS one)."""
    doc = documented(fixture)
    graph_server.queue(Answer.of(doc))

    configuration = await graph.authentication_method(method)

    [request] = graph_server.requests
    assert_documented_request(request, doc, documented_path(doc))
    assert configuration.id == doc.response.body["id"]
    assert configuration.enabled
    assert configuration.targets("all_users") is targets_everyone


@replays("update_email_authentication_method_configuration")
async def test_turning_on_email_otp_patches_the_email_configuration_with_its_odata_type(
    graph_server: LoopbackGraph, graph: GraphClient
) -> None:
    """emailauthenticationmethodconfiguration-update.md: PATCH .../authenticationMethodConfigurations/email with
    `@odata.type` (the page says it must be there) and the example's allowExternalIdToUseEmailOtp, set to "enabled";
    204. The client also sets `state` "enabled" and includeTargets all users, keys of the resource page, and nothing
    the docs do not know."""
    doc = documented("update_email_authentication_method_configuration")
    graph_server.queue(Answer.of(doc))

    await graph.enable_authentication_method(SecondFactor.EMAIL, add_all_users=True)

    [request] = graph_server.requests
    assert_documented_request(request, doc, documented_path(doc))
    sent = request.json()
    assert_body_keys(
        sent, doc.request.body, known_from=[EMAIL_CONFIGURATION_KEYS, {"includeTargets": [METHOD_TARGET_KEYS]}]
    )
    assert sent["@odata.type"] == doc.request.body["@odata.type"]
    assert (sent["allowExternalIdToUseEmailOtp"], sent["state"]) == ("enabled", "enabled")
    assert sent["includeTargets"] == [{"targetType": "group", "id": "all_users", "isRegistrationRequired": False}]


@replays("update_sms_authentication_method_configuration")
@pytest.mark.parametrize("add_all_users", [True, False])
async def test_turning_on_sms_patches_the_sms_configuration_as_the_example_does(
    graph_server: LoopbackGraph, graph: GraphClient, add_all_users: bool
) -> None:
    """smsauthenticationmethodconfiguration-update.md: PATCH .../authenticationMethodConfigurations/sms with
    `@odata.type` and state "enabled"; 204. The example's `id` repeats the path and is left out; includeTargets (in
    the SMS get example's shape) only when the configuration does not target everyone yet."""
    doc = documented("update_sms_authentication_method_configuration")
    graph_server.queue(Answer.of(doc))

    await graph.enable_authentication_method(SecondFactor.SMS, add_all_users=add_all_users)

    [request] = graph_server.requests
    assert_documented_request(request, doc, documented_path(doc))
    sent = request.json()
    known = documented("get_sms_authentication_method_configuration").response.body
    assert_body_keys(
        sent, doc.request.body, known_from=[known], omitted={"id": "the path names the configuration already"}
    )
    assert (sent["@odata.type"], sent["state"]) == (doc.request.body["@odata.type"], "enabled")
    assert ("includeTargets" in sent) is add_all_users
    assert "allowExternalIdToUseEmailOtp" not in sent
