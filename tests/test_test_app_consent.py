"""The jwt.ms test app's admin consent, where the signed-in account may not grant it: a guided step with Microsoft's
admin-consent link, as for the IEF apps, through the real CLI, Graph layer and Runner against the simulator (its
knob refuses the grant as Graph does)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.headless import SECRET, point_at, run, write_answers
from tests.support.tenants import grant_as_an_administrator_would, seeded_tenant
from wizard.answers_file import load_answers
from wizard.cli import main
from wizard.errors import ExitCode
from wizard.events import Event, RunFinished, StepStatus, StepWaiting
from wizard.graph import GRAPH_APP_ID, GraphClient
from wizard.ownership import ObjectKind, Origin
from wizard.session import SignedInTenant
from wizard.simulator import SimulatorServer
from wizard.state import StateStore
from wizard.steps.ief_apps import admin_consent_url

STEP = "test-app-consent"


@pytest.fixture
def refusing(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatorServer]:
    """A B2C tenant with its base chain, signed in with an account Graph refuses tenant-wide consent (403)."""
    with SimulatorServer(seeded_tenant(), consent_allowed=False) as server:
        point_at(server, monkeypatch)
        yield server


async def run_again(server: SimulatorServer, answers_path: Path, events: list[Event], *, confirm: bool) -> RunFinished:
    """The same setup run once more, on a Graph client that does not wait for what may not show yet."""
    answers = load_answers(answers_path)
    graph = GraphClient(
        server.credential,
        graph_url=server.graph_root + "/beta",
        scopes=["https://graph.microsoft.com/.default"],
        lag_budget=0.0,
    )
    session = SignedInTenant(answers.tenant, answers.auth, graph).session_for(answers, secret=SECRET)
    try:
        if confirm:
            session.confirm_guided(STEP)
        return await session.run(events.append)
    finally:
        await graph.close()


async def test_a_refused_grant_waits_for_an_administrator_with_the_consent_link_and_a_confirmation_alone_is_not_enough(
    refusing: SimulatorServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers_path = write_answers(tmp_path, "custom-policy", mfa="off")
    assert await asyncio.to_thread(run, answers_path) == ExitCode.PENDING
    output = capsys.readouterr().out
    tenant = refusing.tenant
    [test_app] = tenant.applications.values()
    consent_url = admin_consent_url(load_answers(answers_path), test_app["appId"])
    assert consent_url == (
        f"https://login.microsoftonline.com/contoso.onmicrosoft.com/adminconsent?client_id={test_app['appId']}"
    )
    assert f"  … {STEP}: waiting for you in the Azure portal:\n      {consent_url}\n" in output
    assert "Global Administrator or Privileged Role Administrator" in output
    assert f"--confirm {STEP}" in output
    assert tenant.permission_grants == {}, "nothing was granted"

    events: list[Event] = []
    confirmed_only = await run_again(refusing, answers_path, events, confirm=True)
    assert confirmed_only.waiting == (STEP,)
    assert [event.link for event in events if isinstance(event, StepWaiting)] == [consent_url]
    state = StateStore("contoso").load()
    assert state is not None and not state.finished
    assert state.steps[STEP].summary == "confirmed, but the tenant shows no admin consent for the test app yet"

    grant_as_an_administrator_would(tenant, test_app["appId"], GRAPH_APP_ID, "openid offline_access")
    refusing.reset_log()
    done = await run_again(refusing, answers_path, [], confirm=False)
    assert done.waiting == () and done.run_now_url
    assert refusing.writes == 0
    state = StateStore("contoso").load()
    assert state is not None and state.finished
    assert state.steps[STEP].summary.startswith("not needed")
    [grant_id] = tenant.permission_grants
    [entry] = [entry for entry in state.ledger if entry.kind is ObjectKind.CONSENT_GRANT]
    assert (entry.id, entry.origin) == (grant_id, Origin.FOUND), "the administrator's grant, not the tool's"

    assert await asyncio.to_thread(main, ["remove", "--yes", str(answers_path)]) == ExitCode.OK
    assert tenant.permission_grants == {}, "the grant went with the test app's service principal"
    assert test_app["id"] not in tenant.applications


def test_where_the_account_may_grant_it_no_administrator_is_needed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with SimulatorServer(seeded_tenant()) as server:
        point_at(server, monkeypatch)
        assert run(write_answers(tmp_path, "custom-policy", mfa="off")) == ExitCode.OK
        [grant_id] = server.tenant.permission_grants
    output = capsys.readouterr().out
    state = StateStore("contoso").load()
    assert state is not None
    [entry] = [entry for entry in state.ledger if entry.kind is ObjectKind.CONSENT_GRANT]
    assert (entry.id, entry.origin, entry.step) == (grant_id, Origin.MADE, "test-app"), "the run's own grant"
    said = "not needed: no administrator has to grant the test app's consent"
    assert f"  ✓ {STEP}: {said}" in output
    assert "Run now: " in output


def test_no_consent_is_asked_for_an_app_under_the_test_apps_name_the_tool_cannot_prove_it_made(
    refusing: SimulatorServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The consent step follows the test app step's proof: an administrator's app under the test app's name (no
    uniqueName of the tool's, no tag) stops the run at the test app step, and no administrator is sent to consent
    to that app (no link names it, nothing waits for a confirmation)."""
    answers_path = write_answers(tmp_path, "custom-policy", mfa="off")
    theirs: dict[str, Any] = {
        "id": "11111111-2222-3333-4444-555555555555",
        "appId": "66666666-2222-3333-4444-555555555555",
        "displayName": load_answers(answers_path).test_app.display_name,
        "uniqueName": None,
        "tags": [],
        "signInAudience": "AzureADMyOrg",
        "web": {"redirectUris": [], "implicitGrantSettings": {"enableIdTokenIssuance": False}},
    }
    refusing.tenant.applications[theirs["id"]] = dict(theirs)
    assert run(answers_path) == ExitCode.TENANT
    captured = capsys.readouterr()
    assert "is taken by something else" in captured.err and theirs["appId"] in captured.err
    assert "adminconsent" not in captured.out + captured.err
    assert f"--confirm {STEP}" not in captured.out + captured.err
    state = StateStore("contoso").load()
    assert state is not None and state.steps[STEP].status is not StepStatus.WAITING
    assert refusing.tenant.applications[theirs["id"]] == theirs
    assert refusing.tenant.permission_grants == {}
