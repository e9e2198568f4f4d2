"""Data access for problems reported on the day."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models.casework import DriverChange, ProblemReport
from db.models.transport import Child, Route


async def save_problem_report(session: AsyncSession, *, report: ProblemReport) -> ProblemReport:
    """Insert or update a problem report."""
    session.add(report)
    await session.flush()
    return report


async def fetch_problem_report(
    session: AsyncSession, *, report_id: int, for_update: bool = False
) -> ProblemReport | None:
    """One report by id; `for_update` locks the row until the transaction ends (PostgreSQL)."""
    statement = select(ProblemReport).where(ProblemReport.id == report_id)
    if for_update:
        statement = statement.with_for_update()
    result = await session.exec(statement)
    return result.first()


async def fetch_open_problem_reports(session: AsyncSession) -> list[tuple[ProblemReport, Child | None]]:
    """Unresolved reports, urgent first then oldest first, each with its child (None after erasure)."""
    result = await session.exec(
        select(ProblemReport, Child)
        .outerjoin(Child, col(Child.id) == ProblemReport.child_id)
        .where(col(ProblemReport.resolved_at).is_(None))
        .order_by(col(ProblemReport.is_urgent).desc(), col(ProblemReport.reported_at), col(ProblemReport.id))
    )
    return list(result.all())


async def fetch_problem_reports_for_carer(
    session: AsyncSession, *, carer_id: int, limit: int = 10
) -> list[tuple[ProblemReport, Child | None]]:
    """A carer's own reports, newest first."""
    result = await session.exec(
        select(ProblemReport, Child)
        .outerjoin(Child, col(Child.id) == ProblemReport.child_id)
        .where(ProblemReport.carer_id == carer_id)
        .order_by(col(ProblemReport.reported_at).desc(), col(ProblemReport.id).desc())
        .limit(limit)
    )
    return list(result.all())


async def count_problem_reports_since(session: AsyncSession, *, since: datetime) -> int:
    """Reports made at or after a moment (the dashboard's "today")."""
    result = await session.exec(
        select(func.count()).select_from(ProblemReport).where(col(ProblemReport.reported_at) >= since)
    )
    return int(result.one())


async def fetch_child_with_route(session: AsyncSession, *, child_id: int) -> tuple[Child, Route | None] | None:
    """A child and the route they are on now (None when between routes)."""
    result = await session.exec(
        select(Child, Route).outerjoin(Route, col(Route.id) == Child.route_id).where(Child.id == child_id)
    )
    row = result.first()
    return None if row is None else (row[0], row[1])


async def deidentify_problem_reports_for_carer(session: AsyncSession, *, carer_id: int) -> int:
    """Erasure: keep category, route, dates and themes; drop who reported, the child, the words, the driver-change tie."""
    reports = select(ProblemReport.id).where(col(ProblemReport.carer_id) == carer_id)
    await session.exec(
        update(DriverChange).where(col(DriverChange.problem_report_id).in_(reports)).values(problem_report_id=None)  # type: ignore[call-overload]
    )
    result = await session.exec(
        update(ProblemReport)
        .where(col(ProblemReport.carer_id) == carer_id)
        .values(carer_id=None, child_id=None, details=None, resolution_note=None)
    )
    return int(result.rowcount or 0)
