"""Helpers shared by the policy tests: starter packs read from ../shared (tenant replaced in memory), answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wizard.answers import Answers, parse_answers

TENANT = "contoso"
DOMAIN = "contoso.onmicrosoft.com"
CLIENT_ID = "00001111-aaaa-2222-bbbb-3333cccc4444"
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


PROJECT_ROOT = Path(__file__).resolve().parents[1]
