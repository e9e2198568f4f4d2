"""A button press is answered as soon as it is recorded, not when a working slot frees up, and only once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import Chat, Message, Update

from bot.intake.processing import PerChatUpdateProcessor
from carerline.service import CarerlineService
from sandbox.emulator import BotApiEmulator
from tests.support.phone import Phone, label, visible
from tests.support.waiting import wait_for_condition

PARENT = 7_400_001
BUSY_CHATS_FROM = 7_410_000
FIRST_BUSY_UPDATE_ID = 900_000_000


def _busy_update(index: int) -> Update:
    chat = Chat(id=BUSY_CHATS_FROM + index, type=Chat.PRIVATE)
    message = Message(message_id=1, date=datetime.now(UTC), chat=chat, text="busy")
    return Update(update_id=FIRST_BUSY_UPDATE_ID + index, message=message)


async def test_a_press_is_answered_while_every_working_slot_is_taken(
    service: CarerlineService, emulator: BotApiEmulator
) -> None:
    phone = Phone(emulator, user_id=PARENT)
    notice = await phone.send("/start")
    application = service.bot_application
    assert application is not None
    processor = application.update_processor
    assert isinstance(processor, PerChatUpdateProcessor)

    release, holding = asyncio.Event(), []

    async def hold_a_slot() -> None:
        holding.append(True)
        await release.wait()

    busy = [
        asyncio.create_task(processor.process_update(_busy_update(index), hold_a_slot()))
        for index in range(processor.working_slots)
    ]
    try:
        await wait_for_condition(
            lambda: len(holding) == processor.working_slots, timeout_s=10, description="other chats hold every slot"
        )
        before = phone.last_message_id
        await emulator.press_button(
            user_id=PARENT, message_id=notice.message_id,
            callback_data=phone.callback_data(notice, label("consent.button.agree", language="en")),
        )
        await emulator.wait_until(
            lambda: len(emulator.callback_answers(user_id=PARENT)) == 1, timeout_s=10,
            description="the press answered while no slot is free",
        )
        assert phone.last_message_id == before  # the reply itself waits for a slot
    finally:
        release.set()
        await asyncio.gather(*busy)

    thanks = await phone.reply_after(before)
    assert thanks.text == visible("consent.thanks_ask_code", language="en")
    assert len(emulator.callback_answers(user_id=PARENT)) == 1  # begin_turn did not answer it again
