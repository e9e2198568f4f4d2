"""Hostile updates through long polling: nothing crashes, buttons we cannot use are "expired", every text is kept."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Iterator
from typing import Any

import pytest
from sqlmodel import select

from carerline.service import CarerlineService
from db.dao.delivery.message_log import fetch_messages_for_chat
from db.engine import Database
from db.models import MessageDirection, MessageRecord
from sandbox.emulator import BotApiEmulator, SentMessage
from tests.support.factories import make_carer
from tests.support.logs import no_tracebacks_logged
from tests.support.phone import Phone, label, visible
from tests.support.waiting import wait_for_condition

__all__ = ["no_tracebacks_logged"]  # a fixture used here
pytestmark = pytest.mark.usefixtures("no_tracebacks_logged")


@pytest.fixture(autouse=True)
def no_rejected_requests(emulator: BotApiEmulator) -> Iterator[None]:
    """Here 429s are the point of one test; the emulator still never answered 400, and no reply is a dead end."""
    yield
    assert emulator.stats.rejected_by_code.get(400, 0) == 0, dict(emulator.stats.rejected_by_code)
    dead_ends = [message.text for message in emulator.bot_messages(chat_id=CHAT) if not message.inline_keyboard]
    assert dead_ends == []


CHAT = 4401


async def consenting_phone(database: Database, emulator: BotApiEmulator) -> Phone:
    """A carer who has consented (so their words are kept), on a phone."""
    async with database.transaction() as session:
        await make_carer(session, chat_id=CHAT, first_name="Amira")
    return Phone(emulator, user_id=CHAT, first_name="Amira")


def press_with_data(emulator: BotApiEmulator, message: SentMessage, data: Any, *, omit: bool = False) -> None:
    """Press under a bot message with callback_data no button has (what a forged or broken client sends)."""
    state = emulator.state
    query = state.new_callback_query(user_id=CHAT, chat_id=CHAT, message_id=message.message_id, callback_data=str(data))
    payload: dict[str, Any] = {
        "id": query.query_id,
        "from": state.require_user(CHAT).to_api(),
        "message": state.message_to_api(message),
        "chat_instance": str(int(hashlib.sha1(str(CHAT).encode()).hexdigest()[:8], 16)),
    }
    if not omit:
        payload["data"] = data
    state.enqueue_update(update_type="callback_query", payload=payload)


@pytest.mark.parametrize(
    "data",
    ["", None, "ack:", "ack:99999999999999999999", "ack:" + "9" * 5000, "cmp:child:99999999999999999999",
     "set:unlink:99999999999999999999", "menu:", "\x00", "nonsense", "sv:rate:1:9"],
)
async def test_empty_or_garbage_callback_data_gets_the_old_button_answer(
    emulator: BotApiEmulator, service: CarerlineService, database: Database, data: str | None
) -> None:
    phone = await consenting_phone(database, emulator)
    menu = await phone.send("/menu")
    before = phone.last_message_id
    press_with_data(emulator, menu, data, omit=data is None)
    reply = await phone.reply_after(before)
    assert reply.text == visible("bad_input.old_button", language="en")
    assert label("menu.button.transport", language="en") in phone.labels(reply)  # the way back: the menu


async def test_callback_data_of_the_wrong_type_is_not_handled_and_nothing_crashes(
    emulator: BotApiEmulator, service: CarerlineService, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    phone = await consenting_phone(database, emulator)
    menu = await phone.send("/menu")
    with caplog.at_level(logging.WARNING, logger="messaging.channels.telegram_updates"):
        press_with_data(emulator, menu, 12345)
        await wait_for_condition(lambda: any("no handler sees it" in r.getMessage() for r in caplog.records))
    reply = await phone.send("/menu")  # the poller moved past it, and the chat carries on
    assert label("menu.button.transport", language="en") in phone.labels(reply)


@pytest.mark.parametrize(
    "payload",
    [
        {"message_id": 10**400, "date": 1_700_000_000, "chat": {"id": CHAT, "type": "private"}, "text": "hi"},
        {"message_id": 1, "date": 10**12, "chat": {"id": CHAT, "type": "private"}, "text": "hi"},
        {"message_id": 1, "date": 1_700_000_000, "chat": {"id": 2**70, "type": "private"}, "text": "hi"},
        {"message_id": 1, "date": 1_700_000_000, "chat": {"id": CHAT, "type": "private"}, "text": 12345},
    ],
    ids=["message-id-400-digits", "date-out-of-range", "chat-id-beyond-64-bits", "text-is-a-number"],
)
async def test_a_polled_update_we_cannot_read_is_recorded_and_skipped(
    emulator: BotApiEmulator, service: CarerlineService, database: Database, payload: dict[str, Any]
) -> None:
    phone = await consenting_phone(database, emulator)
    update = emulator.state.enqueue_update(update_type="message", payload=payload)

    async def recorded_as_unreadable() -> bool:
        async with database.transaction() as session:
            found = (await session.exec(select(MessageRecord).where(MessageRecord.update_id == update["update_id"]))).first()
        return found is not None and found.kind == "unreadable"

    await wait_for_condition(recorded_as_unreadable, description="the unreadable update in the message log")
    reply = await phone.send("/menu")
    assert label("menu.button.transport", language="en") in phone.labels(reply)


@pytest.mark.parametrize(
    ("words", "kept"),
    [("a NUL \x00 here", "a NUL \ufffd here"), ("\x00", "\ufffd")],  # lone surrogates: tests/web/test_hostile_bodies.py
)
async def test_text_the_database_cannot_hold_is_kept_with_replacements_flagged_and_answered(
    emulator: BotApiEmulator, service: CarerlineService, database: Database, words: str, kept: str
) -> None:
    phone = await consenting_phone(database, emulator)
    await phone.send("plain words")
    reply = await phone.send(words)
    assert reply.text == visible("common.not_understood", language="en")
    async with database.transaction() as session:
        inbound = [m for m in await fetch_messages_for_chat(session, chat_id=CHAT) if m.direction == MessageDirection.INBOUND]
    assert [(m.text, m.has_replaced_characters) for m in inbound] == [("plain words", False), (kept, True)]


async def test_replies_that_meet_429_wait_retry_after_and_go_in_order(
    emulator: BotApiEmulator, service: CarerlineService, database: Database
) -> None:
    phone = await consenting_phone(database, emulator)
    menu = await phone.send("/menu")
    # Telegram's own cap: about one message a second to one chat, and here no burst.
    emulator.set_faults(per_chat_rate_per_s=1.0, per_chat_burst=1)
    before = phone.last_message_id
    pressed = ["menu:transport", "menu:help", "menu:settings"]
    for data in pressed:
        await emulator.press_button(user_id=CHAT, message_id=menu.message_id, callback_data=data)
    await emulator.wait_until(
        lambda: len([m for m in emulator.bot_messages(chat_id=CHAT) if m.message_id > before]) == len(pressed), timeout_s=30
    )
    replies = [m for m in emulator.bot_messages(chat_id=CHAT) if m.message_id > before]
    assert emulator.stats.rejected_by_code.get(429, 0) >= 1  # Telegram did refuse, and we waited and sent

    async def outbound() -> list[MessageRecord]:
        async with database.transaction() as session:
            kept = await fetch_messages_for_chat(session, chat_id=CHAT)
        return [m for m in kept if m.direction == MessageDirection.OUTBOUND and m.telegram_message_id in {r.message_id for r in replies}]

    await wait_for_condition(lambda: _has_length(outbound(), len(pressed)), description="the replies in the message log")
    sent = await outbound()
    assert [m.kind for m in sent] == ["my_transport", "help", "settings"]  # in the order pressed
    assert [m.telegram_message_id for m in sent] == [m.message_id for m in replies]


async def _has_length(items: Awaitable[list[Any]], length: int) -> bool:
    return len(await items) == length
