"""Signing in waits on a person (a device code): it must never hold the event loop while it waits."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from azure.core.credentials import AccessToken

from wizard.answers import parse_answers
from wizard.graph import GraphClient
from wizard.policies import demo_chain
from wizard.session import SignedInTenant
from wizard.simulator import SimulatedTenant, SimulatorServer

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
        signed_in = SignedInTenant(ANSWERS.tenant, ANSWERS.auth, tenant_facade)
        signing_in = asyncio.ensure_future(signed_in.identify())
        assert await asyncio.to_thread(credential.asked.wait, 20)
        assert not signing_in.done()
        credential.operator_done.set()
        identity = await signing_in
        await signed_in.close()
    assert (identity.tenant_domain, identity.account) == ("contoso.onmicrosoft.com", "admin@contoso.onmicrosoft.com")


async def test_signing_in_needs_only_the_tenant_and_the_sign_in_method_and_plans_follow() -> None:
    from wizard.answers import parse_sign_in
    from wizard.errors import SetupError
    from wizard.session import sign_in

    signing_in = parse_sign_in({"tenant": {"name": "contoso"}})
    with SimulatorServer(SimulatedTenant.seeded("contoso", base=demo_chain("contoso.onmicrosoft.com"))) as server:
        signed_in = sign_in(signing_in.tenant, signing_in.auth, demo=server)
        identity = await signed_in.identify()
        session = signed_in.plan(ANSWERS, secret="secret")
        review = await session.review()
        other_tenant = parse_answers({**ANSWERS.model_dump(mode="json"), "tenant": {"name": "fabrikam"}})
        with pytest.raises(SetupError) as refused:
            signed_in.plan(other_tenant)
        await signed_in.close()
    assert identity.tenant_domain == "contoso.onmicrosoft.com"
    assert [step.id for step in review.steps][:2] == ["preflight", "base-chain"]
    assert refused.value.what == "The tenant or the sign-in changed"
