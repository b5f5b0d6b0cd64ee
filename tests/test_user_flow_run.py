"""The user-flow path beyond its first run, headless against the simulator over loopback: an empty tenant, a
provider repaired after drift, and a provider or flow under the answers' names that the tool cannot prove it made,
which it never changes."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from tests.support.headless import GUIDED_STEPS, SECRET, run, run_now_query, write_answers
from tests.support.tenants import EXPECTED, tenant_objects
from wizard.cli import main
from wizard.errors import ExitCode
from wizard.graph import GRAPH_APP_ID
from wizard.simulator import SimulatedTenant, SimulatorServer
from wizard.state import StateStore


def test_a_provider_repaired_after_drift_keeps_the_portal_confirmations(
    simulator: SimulatorServer,
    answers_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Someone changes the provider's settings in the tenant; the next run puts them back. The portal steps live in
    the user flow, which the repair leaves as it was: their confirmations stand, and the run ends 0, not 7."""
    answers = write_answers(answers_dir, "user-flow")
    assert run(answers, *GUIDED_STEPS) == 0
    provider = next(iter(simulator.tenant.identity_providers.values()))
    provider["scope"] = "openid"
    simulator.reset_log()
    capsys.readouterr()

    assert run(answers) == 0
    output = capsys.readouterr().out
    assert "identity-provider: the identity provider Asignio updated" in output
    assert "waiting for you in the Azure portal" not in output
    assert provider["scope"] == "openid email profile"
    assert [(record.method, record.path) for record in simulator.log if record.is_write] == [
        ("PATCH", f"/identity/identityProviders/{provider['id']}")
    ]


def test_the_empty_demo_on_the_user_flow_path_makes_graphs_service_principal_and_reaches_run_now(
    answers_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An empty tenant lacks Microsoft Graph's service principal, which the test app's consent grant points at: the
    user-flow path makes it first, as the custom-policy path does, and a re-run writes nothing."""
    monkeypatch.setenv("ASIGNIO_CLIENT_SECRET", SECRET)
    demo_state = tmp_path / "demo-tenant.json"
    command = [
        "--demo-empty",
        "--demo-state",
        str(demo_state),
        "--non-interactive",
        str(write_answers(answers_dir, "user-flow")),
        *GUIDED_STEPS,
    ]
    assert main(command) == 0
    output = capsys.readouterr().out
    assert "graph-service-principal: Microsoft Graph's service principal is present" in output
    assert run_now_query(output)["p"] == "B2C_1_AsignioSignupSignin"
    tenant = SimulatedTenant.load(demo_state)
    assert [sp["appId"] for sp in tenant.service_principals.values()].count(GRAPH_APP_ID) == 1
    assert tenant_objects(tenant) == EXPECTED["user-flow"] | {"policies": 0}
    after_setup = demo_state.read_bytes()

    assert main(command) == 0
    assert "Nothing needed changing." in capsys.readouterr().out
    assert demo_state.read_bytes() == after_setup


def remove(answers: Path) -> int:
    return main(["remove", str(answers), "--yes"])


@pytest.mark.parametrize("state", ["none", "recorded"])
@pytest.mark.parametrize("change", ["other settings", "a new secret"])
def test_a_provider_under_the_answers_name_it_cannot_prove_it_made_is_never_patched(
    simulator: SimulatorServer,
    answers_dir: Path,
    capsys: pytest.CaptureFixture[str],
    state: str,
    change: str,
) -> None:
    """An administrator's OpenID Connect provider under the answers' display name (no state on this machine, or a
    state that does not record it: the setup was removed before it was made by hand), with other settings than the
    answers ask, or meeting --rotate-secret: a provider has no field for the tool's mark, so nothing proves it the
    tool's. The run stops with exit 5 naming it and how to go on; the provider is not written to."""
    answers = write_answers(answers_dir, "user-flow")
    assert run(answers, *GUIDED_STEPS) == 0
    provider_id, made = next(iter(simulator.tenant.identity_providers.items()))
    hand_made = copy.deepcopy(made)
    if state == "none":
        StateStore("contoso").discard()
    else:
        assert remove(answers) == ExitCode.OK
    if change == "other settings":
        hand_made["scope"] = "openid"
    simulator.tenant.identity_providers[provider_id] = copy.deepcopy(hand_made)
    simulator.reset_log()
    capsys.readouterr()

    assert run(answers, *GUIDED_STEPS, *(("--rotate-secret",) if change == "a new secret" else ())) == 5
    error = capsys.readouterr().err
    assert f"The identity provider Asignio ({provider_id})" in error
    assert "asignio-setup cannot prove it made it" in error
    assert ("(scope)" if change == "other settings" else "the new Client Secret (--rotate-secret)") in error
    assert "rename or delete that provider in the Azure portal" in error and "[asignio] display_name" in error
    assert ("--state-dir" in error) is (state == "none")
    assert simulator.tenant.identity_providers[provider_id] == hand_made
    assert not [record for record in simulator.log if record.is_write and "identityProviders" in record.path]


@pytest.mark.parametrize(
    ("how", "why"),
    [
        ("no state", "nothing on this machine records that asignio-setup made it"),
        ("made by hand after a remove", "nothing on this machine records that asignio-setup made it"),
        ("made again by hand with other settings", "isLanguageCustomizationEnabled false → true"),
    ],
)
def test_a_user_flow_it_cannot_prove_it_made_is_not_given_the_provider(
    simulator: SimulatorServer,
    answers_dir: Path,
    capsys: pytest.CaptureFixture[str],
    how: str,
    why: str,
) -> None:
    """A user flow under the answers' name that does not offer Asignio, and that the tool cannot prove it made (no
    state on this machine; made by hand after a remove; or, where the ledger names its id, deleted and made again by
    hand with other settings, which is all a B2C flow shows of who made it): offering the provider in it would
    change someone's sign-in, so the run stops with exit 5 naming the flow and why, and the flow is not written to."""
    answers = write_answers(answers_dir, "user-flow")
    assert run(answers, *GUIDED_STEPS) == 0
    flow_id, made = next(iter(simulator.tenant.user_flows.items()))
    hand_made = {**copy.deepcopy(made), "_providers": []}
    if how == "no state":
        StateStore("contoso").discard()
    elif how == "made by hand after a remove":
        assert remove(answers) == ExitCode.OK
    else:
        hand_made["isLanguageCustomizationEnabled"] = True
    simulator.tenant.user_flows[flow_id] = copy.deepcopy(hand_made)
    simulator.reset_log()
    capsys.readouterr()

    assert run(answers, *GUIDED_STEPS) == 5
    error = capsys.readouterr().err
    assert f"The user flow {flow_id} ([user_flow] name) does not offer Asignio" in error
    assert "asignio-setup cannot prove it made that flow (" in error and why in error
    assert f"add Asignio to it in the Azure portal (User flows → {flow_id} → Identity providers)" in error
    assert ("--state-dir" in error) is (how == "no state")
    assert simulator.tenant.user_flows[flow_id] == hand_made
    assert not [record for record in simulator.log if record.is_write and "userFlows" in record.path]
