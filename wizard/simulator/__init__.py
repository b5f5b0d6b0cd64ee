"""A simulated Azure AD B2C tenant behind a real Graph-beta-like HTTP server on 127.0.0.1.

The tests drive the real client against it, and `asignio-setup --demo` runs the whole wizard
against it. It answers as Microsoft's Graph docs show, not as the client expects (a simulator
written from the client's assumptions would agree with the client's bugs), and its knobs make it
page, lag and refuse upserts as a real tenant may. Importable without any Graph SDK.
"""

from __future__ import annotations

from pathlib import Path

from wizard.simulator.server import ALL_PERMISSIONS, RequestRecord, SimulatorServer
from wizard.simulator.tenant import SimulatedTenant

DEMO_TENANT = "contoso"

__all__ = ["ALL_PERMISSIONS", "DEMO_TENANT", "RequestRecord", "SimulatedTenant", "SimulatorServer", "start_demo"]


def demo_tenant(name: str = DEMO_TENANT) -> SimulatedTenant:
    """A B2C tenant with the policy engine's base chain uploaded, as the demo starts from."""
    from wizard.policies import demo_chain

    return SimulatedTenant.seeded(name, base=demo_chain(f"{name}.onmicrosoft.com"))


def start_demo(state_file: Path | None = None, *, name: str = DEMO_TENANT) -> SimulatorServer:
    """The running simulator for `--demo`: the state file's tenant when there is one, else a fresh demo tenant."""
    tenant = SimulatedTenant.load(state_file) if state_file is not None and state_file.exists() else demo_tenant(name)
    server = SimulatorServer(tenant, state_file=state_file)
    if state_file is not None:
        tenant.save(state_file)
    return server.start()
