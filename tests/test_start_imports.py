"""What a start loads: each run imports what it uses and nothing more.

benchmarks/headless.py measures the time; these tests say only which modules a fresh process loads, so a change that
makes every start heavier (the removal loaded for a setup, keyring's every backend, msgraph-core's azure-identity
provider) fails here instead of passing unnoticed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.headless import CLIENT_ID
from tests.support.paths import PROJECT_ROOT

WATCHED = (
    "wizard.removal",
    "wizard.steps.removal",
    "keyring.backends.",
    "msgraph_core",
    "kiota_authentication_azure",
    "azure.",
)
PROBE = """
import json, sys
from wizard.cli import main

code = main(sys.argv[1:])
watched = sorted(name for name in sys.modules if name.startswith({watched!r}))
print(json.dumps({{"code": code, "loaded": watched}}))
"""


def run_probe(probe: str, *argv: str, env: dict[str, str] | None = None) -> dict[str, object]:
    """A fresh interpreter runs `probe` in `env` (this test's environment by default); its last stdout line is the
    JSON it printed."""
    result = subprocess.run(
        [sys.executable, "-c", probe, *argv],
        cwd=PROJECT_ROOT,
        env={**(os.environ if env is None else env), "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    reported: dict[str, object] = json.loads(result.stdout.splitlines()[-1])
    return reported


@pytest.mark.skipif(sys.platform != "linux", reason="the other platforms' keyrings are the developer's own")
def test_a_headless_demo_setup_loads_no_removal_no_foreign_keyring_and_no_azure_identity(tmp_path: Path) -> None:
    answers = tmp_path / "answers.toml"
    answers.write_text(
        f'[tenant]\nname = "contoso"\n[asignio]\nclient_id = "{CLIENT_ID}"\n'
        '[setup]\npivot = "custom-policy"\nmfa = "phone"\n',
        encoding="utf-8",
    )
    environment = {name: value for name, value in os.environ.items() if name != "PYTHON_KEYRING_BACKEND"}
    environment |= {"ASIGNIO_CLIENT_SECRET": "s3cret", "DBUS_SESSION_BUS_ADDRESS": f"unix:path={tmp_path}/no-bus"}
    reported = run_probe(PROBE.format(watched=WATCHED), "--demo", "--non-interactive", str(answers), env=environment)
    loaded = set(reported["loaded"])  # type: ignore[call-overload]
    assert reported["code"] == 0
    assert not {"wizard.removal", "wizard.steps.removal"} & loaded
    assert {"keyring.backends.SecretService", "msgraph_core.graph_client_factory"} <= loaded
    assert not {"keyring.backends.macOS", "keyring.backends.Windows", "keyring.backends.chainer"} & loaded
    assert not {name for name in loaded if name.startswith(("msgraph_core.authentication", "kiota_auth", "azure."))}


def test_reading_the_command_line_reads_no_package_metadata() -> None:
    probe = (
        "import json, sys; from wizard.cli import build_parser; build_parser().parse_args(['--demo']); "
        "print(json.dumps({'metadata': 'importlib.metadata' in sys.modules}))"
    )
    assert run_probe(probe) == {"metadata": False}


def test_msgraph_core_is_whole_for_whatever_imports_it_after_the_graph_client() -> None:
    """The Graph client loads only the msgraph-core modules it uses; the package itself still has every name."""
    probe = """
import json, sys
from wizard.graph.transport import Transport

Transport(None, graph_url="https://graph.microsoft.com/beta", scopes=[])._http()
before = sorted(name for name in sys.modules if name.startswith(("msgraph_core.authentication", "azure.")))
import msgraph_core
from msgraph_core.graph_client_factory import GraphClientFactory

print(json.dumps({
    "before": before,
    "provider": msgraph_core.AzureIdentityAuthenticationProvider.__module__,
    "same factory": msgraph_core.GraphClientFactory is GraphClientFactory,
    "beta": msgraph_core.APIVersion.beta.value,
}))
"""
    assert run_probe(probe) == {
        "before": [],
        "provider": "msgraph_core.authentication.azure_identity_authentication_provider",
        "same factory": True,
        "beta": "beta",
    }
