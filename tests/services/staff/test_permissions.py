"""The role matrix: README's table is exactly ROLE_PERMISSIONS, and its promises hold."""

from __future__ import annotations

import re
from pathlib import Path

from db.models.staff import StaffRole
from services.staff.permissions import PERMISSION_DESCRIPTIONS, ROLE_PERMISSIONS, Permission

README = Path(__file__).resolve().parents[3] / "README.md"
COLUMNS = (StaffRole.PACT_COORDINATOR, StaffRole.OFFICER, StaffRole.ADMIN, StaffRole.OPERATOR)
ROW = re.compile(r"^\| (?P<text>.+) \(`(?P<code>[a-z_]+)`\) \| (?P<cells>.+) \|$")


def readme_matrix() -> dict[Permission, dict[StaffRole, bool]]:
    """The 'Who may do what' table, parsed."""
    section = (
        README.read_text(encoding="utf-8").split("## Who may do what", 1)[1].split("\n## ", 1)[0]
    )
    header = next(line for line in section.splitlines() if line.startswith("| Permission |"))
    assert header == "| Permission | PACT coordinator | Officer | Admin | Operator |"
    matrix: dict[Permission, dict[StaffRole, bool]] = {}
    for line in section.splitlines():
        match = ROW.match(line)
        if not match:
            continue
        permission = Permission(match["code"])
        assert match["text"] == PERMISSION_DESCRIPTIONS[permission]
        cells = [cell.strip() for cell in match["cells"].split("|")]
        assert set(cells) <= {"Yes", "No"}, line
        assert permission not in matrix, f"{permission} appears twice"
        matrix[permission] = dict(zip(COLUMNS, (cell == "Yes" for cell in cells), strict=True))
    return matrix


def test_readme_table_matches_role_permissions_exactly() -> None:
    matrix = readme_matrix()
    assert set(matrix) == set(Permission)
    for permission, by_role in matrix.items():
        for role, allowed in by_role.items():
            assert (permission in ROLE_PERMISSIONS[role]) is allowed, f"{role} / {permission}"


def test_coordinators_never_see_identities() -> None:
    identifying = {
        Permission.VIEW_CASEWORK,
        Permission.ANSWER_CASEWORK,
        Permission.EXPORT_IDENTIFYING,
        Permission.ISSUE_LINKING_CODES,
    }
    assert not identifying & ROLE_PERMISSIONS[StaffRole.PACT_COORDINATOR]
    assert Permission.VIEW_FEEDBACK_FIGURES in ROLE_PERMISSIONS[StaffRole.PACT_COORDINATOR]


def test_only_admins_manage_accounts_and_admins_see_no_casework() -> None:
    holders = {
        role for role, granted in ROLE_PERMISSIONS.items() if Permission.MANAGE_ACCOUNTS in granted
    }
    assert holders == {StaffRole.ADMIN}
    assert Permission.VIEW_CASEWORK not in ROLE_PERMISSIONS[StaffRole.ADMIN]


def test_every_role_has_an_entry_and_every_permission_a_description() -> None:
    assert set(ROLE_PERMISSIONS) == set(StaffRole)
    assert set(PERMISSION_DESCRIPTIONS) == set(Permission)


def test_operators_hold_only_the_report_permission_and_see_no_identities() -> None:
    assert ROLE_PERMISSIONS[StaffRole.OPERATOR] == {Permission.REPORT_DISRUPTIONS}
    holders = {role for role, granted in ROLE_PERMISSIONS.items() if Permission.REPORT_DISRUPTIONS in granted}
    assert holders == {StaffRole.OPERATOR}
    managers = {role for role, granted in ROLE_PERMISSIONS.items() if Permission.MANAGE_OPERATOR_ACCOUNTS in granted}
    assert managers == {StaffRole.OFFICER, StaffRole.ADMIN}
