"""An OpenID discovery document served on 127.0.0.1, as Asignio's would be, in the shapes the tests need.

`good` has every field External ID asks for (how-to-custom-oidc-federation-customers, recorded in
../shared/notes/external-id.md) and offers client_secret_post; `basic-only` offers client_secret_basic alone, which
External ID refuses; `no-jwks` lacks jwks_uri. The server answers one path, /.well-known/openid-configuration.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal, Self

DISCOVERY_PATH = "/.well-known/openid-configuration"
DocumentKind = Literal["good", "basic-only", "no-jwks"]
POLL_SECONDS = 0.05


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
        if self.path.split("?", 1)[0] != DISCOVERY_PATH:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = json.dumps(discovery_document(self.server.issuer, self.server.kind)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
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
