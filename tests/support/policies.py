"""Helpers shared by the policy tests: starter packs read from ../shared (tenant replaced in memory) or laid out as
GitHub's archive of their repository, answers."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from tests.support.headless import CLIENT_ID
from tests.support.paths import XSD_PATH
from wizard.answers import Answers, parse_answers
from wizard.starter_pack_pins import PINNED_COMMIT

TENANT = "contoso"
DOMAIN = "contoso.onmicrosoft.com"
OTHER_CLIENT_ID = "99998888-ffff-7777-eeee-666655554444"
SOCIAL_PACKS = ["SocialAccounts", "SocialAndLocalAccounts", "SocialAndLocalAccountsWithMfa"]
EXTENSIONS = "TrustFrameworkExtensions.xml"


def answers_data(mfa: str = "off", **sections: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "tenant": {"name": TENANT},
        "asignio": {"client_id": CLIENT_ID},
        "setup": {"pivot": "custom-policy", "mfa": mfa},
    }
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    return data


def make_answers(mfa: str = "off", **sections: dict[str, Any]) -> Answers:
    return parse_answers(answers_data(mfa, **sections))


def pack_chain(starter_pack: Path, pack: str, tenant: str = TENANT) -> dict[str, bytes]:
    """The pack's Base, Localization and Extensions with `yourtenant` replaced, as a tenant would hold them."""
    return {
        path.name: path.read_bytes().replace(b"yourtenant", tenant.encode())
        for path in sorted((starter_pack / pack).glob("TrustFramework*.xml"))
    }


def write_base(folder: Path, documents: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in documents.items():
        (folder / name).write_bytes(content)
    return folder


def answers_toml(path: Path, text: str | None = None, mfa: str = "off") -> Path:
    path.write_text(
        text
        if text is not None
        else f'[tenant]\nname = "{TENANT}"\n[asignio]\nclient_id = "{CLIENT_ID}"\n'
        f'[setup]\npivot = "custom-policy"\nmfa = "{mfa}"\n',
        encoding="utf-8",
    )
    return path


def repository_zip(starter_pack: Path) -> bytes:
    """The starter packs and the XSD (at the root) laid out as GitHub's archive of the repository lays them out."""
    top = f"active-directory-b2c-custom-policy-starterpack-{PINNED_COMMIT}"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for file in sorted(starter_pack.rglob("*")):
            if file.is_file():
                archive.writestr(f"{top}/{file.relative_to(starter_pack).as_posix()}", file.read_bytes())
        if XSD_PATH.is_file():
            archive.writestr(f"{top}/{XSD_PATH.name}", XSD_PATH.read_bytes())
    return buffer.getvalue()
