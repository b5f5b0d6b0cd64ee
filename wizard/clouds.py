"""The national clouds B2C runs in: where Graph, sign-in and b2clogin live for each."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from enum import Enum
from urllib.parse import urlsplit

from wizard.errors import BadInputError, shown

GRAPH_URL_ENV = "ASIGNIO_SETUP_GRAPH_URL"


class Cloud(str, Enum):
    """A national cloud, as named in the answers file."""

    GLOBAL = "global"
    US_GOVERNMENT = "usgov"
    CHINA = "china"


@dataclass(frozen=True)
class CloudEndpoints:
    """Hosts that differ between clouds."""

    graph_root: str
    authority_host: str
    b2clogin_suffix: str
    portal: str


ENDPOINTS: dict[Cloud, CloudEndpoints] = {
    Cloud.GLOBAL: CloudEndpoints(
        "https://graph.microsoft.com", "login.microsoftonline.com", "b2clogin.com", "https://portal.azure.com"
    ),
    Cloud.US_GOVERNMENT: CloudEndpoints(
        "https://graph.microsoft.us", "login.microsoftonline.us", "b2clogin.us", "https://portal.azure.us"
    ),
    Cloud.CHINA: CloudEndpoints(
        "https://microsoftgraph.chinacloudapi.cn", "login.chinacloudapi.cn", "b2clogin.cn", "https://portal.azure.cn"
    ),
}


def b2clogin_host(tenant_name: str, cloud: Cloud) -> str:
    """Where the tenant's sign-in pages live: `<tenant>.b2clogin.com` (or the cloud's own suffix)."""
    return f"{tenant_name}.{ENDPOINTS[cloud].b2clogin_suffix}"


def asignio_redirect_uri(tenant_name: str, cloud: Cloud) -> str:
    """The redirect URI the Asignio application must list, as the partner article gives its pattern."""
    return f"https://{b2clogin_host(tenant_name, cloud)}/{tenant_name}.onmicrosoft.com/oauth2/authresp"


def graph_beta_url(cloud: Cloud) -> str:
    """The Graph beta base URL: the cloud's, or the root named by ASIGNIO_SETUP_GRAPH_URL."""
    override = os.environ.get(GRAPH_URL_ENV)
    root = checked_graph_root(override) if override else ENDPOINTS[cloud].graph_root
    return root.rstrip("/") + "/beta"


def checked_graph_root(root: str) -> str:
    """An overriding Graph root receives the token: https, or plain http only to this machine (the simulator)."""
    return checked_override_root(
        GRAPH_URL_ENV,
        root,
        example="https://graph.microsoft.com",
        plain_http_risk="the token would cross the network unencrypted; ",
        unset_fix=" to use the cloud's Graph",
    )


def checked_override_root(
    variable: str, root: str, *, example: str, plain_http_risk: str = "", unset_fix: str = ""
) -> str:
    """The root an environment variable puts in place of a Microsoft or Asignio host: an http(s) URL of a host with
    no query or fragment, plain http only to this machine (a stand-in on loopback); without its trailing slash."""
    parts = urlsplit(root)
    try:
        host = parts.hostname
    except ValueError:
        host = None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host or parts.query or parts.fragment:
        raise BadInputError(
            f"{variable}={shown(root)} is not an http(s) URL of a host",
            f"give a root such as {example}, or unset {variable}{unset_fix}",
        )
    if scheme == "http" and not _loopback(host):
        raise BadInputError(
            f"{variable}={shown(root)} uses plain http to {host}: {plain_http_risk}plain http is allowed only to this "
            "machine (localhost, 127.0.0.1, [::1])",
            f"use https://{host}, or unset {variable}{unset_fix}",
        )
    return root.rstrip("/")


def _loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def graph_scope(cloud: Cloud) -> str:
    """The `.default` scope for the cloud's Graph (tokens are for the real Graph even when the URL is overridden)."""
    return ENDPOINTS[cloud].graph_root + "/.default"
