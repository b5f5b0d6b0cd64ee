"""Identity providers and B2C user flows (Graph beta).

Docs: identitycontainer-list-identityproviders.md, identitycontainer-post-identityproviders.md,
identityproviderbase-get.md, identityproviderbase-update.md, identityproviderbase-delete.md,
identitycontainer-list-b2cuserflows.md, identitycontainer-post-b2cuserflows.md, b2cidentityuserflow-get.md,
b2cidentityuserflow-delete.md, b2cidentityuserflow-list-userflowidentityproviders.md,
b2cidentityuserflow-post-userflowidentityproviders.md.
"""

from __future__ import annotations

import re
from typing import Any

from wizard.simulator import external_id, representations
from wizard.simulator.endpoints.core import (
    ODATA_PREFIX,
    SEGMENT,
    GraphError,
    GraphRequest,
    GraphResponse,
    ResourceGroup,
    Route,
    json_response,
    not_found,
    odata_type,
    public,
    routes,
)
from wizard.simulator.tenant import CREATED, find_key

PROVIDERS = "IdentityProvider.ReadWrite.All"
USER_FLOWS = "IdentityUserFlow.ReadWrite.All"
OIDC_TYPE = ODATA_PREFIX + "openIdConnectIdentityProvider"
SECRET_OF_TYPE = {
    OIDC_TYPE: "clientSecret",
    ODATA_PREFIX + "socialIdentityProvider": "clientSecret",
    ODATA_PREFIX + "identityProvider": "clientSecret",
    ODATA_PREFIX + "appleManagedIdentityProvider": "certificateData",
}
"""The property holding each provider type's secret: never kept, read back masked (the list examples)."""
OIDC_REQUIRED = ("displayName", "clientId", "clientSecret", "metadataUrl", "responseType", "scope", "claimsMapping")
RESPONSE_MODES = {"form_post", "query"}
RESPONSE_TYPES = {"code", "id_token", "token"}
USER_FLOW_PREFIX = "B2C_1_"
MASKED_SECRET = "******"
"""How identity provider secrets read back in the list and get examples."""
ALREADY_ATTACHED = (
    "One or more added object references already exist for the following modified properties: "
    "'userFlowIdentityProviders'."
)


class IdentityEndpoints(ResourceGroup):
    """The tenant's identity providers (External ID's flows offer them too) and its B2C user flows."""

    def routes(self) -> list[Route]:
        provider, flow = f"/identity/identityProviders/{SEGMENT}", f"/identity/b2cUserFlows/{SEGMENT}"
        return routes(
            [
                ("GET", "/identity/identityProviders", self.list_providers, PROVIDERS),
                ("POST", "/identity/identityProviders", self.create_provider, PROVIDERS),
                ("GET", provider, self.get_provider, PROVIDERS),
                ("PATCH", provider, self.update_provider, PROVIDERS),
                ("DELETE", provider, self.delete_provider, PROVIDERS),
                ("GET", "/identity/b2cUserFlows", self.list_user_flows, USER_FLOWS),
                ("POST", "/identity/b2cUserFlows", self.create_user_flow, USER_FLOWS),
                ("GET", flow, self.get_user_flow, USER_FLOWS),
                ("DELETE", flow, self.delete_user_flow, USER_FLOWS),
                # Reading the providers: the current navigation and the deprecated one both still list.
                (
                    "GET",
                    f"{flow}/(?:userFlowIdentityProviders|identityProviders)",
                    self.list_user_flow_providers,
                    USER_FLOWS,
                ),
                # Attaching one: only the current navigation (b2cidentityuserflow-post-userflowidentityproviders.md).
                ("POST", rf"{flow}/userFlowIdentityProviders/\$ref", self.attach_user_flow_provider, USER_FLOWS),
            ]
        )

    # Identity providers

    def provider_id(self, identifier: str) -> str:
        stored = find_key(self.tenant.identity_providers, identifier)
        if stored is None or not self._settled(self.tenant.identity_providers[stored]):
            raise not_found("identityProvider", identifier)
        return stored

    @staticmethod
    def shown_provider(provider: dict[str, Any]) -> dict[str, Any]:
        if external_id.is_oidc_federation(provider):
            return external_id.shown_oidc_federation(provider)
        shown = public(provider)
        secret = SECRET_OF_TYPE.get(provider.get("@odata.type", ""))
        if secret is not None:
            shown[secret] = MASKED_SECRET
        return shown

    @staticmethod
    def _check_provider(provider: dict[str, Any]) -> None:
        if provider.get("@odata.type") == OIDC_TYPE:
            missing = [name for name in OIDC_REQUIRED if not provider.get(name)]
            if missing:
                raise GraphError(
                    400, "Request_BadRequest", f"Invalid value specified for property(s): {', '.join(missing)}."
                )
            if provider.get("responseMode", "form_post") not in RESPONSE_MODES:
                raise GraphError(400, "Request_BadRequest", "Invalid value specified for property 'responseMode'.")
            if provider["responseType"] not in RESPONSE_TYPES:
                raise GraphError(400, "Request_BadRequest", "Invalid value specified for property 'responseType'.")

    def list_providers(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        """An external tenant lists its built-in providers too, and its custom OpenID Connect ones as the list page's
        external-tenant example spells them."""
        providers = self._visible(self.tenant.identity_providers.values())
        context = representations.IDENTITY_PROVIDERS
        if not external_id.is_external_tenant(self.tenant):
            return self._page(request, [self.shown_provider(provider) for provider in providers], context)
        shown = [
            external_id.listed_oidc_federation(provider)
            if external_id.is_oidc_federation(provider)
            else self.shown_provider(provider)
            for provider in providers
        ]
        return self._page(request, [*external_id.BUILT_IN_PROVIDERS.values(), *shown], context)

    def create_provider(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        body = request.json()
        kind = odata_type(body.get("@odata.type"))
        if kind is None:
            raise GraphError(
                400, "Request_BadRequest", "The @odata.type of the identity provider is missing or not valid."
            )
        if external_id.is_oidc_federation(body):
            return self._create_oidc_federation(body)
        body["@odata.type"] = kind
        self._check_provider(body)
        secret_name = SECRET_OF_TYPE.get(kind, "clientSecret")
        secret = body.pop(secret_name, None)  # never kept, so never in the state file
        prefix = "OIDC" if kind == OIDC_TYPE else body.get("identityProviderType", "IdP")
        provider = self._stamped({**body, "id": f"{prefix}-{self._new_id()}"})
        self.tenant.identity_providers[provider["id"]] = provider
        # As identitycontainer-post-identityproviders.md shows it: the type without '#', the secret echoed.
        created = {**public(provider), "@odata.type": kind.removeprefix("#")}
        if secret is not None:
            created[secret_name] = secret
        return json_response(201, created)

    def _create_oidc_federation(self, body: dict[str, Any]) -> GraphResponse:
        external_id.check_oidc_federation(self.tenant, body, GraphError)
        provider = self._stamped({**external_id.stored_oidc_federation(body), "id": self._new_id()})
        self.tenant.identity_providers[provider["id"]] = provider
        created = {
            **external_id.shown_oidc_federation(provider),
            "@odata.type": external_id.OIDC_FEDERATION_CREATED_TYPE,
        }
        return json_response(201, created)

    def get_provider(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        return json_response(200, self.shown_provider(self.tenant.identity_providers[self.provider_id(match.group(1))]))

    def update_provider(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        provider = self.tenant.identity_providers[self.provider_id(match.group(1))]
        body = request.json()
        body.pop("@odata.type", None)
        body.pop(CREATED, None)
        if external_id.is_oidc_federation(provider):
            merged = {**provider, **body}
            external_id.check_oidc_federation(self.tenant, merged, GraphError)
            provider.update(external_id.stored_oidc_federation(merged))
            return GraphResponse(204)
        secret_name = SECRET_OF_TYPE.get(provider.get("@odata.type", ""), "clientSecret")
        updated = {**provider, **body, secret_name: MASKED_SECRET}
        self._check_provider(updated)
        body.pop(secret_name, None)
        provider.update(body)
        return GraphResponse(204)

    def delete_provider(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        provider_id = self.provider_id(match.group(1))
        del self.tenant.identity_providers[provider_id]
        for flow in (*self.tenant.user_flows.values(), *self.tenant.authentication_events_flows.values()):
            flow["_providers"] = [p for p in flow["_providers"] if p != provider_id]
        return GraphResponse(204)

    # B2C user flows

    def _flow_id(self, identifier: str) -> str:
        stored = find_key(self.tenant.user_flows, identifier)
        if stored is None or not self._settled(self.tenant.user_flows[stored]):
            raise not_found("b2cIdentityUserFlow", identifier)
        return stored

    def list_user_flows(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        return self._page(request, self._visible(self.tenant.user_flows.values()))

    def create_user_flow(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        body = request.json()
        name = str(body.get("id") or "")
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,100}", name):
            raise GraphError(400, "Request_BadRequest", f"The user flow id '{name}' is not valid.")
        if body.get("userFlowType") not in (
            "signUp",
            "signIn",
            "signUpOrSignIn",
            "passwordReset",
            "profileUpdate",
            "resourceOwner",
        ):
            raise GraphError(400, "Request_BadRequest", "Invalid value specified for property 'userFlowType'.")
        if body.get("userFlowTypeVersion") not in (1, 2, 3):
            raise GraphError(400, "Request_BadRequest", "Invalid value specified for property 'userFlowTypeVersion'.")
        flow_id = USER_FLOW_PREFIX + name
        if find_key(self.tenant.user_flows, flow_id) is not None:  # uniqueness sees replicating flows too
            raise GraphError(409, "AADB2C", f"A user flow with the id '{flow_id}' already exists.")
        flow = self._stamped(
            {
                "id": flow_id,
                "userFlowType": body["userFlowType"],
                # The docs type it Single but show 3 (identitycontainer-post-b2cuserflows.md): served as shown.
                "userFlowTypeVersion": int(body["userFlowTypeVersion"]),
                "isLanguageCustomizationEnabled": False,
                "defaultLanguageTag": "en",
                "_providers": [],
            }
        )
        self.tenant.user_flows[flow_id] = flow
        created = json_response(201, public(flow))
        created.headers["Location"] = f"{request.base_url}/identity/b2cUserFlows/{flow_id}"  # absolute, as documented
        return created

    def get_user_flow(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        return json_response(200, public(self.tenant.user_flows[self._flow_id(match.group(1))]))

    def delete_user_flow(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        del self.tenant.user_flows[self._flow_id(match.group(1))]
        return GraphResponse(204)

    def list_user_flow_providers(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        flow = self.tenant.user_flows[self._flow_id(match.group(1))]
        providers = self.tenant.identity_providers
        attached = self._visible(providers[p] for p in flow["_providers"] if p in providers)
        shown = [self.shown_provider(provider) for provider in attached]
        return self._page(request, shown, representations.PROVIDER_COLLECTION)

    def attach_user_flow_provider(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        flow = self.tenant.user_flows[self._flow_id(match.group(1))]
        reference = str(request.json().get("@odata.id") or "")
        named = re.search(r"/identityProviders/([^/]+)/?$", reference, re.IGNORECASE)
        if named is None:
            raise GraphError(
                400,
                "Request_BadRequest",
                "The @odata.id must name an identity provider: …/identity/identityProviders/{id}.",
            )
        provider_id = self.provider_id(named.group(1))
        if provider_id in flow["_providers"]:
            raise GraphError(400, "Request_BadRequest", ALREADY_ATTACHED)
        flow["_providers"].append(provider_id)
        return GraphResponse(204)
