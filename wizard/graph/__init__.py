"""The one way the project talks to Microsoft Graph: a small typed client over Microsoft's Graph core library.

B2C's trust framework, user flows and OpenID Connect providers exist only in Graph beta. The full Graph SDK
(msgraph-beta-sdk) is 680 MB of generated models whose first parsed response costs seconds of CPU in every
process; the steps use a dozen resources and a few fields of each. So this package sends Graph's documented
requests through msgraph-core (its httpx client, retry with Retry-After, redirects) and parses the documented
answers into the project's own models (`models`). Its contract is Microsoft's documentation: the tests in
`tests/contract/` replay the documented examples.

Modules: `transport` (sign-in, requests, paging, replication-lag patience), `errors` (Graph's error answers →
SetupErrors with a fix and the request ids), `models`, and one module per resource group.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from wizard.graph.applications import (
    GRAPH_APP_ID,
    IEF_SCOPE,
    OFFLINE_ACCESS_SCOPE_ID,
    OPENID_SCOPE_ID,
    PROXY_REDIRECT_URI,
    ApplicationCalls,
    ief_application_body,
    proxy_ief_application_body,
)
from wizard.graph.authentication_methods import AuthenticationMethodCalls, SecondFactor
from wizard.graph.conditional_access import ConditionalAccessCalls
from wizard.graph.directory import DirectoryCalls
from wizard.graph.external_id import ExternalIdCalls, OidcFederationSpec
from wizard.graph.identity import IdentityCalls, OidcProviderSpec
from wizard.graph.models import (
    Application,
    AuthenticationEventsFlow,
    AuthenticationMethodConfiguration,
    ConditionalAccessPolicy,
    IdentityProvider,
    Key,
    KeySet,
    Organization,
    PermissionGrant,
    ServicePrincipal,
    UserFlow,
    same_text,
)
from wizard.graph.transport import LAG_BUDGET_SECONDS, REQUEST_DEADLINE_SECONDS, Transport, progress_sink
from wizard.graph.trust_framework import TrustFrameworkCalls

if TYPE_CHECKING:
    from wizard.auth import Credential

T = TypeVar("T")

__all__ = [
    "GRAPH_APP_ID",
    "IEF_SCOPE",
    "OFFLINE_ACCESS_SCOPE_ID",
    "OPENID_SCOPE_ID",
    "PROXY_REDIRECT_URI",
    "Application",
    "AuthenticationEventsFlow",
    "AuthenticationMethodConfiguration",
    "ConditionalAccessPolicy",
    "GraphClient",
    "IdentityProvider",
    "Key",
    "KeySet",
    "OidcFederationSpec",
    "OidcProviderSpec",
    "Organization",
    "PermissionGrant",
    "SecondFactor",
    "ServicePrincipal",
    "UserFlow",
    "ief_application_body",
    "progress_sink",
    "proxy_ief_application_body",
    "same_text",
]


class GraphClient(
    DirectoryCalls,
    TrustFrameworkCalls,
    IdentityCalls,
    ExternalIdCalls,
    ApplicationCalls,
    AuthenticationMethodCalls,
    ConditionalAccessCalls,
):
    """Graph for one signed-in tenant: one method per operation the steps need, each as Microsoft documents it."""

    def __init__(
        self,
        credential: Credential,
        *,
        graph_url: str,
        scopes: list[str],
        lag_budget: float = LAG_BUDGET_SECONDS,
        request_deadline: float = REQUEST_DEADLINE_SECONDS,
        sign_in_host: str | None = None,
    ) -> None:
        self._graph = Transport(
            credential,
            graph_url=graph_url,
            scopes=scopes,
            lag_budget=lag_budget,
            request_deadline=request_deadline,
            sign_in_host=sign_in_host,
        )

    @property
    def graph_url(self) -> str:
        return self._graph.graph_url

    @property
    def lag_budget(self) -> float:
        """How long a new object may stay invisible before a wait for it gives up."""
        return self._graph.lag_budget

    async def eventually(
        self, waiting_for: str, read: Callable[[], Awaitable[T | None]], *, budget: float | None = None
    ) -> T | None:
        """`read` again, with a bounded backoff, until it finds something or `budget` seconds have passed."""
        return await self._graph.eventually(waiting_for, read, budget=budget)

    async def close(self) -> None:
        """Close the HTTP connections; the credential belongs to whoever made it."""
        await self._graph.close()
