"""The user-flow path beyond its first run, headless against the simulator over loopback: an empty tenant, and a
provider repaired after drift."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_headless_run import (  # noqa: F401 - fixtures
    GUIDED_STEPS,
    answers_dir,
    run,
    simulator,
    write_answers,
)
from wizard.simulator import SimulatorServer


def test_a_provider_repaired_after_drift_keeps_the_portal_confirmations(
    simulator: SimulatorServer,  # noqa: F811
    answers_dir: Path,  # noqa: F811
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
    assert "identity-provider: Asignio updated" in output
    assert "waiting for you in the Azure portal" not in output
    assert provider["scope"] == "openid email profile"
    assert [(record.method, record.path) for record in simulator.log if record.is_write] == [
        ("PATCH", f"/identity/identityProviders/{provider['id']}")
    ]
