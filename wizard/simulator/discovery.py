"""An OpenID discovery document served on 127.0.0.1, as Asignio's would be, in the shapes the tests need.

`good` has every field External ID asks for (how-to-custom-oidc-federation-customers, recorded in
../shared/notes/external-id.md) and offers client_secret_post; `basic-only` offers client_secret_basic alone, which
External ID refuses; `no-jwks` lacks jwks_uri. The server answers /.well-known/openid-configuration and, as Asignio's
authorization endpoint the document names, /authorize (wizard.simulator.asignio) for the applications `register`
gave it; it keeps every request it got in `requests`.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal, Self
from urllib.parse import parse_qsl, urlsplit

from wizard.simulator.asignio import AUTHORIZE_PATH, authorize
from wizard.simulator.login import SeenRequest

DISCOVERY_PATH = "/.well-known/openid-configuration"
DocumentKind = Literal["good", "basic-only", "no-jwks"]
POLL_SECONDS = 0.01
"""How often the serving thread looks whether `stop` asks it to end, as the Graph simulator's does: every demo run
and the tests that stand in for Asignio stop one."""


def discovery_document(issuer: str, kind: DocumentKind = "good") -> dict[str, Any]:
    """The document of `kind` for a provider at `issuer`."""
    document: dict[str, Any] = {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "userinfo_endpoint": f"{issuer}/userinfo",
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "response_types_supported": ["code", "id_token", "code id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "profile", "email"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "claims_supported": ["sub", "name", "given_name", "family_name", "email"],
    }
    if kind == "basic-only":
        document["token_endpoint_auth_methods_supported"] = ["client_secret_basic"]
    elif kind == "no-jwks":
        del document["jwks_uri"]
    return document


class _Handler(BaseHTTPRequestHandler):
    server: _DiscoveryHTTPServer

    def do_GET(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.requests.append(SeenRequest(self.command, self.path, tuple(self.headers.items()), body))
        url = urlsplit(self.path)
        if url.path == AUTHORIZE_PATH and self.command == "GET":
            answer = authorize(dict(parse_qsl(url.query, keep_blank_values=True)), self.server.clients)
            self.answer(answer.status, answer.body, answer.content_type, answer.headers)
        elif url.path == DISCOVERY_PATH and self.command == "GET":
            document = json.dumps(discovery_document(self.server.issuer, self.server.kind)).encode()
            self.answer(200, document, "application/json", {})
        else:
            self.answer(404, b"", "", {})

    do_POST = do_GET

    def answer(self, status: int, body: bytes, content_type: str, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if body:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: stderr belongs to the wizard."""


class _DiscoveryHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, kind: DocumentKind, port: int) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.kind = kind
        self.issuer = f"http://127.0.0.1:{self.server_address[1]}"
        self.clients: dict[str, set[str]] = {}
        self.requests: list[SeenRequest] = []


class DiscoveryServer:
    """A running discovery document of one kind; `url` is what `[asignio] metadata_url` names."""

    def __init__(self, kind: DocumentKind = "good", *, port: int = 0) -> None:
        """`port` 0 takes a free one; a fixed one keeps the URL the same from run to run (a snapshot shows it)."""
        self._httpd = _DiscoveryHTTPServer(kind, port)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": POLL_SECONDS}, daemon=True
        )

    @property
    def url(self) -> str:
        return self._httpd.issuer + DISCOVERY_PATH

    @property
    def issuer(self) -> str:
        return self._httpd.issuer

    @property
    def clients(self) -> dict[str, set[str]]:
        """The applications registered at Asignio's partner site: client id → its redirect URIs."""
        return self._httpd.clients

    @property
    def requests(self) -> list[SeenRequest]:
        """Every request the server got, as it got it."""
        return self._httpd.requests

    def register(self, client_id: str, *redirect_uris: str) -> None:
        """An application at Asignio's partner site, with the redirect URIs entered there."""
        self.clients.setdefault(client_id, set()).update(redirect_uris)

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()
