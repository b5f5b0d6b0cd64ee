"""`asignio-setup --non-interactive` end to end: the real Graph SDK against the simulated tenant over loopback."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.crashes import CRASH_LAG_SECONDS, KILL_TEST_LAG_SECONDS, crash_after_write, killed_after_write
from tests.support.faults import faults_of
from tests.support.headless import (
    CLIENT_ID,
    GUIDED_STEPS,
    OTHER_CLIENT_ID,
    SECRET,
    answers_text,
    point_at,
    run,
    run_now_query,
    write_answers,
)
from tests.support.tenants import EXPECTED, seeded_tenant, tenant_objects
from tests.support.virtual_clock import VirtualClock
from wizard.cli import main
from wizard.policies import demo_chain, validate_chain
from wizard.simulator import ALL_PERMISSIONS, SimulatedTenant, SimulatorServer
from wizard.state_files import state_dir

CLEAN_RUN_WRITES = {"custom-policy": 7, "user-flow": 6}


def test_custom_policy_path_end_to_end(
    simulator: SimulatorServer, answers_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(write_answers(answers_dir, "custom-policy")) == 0
    output = capsys.readouterr().out
    tenant = simulator.tenant
    assert tenant_objects(tenant) == EXPECTED["custom-policy"]
    assert simulator.writes == CLEAN_RUN_WRITES["custom-policy"]
    assert tenant.key_sets["B2C_1A_AsignioSecret"][0]["use"] == "sig"
    assert validate_chain({name: content for name, content in tenant.policies.items()}) == []
    extensions = tenant.policies["B2C_1A_TrustFrameworkExtensions"]
    assert CLIENT_ID.encode() in extensions and b"PhoneFactor-InputOrVerify" in extensions
    app = next(iter(tenant.applications.values()))
    query = run_now_query(output)
    assert query == {
        "p": "B2C_1A_AsignioSUSI",
        "client_id": app["appId"],
        "nonce": "defaultNonce",
        "redirect_uri": "https://jwt.ms",
        "scope": "openid",
        "response_type": "id_token",
        "prompt": "login",
    }
    grant = next(iter(tenant.permission_grants.values()))
    assert set(grant["scope"].split()) == {"openid", "offline_access"}
    assert grant["consentType"] == "AllPrincipals"

    simulator.reset_log()
    assert run(write_answers(answers_dir, "custom-policy")) == 0
    assert simulator.writes == 0
    assert "Nothing needed changing." in capsys.readouterr().out


def test_user_flow_path_waits_for_portal_steps_then_finishes(
    simulator: SimulatorServer, answers_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = write_answers(answers_dir, "user-flow")
    assert run(answers) == 7
    output = capsys.readouterr().out
    assert "local-accounts-off: waiting for you in the Azure portal" in output
    assert "Under Local accounts, select None" in output
    assert "Multifactor authentication" in output
    tenant = simulator.tenant
    assert tenant_objects(tenant) == EXPECTED["user-flow"]
    provider = next(iter(tenant.identity_providers.values()))
    assert provider["clientId"] == CLIENT_ID
    assert (provider["scope"], provider["responseType"], provider["responseMode"]) == (
        "openid email profile",
        "code",
        "query",
    )
    assert provider["metadataUrl"] == "https://authorization.asignio.com/.well-known/openid-configuration"
    assert provider["domainHint"] == "https://asignio.com"
    assert provider["claimsMapping"] == {
        "userId": "sub",
        "displayName": "name",
        "givenName": "given_name",
        "surname": "family_name",
        "email": "email",
    }
    assert "B2C_1_AsignioSignupSignin" in tenant.user_flows

    simulator.reset_log()
    assert run(answers, *GUIDED_STEPS) == 0
    assert simulator.writes == 0
    output = capsys.readouterr().out
    assert run_now_query(output)["p"] == "B2C_1_AsignioSignupSignin"


def test_changing_an_answer_redoes_only_what_depends_on_it(simulator: SimulatorServer, answers_dir: Path) -> None:
    assert run(write_answers(answers_dir, "custom-policy")) == 0
    simulator.reset_log()
    assert run(write_answers(answers_dir, "custom-policy", client_id=OTHER_CLIENT_ID)) == 0
    writes = [record for record in simulator.log if record.is_write]
    assert [(record.method, record.path.rsplit("/", 2)[-2]) for record in writes] == [
        ("PUT", "B2C_1A_TrustFrameworkExtensions")
    ]
    extensions = simulator.tenant.policies["B2C_1A_TrustFrameworkExtensions"]
    assert OTHER_CLIENT_ID.encode() in extensions and CLIENT_ID.encode() not in extensions
    backups = list((state_dir() / "backups" / "contoso").iterdir())
    assert any(CLIENT_ID.encode() in backup.read_bytes() for backup in backups)


def crash_cases(pivot: str, upserts: bool) -> list[tuple[str, bool, int]]:
    return [(pivot, upserts, write) for write in range(1, CLEAN_RUN_WRITES[pivot] + 1)]


@pytest.mark.parametrize(
    ("pivot", "upserts", "crash_after"),
    [*crash_cases("custom-policy", True), *crash_cases("custom-policy", False), *crash_cases("user-flow", True)],
)
def test_crashed_after_any_write_the_rerun_finishes_without_duplicates(
    answers_dir: Path, monkeypatch: pytest.MonkeyPatch, pivot: str, upserts: bool, crash_after: int
) -> None:
    """The run dies right after a write Graph answered (before the tool could record it), then runs again at once,
    against a tenant that pages every list and hides each new object for a while: the re-run waits for what it
    cannot see yet instead of making it twice, and a run after it writes nothing. Without upserts the test app and
    its service principal are made by plain creates, which the recorded intent guards."""
    answers = write_answers(answers_dir, pivot)
    tenant = seeded_tenant()
    with SimulatorServer(tenant, page_size=1, replication_lag=CRASH_LAG_SECONDS, upsert_supported=upserts) as server:
        point_at(server, monkeypatch)
        with crash_after_write(server, crash_after):
            run(answers)
        assert run(answers) == (0 if pivot == "custom-policy" else 7)
        if pivot == "user-flow":
            assert run(answers, *GUIDED_STEPS) == 0
        assert tenant_objects(tenant) == EXPECTED[pivot]
        server.reset_log()
        assert run(answers) == 0
        assert server.writes == 0


def test_a_clean_run_makes_the_writes_the_crash_tests_crash_after(
    answers_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The crash tests above die after each write of CLEAN_RUN_WRITES: a clean run, with or without upserts, makes
    exactly that many, so no write goes without its crash."""
    for pivot, upserts in (("custom-policy", True), ("custom-policy", False), ("user-flow", True)):
        with SimulatorServer(seeded_tenant(), upsert_supported=upserts) as server:
            point_at(server, monkeypatch)
            monkeypatch.setenv("XDG_STATE_HOME", str(answers_dir / f"state-{pivot}-{upserts}"))
            run(write_answers(answers_dir, pivot))
            answered = [record for record in server.log if record.is_write and 200 <= record.status < 300]
            assert len(answered) == CLEAN_RUN_WRITES[pivot], (pivot, upserts)


def test_a_write_that_waited_long_for_what_it_refers_to_is_waited_for_in_full_after_a_crash(
    answers_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The policy key's intent is noted before its upload, which then waits for the new key set to replicate (40 s
    here; Microsoft says about a minute). The run dies right after the upload: the re-run must wait a whole budget
    for the key to show, not what is left of one since the intent, or it sends a second key."""
    answers = write_answers(answers_dir, "custom-policy")
    tenant = seeded_tenant()
    with SimulatorServer(tenant) as server:
        point_at(server, monkeypatch)
        assert run(answers) == 0
        del tenant.key_sets["B2C_1A_AsignioSecret"]
        server.replication_lag = 40.0
        with crash_after_write(server, 2):  # the key set, then (some 47 s after the intent) its key
            run(answers)
        written = [record.path.rsplit("/", 1)[-1] for record in server.log if record.status == 200 and record.is_write]
        assert written[-1] == "uploadSecret", (
            "the run died right after the key's upload (reads of other steps may end later)"
        )
        assert run(answers) == 0
        assert tenant_objects(tenant) == EXPECTED["custom-policy"]


KILL_POINTS = {"custom-policy": 3, "user-flow": 1}
"""The write each path's kill -9 test kills after: one early in the run, so the re-run meets objects still replicating
and intents with no object behind them yet (the crash tests above die after every write)."""


@pytest.mark.slow
@pytest.mark.parametrize("pivot", ["custom-policy", "user-flow"])
def test_killed_with_kill_9_the_rerun_finishes_without_duplicates(
    answers_dir: Path, monkeypatch: pytest.MonkeyPatch, kill_clock: VirtualClock, pivot: str
) -> None:
    """A real process killed with kill -9 right after a write Graph answered: its state file, lock file and open
    connections are as a crash leaves them; the re-run at once meets the lag, makes nothing twice, and a run after it
    writes nothing. (The tests above die after every write, in this process.)"""
    answers = write_answers(answers_dir, pivot)
    with SimulatorServer(
        seeded_tenant(), page_size=1, replication_lag=KILL_TEST_LAG_SECONDS, upsert_supported=False
    ) as server:
        point_at(server, monkeypatch)
        with killed_after_write(server, KILL_POINTS[pivot], ["--non-interactive", str(answers)]):
            assert run(answers) == (0 if pivot == "custom-policy" else 7)
            if pivot == "user-flow":
                assert run(answers, *GUIDED_STEPS) == 0
            assert tenant_objects(server.tenant) == EXPECTED[pivot]
            server.reset_log()
            assert run(answers) == 0
            assert server.writes == 0


@pytest.mark.parametrize("pivot", ["custom-policy", "user-flow"])
def test_with_paging_and_replication_lag_a_run_finishes_and_an_immediate_rerun_writes_nothing(
    answers_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], pivot: str
) -> None:
    answers = write_answers(answers_dir, pivot)
    with SimulatorServer(seeded_tenant(), page_size=1, replication_lag=1.0) as server:
        point_at(server, monkeypatch)
        extra = GUIDED_STEPS if pivot == "user-flow" else []
        if pivot == "user-flow":
            assert run(answers) == 7
        assert run(answers, *extra) == 0
        assert tenant_objects(server.tenant) == EXPECTED[pivot]
        assert "Graph does not show" in capsys.readouterr().out
        if pivot == "custom-policy":
            assert any("$skiptoken" in record.query for record in server.log), "the policy list never paged"
        server.reset_log()
        assert run(answers) == 0
        assert server.writes == 0


def test_throttling_and_unavailable_service_are_ridden_out(simulator: SimulatorServer, answers_dir: Path) -> None:
    faults_of(simulator).throttle(2, retry_after=0)
    faults_of(simulator).fail(1, status=503, writes_only=True, retry_after=0)
    assert run(write_answers(answers_dir, "custom-policy")) == 0
    assert tenant_objects(simulator.tenant) == EXPECTED["custom-policy"]


def test_a_dropped_connection_stops_resumably_then_the_rerun_finishes(
    simulator: SimulatorServer, answers_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A new client id changes only the extensions policy. Its upload (a PUT, safe to repeat) is sent once more
    after a dropped connection; dropped again, the run stops with exit 6 and the sentence to run again, having
    changed nothing, and the re-run finishes."""
    assert run(write_answers(answers_dir, "custom-policy")) == 0
    before = simulator.tenant.policies["B2C_1A_TrustFrameworkExtensions"]
    answers = write_answers(answers_dir, "custom-policy", client_id=OTHER_CLIENT_ID)
    simulator.reset_log()
    faults_of(simulator).drop(2, writes_only=True)
    capsys.readouterr()
    assert run(answers) == 6
    assert "run the same command again" in capsys.readouterr().err
    assert [record.status for record in simulator.log if record.is_write] == [0, 0]
    assert simulator.tenant.policies["B2C_1A_TrustFrameworkExtensions"] == before
    assert run(answers) == 0
    assert OTHER_CLIENT_ID.encode() in simulator.tenant.policies["B2C_1A_TrustFrameworkExtensions"]
    assert tenant_objects(simulator.tenant) == EXPECTED["custom-policy"]


def test_the_secret_is_nowhere_but_the_tenant(
    simulator: SimulatorServer, answers_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for pivot in ("custom-policy", "user-flow"):
        assert run(write_answers(answers_dir, pivot)) in (0, 7)
    faults_of(simulator).fail(5, status=400, writes_only=False)
    run(write_answers(answers_dir, "custom-policy", client_id=OTHER_CLIENT_ID))
    captured = capsys.readouterr()
    assert SECRET not in captured.out + captured.err
    written = [path for folder in (state_dir(), answers_dir) for path in folder.rglob("*") if path.is_file()]
    assert written
    for path in written:
        assert SECRET.encode() not in path.read_bytes(), path
    for content in simulator.tenant.policies.values():
        assert SECRET.encode() not in content
    assert all(SECRET not in repr(record) for record in simulator.log)


def test_no_secret_anywhere_is_one_sentence_and_no_writes(
    simulator: SimulatorServer, answers_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("ASIGNIO_CLIENT_SECRET")
    assert run(write_answers(answers_dir, "custom-policy")) == 2
    assert "ASIGNIO_CLIENT_SECRET is not set" in capsys.readouterr().err
    assert simulator.writes == 0


@pytest.mark.parametrize(
    ("tenant_options", "permissions", "code", "message"),
    [
        ({"tenant_type": "AAD"}, None, 5, "is neither an Azure AD B2C nor an Entra External ID tenant"),
        ({"tenant_type": "CIAM"}, None, 5, "is an Entra External ID tenant, but [setup] pivot is custom-policy"),
        ({}, ALL_PERMISSIONS - {"TrustFrameworkKeySet.ReadWrite.All"}, 4, "TrustFrameworkKeySet.ReadWrite.All"),
        ({}, ALL_PERMISSIONS - {"Organization.Read.All"}, 4, "reading it needs Organization.Read.All"),
        (
            {},
            (ALL_PERMISSIONS - {"Application.ReadWrite.All"})
            | {"Directory.ReadWrite.All", "Directory.AccessAsUser.All"},
            4,
            "lacks the Graph permission Application.ReadWrite.All",
        ),
        ({"base": {}}, None, 6, "Could not download the starter pack from http://127.0.0.1:9/"),
        (
            {
                "base": {
                    policy_id: content
                    for policy_id, content in demo_chain("contoso.onmicrosoft.com").items()
                    if "Localization" not in policy_id
                }
            },
            None,
            5,
            "build on B2C_1A_TrustFrameworkLocalization, which the tenant does not have",
        ),
    ],
)
def test_bad_environments_say_what_is_wrong_before_writing(
    answers_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tenant_options: dict[str, Any],
    permissions: frozenset[str] | None,
    code: int,
    message: str,
) -> None:
    options = {"base": demo_chain("contoso.onmicrosoft.com"), **tenant_options}
    tenant = SimulatedTenant.seeded("contoso", **options)
    with SimulatorServer(tenant, permissions=permissions) as server:
        point_at(server, monkeypatch)
        assert run(write_answers(answers_dir, "custom-policy")) == code
        assert server.writes == 0
    error = capsys.readouterr().err
    assert message in error
    assert "what to do:" in error


def test_bad_answers_exit_2_and_touch_nothing(
    simulator: SimulatorServer, answers_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = answers_dir / "bad.toml"
    path.write_text(answers_text("custom-policy").replace(CLIENT_ID, "not-a-guid"), encoding="utf-8")
    assert run(path) == 2
    assert "asignio.client_id: 'not-a-guid' is not a GUID" in capsys.readouterr().err
    assert simulator.reads + simulator.writes == 0
    assert not state_dir().exists()


def test_demo_runs_headless_and_survives_restarts(
    answers_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASIGNIO_CLIENT_SECRET", SECRET)
    demo_state = tmp_path / "demo-tenant.json"
    answers = write_answers(answers_dir, "custom-policy")
    assert main(["--demo", "--demo-state", str(demo_state), "--non-interactive", str(answers)]) == 0
    assert "Run now: " in capsys.readouterr().out
    assert main(["--demo", "--demo-state", str(demo_state), "--non-interactive", str(answers)]) == 0
    assert "Nothing needed changing." in capsys.readouterr().out


def test_a_policy_key_about_to_expire_gets_a_new_key(
    simulator: SimulatorServer, answers_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The key set the setup made holds a key that expires within the renewal window: a run puts a new one in."""
    answers = write_answers(answers_dir, "custom-policy")
    assert run(answers) == 0
    now = int(time.time())
    [key] = simulator.tenant.key_sets["B2C_1A_AsignioSecret"]
    key["exp"] = now + 10 * 86400
    capsys.readouterr()
    assert run(answers) == 0
    assert "a new one is due" in capsys.readouterr().out
    keys = simulator.tenant.key_sets["B2C_1A_AsignioSecret"]
    assert len(keys) == 2 and max(key["exp"] for key in keys) > now + 700 * 86400
    simulator.reset_log()
    assert run(answers) == 0
    assert simulator.writes == 0


@pytest.mark.parametrize("why", ["a key about to expire", "a new secret", "no key"])
def test_a_policy_key_it_did_not_make_gets_no_key_from_it(
    simulator: SimulatorServer, answers_dir: Path, capsys: pytest.CaptureFixture[str], why: str
) -> None:
    """The answers' policy key names a key set someone else made (no state records it): its newest key is what the
    policies naming it sign with, so the setup puts none in (not a renewal, not a rotated secret, not into an empty
    set); it stops with exit 5 naming it, and the set holds what it held."""
    from wizard.simulator.tenant import generated_key

    now = int(time.time())
    days = 10 if why == "a key about to expire" else 400
    keys = [] if why == "no key" else [generated_key("sig", "oct", now - 86400, now + days * 86400)]
    simulator.tenant.key_sets["B2C_1A_AsignioSecret"] = copy.deepcopy(keys)
    answers = write_answers(answers_dir, "custom-policy")
    assert run(answers, *(("--rotate-secret",) if why == "a new secret" else ())) == 5
    error = capsys.readouterr().err
    assert "The key set B2C_1A_AsignioSecret ([custom_policy] policy_key)" in error
    assert "asignio-setup cannot prove it made it" in error and "--state-dir" in error
    assert simulator.tenant.key_sets["B2C_1A_AsignioSecret"] == keys
    assert not [record for record in simulator.log if record.is_write and "keySets" in record.path]


def test_portal_confirmations_lapse_when_a_later_run_recreates_the_flow(
    simulator: SimulatorServer, answers_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = write_answers(answers_dir, "user-flow")
    assert run(answers, "--confirm", "no-such-step") == 2
    assert "no-such-step is not a portal step of this setup" in capsys.readouterr().err
    assert simulator.writes == 0
    assert run(answers) == 7
    assert run(answers, *GUIDED_STEPS) == 0
    simulator.tenant.user_flows.clear()
    capsys.readouterr()
    assert run(answers) == 7
    output = capsys.readouterr().out
    assert "user-flow: B2C_1_AsignioSignupSignin created" in output
    assert "local-accounts-off: waiting for you in the Azure portal" in output
    assert "user-flow-mfa: waiting for you in the Azure portal" in output


def test_a_pipeline_that_knows_its_portal_steps_finishes_a_first_run_in_one_go(
    simulator: SimulatorServer, answers_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A repeat install confirms its portal steps up front: the flow is created and the run ends 0, not 7; the
    next run without the flags writes nothing and waits for nothing."""
    answers = write_answers(answers_dir, "user-flow")
    assert run(answers, *GUIDED_STEPS) == 0
    assert "confirmed by the operator" in capsys.readouterr().out
    writes = simulator.writes
    assert run(answers) == 0
    assert simulator.writes == writes


def _signin_only_flow(tenant: SimulatedTenant) -> str:
    tenant.user_flows["B2C_1_AsignioSignupSignin"] = {
        "id": "B2C_1_AsignioSignupSignin",
        "userFlowType": "signIn",
        "userFlowTypeVersion": 3.0,
        "isLanguageCustomizationEnabled": False,
        "defaultLanguageTag": "en",
        "_providers": [],
    }
    return "B2C_1_AsignioSignupSignin exists but is a signIn flow"


def _social_provider_named_asignio(tenant: SimulatedTenant) -> str:
    tenant.identity_providers["Google-1"] = {
        "@odata.type": "#microsoft.graph.socialIdentityProvider",
        "id": "Google-1",
        "displayName": "Asignio",
        "identityProviderType": "Google",
        "clientId": "google-client",
    }
    return "An identity provider named Asignio exists but is a socialIdentityProvider"


def _rsa_key_in_the_policy_key(tenant: SimulatedTenant) -> str:
    from wizard.simulator.tenant import generated_key

    now = int(time.time())
    tenant.key_sets["B2C_1A_AsignioSecret"] = [generated_key("enc", "RSA", now, now + 400 * 86400)]
    return "B2C_1A_AsignioSecret holds a RSA enc key, not an uploaded client secret"


@pytest.mark.parametrize(
    ("pivot", "occupy"),
    [
        ("user-flow", _signin_only_flow),
        ("user-flow", _social_provider_named_asignio),
        ("custom-policy", _rsa_key_in_the_policy_key),
    ],
)
def test_a_name_taken_by_something_else_is_refused_not_taken_over(
    simulator: SimulatorServer,
    answers_dir: Path,
    capsys: pytest.CaptureFixture[str],
    pivot: str,
    occupy: Callable[[SimulatedTenant], str],
) -> None:
    message = occupy(simulator.tenant)

    def occupied() -> dict[str, str]:
        tenant = simulator.tenant
        entries = {**tenant.key_sets, **tenant.identity_providers, **tenant.user_flows}
        return {name: json.dumps(entry, sort_keys=True) for name, entry in entries.items()}

    before = occupied()
    assert run(write_answers(answers_dir, pivot)) == 5
    error = capsys.readouterr().err
    assert message in error and "then run again" in error
    after = occupied()
    assert {name: after[name] for name in before} == before


@pytest.mark.parametrize("pivot", ["custom-policy", "user-flow"])
def test_a_rotated_secret_is_sent_again_only_when_asked(
    simulator: SimulatorServer, answers_dir: Path, monkeypatch: pytest.MonkeyPatch, pivot: str
) -> None:
    answers = write_answers(answers_dir, pivot, mfa="off")
    assert run(answers) in (0, 7)
    monkeypatch.setenv("ASIGNIO_CLIENT_SECRET", "Rotated-Secret-8h2K")
    simulator.reset_log()
    assert run(answers) in (0, 7)
    assert simulator.writes == 0
    assert run(answers, "--rotate-secret") in (0, 7)
    writes = [(record.method, record.path.split("/")[-1]) for record in simulator.log if record.is_write]
    if pivot == "custom-policy":
        assert writes == [("POST", "uploadSecret")]
        assert len(simulator.tenant.key_sets["B2C_1A_AsignioSecret"]) == 2
    else:
        assert writes == [("PATCH", next(iter(simulator.tenant.identity_providers)))]
    assert tenant_objects(simulator.tenant)["identity providers"] == (1 if pivot == "user-flow" else 0)


def test_a_create_graph_refused_leaves_nothing_to_wait_for(
    simulator: SimulatorServer, answers_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 400 to the provider's create says nothing was made: its intent goes, and the re-run creates at once."""
    answers = write_answers(answers_dir, "user-flow")
    faults_of(simulator).fail(1, status=400, writes_only=True)
    assert run(answers) == 6
    assert run(answers) == 7
    assert "made moments ago" not in capsys.readouterr().out
    assert tenant_objects(simulator.tenant)["identity providers"] == 1


def test_a_rotation_whose_upload_never_arrived_is_sent_on_the_rerun(
    simulator: SimulatorServer, answers_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The upload of a new secret is lost on the way (the connection drops before Graph acts): the re-run must not
    take the old key for the interrupted run's upload, even one made a second earlier, and must send it."""
    answers = write_answers(answers_dir, "custom-policy", mfa="off")
    assert run(answers) == 0
    faults_of(simulator).drop(1, writes_only=True)
    assert run(answers, "--rotate-secret") == 6
    assert len(simulator.tenant.key_sets["B2C_1A_AsignioSecret"]) == 1
    assert run(answers, "--rotate-secret") == 0
    assert len(simulator.tenant.key_sets["B2C_1A_AsignioSecret"]) == 2
    assert "never reached B2C_1A_AsignioSecret: it is sent again" in capsys.readouterr().out
    simulator.reset_log()
    assert run(answers) == 0
    assert simulator.writes == 0


def test_a_policy_the_tenant_gives_back_reformatted_is_not_uploaded_again(
    simulator: SimulatorServer, answers_dir: Path
) -> None:
    answers = write_answers(answers_dir, "custom-policy")
    assert run(answers) == 0
    for policy_id in ("B2C_1A_TrustFrameworkExtensions", "B2C_1A_AsignioSUSI"):
        uploaded = simulator.tenant.policies[policy_id]
        body = uploaded.split(b"?>", 1)[1].lstrip()
        simulator.tenant.policies[policy_id] = b"\xef\xbb\xbf" + body.replace(b"\n", b"\r\n  ")
    simulator.reset_log()
    assert run(answers) == 0
    assert simulator.writes == 0


def test_a_policy_changed_in_the_tenant_is_put_back_and_the_change_backed_up(
    simulator: SimulatorServer, answers_dir: Path
) -> None:
    answers = write_answers(answers_dir, "custom-policy")
    assert run(answers) == 0
    changed = simulator.tenant.policies["B2C_1A_AsignioSUSI"].replace(b'AsignioSUSI"', b'SomethingElse"', 1)
    simulator.tenant.policies["B2C_1A_AsignioSUSI"] = changed
    simulator.reset_log()
    assert run(answers) == 0
    assert [record.method for record in simulator.log if record.is_write] == ["PUT"]
    backups = (state_dir() / "backups" / "contoso").glob("B2C_1A_AsignioSUSI.*.xml")
    assert any(backup.read_bytes() == changed for backup in backups)


def test_throttled_reads_are_said_as_progress(
    simulator: SimulatorServer, answers_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    faults_of(simulator).throttle(1, retry_after=0)
    assert run(write_answers(answers_dir, "custom-policy")) == 0
    assert "      preflight: throttled by Graph, waiting 0 s (attempt 1 of 3)" in capsys.readouterr().out.splitlines()


def test_plain_http_to_another_host_as_the_graph_url_is_refused_before_anything_is_sent(
    answers_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASIGNIO_SETUP_GRAPH_URL", "http://graph.example.invalid")
    monkeypatch.setenv("ASIGNIO_SETUP_ACCESS_TOKEN", "a-token-for-nobody-else")
    monkeypatch.setenv("ASIGNIO_CLIENT_SECRET", SECRET)
    assert run(write_answers(answers_dir, "custom-policy")) == 2
    err = capsys.readouterr().err
    assert (
        "error: ASIGNIO_SETUP_GRAPH_URL='http://graph.example.invalid' uses plain http to graph.example.invalid" in err
    )
    assert "plain http is allowed only to this machine" in err and "a-token-for-nobody-else" not in err
