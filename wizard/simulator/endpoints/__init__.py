"""The Graph beta endpoints this project uses, over a SimulatedTenant, with Graph's and B2C's rules: one module per
resource group, as the client has its calls (wizard/graph/), each with its section of the route table, over `core`
(requests and answers, Graph's errors, routing, paging, replication lag).

Transport-free: the server parses HTTP into a `GraphRequest` and turns the `GraphResponse` (or a
`GraphError`) back into HTTP, so the rules here can be read without the plumbing.

The answers follow Microsoft's documentation (microsoft-graph-docs-contrib, api-reference/beta),
including where it is inconvenient for a client: uploadSecret answers `kty "OCT"` with nbf/exp as
strings, `/organization` answers nulls instead of 403 to a token without Organization.Read.All,
collections may page, and a new object may stay invisible for a while (replication lag). What is valid is decided
here, never by the client's code (DESIGN.md: a shared bug would pass both; an import-linter contract holds it).
"""

from __future__ import annotations

import re

from wizard.simulator.endpoints.applications import ApplicationEndpoints
from wizard.simulator.endpoints.authentication_methods import AuthenticationMethodEndpoints
from wizard.simulator.endpoints.conditional_access import ConditionalAccessEndpoints
from wizard.simulator.endpoints.core import GraphError, GraphRequest, GraphResponse, Knobs, Route, find_route
from wizard.simulator.endpoints.directory import DirectoryEndpoints
from wizard.simulator.endpoints.external_id import ExternalIdEndpoints
from wizard.simulator.endpoints.identity import IdentityEndpoints
from wizard.simulator.endpoints.trust_framework import TrustFrameworkEndpoints
from wizard.simulator.tenant import SimulatedTenant

__all__ = ["GraphEndpoints", "GraphError", "GraphRequest", "GraphResponse", "Knobs", "Route"]


class GraphEndpoints:
    """Routes a request to its resource group's operation on the tenant; the caller holds the tenant lock. The
    server sets `knobs` at any time; they take effect on the next request."""

    def __init__(
        self,
        tenant: SimulatedTenant,
        *,
        page_size: int | None = None,
        replication_lag: float = 0.0,
        upsert_supported: bool = True,
        consent_allowed: bool = True,
    ) -> None:
        self.tenant = tenant
        self.knobs = Knobs(page_size, replication_lag, upsert_supported, consent_allowed)
        identity = IdentityEndpoints(tenant, self.knobs)
        groups = (
            DirectoryEndpoints(tenant, self.knobs),
            TrustFrameworkEndpoints(tenant, self.knobs),
            identity,
            ApplicationEndpoints(tenant, self.knobs),
            AuthenticationMethodEndpoints(tenant, self.knobs),
            ConditionalAccessEndpoints(tenant, self.knobs),
            ExternalIdEndpoints(tenant, self.knobs, identity),
        )
        self.routes = [route for group in groups for route in group.routes()]

    def route(self, method: str, path: str) -> tuple[Route, re.Match[str]]:
        """The route for a path (already stripped of /beta and with `//` collapsed)."""
        return find_route(self.routes, method, path)
