"""The README's permissions table says what wizard/permissions.py says (the one list, taken from Microsoft's docs)."""

from __future__ import annotations

from tests.support.paths import PROJECT_ROOT
from wizard.answers import parse_answers
from wizard.permissions import ALL_OPERATIONS, DELEGATED_PERMISSIONS, accepted_for
from wizard.steps.base import EXTERNAL_ID_MFA_PERMISSIONS, permissions_for

ASIGNIO = {"client_id": "00001111-aaaa-2222-bbbb-3333cccc4444"}


def readme_rows() -> dict[str, str]:
    """Permission → role, from the README's "Permissions and roles" table."""
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("### Permissions and roles", 1)[1].split("\n\n", 2)[1]
    rows = [line.strip("|").split("|") for line in table.splitlines()[2:]]
    return {cells[0].strip(): cells[2].strip() for cells in rows}


def test_the_readme_names_each_permission_with_the_role_the_code_names() -> None:
    assert readme_rows() == {operation.permission: operation.role for operation in ALL_OPERATIONS}


def test_no_directory_permission_stands_in_for_creating_applications() -> None:
    assert accepted_for("Application.ReadWrite.All") == ("Application.ReadWrite.All",)
    assert "Directory.ReadWrite.All" in accepted_for("DelegatedPermissionGrant.ReadWrite.All")


def test_the_sign_in_asks_for_every_permission_some_plan_uses_and_no_other() -> None:
    """The scopes are fixed before the path is chosen, so they cover the External ID MFA steps too; nothing else."""
    assert {"Policy.ReadWrite.ConditionalAccess", "Policy.Read.All", "Policy.ReadWrite.AuthenticationMethod"} <= set(
        DELEGATED_PERMISSIONS
    )
    assert set(DELEGATED_PERMISSIONS) == {operation.permission for operation in ALL_OPERATIONS}


def test_only_an_external_id_run_with_mfa_needs_the_mfa_permissions() -> None:
    """The preflight checks what the answers' run calls: an External ID run without MFA, and every B2C run, is not
    refused for want of Conditional Access or authentication-method rights."""
    mfa = set(EXTERNAL_ID_MFA_PERMISSIONS)
    for pivot, choice, needed in [
        ("external-id", "email", True),
        ("external-id", "sms", True),
        ("external-id", "off", False),
        ("user-flow", "phone", False),
        ("custom-policy", "off", False),
    ]:
        answers = parse_answers(
            {"tenant": {"name": "contoso"}, "asignio": ASIGNIO, "setup": {"pivot": pivot, "mfa": choice}}
        )
        assert (mfa <= set(permissions_for(answers))) is needed, (pivot, choice)
