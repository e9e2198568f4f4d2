"""The message log keeps one row per update, however often Telegram delivers it."""

from __future__ import annotations

import pytest

from db.dao.delivery.message_log import (
    OutboundRow,
    count_messages,
    fetch_messages_for_chat,
    save_inbound_message,
    save_outbound_message,
    save_outbound_messages,
)
from db.engine import Database
from db.models import MessageDirection
from db.types import utc_now


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


async def test_a_batch_of_replies_is_kept_in_the_order_given_with_what_could_not_be_stored_marked(database: Database) -> None:
    sent_at = utc_now()
    rows = [
        OutboundRow(chat_id=31, kind="menu", text="Menu", telegram_message_id=12, sent_at=sent_at),
        OutboundRow(chat_id=31, kind="feedback", text="Thanks\x00", telegram_message_id=10, sent_at=sent_at),
        OutboundRow(chat_id=None, kind="erased", text=None, telegram_message_id=None, sent_at=sent_at),
        OutboundRow(chat_id=31, kind="help", text="Help", telegram_message_id=11, sent_at=sent_at),
    ]
    async with database.single_write() as session:
        await save_outbound_messages(session, messages=rows)

    async with database.transaction() as session:
        history = await fetch_messages_for_chat(session, chat_id=31)
        every = await count_messages(session, direction=MessageDirection.OUTBOUND)
    assert [(m.kind, m.text, m.telegram_message_id) for m in history] == [
        ("menu", "Menu", 12), ("feedback", "Thanks\ufffd", 10), ("help", "Help", 11)
    ]
    assert [m.has_replaced_characters for m in history] == [False, True, False]
    assert all(m.direction == MessageDirection.OUTBOUND and m.created_at == sent_at for m in history)
    assert every == 4  # the de-identified row too
