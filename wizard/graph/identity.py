"""Identity providers and B2C user flows (Graph beta).

Docs: identitycontainer-list-identityproviders.md, identitycontainer-post-identityproviders.md,
identityproviderbase-update.md, identityproviderbase-delete.md, b2cidentityuserflow-get.md,
identitycontainer-post-b2cuserflows.md, b2cidentityuserflow-list-userflowidentityproviders.md,
b2cidentityuserflow-post-userflowidentityproviders.md, b2cidentityuserflow-delete.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from wizard.graph.errors import GraphFailure, translate
from wizard.graph.models import IdentityProvider, UserFlow, strip_prefix, with_prefix
from wizard.graph.transport import GraphResource, path_segment
from wizard.permissions import PROVIDERS, USER_FLOWS

OIDC_TYPE = "#microsoft.graph.openIdConnectIdentityProvider"
USER_FLOW_PREFIX = "B2C_1_"
SIGN_UP_OR_SIGN_IN = "signUpOrSignIn"
RECOMMENDED_VERSION = 3
METHOD_NOT_ALLOWED = 405
ALREADY_REFERENCED = "already exist"
"""Graph's wording when a $ref being added is there already ("One or more added object references already exist")."""


@dataclass(frozen=True)
class OidcProviderSpec:
    """An OpenID Connect identity provider to create or update (the Asignio values come from steps.provider_spec)."""

    display_name: str
    client_id: str
    metadata_url: str
    scope: str
    response_type: str
    response_mode: str
    domain_hint: str | None
    claims_mapping: dict[str, str]

    def body(self, client_secret: str) -> dict[str, Any]:
        return {
            "@odata.type": OIDC_TYPE,
            "displayName": self.display_name,
            "clientId": self.client_id,
            "clientSecret": client_secret,
            "metadataUrl": self.metadata_url,
            "scope": self.scope,
            "responseType": self.response_type,
            "responseMode": self.response_mode,
            "domainHint": self.domain_hint,
            "claimsMapping": dict(self.claims_mapping),
        }


class ProviderSpec(Protocol):
    """A provider's wanted settings, as the body Graph takes: B2C's openIdConnectIdentityProvider or External ID's
    oidcIdentityProvider; both are created and updated at the same identityProviders endpoints."""

    @property
    def display_name(self) -> str: ...

    @property
    def client_id(self) -> str: ...

    def body(self, client_secret: str) -> dict[str, Any]: ...


class IdentityCalls(GraphResource):
    # Identity providers

    async def identity_providers(self) -> list[IdentityProvider]:
        found = await self._graph.list_all(PROVIDERS, "identity/identityProviders")
        return self._parse_all(IdentityProvider, found, PROVIDERS, "GET /identity/identityProviders")

    async def identity_providers_named(self, display_name: str) -> list[IdentityProvider]:
        """The tenant's providers of that display name, compared without case (the name is how steps find theirs)."""
        wanted = display_name.lower()
        return [provider for provider in await self.identity_providers() if provider.display_name.lower() == wanted]

    async def create_oidc_provider(self, spec: ProviderSpec, client_secret: str) -> IdentityProvider:
        """Not idempotent (Graph picks the id): the step records its intent first and looks before a second try."""
        response = await self._graph.call(
            PROVIDERS, "POST", "identity/identityProviders", json=spec.body(client_secret), idempotent=False
        )
        return self._parse(
            IdentityProvider, self._graph.parse_json(PROVIDERS, response), PROVIDERS, "POST /identity/identityProviders"
        )

    async def update_oidc_provider(self, provider_id: str, spec: ProviderSpec, client_secret: str) -> None:
        path = f"identity/identityProviders/{path_segment(provider_id)}"

        async def patch() -> None:
            await self._graph.send(PROVIDERS, "PATCH", path, json=spec.body(client_secret), idempotent=True)

        await self._graph.patiently(PROVIDERS, f"the identity provider {provider_id}", patch)

    async def delete_identity_provider(self, provider_id: str) -> bool:
        """Delete the provider (204); False when the tenant has no such provider."""
        path = f"identity/identityProviders/{path_segment(provider_id)}"
        return await self._graph.delete_optional(PROVIDERS, path)

    # User flows

    async def user_flow(self, flow_id: str) -> UserFlow | None:
        found = await self._graph.get_optional(USER_FLOWS, f"identity/b2cUserFlows/{path_segment(flow_id)}")
        return None if found is None else self._parse(UserFlow, found, USER_FLOWS, "GET /identity/b2cUserFlows/{id}")

    async def create_user_flow(self, flow_id: str) -> UserFlow:
        """A sign-up-or-sign-in flow, recommended version; B2C adds the B2C_1_ prefix to the id itself. An existing
        one is returned as it is, once Graph shows it."""
        bare, full_id = strip_prefix(flow_id, USER_FLOW_PREFIX), with_prefix(flow_id, USER_FLOW_PREFIX)
        body = {"id": bare, "userFlowType": SIGN_UP_OR_SIGN_IN, "userFlowTypeVersion": RECOMMENDED_VERSION}
        try:
            # A second create answers 409, "it exists".
            response = await self._graph.send(USER_FLOWS, "POST", "identity/b2cUserFlows", json=body, idempotent=True)
        except GraphFailure as failure:
            if not failure.is_conflict:
                raise translate(failure, USER_FLOWS) from None
            return await self._shown(f"the user flow {full_id}", "says it has", lambda: self.user_flow(full_id))
        return self._parse(
            UserFlow, self._graph.parse_json(USER_FLOWS, response), USER_FLOWS, "POST /identity/b2cUserFlows"
        )

    async def delete_user_flow(self, flow_id: str) -> bool:
        """Delete the user flow (204, b2cidentityuserflow-delete.md); False when the tenant has no such flow."""
        path = f"identity/b2cUserFlows/{path_segment(flow_id)}"
        return await self._graph.delete_optional(USER_FLOWS, path)

    async def user_flow_provider_ids(self, flow_id: str) -> list[str]:
        path = f"identity/b2cUserFlows/{path_segment(flow_id)}/userFlowIdentityProviders"

        async def read() -> list[dict[str, Any]]:
            return await self._graph.pages(USER_FLOWS, path)

        providers = await self._graph.patiently(USER_FLOWS, f"the user flow {flow_id}", read)
        return [str(provider["id"]) for provider in providers if provider.get("id")]

    async def attach_provider(self, flow_id: str, provider_id: str) -> None:
        """Offer the provider in the flow; already offered is fine. The current doc says POST
        …/userflowIdentityProviders/$ref, older revisions PATCH: a 405 to the one gets the other."""
        path = f"identity/b2cUserFlows/{path_segment(flow_id)}/userFlowIdentityProviders/$ref"
        reference = {"@odata.id": f"{self._graph.graph_url}/identity/identityProviders/{path_segment(provider_id)}"}

        async def post() -> None:
            try:
                try:
                    await self._graph.send(USER_FLOWS, "POST", path, json=reference, idempotent=True)
                except GraphFailure as failure:
                    if failure.status != METHOD_NOT_ALLOWED:
                        raise
                    await self._graph.send(USER_FLOWS, "PATCH", path, json=reference, idempotent=True)
            except GraphFailure as failure:
                if failure.is_conflict or (failure.status == 400 and failure.has_message(ALREADY_REFERENCED)):
                    return
                raise

        await self._graph.patiently(USER_FLOWS, f"the user flow {flow_id} and the provider {provider_id}", post)
