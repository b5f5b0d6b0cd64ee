"""Which discovery documents External ID can federate with, and the reason named for each one it cannot; and how
little a document from outside is trusted: its endpoints, its issuer, its size and how long it may take."""

from __future__ import annotations

import json
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from tests.support.external_id import external_tenant, write_answers
from tests.support.headless import point_at, run
from tests.support.servers import Respond, serving
from wizard.discovery import DISCOVERY_SIZE_LIMIT, federation_blockers, fetch_discovery, untrusted_fields
from wizard.errors import ExitCode, ServiceError
from wizard.simulator import SimulatorServer
from wizard.simulator.discovery import DiscoveryServer, DocumentKind, discovery_document

GOOD = {
    "issuer": "https://authorization.asignio.com",
    "authorization_endpoint": "https://authorization.asignio.com/authorize",
    "token_endpoint": "https://authorization.asignio.com/token",
    "jwks_uri": "https://authorization.asignio.com/jwks",
    "response_types_supported": ["code", "id_token"],
    "subject_types_supported": ["public"],
    "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
}


def test_a_document_with_every_field_and_client_secret_post_can_federate() -> None:
    assert federation_blockers(GOOD) == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"token_endpoint_auth_methods_supported": ["client_secret_basic"]}, "offers client_secret_basic, and"),
        ({"token_endpoint_auth_methods_supported": None}, "offers none, and External ID needs one of"),
        ({"jwks_uri": None}, "it has no jwks_uri"),
        ({"issuer": ""}, "it has no issuer"),
        ({"response_types_supported": ["id_token"]}, "response_types_supported lacks code"),
        ({"subject_types_supported": "public"}, "it has no subject_types_supported"),
    ],
)
def test_a_document_that_cannot_federate_names_the_field_that_stops_it(change: dict[str, object], reason: str) -> None:
    document = {key: value for key, value in {**GOOD, **change}.items() if value is not None}
    blockers = federation_blockers(document)
    assert len(blockers) == 1
    assert reason in blockers[0]
    assert "ask Asignio" in blockers[0]


async def test_the_document_is_read_from_the_loopback_server_as_served() -> None:
    with DiscoveryServer("good") as server:
        document = await fetch_discovery(server.url)
    assert document["issuer"] == server.issuer
    assert federation_blockers(document) == []


@pytest.mark.parametrize(("kind", "reason"), [("basic-only", "offers client_secret_basic"), ("no-jwks", "no jwks_uri")])
async def test_the_served_bad_documents_are_refused_for_their_field(kind: DocumentKind, reason: str) -> None:
    with DiscoveryServer(kind) as server:
        blockers = federation_blockers(await fetch_discovery(server.url))
    assert len(blockers) == 1
    assert reason in blockers[0]


async def test_an_unreachable_document_is_exit_6_naming_the_url() -> None:
    with DiscoveryServer() as server:
        url = server.url
    with pytest.raises(ServiceError) as caught:
        await fetch_discovery(url)
    assert caught.value.exit_code == ExitCode.SERVICE
    assert url in caught.value.what


async def test_a_page_that_is_not_a_discovery_document_is_exit_6_naming_the_url() -> None:
    with DiscoveryServer() as server:
        url = server.issuer + "/elsewhere"
        with pytest.raises(ServiceError, match="answered HTTP 404") as caught:
            await fetch_discovery(url)
    assert url in caught.value.what


# A document from outside, trusted no further than OpenID Connect Discovery allows

METADATA_URL = "https://authorization.asignio.com/.well-known/openid-configuration"
HOSTILE_TAIL = "\x1b[2J\x1b]0;PWNED\x07\r\nFAKE: all good"
ISSUE_ISSUER = f"https://authorization.asignio.com{HOSTILE_TAIL}"
"""The issue's example: clear the screen, retitle the terminal, then a fake line."""


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"token_endpoint": "http://authorization.asignio.com/token"}, "its token_endpoint 'http://authorization"),
        ({"jwks_uri": "ftp://authorization.asignio.com/jwks"}, "its jwks_uri 'ftp://"),
        ({"userinfo_endpoint": "http://127.0.0.2.nip.io/userinfo"}, "its userinfo_endpoint"),
        ({"issuer": "https://evil.example"}, "its issuer 'https://evil.example' is not on the host"),
        ({"issuer": "https://authorization.asignio.com:8443"}, "is not on the host the document was read from"),
        ({"issuer": ISSUE_ISSUER}, "its issuer holds control characters ('https://authorization.asignio.com\\x1b[2J"),
        ({"issuer": "https://authorization.asignio.com/" + "a" * 100_000}, "its issuer is longer than 2048"),
        ({"response_types_supported": ["code", "x" * 5000]}, "its response_types_supported is longer than 2048"),
        ({"scopes_supported": ["openid", "\u202eemail"]}, "its scopes_supported holds control characters"),
    ],
)
def test_a_value_that_cannot_be_trusted_is_named_by_its_field(change: dict[str, Any], said: str) -> None:
    problems = untrusted_fields({**GOOD, **change}, METADATA_URL)
    assert len(problems) == 1
    assert said in problems[0]
    assert not any(control in problems[0] for control in ("\x1b", "\x07", "\r", "\n", "\u202e"))


@pytest.mark.parametrize(
    "change",
    [
        {},
        {"issuer": "https://AUTHORIZATION.asignio.com:443/tenant/v2.0/"},
        {"token_endpoint": "https://login.asignio.net/token", "end_session_endpoint": "https://asignio.com/logout"},
    ],
)
def test_https_endpoints_anywhere_and_an_issuer_on_the_documents_host_are_trusted(change: dict[str, Any]) -> None:
    """The issuer's path may differ from the metadata URL's (B2C's own documents do so); its scheme, host and port
    may not. Endpoints may live on other hosts, over https."""
    assert untrusted_fields({**GOOD, **change}, METADATA_URL) == []


def test_plain_http_is_trusted_on_loopback_only() -> None:
    with DiscoveryServer() as server:
        document = discovery_document(server.issuer)
    assert untrusted_fields(document, server.url) == []
    assert untrusted_fields({**document, "jwks_uri": "http://10.0.0.1/jwks"}, server.url) == [
        "its jwks_uri 'http://10.0.0.1/jwks' is not an https:// URL"
    ]


def test_a_hostile_document_stops_the_run_with_exit_5_naming_the_field_and_no_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The issue's issuer through the whole run: refused before any write, named, and shown escaped."""

    def hostile(handler: BaseHTTPRequestHandler) -> None:
        address = handler.server.server_address
        assert isinstance(address, tuple)
        host = f"http://127.0.0.1:{address[1]}"
        body = json.dumps({**discovery_document(host), "issuer": host + HOSTILE_TAIL}).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    with SimulatorServer(external_tenant()) as simulator, serving(hostile) as url:
        point_at(simulator, monkeypatch)
        assert run(write_answers(tmp_path, url)) == ExitCode.TENANT
        assert simulator.writes == 0
    output = capsys.readouterr()
    assert "its issuer holds control characters" in output.err
    assert "\\x1b[2J\\x1b]0;PWNED\\x07\\r\\nFAKE" in output.err
    assert "\x1b" not in output.out + output.err and "\nFAKE" not in output.out + output.err


HUGE = 200 * 1024 * 1024
CHUNK = b" " * 65536


def _huge_body(sent: list[int], *, declared: bool) -> Respond:
    """200 MB of JSON whitespace, announced by its Content-Length or sent chunked without one; `sent` counts what
    the server got out before the client hung up."""

    def respond(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(HUGE)) if declared else handler.send_header("Connection", "close")
        sent.append(0)  # before the headers go out: a client refusing on them alone may hang up at once
        handler.end_headers()
        for _ in range(HUGE // len(CHUNK)):
            handler.wfile.write(CHUNK)
            sent[0] += len(CHUNK)

    return respond


@pytest.mark.parametrize("declared", [True, False])
async def test_a_huge_document_is_refused_without_reading_it_whole(declared: bool) -> None:
    sent: list[int] = []
    too_large = f"larger than {DISCOVERY_SIZE_LIMIT} bytes"
    with serving(_huge_body(sent, declared=declared)) as url, pytest.raises(ServiceError, match=too_large) as refused:
        await fetch_discovery(url)
    assert refused.value.exit_code == ExitCode.SERVICE
    assert sent and sent[0] < HUGE // 4, "the client read on far past the limit"


async def test_a_trickling_server_is_given_up_at_the_documents_one_deadline() -> None:
    """A byte every 20 ms keeps any read timeout happy; the deadline is for the whole document. The server gives up
    after a few seconds, so a client without the deadline gets a document and the test fails instead of hanging."""
    document = json.dumps({**GOOD, "padding": " " * 200}).encode()

    def trickle(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(document)))
        handler.end_headers()
        for byte in document:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(0.02)

    with serving(trickle) as url, pytest.raises(ServiceError, match=r"did not arrive within 0\.3 s") as late:
        await fetch_discovery(url, deadline=0.3)
    assert url in late.value.what
