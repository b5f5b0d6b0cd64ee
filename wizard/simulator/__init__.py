"""A simulated Azure AD B2C tenant (or, seeded with tenantType CIAM, an Entra External ID tenant) behind a real
Graph-beta-like HTTP server on 127.0.0.1; `discovery` serves an OpenID discovery document beside it.

The tests drive the real client against it, and `asignio-setup --demo` runs the whole wizard
against it. It answers as Microsoft's Graph docs show, not as the client expects (a simulator
written from the client's assumptions would agree with the client's bugs), and its knobs make it
page, lag and refuse upserts as a real tenant may. Importable without any Graph SDK.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from wizard.errors import BadInputError, shown
from wizard.files import MEGABYTE, read_regular_file, write_failure
from wizard.simulator.discovery import DiscoveryServer
from wizard.simulator.external_id import EXTERNAL_TENANT_TYPE, is_external_tenant
from wizard.simulator.server import ALL_PERMISSIONS, RequestRecord, SimulatorServer, Tenancy
from wizard.simulator.tenant import SimulatedTenant

DEMO_TENANT = "contoso"
DEMO_ASIGNIO_CLIENT_ID = "00001111-aaaa-2222-bbbb-3333cccc4444"
"""The one application the demo's Asignio knows (the client id the wizard's demo prefills): a demo with another
client id shows what `verify` says when Asignio does not know it."""
DEMO_STATE_LIMIT = 64 * MEGABYTE
DemoPlatform = Literal["b2c", "external-id"]
"""What `--demo-platform` offers: the simulated tenant an Azure AD B2C one, or an Entra External ID one."""

__all__ = [
    "ALL_PERMISSIONS",
    "DEMO_ASIGNIO_CLIENT_ID",
    "DEMO_TENANT",
    "DemoPlatform",
    "RequestRecord",
    "SimulatedTenant",
    "SimulatorServer",
    "Tenancy",
    "demo_metadata_url",
    "start_demo",
]


def demo_tenant(name: str = DEMO_TENANT, platform: DemoPlatform = "b2c", *, empty: bool = False) -> SimulatedTenant:
    """The tenant a demo starts from: a B2C tenant with the policy engine's base chain uploaded (with `empty`, a B2C
    tenant as Azure creates it: no key sets, no policies, so the demo shows the prerequisite steps), or an external
    (CIAM) tenant, which has no custom policies."""
    if platform == "external-id":
        tenant = SimulatedTenant.seeded(name, tenant_type=EXTERNAL_TENANT_TYPE)
        tenant.display_name = f"{name.capitalize()} External ID"
        return tenant
    from wizard.policies import demo_chain

    if empty:
        return SimulatedTenant.empty(name)
    return SimulatedTenant.seeded(name, base=demo_chain(f"{name}.onmicrosoft.com"))


def tenant_platform(tenant: SimulatedTenant) -> DemoPlatform:
    return "external-id" if is_external_tenant(tenant) else "b2c"


def start_demo(
    state_file: Path | None = None,
    *,
    name: str = DEMO_TENANT,
    platform: DemoPlatform | None = None,
    empty: bool = False,
) -> SimulatorServer:
    """The running simulator for `--demo`: the state file's tenant when there is one, else a fresh demo tenant of
    `platform` (None: b2c; `empty`: a B2C tenant with nothing in it). A file that is no simulated tenant (another
    file, a damaged one) is bad input naming it, never overwritten; so is a saved tenant of another name or platform
    than the one asked for. Asignio is simulated beside it on loopback (`server.discovery`): a good discovery document,
    as External ID and a B2C user flow read one, and the authorize endpoint it names, which knows the demo's client
    id with the tenant's redirect URIs registered, so `verify` finds a working sign-in."""
    if state_file is not None and state_file.exists():
        tenant = _saved_tenant(state_file)
        if tenant.name.lower() != name.lower():
            raise BadInputError(
                f"{state_file}: the simulated tenant saved there is {tenant.domain}, but the answers name "
                f"{name}.onmicrosoft.com",
                f'set [tenant] name = "{tenant.name}" to go on with it, or give --demo-state another file for {name}',
            )
        if platform is not None and tenant_platform(tenant) != platform:
            raise BadInputError(
                f"{state_file}: the simulated tenant saved there is a {tenant_platform(tenant)} tenant, not {platform}",
                f"leave --demo-platform out to go on with it, or give --demo-state another file for a {platform} demo",
            )
    else:
        tenant = demo_tenant(name, platform or "b2c", empty=empty)
    server = SimulatorServer(tenant, state_file=state_file)
    server.discovery = _demo_asignio(tenant)
    if state_file is not None:
        try:
            tenant.save(state_file)
        except OSError as error:
            server.discovery.stop()
            raise write_failure(error, state_file, "give --demo-state a file in a folder you can write to") from None
    server.discovery.register(DEMO_ASIGNIO_CLIENT_ID, *partner_redirect_uris(tenant))
    return server.start()


def _demo_asignio(tenant: SimulatedTenant) -> DiscoveryServer:
    """Asignio for the demo, on the port a saved tenant's providers name when it is free (else any free one), so a
    restarted demo finds its provider as it left it; the port is kept in the tenant."""
    try:
        discovery = DiscoveryServer("good", port=tenant.asignio_port).start()
    except OSError:
        discovery = DiscoveryServer("good").start()
    tenant.asignio_port = urlsplit(discovery.issuer).port or 0
    return discovery


def partner_redirect_uris(tenant: SimulatedTenant) -> tuple[str, ...]:
    """The redirect URIs an operator registers for the tenant at Asignio's partner site: B2C's `oauth2/authresp`
    (the partner article), External ID's two federation endpoints (how-to-custom-oidc-federation-customers.md)."""
    if is_external_tenant(tenant):
        host = f"https://{tenant.name}.ciamlogin.com"
        return (f"{host}/{tenant.organization_id}/federation/oauth2", f"{host}/{tenant.domain}/federation/oauth2")
    return (f"https://{tenant.name}.b2clogin.com/{tenant.domain}/oauth2/authresp",)


def demo_metadata_url(server: SimulatorServer | None) -> str | None:
    """The discovery document the demo serves beside its tenant: what its answers' metadata_url names."""
    return server.discovery.url if server is not None and server.discovery is not None else None


def _saved_tenant(state_file: Path) -> SimulatedTenant:
    try:
        return SimulatedTenant.from_json(
            json.loads(read_regular_file(state_file, limit=DEMO_STATE_LIMIT, role="demo state"))
        )
    except (ValueError, RecursionError) as error:
        raise BadInputError(
            f"{state_file}: not a simulated tenant this tool saved ({shown(str(error))[1:-1]})",
            "give --demo-state another file, or move this one aside to start a fresh simulated tenant",
        ) from None
