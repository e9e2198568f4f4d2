"""Data access for the parental-views section: coordinators' rows and commentary, and the reach counts.

The year's other figures are counted by the database in db/dao/reports/parental_views_figures.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models.carers import Carer, CarerChildLink
from db.models.outbox import OutboxMessage
from db.models.parental_views import PactCommentary, YouSaidWeDid


@dataclass(frozen=True, slots=True)
class Period:
    """From `starts_at` (inclusive) to `ends_at` (exclusive), UTC."""

    starts_at: datetime
    ends_at: datetime


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
