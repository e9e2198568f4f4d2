"""A crowd of chats writing at once: every update handled once, each chat's replies in order, nothing lost or doubled."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator

import pytest
from sqlmodel import col, select

from carerline.service import CarerlineService
from db.engine import Database
from db.models import MessageDirection, MessageRecord
from sandbox.emulator import BotApiEmulator
from tests.conftest import TEST_TOKEN
from tests.support.factories import make_carer
from tests.support.phone import Phone
from tests.support.waiting import wait_for_condition

CHATS = 60
FIRST_CHAT = 880_000
REFERENCE_CHAT = 879_000
# Every message gets exactly one reply; consecutive replies differ, so an answer out of order shows.
CARER_SAYS = ["/menu", "/help", "/nope", "what time is the bus", "/menu", "/help"]
NEWCOMER_SAYS = ["/start", "/nope", "hello", "/nope", "/start"]
CROWD_TIMEOUT_S = 120.0


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    """Without Telegram's overall 30 messages a second: a crowd of conversations is answered as fast as we can."""
    async with BotApiEmulator(
        token=TEST_TOKEN, bot_username="CarerlineTestBot", per_chat_rate_per_s=None, global_rate_per_s=None
    ) as running:
        yield running


async def _reference_replies(emulator: BotApiEmulator, *, user_id: int, says: list[str]) -> list[str]:
    """What one chat is answered when it writes one message at a time (waiting for each reply)."""
    phone = Phone(emulator, user_id=user_id, first_name="Alex")
    return [(await phone.send(words)).text or "" for words in says]


async def _send_all_at_once(emulator: BotApiEmulator, plans: dict[int, list[str]], *, doubled: set[int]) -> dict[int, list[int]]:
    """Queue every chat's messages round-robin without yielding, so the bot takes them in a few big batches.

    For the chats in `doubled`, the first update is delivered twice (Telegram redelivers after a lost answer).
    """
    update_ids: dict[int, list[int]] = {chat_id: [] for chat_id in plans}
    for index in range(max(len(says) for says in plans.values())):
        for chat_id, says in plans.items():
            if index >= len(says):
                continue
            await emulator.send_text(user_id=chat_id, text=says[index])  # no await inside: nothing runs meanwhile
            queued = emulator.state.pending_updates[-1]
            update_ids[chat_id].append(queued["update_id"])
            if index == 0 and chat_id in doubled:
                emulator.state.pending_updates.append(copy.deepcopy(queued))
    return update_ids


async def _log_of(database: Database, chat_ids: list[int]) -> dict[int, list[MessageRecord]]:
    async with database.transaction() as session:
        rows = (
            await session.exec(select(MessageRecord).where(col(MessageRecord.chat_id).in_(chat_ids)).order_by(col(MessageRecord.id)))
        ).all()
    log: dict[int, list[MessageRecord]] = {chat_id: [] for chat_id in chat_ids}
    for row in rows:
        assert row.chat_id is not None
        log[row.chat_id].append(row)
    return log


async def test_a_crowd_writing_at_once_is_answered_once_each_in_order_and_fully_logged(
    emulator: BotApiEmulator, service: CarerlineService, database: Database
) -> None:
    carers = list(range(FIRST_CHAT, FIRST_CHAT + CHATS // 2))
    newcomers = list(range(FIRST_CHAT + CHATS // 2, FIRST_CHAT + CHATS))
    async with database.transaction() as session:
        for chat_id in [REFERENCE_CHAT, *carers]:
            await make_carer(session, chat_id=chat_id, first_name="Alex")
    expected_for_carer = await _reference_replies(emulator, user_id=REFERENCE_CHAT, says=CARER_SAYS)
    expected_for_newcomer = await _reference_replies(emulator, user_id=REFERENCE_CHAT + 1, says=NEWCOMER_SAYS)
    assert all(a != b for a, b in zip(expected_for_carer, expected_for_carer[1:]))
    assert all(a != b for a, b in zip(expected_for_newcomer, expected_for_newcomer[1:]))
    for chat_id in carers + newcomers:
        emulator.add_user(user_id=chat_id, first_name="Alex", language_code="en")
    plans = {chat_id: CARER_SAYS for chat_id in carers} | {chat_id: NEWCOMER_SAYS for chat_id in newcomers}
    expected = {chat_id: expected_for_carer for chat_id in carers} | {chat_id: expected_for_newcomer for chat_id in newcomers}

    update_ids = await _send_all_at_once(emulator, plans, doubled=set(carers[::3] + newcomers[::3]))

    def everyone_answered() -> bool:
        return all(len(emulator.bot_messages(chat_id=chat_id)) >= len(says) for chat_id, says in plans.items())

    await wait_for_condition(everyone_answered, timeout_s=CROWD_TIMEOUT_S, interval_s=0.1, description="every chat answered")
    answered = {chat_id: [message.text for message in emulator.bot_messages(chat_id=chat_id)] for chat_id in plans}
    assert {chat_id: texts for chat_id, texts in answered.items() if texts != expected[chat_id]} == {}

    # A reply is logged just after it is sent, so the last one's row may still be on its way: wait for it.
    async def every_reply_logged() -> bool:
        rows = await _log_of(database, list(plans))
        return all(
            sum(row.direction == MessageDirection.OUTBOUND for row in rows[chat_id])
            >= len(emulator.bot_messages(chat_id=chat_id))
            for chat_id in plans
        )

    await wait_for_condition(every_reply_logged, timeout_s=CROWD_TIMEOUT_S, interval_s=0.2, description="every reply logged")
    log = await _log_of(database, list(plans))
    for chat_id, rows in log.items():
        inbound = [row for row in rows if row.direction == MessageDirection.INBOUND]
        outbound = [row for row in rows if row.direction == MessageDirection.OUTBOUND]
        # Every update recorded exactly once, a redelivered one too.
        assert [row.update_id for row in inbound] == update_ids[chat_id]
        # Every reply logged, with the message id it went out with.
        assert [row.telegram_message_id for row in outbound] == [m.message_id for m in emulator.bot_messages(chat_id=chat_id)]
        # One update at a time per chat: each update, then its reply, then the next update.
        assert [row.direction for row in rows] == [MessageDirection.INBOUND, MessageDirection.OUTBOUND] * len(plans[chat_id])
    # Nothing left for later: a second look finds no more replies than messages.
    assert sum(len(emulator.bot_messages(chat_id=chat_id)) for chat_id in plans) == sum(len(says) for says in plans.values())
