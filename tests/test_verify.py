"""`asignio-setup verify` and the probes that end every setup, through the simulator over loopback: the simulator
stands in for b2clogin/ciamlogin (ASIGNIO_SETUP_LOGIN_URL) and a loopback Asignio for Asignio
(ASIGNIO_SETUP_ASIGNIO_URL), each answering from what it holds, and each probe is broken the way a tenant breaks."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests.support.faults import faults_of
from tests.support.headless import AUTHRESP, CLIENT_ID, GUIDED_STEPS, OTHER_CLIENT_ID, SECRET, point_at, run
from tests.support.servers import TricklingGraph, serving
from tests.support.tenants import seeded_tenant
from tests.support.virtual_clock import VirtualClock
from wizard.answers_file import load_answers
from wizard.cli import main
from wizard.errors import ExitCode
from wizard.headless import VerifyOptions, run_verify
from wizard.simulator import SimulatedTenant, SimulatorServer
from wizard.simulator.discovery import DiscoveryServer
from wizard.verify import ASIGNIO_URL_ENV, LOCATION_LIMIT, LOGIN_URL_ENV, Answer, issuer_problem

RELYING_PARTY = "B2C_1A_AsignioSUSI"
EXTENSIONS = "B2C_1A_TrustFrameworkExtensions"
RETRY_LINE = "B2C does not serve B2C_1A_AsignioSUSI yet, retrying in 10 s"


def answers_text(pivot: str, *, client_id: str = CLIENT_ID, metadata_url: str | None = None) -> str:
    metadata = f'metadata_url = "{metadata_url}"\n' if metadata_url else ""
    return (
        f'[tenant]\nname = "contoso"\n[asignio]\nclient_id = "{client_id}"\n{metadata}'
        f'[setup]\npivot = "{pivot}"\nmfa = "off"\n'
    )


@pytest.fixture
def asignio() -> Iterator[DiscoveryServer]:
    """Asignio on loopback: its discovery document and its authorize endpoint, the tenant's app registered."""
    with DiscoveryServer("good") as server:
        server.register(CLIENT_ID, AUTHRESP)
        yield server


@pytest.fixture
def hosts(monkeypatch: pytest.MonkeyPatch, asignio: DiscoveryServer) -> Iterator[SimulatorServer]:
    """The simulated tenant as Graph and as its b2clogin host; probe 3 goes to the loopback Asignio."""
    with SimulatorServer(seeded_tenant()) as server:
        point_at(server, monkeypatch)
        monkeypatch.setenv(LOGIN_URL_ENV, server.login_root)
        monkeypatch.setenv(ASIGNIO_URL_ENV, asignio.issuer)
        yield server


@pytest.fixture
def custom_policy(tmp_path: Path) -> Path:
    path = tmp_path / "custom-policy.toml"
    path.write_text(answers_text("custom-policy"), encoding="utf-8")
    return path


@pytest.fixture
def user_flow(tmp_path: Path, asignio: DiscoveryServer) -> Path:
    path = tmp_path / "user-flow.toml"
    path.write_text(answers_text("user-flow", metadata_url=asignio.url), encoding="utf-8")
    return path


@pytest.fixture
def set_up(hosts: SimulatorServer, custom_policy: Path) -> Path:
    """A finished custom-policy setup (without its own probes), the logs emptied."""
    assert run(custom_policy) == ExitCode.OK
    hosts.reset_log()
    hosts.login_requests.clear()
    return custom_policy


def verify(answers: Path, *, timeout: float | None = None, request_deadline: float | None = None) -> int:
    return run_verify(answers, options=VerifyOptions(timeout=timeout, request_deadline=request_deadline))


def verify_waiting(
    virtual_clock: VirtualClock, answers: Path, *, timeout: float | None = None
) -> tuple[int, list[float]]:
    """The exit code of a verify, and the waits it asked the (virtual) clock for."""
    before = len(virtual_clock.waits)
    code = verify(answers, timeout=timeout)
    return code, virtual_clock.waits[before:]


def only_sign_in_reads(server: SimulatorServer) -> bool:
    """Every request the simulator got went to the tenant's sign-in host, and read: not one Graph request."""
    return bool(server.log) and all(
        record.method == "GET" and not record.is_write and record.path.startswith("/contoso.onmicrosoft.com/")
        for record in server.log
    )


def test_a_custom_policy_setup_ends_verified_and_verify_repeats_it_reading_only(
    hosts: SimulatorServer, asignio: DiscoveryServer, custom_policy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--non-interactive", str(custom_policy)]) == ExitCode.OK
    out = capsys.readouterr().out
    assert f"  ✓ B2C serves {RELYING_PARTY}: issuer https://contoso.b2clogin.com/" in out
    assert (
        "  ✓ B2C sends users to Asignio with the right request: a redirect to "
        f"https://authorization.asignio.com/authorize with client_id={CLIENT_ID}, redirect_uri={AUTHRESP}, "
        "response_type=code, scope=openid profile email"
    ) in out
    assert "  ✓ Asignio accepts that request: HTTP 200: Asignio shows its sign-in" in out
    assert "Verified: the sign-in reaches Asignio as it should (no user was signed in)" in out

    hosts.reset_log()
    asignio.requests.clear()
    assert main(["verify", str(custom_policy)]) == ExitCode.OK
    assert only_sign_in_reads(hosts) and hosts.writes == 0
    assert [request.target.split("?")[0] for request in asignio.requests] == ["/authorize"]
    # Nothing compressed, so no answer inflates past the page limit in one read.
    asked = [dict((name.lower(), value) for name, value in request.headers) for request in asignio.requests]
    assert {headers.get("accept-encoding") for headers in asked} == {"identity"}


def test_a_user_flow_setup_ends_verified_asignio_read_from_its_discovery_document(
    hosts: SimulatorServer, asignio: DiscoveryServer, user_flow: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--non-interactive", str(user_flow), *GUIDED_STEPS[:2]]) == ExitCode.OK
    out = capsys.readouterr().out
    assert "  ✓ B2C serves B2C_1_AsignioSignupSignin: issuer https://contoso.b2clogin.com/" in out
    assert f"a redirect to {asignio.issuer}/authorize with client_id={CLIENT_ID}, redirect_uri={AUTHRESP}" in out
    assert "  ✓ Asignio accepts that request" in out

    hosts.reset_log()
    assert main(["verify", str(user_flow)]) == ExitCode.OK
    assert only_sign_in_reads(hosts) and hosts.writes == 0


def test_the_probes_send_the_secret_nowhere_and_verify_needs_none(
    hosts: SimulatorServer,
    asignio: DiscoveryServer,
    custom_policy: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The setup sends the secret to Graph (the policy key); no request to b2clogin or Asignio, the setup's own
    probes included, carries it; and verify runs with no secret anywhere."""
    assert main(["--non-interactive", str(custom_policy)]) == ExitCode.OK
    monkeypatch.delenv("ASIGNIO_CLIENT_SECRET")
    assert main(["verify", str(custom_policy)]) == ExitCode.OK
    seen = [*hosts.login_requests, *asignio.requests]
    assert len(seen) == 2 * 3  # the setup's probes and verify's: metadata, authorize, Asignio
    assert not any(request.holds(SECRET) for request in seen)
    captured = capsys.readouterr()
    assert SECRET not in captured.out + captured.err


def test_the_extensions_edited_to_another_client_id_fail_naming_both_ids(
    hosts: SimulatorServer, set_up: Path, capsys: pytest.CaptureFixture[str], virtual_clock: VirtualClock
) -> None:
    edited = hosts.tenant.policies[EXTENSIONS].replace(CLIENT_ID.encode(), OTHER_CLIENT_ID.encode())
    hosts.tenant.policies[EXTENSIONS] = edited
    code, slept = verify_waiting(virtual_clock, set_up)
    assert code == ExitCode.SIGN_IN_WOULD_FAIL
    err = capsys.readouterr().err
    assert "  ✗ B2C sends users to Asignio with the right request" in err
    assert f"      seen: client_id={OTHER_CLIENT_ID} (the answers' client id is {CLIENT_ID})" in err
    assert f"B2C_1A_TrustFrameworkExtensions is {OTHER_CLIENT_ID}, not the answers' {CLIENT_ID}" in err
    assert "error: Sign-in would not work: B2C sends users to Asignio with the right request" in err
    assert slept == []
    assert hosts.writes == 0


def test_asignio_refusing_the_redirect_uri_fails_naming_the_uri_to_register(
    hosts: SimulatorServer, asignio: DiscoveryServer, set_up: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asignio.clients[CLIENT_ID].clear()
    assert verify(set_up) == ExitCode.SIGN_IN_WOULD_FAIL
    err = capsys.readouterr().err
    assert "  ✗ Asignio accepts that request" in err
    assert "is not registered for this application" in err
    assert f"what to do: register {AUTHRESP} as a redirect URI of the Asignio application at Asignio's partner" in err


def test_asignio_not_knowing_the_client_id_says_so(
    hosts: SimulatorServer, asignio: DiscoveryServer, set_up: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asignio.clients.clear()
    assert verify(set_up) == ExitCode.SIGN_IN_WOULD_FAIL
    err = capsys.readouterr().err
    assert "seen: HTTP 400: Asignio refused it: invalid_client" in err
    assert f"what to do: the Client ID {CLIENT_ID} is not one Asignio knows" in err


@pytest.mark.parametrize(("timeout", "retries"), [(None, 12), (25.0, 3)])
def test_the_relying_party_deleted_fails_naming_it_after_the_bounded_retry(
    hosts: SimulatorServer,
    set_up: Path,
    capsys: pytest.CaptureFixture[str],
    virtual_clock: VirtualClock,
    timeout: float | None,
    retries: int,
) -> None:
    del hosts.tenant.policies[RELYING_PARTY]
    code, slept = verify_waiting(virtual_clock, set_up, timeout=timeout)
    assert code == ExitCode.SIGN_IN_WOULD_FAIL
    err = capsys.readouterr().err
    budget = 120.0 if timeout is None else timeout
    assert sum(slept) == pytest.approx(budget, abs=1.0) and len(slept) == retries  # the clock also runs on
    assert err.count("retrying in") == retries and RETRY_LINE in err
    assert f"  ✗ B2C serves {RELYING_PARTY}" in err
    assert f"seen: HTTP 404 (still so after {budget:g} s of retries)" in err
    assert f"which puts {RELYING_PARTY} back" in err
    assert sum(1 for record in hosts.log if "openid-configuration" in record.path) == retries + 1


def test_a_policy_that_serves_after_two_tries_verifies(
    hosts: SimulatorServer, set_up: Path, capsys: pytest.CaptureFixture[str], virtual_clock: VirtualClock
) -> None:
    faults_of(hosts).delay_serving(RELYING_PARTY, 2)
    code, slept = verify_waiting(virtual_clock, set_up)
    assert code == ExitCode.OK
    assert slept == [10.0, 10.0]
    assert capsys.readouterr().err.count(RETRY_LINE) == 2


def test_the_discovery_document_unreachable_ends_6_naming_it(
    hosts: SimulatorServer, asignio: DiscoveryServer, user_flow: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(user_flow, *GUIDED_STEPS[:2]) == ExitCode.OK
    asignio.stop()
    assert verify(user_flow) == ExitCode.SERVICE
    err = capsys.readouterr().err
    assert f"The discovery document {asignio.url} could not be read (ConnectError)" in err
    assert "check [asignio] metadata_url and the network" in err


def test_a_sign_in_host_that_cannot_be_reached_ends_6(
    hosts: SimulatorServer,
    set_up: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    virtual_clock: VirtualClock,
) -> None:
    monkeypatch.setenv(LOGIN_URL_ENV, "http://127.0.0.1:9")
    code, slept = verify_waiting(virtual_clock, set_up)
    assert code == ExitCode.SERVICE
    assert "127.0.0.1:9 could not be reached" in capsys.readouterr().err
    assert slept == []


def test_a_sign_in_host_that_trickles_its_answer_ends_6_at_the_request_deadline(
    hosts: SimulatorServer, set_up: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A byte every 50 ms keeps a read timeout happy forever; a probe's request has one deadline for its whole
    answer. The stand-in trickles a valid metadata document for seconds, so without the deadline the probe reads it
    and goes on to the next probe instead of ending 6."""
    document = json.dumps({"issuer": f"https://contoso.b2clogin.com/{TENANT_ID}/v2.0/"}).encode() + b" " * 40
    trickling = TricklingGraph(document, pause=0.05)
    host = f"127.0.0.1:{trickling.server_address[1]}"
    monkeypatch.setenv(LOGIN_URL_ENV, f"http://{host}")
    try:
        code = verify(set_up, timeout=0, request_deadline=0.3)
    finally:
        trickling.stop()
    assert code == ExitCode.SERVICE
    err = capsys.readouterr().err
    assert f"seen: {host} did not send its whole answer within 0.3 s" in err
    assert "error: B2C serves B2C_1A_AsignioSUSI: expected HTTP 200" in err


Respond = Callable[[BaseHTTPRequestHandler], None]


def answer(handler: BaseHTTPRequestHandler, status: int, body: bytes, **headers: str) -> None:
    handler.send_response(status)
    for name, value in {"Content-Length": str(len(body)), **headers}.items():
        handler.send_header(name.replace("_", "-"), value)
    handler.end_headers()
    handler.wfile.write(body)


def login_host(authorize: Respond, metadata: Respond | None = None) -> Respond:
    """A stand-in b2clogin host: the tenant's metadata (or `metadata`'s answer), and `authorize`'s answer to the
    authorize request."""

    def respond(handler: BaseHTTPRequestHandler) -> None:
        if "openid-configuration" not in handler.path:
            authorize(handler)
        elif metadata is not None:
            metadata(handler)
        else:
            document = json.dumps({"issuer": f"https://contoso.b2clogin.com/{TENANT_ID}/v2.0/"}).encode()
            answer(handler, 200, document, Content_Type="application/json")

    return respond


@contextlib.contextmanager
def stand_in(monkeypatch: pytest.MonkeyPatch, variable: str, respond: Respond) -> Iterator[str]:
    """`respond` on loopback in place of the host `variable` names; yields its host."""
    with serving(respond) as url:
        root = url.removesuffix("/.well-known/openid-configuration")
        monkeypatch.setenv(variable, root)
        yield root.removeprefix("http://")


def test_a_redirect_longer_than_any_sign_in_sends_ends_6_and_is_not_followed(
    hosts: SimulatorServer,
    asignio: DiscoveryServer,
    set_up: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The redirect is right in every parameter the probe checks, and carries 50,000 characters more: no sign-in
    sends that, so it is neither taken as B2C's request nor sent on to Asignio, and no output line carries it."""
    location = (
        f"https://authorization.asignio.com/authorize?client_id={CLIENT_ID}&redirect_uri={AUTHRESP}"
        "&response_type=code&scope=openid&state=" + "s" * 50_000
    )
    redirect = login_host(lambda handler: answer(handler, 302, b"", Location=location))
    with stand_in(monkeypatch, LOGIN_URL_ENV, redirect) as host:
        assert main(["--json", "verify", str(set_up)]) == ExitCode.SERVICE
    out, err = capsys.readouterr()
    assert asignio.requests == []
    assert f"{host} answered a redirect {len(location):,} characters long" in err
    assert f"(no sign-in sends one over {LOCATION_LIMIT:,})" in err
    assert max(len(line) for line in (out + err).splitlines()) < 3_000


DEEPLY_NESTED = b"[" * 60_000 + b"]" * 4_000
"""JSON that Python's parser gives up on (RecursionError), cut at 64 KB as the probe reads it."""


def test_deeply_nested_json_from_a_sign_in_host_is_no_json_not_a_bug(
    hosts: SimulatorServer, set_up: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    nested = login_host(
        lambda handler: answer(handler, 404, b""),
        metadata=lambda handler: answer(handler, 200, DEEPLY_NESTED, Content_Type="application/json"),
    )
    with stand_in(monkeypatch, LOGIN_URL_ENV, nested):
        assert verify(set_up, timeout=0) == ExitCode.SIGN_IN_WOULD_FAIL
    assert "seen: the answer is not JSON" in capsys.readouterr().err


def test_a_deeply_nested_refusal_from_asignio_is_a_fault_quoted_short_not_a_bug(
    hosts: SimulatorServer, set_up: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with stand_in(monkeypatch, ASIGNIO_URL_ENV, lambda handler: answer(handler, 400, DEEPLY_NESTED)):
        assert main(["verify", str(set_up)]) == ExitCode.SIGN_IN_WOULD_FAIL
    err = capsys.readouterr().err
    assert "seen: HTTP 400: Asignio refused it: [[[[" in err
    assert max(len(line) for line in err.splitlines()) < 1_000


def test_a_less_than_sign_that_opens_no_tag_stays_in_a_pages_words() -> None:
    """A tag ends at the first `<` or `>`, so `a < b` is text (and a page of 64 KB of `<` is read in one pass, not
    once per `<`: seconds of CPU for one error page)."""
    page = Answer(400, None, "text/html", b"<p>invalid_request: a < b <b>redirect_uri</b> unknown</p><<")
    assert page.words() == "invalid_request: a < b redirect_uri unknown <<"


def test_json_lines_for_each_probe_and_the_summary(
    hosts: SimulatorServer, set_up: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--json", "verify", str(set_up)]) == ExitCode.OK
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(line["event"], line.get("probe"), line.get("status")) for line in lines] == [
        ("probe_checked", "policy-serves", "passed"),
        ("probe_checked", "sends-to-asignio", "passed"),
        ("probe_checked", "asignio-accepts", "passed"),
        ("summary", None, None),
    ]
    assert set(lines[0]) == {"event", "probe", "title", "status", "expected", "seen", "fix", "url"}
    assert lines[-1] == {"event": "summary", "verified": True, "exit_code": 0}

    del hosts.tenant.policies[RELYING_PARTY]
    assert main(["--json", "--verify-timeout", "0", "verify", str(set_up)]) == ExitCode.SIGN_IN_WOULD_FAIL
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line.get("status") for line in lines[:3]] == ["failed", "not-checked", "not-checked"]
    assert lines[0]["seen"] == "HTTP 404" and RELYING_PARTY in lines[0]["fix"]
    assert lines[-1] == {"event": "summary", "verified": False, "exit_code": 9}


def test_a_setup_whose_sign_in_fails_ends_9_and_no_verify_skips_the_probes(
    hosts: SimulatorServer, asignio: DiscoveryServer, custom_policy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asignio.clients.clear()
    assert main(["--json", "--non-interactive", str(custom_policy)]) == ExitCode.SIGN_IN_WOULD_FAIL
    summary = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert (summary["event"], summary["verified"], summary["exit_code"]) == ("summary", False, 9)
    assert summary["run_now_url"].startswith("https://contoso.b2clogin.com/")
    hosts.login_requests.clear()
    assert main(["--no-verify", "--non-interactive", str(custom_policy)]) == ExitCode.OK
    assert hosts.login_requests == []
    assert "Verifying the sign-in" not in capsys.readouterr().out


def test_the_external_id_probes_say_what_was_not_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], virtual_clock: VirtualClock
) -> None:
    """External ID: its metadata and the authorize page for the test app are probed; what Asignio is sent is not,
    and the result says so. A test app whose reply URL changed fails with External ID's own code."""
    with (
        DiscoveryServer("good") as asignio,
        SimulatorServer(SimulatedTenant.seeded("contoso", tenant_type="CIAM")) as hosts,
    ):
        point_at(hosts, monkeypatch)
        monkeypatch.setenv(LOGIN_URL_ENV, hosts.login_root)
        answers = tmp_path / "external-id.toml"
        answers.write_text(answers_text("external-id", metadata_url=asignio.url), encoding="utf-8")
        assert main(["--non-interactive", str(answers)]) == ExitCode.OK
        out = capsys.readouterr().out
        assert "  ✓ External ID serves contoso.onmicrosoft.com's OpenID metadata: issuer https://" in out
        assert "  ✓ External ID shows its sign-in page for the test app: HTTP 200: the sign-in page" in out
        assert "  – Asignio accepts External ID's request: not checked: Microsoft documents no parameter" in out
        assert "Nothing the probes could check fails; not checked: Asignio accepts External ID's request" in out
        assert not any(request.target.startswith("/authorize") for request in asignio.requests)

        [app] = hosts.tenant.applications.values()
        app["web"]["redirectUris"] = ["https://example.com/elsewhere"]
        code, slept = verify_waiting(virtual_clock, answers)
        assert code == ExitCode.SIGN_IN_WOULD_FAIL
        err = capsys.readouterr().err
        assert "  ✗ External ID shows its sign-in page for the test app" in err
        assert "seen: HTTP 400 (AADSTS50011)" in err
        assert "https://login.microsoftonline.com/error?code=50011" in err
        assert sum(slept) == pytest.approx(120.0, abs=1.0)


def test_verify_without_a_recorded_setup_says_to_run_it_first(
    hosts: SimulatorServer, custom_policy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", str(custom_policy)]) == ExitCode.BAD_INPUT
    err = capsys.readouterr().err
    assert "No setup of contoso.onmicrosoft.com is recorded in" in err
    assert "run the setup first" in err
    assert hosts.log == []


@pytest.mark.parametrize("variable", [LOGIN_URL_ENV, ASIGNIO_URL_ENV])
def test_an_override_in_plain_http_off_this_machine_is_refused(
    hosts: SimulatorServer,
    set_up: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variable: str,
) -> None:
    monkeypatch.setenv(variable, "http://login.example.com")
    assert main(["verify", str(set_up)]) == ExitCode.BAD_INPUT
    assert f"{variable}='http://login.example.com' uses plain http to login.example.com" in capsys.readouterr().err
    assert hosts.log == []


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--no-verify", "verify", "{answers}"], "--no-verify means nothing for the verify command"),
        (["--no-verify", "--verify-timeout", "5", "--non-interactive", "{answers}"], "which --no-verify leaves out"),
        (["--verify-timeout", "5", "plan", "{answers}"], "--verify-timeout means nothing for the plan command"),
        (["--verify-timeout", "-1", "verify", "{answers}"], "give 0 to 3600 seconds"),
    ],
)
def test_the_verify_flags_outside_their_mode_are_refused(
    custom_policy: Path, capsys: pytest.CaptureFixture[str], argv: list[str], said: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main([word.replace("{answers}", str(custom_policy)) for word in argv])
    assert exited.value.code == ExitCode.BAD_INPUT
    assert said in capsys.readouterr().err


TENANT_ID = "8f6a7d3e-1b2c-4d5e-9f01-23456789abcd"


@pytest.mark.parametrize(
    ("pivot", "issuer", "problem"),
    [
        ("custom-policy", f"https://contoso.b2clogin.com/{TENANT_ID}/v2.0/", None),
        ("user-flow", "https://contoso.b2clogin.com/tfp/contoso.onmicrosoft.com/b2c_1_signin/v2.0/", None),
        ("external-id", f"https://{TENANT_ID}.ciamlogin.com/{TENANT_ID}/v2.0", None),
        ("custom-policy", f"https://fabrikam.b2clogin.com/{TENANT_ID}/v2.0/", "is not one of contoso.onmicrosoft.com"),
        ("custom-policy", f"https://login.microsoftonline.com/{TENANT_ID}/v2.0", "is not one of"),
        ("custom-policy", f"http://contoso.b2clogin.com/{TENANT_ID}/v2.0/", "is not one of"),
        ("custom-policy", "https://contoso.b2clogin.com/someone/v2.0/", "is not one of"),
        ("custom-policy", None, "the document has no issuer"),
    ],
)
def test_an_issuer_of_the_tenant_is_on_its_sign_in_host_and_names_it(
    tmp_path: Path, pivot: str, issuer: str | None, problem: str | None
) -> None:
    """B2C's issuer (by tenant id, or the tfp form a user flow may be set to) and External ID's (on the tenant id's
    own ciamlogin host); anything on another host, in plain http or naming no tenant is not the tenant's."""
    path = tmp_path / "answers.toml"
    path.write_text(answers_text(pivot, metadata_url="https://authorization.asignio.com/.well-known/x"), "utf-8")
    found = issuer_problem(issuer, load_answers(path))
    assert (found is None) if problem is None else (found is not None and problem in found)


def test_the_probes_and_the_discovery_read_load_the_ca_bundle_off_the_event_loop(
    set_up: Path, asignio: DiscoveryServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loading the CA bundle takes tens of milliseconds: on the event loop that is a frozen wizard screen, so the
    probes and the discovery document's read make their TLS context in a worker thread."""
    import asyncio
    import ssl
    import threading

    from wizard.discovery import fetch_discovery

    loaded_on: list[str] = []
    load = ssl.SSLContext.load_verify_locations

    def spied(context: ssl.SSLContext, *args: object, **kwargs: object) -> None:
        loaded_on.append(threading.current_thread().name)
        load(context, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", spied)
    assert verify(set_up) == ExitCode.OK
    assert asyncio.run(fetch_discovery(asignio.url))["issuer"]
    assert len(loaded_on) == 2, "one context for the probes, one for the document"
    assert threading.main_thread().name not in loaded_on
