"""The write that records a group of incoming updates: the message-log rows, and one count in each turn's chat's
flood window for the updates that were new.

On PostgreSQL it is one statement (the rows as one array per column, counted in the same statement through a
data-modifying WITH), so a group's reads before it and this write need no transaction: BEGIN and COMMIT were
two of its round trips. Its text is the same for any number of updates, so each connection prepares it once;
a multi-row VALUES is a new statement for every count. On SQLite (no INSERT inside WITH) it is the two
statements, in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Integer, String, Text, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.carers.conversations import count_updates_in_windows
from db.dao.delivery.message_log import InboundRow, inbound_values, save_inbound_messages
from db.dao.portable import is_postgresql, writes_in_one_statement
from db.engine import Database
from db.models import MessageDirection
from db.types import UTCDateTime

# In counted's SET the table's columns are the row as it was; a window that began at or before :started_by
# starts again. Each chat is counted at most once per statement (the caller opens one turn per chat).
_RECORD_AND_COUNT_POSTGRESQL = text(
    """
    WITH logged AS (
        INSERT INTO message_log (direction, update_id, chat_id, kind, text, telegram_message_id,
                                 has_replaced_characters, created_at)
        SELECT :direction, * FROM unnest(:update_ids, :chat_ids, :kinds, :texts, :message_ids, :replaced, :received_at)
        ON CONFLICT (update_id) DO NOTHING
        RETURNING update_id, chat_id
    ), counted AS (
        INSERT INTO chat_throttles AS t (chat_id, window_started_at, updates_in_window, has_warned)
        SELECT c.chat_id, :now, 1, false
        FROM logged JOIN unnest(:counted_update_ids, :counted_chat_ids) AS c(update_id, chat_id)
            ON c.update_id = logged.update_id
        ON CONFLICT (chat_id) DO UPDATE SET
            window_started_at = CASE WHEN t.window_started_at <= :started_by THEN :now ELSE t.window_started_at END,
            updates_in_window = CASE WHEN t.window_started_at <= :started_by THEN 1 ELSE t.updates_in_window + 1 END,
            has_warned = CASE WHEN t.window_started_at <= :started_by THEN false
                              ELSE t.updates_in_window + 1 > :max_updates END
        RETURNING chat_id, updates_in_window
    )
    SELECT false AS is_count, update_id AS id, 0 AS updates_in_window FROM logged
    UNION ALL
    SELECT true, chat_id, updates_in_window FROM counted
    """
).bindparams(
    bindparam("direction", type_=String), bindparam("update_ids", type_=ARRAY(BigInteger)),
    bindparam("chat_ids", type_=ARRAY(BigInteger)), bindparam("kinds", type_=ARRAY(String)),
    bindparam("texts", type_=ARRAY(Text)), bindparam("message_ids", type_=ARRAY(BigInteger)),
    bindparam("replaced", type_=ARRAY(Boolean)), bindparam("received_at", type_=ARRAY(UTCDateTime)),
    bindparam("counted_update_ids", type_=ARRAY(BigInteger)), bindparam("counted_chat_ids", type_=ARRAY(BigInteger)),
    bindparam("now", type_=UTCDateTime),
    bindparam("started_by", type_=UTCDateTime), bindparam("max_updates", type_=Integer),
)
_ARRAYS = {
    "update_ids": "update_id", "chat_ids": "chat_id", "kinds": "kind", "texts": "text",
    "message_ids": "telegram_message_id", "replaced": "has_replaced_characters", "received_at": "created_at",
}


def is_single_write(database: Database) -> bool:
    """True where the reads of a group and `record_and_count` after them make a Database.single_write block:
    on PostgreSQL, whose write is one statement."""
    return writes_in_one_statement(database)


@dataclass(frozen=True)
class RecordedArrivals:
    """Which updates were new (not redeliveries), and each counted chat's count in its flood window."""

    new_update_ids: set[int]
    counts: dict[int, int]


async def record_and_count(
    session: AsyncSession, *, rows: list[InboundRow], counted_chats: dict[int, int], now: datetime,
    window_started_by: datetime, max_updates: int,
) -> RecordedArrivals:
    """Record the updates; count each new one in `counted_chats` (update id: its chat) in its chat's window.

    One statement on PostgreSQL, two on SQLite. A chat's window starts again when it began at or before
    `window_started_by`.
    """
    connection = await session.connection()
    if not is_postgresql(connection):
        new_update_ids = await save_inbound_messages(session, rows=rows)
        chats = [chat_id for update_id, chat_id in counted_chats.items() if update_id in new_update_ids]
        counts = await count_updates_in_windows(
            session, chat_ids=chats, now=now, window_started_by=window_started_by, max_updates=max_updates
        ) if chats else {}
        return RecordedArrivals(new_update_ids=new_update_ids, counts=counts)
    values = inbound_values(rows)
    params = {name: [value[column] for value in values] for name, column in _ARRAYS.items()}
    params.update(
        direction=MessageDirection.INBOUND.value, counted_update_ids=list(counted_chats),
        counted_chat_ids=list(counted_chats.values()), now=now,
        started_by=window_started_by, max_updates=max_updates,
    )
    rows_back = (await connection.execute(_RECORD_AND_COUNT_POSTGRESQL, params)).all()
    return RecordedArrivals(
        new_update_ids={int(key) for is_count, key, _ in rows_back if not is_count},
        counts={int(key): int(count) for is_count, key, count in rows_back if is_count},
    )
