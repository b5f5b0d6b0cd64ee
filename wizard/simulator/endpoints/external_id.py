"""Entra External ID's sign-up and sign-in user flows (authenticationEventsFlows, Graph beta); their providers are
the identity group's.

Docs (v1.0 pages; their own examples send several of these requests to /beta, where the resources are the same):
identitycontainer-list-authenticationeventsflows.md, identitycontainer-post-authenticationeventsflows.md,
authenticationeventsflow-get.md, onauthenticationmethodloadstartexternalusersselfservicesignup-list-/-post-/-delete-
identityproviders.md, authenticationconditionsapplications-list-/-post-includeapplications.md.
"""

from __future__ import annotations

import re
from typing import Any

from wizard.simulator import external_id, representations
from wizard.simulator.endpoints.core import (
    SEGMENT,
    GraphError,
    GraphRequest,
    GraphResponse,
    Knobs,
    ResourceGroup,
    Route,
    json_response,
    not_found,
    routes,
)
from wizard.simulator.endpoints.identity import IdentityEndpoints
from wizard.simulator.tenant import SimulatedTenant

LISTENERS = "EventListener.ReadWrite.All"


class ExternalIdEndpoints(ResourceGroup):
    """An external tenant's sign-up and sign-in flows, the providers they offer and the apps linked to them."""

    def __init__(self, tenant: SimulatedTenant, knobs: Knobs, identity: IdentityEndpoints) -> None:
        super().__init__(tenant, knobs)
        self.identity = identity
        """The identity group, whose providers a flow offers."""

    def routes(self) -> list[Route]:
        flow = rf"/identity/authenticationEventsFlows/{SEGMENT}"
        flow_providers = (
            flow + r"/microsoft\.graph\.externalUsersSelfServiceSignUpEventsFlow/onAuthenticationMethodLoadStart"
            r"/microsoft\.graph\.onAuthenticationMethodLoadStartExternalUsersSelfServiceSignUp/identityProviders"
        )
        flow_apps = flow + "/conditions/applications/includeApplications"
        return routes(
            [
                ("GET", "/identity/authenticationEventsFlows", self.list_flows, LISTENERS),
                ("POST", "/identity/authenticationEventsFlows", self.create_flow, LISTENERS),
                ("GET", flow, self.get_flow, LISTENERS),
                ("GET", flow_providers, self.list_flow_providers, LISTENERS),
                ("POST", flow_providers + r"/\$ref", self.add_flow_provider, LISTENERS),
                ("DELETE", flow_providers + rf"/{SEGMENT}/\$ref", self.remove_flow_provider, LISTENERS),
                ("GET", flow_apps, self.list_flow_apps, LISTENERS),
                ("POST", flow_apps, self.link_flow_app, LISTENERS),
            ]
        )

    def _flow(self, identifier: str) -> dict[str, Any]:
        return self._object(self.tenant.authentication_events_flows, "authenticationEventsFlow", identifier)

    def _offered(self, provider_id: str) -> dict[str, Any]:
        """A provider a flow may offer: a built-in one, or one of the tenant's (replicated: else 404)."""
        if provider_id in external_id.BUILT_IN_PROVIDERS:
            return external_id.BUILT_IN_PROVIDERS[provider_id]
        return self.identity.shown_provider(self.tenant.identity_providers[self.identity.provider_id(provider_id)])

    def _flow_providers(self, flow: dict[str, Any]) -> list[dict[str, Any]]:
        shown = []
        for provider_id in flow["_providers"]:
            stored = self.tenant.identity_providers.get(provider_id)
            if provider_id in external_id.BUILT_IN_PROVIDERS:
                shown.append(external_id.BUILT_IN_PROVIDERS[provider_id])
            elif stored is not None and self._settled(stored):
                shown.append(self.identity.shown_provider(stored))
        return shown

    def _refuse_linked_elsewhere(self, app_id: str, flow_id: str | None) -> None:
        for other in self.tenant.authentication_events_flows.values():
            if app_id.lower() in (linked.lower() for linked in other["_apps"]):
                raise GraphError(
                    400,
                    "Request_BadRequest",
                    f"The application '{app_id}' is already linked to the user flow '{other['id']}'"
                    + ("." if other["id"] == flow_id else "; an application can be linked to one user flow only."),
                )

    def list_flows(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        flows = self._visible(self.tenant.authentication_events_flows.values())
        return self._page(request, [external_id.listed_flow_view(f, self._flow_providers(f)) for f in flows])

    def create_flow(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        body = request.json()
        if not external_id.same_type(body.get("@odata.type"), external_id.SIGN_UP_FLOW_TYPE):
            raise GraphError(
                400,
                "Request_BadRequest",
                "The @odata.type must be #microsoft.graph.externalUsersSelfServiceSignUpEventsFlow.",
            )
        name = body.get("displayName")
        if not isinstance(name, str) or not name.strip():
            raise GraphError(400, "Request_BadRequest", "Property 'displayName' is required.")
        if any(f["displayName"].lower() == name.lower() for f in self.tenant.authentication_events_flows.values()):
            raise GraphError(400, "Request_BadRequest", f"A user flow named '{name}' already exists.")
        load = body.get("onAuthenticationMethodLoadStart") or {}
        provider_ids = [str(item.get("id") or "") for item in load.get("identityProviders") or []]
        if not provider_ids:
            raise GraphError(400, "Request_BadRequest", "At least one identity provider must be specified.")
        resolved = [self._offered(provider_id)["id"] for provider_id in provider_ids]
        apps = ((body.get("conditions") or {}).get("applications") or {}).get("includeApplications") or []
        app_ids = [str(item.get("appId") or "") for item in apps]
        for app_id in app_ids:
            self._refuse_linked_elsewhere(app_id, None)
        flow = external_id.new_flow(body, resolved)
        flow["_apps"] = app_ids
        self.tenant.authentication_events_flows[flow["id"]] = flow
        return json_response(201, external_id.created_flow_view(flow))

    def get_flow(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        flow = self._flow(match.group(1))
        return json_response(200, external_id.listed_flow_view(flow, self._flow_providers(flow)))

    def list_flow_providers(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        providers = self._flow_providers(self._flow(match.group(1)))
        return self._page(request, providers, representations.FLOW_PROVIDER_COLLECTION)

    def add_flow_provider(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        flow = self._flow(match.group(1))
        named = external_id.PROVIDER_REFERENCE.search(str(request.json().get("@odata.id") or ""))
        if named is None:
            raise GraphError(400, "Request_BadRequest", "The @odata.id must name an identity provider.")
        provider_id = self._offered(named.group(1))["id"]
        if provider_id in flow["_providers"]:
            raise GraphError(
                400,
                "Request_BadRequest",
                "One or more added object references already exist for the following modified properties: "
                "'identityProviders'.",
            )
        flow["_providers"].append(provider_id)
        return GraphResponse(204)

    def remove_flow_provider(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        flow = self._flow(match.group(1))
        provider_id = match.group(2)
        if provider_id not in flow["_providers"]:
            raise not_found("identityProvider", provider_id)
        flow["_providers"].remove(provider_id)
        return GraphResponse(204)

    def list_flow_apps(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        flow = self._flow(match.group(1))
        context = (
            f"{representations.METADATA}#identity/authenticationEventsFlows('{flow['id']}')"
            "/conditions/applications/includeApplications"
        )
        return self._page(request, [{"appId": app_id} for app_id in flow["_apps"]], context)

    def link_flow_app(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        flow = self._flow(match.group(1))
        app_id = str(request.json().get("appId") or "")
        if not app_id:
            raise GraphError(400, "Request_BadRequest", "Property 'appId' is required.")
        self._visible_by(self.tenant.applications, "application", "appId", app_id)
        self._refuse_linked_elsewhere(app_id, flow["id"])
        flow["_apps"].append(app_id)
        context = (
            f"https://graph.microsoft.com/beta/$metadata#identity/authenticationEventsFlows('{flow['id']}')"
            "/conditions/applications/includeApplications/$entity"
        )
        return json_response(201, {"@odata.context": context, "appId": app_id})
