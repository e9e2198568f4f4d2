"""Who may do what on the staff side: one Permission per capability, granted to roles as data.

README's "Who may do what" table is checked against ROLE_PERMISSIONS by a test, so the two
cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from db.models.staff import StaffRole


class Permission(StrEnum):
    """One thing a role may see or do."""

    VIEW_DASHBOARD = "view_dashboard"
    VIEW_TRANSPORT = "view_transport"
    RECORD_TRANSPORT_CHANGES = "record_transport_changes"
    ISSUE_LINKING_CODES = "issue_linking_codes"
    COMPOSE_BROADCASTS = "compose_broadcasts"
    APPROVE_BROADCASTS = "approve_broadcasts"
    SEND_BROADCASTS = "send_broadcasts"
    MANAGE_SURVEYS = "manage_surveys"
    VIEW_FEEDBACK_FIGURES = "view_feedback_figures"
    VIEW_CASEWORK = "view_casework"
    ANSWER_CASEWORK = "answer_casework"
    CURATE_PARENTAL_VIEWS = "curate_parental_views"
    EXPORT_PSEUDONYMISED = "export_pseudonymised"
    EXPORT_IDENTIFYING = "export_identifying"
    VIEW_AUDIT_LOG = "view_audit_log"
    MANAGE_ACCOUNTS = "manage_accounts"
    MANAGE_OPERATOR_ACCOUNTS = "manage_operator_accounts"
    REVIEW_DISRUPTIONS = "review_disruptions"
    REPORT_DISRUPTIONS = "report_disruptions"


# How each permission reads in README and on the accounts page.
PERMISSION_DESCRIPTIONS: Mapping[Permission, str] = {
    Permission.VIEW_DASHBOARD: "See the dashboard of what needs a person now (counts only)",
    Permission.VIEW_TRANSPORT: "See schools, routes, operators and transport changes",
    Permission.RECORD_TRANSPORT_CHANGES: "Record transport data and changes",
    Permission.ISSUE_LINKING_CODES: "Issue link codes for families",
    Permission.COMPOSE_BROADCASTS: "Compose broadcasts",
    Permission.APPROVE_BROADCASTS: "Approve someone else's broadcast",
    Permission.SEND_BROADCASTS: "Send an approved broadcast and see its report",
    Permission.MANAGE_SURVEYS: "Create, send and close surveys",
    Permission.VIEW_FEEDBACK_FIGURES: "See feedback, survey and complaint figures (aggregated, no identities)",
    Permission.VIEW_CASEWORK: "See complaints and incidents with the complainant's identity",
    Permission.ANSWER_CASEWORK: "Answer complaints and incidents",
    Permission.CURATE_PARENTAL_VIEWS: "Curate the parental-views quotes and PACT commentary",
    Permission.EXPORT_PSEUDONYMISED: "Export pseudonymised data",
    Permission.EXPORT_IDENTIFYING: "Export identifying data (each export is audited)",
    Permission.VIEW_AUDIT_LOG: "See the audit log",
    Permission.MANAGE_ACCOUNTS: "Manage staff accounts and API tokens",
    Permission.MANAGE_OPERATOR_ACCOUNTS: "Add transport operators' accounts and API tokens",
    Permission.REVIEW_DISRUPTIONS: "See operators' disruption reports and confirm or reject their change drafts",
    Permission.REPORT_DISRUPTIONS: "Report disruption on the operator's own routes (first names and pick-up windows only)",
}

# Coordinators are Kent PACT volunteers and staff, outside the council: never identities.
# Admins run accounts and oversight; they get no casework, so every identifying view is made by
# a casework role and separation of duties holds (an admin who also does casework needs a second,
# officer account, whose creation is itself in the audit log).
ROLE_PERMISSIONS: Mapping[StaffRole, frozenset[Permission]] = {
    StaffRole.PACT_COORDINATOR: frozenset(
        {
            Permission.VIEW_DASHBOARD,
            Permission.VIEW_TRANSPORT,
            Permission.COMPOSE_BROADCASTS,
            Permission.APPROVE_BROADCASTS,
            Permission.SEND_BROADCASTS,
            Permission.MANAGE_SURVEYS,
            Permission.VIEW_FEEDBACK_FIGURES,
            Permission.CURATE_PARENTAL_VIEWS,
            Permission.EXPORT_PSEUDONYMISED,
        }
    ),
    StaffRole.OFFICER: frozenset(
        {
            Permission.VIEW_DASHBOARD,
            Permission.VIEW_TRANSPORT,
            Permission.RECORD_TRANSPORT_CHANGES,
            Permission.ISSUE_LINKING_CODES,
            Permission.COMPOSE_BROADCASTS,
            Permission.APPROVE_BROADCASTS,
            Permission.SEND_BROADCASTS,
            Permission.VIEW_FEEDBACK_FIGURES,
            Permission.VIEW_CASEWORK,
            Permission.ANSWER_CASEWORK,
            Permission.EXPORT_PSEUDONYMISED,
            Permission.EXPORT_IDENTIFYING,
            Permission.MANAGE_OPERATOR_ACCOUNTS,
            Permission.REVIEW_DISRUPTIONS,
        }
    ),
    StaffRole.ADMIN: frozenset(
        {
            Permission.VIEW_DASHBOARD,
            Permission.VIEW_AUDIT_LOG,
            Permission.MANAGE_ACCOUNTS,
            Permission.MANAGE_OPERATOR_ACCOUNTS,
        }
    ),
    # Operators are outside the council: one capability, and only on their own routes (checked in
    # services/operators, not here). Everything else answers 403.
    StaffRole.OPERATOR: frozenset({Permission.REPORT_DISRUPTIONS}),
}

ROLE_LABELS: Mapping[StaffRole, str] = {
    StaffRole.PACT_COORDINATOR: "PACT coordinator",
    StaffRole.OFFICER: "Council officer",
    StaffRole.ADMIN: "Administrator",
    StaffRole.OPERATOR: "Transport operator",
}


def permissions_for(role: StaffRole | str) -> frozenset[Permission]:
    """Every permission a role holds; an unknown role holds none."""
    try:
        return ROLE_PERMISSIONS[StaffRole(role)]
    except ValueError:
        return frozenset()


def role_may(role: StaffRole | str, permission: Permission) -> bool:
    """True when the role holds the permission."""
    return permission in permissions_for(role)
