"""Every staff page's route."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from web.staff import accessibility, dashboard, sign_in
from web.staff.pages import accounts
from web.staff.pages import audit_log
from web.staff.pages import broadcasts
from web.staff.pages import children as child_pages
from web.staff.pages import problem_reports
from web.staff.pages import reports as reports_pages
from web.staff.pages import changes as change_pages
from web.staff.pages import codes as code_pages
from web.staff.pages import transport as transport_pages
from web.staff.pages.parental_views import add_parental_views_routes
from web.staff.pages import surveys as survey_pages
from web.staff.pages import complaints as complaint_pages
from web.staff.pages.operators import accounts as operator_accounts
from web.staff.pages.operators import chat_codes as operator_chat_codes
from web.staff.pages.operators import report as operator_pages
from web.staff.pages.operators import review as disruption_pages

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


def add_staff_routes(app: web.Application) -> None:
    """Sign-in, dashboard, audit log, accounts, tokens, accessibility statement and /static."""
    router = app.router
    router.add_get("/", sign_in.home)
    router.add_get("/sign-in", sign_in.sign_in_page)
    router.add_post("/sign-in", sign_in.sign_in_submit)
    router.add_post("/sign-out", sign_in.sign_out_submit)
    router.add_get("/dashboard", dashboard.dashboard)
    router.add_get("/audit", audit_log.audit_log)
    router.add_get("/accounts", accounts.accounts_page)
    router.add_get("/accounts/new", accounts.new_account_page)
    router.add_post("/accounts/new", accounts.new_account_submit)
    router.add_post("/accounts/{user_id}/deactivate", accounts.deactivate_account_submit)
    router.add_get("/tokens", accounts.tokens_page)
    router.add_get("/tokens/new", accounts.new_token_page)
    router.add_post("/tokens/new", accounts.new_token_submit)
    router.add_post("/tokens/{token_id}/revoke", accounts.revoke_token_submit)
    router.add_get("/broadcasts", broadcasts.broadcasts_page)
    router.add_get("/broadcasts/new", broadcasts.new_broadcast_page)
    router.add_post("/broadcasts/new", broadcasts.new_broadcast_submit)
    router.add_get("/broadcasts/approvals", broadcasts.approvals_page)
    router.add_get("/broadcasts/{broadcast_id}", broadcasts.broadcast_page)
    router.add_post("/broadcasts/{broadcast_id}/request-approval", broadcasts.request_approval_submit)
    router.add_post("/broadcasts/{broadcast_id}/approve", broadcasts.approve_submit)
    router.add_post("/broadcasts/{broadcast_id}/send", broadcasts.send_submit)
    router.add_post("/broadcasts/{broadcast_id}/schedule", broadcasts.schedule_submit)
    router.add_post("/broadcasts/{broadcast_id}/cancel", broadcasts.cancel_submit)
    router.add_get("/broadcasts/{broadcast_id}/report", broadcasts.report_page)
    router.add_get("/casework/problems", problem_reports.problem_reports_page)
    router.add_get("/casework/problems/{report_id}", problem_reports.problem_report_page)
    router.add_post("/casework/problems/{report_id}/resolve", problem_reports.resolve_problem_report_submit)
    router.add_get("/casework/complaints", complaint_pages.complaints_page)
    router.add_get("/casework/complaints/{complaint_id}", complaint_pages.complaint_page)
    router.add_post("/casework/complaints/{complaint_id}/acknowledge", complaint_pages.acknowledge_submit)
    router.add_post("/casework/complaints/{complaint_id}/extend", complaint_pages.extend_submit)
    router.add_post("/casework/complaints/{complaint_id}/respond", complaint_pages.respond_submit)
    router.add_post("/casework/complaints/{complaint_id}/close", complaint_pages.close_submit)
    router.add_get("/casework/complaints/{complaint_id}/attachments/{attachment_id}/download", complaint_pages.attachment_download)
    router.add_get("/reports/sitrep", reports_pages.sitrep_page)
    router.add_get("/reports/sitrep.csv", reports_pages.sitrep_csv)
    router.add_get("/exports", reports_pages.exports_page)
    router.add_get("/exports/download", reports_pages.export_download)
    router.add_get("/surveys", survey_pages.surveys_page)
    router.add_get("/surveys/new", survey_pages.new_survey_page)
    router.add_post("/surveys/new", survey_pages.new_survey_submit)
    router.add_get("/surveys/{survey_id}", survey_pages.survey_page)
    router.add_post("/surveys/{survey_id}/send", survey_pages.send_submit)
    router.add_post("/surveys/{survey_id}/close", survey_pages.close_submit)
    router.add_get("/surveys/{survey_id}/results", survey_pages.results_page)
    add_parental_views_routes(app)
    router.add_get("/transport", transport_pages.transport_page)
    router.add_get("/transport/import", transport_pages.import_page)
    router.add_post("/transport/import", transport_pages.import_submit)
    router.add_get("/transport/routes/{route_id}", transport_pages.route_page)
    router.add_get("/transport/children/{child_id}", child_pages.child_page)
    router.add_post("/transport/children/{child_id}/contacts/{contact_id}", child_pages.contact_submit)
    router.add_get("/changes", change_pages.changes_page)
    router.add_get("/changes/new", change_pages.new_change_page)
    router.add_post("/changes/new", change_pages.new_change_submit)
    router.add_get("/changes/import", change_pages.import_changes_page)
    router.add_post("/changes/import", change_pages.import_changes_submit)
    router.add_get("/changes/{change_id}", change_pages.change_page)
    router.add_get("/call-list", change_pages.call_list_page)
    router.add_get("/call-list/download", change_pages.call_list_download)
    router.add_get("/codes", code_pages.codes_page)
    router.add_post("/codes/child", code_pages.issue_child_code_submit)
    router.add_post("/codes/download", code_pages.issue_batch_download)
    router.add_get("/applications", code_pages.overdue_applications_page)
    add_operator_routes(app)
    router.add_get("/accessibility", accessibility.accessibility_statement)
    router.add_static("/static/", STATIC_DIR, name="static", append_version=False)


def add_operator_routes(app: web.Application) -> None:
    """The operator's phone pages, officers' review of their reports, and operator accounts."""
    router = app.router
    router.add_get("/operator", operator_pages.operator_page)
    router.add_post("/operator/disruptions", operator_pages.report_submit)
    router.add_post("/operator/disruptions/{disruption_id}/correct", operator_pages.correct_submit)
    router.add_post("/operator/disruptions/{disruption_id}/withdraw", operator_pages.withdraw_submit)
    router.add_post("/operator/disruptions/{disruption_id}/resolve", operator_pages.resolve_submit)
    router.add_get("/disruptions", disruption_pages.disruptions_page)
    router.add_get("/disruptions/{disruption_id}", disruption_pages.disruption_page)
    router.add_post("/disruptions/{disruption_id}/confirm", disruption_pages.confirm_submit)
    router.add_post("/disruptions/{disruption_id}/reject", disruption_pages.reject_submit)
    router.add_get("/operators", operator_accounts.operator_accounts_page)
    router.add_post("/operators/{operator_id}/accounts", operator_accounts.new_operator_account_submit)
    router.add_post("/operators/{operator_id}/tokens", operator_accounts.new_operator_token_submit)
    router.add_post("/operator/chat-codes", operator_chat_codes.own_chat_code_submit)
    router.add_post("/operators/{operator_id}/chat-codes", operator_chat_codes.operator_chat_code_submit)
