"""`--demo-platform`: the demo's simulated tenant is a B2C one or an external (CIAM) one, and an external one comes
with a good Asignio discovery document on loopback that the demo's answers name."""

from __future__ import annotations

import json
import socket
import tempfile
from pathlib import Path
from typing import get_args
from urllib.parse import urlsplit
from urllib.request import urlopen

import pytest

from tests.support.external_id import answers_text
from tests.support.headless import SECRET
from wizard.cli import build_parser, main
from wizard.errors import ExitCode
from wizard.simulator import DEMO_ASIGNIO_CLIENT_ID, DemoPlatform, demo_metadata_url, start_demo
from wizard.state import StateStore
from wizard.state_files import demo_state_dir, state_files

ASIGNIO_METADATA_URL = "https://authorization.asignio.com/.well-known/openid-configuration"


@pytest.fixture
def external_id_answers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """External ID answers naming Asignio's real document, which the demo must not read."""
    monkeypatch.setenv("ASIGNIO_CLIENT_SECRET", SECRET)
    path = tmp_path / "external-id.toml"
    path.write_text(answers_text(ASIGNIO_METADATA_URL), encoding="utf-8")
    return path


def run_now_url(output: str) -> str:
    return next(line for line in output.splitlines() if line.startswith("Run now: ")).removeprefix("Run now: ")


def test_the_external_id_demo_serves_a_good_discovery_document_and_stops_it_with_the_simulator() -> None:
    server = start_demo(platform="external-id")
    try:
        url = demo_metadata_url(server)
        assert url is not None and urlsplit(url).hostname == "127.0.0.1"
        with urlopen(url) as response:
            document = json.load(response)
        assert "client_secret_post" in document["token_endpoint_auth_methods_supported"]
        assert document["jwks_uri"]
        assert server.tenant.tenant_type == "CIAM"
        assert server.tenant.policies == {}
    finally:
        server.stop()
    port = urlsplit(url).port
    assert port is not None
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass


def test_the_b2c_demo_serves_asignio_beside_it_too_knowing_the_demo_client_and_the_tenant_redirect_uri() -> None:
    """A B2C user flow reads the provider's discovery document, and verify asks Asignio's authorize endpoint: the
    demo has no network, so both are its own."""
    server = start_demo()
    try:
        url = demo_metadata_url(server)
        assert url is not None and urlsplit(url).hostname == "127.0.0.1"
        with urlopen(url) as response:
            assert json.load(response)["authorization_endpoint"] == url.replace(
                "/.well-known/openid-configuration", "/authorize"
            )
        assert server.tenant.tenant_type == "AAD B2C"
        assert server.tenant.policies
        assert server.discovery is not None
        assert server.discovery.clients == {
            DEMO_ASIGNIO_CLIENT_ID: {"https://contoso.b2clogin.com/contoso.onmicrosoft.com/oauth2/authresp"}
        }
    finally:
        server.stop()


def test_the_external_id_demo_runs_headless_on_its_own_document_and_the_saved_tenant_keeps_its_platform(
    external_id_answers: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demo_state = tmp_path / "demo.json"
    demo = ["--demo", "--demo-state", str(demo_state), "--non-interactive", str(external_id_answers)]
    assert main([*demo[:1], "--demo-platform", "external-id", *demo[1:]]) == 0
    captured = capsys.readouterr()
    assert "Demo: a simulated External ID tenant (contoso.onmicrosoft.com)" in captured.err
    assert urlsplit(run_now_url(captured.out)).netloc == "contoso.ciamlogin.com"
    saved = json.loads(demo_state.read_text(encoding="utf-8"))
    assert saved["tenant_type"] == "CIAM"
    [provider] = saved["identity_providers"].values()
    assert urlsplit(provider["wellKnownEndpoint"]).hostname == "127.0.0.1"

    assert main(demo) == 0
    captured = capsys.readouterr()
    assert "Demo: a simulated External ID tenant" in captured.err
    assert urlsplit(run_now_url(captured.out)).netloc == "contoso.ciamlogin.com"
    [provider_after] = json.loads(demo_state.read_text(encoding="utf-8"))["identity_providers"].values()
    assert provider_after["id"] == provider["id"]


def test_a_saved_b2c_demo_tenant_is_not_taken_for_an_external_one(
    external_id_answers: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demo_state = tmp_path / "demo.json"
    start_demo(demo_state).stop()
    saved = demo_state.read_bytes()
    argv = ["--demo", "--demo-platform", "external-id", "--demo-state", str(demo_state)]
    assert main([*argv, "--non-interactive", str(external_id_answers)]) == ExitCode.BAD_INPUT
    err = capsys.readouterr().err
    assert f"{demo_state}: the simulated tenant saved there is a b2c tenant, not external-id" in err
    assert "give --demo-state another file" in err
    assert demo_state.read_bytes() == saved


def test_the_flag_offers_the_platforms_the_demo_knows() -> None:
    """The command line names them without importing the simulator (its start-up stays light)."""
    [action] = [action for action in build_parser()._actions if "--demo-platform" in action.option_strings]
    assert tuple(action.choices or ()) == get_args(DemoPlatform)
    assert action.default is None


def test_a_headless_demo_keeps_its_progress_apart_from_the_real_runs(
    external_id_answers: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real state folder stays empty: a demo of a tenant in memory keeps its progress in a folder of its own
    that goes with it; a --demo-state demo keeps it beside the file, where the next demo run finds it."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    platform = ["--demo-platform", "external-id"]
    assert main(["--demo", *platform, "--non-interactive", str(external_id_answers)]) == 0
    assert state_files() == []
    assert list(temporary.iterdir()) == [], "the in-memory demo's progress went with it"

    demo_state = tmp_path / "demo.json"
    assert (
        main(["--demo", *platform, "--demo-state", str(demo_state), "--non-interactive", str(external_id_answers)]) == 0
    )
    assert state_files() == []
    progress = StateStore("contoso", demo_state_dir(demo_state)).load()
    assert progress is not None and progress.finished
    assert demo_state_dir(demo_state) == tmp_path / "demo.json.progress"
