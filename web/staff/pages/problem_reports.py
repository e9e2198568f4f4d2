"""Problem reports for officers: the open list, one report, and the form to mark it resolved."""

from __future__ import annotations

from aiohttp import web

from services.casework.errors import CaseNotFound, CaseworkError, StepNotAllowed
from services.feedback.tagging import ProblemCategory
from services.carers.channel_plans import CouncilContact
from services.staff.permissions import Permission
from services.problems.staff import list_problem_reports, resolve_as_officer, view_problem_report
from services.problems.reports import MAX_NOTE_LENGTH, PROBLEM_LABELS
from web.auth.access import require
from web.auth.keys import CLOCK
from web.auth.principal import origin_of, require_principal
from web.keys import DATABASE, SETTINGS
from web.staff.rendering import render_page


def _report_id(request: web.Request) -> int:
    raw = request.match_info["report_id"]
    if not raw.isdigit() or not 0 < int(raw) < 2**31:
        raise web.HTTPNotFound()
    return int(raw)


@require(Permission.VIEW_CASEWORK)
async def problem_reports_page(request: web.Request) -> web.StreamResponse:
    """Open problem reports, urgent first, then oldest first (viewing is audited)."""
    async with request.app[DATABASE].transaction() as session:
        reports = await list_problem_reports(
            session,
            actor=require_principal(request).actor,
            origin=origin_of(request),
            staff_base_url=request.app[SETTINGS].staff_base_url,
            now=request.app[CLOCK](),
        )
    return render_page(request, "staff/problem_reports.html", {"reports": reports, "notice": request.query.get("notice")})


@require(Permission.VIEW_CASEWORK)
async def problem_report_page(request: web.Request) -> web.StreamResponse:
    """One report with the parent's words and, while open, the form to resolve it."""
    return await _render_report(request, errors=[], note="")


async def _render_report(request: web.Request, *, errors: list[tuple[str, str]], note: str) -> web.Response:
    try:
        async with request.app[DATABASE].transaction() as session:
            report = await view_problem_report(
                session,
                report_id=_report_id(request),
                actor=require_principal(request).actor,
                origin=origin_of(request),
                now=request.app[CLOCK](),
            )
    except CaseNotFound:
        raise web.HTTPNotFound() from None
    context = {
        "report": report,
        "category_label": PROBLEM_LABELS[ProblemCategory(report.category)],
        "may_answer": require_principal(request).may(Permission.ANSWER_CASEWORK),
        "note": note,
        "note_limit": MAX_NOTE_LENGTH,
        "errors": errors,
    }
    return render_page(request, "staff/problem_report.html", context, status=422 if errors else 200)


@require(Permission.ANSWER_CASEWORK)
async def resolve_problem_report_submit(request: web.Request) -> web.StreamResponse:
    """Mark the report resolved and tell the family, or show what to fix."""
    report_id = _report_id(request)
    note = str((await request.post()).get("note", ""))
    try:
        async with request.app[DATABASE].transaction() as session:
            await resolve_as_officer(
                session,
                report_id=report_id,
                note=note,
                actor=require_principal(request).actor,
                origin=origin_of(request),
                now=request.app[CLOCK](),
                council=CouncilContact.from_settings(request.app[SETTINGS]),
            )
    except CaseNotFound:
        raise web.HTTPNotFound() from None
    except StepNotAllowed as error:
        return await _render_report(request, errors=[("", str(error))], note=note)
    except CaseworkError:
        return await _render_report(request, errors=[("note", f"The note must be {MAX_NOTE_LENGTH:,} characters or fewer")], note=note)
    return web.Response(status=303, headers={"Location": "/casework/problems?notice=resolved"})
