"""Operators' disruption reports in the figures: the SitRep, the parental-views section and the export, counted by the database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.engine import RowMapping
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.reports.exports import ExportFilter
from db.models.casework import ProblemReport
from db.models.changes import ChangeNotice
from db.models.outbox import OutboxMessage
from db.models.transport import (
    DisruptionNotice,
    DisruptionStatus,
    Operator,
    OperatorDisruption,
    Route,
    School,
    TransportChangeDraft,
)

# A report folded into an earlier one, or taken back within 10 minutes, is not a disruption of its own.
NOT_COUNTED = (DisruptionStatus.COLLAPSED.value, DisruptionStatus.WITHDRAWN.value)
REPORTED_STEP = "reported"


def _in(column: Any, since: datetime, until: datetime) -> Any:
    return and_(column >= since, column < until)


async def count_disruptions_by_operator_and_kind(
    session: AsyncSession, *, since: datetime, until: datetime
) -> list[tuple[str, str, int]]:
    """(operator name, kind, reports) in a period, by operator then kind; collapsed and withdrawn reports left out."""
    statement = (
        select(Operator.name, OperatorDisruption.kind, func.count())
        .select_from(OperatorDisruption)
        .join(Operator, Operator.id == OperatorDisruption.operator_id)
        .where(_in(OperatorDisruption.reported_at, since, until), col(OperatorDisruption.status).not_in(NOT_COUNTED))
        .group_by(Operator.name, OperatorDisruption.kind)
        .order_by(Operator.name, OperatorDisruption.kind)
    )
    return [(str(name), str(kind), int(count)) for name, kind, count in (await session.exec(statement)).all()]  # type: ignore[call-overload]


async def fetch_report_to_told_spans(
    session: AsyncSession, *, since: datetime, until: datetime
) -> list[tuple[datetime, datetime]]:
    """Per report in a period that reached families: (reported at, when the last family's message was sent).

    Running late and driver changes: the report's own notices. Cancellations and routes handed back:
    the change notices of the draft an officer confirmed. Reports with nothing sent yet are left out.
    """
    direct = (
        select(OperatorDisruption.reported_at, func.max(OutboxMessage.sent_at))
        .select_from(OperatorDisruption)
        .join(DisruptionNotice, DisruptionNotice.disruption_id == OperatorDisruption.id)
        .join(OutboxMessage, OutboxMessage.id == DisruptionNotice.outbox_message_id)
        .where(_in(OperatorDisruption.reported_at, since, until), DisruptionNotice.step == REPORTED_STEP,
               col(OutboxMessage.sent_at).is_not(None))
        .group_by(OperatorDisruption.id, OperatorDisruption.reported_at)
    )
    drafted = (
        select(OperatorDisruption.reported_at, func.max(OutboxMessage.sent_at))
        .select_from(OperatorDisruption)
        .join(TransportChangeDraft, TransportChangeDraft.disruption_id == OperatorDisruption.id)
        .join(ChangeNotice, ChangeNotice.change_id == TransportChangeDraft.change_id)
        .join(OutboxMessage, OutboxMessage.id == ChangeNotice.outbox_message_id)
        .where(_in(OperatorDisruption.reported_at, since, until), col(OutboxMessage.sent_at).is_not(None))
        .group_by(OperatorDisruption.id, OperatorDisruption.reported_at)
    )
    spans: list[tuple[datetime, datetime]] = []
    for statement in (direct, drafted):
        spans.extend((reported, sent) for reported, sent in (await session.exec(statement)).all())  # type: ignore[call-overload]
    return spans


async def count_disruptions_beside_problems(
    session: AsyncSession, *, since: datetime, until: datetime
) -> list[tuple[str, int, int]]:
    """(kind, operators' reports, families' problem reports linked to them) in a period, by kind."""
    statement = (
        select(OperatorDisruption.kind, func.count(func.distinct(OperatorDisruption.id)), func.count(ProblemReport.id))
        .select_from(OperatorDisruption)
        .outerjoin(ProblemReport, ProblemReport.operator_disruption_id == OperatorDisruption.id)
        .where(_in(OperatorDisruption.reported_at, since, until), col(OperatorDisruption.status).not_in(NOT_COUNTED))
        .group_by(OperatorDisruption.kind)
        .order_by(OperatorDisruption.kind)
    )
    return [(str(kind), int(reports), int(linked)) for kind, reports, linked in (await session.exec(statement)).all()]  # type: ignore[call-overload]


async def count_problems_without_operator_report(session: AsyncSession, *, since: datetime, until: datetime) -> int:
    """Families' problem reports on a route in a period that no operator report of that day matched."""
    statement = (
        select(func.count())
        .select_from(ProblemReport)
        .where(_in(ProblemReport.reported_at, since, until), col(ProblemReport.route_id).is_not(None),
               col(ProblemReport.operator_disruption_id).is_(None))
    )
    return int((await session.exec(statement)).one()[0])  # type: ignore[call-overload]


async def fetch_operator_disruptions_export_page(
    session: AsyncSession, *, where: ExportFilter, after_id: int, limit: int
) -> list[RowMapping]:
    """Operators' reports with their timings, who was told (counts) and how many family problem reports they matched."""
    linked = (
        select(func.count()).select_from(ProblemReport)
        .where(ProblemReport.operator_disruption_id == OperatorDisruption.id).correlate(OperatorDisruption).scalar_subquery()
    )
    clauses = []
    if where.since is not None:
        clauses.append(OperatorDisruption.reported_at >= where.since)
    if where.until is not None:
        clauses.append(OperatorDisruption.reported_at < where.until)
    for column, value in ((School.code, where.school_code), (Route.code, where.route_code), (Route.district, where.district)):
        if value is not None:
            clauses.append(column == value)
    statement = (
        select(
            OperatorDisruption.id, OperatorDisruption.reference, Operator.name.label("operator"), Route.code.label("route"),
            School.code.label("school"), Route.district.label("district"), OperatorDisruption.kind, OperatorDisruption.run,
            OperatorDisruption.run_date, OperatorDisruption.minutes_late, OperatorDisruption.staff_changed,
            OperatorDisruption.new_staff_first_name, OperatorDisruption.from_date, OperatorDisruption.status,
            OperatorDisruption.reported_at, OperatorDisruption.families_told_at, OperatorDisruption.carers_told,
            OperatorDisruption.duty_paged_at, OperatorDisruption.corrected_at, OperatorDisruption.withdrawn_at,
            OperatorDisruption.resolved_at, OperatorDisruption.resolution, OperatorDisruption.reported_by,
            OperatorDisruption.note, linked.label("family_reports"),
        )
        .select_from(OperatorDisruption)
        .join(Operator, Operator.id == OperatorDisruption.operator_id)
        .join(Route, Route.id == OperatorDisruption.route_id)
        .outerjoin(School, School.id == Route.school_id)
        .where(*clauses, OperatorDisruption.id > after_id)
        .order_by(OperatorDisruption.id)
        .limit(limit)
    )
    return list((await session.exec(statement)).mappings().all())  # type: ignore[call-overload]
