"""The tenant's authentication methods policy: the second factor External ID's MFA asks for (Graph beta).

Docs (beta): emailauthenticationmethodconfiguration-get.md and smsauthenticationmethodconfiguration-get.md (GET,
200 with the configuration: `id` "Email"/"Sms", `state`, `includeTargets`, `excludeTargets`);
emailauthenticationmethodconfiguration-update.md and smsauthenticationmethodconfiguration-update.md (PATCH, 204,
`@odata.type` required in the body, properties left out keep their values). resources/authenticationmethodtarget.md:
a target is a group (`targetType` "group"); the SMS get example targets the group `all_users`.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from wizard.graph.errors import GraphFailure, translate
from wizard.graph.models import AuthenticationMethodConfiguration
from wizard.graph.transport import GraphResource
from wizard.permissions import AUTHENTICATION_METHODS

CONFIGURATIONS_PATH = "policies/authenticationMethodsPolicy/authenticationMethodConfigurations"
ALL_USERS = "all_users"
"""The target id the SMS get example shows for every user (a group target)."""


class SecondFactor(str, Enum):
    """An authentication method External ID offers as the second factor, by its configuration's path segment."""

    EMAIL = "email"
    SMS = "sms"

    @property
    def odata_type(self) -> str:
        return {
            SecondFactor.EMAIL: "#microsoft.graph.emailAuthenticationMethodConfiguration",
            SecondFactor.SMS: "#microsoft.graph.smsAuthenticationMethodConfiguration",
        }[self]

    @property
    def path(self) -> str:
        return f"{CONFIGURATIONS_PATH}/{self.value}"


def enable_body(method: SecondFactor, *, add_all_users: bool) -> dict[str, Any]:
    """The PATCH that turns `method` on: `state` enabled (both update pages), for email also
    `allowExternalIdToUseEmailOtp` enabled (the email resource page: whether external users may use email OTP),
    and, when the configuration does not target everyone yet, `includeTargets` the all-users group."""
    body: dict[str, Any] = {"@odata.type": method.odata_type, "state": "enabled"}
    if method is SecondFactor.EMAIL:
        body["allowExternalIdToUseEmailOtp"] = "enabled"
    if add_all_users:
        body["includeTargets"] = [{"targetType": "group", "id": ALL_USERS, "isRegistrationRequired": False}]
    return body


class AuthenticationMethodCalls(GraphResource):
    async def authentication_method(self, method: SecondFactor) -> AuthenticationMethodConfiguration:
        """The method's configuration; every tenant has one for each method (the get pages show no "absent")."""
        try:
            found = await self._graph.get_json(AUTHENTICATION_METHODS, method.path)
        except GraphFailure as failure:
            raise translate(failure, AUTHENTICATION_METHODS) from None
        return self._parse(AuthenticationMethodConfiguration, found, AUTHENTICATION_METHODS, f"GET /{method.path}")

    async def enable_authentication_method(self, method: SecondFactor, *, add_all_users: bool) -> None:
        """Turns `method` on for everyone. A PATCH that sets the same values again changes nothing, so a repeat is
        safe."""
        body = enable_body(method, add_all_users=add_all_users)
        await self._graph.call(AUTHENTICATION_METHODS, "PATCH", method.path, json=body, idempotent=True)
