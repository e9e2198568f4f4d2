"""Data access for the message log."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, update
from sqlalchemy import text as sql_text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.portable import built_per_dialect, is_postgresql
from db.models import MessageDirection, MessageRecord
from db.single_write import execute_many, execute_statement
from db.types import storable_text, utc_now

_MESSAGES = MessageRecord.__table__  # type: ignore[attr-defined]
_NEW_MESSAGE = insert(_MESSAGES)  # built once (db/dao/portable.py: built_per_dialect says why)
# PostgreSQL: a batch of sent messages as arrays, one statement, ids in the order given (executemany costs Python
# per row: it was a twentieth of `serve`'s event loop in a crowd, py-spy; bulk_postgres.py does the same).
_NEW_MESSAGES_POSTGRESQL = sql_text(
    """
    INSERT INTO message_log (direction, chat_id, telegram_message_id, kind, text, has_replaced_characters, created_at)
    SELECT CAST(:b_direction AS varchar), chat_id, message_id, kind, text, replaced, created_at
    FROM unnest(
        CAST(:b_chat_ids AS bigint[]), CAST(:b_message_ids AS bigint[]), CAST(:b_kinds AS varchar[]),
        CAST(:b_texts AS text[]), CAST(:b_replaced AS boolean[]), CAST(:b_created_at AS timestamptz[])
    ) WITH ORDINALITY AS given(chat_id, message_id, kind, text, replaced, created_at, position)
    ORDER BY position
    """
)


@built_per_dialect
def _new_inbound(insert_construct: Any) -> Any:
    return (
        insert_construct(_MESSAGES)
        .on_conflict_do_nothing(index_elements=[_MESSAGES.c.update_id])
        .returning(_MESSAGES.c.update_id)
    )


async def save_inbound_message(
    session: AsyncSession,
    *,
    update_id: int,
    chat_id: int | None,
    kind: str,
    text: str | None,
    telegram_message_id: int | None,
    has_replaced_characters: bool = False,
) -> bool:
    """Record an incoming update; False when this update id was already recorded (a redelivery)."""
    row = InboundRow(
        update_id=update_id, chat_id=chat_id, kind=kind, text=text, telegram_message_id=telegram_message_id,
        has_replaced_characters=has_replaced_characters,
    )
    return update_id in await save_inbound_messages(session, rows=[row])


async def save_inbound_messages(session: AsyncSession, *, rows: list[InboundRow]) -> set[int]:
    """Record incoming updates in one statement; the update ids that were new (redeliveries are left out)."""
    values = inbound_values(rows)
    connection = await session.connection()
    # Parameters as a list: SQLAlchemy sends one multi-row INSERT ("insertmanyvalues") from one statement built
    # once; .values(rows) would build and compile a new statement for every batch (measured 950 against 360 us for 8).
    result = await connection.execute(_new_inbound(connection), values)
    return {int(update_id) for (update_id,) in result.all()}


def inbound_values(rows: list[InboundRow]) -> list[dict[str, Any]]:
    """The message log's columns for each incoming update (its text made storable)."""
    values = []
    for row in rows:
        text, was_replaced = _storable(row.text)
        values.append({
            "direction": MessageDirection.INBOUND.value,
            "update_id": row.update_id,
            "chat_id": row.chat_id,
            "kind": row.kind,
            "text": text,
            "telegram_message_id": row.telegram_message_id,
            "has_replaced_characters": row.has_replaced_characters or was_replaced,
            "created_at": row.received_at,
        })
    return values


async def save_outbound_message(
    session: AsyncSession,
    *,
    chat_id: int,
    kind: str,
    text: str | None,
    telegram_message_id: int | None,
) -> MessageRecord:
    """Record a message the bot sent."""
    text, was_replaced = _storable(text)
    record = MessageRecord(
        direction=MessageDirection.OUTBOUND,
        chat_id=chat_id,
        kind=kind,
        text=text,
        telegram_message_id=telegram_message_id,
        has_replaced_characters=was_replaced,
    )
    session.add(record)
    await session.flush()
    return record


async def save_outbound_messages(session: AsyncSession, *, messages: list[OutboundRow]) -> None:
    """Record many messages the bot sent in one statement, in the order given (ids keep that order)."""
    rows = []
    for message in messages:
        text, was_replaced = _storable(message.text)
        rows.append(
            {
                "direction": MessageDirection.OUTBOUND.value,
                "chat_id": message.chat_id,
                "kind": message.kind,
                "text": text,
                "telegram_message_id": message.telegram_message_id,
                "has_replaced_characters": was_replaced,
                "created_at": message.sent_at,
            }
        )
    if not rows:
        return
    if not is_postgresql(session):
        await execute_many(session, _NEW_MESSAGE, rows)  # ids follow the list's order
        return
    columns = {name: [row[name] for row in rows] for name in rows[0]}
    await execute_statement(
        session,
        _NEW_MESSAGES_POSTGRESQL,
        {
            "b_direction": MessageDirection.OUTBOUND.value, "b_chat_ids": columns["chat_id"],
            "b_message_ids": columns["telegram_message_id"], "b_kinds": columns["kind"], "b_texts": columns["text"],
            "b_replaced": columns["has_replaced_characters"], "b_created_at": columns["created_at"],
        },
    )


async def fetch_messages_for_chat(session: AsyncSession, *, chat_id: int) -> list[MessageRecord]:
    """Every recorded message in one chat, oldest first."""
    result = await session.exec(
        select(MessageRecord).where(MessageRecord.chat_id == chat_id).order_by(col(MessageRecord.id))
    )
    return list(result.all())


async def count_messages(session: AsyncSession, *, direction: MessageDirection) -> int:
    """How many messages went one way."""
    result = await session.exec(
        select(func.count()).select_from(MessageRecord).where(MessageRecord.direction == direction)
    )
    return int(result.one())


async def deidentify_messages_for_chat(session: AsyncSession, *, chat_id: int) -> int:
    """Erasure: keep each message's kind, direction and time, drop the chat and the words."""
    result = await session.exec(
        update(MessageRecord)
        .where(col(MessageRecord.chat_id) == chat_id)
        .values(chat_id=None, text=None, telegram_message_id=None)
    )
    return int(result.rowcount or 0)


async def save_deidentified_outbound_message(session: AsyncSession, *, kind: str) -> MessageRecord:
    """Record that a message went out without saying to whom (the last reply after an erasure)."""
    record = MessageRecord(direction=MessageDirection.OUTBOUND, chat_id=None, kind=kind, text=None)
    session.add(record)
    await session.flush()
    return record


@dataclass(frozen=True)
class InboundRow:
    """An update as the message log keeps it (text None: kept without its words, before consent)."""

    update_id: int
    chat_id: int | None
    kind: str
    text: str | None
    telegram_message_id: int | None
    has_replaced_characters: bool = False
    received_at: datetime = field(default_factory=utc_now)


@dataclass(frozen=True)
class OutboundRow:
    """A sent message waiting to be written to the log (chat_id None: de-identified, after an erasure)."""

    chat_id: int | None
    kind: str
    text: str | None
    telegram_message_id: int | None
    sent_at: datetime


def _storable(text: str | None) -> tuple[str | None, bool]:
    return (None, False) if text is None else storable_text(text)
