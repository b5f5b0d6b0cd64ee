"""The starter pack's generated key sets on a tenant that lacks them, through the Graph layer and the simulator."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from tests.support.crashes import crash_after_write
from tests.support.faults import faults_of
from wizard import clock
from wizard.answers import Answers, parse_answers
from wizard.errors import ExitCode, SetupError
from wizard.graph import GraphClient
from wizard.runner import Runner
from wizard.simulator import SimulatedTenant, SimulatorServer
from wizard.simulator.tenant import generated_key
from wizard.state import RunState, StateStore
from wizard.steps import Plan
from wizard.steps.custom_policy import BaseChain
from wizard.steps.jwt_ms_app import TestApplication as JwtMsTestApp
from wizard.steps.preflight import Preflight
from wizard.steps.prerequisites import FacebookSecretKeySet, TokenEncryptionKeySet, TokenSigningKeySet

SIGNING = "B2C_1A_TokenSigningKeyContainer"
ENCRYPTION = "B2C_1A_TokenEncryptionKeyContainer"
FACEBOOK = "B2C_1A_FacebookSecret"


def empty_tenant() -> SimulatedTenant:
    return SimulatedTenant(name="contoso", display_name="Contoso B2C")


def answers(starter_pack: Path) -> Answers:
    return parse_answers(
        {
            "tenant": {"name": "contoso"},
            "asignio": {"client_id": "00001111-aaaa-2222-bbbb-3333cccc4444"},
            "setup": {"pivot": "custom-policy"},
            "custom_policy": {"starter_pack_source": str(starter_pack)},
        }
    )


async def run_key_steps(server: SimulatorServer, starter_pack: Path, *, signing_only: bool = False) -> None:
    """The key-set steps (and the test app, as in a setup); `signing_only`: the signing key set's step alone, whose
    writes then come in a known order (the set, then its key). A step's failure is raised, as the command ends with
    it."""
    graph = GraphClient(
        server.credential, graph_url=server.graph_root + "/beta", scopes=["https://graph.microsoft.com/.default"]
    )
    key_sets = (TokenSigningKeySet(), TokenEncryptionKeySet(), FacebookSecretKeySet())
    steps = (TokenSigningKeySet(),) if signing_only else (*key_sets, JwtMsTestApp())
    plan = Plan(answers(starter_pack), (Preflight(), BaseChain(), *steps))
    runner = Runner(plan, graph, StateStore("contoso"), lambda: "unused")
    try:
        finished = await runner.run(lambda event: None)
    finally:
        await graph.close()
    if finished.failure is not None:
        raise finished.failure


def kinds(tenant: SimulatedTenant, key_set: str) -> list[tuple[str, str]]:
    return [(str(key["kty"]).upper(), str(key["use"])) for key in tenant.key_sets[key_set]]


async def test_an_empty_tenant_gets_one_generated_key_per_set_and_a_rerun_writes_nothing(starter_pack: Path) -> None:
    tenant = empty_tenant()
    with SimulatorServer(tenant, replication_lag=0.3, page_size=1) as server:
        await run_key_steps(server, starter_pack)
        assert kinds(tenant, SIGNING) == [("RSA", "sig")]
        assert kinds(tenant, ENCRYPTION) == [("RSA", "enc")]
        assert kinds(tenant, FACEBOOK) == [("OCT", "sig")]
        server.reset_log()
        await run_key_steps(server, starter_pack)
        assert server.writes == 0
    assert kinds(tenant, SIGNING) == [("RSA", "sig")]


async def test_a_key_set_left_empty_by_an_interrupted_run_gets_its_key_and_a_full_one_is_left_alone(
    starter_pack: Path,
) -> None:
    """A run dies the moment Graph answers the signing key set's create (the intent noted before it is all the state
    holds): the next run knows the empty set is its own and puts the key in; a full set it did not make is used."""
    tenant = empty_tenant()
    now = int(time.time())
    tenant.key_sets[ENCRYPTION] = [generated_key("enc", "RSA", now, now + 86400)]
    tenant.key_sets[FACEBOOK] = [generated_key("sig", "oct", now, now + 86400)]
    with SimulatorServer(tenant, page_size=1) as server:
        with crash_after_write(server, 1):
            await asyncio.to_thread(asyncio.run, run_key_steps(server, starter_pack, signing_only=True))
        assert tenant.key_sets[SIGNING] == []
        server.reset_log()
        await run_key_steps(server, starter_pack)
        posted = [record.path for record in server.log if record.is_write and "keySets" in record.path]
    assert posted == [f"/trustFramework/keySets/{SIGNING}/generateKey"]
    assert kinds(tenant, SIGNING) == [("RSA", "sig")]
    assert len(tenant.key_sets[ENCRYPTION]) == 1


@pytest.mark.parametrize("state", ["none", "recorded"])
async def test_an_empty_key_set_it_did_not_make_stops_the_run_and_gets_no_key(starter_pack: Path, state: str) -> None:
    """An empty signing key set someone else made (no record and no intent of the tool's, with or without a state
    recording the tenant): a key put in would stay in it for good, so the run stops with exit 5 naming it, and the
    set stays empty."""
    tenant = empty_tenant()
    with SimulatorServer(tenant) as server:
        if state == "recorded":
            # A state from a setup of the tenant since removed: it records the tenant, and names no key set.
            removed = RunState(tenant="contoso", answers=answers(starter_pack), removed_at=clock.now())
            StateStore("contoso").save(removed)
        tenant.key_sets[SIGNING] = []
        with pytest.raises(SetupError) as caught:
            await run_key_steps(server, starter_pack, signing_only=True)
        assert server.writes == 0
    assert caught.value.exit_code == ExitCode.TENANT
    assert caught.value.what.startswith(f"The key set {SIGNING} holds no key, and asignio-setup cannot prove it made")
    assert f"delete the empty {SIGNING}" in caught.value.fix
    assert ("--state-dir" in caught.value.fix) is (state == "none")
    assert tenant.key_sets[SIGNING] == []


async def test_a_signing_key_set_holding_an_encryption_key_stops_the_run_with_what_to_do(starter_pack: Path) -> None:
    tenant = empty_tenant()
    now = int(time.time())
    tenant.key_sets[SIGNING] = [generated_key("enc", "RSA", now, now + 86400)]
    with SimulatorServer(tenant) as server:
        with pytest.raises(SetupError) as caught:
            await run_key_steps(server, starter_pack)
        assert not any(record.path.endswith(f"{SIGNING}/generateKey") for record in server.log)
    assert caught.value.what.startswith(f"{SIGNING} holds a RSA enc key where the starter pack needs an RSA sig key")
    assert "delete B2C_1A_TokenSigningKeyContainer in the Azure portal" in caught.value.fix


async def test_a_facebook_secret_holding_an_rsa_key_stops_the_run_rather_than_add_an_uploaded_secret(
    starter_pack: Path,
) -> None:
    tenant = empty_tenant()
    now = int(time.time())
    tenant.key_sets[FACEBOOK] = [generated_key("sig", "RSA", now, now + 86400)]
    with SimulatorServer(tenant) as server:
        with pytest.raises(SetupError) as caught:
            await run_key_steps(server, starter_pack)
        assert not any(record.path.endswith(f"{FACEBOOK}/uploadSecret") for record in server.log)
    assert caught.value.what.startswith(f"{FACEBOOK} holds a RSA sig key where the starter pack needs an OCT sig key")


async def test_writes_whose_answers_were_lost_are_found_by_the_next_run_and_never_repeated(starter_pack: Path) -> None:
    """Every write answered 504 after B2C did the work (a key set or key that may well exist): the run stops
    resumably; the next one looks first, waits for what the last may have made to replicate, and adds no second key."""
    tenant = empty_tenant()
    with SimulatorServer(tenant, replication_lag=0.3, page_size=1) as server:
        faults_of(server).lose_answers(100, status=504)
        with pytest.raises(SetupError):
            await run_key_steps(server, starter_pack)
        assert [name for name in (SIGNING, ENCRYPTION, FACEBOOK) if tenant.key_sets.get(name)], "no key was added"
        faults_of(server).clear_faults()
        await run_key_steps(server, starter_pack)
        server.reset_log()
        await run_key_steps(server, starter_pack)
        assert server.writes == 0
    assert kinds(tenant, SIGNING) == [("RSA", "sig")]
    assert kinds(tenant, ENCRYPTION) == [("RSA", "enc")]
    assert kinds(tenant, FACEBOOK) == [("OCT", "sig")]


async def test_on_a_tenant_with_the_base_chain_the_key_set_steps_are_done_without_a_request_of_their_own(
    tmp_path: Path,
) -> None:
    """Nor is the starter pack read: the tenant's own chain names the key sets it needs."""
    from wizard.policies import demo_chain

    tenant = SimulatedTenant.seeded("contoso", base=demo_chain("contoso.onmicrosoft.com"))
    with SimulatorServer(tenant) as server:
        await run_key_steps(server, tmp_path / "no-starter-pack-here")
        assert not any("keySets" in record.path for record in server.log)
