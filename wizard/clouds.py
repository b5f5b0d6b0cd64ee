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
    parts = urlsplit(root)
    try:
        host = parts.hostname
    except ValueError:
        host = None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host:
        raise BadInputError(
            f"{GRAPH_URL_ENV}={shown(root)} is not an http(s) URL",
            f"give a Graph root such as https://graph.microsoft.com, or unset {GRAPH_URL_ENV}",
        )
    if scheme == "http" and not _loopback(host):
        raise BadInputError(
            f"{GRAPH_URL_ENV}={shown(root)} uses plain http to {host}: the token would cross the network "
            "unencrypted; plain http is allowed only to this machine (localhost, 127.0.0.1, [::1])",
            f"use https://{host}, or unset {GRAPH_URL_ENV} to use the cloud's Graph",
        )
    return root


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
