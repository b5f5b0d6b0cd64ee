"""The national clouds B2C runs in: where Graph, sign-in and b2clogin live for each."""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import Enum

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
    root = os.environ.get(GRAPH_URL_ENV) or ENDPOINTS[cloud].graph_root
    return root.rstrip("/") + "/beta"


def graph_scope(cloud: Cloud) -> str:
    """The `.default` scope for the cloud's Graph (tokens are for the real Graph even when the URL is overridden)."""
    return ENDPOINTS[cloud].graph_root + "/.default"
