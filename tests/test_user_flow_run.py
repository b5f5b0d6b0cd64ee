"""The user-flow path beyond its first run, headless against the simulator over loopback: an empty tenant, and a
provider repaired after drift."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.headless import GUIDED_STEPS, SECRET, run, run_now_query, write_answers
from tests.support.tenants import EXPECTED, tenant_objects
from wizard.cli import main
from wizard.graph import GRAPH_APP_ID
from wizard.simulator import SimulatedTenant, SimulatorServer


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
