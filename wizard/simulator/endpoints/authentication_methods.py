"""The tenant's authentication methods policy: the email and SMS configurations External ID's MFA uses (Graph beta).

Docs (beta): emailauthenticationmethodconfiguration-get.md, smsauthenticationmethodconfiguration-get.md,
emailauthenticationmethodconfiguration-update.md, smsauthenticationmethodconfiguration-update.md.
"""

from __future__ import annotations

import re
from typing import Any

from wizard.simulator.endpoints.core import (
    ODATA_PREFIX,
    GraphError,
    GraphRequest,
    GraphResponse,
    ResourceGroup,
    Route,
    json_response,
    odata_type,
    routes,
)

METHODS = "Policy.ReadWrite.AuthenticationMethod"
METHOD_CONFIGURATIONS = "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations"
METHOD_DEFAULTS: dict[str, dict[str, Any]] = {
    "email": {
        "@odata.type": ODATA_PREFIX + "emailAuthenticationMethodConfiguration",
        "id": "Email",
        "state": "enabled",
        "allowExternalIdToUseEmailOtp": "default",
        "includeTargets": [],
        "excludeTargets": [],
    },
    "sms": {
        "@odata.type": ODATA_PREFIX + "smsAuthenticationMethodConfiguration",
        "id": "Sms",
        "state": "disabled",
        "includeTargets": [],
        "excludeTargets": [],
    },
}
"""A new tenant's configurations: email as emailauthenticationmethodconfiguration-get.md's example answers it (on,
targeting nobody); SMS off and targeting nobody, since it is a paid add-on in External ID (the get example shows one
turned on; a new tenant's own values are not documented)."""


class AuthenticationMethodEndpoints(ResourceGroup):
    """The email and SMS method configurations: a new tenant's defaults, with what PATCHes changed on top."""

    def routes(self) -> list[Route]:
        return routes(
            [
                ("GET", f"{METHOD_CONFIGURATIONS}/(email|sms)", self.get_method_configuration, METHODS),
                ("PATCH", f"{METHOD_CONFIGURATIONS}/(email|sms)", self.update_method_configuration, METHODS),
            ]
        )

    def _method_configuration(self, method: str) -> dict[str, Any]:
        """The configuration as Graph shows it: the defaults with what PATCHes changed on top."""
        stored = self.tenant.authentication_methods.get(method, {})
        configuration = {**METHOD_DEFAULTS[method], **stored}
        if method == "sms":  # smsAuthenticationMethodTarget: the get example shows isUsableForSignIn (true)
            configuration["includeTargets"] = [
                {**target, "isUsableForSignIn": target.get("isUsableForSignIn", True)}
                for target in configuration["includeTargets"]
            ]
        return configuration

    def get_method_configuration(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        """emailauthenticationmethodconfiguration-get.md, smsauthenticationmethodconfiguration-get.md: 200 with the
        configuration, `@odata.context` first as in the examples."""
        method = match.group(1).lower()
        context = "https://graph.microsoft.com/beta/$metadata#authenticationMethodConfigurations/$entity"
        return json_response(200, {"@odata.context": context, **self._method_configuration(method)})

    def update_method_configuration(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        """emailauthenticationmethodconfiguration-update.md, smsauthenticationmethodconfiguration-update.md:
        `@odata.type` must be in the body, properties left out keep their values, 204 without a body. The pages name
        no error code for a missing type or a bad state, so the simulator answers Graph's generic 400 BadRequest."""
        method = match.group(1).lower()
        body = request.json()
        expected = METHOD_DEFAULTS[method]["@odata.type"]
        if odata_type(body.get("@odata.type")) != expected:
            raise GraphError(400, "BadRequest", f"The @odata.type {expected} is required in the body.")
        if body.get("state", "enabled") not in {"enabled", "disabled"}:
            raise GraphError(400, "BadRequest", "The state of an authentication method is 'enabled' or 'disabled'.")
        if method == "sms" and "allowExternalIdToUseEmailOtp" in body:
            raise GraphError(400, "BadRequest", "Invalid property 'allowExternalIdToUseEmailOtp' for an sms method.")
        configuration = self.tenant.authentication_methods.setdefault(method, {})
        configuration.update({key: value for key, value in body.items() if key not in ("@odata.type", "id")})
        return GraphResponse(204)
