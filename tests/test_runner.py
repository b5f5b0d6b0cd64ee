"""The runner's own promises: failures are reported plainly and resumably, portal confirmations are checked."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import NoReturn

import pytest

from tests.support.faults import faults_of
from wizard.answers import parse_answers
from wizard.errors import BadInputError, ExitCode, SetupError
from wizard.events import Event, StepFailed, StepProgress
from wizard.graph import GraphClient
from wizard.session import Session, SignedInTenant
from wizard.state import StateStore

ANSWERS = parse_answers(
    {
        "tenant": {"name": "contoso"},
        "asignio": {"client_id": "00001111-aaaa-2222-bbbb-3333cccc4444"},
        "setup": {"pivot": "user-flow", "mfa": "phone"},
    }
)


class BrokenTokenCache:
    """A credential that fails the way a corrupted token cache would: not with an error we know."""

    def get_token(self, *scopes: str, **options: object) -> NoReturn:
        raise RuntimeError("token cache is corrupted")


async def test_an_unforeseen_failure_is_one_sentence_and_the_run_stays_resumable() -> None:
    tenant = GraphClient(
        BrokenTokenCache(), graph_url="http://127.0.0.1:9/beta", scopes=["https://graph.microsoft.com/.default"]
    )
    signed_in = SignedInTenant(ANSWERS.tenant, ANSWERS.auth, tenant)
    session = signed_in.session_for(ANSWERS, secret="secret")
    events: list[Event] = []
    finished = await session.run(events.append)
    await signed_in.close()
    failure = finished.failure
    assert failure is not None and finished.exit_code == failure.exit_code == ExitCode.UNEXPECTED
    assert failure.what == "Unexpected RuntimeError in preflight: token cache is corrupted"
    assert "run the same command again to resume" in failure.fix
    assert finished.failures == tuple(event for event in events if isinstance(event, StepFailed)), "each told once"
    assert [failed.step for failed in finished.failures] == ["preflight"]
    assert finished.run_now_url is None and finished.changed == ()
    blocked = [event.step for event in events if isinstance(event, StepProgress) and "not run" in event.message]
    assert sorted(blocked) == sorted(step.id for step in session.runner.plan.steps if step.id != "preflight")
    saved = StateStore("contoso").load()
    assert saved is not None
    assert saved.steps["preflight"].status == "failed"
    assert saved.steps["test-app"].summary == "not run: it needs preflight, graph-service-principal first"


def test_a_graph_that_cannot_be_reached_stops_resumably_with_exit_code_6(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from wizard.cli import main

    answers = tmp_path / "answers.toml"
    answers.write_text(ANSWERS.to_toml(), encoding="utf-8")
    monkeypatch.setenv("ASIGNIO_SETUP_ACCESS_TOKEN", "not-a-jwt")
    monkeypatch.setenv("ASIGNIO_SETUP_GRAPH_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("ASIGNIO_CLIENT_SECRET", "secret")
    code = main(["--non-interactive", str(answers)])
    error = capsys.readouterr().err
    assert code == ExitCode.SERVICE, error
    assert "run the same command again" in error
    assert "Traceback" not in error


def test_confirming_a_step_that_is_not_a_portal_step_names_the_ones_that_are() -> None:
    tenant = GraphClient(BrokenTokenCache(), graph_url="http://127.0.0.1:9/beta", scopes=[])
    session = SignedInTenant(ANSWERS.tenant, ANSWERS.auth, tenant).session_for(ANSWERS, secret="secret")
    with pytest.raises(BadInputError) as caught:
        session.confirm_guided("policy-key")
    assert caught.value.fix == "confirm one of: local-accounts-off, user-flow-mfa, test-app-consent"


class DeclinedSignIn:
    """A credential whose sign-in the operator declined, as azure-identity reports it."""

    def get_token(self, *scopes: str, **options: object) -> NoReturn:
        from azure.core.exceptions import ClientAuthenticationError

        raise ClientAuthenticationError("AADSTS70016: the user declined the sign-in.\nTrace ID: 0")


async def test_a_failed_sign_in_is_the_operators_to_fix_with_exit_code_3() -> None:
    tenant = GraphClient(
        DeclinedSignIn(), graph_url="http://127.0.0.1:9/beta", scopes=["https://graph.microsoft.com/.default"]
    )
    signed_in = SignedInTenant(ANSWERS.tenant, ANSWERS.auth, tenant)
    with pytest.raises(SetupError) as caught:
        await signed_in.identify()
    await signed_in.close()
    assert caught.value.exit_code == ExitCode.SIGN_IN
    assert caught.value.what == "Signing in to the tenant failed: AADSTS70016: the user declined the sign-in."
    assert "az login --tenant" in caught.value.fix


def test_a_second_run_on_the_same_tenant_is_refused_while_one_holds_it() -> None:
    from wizard.errors import TenantNotReadyError

    store = StateStore("contoso")
    with (
        store.exclusive(),
        pytest.raises(TenantNotReadyError, match="Another asignio-setup is setting up contoso"),
        StateStore("contoso").exclusive(),
    ):
        pass
    with store.exclusive():
        pass


async def test_the_review_takes_one_look_even_right_after_a_run_whose_objects_graph_does_not_show_yet() -> None:
    """A run's steps wait for what the last run made to replicate; the review writes nothing and must not leave the
    operator on a silent screen for a minute, so each step looks once."""
    from wizard.policies import demo_chain
    from wizard.simulator import SimulatedTenant, SimulatorServer

    answers = parse_answers(
        {
            "tenant": {"name": "contoso"},
            "asignio": {"client_id": "00001111-aaaa-2222-bbbb-3333cccc4444"},
            "setup": {"pivot": "custom-policy"},
        }
    )
    tenant = SimulatedTenant.seeded("contoso", base=demo_chain("contoso.onmicrosoft.com"))
    with SimulatorServer(tenant) as server:

        def session() -> Session:
            graph = GraphClient(
                server.credential,
                graph_url=server.graph_root + "/beta",
                scopes=["https://graph.microsoft.com/.default"],
            )
            return SignedInTenant(answers.tenant, answers.auth, graph).session_for(answers, secret="secret")

        first = session()
        await first.run(lambda event: None)
        await first.graph.close()
        server.replication_lag = 600.0
        server.reset_log()
        second = session()
        review = await second.review()
        await second.graph.close()
    assert [step.done for step in review.steps if step.id == "test-app"] == [False]
    application_lists = [record for record in server.log if record.path == "/applications"]
    assert len(application_lists) == 1


async def test_a_retry_on_the_same_runner_waits_for_what_the_failed_try_made_and_makes_nothing_twice() -> None:
    """The progress screen's Retry runs the same Session again: like a fresh run resuming from the state file, it
    must wait for what the failed try made moments ago (Graph does not show it yet) instead of making it again."""
    from tests.support.headless import SECRET, answers_text
    from tests.support.tenants import EXPECTED, seeded_tenant, tenant_objects
    from wizard.simulator import SimulatorServer

    answers = parse_answers(tomllib.loads(answers_text("custom-policy")))
    relying_party = "B2C_1A_AsignioSUSI"
    with SimulatorServer(seeded_tenant()) as server:
        graph = GraphClient(
            server.credential, graph_url=server.graph_root + "/beta", scopes=["https://graph.microsoft.com/.default"]
        )
        session = SignedInTenant(answers.tenant, answers.auth, graph).session_for(answers, secret=SECRET)
        faults_of(server).refuse_policy(relying_party)
        first_try: list[Event] = []
        failed = await session.run(first_try.append)
        assert [event.step for event in first_try if isinstance(event, StepFailed)] == ["relying-party"]
        assert [failure.step for failure in failed.failures] == ["relying-party"]
        assert failed.failure is not None and failed.exit_code == failed.failure.exit_code
        assert failed.changed, "what the first try made before the failure is in its outcome"
        faults_of(server).accept_policy(relying_party)
        server.replication_lag = 600.0  # everything the first try made is hidden until a step waits for it
        server.reset_log()
        waits: list[str] = []

        def retry_events(event: Event) -> None:
            if isinstance(event, StepProgress) and "Graph may not show it yet" in event.message:
                waits.append(event.step)
                server.replication_lag = 0.0

        await session.run(retry_events)
        await graph.close()
        assert waits, "the retry did not wait for what the first try made"
        assert tenant_objects(server.tenant) == EXPECTED["custom-policy"]
        assert [(record.method, record.path) for record in server.log if record.method != "GET"] == [
            ("PUT", f"/trustFramework/policies/{relying_party}/$value")
        ]


async def test_the_run_after_the_portal_confirmations_waits_for_the_first_runs_objects_and_writes_nothing() -> None:
    """The progress screen runs the same Session again once the last portal step is confirmed, seconds after the
    first run made the provider and the flow: Graph may not show them yet, and they must not be made again."""
    from tests.support.headless import SECRET, answers_text
    from tests.support.tenants import EXPECTED, seeded_tenant, tenant_objects
    from wizard.events import RunFinished
    from wizard.simulator import SimulatorServer

    answers = parse_answers(tomllib.loads(answers_text("user-flow")))
    with SimulatorServer(seeded_tenant()) as server:
        graph = GraphClient(
            server.credential, graph_url=server.graph_root + "/beta", scopes=["https://graph.microsoft.com/.default"]
        )
        session = SignedInTenant(answers.tenant, answers.auth, graph).session_for(answers, secret=SECRET)
        first = await session.run(lambda event: None)
        assert sorted(first.waiting) == ["local-accounts-off", "user-flow-mfa"]
        assert first.exit_code == ExitCode.PENDING and first.failures == ()
        for step_id in first.waiting:
            session.confirm_guided(step_id)
        server.replication_lag = 600.0
        server.reset_log()
        waits: list[str] = []

        def second_run_events(event: Event) -> None:
            if isinstance(event, StepProgress) and "Graph may not show it yet" in event.message:
                waits.append(event.step)
                server.replication_lag = 0.0

        second: RunFinished = await session.run(second_run_events)
        await graph.close()
    assert waits, "the second run did not wait for what the first made"
    assert second.waiting == () and second.run_now_url and second.exit_code == ExitCode.OK
    assert tenant_objects(server.tenant) == EXPECTED["user-flow"]
    assert server.writes == 0


async def test_the_review_shows_the_extensions_change_though_a_prerequisite_could_not_be_looked_at() -> None:
    """A tenant whose Extensions build on Base directly (no Localization) sends the IEF app steps to look; an app of
    that name the tool did not make, lacking a part, stops that look and the starter pack's step with it. The
    review still shows what the Extensions would become, built on the chain the base check read."""
    from tests.support.tenants import seeded_tenant
    from wizard.simulator import SimulatorServer
    from wizard.simulator.tenant import new_id

    answers = parse_answers(
        {
            "tenant": {"name": "contoso"},
            "asignio": {"client_id": "00001111-aaaa-2222-bbbb-3333cccc4444"},
            "setup": {"pivot": "custom-policy"},
        }
    )
    tenant = seeded_tenant()
    extensions = "B2C_1A_TrustFrameworkExtensions"
    del tenant.policies["B2C_1A_TrustFrameworkLocalization"]
    tenant.policies[extensions] = tenant.policies[extensions].replace(
        b"<PolicyId>B2C_1A_TrustFrameworkLocalization</PolicyId>", b"<PolicyId>B2C_1A_TrustFrameworkBase</PolicyId>"
    )
    object_id = new_id()
    tenant.applications[object_id] = {"id": object_id, "appId": new_id(), "displayName": "IdentityExperienceFramework"}
    with SimulatorServer(tenant) as server:
        graph = GraphClient(
            server.credential, graph_url=server.graph_root + "/beta", scopes=["https://graph.microsoft.com/.default"]
        )
        try:
            review = await SignedInTenant(answers.tenant, answers.auth, graph).session_for(answers, secret="x").review()
        finally:
            await graph.close()
    assert [step.checked for step in review.steps if step.id == "starter-pack-base"] == [False]
    assert review.extensions_diff is not None
    assert "Asignio" in review.extensions_diff
