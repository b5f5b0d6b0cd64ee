"""Microsoft's custom-policy starter pack at a pinned commit: fetched or read, hash-checked, rendered for a tenant.

Only the commit and the SHA-256 of each file ship with the project (wizard/starter_pack_pins.py). The files
come from the repository zip (downloaded once into the user cache folder, or given by the operator) or from
a folder holding the pack folders; any file that is missing or differs from its pin stops the run before
anything is written.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from wizard.errors import BadInputError, PolicyError
from wizard.policies import NS, UnsafeXmlError, parse_policy
from wizard.starter_pack_files import ARCHIVE_URL_VARIABLE, SOURCE_FIX, cache_folder, load_pinned_files
from wizard.starter_pack_pins import PACK_NAMES, PINNED_SHA256

__all__ = [
    "ARCHIVE_URL_VARIABLE",
    "PACK_NAMES",
    "PackPolicy",
    "StarterPack",
    "cache_folder",
    "fill_tenant",
    "load_starter_pack",
]

TENANT_PLACEHOLDER = b"yourtenant.onmicrosoft.com"
PROXY_APP_PLACEHOLDER = b"ProxyIdentityExperienceFrameworkAppId"
IEF_APP_PLACEHOLDER = b"IdentityExperienceFrameworkAppId"
TENANT_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


@dataclass(frozen=True)
class PackPolicy:
    """One policy of the pack, ready to upload."""

    policy_id: str
    base_policy_id: str | None
    xml: bytes
    is_sample: bool


@dataclass(frozen=True)
class _PackFile:
    name: str
    policy_id: str
    base_policy_id: str | None
    is_relying_party: bool
    key_sets: frozenset[str]
    data: bytes


def pinned_files(pack_name: str) -> list[str]:
    """The repository paths of one pack, as pinned."""
    return sorted(path for path in PINNED_SHA256 if path.startswith(f"{pack_name}/"))


def _describe(path: str, data: bytes) -> _PackFile:
    try:
        root = parse_policy(data, path).getroot()
    except UnsafeXmlError as error:
        raise PolicyError(f"The starter pack file {path} cannot be read: {error}", SOURCE_FIX) from None
    base = root.findtext("b:BasePolicy/b:PolicyId", namespaces=NS)
    key_sets = frozenset(
        str(value) for value in root.xpath("//b:Key/@StorageReferenceId", namespaces=NS) if isinstance(value, str)
    )
    return _PackFile(
        name=path,
        policy_id=str(root.get("PolicyId")),
        base_policy_id=base.strip() if base else None,
        is_relying_party=root.find("b:RelyingParty", NS) is not None,
        key_sets=key_sets,
        data=data,
    )


def _upload_order(files: list[_PackFile]) -> list[_PackFile]:
    """Each base before its children (ids compared case-insensitively, as B2C does); base chain before samples."""
    placed: list[_PackFile] = []
    placed_ids: set[str] = set()
    waiting = sorted(files, key=lambda file: (file.is_relying_party, file.name))
    while waiting:
        ready = [f for f in waiting if f.base_policy_id is None or f.base_policy_id.lower() in placed_ids]
        if not ready:
            names = ", ".join(f"{f.name} (base {f.base_policy_id})" for f in waiting)
            raise PolicyError(f"The starter pack's base chain is broken: {names}", SOURCE_FIX)
        chosen = ready[0]
        placed.append(chosen)
        placed_ids.add(chosen.policy_id.lower())
        waiting.remove(chosen)
    return placed


def tenant_short_name(tenant: str) -> str:
    """ "Contoso" or "contoso.onmicrosoft.com" → "contoso"."""
    name = tenant.strip().lower().removesuffix(".onmicrosoft.com")
    if not TENANT_NAME.match(name):
        raise BadInputError(f"{tenant!r} is not a B2C tenant name", "give it as contoso or contoso.onmicrosoft.com")
    return name


def fill_tenant(documents: dict[str, bytes], tenant: str) -> dict[str, bytes]:
    """A fresh starter pack's files with the yourtenant.onmicrosoft.com placeholder set to the tenant, in memory."""
    domain = f"{tenant_short_name(tenant)}.onmicrosoft.com".encode()
    return {name: data.replace(TENANT_PLACEHOLDER, domain) for name, data in documents.items()}


def _app_id(value: str, what: str) -> bytes:
    try:
        return str(uuid.UUID(value)).encode()
    except ValueError:
        raise BadInputError(f"The {what} app id {value!r} is not a GUID", "give the appId Graph reports") from None


class StarterPack:
    """One verified pack (its files as Microsoft published them), rendered per tenant on demand."""

    def __init__(self, pack_name: str, files: dict[str, bytes]) -> None:
        self.pack_name = pack_name
        self._files = _upload_order([_describe(path, data) for path, data in files.items()])

    def render(self, tenant: str, ief_app_id: str, proxy_app_id: str, *, include_samples: bool) -> list[PackPolicy]:
        """The pack's policies for a tenant in upload order; samples (relying parties) only when asked for."""
        tenant_domain = f"{tenant_short_name(tenant)}.onmicrosoft.com".encode()
        proxy, ief = (
            _app_id(proxy_app_id, "ProxyIdentityExperienceFramework"),
            _app_id(ief_app_id, "IdentityExperienceFramework"),
        )
        rendered: list[PackPolicy] = []
        for file in self._files:
            if file.is_relying_party and not include_samples:
                continue
            # Proxy first: the IEF placeholder is a substring of the Proxy one (ief-prerequisites.md, item 5).
            xml = file.data.replace(TENANT_PLACEHOLDER, tenant_domain)
            xml = xml.replace(PROXY_APP_PLACEHOLDER, proxy).replace(IEF_APP_PLACEHOLDER, ief)
            for placeholder in (b"yourtenant", PROXY_APP_PLACEHOLDER, IEF_APP_PLACEHOLDER):
                if placeholder in xml:
                    raise PolicyError(
                        f"{file.name} still contains the placeholder {placeholder.decode()} after rendering",
                        "report this: the pinned starter pack has a placeholder this tool does not know",
                    )
            rendered.append(PackPolicy(file.policy_id, file.base_policy_id, xml, file.is_relying_party))
        return rendered

    def key_sets_referenced(self) -> frozenset[str]:
        """Every policy key set a file of the pack names (B2C refuses the upload if one is missing)."""
        return frozenset().union(*(file.key_sets for file in self._files))

    def names_ief_apps(self) -> bool:
        """Whether a file has the IEF app placeholders (login-NonInteractive; the SocialAccounts pack has none)."""
        return any(IEF_APP_PLACEHOLDER in file.data for file in self._files)


def load_starter_pack(pack_name: str, source: Path | None) -> StarterPack:
    """A pinned, hash-checked pack from source (folder or repository zip), or the cache, or a download."""
    if pack_name not in PACK_NAMES:
        raise BadInputError(
            f"{pack_name!r} is not a starter pack this tool knows", f"use one of {', '.join(PACK_NAMES)}"
        )
    return StarterPack(pack_name, load_pinned_files(pinned_files(pack_name), source))
