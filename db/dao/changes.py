"""Data access for transport changes, the children they affect and each carer's notice."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import (
    Carer,
    CarerChildLink,
    ChangeChild,
    ChangeNotice,
    Child,
    OutboxMessage,
    Route,
    TransportChange,
)


async def fetch_change_by_reference(session: AsyncSession, *, reference: str) -> TransportChange | None:
    """A change by its reference."""
    return (await session.exec(select(TransportChange).where(TransportChange.reference == reference))).first()


async def save_change(session: AsyncSession, *, change: TransportChange) -> TransportChange:
    """Insert or update a change."""
    session.add(change)
    await session.flush()
    return change


async def save_change_children(session: AsyncSession, *, change_id: int, child_ids: Sequence[int]) -> None:
    """Freeze which children a change affects."""
    if child_ids:
        await session.exec(insert(ChangeChild), params=[{"change_id": change_id, "child_id": child_id} for child_id in child_ids])


async def save_notices(session: AsyncSession, *, notices: Sequence[dict[str, Any]]) -> None:
    """Insert notices in bulk (keys: change_id, carer_id, child_ids, outbox_message_id, queued_at)."""
    if notices:
        await session.exec(insert(ChangeNotice), params=list(notices))


async def fetch_notice_for_outbox(session: AsyncSession, *, outbox_id: int) -> ChangeNotice | None:
    """The notice whose message or reminder is this outbox row."""
    statement = select(ChangeNotice).where(
        (col(ChangeNotice.outbox_message_id) == outbox_id) | (col(ChangeNotice.reminder_outbox_message_id) == outbox_id)
    )
    return (await session.exec(statement)).first()


async def save_notice(session: AsyncSession, *, notice: ChangeNotice) -> ChangeNotice:
    """Update a notice."""
    session.add(notice)
    await session.flush()
    return notice


@dataclass(frozen=True)
class NoticeDue:
    """A notice needing a reminder, with its change and carer."""

    notice: ChangeNotice
    change: TransportChange
    carer: Carer


async def fetch_notices_due_a_reminder(session: AsyncSession, *, sent_before: datetime, now: datetime) -> list[NoticeDue]:
    """Delivered, unacknowledged, never reminded, sent before `sent_before`, change not yet over."""
    statement = (
        select(ChangeNotice, TransportChange, Carer)
        .join(TransportChange, col(TransportChange.id) == ChangeNotice.change_id)
        .join(Carer, col(Carer.id) == ChangeNotice.carer_id)
        .join(OutboxMessage, col(OutboxMessage.id) == ChangeNotice.outbox_message_id)
        .where(
            col(ChangeNotice.acknowledged_at).is_(None),
            col(ChangeNotice.reminded_at).is_(None),
            OutboxMessage.state == "sent",
            col(OutboxMessage.sent_at) <= sent_before,
            TransportChange.effective_at > now,
        )
        .order_by(col(ChangeNotice.id))
    )
    return [NoticeDue(notice, change, carer) for notice, change, carer in (await session.exec(statement)).all()]


async def mark_notices_escalated(session: AsyncSession, *, effective_before: datetime, now: datetime) -> int:
    """Unacknowledged notices of changes taking effect before `effective_before`: on the call list from now."""
    change_ids = select(TransportChange.id).where(TransportChange.effective_at <= effective_before)
    result = await session.exec(
        update(ChangeNotice)
        .where(
            col(ChangeNotice.acknowledged_at).is_(None),
            col(ChangeNotice.escalated_at).is_(None),
            col(ChangeNotice.change_id).in_(change_ids),
        )
        .values(escalated_at=now)
    )
    return int(result.rowcount or 0)


@dataclass(frozen=True)
class CallListEntry:
    """One affected child and (if any) one of their carers, with the notice's delivery facts."""

    change: TransportChange
    route_code: str | None
    child: Child
    carer: Carer | None
    notice: ChangeNotice | None
    outbox: OutboxMessage | None


async def fetch_call_list_entries(session: AsyncSession, *, ended_before: datetime) -> list[CallListEntry]:
    """Every affected child of changes not over yet, with each linked carer's notice and its outbox row."""
    changes = (
        await session.exec(
            select(TransportChange)
            .where(TransportChange.effective_at >= ended_before)
            .order_by(col(TransportChange.effective_at), col(TransportChange.id))
        )
    ).all()
    entries: list[CallListEntry] = []
    for change in changes:
        rows = (
            await session.exec(
                select(Child, Route.code, Carer, ChangeNotice, OutboxMessage)
                .join(ChangeChild, col(ChangeChild.child_id) == Child.id)
                .outerjoin(Route, col(Route.id) == Child.route_id)
                .outerjoin(CarerChildLink, col(CarerChildLink.child_id) == Child.id)
                .outerjoin(Carer, col(Carer.id) == CarerChildLink.carer_id)
                .outerjoin(
                    ChangeNotice,
                    (col(ChangeNotice.carer_id) == Carer.id) & (col(ChangeNotice.change_id) == change.id),
                )
                .outerjoin(OutboxMessage, col(OutboxMessage.id) == ChangeNotice.outbox_message_id)
                .where(ChangeChild.change_id == change.id)
                .order_by(col(Child.council_reference), col(Carer.id))
            )
        ).all()
        entries.extend(CallListEntry(change, route, child, carer, notice, outbox) for child, route, carer, notice, outbox in rows)
    return entries


async def deidentify_change_notices_for_carer(session: AsyncSession, *, carer_id: int) -> int:
    """Erasure: keep each notice's change and times with the pseudonymous carer, drop which children it was about."""
    result = await session.exec(
        update(ChangeNotice).where(col(ChangeNotice.carer_id) == carer_id).values(child_ids=[])  # type: ignore[call-overload]
    )
    return int(result.rowcount or 0)
