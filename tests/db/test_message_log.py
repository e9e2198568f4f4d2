"""The message log keeps one row per update, however often Telegram delivers it."""

from __future__ import annotations


import pytest

from db.dao.delivery.message_log import count_messages, fetch_messages_for_chat, save_inbound_message, save_outbound_message
from db.engine import Database
from db.models import MessageDirection


async def test_redelivered_update_is_recorded_once(database: Database) -> None:
    for expected in (True, False):
        async with database.transaction() as session:
            inserted = await save_inbound_message(
                session, update_id=77, chat_id=5, kind="text", text="hello", telegram_message_id=1
            )
        assert inserted is expected
    async with database.transaction() as session:
        assert await count_messages(session, direction=MessageDirection.INBOUND) == 1


async def test_chat_history_is_in_order_with_timezone_aware_times(database: Database) -> None:
    async with database.transaction() as session:
        await save_inbound_message(session, update_id=1, chat_id=9, kind="command", text="/start", telegram_message_id=1)
        await save_outbound_message(session, chat_id=9, kind="welcome", text="Hello", telegram_message_id=2)
    async with database.transaction() as session:
        history = await fetch_messages_for_chat(session, chat_id=9)
    assert [(m.direction, m.text) for m in history] == [(MessageDirection.INBOUND, "/start"), (MessageDirection.OUTBOUND, "Hello")]
    assert all(m.created_at.tzinfo is not None for m in history)


async def test_failed_transaction_writes_nothing(database: Database) -> None:
    with pytest.raises(RuntimeError):
        async with database.transaction() as session:
            await save_outbound_message(session, chat_id=3, kind="reply", text="half", telegram_message_id=1)
            raise RuntimeError("crash mid-way")
    async with database.transaction() as session:
        assert await fetch_messages_for_chat(session, chat_id=3) == []
