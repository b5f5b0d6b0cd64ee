"""What each kind of Graph call needs: the delegated permission and a directory role that can grant it.

The one list the facade's errors, the sign-in's requested scopes, the per-path checks and the simulator use.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Operation:
    """What a call does, in words, and what Graph requires of the signed-in identity to do it."""

    action: str
    permission: str
    role: str


ORGANIZATION = Operation("read the tenant's details", "Organization.Read.All", "Global Reader")
KEY_SETS = Operation("manage policy keys", "TrustFrameworkKeySet.ReadWrite.All", "B2C IEF Keyset Administrator")
POLICIES = Operation("manage custom policies", "Policy.ReadWrite.TrustFramework", "B2C IEF Policy Administrator")
PROVIDERS = Operation(
    "manage identity providers", "IdentityProvider.ReadWrite.All", "External Identity Provider Administrator"
)
USER_FLOWS = Operation("manage user flows", "IdentityUserFlow.ReadWrite.All", "External ID User Flow Administrator")
APPLICATIONS = Operation("manage app registrations", "Application.ReadWrite.All", "Application Administrator")
GRANTS = Operation(
    "grant admin consent",
    "DelegatedPermissionGrant.ReadWrite.All",
    "Cloud Application Administrator or Application Administrator",
)

ALL_OPERATIONS = (ORGANIZATION, POLICIES, KEY_SETS, PROVIDERS, USER_FLOWS, APPLICATIONS, GRANTS)
DELEGATED_PERMISSIONS = tuple(operation.permission for operation in ALL_OPERATIONS)
"""Every permission the tool asks for when it signs in as a person."""
