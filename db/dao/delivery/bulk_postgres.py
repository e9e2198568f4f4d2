"""PostgreSQL spellings of the delivery loop's bulk writes: one set-based statement per flush.

executemany costs a little Python per row; with arrays (unnest) asyncpg encodes the whole batch in C
and PostgreSQL does the rest in one statement. SQLite keeps the portable statements in db/dao/delivery/claims.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

_SENT_WITH_LOG = text(
    """
    WITH delivered AS (
        UPDATE outbox_messages AS o
        SET state = CASE WHEN o.acknowledged_at IS NULL THEN 'sent' ELSE o.state END,
            sent_at = coalesce(o.sent_at, v.sent_at),
            telegram_message_id = coalesce(o.telegram_message_id, v.message_id),
            is_in_doubt = false, lease_owner = NULL, lease_expires_at = NULL, last_error = NULL
        FROM unnest(CAST(:row_ids AS integer[]), CAST(:message_ids AS bigint[]), CAST(:sent_at AS timestamptz[]))
            AS v(id, message_id, sent_at)
        WHERE o.id = v.id
        RETURNING o.chat_id, o.purpose, o.text, v.message_id, v.sent_at
    )
    INSERT INTO message_log (direction, chat_id, kind, text, telegram_message_id, created_at)
    SELECT 'out', chat_id, left(purpose, 32), text, message_id, sent_at FROM delivered
    """
)

_CHAT_SCHEDULE = text(
    """
    INSERT INTO chat_delivery_states (chat_id, next_send_at)
    SELECT * FROM unnest(CAST(:chat_ids AS bigint[]), CAST(:next_send_at AS timestamptz[]))
    ON CONFLICT (chat_id) DO UPDATE
    SET next_send_at = greatest(chat_delivery_states.next_send_at, excluded.next_send_at)
    """
)


async def save_sent_with_log_postgresql(session: AsyncSession, *, sent: Sequence[dict[str, Any]]) -> None:
    """Mark rows sent and copy each into the message log, in one statement."""
    await session.exec(
        _SENT_WITH_LOG,
        params={
            "row_ids": [item["row_id"] for item in sent],
            "message_ids": [item["message_id"] for item in sent],
            "sent_at": [item["sent_at"] for item in sent],
        },
    )


async def save_chat_schedule_postgresql(session: AsyncSession, *, latest: dict[int, datetime]) -> None:
    """Per chat: the earliest time the next message may go (only ever moved later), in one statement."""
    await session.exec(
        _CHAT_SCHEDULE, params={"chat_ids": list(latest), "next_send_at": list(latest.values())}
    )
