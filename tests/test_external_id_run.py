"""The External ID path end to end: `asignio-setup --non-interactive` through the real Graph layer against the
simulated external tenant (tenantType CIAM) over loopback, with Asignio's discovery document served beside it."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.crashes import CRASH_LAG_SECONDS, KILL_TEST_LAG_SECONDS, crash_after_write, killed_after_write
from tests.support.external_id import answers_text, external_tenant, write_answers
from tests.support.headless import CLIENT_ID, OTHER_CLIENT_ID, SECRET, point_at, run
from tests.support.virtual_clock import VirtualClock
from wizard.cli import main
from wizard.errors import ExitCode
from wizard.graph import GRAPH_APP_ID
from wizard.simulator import ALL_PERMISSIONS, SimulatedTenant, SimulatorServer
from wizard.simulator.discovery import DiscoveryServer, DocumentKind
from wizard.state import StateStore

CLEAN_RUN_WRITES = 6
"""The provider, the flow, the app (one upsert), its service principal, its consent grant, the link to the flow."""


@pytest.fixture
def simulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatorServer]:
    with SimulatorServer(external_tenant()) as server:
        point_at(server, monkeypatch)
        yield server


@pytest.fixture
def discovery() -> Iterator[DiscoveryServer]:
    with DiscoveryServer("good") as server:
        yield server


def test_an_external_tenant_reaches_the_test_url_with_one_provider_one_flow_offering_it_and_the_app_linked(
    simulator: SimulatorServer, discovery: DiscoveryServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = write_answers(tmp_path, discovery.url)
    assert run(answers) == 0
    output = capsys.readouterr().out
    tenant = simulator.tenant
    [provider] = tenant.identity_providers.values()
    assert provider["@odata.type"] == "#microsoft.graph.oidcIdentityProvider"
    assert provider["issuer"] == discovery.issuer
    assert provider["wellKnownEndpoint"] == discovery.url
    assert provider["clientId"] == CLIENT_ID
    assert provider["scope"] == "openid profile email"
    assert provider["responseType"] == "code"
    assert set(provider["inboundClaimMapping"]) == {"sub", "name", "given_name", "family_name", "email"}
    assert SECRET not in json.dumps(tenant.to_json())
    [flow] = tenant.authentication_events_flows.values()
    assert flow["displayName"] == "Asignio sign-up and sign-in"
    assert flow["_providers"] == [provider["id"], "EmailPassword-OAUTH"]
    [app] = tenant.applications.values()
    assert flow["_apps"] == [app["appId"]]
    assert sum(1 for sp in tenant.service_principals.values() if sp["appId"] != GRAPH_APP_ID) == 1
    assert len(tenant.permission_grants) == 1
    assert simulator.writes == CLEAN_RUN_WRITES

    line = next(line for line in output.splitlines() if line.startswith("Run now: "))
    url = urlsplit(line.removeprefix("Run now: "))
    assert (url.scheme, url.netloc, url.path) == (
        "https",
        "contoso.ciamlogin.com",
        "/contoso.onmicrosoft.com/oauth2/v2.0/authorize",
    )
    query = {key: values[0] for key, values in parse_qs(url.query).items()}
    assert "p" not in query
    assert query["client_id"] == app["appId"]
    assert query["redirect_uri"] == "https://jwt.ms"
    assert f"https://contoso.ciamlogin.com/{tenant.organization_id}/federation/oauth2" in output
    assert "https://contoso.ciamlogin.com/contoso.onmicrosoft.com/federation/oauth2" in output

    simulator.reset_log()
    assert run(answers) == 0
    assert simulator.writes == 0
    assert "Nothing needed changing." in capsys.readouterr().out


def test_the_json_summary_carries_the_redirect_uris_asignio_must_allow(
    simulator: SimulatorServer, discovery: DiscoveryServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(write_answers(tmp_path, discovery.url), "--json") == 0
    summary = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert summary["event"] == "summary"
    assert summary["partner_redirect_uris"] == [
        f"https://contoso.ciamlogin.com/{simulator.tenant.organization_id}/federation/oauth2",
        "https://contoso.ciamlogin.com/contoso.onmicrosoft.com/federation/oauth2",
    ]
    assert urlsplit(summary["run_now_url"]).netloc == "contoso.ciamlogin.com"


def test_email_sign_in_off_offers_asignio_alone_and_a_later_change_adds_it_back(
    simulator: SimulatorServer, discovery: DiscoveryServer, tmp_path: Path
) -> None:
    assert run(write_answers(tmp_path, discovery.url, email_sign_in=False)) == 0
    [flow] = simulator.tenant.authentication_events_flows.values()
    [provider_id] = simulator.tenant.identity_providers
    assert flow["_providers"] == [provider_id]

    simulator.reset_log()
    assert run(write_answers(tmp_path, discovery.url, email_sign_in=True)) == 0
    assert flow["_providers"] == [provider_id, "EmailPassword-OAUTH"]
    assert simulator.writes == 1

    simulator.reset_log()
    assert run(write_answers(tmp_path, discovery.url, email_sign_in=False)) == 0
    assert flow["_providers"] == [provider_id]
    assert simulator.writes == 1


@pytest.mark.parametrize(
    ("kind", "field"),
    [("basic-only", "token_endpoint_auth_methods_supported offers client_secret_basic"), ("no-jwks", "no jwks_uri")],
)
def test_a_discovery_document_external_id_cannot_federate_with_is_refused_with_the_reason_and_no_writes(
    simulator: SimulatorServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: DocumentKind, field: str
) -> None:
    with DiscoveryServer(kind) as bad:
        assert run(write_answers(tmp_path, bad.url)) == 5
    output = capsys.readouterr()
    assert field in output.out + output.err
    assert "ask Asignio" in output.out + output.err
    assert simulator.writes == 0


def test_an_unreachable_discovery_document_is_exit_6_naming_the_url_with_no_writes(
    simulator: SimulatorServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with DiscoveryServer() as gone:
        url = gone.url
    assert run(write_answers(tmp_path, url)) == 6
    output = capsys.readouterr()
    assert url in output.out + output.err
    assert simulator.writes == 0


def test_a_test_app_already_linked_to_another_flow_is_named_and_exit_5(
    simulator: SimulatorServer, discovery: DiscoveryServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(write_answers(tmp_path, discovery.url, flow_name="Woodgrove sign-up")) == 0
    tenant = simulator.tenant
    capsys.readouterr()

    assert run(write_answers(tmp_path, discovery.url)) == 5
    output = capsys.readouterr()
    text = output.out + output.err
    assert "is already linked to the user flow Woodgrove sign-up" in text
    assert "an app can be in one user flow only" in text
    assert len(tenant.authentication_events_flows) == 2


def tenant_objects(tenant: SimulatedTenant) -> dict[str, int]:
    """What the path may create, counted, so duplicates show."""
    return {
        "identity providers": len(tenant.identity_providers),
        "user flows": len(tenant.authentication_events_flows),
        "applications": len(tenant.applications),
        "service principals": sum(1 for sp in tenant.service_principals.values() if sp["appId"] != GRAPH_APP_ID),
        "grants": len(tenant.permission_grants),
        "app links": sum(len(flow["_apps"]) for flow in tenant.authentication_events_flows.values()),
        "providers offered": sum(len(flow["_providers"]) for flow in tenant.authentication_events_flows.values()),
        "methods on": sum(1 for method in tenant.authentication_methods.values() if method.get("state") == "enabled"),
        "conditional access policies": len(tenant.conditional_access_policies),
    }


EXPECTED = {
    "identity providers": 1,
    "user flows": 1,
    "applications": 1,
    "service principals": 1,
    "grants": 1,
    "app links": 1,
    "providers offered": 2,
    "methods on": 0,
    "conditional access policies": 0,
}


def test_with_paging_and_replication_lag_a_run_finishes_and_an_immediate_rerun_writes_nothing(
    discovery: DiscoveryServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = write_answers(tmp_path, discovery.url)
    with SimulatorServer(external_tenant(), page_size=1, replication_lag=1.0) as server:
        point_at(server, monkeypatch)
        assert run(answers) == 0
        assert tenant_objects(server.tenant) == EXPECTED
        assert "Graph does not show" in capsys.readouterr().out
        server.reset_log()
        assert run(answers) == 0
        assert server.writes == 0


def mfa_answers(folder: Path, metadata_url: str, mfa: str) -> Path:
    path = folder / f"external-id-{mfa}.toml"
    text = answers_text(metadata_url).replace('pivot = "external-id"', f'pivot = "external-id"\nmfa = "{mfa}"')
    path.write_text(text, encoding="utf-8")
    return path


def clean_run_writes(answers: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, dict[str, int]]:
    """The writes of a clean run of `answers`, and what it leaves in the tenant, from a tenant and state of its own."""
    with SimulatorServer(external_tenant()) as server:
        point_at(server, monkeypatch)
        monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state-clean"))
        assert run(answers) == 0
        return server.writes, tenant_objects(server.tenant)


MFA_WRITES = {"off": CLEAN_RUN_WRITES, "email": CLEAN_RUN_WRITES + 2}
"""The writes of a clean run: with MFA, the method and the Conditional Access policy too."""
KILL_POINT = 2
"""The write the kill -9 test kills after: the user flow's plain create, right after the provider's (the crash tests
die after every write, in this process)."""


def expected_objects(mfa: str) -> dict[str, int]:
    return EXPECTED if mfa == "off" else {**EXPECTED, "methods on": 1, "conditional access policies": 1}


def test_a_clean_run_makes_the_writes_the_crash_tests_crash_after(
    discovery: DiscoveryServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for mfa, writes in MFA_WRITES.items():
        folder = tmp_path / mfa
        folder.mkdir()
        assert clean_run_writes(mfa_answers(folder, discovery.url, mfa), folder, monkeypatch) == (
            writes,
            expected_objects(mfa),
        )


@pytest.mark.parametrize(
    ("mfa", "crash_after"), [(mfa, write) for mfa, writes in MFA_WRITES.items() for write in range(1, writes + 1)]
)
def test_crashed_after_any_write_the_rerun_finishes_without_duplicates(
    discovery: DiscoveryServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mfa: str, crash_after: int
) -> None:
    """The run dies right after a write Graph answered (before the tool could record it), then runs again at once,
    against an external tenant that pages every list and hides each new object for a while: the re-run waits for
    what it cannot see yet instead of making it twice, and a run after it writes nothing. With MFA the method and
    the Conditional Access policy are writes too."""
    answers = mfa_answers(tmp_path, discovery.url, mfa)
    with SimulatorServer(external_tenant(), page_size=1, replication_lag=CRASH_LAG_SECONDS) as server:
        point_at(server, monkeypatch)
        with crash_after_write(server, crash_after):
            run(answers)
        assert run(answers) == 0
        assert tenant_objects(server.tenant) == expected_objects(mfa)
        server.reset_log()
        assert run(answers) == 0
        assert server.writes == 0


@pytest.mark.slow
def test_killed_with_kill_9_the_rerun_finishes_without_duplicates(
    discovery: DiscoveryServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kill_clock: VirtualClock
) -> None:
    """A real process killed with kill -9 right after a write Graph answered (its state and lock files as a crash
    leaves them), then run again at once: it waits for what it cannot see yet, makes nothing twice, and a run after
    it writes nothing."""
    answers = mfa_answers(tmp_path, discovery.url, "email")
    with SimulatorServer(external_tenant(), page_size=1, replication_lag=KILL_TEST_LAG_SECONDS) as server:
        point_at(server, monkeypatch)
        with killed_after_write(server, KILL_POINT, ["--non-interactive", str(answers)]):
            assert run(answers) == 0
            assert tenant_objects(server.tenant) == expected_objects("email")
            server.reset_log()
            assert run(answers) == 0
            assert server.writes == 0


@pytest.mark.parametrize("mfa", ["email", "sms"])
def test_with_mfa_the_same_run_turns_the_method_on_and_requires_it_for_the_linked_test_app(
    simulator: SimulatorServer, discovery: DiscoveryServer, tmp_path: Path, mfa: str
) -> None:
    path = mfa_answers(tmp_path, discovery.url, mfa)
    assert run(path) == 0
    tenant = simulator.tenant
    [app] = tenant.applications.values()
    [flow] = tenant.authentication_events_flows.values()
    assert flow["_apps"] == [app["appId"]]
    assert tenant.authentication_methods[mfa]["state"] == "enabled"
    [policy] = tenant.conditional_access_policies.values()
    assert policy["conditions"]["applications"]["includeApplications"] == [app["appId"]]
    assert policy["grantControls"]["builtInControls"] == ["mfa"]

    simulator.reset_log()
    assert run(path) == 0
    assert simulator.writes == 0


def test_plan_lists_the_discovery_check_first_and_writes_nothing(
    simulator: SimulatorServer, discovery: DiscoveryServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = write_answers(tmp_path, discovery.url)
    assert main(["plan", str(answers)]) == ExitCode.CHANGES_PENDING
    lines = [line.strip() for line in capsys.readouterr().out.splitlines() if line.startswith("  ")]
    assert lines[0] == "= discovery: nothing to do"
    assert [line.split(":")[0] for line in lines[2:]] == [
        "+ oidc-provider",
        "+ sign-up-flow",
        "+ test-app",
        "= test-app-consent",
        "+ test-app-flow-link",
    ]
    assert simulator.writes == 0


def test_plan_with_a_document_external_id_refuses_names_the_field_and_writes_nothing(
    simulator: SimulatorServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with DiscoveryServer("basic-only") as bad:
        main(["plan", str(write_answers(tmp_path, bad.url))])
    assert "offers client_secret_basic" in capsys.readouterr().out
    assert simulator.writes == 0


def test_a_token_without_the_user_flow_permission_stops_at_the_preflight_with_exit_4_and_no_writes(
    discovery: DiscoveryServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    granted = ALL_PERMISSIONS - {"EventListener.ReadWrite.All"}
    with SimulatorServer(external_tenant(), permissions=granted) as server:
        point_at(server, monkeypatch)
        assert run(write_answers(tmp_path, discovery.url)) == ExitCode.PERMISSION
        assert server.writes == 0
    output = capsys.readouterr()
    assert "EventListener.ReadWrite.All" in output.out + output.err


def test_a_changed_client_id_or_a_new_secret_updates_the_one_provider_in_place(
    simulator: SimulatorServer, discovery: DiscoveryServer, tmp_path: Path
) -> None:
    assert run(write_answers(tmp_path, discovery.url)) == 0
    [provider_id] = simulator.tenant.identity_providers

    simulator.reset_log()
    changed = write_answers(tmp_path, discovery.url)
    changed.write_text(changed.read_text().replace(CLIENT_ID, OTHER_CLIENT_ID))
    assert run(changed) == 0
    assert [(record.method, record.path) for record in simulator.log if record.is_write] == [
        ("PATCH", f"/identity/identityProviders/{provider_id}")
    ]
    assert simulator.tenant.identity_providers[provider_id]["clientId"] == OTHER_CLIENT_ID

    simulator.reset_log()
    assert run(changed, "--rotate-secret") == 0
    assert [record.method for record in simulator.log if record.is_write] == ["PATCH"]
    assert list(simulator.tenant.identity_providers) == [provider_id]


@pytest.mark.parametrize("state", ["none", "recorded"])
def test_a_provider_under_the_answers_name_it_cannot_prove_it_made_is_never_patched(
    simulator: SimulatorServer,
    discovery: DiscoveryServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    state: str,
) -> None:
    """A custom OpenID Connect provider under the answers' display name with another client id, that the tool cannot
    prove it made (no state on this machine; or a state that records the tenant, while the tool's provider was
    deleted and this one made by hand): a provider has no field for a mark, so it is someone's. The run stops with
    exit 5 naming it and the setting that differs; the provider is not written to."""
    answers = write_answers(tmp_path, discovery.url)
    assert run(answers) == 0
    [(made_id, made)] = simulator.tenant.identity_providers.items()
    hand_made = {**copy.deepcopy(made), "clientId": OTHER_CLIENT_ID}
    if state == "none":
        StateStore("contoso").discard()
    else:
        del simulator.tenant.identity_providers[made_id]
        hand_made["id"] = "00000000-0000-4000-8000-0000000000b1"
    simulator.tenant.identity_providers[hand_made["id"]] = copy.deepcopy(hand_made)
    simulator.reset_log()
    capsys.readouterr()

    assert run(answers) == 5
    error = capsys.readouterr().err
    assert f"The identity provider Asignio ({hand_made['id']}) has other settings than the answers ask" in error
    assert "(clientId)" in error and "asignio-setup cannot prove it made it" in error
    assert ("--state-dir" in error) is (state == "none")
    assert simulator.tenant.identity_providers[hand_made["id"]] == hand_made
    assert not [record for record in simulator.log if record.is_write and "identityProviders" in record.path]


@pytest.mark.parametrize("state", ["none", "recorded"])
def test_a_user_flow_under_its_name_it_cannot_prove_it_made_keeps_its_sign_in_methods(
    simulator: SimulatorServer,
    discovery: DiscoveryServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    state: str,
) -> None:
    """A user flow under the answers' flow name offering Asignio without the email sign-in the answers ask, that the
    tool cannot prove it made (no state on this machine; or the tool's flow deleted and this one made by hand, with
    an id of its own): changing which methods it offers would change someone's sign-in, so the run stops with exit
    5 naming it, and the flow is not written to."""
    answers = write_answers(tmp_path, discovery.url)
    assert run(answers) == 0
    [(made_id, made)] = simulator.tenant.authentication_events_flows.items()
    hand_made = {**copy.deepcopy(made), "_providers": made["_providers"][:1]}
    if state == "none":
        StateStore("contoso").discard()
    else:
        del simulator.tenant.authentication_events_flows[made_id]
        hand_made.update(id="00000000-0000-4000-8000-0000000000f1", _apps=[])
    simulator.tenant.authentication_events_flows[hand_made["id"]] = copy.deepcopy(hand_made)
    simulator.reset_log()
    capsys.readouterr()

    assert run(answers) == 5
    error = capsys.readouterr().err
    assert f"The user flow Asignio sign-up and sign-in ({hand_made['id']}) offers other sign-in methods" in error
    assert "have it offer Asignio and email sign-in" in error
    assert ("--state-dir" in error) is (state == "none")
    assert simulator.tenant.authentication_events_flows[hand_made["id"]] == hand_made
    assert not [record for record in simulator.log if record.is_write and "authenticationEventsFlows" in record.path]


def test_the_test_app_is_not_linked_into_a_user_flow_it_cannot_prove_it_made(
    simulator: SimulatorServer, discovery: DiscoveryServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With no state on this machine, the flow under the answers' name offers what they ask but not to the test app:
    linking the app would change a flow nothing proves the tool's, so the run stops with exit 5 saying where to link
    it by hand, and the flow's applications stay as they are."""
    answers = write_answers(tmp_path, discovery.url)
    assert run(answers) == 0
    [flow] = simulator.tenant.authentication_events_flows.values()
    flow["_apps"] = []
    StateStore("contoso").discard()
    simulator.reset_log()
    capsys.readouterr()

    assert run(answers) == 5
    error = capsys.readouterr().err
    assert f"is not linked to the user flow Asignio sign-up and sign-in ({flow['id']})" in error
    assert "add the app to that flow in the Microsoft Entra admin center" in error and "--state-dir" in error
    assert flow["_apps"] == []
    assert not [record for record in simulator.log if record.is_write and "authenticationEventsFlows" in record.path]
