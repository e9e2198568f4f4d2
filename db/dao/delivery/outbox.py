"""Data access for outbox rows outside the delivery loop: enqueueing, acknowledging, lookups, erasure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, or_, text, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.portable import dialect_insert
from db.models import ChatDeliveryState, FamilyContact, MessageRecord, OutboxMessage, OutboxState

# Both SQLite (32,766) and asyncpg (32,767) cap bound parameters per statement.
_LOOKUP_CHUNK = 1000
_ANALYZE_AFTER_ROWS = 1000


def _dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind is not None else "sqlite"


async def insert_outbox_rows(session: AsyncSession, *, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Insert rows, skipping idempotency keys already present; {key: id} of the rows inserted now."""
    insert = dialect_insert(session)
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    # One compiled statement, sent in batches by SQLAlchemy's "insertmanyvalues" (fast for 10,000 rows).
    statement = (
        insert(table)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(table.c.id, table.c.idempotency_key)
    )
    inserted: dict[str, int] = {}
    if rows:
        result = await session.exec(statement, params=list(rows))
        inserted.update({key: row_id for row_id, key in result.all()})
    if len(inserted) >= _ANALYZE_AFTER_ROWS and _dialect(session) == "postgresql":
        # A broadcast can grow the queue from nothing to thousands of rows at once; fresh statistics
        # keep the claim on its index (claim order, stop at the limit) instead of sorting the whole queue.
        known = (await session.exec(text("SELECT reltuples FROM pg_class WHERE relname = 'outbox_messages'"))).one()[0]
        if known < len(inserted):
            await session.exec(text("ANALYZE outbox_messages"))
    return inserted


async def fetch_outbox_ids(session: AsyncSession, *, idempotency_keys: Sequence[str]) -> dict[str, int]:
    """{key: id} for the keys that exist."""
    found: dict[str, int] = {}
    keys = list(idempotency_keys)
    for start in range(0, len(keys), _LOOKUP_CHUNK):
        chunk = keys[start : start + _LOOKUP_CHUNK]
        result = await session.exec(
            select(OutboxMessage.id, OutboxMessage.idempotency_key).where(col(OutboxMessage.idempotency_key).in_(chunk))
        )
        found.update({key: row_id for row_id, key in result.all()})
    return found


async def fetch_outbox_message(session: AsyncSession, *, outbox_id: int) -> OutboxMessage | None:
    """One outbox row by id."""
    return await session.get(OutboxMessage, outbox_id)


async def fetch_outbox_messages(session: AsyncSession, *, outbox_ids: Sequence[int]) -> list[OutboxMessage]:
    """Outbox rows by id, in id order."""
    if not outbox_ids:
        return []
    result = await session.exec(
        select(OutboxMessage).where(col(OutboxMessage.id).in_(list(outbox_ids))).order_by(col(OutboxMessage.id))
    )
    return list(result.all())


async def fetch_outbox_for_source(session: AsyncSession, *, source_type: str, source_id: int) -> list[OutboxMessage]:
    """Every row one source (a change, a broadcast) produced."""
    result = await session.exec(
        select(OutboxMessage)
        .where(OutboxMessage.source_type == source_type, OutboxMessage.source_id == source_id)
        .order_by(col(OutboxMessage.id))
    )
    return list(result.all())


_OUTBOX = OutboxMessage.__table__  # type: ignore[attr-defined]


def acknowledgement_update(*, in_chat: bool) -> Any:
    """Record "I've seen this" on a row with text, if not recorded yet; the row's text and notice key when it was."""
    own_row = [_OUTBOX.c.id == bindparam("b_id"), _OUTBOX.c.text.is_not(None)]
    if in_chat:
        own_row.append(_OUTBOX.c.chat_id == bindparam("b_chat_id"))
    return (
        update(_OUTBOX)
        .where(*own_row, _OUTBOX.c.acknowledged_at.is_(None))
        .values(
            acknowledged_at=bindparam("b_now", type_=_OUTBOX.c.acknowledged_at.type),
            state=OutboxState.ACKNOWLEDGED.value,
            # The press proves delivery, which settles a send we were unsure about.
            sent_at=func.coalesce(_OUTBOX.c.sent_at, bindparam("b_now", type_=_OUTBOX.c.sent_at.type)),
            is_in_doubt=False,
            telegram_message_id=func.coalesce(
                _OUTBOX.c.telegram_message_id, bindparam("b_message_id", type_=_OUTBOX.c.telegram_message_id.type)
            ),
        )
        .returning(_OUTBOX.c.text, _OUTBOX.c.notice_key)
    )


# Built once (db/dao/portable.py: built_per_dialect says why): "I've seen this" comes in crowds. The conditional
# UPDATE is the lock: of two presses at once only one finds the row unacknowledged.
_ACKNOWLEDGE = acknowledgement_update(in_chat=False)
_ACKNOWLEDGE_IN_CHAT = acknowledgement_update(in_chat=True)
_ROW_IN_CHAT = select(_OUTBOX.c.text, _OUTBOX.c.notice_key).where(
    _OUTBOX.c.id == bindparam("b_id"), _OUTBOX.c.chat_id == bindparam("b_chat_id"), _OUTBOX.c.text.is_not(None)
)


async def save_acknowledgement(
    session: AsyncSession, *, outbox_id: int, telegram_message_id: int | None, now: datetime
) -> bool:
    """Record "I've seen this" on a row with text (a link or a YES); False if it was already recorded."""
    values = {"b_id": outbox_id, "b_now": now, "b_message_id": telegram_message_id}
    return (await (await session.connection()).execute(_ACKNOWLEDGE, values)).first() is not None


@dataclass(frozen=True)
class ChatAcknowledgement:
    """A row acknowledged from its own chat: its text, its notice key, and whether this press was the first."""

    text: str
    notice_key: str | None
    is_new: bool


async def save_chat_acknowledgement(
    session: AsyncSession, *, outbox_id: int, chat_id: int, telegram_message_id: int | None, now: datetime
) -> ChatAcknowledgement | None:
    """Record "I've seen this" pressed in the row's own chat (one statement); None when it is not that chat's row."""
    connection = await session.connection()
    keys = {"b_id": outbox_id, "b_chat_id": chat_id}
    values = {**keys, "b_now": now, "b_message_id": telegram_message_id}
    updated = (await connection.execute(_ACKNOWLEDGE_IN_CHAT, values)).first()
    if updated is not None:
        return ChatAcknowledgement(text=updated.text, notice_key=updated.notice_key, is_new=True)
    before = (await connection.execute(_ROW_IN_CHAT, keys)).first()
    return None if before is None else ChatAcknowledgement(text=before.text, notice_key=before.notice_key, is_new=False)


async def count_outbox_by_state(session: AsyncSession, *, source_type: str | None = None) -> dict[str, int]:
    """How many rows are in each state (optionally for one kind of source)."""
    statement = select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
    if source_type is not None:
        statement = statement.where(OutboxMessage.source_type == source_type)
    result = await session.exec(statement)
    return {state: int(count) for state, count in result.all()}


async def fetch_known_message_ids(session: AsyncSession, *, chat_id: int, exclude_outbox_id: int) -> set[int]:
    """Message ids we know in a chat (the log both ways, and the outbox), except one row's own."""
    logged = await session.exec(
        select(MessageRecord.telegram_message_id).where(
            MessageRecord.chat_id == chat_id, col(MessageRecord.telegram_message_id).is_not(None)
        )
    )
    sent = await session.exec(
        select(OutboxMessage.telegram_message_id).where(
            OutboxMessage.chat_id == chat_id,
            col(OutboxMessage.telegram_message_id).is_not(None),
            OutboxMessage.id != exclude_outbox_id,
        )
    )
    return {int(value) for (value,) in [*logged.all(), *sent.all()]}


async def erase_carer_delivery_records(session: AsyncSession, *, carer_id: int, chat_id: int | None = None) -> int:
    """Erasure: keep purpose, states and times of the carer's (or their chat's) rows; drop chat, words and buttons."""
    their_contacts = select(FamilyContact.id).where(FamilyContact.carer_id == carer_id)
    whose = or_(OutboxMessage.carer_id == carer_id, col(OutboxMessage.family_contact_id).in_(their_contacts))
    if chat_id is not None:
        whose = or_(whose, col(OutboxMessage.chat_id) == chat_id)
    result = await session.exec(
        update(OutboxMessage)
        .where(whose)
        .values(
            chat_id=None, text=None, reply_markup=None, last_error=None, lease_owner=None,
            telegram_message_id=None, probe_from_message_id=None, subject=None, fallback_texts=None, notify_id=None,
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def delete_chat_delivery_state(session: AsyncSession, *, chat_id: int) -> None:
    """Erasure: forget the chat's pacing row (it holds nothing but the chat id and a time)."""
    await session.exec(delete(ChatDeliveryState).where(col(ChatDeliveryState.chat_id) == chat_id))  # type: ignore[call-overload]
