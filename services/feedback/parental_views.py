"""What Kent PACT coordinators write for the parental-views section, each change audited.

"You said, we did" rows (add, change, remove) and the year's commentary. Quote curation itself is
services.feedback.records.curate_quote; `curate_report_quote` adds the audit row the staff side needs.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.reports.parental_views import (
    delete_you_said_row,
    fetch_commentary,
    fetch_next_you_said_position,
    fetch_you_said_row,
    fetch_you_said_rows,
    save_commentary,
    save_you_said_row,
)
from db.models.casework import FeedbackItem
from db.models.parental_views import PactCommentary, YouSaidWeDid
from services.calendar.periods import AcademicYear
from services.staff.audit import Actor, RequestOrigin, record_audit
from services.feedback.records import curate_quote

MAX_ROW_TEXT = 1000
MAX_COMMENTARY = 20_000


class ParentalViewsError(ValueError):
    """A coordinator's input that breaks a rule; `field` names the form field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class RowNotFound(LookupError):
    """No "You said, we did" row with that id."""


def _clean(value: str, *, field: str, max_length: int) -> str:
    text = value.replace("\r\n", "\n").strip()
    if not text:
        raise ParentalViewsError(field, "Enter some text")
    if len(text) > max_length:
        raise ParentalViewsError(field, f"Keep it to {max_length:,} characters")
    if any(ord(character) < 32 and character not in "\n\t" for character in text):
        raise ParentalViewsError(field, "Remove the control characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ParentalViewsError(field, "Remove the characters that are not valid text") from None
    return text


def parse_year(text: str) -> AcademicYear:
    """An academic year from a form or path, or a field error."""
    try:
        return AcademicYear.parse(text)
    except ValueError as error:
        raise ParentalViewsError("year", str(error)) from None


async def list_you_said(session: AsyncSession, *, year: AcademicYear) -> list[YouSaidWeDid]:
    """The year's rows in order."""
    return await fetch_you_said_rows(session, academic_year=year.label)


async def add_you_said(
    session: AsyncSession, *, year: AcademicYear, you_said: str, we_did: str, actor: Actor, now: datetime,
    origin: RequestOrigin | None = None,
) -> YouSaidWeDid:
    """A new row at the end of the year's table."""
    row = YouSaidWeDid(
        academic_year=year.label, you_said=_clean(you_said, field="you_said", max_length=MAX_ROW_TEXT),
        we_did=_clean(we_did, field="we_did", max_length=MAX_ROW_TEXT),
        position=await fetch_next_you_said_position(session, academic_year=year.label),
        written_by_staff_id=actor.id, written_by_label=actor.label[:254], written_at=now,
    )
    await save_you_said_row(session, row=row)
    assert row.id is not None
    await record_audit(session, actor=actor, action="parental_views.you_said_added", object_type="you_said_we_did",
                       object_ids=[row.id], detail={"year": year.label}, origin=origin, now=now)
    return row


async def find_you_said(session: AsyncSession, *, row_id: int) -> YouSaidWeDid:
    """One row, or RowNotFound."""
    row = await fetch_you_said_row(session, row_id=row_id)
    if row is None:
        raise RowNotFound(f"no row {row_id}")
    return row


async def change_you_said(
    session: AsyncSession, *, row_id: int, you_said: str, we_did: str, position: int | None, actor: Actor,
    now: datetime, origin: RequestOrigin | None = None,
) -> YouSaidWeDid:
    """Rewrite a row (and optionally move it); the writer becomes the last editor."""
    row = await find_you_said(session, row_id=row_id)
    row.you_said = _clean(you_said, field="you_said", max_length=MAX_ROW_TEXT)
    row.we_did = _clean(we_did, field="we_did", max_length=MAX_ROW_TEXT)
    if position is not None:
        if not 0 <= position <= 10_000:
            raise ParentalViewsError("position", "The order must be 0 to 10,000")
        row.position = position
    row.written_by_staff_id, row.written_by_label, row.written_at = actor.id, actor.label[:254], now
    await save_you_said_row(session, row=row)
    await record_audit(session, actor=actor, action="parental_views.you_said_changed", object_type="you_said_we_did",
                       object_ids=[row_id], detail={"year": row.academic_year}, origin=origin, now=now)
    return row


async def remove_you_said(
    session: AsyncSession, *, row_id: int, actor: Actor, now: datetime, origin: RequestOrigin | None = None
) -> None:
    """Delete a row."""
    row = await find_you_said(session, row_id=row_id)
    await delete_you_said_row(session, row_id=row_id)
    await record_audit(session, actor=actor, action="parental_views.you_said_removed", object_type="you_said_we_did",
                       object_ids=[row_id], detail={"year": row.academic_year}, origin=origin, now=now)


async def read_commentary(session: AsyncSession, *, year: AcademicYear) -> PactCommentary | None:
    """The year's commentary, if written."""
    return await fetch_commentary(session, academic_year=year.label)


async def write_commentary(
    session: AsyncSession, *, year: AcademicYear, text: str, actor: Actor, now: datetime,
    origin: RequestOrigin | None = None,
) -> PactCommentary:
    """Save the year's commentary (replacing what was there)."""
    words = _clean(text, field="text", max_length=MAX_COMMENTARY)
    commentary = await fetch_commentary(session, academic_year=year.label) or PactCommentary(academic_year=year.label, text="")
    commentary.text = words
    commentary.written_by_staff_id, commentary.written_by_label, commentary.written_at = actor.id, actor.label[:254], now
    await save_commentary(session, commentary=commentary)
    await record_audit(session, actor=actor, action="parental_views.commentary_written", object_type="pact_commentary",
                       object_ids=[commentary.id or 0], detail={"year": year.label}, origin=origin, now=now)
    return commentary


async def curate_report_quote(
    session: AsyncSession, *, feedback_id: int, is_approved: bool, actor: Actor, now: datetime,
    origin: RequestOrigin | None = None,
) -> FeedbackItem:
    """Approve or reject a proposed quote for the report, audited."""
    item = await curate_quote(session, feedback_id=feedback_id, coordinator_id=actor.id or 0, is_approved=is_approved, now=now)
    await record_audit(session, actor=actor, action="parental_views.quote_" + ("approved" if is_approved else "rejected"),
                       object_type="feedback", object_ids=[feedback_id], origin=origin, now=now)
    return item


async def record_report_download(
    session: AsyncSession, *, year: AcademicYear, report_format: str, actor: Actor, now: datetime,
    origin: RequestOrigin | None = None,
) -> None:
    """Audit that someone produced the section (aggregated figures only, but it leaves the service)."""
    await record_audit(session, actor=actor, action="parental_views.report_downloaded", object_type="parental_views",
                       detail={"year": year.label, "format": report_format}, origin=origin, now=now)
