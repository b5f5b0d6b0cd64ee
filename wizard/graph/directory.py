"""Who and where: the organization (organization-get.md) and what the token says about the caller."""

from __future__ import annotations

from wizard.errors import TenantNotReadyError
from wizard.graph.errors import GraphFailure, translate, unexpected_shape
from wizard.graph.models import Organization
from wizard.graph.transport import GraphResource
from wizard.permissions import ORGANIZATION


class DirectoryCalls(GraphResource):
    async def organization(self) -> Organization:
        """The signed-in tenant. With too little permission Graph still answers 200, with tenantType null."""
        try:
            found = await self._graph.get_json(ORGANIZATION, "organization")
        except GraphFailure as failure:
            raise translate(failure, ORGANIZATION) from None
        organizations = found.get("value")
        if organizations is not None and not isinstance(organizations, list):
            raise unexpected_shape(ORGANIZATION, "GET", "/organization", "`value` is not a list")
        if not organizations:
            raise TenantNotReadyError(
                "Graph returned no organization for the signed-in tenant",
                "sign in to the B2C tenant itself (not the tenant that holds its subscription)",
            )
        return self._parse(Organization, organizations[0], ORGANIZATION, "GET /organization")

    def signed_in_as(self) -> str | None:
        """The user (or, for an app, its app id) the token was issued to; None when the token is opaque."""
        claims = self._graph.token_claims()
        if claims is None:
            return None
        return claims.get("upn") or claims.get("unique_name") or claims.get("preferred_username") or claims.get("appid")

    def granted_permissions(self) -> set[str] | None:
        """The delegated (scp) or application (roles) permissions in the token; None when the token is opaque."""
        claims = self._graph.token_claims()
        if claims is None:
            return None
        granted = set(str(claims.get("scp") or "").split())
        roles = claims.get("roles")
        if isinstance(roles, list):
            granted.update(str(role) for role in roles)
        return granted
