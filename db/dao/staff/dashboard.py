"""Counts for the staff dashboard that read tables this layer already has."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models.carers import Carer


async def count_unreachable_carers(session: AsyncSession) -> int:
    """Carers Telegram told us we can no longer reach (blocked the bot), not counting erased ones."""
    result = await session.exec(
        select(func.count())
        .select_from(Carer)
        .where(col(Carer.unreachable_since).is_not(None), col(Carer.erased_at).is_(None))
    )
    return int(result.one())
