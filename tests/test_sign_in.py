"""Signing in waits on a person (a device code): it must never hold the event loop while it waits; a sign-in host
out of reach is one sentence naming it, soon."""

from __future__ import annotations

import asyncio
import socketserver
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from azure.core.credentials import AccessToken

from tests.support.servers import STOP_POLL_SECONDS
from wizard.answers import parse_answers
from wizard.cli import main
from wizard.errors import ExitCode
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
        session = signed_in.session_for(ANSWERS, secret="secret")
        review = await session.review()
        other_tenant = parse_answers({**ANSWERS.model_dump(mode="json"), "tenant": {"name": "fabrikam"}})
        with pytest.raises(SetupError) as refused:
            signed_in.session_for(other_tenant)
        await signed_in.close()
    assert identity.tenant_domain == "contoso.onmicrosoft.com"
    assert [step.id for step in review.steps][:2] == ["preflight", "base-chain"]
    assert refused.value.what == "The tenant or the sign-in changed"


class RefusingProxy(socketserver.StreamRequestHandler):
    """An HTTPS proxy that reaches nothing: every CONNECT is answered 502, as a proxy of a machine offline."""

    connects: ClassVar[list[str]] = []

    def handle(self) -> None:
        self.connects.append(self.rfile.readline().decode("latin-1").strip())
        self.wfile.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The sign-in host out of reach, through the proxy variables every HTTP client here honours; yields the
    CONNECTs the proxy was asked for."""
    RefusingProxy.connects = []
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), RefusingProxy) as proxy:
        threading.Thread(target=proxy.serve_forever, kwargs={"poll_interval": STOP_POLL_SECONDS}, daemon=True).start()
        for name in ("NO_PROXY", "no_proxy", "https_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy.server_address[1]}")
        yield RefusingProxy.connects
        proxy.shutdown()


def test_an_offline_device_code_sign_in_is_one_sentence_naming_the_host(
    offline: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """It used to be a dozen raw `DeviceCodeCredential.get_token failed` lines over a minute (every step asked
    again, each with azure-core's retries), and advice to check the [auth] method."""
    answers = tmp_path / "answers.toml"
    answers.write_text(
        '[tenant]\nname = "contoso"\n[asignio]\nclient_id = "00001111-aaaa-2222-bbbb-3333cccc4444"\n'
        '[setup]\npivot = "custom-policy"\n[auth]\nmethod = "device-code"\n',
        encoding="utf-8",
    )
    assert main(["plan", str(answers)]) == ExitCode.SERVICE
    err = capsys.readouterr().err
    assert "error: Signing in could not reach login.microsoftonline.com: the proxy (HTTPS_PROXY) did not connect" in err
    assert "what to do: check that this machine reaches https://login.microsoftonline.com" in err
    assert "get_token failed" not in err and "[auth] method" not in err
    assert 1 <= len(offline) <= 2, offline  # one sign-in, one retry
    assert all(line.startswith("CONNECT login.microsoftonline.com:443 ") for line in offline)
