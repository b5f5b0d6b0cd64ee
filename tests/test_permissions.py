"""The README's permissions table says what wizard/permissions.py says (the one list, taken from Microsoft's docs)."""

from __future__ import annotations

from tests.conftest import PROJECT_ROOT
from wizard.permissions import ALL_OPERATIONS, DELEGATED_PERMISSIONS, accepted_for


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


def test_the_sign_in_asks_only_for_what_a_plan_uses() -> None:
    """The External ID MFA calls exist in the Graph layer, but no plan makes them yet: a B2C admin's consent screen
    must not ask for Conditional Access or authentication-method rights the run never uses."""
    assert "Policy.ReadWrite.ConditionalAccess" not in DELEGATED_PERMISSIONS
    assert "Policy.ReadWrite.AuthenticationMethod" not in DELEGATED_PERMISSIONS
    assert set(DELEGATED_PERMISSIONS) < {operation.permission for operation in ALL_OPERATIONS}
