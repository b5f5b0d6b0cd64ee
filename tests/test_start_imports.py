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

from tests.conftest import PROJECT_ROOT

CLIENT_ID = "00001111-aaaa-2222-bbbb-3333cccc4444"
WATCHED = ("wizard.removal", "keyring.backends.", "msgraph_core", "kiota_authentication_azure", "azure.")
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


def test_reading_the_command_line_reads_no_package_metadata() -> None:
    probe = (
        "import json, sys; from wizard.cli import build_parser; build_parser().parse_args(['--demo']); "
        "print(json.dumps({'metadata': 'importlib.metadata' in sys.modules}))"
    )
    assert run_probe(probe) == {"metadata": False}
