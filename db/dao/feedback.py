"""Data access for families' feedback and survey answers."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models.carers import Carer
from db.models.casework import FeedbackItem, QuoteStatus
from db.models.transport import Child


async def save_feedback(session: AsyncSession, *, item: FeedbackItem) -> FeedbackItem:
    """Insert or update one piece of feedback."""
    session.add(item)
    await session.flush()
    return item


async def fetch_feedback(session: AsyncSession, *, feedback_id: int, for_update: bool = False) -> FeedbackItem | None:
    """One piece of feedback by id."""
    statement = select(FeedbackItem).where(FeedbackItem.id == feedback_id)
    if for_update:
        statement = statement.with_for_update()
    return (await session.exec(statement)).first()


async def fetch_quotes(
    session: AsyncSession, *, status: QuoteStatus
) -> list[tuple[FeedbackItem, str | None, str | None]]:
    """Feedback whose writers agreed to be quoted, in one curation state, oldest first, with the
    carer's first name and the child's name as held (so redaction can take them out)."""
    result = await session.exec(
        select(FeedbackItem, Carer.first_name, Child.display_name)
        .outerjoin(Carer, col(Carer.id) == FeedbackItem.carer_id)
        .outerjoin(Child, col(Child.id) == FeedbackItem.child_id)
        .where(FeedbackItem.quote_status == status, col(FeedbackItem.text).is_not(None))
        .order_by(col(FeedbackItem.created_at), col(FeedbackItem.id))
    )
    return [(item, first_name, child_name) for item, first_name, child_name in result.all()]


async def deidentify_feedback_for_carer(session: AsyncSession, *, carer_id: int) -> int:
    """Erasure: keep topic, rating, themes, sentiment and dates; drop who wrote it and the words."""
    result = await session.exec(
        update(FeedbackItem)
        .where(col(FeedbackItem.carer_id) == carer_id)
        .values(carer_id=None, child_id=None, text=None, consent_to_quote=False, quote_status=None)
    )
    return int(result.rowcount or 0)
