"""Data access for what GOV.UK Notify posts back: delivery receipts and received texts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import NotifyInboundText, NotifyReceipt, OutboxMessage, OutboxState

_outbox = OutboxMessage.__table__  # type: ignore[attr-defined]
_FINAL_STATUSES = ("delivered", "permanent-failure", "temporary-failure", "technical-failure", "received",
                   "validation-failed", "virus-scan-failed", "cancelled")


async def fetch_receipt(session: AsyncSession, *, notify_id: str) -> NotifyReceipt | None:
    """The receipt of one Notify notification."""
    result = await session.exec(select(NotifyReceipt).where(NotifyReceipt.notify_id == notify_id))
    return result.first()


async def fetch_receipts_by_reference(session: AsyncSession, *, reference: str) -> list[NotifyReceipt]:
    """Receipts for our reference (one per Notify notification sent with it)."""
    result = await session.exec(
        select(NotifyReceipt).where(NotifyReceipt.reference == reference).order_by(col(NotifyReceipt.id))
    )
    return list(result.all())


async def save_receipt(session: AsyncSession, *, receipt: NotifyReceipt) -> NotifyReceipt:
    """Record a receipt, or update the one already held for the same Notify id (a repeated callback)."""
    held = await fetch_receipt(session, notify_id=receipt.notify_id)
    if held is None:
        session.add(receipt)
        await session.flush()
        return receipt
    for name in ("reference", "notification_type", "status", "template_id", "template_version",
                 "notify_created_at", "sent_at", "completed_at", "received_at"):
        setattr(held, name, getattr(receipt, name))
    session.add(held)
    await session.flush()
    return held


async def save_inbound_text(session: AsyncSession, *, text: NotifyInboundText) -> bool:
    """Record a received text; False if Notify had already posted it (callbacks are retried)."""
    result = await session.exec(select(NotifyInboundText.id).where(NotifyInboundText.notify_id == text.notify_id))
    if result.first() is not None:
        return False
    session.add(text)
    await session.flush()
    return True


async def count_inbound_texts(session: AsyncSession, *, since: datetime | None = None) -> int:
    """How many received texts are held (since a moment)."""
    query = select(NotifyInboundText.id)
    if since is not None:
        query = query.where(col(NotifyInboundText.received_at) >= since)
    return len((await session.exec(query)).all())


async def delete_inbound_texts_from(session: AsyncSession, *, numbers: Sequence[str]) -> None:
    """Delete every received text from these numbers (erasure)."""
    if numbers:
        await session.exec(delete(NotifyInboundText).where(col(NotifyInboundText.source_number).in_(list(numbers))))


async def save_receipt_on_outbox(
    session: AsyncSession, *, reference: str | None, notify_id: str, status: str, at: datetime, fails_row: bool
) -> list[int]:
    """Put a receipt on its outbox row (by reference = idempotency key, or by Notify id); ids of rows it failed now.

    A final status is never replaced by an earlier one arriving late; a failure ends a row not yet acknowledged.
    """
    match = _outbox.c.notify_id == notify_id
    if reference:
        match = or_(_outbox.c.idempotency_key == reference, match)
    rows = (await session.exec(
        select(_outbox.c.id, _outbox.c.notify_status, _outbox.c.state, _outbox.c.acknowledged_at).where(match)
    )).all()
    failed_now = []
    for row_id, held_status, state, acknowledged_at in rows:
        if held_status in _FINAL_STATUSES and status not in _FINAL_STATUSES:
            continue
        values: dict[str, object] = {"notify_status": status, "notify_status_at": at}
        if fails_row and acknowledged_at is None and state != OutboxState.FAILED.value:
            values.update(state=OutboxState.FAILED.value, failed_at=at, last_error=f"Notify: {status}"[:300],
                          is_in_doubt=False)
            failed_now.append(row_id)
        await session.exec(update(_outbox).where(_outbox.c.id == row_id).values(**values))
        await session.exec(update(_outbox).where(_outbox.c.id == row_id, _outbox.c.notify_id.is_(None))
                           .values(notify_id=notify_id))
    return failed_now
