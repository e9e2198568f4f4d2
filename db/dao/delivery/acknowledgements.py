"""Data access for acknowledgements outside Telegram: the language of a row's family, a text's row by number."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Carer, FamilyContact, OutboxMessage


async def lock_outbox_row(session: AsyncSession, *, outbox_id: int) -> OutboxMessage | None:
    """The row, locked for this transaction on PostgreSQL and read afresh (a press at the same moment waits)."""
    statement = select(OutboxMessage).where(OutboxMessage.id == outbox_id).execution_options(populate_existing=True)
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        statement = statement.with_for_update()
    return (await session.exec(statement)).first()


async def fetch_row_language(session: AsyncSession, *, row: OutboxMessage) -> str | None:
    """The language of the carer a row is for, directly or through its family contact (else the contact's own)."""
    carer_id, contact = row.carer_id, None
    if carer_id is None and row.family_contact_id is not None:
        contact = await session.get(FamilyContact, row.family_contact_id)
        carer_id = contact.carer_id if contact is not None else None
    if carer_id is None:
        return contact.language if contact is not None and contact.erased_at is None else None
    carer = await session.get(Carer, carer_id)
    return carer.language if carer is not None and carer.erased_at is None else None


async def fetch_latest_unacknowledged_text(
    session: AsyncSession, *, mobile_e164: str, now: datetime, default_expiry: timedelta
) -> OutboxMessage | None:
    """The most recent text sent to this number, not yet acknowledged, whose link would still work now."""
    statement = (
        select(OutboxMessage)
        .join(FamilyContact, col(FamilyContact.id) == OutboxMessage.family_contact_id)
        .where(
            col(FamilyContact.mobile_e164) == mobile_e164,
            col(FamilyContact.erased_at).is_(None),
            col(OutboxMessage.channel) == "sms",
            col(OutboxMessage.state) == "sent",
            col(OutboxMessage.acknowledged_at).is_(None),
            col(OutboxMessage.sent_at).is_not(None),
            (col(OutboxMessage.ack_expires_at) > now)
            | (col(OutboxMessage.ack_expires_at).is_(None) & (col(OutboxMessage.sent_at) > now - default_expiry)),
        )
        .order_by(col(OutboxMessage.sent_at).desc(), col(OutboxMessage.id).desc())
        .limit(1)
    )
    return (await session.exec(statement)).first()
