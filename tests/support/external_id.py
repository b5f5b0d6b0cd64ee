"""An External ID setup as the tests make one: the external (CIAM) tenant and the answers for it."""

from __future__ import annotations

from pathlib import Path

from tests.support.headless import CLIENT_ID
from wizard.simulator import SimulatedTenant


def answers_text(metadata_url: str, *, email_sign_in: bool = True, flow_name: str | None = None) -> str:
    flow = f'flow_name = "{flow_name}"\n' if flow_name else ""
    return (
        f'[tenant]\nname = "contoso"\n[asignio]\nclient_id = "{CLIENT_ID}"\nmetadata_url = "{metadata_url}"\n'
        f'[setup]\npivot = "external-id"\n[external_id]\nemail_sign_in = {str(email_sign_in).lower()}\n{flow}'
    )


def write_answers(folder: Path, metadata_url: str, **options: object) -> Path:
    path = folder / "external-id.toml"
    path.write_text(answers_text(metadata_url, **options), encoding="utf-8")  # type: ignore[arg-type]
    return path


def external_tenant() -> SimulatedTenant:
    return SimulatedTenant.seeded("contoso", tenant_type="CIAM")
