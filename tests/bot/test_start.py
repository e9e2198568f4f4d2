"""/start through the emulator: the real PTB Bot, our handlers, a real database."""

from __future__ import annotations

from carerline.service import CarerlineService
from db.dao.delivery.message_log import fetch_messages_for_chat
from db.models import MessageDirection
from sandbox.emulator import BotApiEmulator
from tests.support.phone import Phone, visible
from tests.support.waiting import wait_for_condition


async def test_start_gets_the_welcome_in_english(emulator: BotApiEmulator, service: CarerlineService) -> None:
    reply = await Phone(emulator, user_id=501, first_name="Amira", language_code="en-GB").send("/start")
    assert reply.text.startswith("Hello, and welcome to Carerline.")


async def test_start_gets_the_welcome_in_polish(emulator: BotApiEmulator, service: CarerlineService) -> None:
    reply = await Phone(emulator, user_id=502, first_name="Tomasz", language_code="pl").send("/start")
    assert reply.text.startswith("Dzień dobry, witamy w Carerline.")


async def test_every_message_in_and_out_is_recorded(emulator: BotApiEmulator, service: CarerlineService) -> None:
    reply = await Phone(emulator, user_id=504, first_name="Lee").send("/start")
    assert service.database is not None

    async def both_recorded() -> bool:
        async with service.database.transaction() as session:  # type: ignore[union-attr]
            return len(await fetch_messages_for_chat(session, chat_id=504)) == 2

    await wait_for_condition(both_recorded, description="the command and the reply in the message log")
    async with service.database.transaction() as session:
        history = await fetch_messages_for_chat(session, chat_id=504)
    assert [(record.direction, record.kind) for record in history] == [
        (MessageDirection.INBOUND, "command"),
        (MessageDirection.OUTBOUND, "privacy_notice"),
    ]
    assert visible("consent.question", language="en") in history[1].text  # type: ignore[operator]
    assert history[1].telegram_message_id == reply.message_id


async def test_a_sticker_gets_a_kind_answer(emulator: BotApiEmulator, service: CarerlineService) -> None:
    phone = Phone(emulator, user_id=505, first_name="Kim")
    reply = await phone.act(emulator.send_sticker(user_id=505))
    assert reply.text == visible("bad_input.media", language="en")
    assert phone.labels(reply) == ["↩️ Menu"]
