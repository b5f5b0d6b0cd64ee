"""A hostile world, through the real code paths: servers that echo secrets and send control characters, tokens and
saved files that do not fit the answers. Every such case ends in a sentence and its documented exit code, and no
output of the process (stdout, stderr, `--json`, the log, the state file, the TUI) carries a secret or a raw control
character."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from textual.widgets import RichLog, Static

from screens.app import AsignioSetupApp
from screens.error import ErrorScreen
from screens.progress import ProgressScreen
from tests.contract.support import Answer, LoopbackGraph, graph_error
from tests.support.faults import faults_of
from tests.support.headless import SECRET, point_at, run, write_answers
from tests.support.servers import serving
from tests.support.tenants import seeded_tenant
from tests.support.tui import app_confirmed_at_review, fail_with, open_progress, settle
from wizard.answers import Answers, parse_answers
from wizard.answers_file import load_answers
from wizard.auth import StaticTokenCredential, credential_for
from wizard.cli import main
from wizard.errors import ExitCode, ServiceError
from wizard.graph import GraphClient
from wizard.outgoing import forget_secrets, remember_secret, scrub
from wizard.session import sign_in
from wizard.simulator import SimulatedTenant, SimulatorServer
from wizard.state_files import state_dir

HOSTILE = "\x1b[2J\x1b]0;PWNED\x07\r\nFAKE: all good \x9b31m\u202e"
"""What the issue's hostile issuer carries: clear the screen, retitle the terminal, a carriage return and a fake line;
and a C1 CSI and a right-to-left override besides."""
RAW_CONTROLS = ("\x1b", "\x07", "\r", "\x9b", "\u202e")
TRICKY_SECRET = 'Quote"And\\Back/slash-Secret-é9'
"""A secret JSON, URL-encoding and repr each spell differently: a server may echo any of those spellings."""


def answers_for(**auth: str) -> Answers:
    return parse_answers(
        {
            "tenant": {"name": "contoso"},
            "asignio": {"client_id": "00001111-aaaa-2222-bbbb-3333cccc4444"},
            "setup": {"pivot": "user-flow"},
            "auth": {"client_id": "00001111-aaaa-2222-bbbb-3333cccc4444", **auth},
        }
    )


def spellings(secret: str) -> list[str]:
    """The secret as sent and as JSON spells it, with and without non-ASCII escaped; and a piece of it every spelling
    shares, so a spelling nobody thought of shows too."""
    return [secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1], "slash-Secret-"]


def outputs(out: str, err: str, *files: Path) -> dict[str, str]:
    """Every text the process left behind: its two streams, the files named, and everything in the state folder."""
    written = [path for path in state_dir().rglob("*") if path.is_file()]
    return {
        "stdout": out,
        "stderr": err,
        **{str(path): path.read_text(encoding="utf-8") for path in [*files, *written]},
    }


# 1. Every known secret scrubbed from every text that leaves the process


@pytest.mark.parametrize("pivot", ["custom-policy", "user-flow"])
def test_a_secret_a_server_echoes_reaches_no_output(
    simulator: SimulatorServer,
    answers_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    pivot: str,
) -> None:
    """The rotated secret goes out in uploadSecret's body (custom-policy) or the provider's PATCH (user-flow), and
    the server refuses it with a 400 quoting the body and the token back: stderr, the --json lines, the log and the
    state file all show the refusal, none the secret in any spelling, nor the token."""
    answers = write_answers(answers_dir, pivot, mfa="off")
    assert run(answers) in (0, 7)
    monkeypatch.setenv("ASIGNIO_CLIENT_SECRET", TRICKY_SECRET)
    faults_of(simulator).echo_refusals(1)
    log_file = tmp_path / "run.log"
    capsys.readouterr()

    assert run(answers, "--rotate-secret", "--json", "--log-file", str(log_file), "--debug") == ExitCode.SERVICE

    out, err = capsys.readouterr()
    assert "Invalid request" in err and "[redacted]" in err
    assert [json.loads(line)["event"] for line in out.splitlines()][-1] == "summary"
    for where, text in outputs(out, err, log_file).items():
        for secret in [*spellings(TRICKY_SECRET), simulator.access_token]:
            assert secret not in text, where


ECHOED = f"invalid_client: the client secret {TRICKY_SECRET} has expired"
"""A refusal quoting the secret, as a server that holds it (Asignio, Graph with the policy key) may word one."""


def echoing_asignio(handler: BaseHTTPRequestHandler) -> None:
    body = json.dumps({"error": "invalid_client", "error_description": ECHOED}).encode()
    handler.send_response(400)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


@pytest.mark.parametrize("command", ["verify", "plan", "remove"])
def test_a_secret_the_command_never_reads_is_still_scrubbed_from_every_output(
    simulator: SimulatorServer,
    answers_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: str,
) -> None:
    """verify needs no secret, plan and remove no Asignio secret, yet a server may quote one: each command, in a
    process of its own (nothing remembered from the setup), knows the secret the answers point at from its start.
    verify hears it from Asignio's refusal, plan and remove from Graph's; stdout, stderr, the --json lines, the log
    and the state folder show the refusal, none the secret in any spelling."""
    monkeypatch.setenv("ASIGNIO_CLIENT_SECRET", TRICKY_SECRET)
    answers = write_answers(answers_dir, "custom-policy", mfa="off")
    assert run(answers) == ExitCode.OK
    forget_secrets()
    log_file = tmp_path / "command.log"
    options = ["--json", "--log-file", str(log_file), "--debug"]
    capsys.readouterr()
    if command == "verify":
        monkeypatch.setenv("ASIGNIO_SETUP_LOGIN_URL", simulator.login_root)
        with serving(echoing_asignio) as url:
            monkeypatch.setenv("ASIGNIO_SETUP_ASIGNIO_URL", url.removesuffix("/.well-known/openid-configuration"))
            assert main([command, str(answers), *options]) == ExitCode.SIGN_IN_WOULD_FAIL
    else:
        faults_of(simulator).echo_refusals(1, writes_only=False, message=ECHOED)
        assert main([command, str(answers), *options, *(["--yes"] if command == "remove" else [])]) == 6

    out, err = capsys.readouterr()
    assert "invalid_client: the client secret [redacted] has expired" in err
    assert [json.loads(line)["event"] for line in out.splitlines()][-1] == "summary"
    for where, text in outputs(out, err, log_file).items():
        for secret in spellings(TRICKY_SECRET):
            assert secret not in text, where


@pytest.mark.keyring
def test_a_secret_kept_only_in_the_keyring_is_scrubbed_from_a_verify(
    secret_service: str,
    simulator: SimulatorServer,
    answers_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The setup kept the environment's secret in the keyring; a later verify runs with no variable set and still
    knows it."""
    monkeypatch.setenv("ASIGNIO_CLIENT_SECRET", TRICKY_SECRET)
    answers = write_answers(answers_dir, "custom-policy", mfa="off")
    assert run(answers) == ExitCode.OK
    monkeypatch.delenv("ASIGNIO_CLIENT_SECRET")
    forget_secrets()
    monkeypatch.setenv("ASIGNIO_SETUP_LOGIN_URL", simulator.login_root)
    capsys.readouterr()
    with serving(echoing_asignio) as url:
        monkeypatch.setenv("ASIGNIO_SETUP_ASIGNIO_URL", url.removesuffix("/.well-known/openid-configuration"))
        assert main(["--json", "verify", str(answers)]) == ExitCode.SIGN_IN_WOULD_FAIL
    out, err = capsys.readouterr()
    assert "[redacted]" in err and "[redacted]" in out
    assert not any(secret in out + err for secret in spellings(TRICKY_SECRET))


def test_reading_answers_knows_every_secret_they_point_at_and_none_is_no_error(
    monkeypatch: pytest.MonkeyPatch,
    answers_dir: Path,
) -> None:
    """No variable set and no keyring: the answers read, and nothing is known. Then the Asignio secret, the sign-in
    app's client secret and the access token in the variables the answers name: known from the moment they are
    read, before any command uses (or never uses) them."""
    path = write_answers(answers_dir, "custom-policy")
    path.write_text(
        path.read_text(encoding="utf-8") + '[auth]\nmethod = "client-secret"\n'
        'client_id = "00001111-aaaa-2222-bbbb-3333cccc4444"\nclient_secret_env = "APP_SECRET"\n',
        encoding="utf-8",
    )
    said = f"{TRICKY_SECRET} app~Secret.Value_1234 opaque-token-value-5678"
    load_answers(path)
    assert scrub(said) == said
    monkeypatch.setenv("ASIGNIO_CLIENT_SECRET", TRICKY_SECRET)
    monkeypatch.setenv("APP_SECRET", "app~Secret.Value_1234")
    monkeypatch.setenv("ASIGNIO_SETUP_ACCESS_TOKEN", "opaque-token-value-5678")
    load_answers(path)
    assert scrub(said) == "[redacted] [redacted] [redacted]"


async def test_a_secret_a_server_echoes_is_not_on_the_progress_screen(simulator: SimulatorServer) -> None:
    """The TUI's run: the typed secret goes out in the provider's create and comes back in Graph's refusal; the
    progress screen shows the refusal without the secret, its control characters as escapes."""
    faults_of(simulator).echo_refusals(1, message=HOSTILE)
    app = app_confirmed_at_review(simulator)
    async with app.run_test() as pilot:
        await open_progress(pilot)
        [progress] = [screen for screen in app.screen_stack if isinstance(screen, ProgressScreen)]
        error = app.screen
        assert isinstance(error, ErrorScreen)
        shown = str(progress.query_one("#failure-text", Static).content)
        logged = "\n".join(line.text for line in progress.query_one("#log", RichLog).lines)
        popped = str(error.query_one("#what", Static).content)
    assert "Invalid request" in shown and "[redacted]" in shown
    assert "\\x1b[2J" in shown and "FAKE: all good" in shown
    for text in (shown, logged, popped):
        assert SECRET not in text
        assert not any(control in text for control in RAW_CONTROLS)


def test_the_wizard_knows_a_secret_its_answers_point_at_though_no_step_reads_it(
    simulator: SimulatorServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The wizard reads no answers file, so it learns the secrets its answers point at when it builds the setup:
    one only in the environment (a verify from the Done screen never reads it) is scrubbed all the same."""
    in_the_environment = "env~Only.Secret_4321"
    monkeypatch.setenv("ASIGNIO_CLIENT_SECRET", in_the_environment)
    app = app_confirmed_at_review(simulator)
    forget_secrets()
    app.session_for_draft()
    assert scrub(f"Asignio said {in_the_environment}") == "Asignio said [redacted]"


async def test_an_unexpected_error_in_the_tui_shows_no_secret_and_no_raw_control() -> None:
    remember_secret(SECRET)
    app = AsignioSetupApp()
    async with app.run_test() as pilot:
        app.run_worker(fail_with(RuntimeError(f"token {SECRET} {HOSTILE}")), group="inspect", exit_on_error=False)
        await settle(pilot)
        assert isinstance(app.screen, ErrorScreen)
        what = str(app.screen.query_one("#what", Static).content)
    assert "Unexpected error: RuntimeError" in what and "[redacted]" in what
    assert SECRET not in what and not any(control in what for control in RAW_CONTROLS)


def test_the_sign_in_apps_client_secret_and_a_given_token_are_known_as_soon_as_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Neither is JWT-shaped, so only the registry knows them: read for a credential, each is scrubbed."""
    monkeypatch.setenv("APP_SECRET", "app~Secret.Value_1234")
    monkeypatch.setenv("ASIGNIO_SETUP_ACCESS_TOKEN", "opaque-token-value-5678")
    for answers in (
        answers_for(method="client-secret", client_secret_env="APP_SECRET"),
        answers_for(method="access-token"),
    ):
        credential_for(answers.tenant, answers.auth)
    said = scrub("a server said app~Secret.Value_1234 and opaque-token-value-5678")
    assert said == "a server said [redacted] and [redacted]"


# 2. Text from outside shown escaped


def test_control_characters_in_a_graph_error_are_escaped_in_every_output(
    simulator: SimulatorServer,
    answers_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Graph's message carries the issue's hostile text: the terminal gets it escaped on one line (no fake line
    starting "FAKE"), the --json line carries it as JSON escapes, each log record stays one line."""
    faults_of(simulator).echo_refusals(1, message=HOSTILE)
    log_file = tmp_path / "run.log"
    assert run(write_answers(answers_dir, "user-flow"), "--json", "--log-file", str(log_file)) == ExitCode.SERVICE
    out, err = capsys.readouterr()
    assert "\\x1b[2J\\x1b]0;PWNED\\x07\\r\\nFAKE: all good \\x9b31m\\u202e" in err
    for where, text in outputs(out, err, log_file).items():
        assert not any(control in text for control in RAW_CONTROLS), where
        assert not any(line.startswith("FAKE") for line in text.splitlines()), where
    failed = next(json.loads(line) for line in out.splitlines() if json.loads(line)["event"] == "step_failed")
    assert "PWNED" in failed["message"]


async def test_a_graph_error_message_is_made_printable_where_it_is_read() -> None:
    """At the Graph layer already: the project's error quotes Graph's message with its control characters escaped."""
    with LoopbackGraph() as server:
        server.queue(graph_error(400, "Request_BadRequest", HOSTILE))
        graph = GraphClient(StaticTokenCredential("token"), graph_url=server.graph_url, scopes=["x"], lag_budget=0)
        with pytest.raises(ServiceError) as refused:
            await graph.organization()
        await graph.close()
    assert "\\r\\nFAKE: all good" in refused.value.what
    assert not any(control in str(refused.value) for control in (*RAW_CONTROLS, "\n"))


async def test_the_tenants_names_reach_the_sign_in_screen_escaped() -> None:
    """The organization's display name is the tenant's own text: identify() hands the TUI its escaped form."""
    tenant = SimulatedTenant.seeded("contoso")
    tenant.display_name = f"Contoso{HOSTILE}"
    answers = answers_for()
    with SimulatorServer(tenant) as server:
        signed_in = sign_in(answers.tenant, answers.auth, demo=server)
        identity = await signed_in.identify()
        await signed_in.close()
    assert identity.display_name.startswith("Contoso\\x1b[2J")
    assert not any(control in identity.display_name for control in (*RAW_CONTROLS, "\n"))


# 5. World-caused errors are sentences with their documented codes, never exit 1


def test_a_token_for_another_tenant_is_a_sign_in_error_naming_both(
    answers_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with SimulatorServer(seeded_tenant()) as server:
        point_at(server, monkeypatch)
        fabrikam = server.add_tenant(SimulatedTenant.seeded("fabrikam"))
        monkeypatch.setenv("ASIGNIO_SETUP_ACCESS_TOKEN", fabrikam.access_token)
        assert run(write_answers(answers_dir, "user-flow")) == ExitCode.SIGN_IN
        assert server.writes == 0
    error = capsys.readouterr().err
    assert "Signed in to fabrikam.onmicrosoft.com, but the answers name contoso.onmicrosoft.com" in error
    assert "this is a bug" not in error


def test_a_demo_state_of_another_tenant_is_refused_naming_both_before_any_banner(
    answers_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ASIGNIO_CLIENT_SECRET", SECRET)
    demo_state = tmp_path / "demo.json"
    contoso = write_answers(answers_dir, "user-flow")
    assert run(contoso, "--demo", "--demo-state", str(demo_state)) in (0, 7)
    assert "Demo: a simulated B2C tenant (contoso.onmicrosoft.com)" in capsys.readouterr().err
    fabrikam = answers_dir / "fabrikam.toml"
    fabrikam.write_text(contoso.read_text(encoding="utf-8").replace("contoso", "fabrikam"), encoding="utf-8")

    assert run(fabrikam, "--demo", "--demo-state", str(demo_state)) == ExitCode.BAD_INPUT

    error = capsys.readouterr().err
    assert f"{demo_state}: the simulated tenant saved there is contoso.onmicrosoft.com" in error
    assert "the answers name fabrikam.onmicrosoft.com" in error and 'set [tenant] name = "contoso"' in error
    assert "Demo: a simulated" not in error


def test_a_deeply_nested_state_file_is_bad_input_with_its_sentence(
    answers_dir: Path,
    capsys: pytest.CaptureFixture[str],
    simulator: SimulatorServer,
) -> None:
    state = state_dir() / "contoso.json"
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    assert run(write_answers(answers_dir, "user-flow")) == ExitCode.BAD_INPUT
    error = capsys.readouterr().err
    assert f"The saved progress in {state} is nested too deeply" in error and "move the file aside" in error
    assert simulator.writes == 0


async def test_a_deeply_nested_graph_answer_is_graphs_fault_not_a_bug() -> None:
    with LoopbackGraph() as server:
        nested = b"[" * 100_000 + b"]" * 100_000
        server.queue(Answer(200, {"Content-Type": "application/json"}, nested))
        graph = GraphClient(StaticTokenCredential("token"), graph_url=server.graph_url, scopes=["x"], lag_budget=0)
        with pytest.raises(ServiceError, match="not Graph JSON"):
            await graph.organization()
        await graph.close()


def test_a_given_token_nested_too_deeply_to_read_is_an_opaque_token() -> None:
    import base64

    payload = base64.urlsafe_b64encode(b"[" * 100_000 + b"]" * 100_000).decode().rstrip("=")
    credential = StaticTokenCredential(f"eyJhbGciOiJub25lIn0.{payload}.sig")
    assert credential.get_token("x").token.startswith("eyJ")
