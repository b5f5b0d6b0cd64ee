"""The External ID path's MFA steps through the real runner and Graph layer, against an external tenant (tenantType
CIAM) in the simulator: the second factor on, one Conditional Access policy for the test app, as the answers ask."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable
from typing import Any

import pytest

from tests.contract.support import documented
from tests.support.crashes import crash_after_write
from tests.support.faults import faults_of
from tests.support.simulator import Start
from wizard.answers import Answers, parse_answers
from wizard.auth import StaticTokenCredential
from wizard.errors import ExitCode, SetupError
from wizard.events import Event, StepDone, StepProgress, StepSkipped
from wizard.graph import GraphClient
from wizard.runner import Runner
from wizard.simulator import ALL_PERMISSIONS, SimulatedTenant, SimulatorServer
from wizard.state import StateStore
from wizard.steps import Plan
from wizard.steps.external_id_mfa import (
    EXTERNAL_ID_MFA_DOCS,
    external_id_mfa_steps,
    mfa_policy_name,
)
from wizard.steps.jwt_ms_app import TestApplication as JwtMsTestApp
from wizard.steps.preflight import Preflight

REPLICATION_LAG_SECONDS = 1.0
"""Long enough that a re-run right after a stop cannot see the policy it made yet, short enough for a quick test."""
REPORT_ONLY = "enabledForReportingButNotEnforced"


def external_answers(mfa: str, *, report_only: bool = False) -> Answers:
    return parse_answers(
        {
            "tenant": {"name": "contoso"},
            "asignio": {"client_id": "00001111-aaaa-2222-bbbb-3333cccc4444"},
            "setup": {"pivot": "external-id", "mfa": mfa},
            "external_id": {"mfa_report_only": report_only},
        }
    )


def mfa_plan(answers: Answers) -> Plan:
    """Preflight, the test app, then the MFA steps: the part of the External ID path these steps need."""
    return Plan(answers, (Preflight(), JwtMsTestApp(), *external_id_mfa_steps(answers)))


def external_tenant(start_simulator: Start, **knobs: Any) -> SimulatorServer:
    return start_simulator(SimulatedTenant.seeded("contoso", tenant_type="CIAM"), **knobs)


async def run_plan(
    server: SimulatorServer, answers: Answers, on_event: Callable[[Event], None] | None = None
) -> list[Event]:
    """One run of the plan with its own Graph client and the tenant's saved state, as a new process would; a step's
    failure is raised, as the command ends with it."""
    events: list[Event] = []

    def emit(event: Event) -> None:
        events.append(event)
        if on_event is not None:
            on_event(event)

    graph = GraphClient(
        StaticTokenCredential(server.access_token),
        graph_url=server.graph_root + "/beta",
        scopes=["https://graph.microsoft.com/.default"],
    )
    try:
        finished = await Runner(mfa_plan(answers), graph, StateStore("contoso"), lambda: "unused").run(emit)
    finally:
        await graph.close()
    if finished.failure is not None:
        raise finished.failure
    return events


def policies(server: SimulatorServer) -> list[dict[str, Any]]:
    return list(server.tenant.conditional_access_policies.values())


def test_turning_mfa_off_adds_no_step() -> None:
    assert external_id_mfa_steps(external_answers("off")) == ()
    assert [step.id for step in external_id_mfa_steps(external_answers("email"))] == ["mfa-method", "mfa-policy"]


async def test_email_mfa_turns_on_email_otp_and_makes_one_enforced_policy_for_the_test_app(
    start_simulator: Start,
) -> None:
    server = external_tenant(start_simulator)
    answers = external_answers("email")

    events = await run_plan(server, answers)

    email = server.tenant.authentication_methods["email"]
    assert (email["state"], email["allowExternalIdToUseEmailOtp"]) == ("enabled", "enabled")
    assert email["includeTargets"] == [{"targetType": "group", "id": "all_users", "isRegistrationRequired": False}]
    assert "sms" not in server.tenant.authentication_methods
    [policy] = policies(server)
    [app] = server.tenant.applications.values()
    assert policy["displayName"] == mfa_policy_name(answers)
    assert policy["state"] == "enabled"
    assert policy["conditions"]["applications"]["includeApplications"] == [app["appId"]]
    assert policy["conditions"]["users"]["includeUsers"] == ["All"]
    assert policy["grantControls"]["builtInControls"] == ["mfa"]
    assert {event.step for event in events if isinstance(event, StepDone)} >= {"mfa-method", "mfa-policy"}

    server.reset_log()
    again = await run_plan(server, answers)

    assert server.writes == 0
    assert len(policies(server)) == 1
    assert {event.step for event in again if isinstance(event, StepSkipped)} >= {"mfa-method", "mfa-policy"}


async def test_sms_mfa_turns_on_sms_and_says_plainly_that_it_is_a_paid_add_on(start_simulator: Start) -> None:
    server = external_tenant(start_simulator)
    answers = external_answers("sms")
    [method_step, _] = external_id_mfa_steps(answers)

    events = await run_plan(server, answers)

    sms = server.tenant.authentication_methods["sms"]
    assert sms["state"] == "enabled"
    assert [target["id"] for target in sms["includeTargets"]] == ["all_users"]
    assert "email" not in server.tenant.authentication_methods
    said = [event.message for event in events if isinstance(event, StepProgress) and event.step == "mfa-method"]
    [done] = [event.summary for event in events if isinstance(event, StepDone) and event.step == "mfa-method"]
    for text in (" ".join(said), done, method_step.describe(answers)):
        assert "paid add-on" in text
        assert EXTERNAL_ID_MFA_DOCS in text
    assert len(policies(server)) == 1


async def test_an_sms_configuration_that_already_targets_everyone_keeps_its_targets(start_simulator: Start) -> None:
    """Only the state is sent when all_users is targeted already: the operator's other targets stay as they are."""
    server = external_tenant(start_simulator)
    targets = [{"targetType": "group", "id": "all_users", "isRegistrationRequired": True, "isUsableForSignIn": False}]
    server.tenant.authentication_methods["sms"] = {"includeTargets": targets}

    await run_plan(server, external_answers("sms"))

    assert server.tenant.authentication_methods["sms"] == {"includeTargets": targets, "state": "enabled"}


async def test_a_report_only_policy_is_switched_to_enforced_when_the_answer_changes(start_simulator: Start) -> None:
    server = external_tenant(start_simulator)

    await run_plan(server, external_answers("email", report_only=True))
    [policy] = policies(server)
    assert policy["state"] == REPORT_ONLY

    server.reset_log()
    await run_plan(server, external_answers("email", report_only=True))
    assert server.writes == 0
    policy["conditions"]["users"]["excludeUsers"] = ["a break-glass account's id"]

    events = await run_plan(server, external_answers("email", report_only=False))

    [policy_after] = policies(server)
    assert (policy_after["id"], policy_after["state"]) == (policy["id"], "enabled")
    assert policy_after["conditions"]["users"]["excludeUsers"] == ["a break-glass account's id"]
    assert [record.method for record in server.log if record.is_write] == ["PATCH"]
    [done] = [event.summary for event in events if isinstance(event, StepDone) and event.step == "mfa-policy"]
    assert "updated" in done

    server.reset_log()
    await run_plan(server, external_answers("email", report_only=False))
    assert server.writes == 0


async def test_a_policy_listed_on_a_later_page_is_found_not_made_again(start_simulator: Start) -> None:
    """Graph may page any collection: the policy is found on whatever page it is."""
    server = external_tenant(start_simulator, page_size=1)
    for policy in documented("list_conditional_access_policies").response.body["value"]:
        server.tenant.conditional_access_policies[policy["id"]] = policy

    await run_plan(server, external_answers("email"))
    server.reset_log()
    await run_plan(server, external_answers("email"))

    assert server.writes == 0
    assert sum(1 for policy in policies(server) if policy["displayName"].startswith("Asignio")) == 1


async def stop_after_write(server: SimulatorServer, answers: Answers, write: int) -> None:
    """A run that dies the moment Graph's answer to its `write`-th write reaches it, before it can record it
    (tests/support/crashes.py crash_after_write); on an event loop of its own, in a thread, since the crash ends
    the loop it runs on."""
    with crash_after_write(server, write):
        await asyncio.to_thread(asyncio.run, run_plan(server, answers))


async def clean_run_writes(start_simulator: Start, answers: Answers) -> list[str]:
    """`METHOD path` of each write a clean run makes, in order (on a tenant of its own, its state discarded)."""
    server = external_tenant(start_simulator)
    await run_plan(server, answers)
    StateStore("contoso").discard()
    return [f"{record.method} {record.path}" for record in server.log if record.is_write]


async def test_when_the_policy_create_is_made_but_its_answer_lost_the_rerun_finds_it_and_makes_no_second(
    start_simulator: Start,
) -> None:
    """Graph makes the policy and the answer never arrives (a gateway timeout; to the state file the same as a kill
    -9 right after the POST): the intent noted before the create stays, so a re-run at once, while Graph does not
    list the new policy yet (replication), waits for it instead of creating another."""
    server = external_tenant(start_simulator, replication_lag=REPLICATION_LAG_SECONDS)
    answers = external_answers("email", report_only=True)

    def lose_the_create(event: Event) -> None:
        if isinstance(event, StepProgress) and event.step == "mfa-policy" and event.message.startswith("creating"):
            faults_of(server).lose_answers(1)

    with pytest.raises(SetupError) as caught:
        await run_plan(server, answers, lose_the_create)
    assert caught.value.exit_code == ExitCode.SERVICE
    assert len(policies(server)) == 1
    saved = StateStore("contoso").load()
    assert saved is not None and "mfa-policy" in saved.intents

    server.reset_log()
    await run_plan(server, answers)

    [policy] = policies(server)
    assert policy["state"] == REPORT_ONLY
    assert not [record for record in server.log if record.is_write and "conditionalAccess" in record.path]
    saved = StateStore("contoso").load()
    assert saved is not None and saved.steps["mfa-policy"].ids["policy"] == policy["id"]
    assert "mfa-policy" not in saved.intents

    server.reset_log()
    await run_plan(server, answers)
    assert server.writes == 0


@pytest.mark.parametrize("mfa", ["email", "sms"])
async def test_stopped_after_any_write_the_rerun_finishes_without_duplicates(start_simulator: Start, mfa: str) -> None:
    answers = external_answers(mfa)
    writes = await clean_run_writes(start_simulator, answers)
    for write in range(1, len(writes) + 1):
        server = external_tenant(start_simulator, replication_lag=REPLICATION_LAG_SECONDS)
        await stop_after_write(server, answers, write)
        await run_plan(server, answers)
        assert len(policies(server)) == 1, f"stopped after write {write} ({writes[write - 1]})"
        assert len(server.tenant.applications) == 1, f"stopped after write {write}"
        assert server.tenant.authentication_methods[mfa]["state"] == "enabled"
        server.reset_log()
        await run_plan(server, answers)
        assert server.writes == 0, f"stopped after write {write}"
        StateStore("contoso").discard()


async def test_an_mfa_run_without_the_conditional_access_permission_is_refused_before_any_write(
    start_simulator: Start,
) -> None:
    """The preflight checks the MFA permissions for a run with MFA, and only for one: the same token sets up the
    path with MFA off."""
    granted = ALL_PERMISSIONS - {"Policy.ReadWrite.ConditionalAccess"}
    server = external_tenant(start_simulator, permissions=granted)

    with pytest.raises(SetupError) as caught:
        await run_plan(server, external_answers("email"))
    assert caught.value.exit_code == ExitCode.PERMISSION
    assert "Policy.ReadWrite.ConditionalAccess" in caught.value.what
    assert server.writes == 0

    StateStore("contoso").discard()
    await run_plan(server, external_answers("off"))
    assert server.tenant.applications
    assert not policies(server)


@pytest.mark.parametrize("state", ["none", "recorded"])
async def test_a_conditional_access_policy_under_its_name_it_cannot_prove_it_made_is_never_changed(
    start_simulator: Start, state: str
) -> None:
    """A policy under the MFA policy's name that asks something else (report-only where the answers want it
    enforced), that the tool cannot prove it made: no state on this machine, or a state that records the tenant but
    not this policy (the tool's was deleted and one made by hand under its name). It may guard other apps and users:
    the run stops with exit 5 naming it, and writes nothing to Conditional Access."""
    server = external_tenant(start_simulator)
    await run_plan(server, external_answers("email", report_only=True))
    [(made_id, made)] = server.tenant.conditional_access_policies.items()
    hand_made = copy.deepcopy(made)
    if state == "none":
        StateStore("contoso").discard()
    else:
        del server.tenant.conditional_access_policies[made_id]
        hand_made["id"] = "00000000-0000-4000-8000-00000000ca01"
    server.tenant.conditional_access_policies[hand_made["id"]] = copy.deepcopy(hand_made)
    server.reset_log()

    with pytest.raises(SetupError) as caught:
        await run_plan(server, external_answers("email", report_only=False))

    assert caught.value.exit_code == ExitCode.TENANT
    assert caught.value.what.startswith(f"The Conditional Access policy {made['displayName']} ({hand_made['id']})")
    assert "asignio-setup cannot prove it made it" in caught.value.what
    assert ("--state-dir" in caught.value.fix) is (state == "none")
    assert policies(server) == [hand_made]
    assert not [record for record in server.log if record.is_write and "conditionalAccess" in record.path]


async def test_the_policy_names_the_test_app_the_setup_made_not_another_app_of_its_name(
    start_simulator: Start,
) -> None:
    """An administrator registers an app under the test app's name after the setup: the MFA policy the setup made
    keeps naming the tool's test app when a later run brings it to the answers, never the administrator's."""
    server = external_tenant(start_simulator)
    answers = external_answers("email", report_only=True)
    await run_plan(server, answers)
    [tool_app] = server.tenant.applications.values()
    admins_app = {
        "id": "00000000-0000-4000-8000-000000000001",
        "appId": "00000000-0000-4000-8000-0000000000a1",
        "displayName": tool_app["displayName"],
        "uniqueName": None,
        "tags": [],
        "signInAudience": "AzureADMyOrg",
        "web": {"redirectUris": ["https://contoso.example/signin"], "implicitGrantSettings": {}},
    }
    server.tenant.applications[admins_app["id"]] = admins_app

    await run_plan(server, external_answers("email", report_only=False))

    [policy] = policies(server)
    assert policy["state"] == "enabled"
    assert policy["conditions"]["applications"]["includeApplications"] == [tool_app["appId"]]
