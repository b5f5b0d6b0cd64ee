"""Signing in waits on a person (a device code): it must never hold the event loop while it waits."""

from __future__ import annotations

import asyncio
import threading
import time

from azure.core.credentials import AccessToken

from wizard.answers import parse_answers
from wizard.graph import GraphClient
from wizard.policies import demo_chain
from wizard.session import Session
from wizard.simulator import SimulatedTenant, SimulatorServer
from wizard.state import StateStore

ANSWERS = parse_answers(
    {
        "tenant": {"name": "contoso"},
        "asignio": {"client_id": "00001111-aaaa-2222-bbbb-3333cccc4444"},
        "setup": {"pivot": "custom-policy"},
    }
)


class OperatorStillTyping:
    """A credential that returns only once the test says the operator finished; it reports a blocked loop."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.asked = threading.Event()
        self.operator_done = threading.Event()

    def get_token(self, *scopes: str, **options: object) -> AccessToken:
        self.asked.set()
        if not self.operator_done.wait(timeout=20):
            raise AssertionError("the event loop was held while the sign-in waited")
        return AccessToken(self.token, int(time.time()) + 3600)


async def test_the_loop_stays_free_while_the_operator_signs_in() -> None:
    tenant = SimulatedTenant.seeded("contoso", base=demo_chain("contoso.onmicrosoft.com"))
    with SimulatorServer(tenant) as server:
        credential = OperatorStillTyping(server.access_token)
        tenant_facade = GraphClient(
            credential, graph_url=server.graph_root + "/beta", scopes=["https://graph.microsoft.com/.default"]
        )
        session = Session(ANSWERS, tenant_facade, StateStore("contoso"), lambda: "secret")
        signing_in = asyncio.ensure_future(session.identify())
        assert await asyncio.to_thread(credential.asked.wait, 20)
        assert not signing_in.done()
        credential.operator_done.set()
        identity = await signing_in
        await session.close()
    assert (identity.tenant_domain, identity.account) == ("contoso.onmicrosoft.com", "admin@contoso.onmicrosoft.com")
