"""Replies keep the JSON of keyboards they send again and again, but never send one keyboard's buttons for another's."""

from __future__ import annotations

from telegram import CopyTextButton, InlineKeyboardButton, InlineKeyboardMarkup

from bot.context import CarerlineContext
from bot.menu import main_menu_keyboard
from bot.replies import send_reply
from carerline.service import CarerlineService
from sandbox.emulator import BotApiEmulator

PARENT = 7_300_001


def _copy_keyboard(text: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton("Copy the reference", copy_text=CopyTextButton(text))], [InlineKeyboardButton("Menu", callback_data="menu:main")]]
    )


async def test_keyboards_that_python_telegram_bot_counts_as_equal_still_send_their_own_buttons(
    service: CarerlineService, emulator: BotApiEmulator
) -> None:
    emulator.add_user(user_id=PARENT, first_name="Amira", has_started=True)
    application = service.bot_application
    assert application is not None
    context = CarerlineContext(application, chat_id=PARENT, user_id=PARENT)
    first, second = _copy_keyboard("KCC-000111"), _copy_keyboard("KCC-000222")
    assert first == second  # PTB leaves copy_text out of a button's equality

    for keyboard in (main_menu_keyboard("en"), first, second, main_menu_keyboard("en")):
        await send_reply(context=context, chat_id=PARENT, text="Here you are.", keyboard=keyboard, kind="reply")

    sent = [message.reply_markup for message in emulator.bot_messages(chat_id=PARENT)]
    copied = [row[0].get("copy_text") for markup in sent[1:3] for row in [markup["inline_keyboard"][0]] if markup]
    assert copied == [{"text": "KCC-000111"}, {"text": "KCC-000222"}]
    assert sent[0] == sent[3] == main_menu_keyboard("en").to_dict()
