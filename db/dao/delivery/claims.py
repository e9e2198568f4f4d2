"""Data access for the delivery loop: claiming rows, pacing state, and recording outcomes in bulk.

Every write here is one statement for many rows (executemany or multi-row INSERT), so a worker
records hundreds of outcomes per round trip.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, bindparam, case, func, insert, or_, select, update
from sqlmodel import select as sqlmodel_select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.delivery.bulk_postgres import save_chat_schedule_postgresql, save_sent_with_log_postgresql
from db.dao.portable import dialect_insert
from db.models import (
    Carer,
    ChatDeliveryState,
    DeliveryRateBucket,
    MessageDirection,
    MessageRecord,
    OutboxChannel,
    OutboxMessage,
    OutboxState,
)

_outbox = OutboxMessage.__table__  # type: ignore[attr-defined]
_chats = ChatDeliveryState.__table__  # type: ignore[attr-defined]
_carers = Carer.__table__  # type: ignore[attr-defined]
_buckets = DeliveryRateBucket.__table__  # type: ignore[attr-defined]
_log = MessageRecord.__table__  # type: ignore[attr-defined]
_LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ClaimCandidate:
    """A queued row ready to send, with what the worker needs to decide and to send it."""

    id: int
    chat_id: int | None
    carer_id: int | None
    purpose: str
    update_kind: str | None
    text: str | None
    reply_markup: str | None
    must_send: bool
    is_in_doubt: bool
    attempts: int
    probe_from_message_id: int | None
    last_error: str | None
    carer_has_consent: bool
    carer_muted_kinds: list[str]
    carer_is_reachable: bool


def _is_postgresql(session: AsyncSession) -> bool:
    return session.bind is not None and session.bind.dialect.name == "postgresql"


def _greatest(session: AsyncSession, *values: Any) -> Any:
    return func.greatest(*values) if _is_postgresql(session) else func.max(*values)


async def lock_rate_bucket(session: AsyncSession, *, name: str) -> DeliveryRateBucket:
    """The shared send schedule, locked for this transaction (SQLite's BEGIN IMMEDIATE locks already)."""
    await session.exec(
        dialect_insert(session)(_buckets).values(name=name, next_slot_at_s=0.0, paused_until_s=0.0).on_conflict_do_nothing()
    )
    statement = sqlmodel_select(DeliveryRateBucket).where(DeliveryRateBucket.name == name)
    if _is_postgresql(session):
        statement = statement.with_for_update()
    result = await session.exec(statement.execution_options(populate_existing=True))
    return result.one()


async def save_rate_bucket(session: AsyncSession, *, name: str, next_slot_at_s: float) -> None:
    """Move the shared schedule forward past the slots just reserved."""
    await session.exec(update(_buckets).where(_buckets.c.name == name).values(next_slot_at_s=next_slot_at_s))


async def pause_rate_bucket(session: AsyncSession, *, name: str, until_s: float) -> None:
    """Telegram signalled a flood for the whole bot: nobody sends before `until_s`."""
    await session.exec(
        update(_buckets)
        .where(_buckets.c.name == name)
        .values(paused_until_s=_greatest(session, _buckets.c.paused_until_s, until_s))
    )


async def refund_rate_bucket(session: AsyncSession, *, name: str, seconds: float, now_s: float) -> None:
    """Give back unused send time (a request Telegram failed to serve), never into the past."""
    await session.exec(
        update(_buckets)
        .where(_buckets.c.name == name)
        .values(next_slot_at_s=_greatest(session, _buckets.c.next_slot_at_s - seconds, now_s))
    )


async def fetch_claimable_rows(session: AsyncSession, *, now: datetime, limit: int) -> list[ClaimCandidate]:
    """Queued rows due now whose chat may get a message now, urgent first; locked, skipping locked rows."""
    statement = (
        select(
            _outbox.c.id, _outbox.c.chat_id, _outbox.c.carer_id, _outbox.c.purpose, _outbox.c.update_kind,
            _outbox.c.text, _outbox.c.reply_markup, _outbox.c.must_send, _outbox.c.is_in_doubt,
            _outbox.c.attempts, _outbox.c.probe_from_message_id, _outbox.c.last_error,
            and_(_carers.c.consent_given_at.is_not(None), _carers.c.consent_withdrawn_at.is_(None)).label("has_consent"),
            and_(_carers.c.chat_id.is_not(None), _carers.c.unreachable_since.is_(None)).label("is_reachable"),
            _carers.c.muted_update_kinds,
        )
        .select_from(
            _outbox.outerjoin(_chats, _chats.c.chat_id == _outbox.c.chat_id).outerjoin(
                _carers, _carers.c.id == _outbox.c.carer_id
            )
        )
        .where(
            _outbox.c.channel == OutboxChannel.TELEGRAM.value,
            _outbox.c.state == OutboxState.QUEUED.value,
            _outbox.c.not_before <= now,
            or_(_chats.c.next_send_at.is_(None), _chats.c.next_send_at <= now),
        )
        .order_by(_outbox.c.priority, _outbox.c.not_before, _outbox.c.id)
        .limit(limit)
    )
    if _is_postgresql(session):
        statement = statement.with_for_update(of=_outbox, skip_locked=True)
    result = await session.exec(statement)
    return [
        ClaimCandidate(
            id=row.id, chat_id=row.chat_id, carer_id=row.carer_id, purpose=row.purpose, update_kind=row.update_kind,
            text=row.text, reply_markup=row.reply_markup, must_send=row.must_send, is_in_doubt=row.is_in_doubt,
            attempts=row.attempts, probe_from_message_id=row.probe_from_message_id, last_error=row.last_error,
            carer_has_consent=bool(row.has_consent),
            carer_muted_kinds=list(row.muted_update_kinds or []),
            carer_is_reachable=bool(row.is_reachable),
        )
        for row in result.all()
    ]


async def save_claims(
    session: AsyncSession, *, row_ids: Sequence[int], worker_id: str, now: datetime, lease_expires_at: datetime,
    note_probe_start: bool = True,
) -> None:
    """Mark rows as sending, leased to this worker; for Telegram, note each chat's newest known message id (probing)."""
    if not row_ids:
        return
    values: dict[str, Any] = {
        "state": OutboxState.SENDING.value,
        "sending_at": now,
        "attempts": _outbox.c.attempts + 1,
        "lease_owner": worker_id,
        "lease_expires_at": lease_expires_at,
    }
    if note_probe_start:
        # Every message in and out is in the message log, so its newest id for the chat is where a probe starts.
        newest_known = (
            select(func.max(_log.c.telegram_message_id)).where(_log.c.chat_id == _outbox.c.chat_id).scalar_subquery()
        )
        # An in-doubt row keeps the id from its first attempt: its message, if any, came after that.
        values["probe_from_message_id"] = case(
            (_outbox.c.is_in_doubt, _outbox.c.probe_from_message_id), else_=func.coalesce(newest_known, 0)
        )
    await session.exec(update(_outbox).where(_outbox.c.id.in_(list(row_ids))).values(**values))


async def save_chat_schedule(session: AsyncSession, *, next_send_at: Sequence[tuple[int, datetime]]) -> None:
    """Per chat: the earliest time the next message may go (only ever moved later)."""
    latest: dict[int, datetime] = {}
    for chat_id, at in next_send_at:
        latest[chat_id] = max(at, latest.get(chat_id, at))
    if not latest:
        return
    if _is_postgresql(session):
        await save_chat_schedule_postgresql(session, latest=latest)
        return
    statement = dialect_insert(session)(_chats)
    statement = statement.on_conflict_do_update(
        index_elements=["chat_id"],
        set_={"next_send_at": _greatest(session, _chats.c.next_send_at, statement.excluded.next_send_at)},
    )
    await session.exec(statement, params=[{"chat_id": chat_id, "next_send_at": at} for chat_id, at in latest.items()])


async def save_sent(session: AsyncSession, *, sent: Sequence[dict[str, Any]]) -> None:
    """Rows delivered, each also copied into the message log (the council's record).

    Keys: row_id, sent_at, message_id, chat_id, kind, text. An acknowledgement recorded meanwhile stays.
    """
    if not sent:
        return
    if _is_postgresql(session):
        await save_sent_with_log_postgresql(session, sent=sent)
        return
    statement = (
        update(_outbox)
        .where(_outbox.c.id == bindparam("row_id"))
        .values(
            state=case((_outbox.c.acknowledged_at.is_(None), OutboxState.SENT.value), else_=_outbox.c.state),
            sent_at=func.coalesce(_outbox.c.sent_at, bindparam("sent_at")),
            telegram_message_id=func.coalesce(_outbox.c.telegram_message_id, bindparam("message_id")),
            is_in_doubt=False,
            lease_owner=None,
            lease_expires_at=None,
            last_error=None,
        )
    )
    await session.exec(statement, params=list(sent))
    await save_outbound_log(
        session,
        records=[
            {"chat_id": item["chat_id"], "kind": item["kind"], "text": item["text"],
             "telegram_message_id": item["message_id"], "created_at": item["sent_at"]}
            for item in sent
        ],
    )


async def save_retries(session: AsyncSession, *, retries: Sequence[dict[str, Any]]) -> None:
    """Rows to try again: keys row_id, not_before, error, in_doubt."""
    if not retries:
        return
    statement = (
        update(_outbox)
        .where(and_(_outbox.c.id == bindparam("row_id"), _outbox.c.acknowledged_at.is_(None)))
        .values(
            state=OutboxState.QUEUED.value,
            not_before=bindparam("not_before"),
            last_error=bindparam("error"),
            is_in_doubt=bindparam("in_doubt"),
            lease_owner=None,
            lease_expires_at=None,
        )
    )
    await session.exec(statement, params=list(retries))


async def save_finished_without_sending(
    session: AsyncSession, *, rows: Sequence[dict[str, Any]], state: OutboxState
) -> None:
    """Rows that failed or were skipped: keys row_id, at, error."""
    if not rows:
        return
    stamp = {OutboxState.FAILED: "failed_at", OutboxState.SKIPPED: "skipped_at"}[state]
    statement = (
        update(_outbox)
        .where(and_(_outbox.c.id == bindparam("row_id"), _outbox.c.acknowledged_at.is_(None)))
        .values(
            {
                "state": state.value,
                stamp: bindparam("at"),
                "last_error": bindparam("error"),
                "is_in_doubt": False,
                "lease_owner": None,
                "lease_expires_at": None,
            }
        )
    )
    await session.exec(statement, params=list(rows))


async def save_unreachable_carers(session: AsyncSession, *, reasons: dict[int, str], now: datetime) -> None:
    """Telegram refused us for these carers (blocked the bot, never started it): listed for officers."""
    if not reasons:
        return
    statement = (
        update(_carers)
        .where(and_(_carers.c.id == bindparam("carer_row_id"), _carers.c.unreachable_since.is_(None)))
        .values(unreachable_since=now, unreachable_reason=bindparam("reason"))
    )
    await session.exec(statement, params=[{"carer_row_id": carer_id, "reason": reason[:200]} for carer_id, reason in reasons.items()])


async def save_outbound_log(session: AsyncSession, *, records: Sequence[dict[str, Any]]) -> None:
    """The council's copy of every proactive message sent: keys chat_id, kind, text, telegram_message_id, created_at."""
    if not records:
        return
    await session.exec(insert(_log), params=[{"direction": MessageDirection.OUTBOUND.value, **record} for record in records])


async def requeue_expired_leases(session: AsyncSession, *, now: datetime) -> int:
    """Rows left in "sending" by a worker that died: back to the queue, marked in doubt (probe first)."""
    result = await session.exec(
        update(_outbox)
        .where(_outbox.c.state == OutboxState.SENDING.value, _outbox.c.lease_expires_at < now)
        .values(state=OutboxState.QUEUED.value, is_in_doubt=True, not_before=now, lease_owner=None, lease_expires_at=None)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def release_claims(session: AsyncSession, *, row_ids: Sequence[int], worker_id: str) -> None:
    """Claimed rows never attempted (the worker is stopping): back to the queue as they were."""
    if not row_ids:
        return
    await session.exec(
        update(_outbox)
        .where(
            _outbox.c.id.in_(list(row_ids)),
            _outbox.c.lease_owner == worker_id,
            _outbox.c.state == OutboxState.SENDING.value,
        )
        .values(state=OutboxState.QUEUED.value, attempts=_outbox.c.attempts - 1, lease_owner=None, lease_expires_at=None)
    )
    # Their chats got nothing, so they may have the next message at once.
    chat_ids = select(_outbox.c.chat_id).where(_outbox.c.id.in_(list(row_ids)))
    await session.exec(update(_chats).where(_chats.c.chat_id.in_(chat_ids)).values(next_send_at=_LONG_AGO))


async def count_unfinished_rows(session: AsyncSession) -> int:
    """Rows queued or sending (for waiting until a broadcast has gone)."""
    result = await session.exec(
        select(func.count())
        .select_from(_outbox)
        .where(_outbox.c.state.in_([OutboxState.QUEUED.value, OutboxState.SENDING.value]))
    )
    return int(result.one()[0])
