"""The service navigation: each page area adds one line here, shown only to roles that may use it."""

from __future__ import annotations

from dataclasses import dataclass

from services.staff.permissions import Permission
from web.auth.principal import Principal


@dataclass(frozen=True)
class NavItem:
    """One link in the service navigation."""

    label: str
    path: str
    permission: Permission


# Order matters: this is the order people see.
NAVIGATION: list[NavItem] = [
    NavItem("Dashboard", "/dashboard", Permission.VIEW_DASHBOARD),
    NavItem("Transport", "/transport", Permission.VIEW_TRANSPORT),
    NavItem("Changes", "/changes", Permission.VIEW_TRANSPORT),
    NavItem("Call list", "/call-list", Permission.RECORD_TRANSPORT_CHANGES),
    NavItem("Codes", "/codes", Permission.ISSUE_LINKING_CODES),
    NavItem("Applications", "/applications", Permission.RECORD_TRANSPORT_CHANGES),
    NavItem("Broadcasts", "/broadcasts", Permission.COMPOSE_BROADCASTS),
    NavItem("Surveys", "/surveys", Permission.MANAGE_SURVEYS),
    NavItem("Report disruption", "/operator", Permission.REPORT_DISRUPTIONS),
    NavItem("Operator reports", "/disruptions", Permission.REVIEW_DISRUPTIONS),
    NavItem("Problem reports", "/casework/problems", Permission.VIEW_CASEWORK),
    NavItem("Complaints", "/casework/complaints", Permission.VIEW_CASEWORK),
    NavItem("SitRep", "/reports/sitrep", Permission.VIEW_DASHBOARD),
    NavItem("Exports", "/exports", Permission.EXPORT_PSEUDONYMISED),
    NavItem("Parental views", "/parental-views", Permission.VIEW_FEEDBACK_FIGURES),
    NavItem("Audit log", "/audit", Permission.VIEW_AUDIT_LOG),
    NavItem("Accounts", "/accounts", Permission.MANAGE_ACCOUNTS),
    NavItem("API tokens", "/tokens", Permission.MANAGE_ACCOUNTS),
    NavItem("Operators' accounts", "/operators", Permission.MANAGE_OPERATOR_ACCOUNTS),
]


def navigation_for(principal: Principal | None, *, current_path: str) -> list[dict[str, object]]:
    """The links this caller may follow, with the current one marked."""
    if principal is None:
        return []
    return [
        {
            "label": item.label,
            "path": item.path,
            "is_current": current_path == item.path or current_path.startswith(item.path + "/"),
        }
        for item in NAVIGATION
        if principal.may(item.permission)
    ]
