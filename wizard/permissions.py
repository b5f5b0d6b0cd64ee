"""What each kind of Graph call needs: the delegated permission and a directory role that can grant it.

The one list the facade's errors, the sign-in's requested scopes, the per-path checks and the simulator use.
Taken from the permission tables of Microsoft's Graph docs (tests/contract/REPORT.md lists the pages): the
least-privileged delegated permission, the higher ones the docs accept instead, and the least-privileged roles.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Operation:
    """What a call does, in words, and what Graph requires of the signed-in identity to do it."""

    action: str
    permission: str
    role: str
    also_accepted: tuple[str, ...] = ()
    """Higher permissions the doc's table accepts for every call of this kind (none where a call takes none)."""


ORGANIZATION = Operation(
    "read the tenant's details",
    "Organization.Read.All",
    "any member of the tenant",
    ("Organization.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"),
)
KEY_SETS = Operation("manage policy keys", "TrustFrameworkKeySet.ReadWrite.All", "B2C IEF Keyset Administrator")
POLICIES = Operation("manage custom policies", "Policy.ReadWrite.TrustFramework", "B2C IEF Policy Administrator")
PROVIDERS = Operation(
    "manage identity providers", "IdentityProvider.ReadWrite.All", "External Identity Provider Administrator"
)
USER_FLOWS = Operation("manage user flows", "IdentityUserFlow.ReadWrite.All", "External ID User Flow Administrator")
EVENT_LISTENERS = Operation(
    "manage External ID user flows", "EventListener.ReadWrite.All", "External ID User Flow Administrator"
)
"""identitycontainer-post-authenticationeventsflows.md and the flow's provider and application pages (v1.0)."""
APPLICATIONS = Operation(
    "manage app registrations",
    "Application.ReadWrite.All",
    "Application Developer (for apps it owns) or Cloud Application Administrator",
)
"""Creating an application accepts no Directory.* permission (application-post-applications.md)."""
GRANTS = Operation(
    "grant admin consent",
    "DelegatedPermissionGrant.ReadWrite.All",
    "Cloud Application Administrator or Application Administrator",
    ("Directory.ReadWrite.All",),
)

AUTHENTICATION_METHODS = Operation(
    "turn on a sign-in method for multifactor authentication",
    "Policy.ReadWrite.AuthenticationMethod",
    "Authentication Policy Administrator",
)
"""emailauthenticationmethodconfiguration-update.md names this permission alone, least and most privileged."""
CONDITIONAL_ACCESS = Operation(
    "require multifactor authentication for the test app",
    "Policy.ReadWrite.ConditionalAccess",
    "Conditional Access Administrator",
)
"""conditionalaccessroot-post-policies.md asks for Policy.Read.All and Application.Read.All alongside this one
(Application.ReadWrite.All, asked for the test app, covers the latter)."""
CONDITIONAL_ACCESS_READ = Operation(
    "find the Conditional Access policy requiring MFA", "Policy.Read.All", "Conditional Access Administrator"
)
"""conditionalaccessroot-list-policies.md (beta) names Policy.Read.All alone, least and most privileged."""

EXTERNAL_ID_MFA = (AUTHENTICATION_METHODS, CONDITIONAL_ACCESS_READ, CONDITIONAL_ACCESS)
"""What the External ID path's MFA steps call (`[setup] mfa` email or sms)."""
ASKED_AT_SIGN_IN = (
    ORGANIZATION,
    POLICIES,
    KEY_SETS,
    PROVIDERS,
    USER_FLOWS,
    EVENT_LISTENERS,
    APPLICATIONS,
    GRANTS,
    *EXTERNAL_ID_MFA,
)
"""The operations some plan runs; the sign-in asks for these permissions and no others. The scopes are fixed before
the path is chosen (the path screen comes after sign-in), so a B2C sign-in asks for the MFA ones too."""
ALL_OPERATIONS = ASKED_AT_SIGN_IN
"""Every documented operation of the Graph layer (the README's permissions table)."""
DELEGATED_PERMISSIONS = tuple(operation.permission for operation in ASKED_AT_SIGN_IN)
"""Every permission the tool asks for when it signs in as a person."""


def accepted_for(permission: str) -> tuple[str, ...]:
    """The permission itself and those its docs accept instead."""
    for operation in ALL_OPERATIONS:
        if operation.permission == permission:
            return (permission, *operation.also_accepted)
    return (permission,)
