"""Entra External ID: the custom OpenID Connect provider (Graph beta) and the sign-up/sign-in user flow.

Docs (microsoft-graph-docs-contrib):
- beta identitycontainer-post-identityproviders.md, Example 4 (external tenant): `@odata.type`
  `#microsoft.graph.OidcIdentityProvider` (the resource page, beta resources/oidcidentityprovider.md, spells it
  `oidcIdentityProvider`: compared without case), `issuer`, `wellKnownEndpoint`, `responseType` "code", `scope`,
  `clientAuthentication` (`oidcClientSecretAuthentication` with `clientSecret`; its answer masks the secret),
  `inboundClaimMapping`; identityproviderbase-update.md Example 4 (PATCH, 204).
- v1.0 identitycontainer-post-authenticationeventsflows.md (POST, 201; the answer's onAuthenticationMethodLoadStart
  leaves out identityProviders, so the flow's providers are read from their own list),
  identitycontainer-list-authenticationeventsflows.md, onauthenticationmethodloadstartexternalusersselfservicesignup
  -list-/-post-/-delete-identityproviders.md, authenticationconditionsapplications-list-/-post-includeapplications.md.
  Those v1.0 pages' own examples send several of these requests to /beta, and the resources are the same there, so
  they go through the one Graph root the client has, like every other call of the tool.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wizard.graph.errors import GraphFailure, unexpected_shape
from wizard.graph.models import AuthenticationEventsFlow
from wizard.graph.transport import GraphResource, path_segment
from wizard.permissions import EVENT_LISTENERS

OIDC_FEDERATION_TYPE = "#microsoft.graph.oidcIdentityProvider"
CLIENT_SECRET_AUTHENTICATION_TYPE = "#microsoft.graph.oidcClientSecretAuthentication"
SIGN_UP_FLOW_TYPE = "#microsoft.graph.externalUsersSelfServiceSignUpEventsFlow"
METHOD_LOAD_TYPE = "#microsoft.graph.onAuthenticationMethodLoadStartExternalUsersSelfServiceSignUp"
FLOW_START_TYPE = "#microsoft.graph.onInteractiveAuthFlowStartExternalUsersSelfServiceSignUp"
FLOWS_PATH = "identity/authenticationEventsFlows"
FLOW_PROVIDERS = (
    "microsoft.graph.externalUsersSelfServiceSignUpEventsFlow/onAuthenticationMethodLoadStart/"
    "microsoft.graph.onAuthenticationMethodLoadStartExternalUsersSelfServiceSignUp/identityProviders"
)
APPLICATION_CONDITION_TYPE = "#microsoft.graph.authenticationConditionApplication"
ALREADY_REFERENCED = "already exist"


@dataclass(frozen=True)
class OidcFederationSpec:
    """A custom OpenID Connect provider of an external tenant (the Asignio values come from the steps)."""

    display_name: str
    client_id: str
    issuer: str
    well_known_endpoint: str
    scope: str
    claim_mapping: dict[str, str]
    response_type: str = "code"
    """The only response type External ID supports (resources/oidcidentityprovider.md)."""

    def body(self, client_secret: str) -> dict[str, Any]:
        return {
            "@odata.type": OIDC_FEDERATION_TYPE,
            "displayName": self.display_name,
            "clientId": self.client_id,
            "issuer": self.issuer,
            "wellKnownEndpoint": self.well_known_endpoint,
            "responseType": self.response_type,
            "scope": self.scope,
            "clientAuthentication": {"@odata.type": CLIENT_SECRET_AUTHENTICATION_TYPE, "clientSecret": client_secret},
            "inboundClaimMapping": dict(self.claim_mapping),
        }


def flow_providers_path(flow_id: str) -> str:
    return f"{FLOWS_PATH}/{path_segment(flow_id)}/{FLOW_PROVIDERS}"


def flow_applications_path(flow_id: str) -> str:
    return f"{FLOWS_PATH}/{path_segment(flow_id)}/conditions/applications/includeApplications"


class ExternalIdCalls(GraphResource):
    # The sign-up/sign-in user flow

    async def sign_up_flows(self) -> list[AuthenticationEventsFlow]:
        found = await self._graph.list_all(EVENT_LISTENERS, FLOWS_PATH)
        return self._parse_all(AuthenticationEventsFlow, found, EVENT_LISTENERS, f"GET /{FLOWS_PATH}")

    async def create_sign_up_flow(self, display_name: str, provider_ids: list[str]) -> AuthenticationEventsFlow:
        """Sign-up allowed, offering `provider_ids`. Not idempotent (Graph picks the id): the step notes its intent
        first and looks for the flow by name before a second try."""
        body = {
            "@odata.type": SIGN_UP_FLOW_TYPE,
            "displayName": display_name,
            "onInteractiveAuthFlowStart": {"@odata.type": FLOW_START_TYPE, "isSignUpAllowed": True},
            "onAuthenticationMethodLoadStart": {
                "@odata.type": METHOD_LOAD_TYPE,
                "identityProviders": [{"id": provider_id} for provider_id in provider_ids],
            },
        }

        async def post() -> dict[str, Any]:
            response = await self._graph.send(EVENT_LISTENERS, "POST", FLOWS_PATH, json=body, idempotent=False)
            return self._graph.parse_json(EVENT_LISTENERS, response)

        # A provider made moments ago may not be visible to the flow service yet: Graph answers 404 for it.
        created = await self._graph.patiently(EVENT_LISTENERS, f"the provider for {display_name}", post)
        return self._parse(AuthenticationEventsFlow, created, EVENT_LISTENERS, f"POST /{FLOWS_PATH}")

    async def flow_provider_ids(self, flow_id: str) -> list[str]:
        async def read() -> list[dict[str, Any]]:
            # The documented list path ends with '/' (…-list-identityproviders.md).
            return await self._graph.pages(EVENT_LISTENERS, flow_providers_path(flow_id) + "/")

        providers = await self._graph.patiently(EVENT_LISTENERS, f"the user flow {flow_id}", read)
        return [str(provider["id"]) for provider in providers if provider.get("id")]

    async def add_flow_provider(self, flow_id: str, provider_id: str) -> None:
        """Offer the provider in the flow (204); already offered is fine. The doc's example names the provider as
        `…/identityProviders/{id}` under the Graph root."""
        reference = {"@odata.id": f"{self._graph.graph_url}/identityProviders/{path_segment(provider_id)}"}

        async def post() -> None:
            try:
                await self._graph.send(
                    EVENT_LISTENERS, "POST", flow_providers_path(flow_id) + "/$ref", json=reference, idempotent=True
                )
            except GraphFailure as failure:
                if failure.is_conflict or (failure.status == 400 and failure.has_message(ALREADY_REFERENCED)):
                    return
                raise

        await self._graph.patiently(EVENT_LISTENERS, f"the user flow {flow_id} and the provider {provider_id}", post)

    async def remove_flow_provider(self, flow_id: str, provider_id: str) -> bool:
        """Stop offering the provider (204); False when the flow did not offer it."""
        path = f"{flow_providers_path(flow_id)}/{path_segment(provider_id)}/$ref"
        return await self._graph.delete_optional(EVENT_LISTENERS, path)

    async def flow_app_ids(self, flow_id: str) -> list[str]:
        async def read() -> list[dict[str, Any]]:
            # The documented list path ends with '/' (authenticationconditionsapplications-list-includeapplications.md).
            return await self._graph.pages(EVENT_LISTENERS, flow_applications_path(flow_id) + "/")

        linked = await self._graph.patiently(EVENT_LISTENERS, f"the user flow {flow_id}", read)
        return [str(item["appId"]).lower() for item in linked if item.get("appId")]

    async def link_flow_app(self, flow_id: str, app_id: str) -> None:
        """Let the app sign in through the flow (201 with the appId). Repeating it for a linked app is refused by
        Graph with a 4xx; the step looks first, so it only links an app the flow does not have."""
        body = {"@odata.type": APPLICATION_CONDITION_TYPE, "appId": app_id}
        path = flow_applications_path(flow_id)

        async def post() -> dict[str, Any]:
            response = await self._graph.send(EVENT_LISTENERS, "POST", path, json=body, idempotent=False)
            return self._graph.parse_json(EVENT_LISTENERS, response)

        # An app registered moments ago may not be visible to the flow yet: Graph answers 404 until it is.
        linked = await self._graph.patiently(EVENT_LISTENERS, f"the app {app_id} for the user flow {flow_id}", post)
        if str(linked.get("appId", "")).lower() != app_id.lower():
            raise unexpected_shape(EVENT_LISTENERS, "POST", f"/{path}", "the answer names another appId")
