"""Counts for the fortnightly SitRep that no other data-access module already gives."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models.casework import ProblemReport
from db.models.changes import ChangeNotice, TransportChange


async def count_open_problem_reports(session: AsyncSession) -> int:
    """Problems reported on the day and not yet resolved."""
    result = await session.exec(
        select(func.count()).select_from(ProblemReport).where(col(ProblemReport.resolved_at).is_(None))
    )
    return int(result.one())


async def count_problem_reports_between(session: AsyncSession, *, since: datetime, until: datetime) -> int:
    """Problems reported in a period (from inclusive, until exclusive)."""
    result = await session.exec(
        select(func.count())
        .select_from(ProblemReport)
        .where(ProblemReport.reported_at >= since, ProblemReport.reported_at < until)
    )
    return int(result.one())


async def count_unacknowledged_change_notices(session: AsyncSession, *, effective_since: datetime) -> int:
    """Change notices not acknowledged, for changes taking effect from `effective_since` onwards."""
    result = await session.exec(
        select(func.count())
        .select_from(ChangeNotice)
        .join(TransportChange, col(TransportChange.id) == ChangeNotice.change_id)
        .where(col(ChangeNotice.acknowledged_at).is_(None), TransportChange.effective_at >= effective_since)
    )
    return int(result.one())
