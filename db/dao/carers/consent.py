"""Data access for consent events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import ConsentEvent, ConsentEventKind


_NEW_EVENT = insert(ConsentEvent.__table__)  # type: ignore[attr-defined]  # built once: it runs on every consent


async def save_consent_event(
    session: AsyncSession, *, carer_id: int, kind: ConsentEventKind, notice_version: str, occurred_at: datetime
) -> None:
    """Record consent given or withdrawn (one plain INSERT: nothing reads the event back in this transaction)."""
    connection = await session.connection()
    values = {"carer_id": carer_id, "kind": kind.value, "notice_version": notice_version, "occurred_at": occurred_at}
    await connection.execute(_NEW_EVENT, values)


async def fetch_consent_events(session: AsyncSession, *, carer_id: int) -> list[ConsentEvent]:
    """A carer's consent history, oldest first."""
    result = await session.exec(
        select(ConsentEvent).where(ConsentEvent.carer_id == carer_id).order_by(col(ConsentEvent.occurred_at), col(ConsentEvent.id))
    )
    return list(result.all())


async def deidentify_consent_events(session: AsyncSession, *, carer_id: int) -> int:
    """Keep the events for statistics but cut them loose from the carer."""
    result = await session.exec(
        update(ConsentEvent).where(col(ConsentEvent.carer_id) == carer_id).values(carer_id=None)
    )
    return int(result.rowcount or 0)
