"""A headless run of the tool as the tests make one: the answers, the pipeline's environment pointed at a simulator,
the run itself and what it prints."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from wizard.cli import main
from wizard.simulator import SimulatorServer

SECRET = "Asignio-Secret-q7Zr9xVw2"
CLIENT_ID = "00001111-aaaa-2222-bbbb-3333cccc4444"
OTHER_CLIENT_ID = "99998888-aaaa-2222-bbbb-3333cccc4444"
GUIDED_STEPS = ["--confirm", "local-accounts-off", "--confirm", "user-flow-mfa"]
AUTHRESP = "https://contoso.b2clogin.com/contoso.onmicrosoft.com/oauth2/authresp"
"""The redirect URI contoso's B2C sends Asignio's answer to: what the Asignio application must have registered."""


def answers_text(pivot: str, mfa: str = "phone", client_id: str = CLIENT_ID) -> str:
    return (
        f'[tenant]\nname = "contoso"\n[asignio]\nclient_id = "{client_id}"\n[setup]\npivot = "{pivot}"\nmfa = "{mfa}"\n'
    )


def write_answers(folder: Path, pivot: str, **options: str) -> Path:
    path = folder / f"{pivot}.toml"
    path.write_text(answers_text(pivot, **options), encoding="utf-8")
    return path


def pipeline_environment(server: SimulatorServer) -> dict[str, str]:
    """The pipeline setup: Graph URL and a pre-acquired token from the environment, the secret too."""
    return {
        "ASIGNIO_SETUP_GRAPH_URL": server.graph_root,
        "ASIGNIO_SETUP_ACCESS_TOKEN": server.access_token,
        "ASIGNIO_CLIENT_SECRET": SECRET,
    }


def point_at(server: SimulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in pipeline_environment(server).items():
        monkeypatch.setenv(name, value)


def run(answers: Path, *extra: str) -> int:
    """A headless setup without its sign-in probes, which test_verify.py runs against stand-in hosts."""
    return main(["--non-interactive", str(answers), "--no-verify", *extra])


def run_now_query(output: str) -> dict[str, str]:
    line = next(line for line in output.splitlines() if line.startswith("Run now: "))
    url = urlsplit(line.removeprefix("Run now: "))
    assert (url.scheme, url.netloc, url.path) == (
        "https",
        "contoso.b2clogin.com",
        "/contoso.onmicrosoft.com/oauth2/v2.0/authorize",
    )
    return {key: values[0] for key, values in parse_qs(url.query).items()}


class EndsTheLagWhenWaitedFor(io.StringIO):
    """The plan's output; the first line saying it waits for what the setup made lets the simulator show it."""

    def __init__(self, server: SimulatorServer) -> None:
        super().__init__()
        self.server = server

    def write(self, text: str) -> int:
        if "made moments ago" in text:
            self.server.replication_lag = 0.0
        return super().write(text)
