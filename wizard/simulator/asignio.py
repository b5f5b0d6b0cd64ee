"""Asignio's authorize endpoint, simulated beside the demo's discovery document: it knows the applications
registered at its partner site (a client id and its redirect URIs) and answers as an OAuth 2.0 server does.

RFC 6749 section 4.1.2.1: with a client id it does not know, or a redirect URI not registered for the client, the
server must not redirect; it tells the user (here a 400: JSON for the client, an HTML page for the redirect URI, so
both shapes are met). Any other error goes back to the redirect URI as `error=` (`unsupported_response_type`,
`invalid_scope`). A request it accepts gets its sign-in page.
"""

from __future__ import annotations

import html
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

AUTHORIZE_PATH = "/authorize"


@dataclass(frozen=True)
class AsignioAnswer:
    status: int
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


def authorize(query: Mapping[str, str], registered: Mapping[str, Collection[str]]) -> AsignioAnswer:
    """The answer to `GET /authorize?{query}`, `registered` mapping each known client id to its redirect URIs."""
    client_id = query.get("client_id", "")
    if client_id not in registered:
        body = {"error": "invalid_client", "error_description": f"Client '{client_id}' is unknown."}
        return AsignioAnswer(400, json.dumps(body).encode(), "application/json")
    redirect_uri = query.get("redirect_uri", "")
    if redirect_uri not in registered[client_id]:
        text = html.escape(
            f"invalid_request: the redirect_uri '{redirect_uri}' is not registered for this application."
        )
        return AsignioAnswer(400, f"<!DOCTYPE html><html><body><h1>Error</h1><p>{text}</p></body></html>".encode())
    error = None
    if query.get("response_type") != "code":
        error = ("unsupported_response_type", "Only the authorization code flow is offered.")
    elif "openid" not in query.get("scope", "").split():
        error = ("invalid_scope", "The openid scope is required.")
    if error is not None:
        back = {"error": error[0], "error_description": error[1], "state": query.get("state", "")}
        return AsignioAnswer(302, headers={"Location": f"{redirect_uri}?{urlencode(back)}"})
    return AsignioAnswer(200, b"<!DOCTYPE html><html><body><h1>Sign in with your Asignio Signature</h1></body></html>")
