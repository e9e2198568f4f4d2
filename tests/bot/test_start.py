"""/start through the emulator: the real PTB Bot, our handlers, a real database."""

from __future__ import annotations

from carerline.service import CarerlineService
from db.dao.message_log import fetch_messages_for_chat
from db.models import MessageDirection
from sandbox.emulator import BotApiEmulator


async def test_start_gets_the_welcome_in_english(emulator: BotApiEmulator, service: CarerlineService) -> None:
    emulator.add_user(user_id=501, first_name="Amira", language_code="en-GB")
    await emulator.send_text(user_id=501, text="/start")
    reply = await emulator.wait_for_bot_message(chat_id=501, timeout_s=10)
    assert reply.text.startswith("Hello Amira, welcome to Carerline.")


async def test_start_gets_the_welcome_in_polish(emulator: BotApiEmulator, service: CarerlineService) -> None:
    emulator.add_user(user_id=502, first_name="Tomasz", language_code="pl")
    await emulator.send_text(user_id=502, text="/start")
    reply = await emulator.wait_for_bot_message(chat_id=502, timeout_s=10)
    assert reply.text.startswith("Dzień dobry, Tomasz. Witamy w Carerline.")


async def test_html_in_a_name_is_escaped_not_rejected(emulator: BotApiEmulator, service: CarerlineService) -> None:
    emulator.add_user(user_id=503, first_name="<b>Jo & Sam</b>", language_code="en")
    await emulator.send_text(user_id=503, text="/start")
    reply = await emulator.wait_for_bot_message(chat_id=503, timeout_s=10)
    assert reply.text.startswith("Hello <b>Jo & Sam</b>, welcome")


async def test_every_message_in_and_out_is_recorded(emulator: BotApiEmulator, service: CarerlineService) -> None:
    emulator.add_user(user_id=504, first_name="Lee", language_code="en")
    await emulator.send_text(user_id=504, text="/start")
    reply = await emulator.wait_for_bot_message(chat_id=504, timeout_s=10)
    assert service.database is not None
    async with service.database.transaction() as session:
        history = await fetch_messages_for_chat(session, chat_id=504)
    assert [(record.direction, record.kind) for record in history] == [
        (MessageDirection.INBOUND, "command"),
        (MessageDirection.OUTBOUND, "welcome"),
    ]
    assert history[1].text == reply.text
    assert history[1].telegram_message_id == reply.message_id


async def test_a_sticker_gets_a_kind_answer(emulator: BotApiEmulator, service: CarerlineService) -> None:
    emulator.add_user(user_id=505, first_name="Kim", language_code="en")
    await emulator.send_sticker(user_id=505)
    reply = await emulator.wait_for_bot_message(chat_id=505, timeout_s=10)
    assert "/start" in reply.text
