"""Export queries: one batch of rows per call, keyset-paged by id, for feedback, complaints,
problems reported, change notices and deliveries.

Keyset pages (id > last id, LIMIT n) rather than one long server-side cursor: on SQLite every
transaction begins IMMEDIATE (a write lock), so a 100,000-row export must not hold one open while
the file streams to a browser. Each page is its own short read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import aliased
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models.carers import Carer, CarerChildLink
from db.models.casework import Complaint, FeedbackItem, ProblemReport
from db.models.changes import ChangeNotice, TransportChange
from db.models.outbox import OutboxMessage
from db.models.transport import Child, Route, School


@dataclass(frozen=True)
class ExportFilter:
    """Which rows an export holds: a date range (from inclusive, until exclusive) and a place."""

    since: datetime | None = None
    until: datetime | None = None
    school_code: str | None = None
    route_code: str | None = None
    district: str | None = None


def _date_clauses(column: Any, where: ExportFilter) -> list[Any]:
    clauses = []
    if where.since is not None:
        clauses.append(column >= where.since)
    if where.until is not None:
        clauses.append(column < where.until)
    return clauses


def _place_clauses(*, school_code: Any, route_code: Any, district: Any, where: ExportFilter) -> list[Any]:
    clauses = []
    if where.school_code is not None:
        clauses.append(school_code == where.school_code)
    if where.route_code is not None:
        clauses.append(route_code == where.route_code)
    if where.district is not None:
        clauses.append(district == where.district)
    return clauses


async def _page(session: AsyncSession, statement: Any, id_column: Any, *, after_id: int, limit: int) -> list[RowMapping]:
    statement = statement.where(id_column > after_id).order_by(id_column).limit(limit)
    result = await session.exec(statement)
    return list(result.mappings().all())


def _child_columns(child: Any, school: Any) -> list[Any]:
    return [
        school.code.label("school"),
        child.district.label("district"),
        child.council_reference.label("child_reference"),
        child.display_name.label("child_name"),
    ]


def _carer_columns() -> list[Any]:
    return [Carer.pseudonym.label("carer"), Carer.first_name.label("carer_name"), Carer.chat_id.label("chat_id")]


async def fetch_feedback_export_page(
    session: AsyncSession, *, where: ExportFilter, after_id: int, limit: int
) -> list[RowMapping]:
    """Feedback items with their carer, child, and the school, route and district when it was given.

    The place recorded with the feedback wins; older rows without one fall back to the child's place now.
    """
    route = aliased(Route)
    school_code = func.coalesce(FeedbackItem.school_code, School.code)
    route_code = func.coalesce(FeedbackItem.route_code, route.code)
    district = func.coalesce(FeedbackItem.district, Child.district)
    statement = (
        select(
            FeedbackItem.id, FeedbackItem.created_at, FeedbackItem.source, FeedbackItem.survey_key,
            FeedbackItem.topic, FeedbackItem.rating, FeedbackItem.themes, FeedbackItem.sentiment,
            FeedbackItem.consent_to_quote, FeedbackItem.quote_status, FeedbackItem.text,
            route_code.label("route"), school_code.label("school"), district.label("district"),
            Child.council_reference.label("child_reference"), Child.display_name.label("child_name"),
            *_carer_columns(),
        )
        .select_from(FeedbackItem)
        .outerjoin(Carer, Carer.id == FeedbackItem.carer_id)
        .outerjoin(Child, Child.id == FeedbackItem.child_id)
        .outerjoin(School, School.id == Child.school_id)
        .outerjoin(route, route.id == Child.route_id)
        .where(
            *_date_clauses(FeedbackItem.created_at, where),
            *_place_clauses(school_code=school_code, route_code=route_code, district=district, where=where),
        )
    )
    return await _page(session, statement, FeedbackItem.id, after_id=after_id, limit=limit)


async def fetch_complaints_export_page(
    session: AsyncSession, *, where: ExportFilter, after_id: int, limit: int
) -> list[RowMapping]:
    """Complaints (received in the range) with their stages, outcomes, place and carer."""
    statement = (
        select(
            Complaint.id, Complaint.reference, Complaint.category, Complaint.stage, Complaint.status,
            Complaint.stage1_received_at, Complaint.stage1_acknowledged_at, Complaint.stage1_responded_at,
            Complaint.stage1_outcome, Complaint.stage2_received_at, Complaint.stage2_acknowledged_at,
            Complaint.stage2_responded_at, Complaint.stage2_outcome, Complaint.closed_at,
            Complaint.description, Complaint.route_code.label("route"),
            *_child_columns(Child, School), *_carer_columns(),
        )
        .select_from(Complaint)
        .outerjoin(Carer, Carer.id == Complaint.carer_id)
        .outerjoin(Child, Child.id == Complaint.child_id)
        .outerjoin(School, School.id == Child.school_id)
        .where(
            *_date_clauses(Complaint.stage1_received_at, where),
            *_place_clauses(school_code=School.code, route_code=Complaint.route_code, district=Child.district, where=where),
        )
    )
    return await _page(session, statement, Complaint.id, after_id=after_id, limit=limit)


async def fetch_problems_export_page(
    session: AsyncSession, *, where: ExportFilter, after_id: int, limit: int
) -> list[RowMapping]:
    """Problems reported on the day, with how and when they were resolved."""
    statement = (
        select(
            ProblemReport.id, ProblemReport.reference, ProblemReport.category, ProblemReport.is_urgent,
            ProblemReport.themes, ProblemReport.reported_at, ProblemReport.resolved_at,
            ProblemReport.parent_told_at, ProblemReport.details, ProblemReport.resolution_note,
            ProblemReport.route_code.label("route"), *_child_columns(Child, School), *_carer_columns(),
        )
        .select_from(ProblemReport)
        .outerjoin(Carer, Carer.id == ProblemReport.carer_id)
        .outerjoin(Child, Child.id == ProblemReport.child_id)
        .outerjoin(School, School.id == Child.school_id)
        .where(
            *_date_clauses(ProblemReport.reported_at, where),
            *_place_clauses(school_code=School.code, route_code=ProblemReport.route_code, district=Child.district, where=where),
        )
    )
    return await _page(session, statement, ProblemReport.id, after_id=after_id, limit=limit)


async def fetch_change_notices_export_page(
    session: AsyncSession, *, where: ExportFilter, after_id: int, limit: int
) -> list[RowMapping]:
    """Change notices (queued in the range) with their change, route, school and acknowledgement."""
    statement = (
        select(
            ChangeNotice.id, TransportChange.reference.label("change_reference"), TransportChange.kind,
            TransportChange.effective_at, ChangeNotice.queued_at, ChangeNotice.acknowledged_at,
            ChangeNotice.reminded_at, ChangeNotice.escalated_at, ChangeNotice.child_ids,
            Route.code.label("route"), School.code.label("school"), Route.district.label("district"),
            *_carer_columns(),
        )
        .select_from(ChangeNotice)
        .join(TransportChange, TransportChange.id == ChangeNotice.change_id)
        .join(Carer, Carer.id == ChangeNotice.carer_id)
        .outerjoin(Route, Route.id == TransportChange.route_id)
        .outerjoin(School, School.id == Route.school_id)
        .where(
            *_date_clauses(ChangeNotice.queued_at, where),
            *_place_clauses(school_code=School.code, route_code=Route.code, district=Route.district, where=where),
        )
    )
    return await _page(session, statement, ChangeNotice.id, after_id=after_id, limit=limit)


async def fetch_deliveries_export_page(
    session: AsyncSession, *, where: ExportFilter, after_id: int, limit: int
) -> list[RowMapping]:
    """Outbox messages (queued in the range); a place filter keeps carers linked to a child there."""
    place = _place_clauses(school_code=School.code, route_code=Route.code, district=Child.district, where=where)
    clauses = [*_date_clauses(OutboxMessage.queued_at, where)]
    if place:
        clauses.append(
            exists(
                select(CarerChildLink.id)
                .join(Child, Child.id == CarerChildLink.child_id)
                .join(School, School.id == Child.school_id)
                .outerjoin(Route, Route.id == Child.route_id)
                .where(and_(CarerChildLink.carer_id == OutboxMessage.carer_id, *place))
            )
        )
    statement = (
        select(
            OutboxMessage.id, OutboxMessage.purpose, OutboxMessage.update_kind, OutboxMessage.source_type,
            OutboxMessage.source_id, OutboxMessage.state, OutboxMessage.queued_at, OutboxMessage.sent_at,
            OutboxMessage.failed_at, OutboxMessage.acknowledged_at, OutboxMessage.skipped_at,
            OutboxMessage.last_error, Carer.pseudonym.label("carer"), Carer.first_name.label("carer_name"),
            OutboxMessage.chat_id,
        )
        .select_from(OutboxMessage)
        .outerjoin(Carer, Carer.id == OutboxMessage.carer_id)
        .where(*clauses)
    )
    return await _page(session, statement, OutboxMessage.id, after_id=after_id, limit=limit)
