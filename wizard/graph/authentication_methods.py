"""The tenant's authentication methods policy: turning on the method External ID's MFA asks for (Graph v1.0).

Docs: emailauthenticationmethodconfiguration-update.md (PATCH, 204, `@odata.type` required in the body) and
resources/emailauthenticationmethodconfiguration.md (`state` is `enabled` or `disabled`;
`allowExternalIdToUseEmailOtp` decides whether external users may use email one-time passcodes).
"""

from __future__ import annotations

from wizard.graph.transport import GraphResource
from wizard.permissions import AUTHENTICATION_METHODS

EMAIL_CONFIGURATION_TYPE = "#microsoft.graph.emailAuthenticationMethodConfiguration"
EMAIL_CONFIGURATION_PATH = "policies/authenticationMethodsPolicy/authenticationMethodConfigurations/email"


class AuthenticationMethodCalls(GraphResource):
    async def enable_email_otp(self) -> None:
        """Turns email one-time passcodes on for everyone, external users included. A PATCH that sets the same
        values again changes nothing, so a repeat is safe."""
        body = {
            "@odata.type": EMAIL_CONFIGURATION_TYPE,
            "state": "enabled",
            "allowExternalIdToUseEmailOtp": "enabled",
        }
        await self._graph.call(AUTHENTICATION_METHODS, "PATCH", EMAIL_CONFIGURATION_PATH, json=body, idempotent=True)
