"""Who and where: the organization (organization-get.md)."""

from __future__ import annotations

import re
from typing import Any

from wizard.simulator import representations
from wizard.simulator.endpoints.core import GraphRequest, GraphResponse, ResourceGroup, Route, routes

ORGANIZATION_FULL_READ = frozenset(
    {"Organization.Read.All", "Directory.Read.All", "Organization.ReadWrite.All", "Directory.ReadWrite.All"}
)
"""The permissions organization-get.md lists above User.Read; with none of them only id, displayName and
verifiedDomains are filled ("All other properties return with null values")."""
ORGANIZATION_ALWAYS_READ = ("id", "displayName", "verifiedDomains")


class DirectoryEndpoints(ResourceGroup):
    """The organization the token reaches."""

    def routes(self) -> list[Route]:
        return routes([("GET", "/organization", self.get_organization, None)])

    def get_organization(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        """The tenant; with only User.Read-like permissions, everything but id, displayName and
        verifiedDomains is null (organization-get.md), so tenantType reads null, not "AAD B2C"."""
        tenant = self.tenant
        organization: dict[str, Any] = {
            "id": tenant.organization_id,
            "deletedDateTime": None,
            "businessPhones": [],
            "city": None,
            "country": None,
            "countryLetterCode": "US",
            "createdDateTime": "2021-08-02T10:30:06Z",
            "displayName": tenant.display_name,
            "preferredLanguage": "en",
            "technicalNotificationMails": [f"admin@{tenant.domain}"],
            "tenantType": tenant.tenant_type,
            "verifiedDomains": [
                {
                    "name": tenant.domain,
                    "isInitial": True,
                    "isDefault": True,
                    "type": "Managed",
                    "capabilities": "Email, OfficeCommunicationsOnline",
                }
            ],
            **representations.organization_extras("US"),
        }
        if not ORGANIZATION_FULL_READ & request.permissions:
            organization = {
                name: value if name in ORGANIZATION_ALWAYS_READ else None for name, value in organization.items()
            }
        return self._page(request, [organization])
