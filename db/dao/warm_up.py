"""The statements a parent's turn runs, run once on each pooled connection at start-up (PostgreSQL).

A new PostgreSQL connection prepares each statement the first time it meets it (a round trip of its own, and
the server parses and plans it), and its server process loads each table's catalog entries on first use. The
first crowd after a restart met every one of them cold on each of `serve`'s pooled connections: about 350
extra round trips in a 200-parent crowd. Here every statement runs through the same data-access functions a
turn uses, with values that match nothing, in a transaction that is rolled back.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.arrivals import record_and_count
from db.dao.carers.accounts import count_linked_children, fetch_carers_by_chat_ids
from db.dao.carers.conversations import (
    StaleConversationError,
    fetch_conversations,
    remember_conversation_as_found,
    save_conversation,
)
from db.dao.carers.first_consent import record_first_consent
from db.dao.carers.menu_opening import reset_counting_children
from db.dao.delivery.message_log import InboundRow, OutboundRow, save_outbound_messages
from db.dao.delivery.seen_in_chat import acknowledge_in_chat
from db.dao.operator_chats import fetch_operator_chat_ids
from db.types import utc_now

# No chat, update or row has a negative id: nothing here matches a real one.
NO_CHAT = -1
NOT_WAITING = -2  # a chat with no conversation: the conditional writes find nothing to change
NO_ID = -1


async def warm_turn_statements(session: AsyncSession) -> None:
    """Run a turn's statements once on this session's connection; the caller rolls its transaction back."""
    now = utc_now()
    await fetch_carers_by_chat_ids(session, chat_ids=[NO_CHAT])
    await fetch_conversations(session, chat_ids=[NO_CHAT])
    await fetch_operator_chat_ids(session, chat_ids=[NO_CHAT])
    arrival = InboundRow(update_id=NO_ID, chat_id=NO_CHAT, kind="text", text=None, telegram_message_id=None)
    await record_and_count(
        session, rows=[arrival], counted_chats={NO_ID: NO_CHAT}, now=now, window_started_by=now - timedelta(seconds=1),
        max_updates=1,
    )
    await count_linked_children(session, carer_id=NO_ID)
    version = await save_conversation(session, chat_id=NO_CHAT, state="idle", data={}, expected_version=0, now=now)
    await save_conversation(session, chat_id=NO_CHAT, state="idle", data={}, expected_version=version, now=now)
    await acknowledge_in_chat(session, outbox_id=NO_ID, chat_id=NOT_WAITING, telegram_message_id=None, now=now)
    await save_outbound_messages(
        session, messages=[OutboundRow(chat_id=NO_CHAT, kind="reply", text=None, telegram_message_id=None, sent_at=now)]
    )
    for conditional_write in (_first_consent, _menu_reset):
        try:
            await conditional_write(session)
        except StaleConversationError:
            pass  # expected: NOT_WAITING has no conversation to move


async def _first_consent(session: AsyncSession) -> None:
    await record_first_consent(
        session, chat_id=NOT_WAITING, first_name="", language="en", notice_version="", now=utc_now(),
        expected_version=1, step="idle",
    )


async def _menu_reset(session: AsyncSession) -> None:
    remember_conversation_as_found(chat_id=NOT_WAITING, state="warming", data={}, version=1)
    await reset_counting_children(session, chat_id=NOT_WAITING, carer_id=NO_ID, now=utc_now())
