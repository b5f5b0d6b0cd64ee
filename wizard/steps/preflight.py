"""The first step of every path: the tenant is the answers' tenant, of the platform the path needs, and the token can do
the job."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wizard.answers import Pivot
from wizard.errors import PermissionMissingError, SignInError, TenantNotReadyError
from wizard.graph.models import same_text
from wizard.permissions import (
    ORGANIZATION,
    accepted_for,
)
from wizard.steps.base import (
    B2C_TENANT_TYPE,
    EXTERNAL_ID_TENANT_TYPE,
    Finding,
    Step,
    StepContext,
    permissions_for,
)

if TYPE_CHECKING:
    from wizard.answers import TenantAnswers
    from wizard.graph import GraphClient, Organization


class Preflight(Step[None]):
    """Sign-in works, the tenant is the one in the answers, of the path's platform, the token can do the job."""

    id = "preflight"
    title = "Check the tenant and the permissions"
    answer_sections = ("tenant", "setup", "auth")
    writes = False
    outputs = ("organization",)

    async def check(self, ctx: StepContext) -> Finding[None]:
        organization = await verify_tenant(
            ctx.graph, ctx.answers.tenant, permissions_for(ctx.answers), ctx.answers.setup.pivot
        )
        ctx.facts.organization = organization
        who = ctx.graph.signed_in_as()
        signed_in = f", signed in as {who}" if who else ""
        return Finding(
            True,
            f"{organization.initial_domain} is {platform_name(organization.tenant_type)}{signed_in}",
            {"tenant_id": organization.id},
        )


async def verify_tenant(
    graph: GraphClient, tenant: TenantAnswers, required: tuple[str, ...], pivot: Pivot | None = None
) -> Organization:
    """The signed-in tenant, once it is known to be the answers' tenant, of the platform `pivot` needs (B2C or
    External ID; either when no path is chosen yet), and the token to carry `required`; raises a sentence saying
    which of those is not so. Both the first step and the sign-in screen ask it."""
    organization = await graph.organization()
    if organization.tenant_type is None:
        raise PermissionMissingError(
            f"Graph does not show the tenant's type to this sign-in: reading it needs {ORGANIZATION.permission} "
            "(with only User.Read, Graph answers the organization with its type left empty)",
            f"grant {ORGANIZATION.permission} (with admin consent) to the app you sign in with, then run again",
        )
    if pivot is Pivot.EXTERNAL_ID and is_b2c(organization.tenant_type):
        raise TenantNotReadyError(
            f"{organization.initial_domain} is an Azure AD B2C tenant, but [setup] pivot is external-id",
            "set [setup] pivot to user-flow or custom-policy, or sign in to your External ID tenant",
        )
    if pivot not in (None, Pivot.EXTERNAL_ID) and is_external_id(organization.tenant_type):
        raise TenantNotReadyError(
            f"{organization.initial_domain} is an Entra External ID tenant, but [setup] pivot is {pivot.value}",
            'set [setup] pivot = "external-id", or sign in to your Azure AD B2C tenant',
        )
    if not is_b2c(organization.tenant_type) and not is_external_id(organization.tenant_type):
        raise TenantNotReadyError(
            f"{organization.initial_domain} is neither an Azure AD B2C nor an Entra External ID tenant (its type is "
            f"{organization.tenant_type or 'unknown'})",
            "sign in to your B2C or External ID tenant instead; create one with the 'Create an Azure AD B2C tenant' "
            "or 'Create an external tenant' tutorial",
        )
    if organization.initial_domain.lower() != tenant.domain:
        raise SignInError(
            f"Signed in to {organization.initial_domain}, but the answers name {tenant.domain}: the token is for "
            "another tenant",
            f"sign in to {tenant.domain} instead (a token issued for that tenant), or set [tenant] name to the tenant "
            "you meant",
        )
    missing = missing_permissions(graph.granted_permissions(), required)
    if missing:
        raise PermissionMissingError(
            f"The sign-in lacks the Graph permission{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
            "grant them (admin consent) to the app you sign in with, or sign in as an admin who can consent, "
            "then run again",
        )
    return organization


def is_b2c(tenant_type: str | None) -> bool:
    return same_text(tenant_type, B2C_TENANT_TYPE)


def is_external_id(tenant_type: str | None) -> bool:
    return same_text(tenant_type, EXTERNAL_ID_TENANT_TYPE)


def platform_name(tenant_type: str | None) -> str:
    return "an Entra External ID tenant" if is_external_id(tenant_type) else "an Azure AD B2C tenant"


def missing_permissions(granted: set[str] | None, required: tuple[str, ...]) -> list[str]:
    """The permissions in `required` the token carries neither itself nor one its docs accept instead (none known
    when the token is not a JWT)."""
    if granted is None:
        return []
    granted_lower = {permission.lower() for permission in granted}
    return [
        permission
        for permission in required
        if not any(candidate.lower() in granted_lower for candidate in accepted_for(permission))
    ]
