"""A simulated Azure AD B2C tenant behind a real Graph-beta-like HTTP server on 127.0.0.1.

The tests drive the real client against it, and `asignio-setup --demo` runs the whole wizard
against it. It answers as Microsoft's Graph docs show, not as the client expects (a simulator
written from the client's assumptions would agree with the client's bugs), and its knobs make it
page, lag and refuse upserts as a real tenant may. Importable without any Graph SDK.
"""

from __future__ import annotations

import json
from pathlib import Path

from wizard.errors import BadInputError, shown
from wizard.files import MEGABYTE, read_regular_file, write_failure
from wizard.simulator.server import ALL_PERMISSIONS, RequestRecord, SimulatorServer
from wizard.simulator.tenant import SimulatedTenant

DEMO_TENANT = "contoso"
DEMO_STATE_LIMIT = 64 * MEGABYTE

__all__ = ["ALL_PERMISSIONS", "DEMO_TENANT", "RequestRecord", "SimulatedTenant", "SimulatorServer", "start_demo"]


def demo_tenant(name: str = DEMO_TENANT, *, empty: bool = False) -> SimulatedTenant:
    """A B2C tenant with the policy engine's base chain uploaded, as the demo starts from; with `empty`, a tenant as
    Azure creates it (no key sets, no policies), so the demo shows the prerequisite steps."""
    from wizard.policies import demo_chain

    if empty:
        return SimulatedTenant.empty(name)
    return SimulatedTenant.seeded(name, base=demo_chain(f"{name}.onmicrosoft.com"))


def start_demo(state_file: Path | None = None, *, name: str = DEMO_TENANT, empty: bool = False) -> SimulatorServer:
    """The running simulator for `--demo`: the state file's tenant when there is one, else a fresh demo tenant
    (`empty`: with nothing in it). A file that is no simulated tenant (another file, a damaged one) is bad input
    naming it, never overwritten."""
    saved = state_file is not None and state_file.exists()
    tenant = _saved_tenant(state_file) if saved and state_file is not None else demo_tenant(name, empty=empty)
    server = SimulatorServer(tenant, state_file=state_file)
    if state_file is not None:
        try:
            tenant.save(state_file)
        except OSError as error:
            raise write_failure(error, state_file, "give --demo-state a file in a folder you can write to") from None
    return server.start()


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
