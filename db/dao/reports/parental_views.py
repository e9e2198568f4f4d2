"""Data access for the parental-views section: coordinators' rows and commentary, and the year's raw figures.

The figure queries return small plain rows for one period; reports/parental_views/figures.py does the
counting, so every definition sits in one readable place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models.carers import Carer, CarerChildLink
from db.models.casework import Complaint, FeedbackItem, ProblemReport
from db.models.changes import ChangeNotice, TransportChange
from db.models.outbox import OutboxMessage
from db.models.parental_views import PactCommentary, YouSaidWeDid
from db.models.transport import Child


@dataclass(frozen=True, slots=True)
class Period:
    """From `starts_at` (inclusive) to `ends_at` (exclusive), UTC."""

    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class FeedbackRow:
    """One piece of feedback as the figures need it."""

    created_at: datetime
    carer_id: int | None
    district: str | None
    rating: int | None
    themes: list[str]


@dataclass(frozen=True, slots=True)
class CaseRow:
    """A problem report or complaint as the figures need it (the row itself stays in officer scope)."""

    at: datetime
    carer_id: int | None
    district: str | None
    record: Complaint | ProblemReport


async def fetch_you_said_rows(session: AsyncSession, *, academic_year: str) -> list[YouSaidWeDid]:
    """The year's "You said, we did" rows in the coordinators' order."""
    result = await session.exec(
        select(YouSaidWeDid).where(YouSaidWeDid.academic_year == academic_year)
        .order_by(col(YouSaidWeDid.position), col(YouSaidWeDid.id))
    )
    return list(result.all())


async def fetch_you_said_row(session: AsyncSession, *, row_id: int) -> YouSaidWeDid | None:
    """One "You said, we did" row by id."""
    return (await session.exec(select(YouSaidWeDid).where(YouSaidWeDid.id == row_id))).first()


async def save_you_said_row(session: AsyncSession, *, row: YouSaidWeDid) -> YouSaidWeDid:
    """Insert or update one row."""
    session.add(row)
    await session.flush()
    return row


async def delete_you_said_row(session: AsyncSession, *, row_id: int) -> bool:
    """Remove one row; True when it existed."""
    result = await session.exec(delete(YouSaidWeDid).where(col(YouSaidWeDid.id) == row_id))
    return bool(result.rowcount)


async def fetch_next_you_said_position(session: AsyncSession, *, academic_year: str) -> int:
    """One after the last position used in the year."""
    result = await session.exec(
        select(func.max(YouSaidWeDid.position)).where(YouSaidWeDid.academic_year == academic_year)
    )
    last = result.one()
    return 1 if last is None else int(last) + 1


async def fetch_commentary(session: AsyncSession, *, academic_year: str) -> PactCommentary | None:
    """PACT's commentary for the year, if written."""
    return (await session.exec(select(PactCommentary).where(PactCommentary.academic_year == academic_year))).first()


async def save_commentary(session: AsyncSession, *, commentary: PactCommentary) -> PactCommentary:
    """Insert or update the year's commentary."""
    session.add(commentary)
    await session.flush()
    return commentary


async def count_linked_carers(session: AsyncSession, *, before: datetime) -> int:
    """Carers linked to at least one child before the moment, not erased."""
    result = await session.exec(
        select(func.count(func.distinct(CarerChildLink.carer_id)))
        .join(Carer, col(Carer.id) == CarerChildLink.carer_id)
        .where(col(CarerChildLink.linked_at) < before, col(Carer.erased_at).is_(None))
    )
    return int(result.one())


async def count_messages_sent(session: AsyncSession, *, period: Period) -> int:
    """Messages Telegram accepted in the period (every proactive message goes through the outbox)."""
    result = await session.exec(
        select(func.count()).select_from(OutboxMessage)
        .where(col(OutboxMessage.sent_at) >= period.starts_at, col(OutboxMessage.sent_at) < period.ends_at)
    )
    return int(result.one())


async def fetch_change_notice_outcomes(session: AsyncSession, *, period: Period) -> list[bool]:
    """For each change notice of a change taking effect in the period: was it acknowledged."""
    result = await session.exec(
        select(ChangeNotice.acknowledged_at)
        .join(TransportChange, col(TransportChange.id) == ChangeNotice.change_id)
        .where(col(TransportChange.effective_at) >= period.starts_at, col(TransportChange.effective_at) < period.ends_at)
    )
    return [acknowledged_at is not None for acknowledged_at in result.all()]


async def fetch_change_lead_times(session: AsyncSession, *, period: Period) -> list[tuple[datetime, datetime]]:
    """(notices queued, took effect) for each change taking effect in the period whose notices were queued."""
    result = await session.exec(
        select(TransportChange.notices_queued_at, TransportChange.effective_at)
        .where(
            col(TransportChange.effective_at) >= period.starts_at, col(TransportChange.effective_at) < period.ends_at,
            col(TransportChange.notices_queued_at).is_not(None),
        )
    )
    return [(queued_at, effective_at) for queued_at, effective_at in result.all()]


async def fetch_feedback_rows(session: AsyncSession, *, period: Period) -> list[FeedbackRow]:
    """Feedback given in the period, with the district recorded when it was given (else the child's now) where known."""
    district = func.coalesce(FeedbackItem.district, Child.district)
    result = await session.exec(
        select(FeedbackItem.created_at, FeedbackItem.carer_id, district, FeedbackItem.rating, FeedbackItem.themes)
        .outerjoin(Child, col(Child.id) == FeedbackItem.child_id)
        .where(col(FeedbackItem.created_at) >= period.starts_at, col(FeedbackItem.created_at) < period.ends_at)
    )
    return [FeedbackRow(created_at=a, carer_id=b, district=c, rating=d, themes=list(e or [])) for a, b, c, d, e in result.all()]


async def fetch_complaint_rows(session: AsyncSession, *, period: Period) -> list[CaseRow]:
    """Complaints received in the period, with the child's district where known."""
    result = await session.exec(
        select(Complaint, Child.district)
        .outerjoin(Child, col(Child.id) == Complaint.child_id)
        .where(col(Complaint.stage1_received_at) >= period.starts_at, col(Complaint.stage1_received_at) < period.ends_at)
    )
    return [CaseRow(at=item.stage1_received_at, carer_id=item.carer_id, district=district, record=item)
            for item, district in result.all()]


async def fetch_problem_rows(session: AsyncSession, *, period: Period) -> list[CaseRow]:
    """Problems reported on the day in the period, with the child's district where known."""
    result = await session.exec(
        select(ProblemReport, Child.district)
        .outerjoin(Child, col(Child.id) == ProblemReport.child_id)
        .where(col(ProblemReport.reported_at) >= period.starts_at, col(ProblemReport.reported_at) < period.ends_at)
    )
    return [CaseRow(at=item.reported_at, carer_id=item.carer_id, district=district, record=item)
            for item, district in result.all()]
