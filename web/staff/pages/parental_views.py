"""Kent PACT's parental-views pages: the report in each format, quotes to curate, "You said, we did" and commentary."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from services.calendar.periods import AcademicYear
from reports.parental_views.service import ReportFormat, produce_parental_views
from services.casework.errors import CaseNotFound, StepNotAllowed
from services.feedback.records import QuoteStatus, quote_candidates
from services.feedback.parental_views import (
    MAX_COMMENTARY,
    MAX_ROW_TEXT,
    ParentalViewsError,
    RowNotFound,
    add_you_said,
    change_you_said,
    curate_report_quote,
    find_you_said,
    list_you_said,
    parse_year,
    read_commentary,
    record_report_download,
    remove_you_said,
    write_commentary,
)
from services.staff.permissions import Permission
from web.auth.access import require
from web.auth.keys import CLOCK
from web.auth.principal import origin_of, require_principal
from web.keys import DATABASE
from web.staff.rendering import render_page

YEARS_SHOWN = 3
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
NOTICES = {
    "approved": "Quote approved: it will appear in the report",
    "rejected": "Quote rejected: it will not appear in the report",
    "added": "Row added",
    "changed": "Row saved",
    "removed": "Row removed",
    "saved": "Commentary saved",
}


def _now(request: web.Request) -> datetime:
    return request.app[CLOCK]()


def _chosen_year(request: web.Request) -> AcademicYear:
    """The ?year= asked for, else the academic year now; a malformed year is a 404 like any bad address."""
    text = request.query.get("year")
    if not text:
        return AcademicYear.containing(_now(request).date())
    try:
        return AcademicYear.parse(text)
    except ValueError:
        raise web.HTTPNotFound() from None


def _year_options(request: web.Request, chosen: AcademicYear) -> list[tuple[str, str]]:
    current = AcademicYear.containing(_now(request).date())
    years = {AcademicYear(current.first_calendar_year - back).label for back in range(YEARS_SHOWN)} | {chosen.label}
    return [(label, label) for label in sorted(years, reverse=True)]


def _common(request: web.Request, year: AcademicYear) -> dict[str, object]:
    return {"year": year.label, "years": _year_options(request, year), "notice": NOTICES.get(request.query.get("notice", ""))}


def _row_id(request: web.Request) -> int:
    raw = request.match_info["row_id"]
    if not raw.isdigit() or not 0 < int(raw) < 2**31:
        raise web.HTTPNotFound()
    return int(raw)


def _see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


@require(Permission.VIEW_FEEDBACK_FIGURES)
async def overview_page(request: web.Request) -> web.StreamResponse:
    """Choose a year and download the section as HTML, PDF or Word."""
    principal = require_principal(request)
    context = _common(request, _chosen_year(request))
    context.update(formats=[(fmt.value, label) for fmt, label in (
        (ReportFormat.HTML, "Web page (HTML)"), (ReportFormat.PDF, "PDF"), (ReportFormat.DOCX, "Word (DOCX)"))],
        may_curate=principal.may(Permission.CURATE_PARENTAL_VIEWS))
    return render_page(request, "staff/parental_views.html", context)


@require(Permission.VIEW_FEEDBACK_FIGURES)
async def report_download(request: web.Request) -> web.StreamResponse:
    """The section for the chosen year in the chosen format (producing it is audited)."""
    year = _chosen_year(request)
    try:
        report_format = ReportFormat(request.query.get("format", "html"))
    except ValueError:
        raise web.HTTPNotFound() from None
    database = request.app[DATABASE]
    rendered = await produce_parental_views(database, year=year, report_format=report_format, now=_now(request))
    async with database.transaction() as session:
        await record_report_download(session, year=year, report_format=report_format.value,
                                     actor=require_principal(request).actor, now=_now(request), origin=origin_of(request))
    disposition = "inline" if report_format is ReportFormat.HTML else "attachment"
    return web.Response(body=rendered.content, headers={
        "Content-Type": rendered.content_type, "Content-Disposition": f'{disposition}; filename="{rendered.file_name}"',
        "Cache-Control": "no-store",
        # The document is self-contained (inline stylesheet and SVG, no scripts): it needs inline styles only.
        "Content-Security-Policy": REPORT_CSP,
    })


@require(Permission.CURATE_PARENTAL_VIEWS)
async def quotes_page(request: web.Request) -> web.StreamResponse:
    """Quotes families agreed to share, already redacted: proposed ones to decide, and the approved ones."""
    async with request.app[DATABASE].transaction() as session:
        proposed = await quote_candidates(session, status=QuoteStatus.PROPOSED)
        approved = await quote_candidates(session, status=QuoteStatus.APPROVED)
    return render_page(request, "staff/parental_views_quotes.html", {
        "proposed": proposed, "approved": approved, "notice": NOTICES.get(request.query.get("notice", ""))})


@require(Permission.CURATE_PARENTAL_VIEWS)
async def curate_quote_submit(request: web.Request) -> web.StreamResponse:
    """Approve or reject one proposed quote."""
    raw = request.match_info["feedback_id"]
    if not raw.isdigit() or not 0 < int(raw) < 2**31:
        raise web.HTTPNotFound()
    decision = str((await request.post()).get("decision", ""))
    if decision not in ("approve", "reject"):
        raise web.HTTPBadRequest(text="Choose approve or reject.")
    try:
        async with request.app[DATABASE].transaction() as session:
            await curate_report_quote(session, feedback_id=int(raw), is_approved=decision == "approve",
                                      actor=require_principal(request).actor, now=_now(request), origin=origin_of(request))
    except CaseNotFound:
        raise web.HTTPNotFound() from None
    except StepNotAllowed:
        raise web.HTTPConflict(text="This family did not agree to be quoted.") from None
    return _see_other(f"/parental-views/quotes?notice={'approved' if decision == 'approve' else 'rejected'}")


async def _render_you_said(request: web.Request, year: AcademicYear, *, errors: list[tuple[str, str]], form: dict[str, str]) -> web.Response:
    async with request.app[DATABASE].transaction() as session:
        rows = await list_you_said(session, year=year)
    context = _common(request, year)
    context.update(rows=rows, errors=errors, form=form, limit=MAX_ROW_TEXT)
    return render_page(request, "staff/parental_views_you_said.html", context, status=422 if errors else 200)


@require(Permission.CURATE_PARENTAL_VIEWS)
async def you_said_page(request: web.Request) -> web.StreamResponse:
    """The year's "You said, we did" rows and the form to add one."""
    return await _render_you_said(request, _chosen_year(request), errors=[], form={})


@require(Permission.CURATE_PARENTAL_VIEWS)
async def you_said_add_submit(request: web.Request) -> web.StreamResponse:
    """Add a row at the end of the year's table."""
    data = await request.post()
    form = {"you_said": str(data.get("you_said", "")), "we_did": str(data.get("we_did", ""))}
    try:
        year = parse_year(str(data.get("year", "")))
        async with request.app[DATABASE].transaction() as session:
            await add_you_said(session, year=year, you_said=form["you_said"], we_did=form["we_did"],
                               actor=require_principal(request).actor, now=_now(request), origin=origin_of(request))
    except ParentalViewsError as error:
        year = AcademicYear.containing(_now(request).date()) if error.field == "year" else parse_year(str(data.get("year")))
        return await _render_you_said(request, year, errors=[(error.field, error.message)], form=form)
    return _see_other(f"/parental-views/you-said?year={year.label}&notice=added")


async def _render_row(request: web.Request, row_id: int, *, errors: list[tuple[str, str]], form: dict[str, str] | None) -> web.Response:
    try:
        async with request.app[DATABASE].transaction() as session:
            row = await find_you_said(session, row_id=row_id)
    except RowNotFound:
        raise web.HTTPNotFound() from None
    values = form or {"you_said": row.you_said, "we_did": row.we_did, "position": str(row.position)}
    return render_page(request, "staff/parental_views_you_said_row.html",
                       {"row": row, "form": values, "errors": errors, "limit": MAX_ROW_TEXT}, status=422 if errors else 200)


@require(Permission.CURATE_PARENTAL_VIEWS)
async def you_said_row_page(request: web.Request) -> web.StreamResponse:
    """Change or remove one row."""
    return await _render_row(request, _row_id(request), errors=[], form=None)


@require(Permission.CURATE_PARENTAL_VIEWS)
async def you_said_change_submit(request: web.Request) -> web.StreamResponse:
    """Save a changed row."""
    row_id = _row_id(request)
    data = await request.post()
    form = {key: str(data.get(key, "")) for key in ("you_said", "we_did", "position")}
    try:
        position = int(form["position"]) if form["position"].strip() else None
    except ValueError:
        return await _render_row(request, row_id, errors=[("position", "Enter the order as a whole number")], form=form)
    try:
        async with request.app[DATABASE].transaction() as session:
            row = await change_you_said(session, row_id=row_id, you_said=form["you_said"], we_did=form["we_did"], position=position,
                                        actor=require_principal(request).actor, now=_now(request), origin=origin_of(request))
    except RowNotFound:
        raise web.HTTPNotFound() from None
    except ParentalViewsError as error:
        return await _render_row(request, row_id, errors=[(error.field, error.message)], form=form)
    return _see_other(f"/parental-views/you-said?year={row.academic_year}&notice=changed")


@require(Permission.CURATE_PARENTAL_VIEWS)
async def you_said_remove_submit(request: web.Request) -> web.StreamResponse:
    """Remove one row."""
    row_id = _row_id(request)
    try:
        async with request.app[DATABASE].transaction() as session:
            year = (await find_you_said(session, row_id=row_id)).academic_year
            await remove_you_said(session, row_id=row_id, actor=require_principal(request).actor, now=_now(request), origin=origin_of(request))
    except RowNotFound:
        raise web.HTTPNotFound() from None
    return _see_other(f"/parental-views/you-said?year={year}&notice=removed")


async def _render_commentary(request: web.Request, year: AcademicYear, *, errors: list[tuple[str, str]], text: str | None) -> web.Response:
    async with request.app[DATABASE].transaction() as session:
        commentary = await read_commentary(session, year=year)
    context = _common(request, year)
    context.update(commentary=commentary, errors=errors, limit=MAX_COMMENTARY,
                   text=text if text is not None else (commentary.text if commentary else ""))
    return render_page(request, "staff/parental_views_commentary.html", context, status=422 if errors else 200)


@require(Permission.CURATE_PARENTAL_VIEWS)
async def commentary_page(request: web.Request) -> web.StreamResponse:
    """PACT's commentary for the year."""
    return await _render_commentary(request, _chosen_year(request), errors=[], text=None)


@require(Permission.CURATE_PARENTAL_VIEWS)
async def commentary_submit(request: web.Request) -> web.StreamResponse:
    """Save the year's commentary."""
    data = await request.post()
    text = str(data.get("text", ""))
    try:
        year = parse_year(str(data.get("year", "")))
    except ParentalViewsError:
        raise web.HTTPBadRequest(text="Choose the academic year.") from None
    try:
        async with request.app[DATABASE].transaction() as session:
            await write_commentary(session, year=year, text=text, actor=require_principal(request).actor,
                                   now=_now(request), origin=origin_of(request))
    except ParentalViewsError as error:
        return await _render_commentary(request, year, errors=[(error.field, error.message)], text=text)
    return _see_other(f"/parental-views/commentary?year={year.label}&notice=saved")


def add_parental_views_routes(app: web.Application) -> None:
    """The parental-views pages' routes (file routes end in /download)."""
    router = app.router
    router.add_get("/parental-views", overview_page)
    router.add_get("/parental-views/download", report_download)
    router.add_get("/parental-views/quotes", quotes_page)
    router.add_post("/parental-views/quotes/{feedback_id}/curate", curate_quote_submit)
    router.add_get("/parental-views/you-said", you_said_page)
    router.add_post("/parental-views/you-said", you_said_add_submit)
    router.add_get("/parental-views/you-said/{row_id}", you_said_row_page)
    router.add_post("/parental-views/you-said/{row_id}", you_said_change_submit)
    router.add_post("/parental-views/you-said/{row_id}/remove", you_said_remove_submit)
    router.add_get("/parental-views/commentary", commentary_page)
    router.add_post("/parental-views/commentary", commentary_submit)
