"""Data access for transport changes, the children they affect and each carer's notice."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import (
    Carer,
    CarerChildLink,
    ChangeChild,
    ChangeNotice,
    Child,
    FamilyContact,
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
    """The notice this outbox row belongs to: its first message, its reminder, or any row sharing their notice key."""
    direct = select(ChangeNotice).where(
        (col(ChangeNotice.outbox_message_id) == outbox_id) | (col(ChangeNotice.reminder_outbox_message_id) == outbox_id)
    )
    notice = (await session.exec(direct)).first()
    if notice is not None:
        return notice
    key = (await session.exec(select(OutboxMessage.notice_key).where(OutboxMessage.id == outbox_id))).first()
    if not key:
        return None
    first_rows = select(OutboxMessage.id).where(OutboxMessage.notice_key == key)
    statement = select(ChangeNotice).where(
        col(ChangeNotice.outbox_message_id).in_(first_rows) | col(ChangeNotice.reminder_outbox_message_id).in_(first_rows)
    )
    return (await session.exec(statement)).first()


async def acknowledge_notice_of_row(session: AsyncSession, *, outbox_id: int, notice_key: str | None, now: datetime) -> bool:
    """Mark acknowledged the notice a row belongs to (its first message, its reminder, or any row sharing their
    key), in one statement; True when it was still open."""
    statement = _ACKNOWLEDGE_NOTICE_BY_KEY if notice_key else _ACKNOWLEDGE_NOTICE_OF_ROW
    params: dict[str, Any] = {"b_outbox_id": outbox_id, "b_now": now}
    if notice_key:
        params["b_notice_key"] = notice_key
    result = await (await session.connection()).execute(statement, params)
    return bool(result.rowcount)


def _acknowledge_notice(*, by_key: bool) -> Any:
    notices = ChangeNotice.__table__  # type: ignore[attr-defined]
    outbox_id = bindparam("b_outbox_id")
    belongs = (notices.c.outbox_message_id == outbox_id) | (notices.c.reminder_outbox_message_id == outbox_id)
    if by_key:
        outbox = OutboxMessage.__table__  # type: ignore[attr-defined]
        same_notice = select(outbox.c.id).where(outbox.c.notice_key == bindparam("b_notice_key")).scalar_subquery()
        belongs = belongs | notices.c.outbox_message_id.in_(same_notice) | notices.c.reminder_outbox_message_id.in_(same_notice)
    return (
        update(notices)
        .where(belongs, notices.c.acknowledged_at.is_(None))
        .values(acknowledged_at=bindparam("b_now", type_=notices.c.acknowledged_at.type))
    )


# Built once (db/dao/portable.py: built_per_dialect says why): "I've seen this" comes in crowds.
_ACKNOWLEDGE_NOTICE_OF_ROW = _acknowledge_notice(by_key=False)
_ACKNOWLEDGE_NOTICE_BY_KEY = _acknowledge_notice(by_key=True)


async def save_notice(session: AsyncSession, *, notice: ChangeNotice) -> ChangeNotice:
    """Update a notice."""
    session.add(notice)
    await session.flush()
    return notice


@dataclass(frozen=True)
class NoticeDue:
    """An open notice (not acknowledged, not reminded, change not over) with its change, carer or contact."""

    notice: ChangeNotice
    change: TransportChange
    carer: Carer | None
    contact: FamilyContact | None


async def fetch_notices_open_for_reminder(session: AsyncSession, *, now: datetime) -> list[NoticeDue]:
    """Unacknowledged, never reminded notices with a message, whose change is not yet in effect."""
    statement = (
        select(ChangeNotice, TransportChange, Carer, FamilyContact)
        .join(TransportChange, col(TransportChange.id) == ChangeNotice.change_id)
        .outerjoin(Carer, col(Carer.id) == ChangeNotice.carer_id)
        .outerjoin(FamilyContact, col(FamilyContact.id) == ChangeNotice.family_contact_id)
        .where(
            col(ChangeNotice.acknowledged_at).is_(None),
            col(ChangeNotice.reminded_at).is_(None),
            col(ChangeNotice.outbox_message_id).is_not(None),
            TransportChange.effective_at > now,
        )
        .order_by(col(ChangeNotice.id))
    )
    rows = (await session.exec(statement)).all()
    return [NoticeDue(notice, change, carer, contact) for notice, change, carer, contact in rows]


async def fetch_notice_rows(
    session: AsyncSession, *, notices: Sequence[ChangeNotice]
) -> dict[int, list[OutboxMessage]]:
    """{notice id: its outbox rows, oldest first}: the first message, the reminder, and every row sharing their keys."""
    first_ids = {
        row_id: notice.id for notice in notices for row_id in (notice.outbox_message_id, notice.reminder_outbox_message_id)
        if row_id is not None and notice.id is not None
    }
    found: dict[int, list[OutboxMessage]] = {notice.id: [] for notice in notices if notice.id is not None}
    ids = list(first_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        firsts = (await session.exec(select(OutboxMessage).where(col(OutboxMessage.id).in_(chunk)))).all()
        key_owner = {row.notice_key: first_ids[row.id] for row in firsts if row.notice_key and row.id is not None}
        by_key = (
            await session.exec(select(OutboxMessage).where(col(OutboxMessage.notice_key).in_(list(key_owner))))
        ).all() if key_owner else []
        seen: set[int] = set()
        for row in [*firsts, *by_key]:
            owner = first_ids.get(row.id or 0) or key_owner.get(row.notice_key or "")
            if owner is not None and row.id not in seen:
                seen.add(row.id or 0)
                found[owner].append(row)
    for rows in found.values():
        rows.sort(key=lambda row: row.id or 0)
    return found


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
class ChangeCallFacts:
    """What the call list needs about one change: its children, their carers and contacts, the notices and rows."""

    change: TransportChange
    children: list[tuple[Child, str | None]]
    links: list[tuple[int, int]]  # (carer id, child id) linked now
    notices: list[ChangeNotice]
    carers: dict[int, Carer]
    contacts: list[FamilyContact]
    rows: dict[int, list[OutboxMessage]]  # by notice id


async def fetch_call_list_facts(
    session: AsyncSession, *, ended_before: datetime, change_id: int | None = None
) -> list[ChangeCallFacts]:
    """For every change not over yet (or one): its children, who is linked, each notice and its rows on every channel."""
    statement = select(TransportChange).where(TransportChange.effective_at >= ended_before)
    if change_id is not None:
        statement = statement.where(TransportChange.id == change_id)
    changes = (
        await session.exec(statement.order_by(col(TransportChange.effective_at), col(TransportChange.id)))
    ).all()
    facts: list[ChangeCallFacts] = []
    for change in changes:
        children = list(
            (
                await session.exec(
                    select(Child, Route.code)
                    .join(ChangeChild, col(ChangeChild.child_id) == Child.id)
                    .outerjoin(Route, col(Route.id) == Child.route_id)
                    .where(ChangeChild.change_id == change.id)
                    .order_by(col(Child.council_reference))
                )
            ).all()
        )
        child_ids = select(ChangeChild.child_id).where(ChangeChild.change_id == change.id)
        links = [
            (carer_id, child_id)
            for carer_id, child_id in (
                await session.exec(
                    select(CarerChildLink.carer_id, CarerChildLink.child_id).where(col(CarerChildLink.child_id).in_(child_ids))
                )
            ).all()
        ]
        notices = list(
            (await session.exec(select(ChangeNotice).where(ChangeNotice.change_id == change.id).order_by(col(ChangeNotice.id)))).all()
        )
        carer_ids = {carer_id for carer_id, _ in links} | {n.carer_id for n in notices if n.carer_id is not None}
        carers = {
            carer.id: carer
            for carer in (await session.exec(select(Carer).where(col(Carer.id).in_(list(carer_ids))))).all()
            if carer.id is not None
        } if carer_ids else {}
        contacts = list(
            (await session.exec(select(FamilyContact).where(col(FamilyContact.child_id).in_(child_ids)))).all()
        )
        rows = await fetch_notice_rows(session, notices=notices)
        facts.append(ChangeCallFacts(change, children, links, notices, carers, contacts, rows))
    return facts


@dataclass(frozen=True)
class ChannelFigure:
    """One channel's rows of one change, counted by what became of them."""

    channel: str
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    acknowledged: int = 0
    waiting: int = 0


async def count_channel_figures(session: AsyncSession, *, change_id: int) -> list[ChannelFigure]:
    """Per channel (telegram, sms, email, letter): rows sent, delivered (Notify receipt), failed and acknowledged."""
    is_acknowledged = col(OutboxMessage.acknowledged_at).is_not(None)
    statement = (
        select(OutboxMessage.channel, OutboxMessage.state, OutboxMessage.notify_status, is_acknowledged, func.count())
        .where(OutboxMessage.source_type == "transport_change", OutboxMessage.source_id == change_id)
        .group_by(OutboxMessage.channel, OutboxMessage.state, OutboxMessage.notify_status, is_acknowledged)
    )
    tallies: dict[str, dict[str, int]] = {channel: {} for channel in ("telegram", "sms", "email", "letter")}
    for channel, state, notify_status, acknowledged, count in (await session.exec(statement)).all():
        tally = tallies.setdefault(channel, {})
        for figure in _channel_figures(state, notify_status, bool(acknowledged)):
            tally[figure] = tally.get(figure, 0) + int(count)
    return [ChannelFigure(channel, **tally) for channel, tally in tallies.items()]


# Notify's receipts that mean the message will never arrive.
NOTIFY_FAILURES = frozenset({"permanent-failure", "technical-failure", "temporary-failure", "validation-failed"})


def _channel_figures(state: str, notify_status: str | None, acknowledged: bool) -> list[str]:
    figures = []
    if state == "failed" or notify_status in NOTIFY_FAILURES:
        figures.append("failed")
    elif state in ("sent", "acknowledged") or acknowledged:
        figures.append("sent")
        if notify_status == "delivered":
            figures.append("delivered")
    elif state in ("queued", "sending"):
        figures.append("waiting")
    if acknowledged:
        figures.append("acknowledged")
    return figures


async def deidentify_change_notices_for_carer(session: AsyncSession, *, carer_id: int) -> int:
    """Erasure: keep each notice's change and times with the pseudonymous carer, drop which children it was about."""
    result = await session.exec(
        update(ChangeNotice).where(col(ChangeNotice.carer_id) == carer_id).values(child_ids=[])  # type: ignore[call-overload]
    )
    return int(result.rowcount or 0)
