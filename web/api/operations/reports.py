"""Reports over the API: exports as paged JSON, the SitRep, the parental-views section, and what PACT writes for it.

Files (CSV, XLSX, the section as PDF or DOCX) are downloads on the staff pages (/exports/download,
/parental-views/download); the API gives the same data as JSON.
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from typing import Any, Literal

from pydantic import BaseModel, Field

from db.dao.reports.exports import ExportFilter
from db.models.casework import QuoteStatus
from db.models.parental_views import PactCommentary, YouSaidWeDid
from reports.exports.case_keys import CaseKeySecretMissing
from reports.exports.kinds import ExportKind, export_columns, fetch_shaped_page
from reports.exports.service import ExportRefused, ExportRequest, authorise_export
from reports.exports.writers import ExportFormat
from reports.parental_views.figures import build_parental_views
from services.calendar.periods import AcademicYear
from reports.sitrep import build_sitrep
from services.casework.errors import CaseNotFound, StepNotAllowed
from services.feedback.records import quote_candidates
from services.feedback.parental_views import (
    MAX_COMMENTARY, MAX_ROW_TEXT, ParentalViewsError, RowNotFound, add_you_said, change_you_said, curate_report_quote,
    list_you_said, parse_year, read_commentary, record_report_download, remove_you_said, write_commentary,
)
from services.staff.permissions import Permission
from web.api.registry import ApiCall, ApiConflict, ApiInvalid, ApiNotConfigured, ApiNotFound, ApiProblem, api_operation
from web.api.schemas import RecordId, StrictInput, plain_text
from web.keys import SETTINGS

YEAR_PATTERN = r"^\d{4}-\d{2}$"
EXPORT_PAGE_MAX = 1_000
# Printable text with line breaks and tabs, and something other than spaces.
COMMENTARY_PATTERN = r"^[^\x00-\x08\x0b-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x08\x0b-\x1f\x7f]*$"


class ApiForbidden(ApiProblem):
    """The role may not do this particular thing: 403."""

    status = 403


class ExportPath(BaseModel):
    """Which export."""

    kind: ExportKind


class ExportQuery(StrictInput):
    """Which rows: a date range (from inclusive, until exclusive, UTC days), a place, and a page."""

    since: date | None = None
    until: date | None = None
    school: str | None = plain_text(default=None, max_length=32)
    route: str | None = plain_text(default=None, max_length=32)
    district: str | None = plain_text(default=None, max_length=64)
    identifying: bool = Field(False, description="Names, chat ids and unredacted text (officers only; audited)")
    after_id: int = Field(0, ge=0, le=2**31 - 1, description="Rows after this id (the previous page's next_after_id)")
    limit: int = Field(500, ge=1, le=EXPORT_PAGE_MAX)


class ExportPage(BaseModel):
    """One page of an export; ask again with after_id=next_after_id until it is null."""

    kind: ExportKind
    is_identifying: bool
    columns: list[str]
    items: list[dict[str, Any]]
    next_after_id: int | None


def _midnight(day: date | None) -> datetime | None:
    return datetime.combine(day, time(0), tzinfo=timezone.utc) if day is not None else None


@api_operation(
    "GET", "/exports/{kind}", summary="One page of an export", tag="Reports", permission=Permission.EXPORT_PSEUDONYMISED,
    path_params=ExportPath, query=ExportQuery, response=ExportPage, errors=(503,),
)
async def export_page(call: ApiCall) -> ExportPage:
    """Pseudonymised unless identifying (officers only); every page, and every refusal, is audited before data leaves."""
    query: ExportQuery = call.query
    request = ExportRequest(
        kind=call.params.kind, export_format=ExportFormat.JSON, is_identifying=query.identifying,
        where=ExportFilter(since=_midnight(query.since), until=_midnight(query.until), school_code=query.school,
                           route_code=query.route, district=query.district),
        case_key_secret=call.request.app[SETTINGS].case_key_secret,
    )
    try:
        await authorise_export(call.database, actor=call.actor, request=request, origin=call.origin)
    except ExportRefused as refused:
        raise ApiForbidden(str(refused)) from None
    except CaseKeySecretMissing as missing:
        raise ApiNotConfigured(str(missing)) from None
    async with call.database.transaction() as session:
        records, last_id = await fetch_shaped_page(session, kind=request.kind, where=request.where, after_id=query.after_id,
                                                   limit=query.limit, identifying=request.is_identifying,
                                                   case_key_secret=request.case_key_bytes)
    return ExportPage(kind=request.kind, is_identifying=request.is_identifying,
                      columns=list(export_columns(request.kind, identifying=request.is_identifying)), items=records,
                      next_after_id=last_id if len(records) == query.limit else None)


class SitRepFigurePublic(BaseModel):
    """One SitRep count."""

    key: str
    label: str
    count: int
    definition: str


class SitRepPublic(BaseModel):
    """The SitRep now."""

    produced_at: datetime
    period_start: datetime
    figures: list[SitRepFigurePublic]


@api_operation("GET", "/reports/sitrep", summary="The SitRep now", tag="Reports", permission=Permission.VIEW_DASHBOARD, response=SitRepPublic)
async def get_sitrep(call: ApiCall) -> SitRepPublic:
    """Open problems, unacknowledged notices, unreachable carers, late applications, complaints due and overdue."""
    async with call.database.transaction() as session:
        sitrep = await build_sitrep(session, now=call.now, due_soon_working_days=call.request.app[SETTINGS].casework_due_soon_working_days)
    return SitRepPublic(produced_at=sitrep.produced_at, period_start=sitrep.period_start,
                        figures=[SitRepFigurePublic(key=f.key, label=f.label, count=f.count, definition=f.definition) for f in sitrep.figures])


class YearPath(BaseModel):
    """An academic year like 2025-26."""

    year: str = Field(pattern=YEAR_PATTERN, description="Academic year, like 2025-26", examples=["2025-26"])


class TablePublic(BaseModel):
    """A published table: every cell as it is printed (counts under 5 read "fewer than 5")."""

    caption: str
    headers: list[str]
    rows: list[list[str]]


class QuoteGroupPublic(BaseModel):
    """Approved, redacted quotes under one theme."""

    theme: str
    quotes: list[str]


class SectionPublic(BaseModel):
    """One heading of the section."""

    key: str
    title: str
    paragraphs: list[str]
    tables: list[TablePublic]
    quote_groups: list[QuoteGroupPublic]


class ParentalViewsPublic(BaseModel):
    """The parental-views section as data (the PDF and DOCX are on the staff pages)."""

    academic_year: str
    title: str
    produced_at: datetime
    summary: list[str]
    sections: list[SectionPublic]


def _year(call: ApiCall) -> AcademicYear:
    try:
        return parse_year(call.params.year)
    except ParentalViewsError as error:
        raise ApiInvalid(error.message, field="year", location="path") from None


@api_operation(
    "GET", "/reports/parental-views/{year}", summary="The parental-views section", tag="Reports",
    permission=Permission.VIEW_FEEDBACK_FIGURES, path_params=YearPath, response=ParentalViewsPublic,
)
async def get_parental_views(call: ApiCall) -> ParentalViewsPublic:
    """Every figure, table, quote and paragraph of the section for one academic year (producing it is audited)."""
    year = _year(call)
    async with call.database.transaction() as session:
        report = await build_parental_views(session, year=year, now=call.now)
        await record_report_download(session, year=year, report_format="json", actor=call.actor, now=call.now, origin=call.origin)
    return ParentalViewsPublic(
        academic_year=report.academic_year, title=report.title, produced_at=report.produced_at, summary=list(report.summary),
        sections=[SectionPublic(
            key=s.key, title=s.title, paragraphs=list(s.paragraphs),
            tables=[TablePublic(caption=t.caption, headers=list(t.headers), rows=[list(r) for r in t.rows]) for t in s.tables],
            quote_groups=[QuoteGroupPublic(theme=g.theme, quotes=list(g.quotes)) for g in s.quote_groups],
        ) for s in report.sections],
    )


class YouSaidInput(StrictInput):
    """A "You said, we did" row."""

    you_said: str = plain_text(min_length=1, max_length=MAX_ROW_TEXT)
    we_did: str = plain_text(min_length=1, max_length=MAX_ROW_TEXT)
    position: int | None = Field(None, ge=0, le=10_000, description="Order in the table (lower first); new rows go last")


class YouSaidPublic(BaseModel):
    """A row with who last wrote it and when."""

    id: int
    academic_year: str
    you_said: str
    we_did: str
    position: int
    written_by: str
    written_at: datetime

    @classmethod
    def of(cls, row: YouSaidWeDid) -> "YouSaidPublic":
        """From the table row."""
        return cls(id=row.id or 0, academic_year=row.academic_year, you_said=row.you_said, we_did=row.we_did,
                   position=row.position, written_by=row.written_by_label, written_at=row.written_at)


class YouSaidList(BaseModel):
    """The year's rows in order."""

    items: list[YouSaidPublic]


class RowPath(BaseModel):
    """A row's id."""

    row_id: RecordId


def _invalid(error: ParentalViewsError) -> ApiInvalid:
    return ApiInvalid(error.message, field=error.field)


@api_operation("GET", "/parental-views/{year}/you-said", summary='"You said, we did" rows', tag="Parental views",
               permission=Permission.CURATE_PARENTAL_VIEWS, path_params=YearPath, response=YouSaidList)
async def list_you_said_rows(call: ApiCall) -> YouSaidList:
    """The year's rows in the order the report prints them."""
    year = _year(call)
    async with call.database.transaction() as session:
        rows = await list_you_said(session, year=year)
    return YouSaidList(items=[YouSaidPublic.of(row) for row in rows])


@api_operation("POST", "/parental-views/{year}/you-said", summary='Add a "You said, we did" row', tag="Parental views",
               permission=Permission.CURATE_PARENTAL_VIEWS, path_params=YearPath, body=YouSaidInput, response=YouSaidPublic, status=201)
async def add_you_said_row(call: ApiCall) -> YouSaidPublic:
    """A new row at the end of the year's table (audited)."""
    year, body = _year(call), call.body
    try:
        async with call.database.transaction() as session:
            row = await add_you_said(session, year=year, you_said=body.you_said, we_did=body.we_did, actor=call.actor, now=call.now, origin=call.origin)
    except ParentalViewsError as error:
        raise _invalid(error) from None
    return YouSaidPublic.of(row)


@api_operation("PUT", "/parental-views/you-said/{row_id}", summary='Change a "You said, we did" row', tag="Parental views",
               permission=Permission.CURATE_PARENTAL_VIEWS, path_params=RowPath, body=YouSaidInput, response=YouSaidPublic)
async def change_you_said_row(call: ApiCall) -> YouSaidPublic:
    """Rewrite (and optionally move) a row (audited)."""
    body = call.body
    try:
        async with call.database.transaction() as session:
            row = await change_you_said(session, row_id=call.params.row_id, you_said=body.you_said, we_did=body.we_did,
                                        position=body.position, actor=call.actor, now=call.now, origin=call.origin)
    except RowNotFound as missing:
        raise ApiNotFound(str(missing)) from None
    except ParentalViewsError as error:
        raise _invalid(error) from None
    return YouSaidPublic.of(row)


@api_operation("DELETE", "/parental-views/you-said/{row_id}", summary='Remove a "You said, we did" row', tag="Parental views",
               permission=Permission.CURATE_PARENTAL_VIEWS, path_params=RowPath, status=204)
async def remove_you_said_row(call: ApiCall) -> None:
    """Delete a row (audited)."""
    try:
        async with call.database.transaction() as session:
            await remove_you_said(session, row_id=call.params.row_id, actor=call.actor, now=call.now, origin=call.origin)
    except RowNotFound as missing:
        raise ApiNotFound(str(missing)) from None


class CommentaryInput(StrictInput):
    """PACT's commentary; a blank line separates paragraphs."""

    text: str = Field(min_length=1, max_length=MAX_COMMENTARY, pattern=COMMENTARY_PATTERN,
                      examples=["Families told us that early notice matters most.\n\nPunctuality is still raised most."])


class CommentaryPublic(BaseModel):
    """The year's commentary (text is null until written)."""

    academic_year: str
    text: str | None
    written_by: str | None
    written_at: datetime | None

    @classmethod
    def of(cls, year: AcademicYear, commentary: PactCommentary | None) -> "CommentaryPublic":
        """From the table row, if any."""
        if commentary is None:
            return cls(academic_year=year.label, text=None, written_by=None, written_at=None)
        return cls(academic_year=year.label, text=commentary.text, written_by=commentary.written_by_label, written_at=commentary.written_at)


@api_operation("GET", "/parental-views/{year}/commentary", summary="PACT's commentary", tag="Parental views",
               permission=Permission.CURATE_PARENTAL_VIEWS, path_params=YearPath, response=CommentaryPublic)
async def get_commentary(call: ApiCall) -> CommentaryPublic:
    """The year's commentary, if written."""
    year = _year(call)
    async with call.database.transaction() as session:
        return CommentaryPublic.of(year, await read_commentary(session, year=year))


@api_operation("PUT", "/parental-views/{year}/commentary", summary="Write PACT's commentary", tag="Parental views",
               permission=Permission.CURATE_PARENTAL_VIEWS, path_params=YearPath, body=CommentaryInput, response=CommentaryPublic)
async def put_commentary(call: ApiCall) -> CommentaryPublic:
    """Replace the year's commentary (audited)."""
    year = _year(call)
    try:
        async with call.database.transaction() as session:
            commentary = await write_commentary(session, year=year, text=call.body.text, actor=call.actor, now=call.now, origin=call.origin)
    except ParentalViewsError as error:
        raise _invalid(error) from None
    return CommentaryPublic.of(year, commentary)


class QuoteQuery(StrictInput):
    """Which quotes."""

    status: QuoteStatus = QuoteStatus.PROPOSED


class QuotePublic(BaseModel):
    """A quote as PACT sees it: already redacted."""

    feedback_id: int
    redacted_text: str
    topic: str
    rating: int | None
    themes: list[str]
    created_at: datetime
    status: QuoteStatus


class QuoteList(BaseModel):
    """Quotes in one curation state, oldest first."""

    items: list[QuotePublic]


@api_operation("GET", "/parental-views/quotes", summary="Quotes to curate", tag="Parental views",
               permission=Permission.CURATE_PARENTAL_VIEWS, query=QuoteQuery, response=QuoteList)
async def list_quotes(call: ApiCall) -> QuoteList:
    """Quotes families agreed to share, after redaction, in one state."""
    async with call.database.transaction() as session:
        candidates = await quote_candidates(session, status=call.query.status)
    return QuoteList(items=[QuotePublic(feedback_id=c.feedback_id, redacted_text=c.redacted_text, topic=c.topic, rating=c.rating,
                                        themes=list(c.themes), created_at=c.created_at, status=c.status) for c in candidates])


class QuotePath(BaseModel):
    """A quote's feedback id."""

    feedback_id: RecordId


class QuoteDecision(StrictInput):
    """Use the quote in the report, or not."""

    decision: Literal["approve", "reject"]


@api_operation("POST", "/parental-views/quotes/{feedback_id}/decision", summary="Approve or reject a quote", tag="Parental views",
               permission=Permission.CURATE_PARENTAL_VIEWS, path_params=QuotePath, body=QuoteDecision, response=QuotePublic, errors=(409,))
async def decide_quote(call: ApiCall) -> QuotePublic:
    """Record the coordinator's decision (audited); 409 when the family did not agree to be quoted."""
    try:
        async with call.database.transaction() as session:
            item = await curate_report_quote(session, feedback_id=call.params.feedback_id, is_approved=call.body.decision == "approve",
                                             actor=call.actor, now=call.now, origin=call.origin)
            [candidate] = [c for c in await quote_candidates(session, status=QuoteStatus(item.quote_status)) if c.feedback_id == item.id]
    except CaseNotFound as missing:
        raise ApiNotFound(str(missing)) from None
    except StepNotAllowed as refused:
        raise ApiConflict(str(refused)) from None
    return QuotePublic(feedback_id=candidate.feedback_id, redacted_text=candidate.redacted_text, topic=candidate.topic,
                       rating=candidate.rating, themes=list(candidate.themes), created_at=candidate.created_at, status=candidate.status)
