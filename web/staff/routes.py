"""Every staff page's route."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from web.staff import accessibility, accounts, audit_log, broadcasts, dashboard, problem_reports, sign_in
from web.staff import reports as reports_pages

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
    router.add_get("/reports/sitrep", reports_pages.sitrep_page)
    router.add_get("/reports/sitrep.csv", reports_pages.sitrep_csv)
    router.add_get("/exports", reports_pages.exports_page)
    router.add_get("/exports/download", reports_pages.export_download)
    router.add_get("/accessibility", accessibility.accessibility_statement)
    router.add_static("/static/", STATIC_DIR, name="static", append_version=False)
