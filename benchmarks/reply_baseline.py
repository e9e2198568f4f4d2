"""The baseline for `benchmarks.replies`: a minimal python-telegram-bot bot, no database, same buttons.

    python -m benchmarks.reply_baseline --api http://127.0.0.1:PORT --token TOKEN

PTB's Application with its defaults and concurrent_updates(True), long polling like `carerline serve`, on the
same aiohttp request backend as Carerline (--httpx for PTB's default httpx one).
It answers the crowd's turns with the same callback data shapes, so one crowd script drives both bots.
"""

from __future__ import annotations

import argparse

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from carerline.memory import freeze_startup_objects
from messaging.channels.telegram import AiohttpRequest

NOTICE = "Welcome. Our privacy notice: https://example.org/privacy\n\nDo you agree?"


def _keyboard(*rows: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)] for label, data in rows])


MENU = _keyboard(("My transport", "menu:transport"), ("Feedback", "menu:feedback"), ("Help", "menu:help"))


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start: the notice and the consent buttons."""
    assert update.effective_message is not None
    keyboard = _keyboard(("I agree", "consent:agree:1"), ("Not now", "consent:decline:1"))
    await update.effective_message.reply_text(NOTICE, reply_markup=keyboard)


async def show_menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/menu: the menu."""
    assert update.effective_message is not None
    await update.effective_message.reply_text("What would you like to do?", reply_markup=MENU)


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every button: answer the press, then the next step as a new message (or the seen notice edited)."""
    query = update.callback_query
    assert query is not None and query.data is not None and update.effective_chat is not None
    await query.answer()
    data, chat_id = query.data, update.effective_chat.id
    if data.startswith("ack:"):
        await query.edit_message_text("Seen. Thank you.", reply_markup=_keyboard(("Menu", "menu:main")))
    elif data.startswith("consent:agree"):
        await context.bot.send_message(chat_id, "Thank you.", reply_markup=_keyboard(("Menu", "menu:main")))
    elif data == "menu:main":
        await context.bot.send_message(chat_id, "What would you like to do?", reply_markup=MENU)
    elif data == "menu:feedback":
        await context.bot.send_message(chat_id, "What about?", reply_markup=_keyboard(("The journey", "fb:topic:journey")))
    elif data.startswith("fb:topic:"):
        ratings = InlineKeyboardMarkup([[InlineKeyboardButton(str(n), callback_data=f"fb:rate:journey:{n}") for n in range(1, 6)]])
        await context.bot.send_message(chat_id, "How was it, 1 to 5?", reply_markup=ratings)
    elif data.startswith("fb:rate:"):
        await context.bot.send_message(chat_id, "Tell us in your words.", reply_markup=_keyboard(("Skip", "fb:skip:1")))
    else:
        await context.bot.send_message(chat_id, "Here it is.", reply_markup=_keyboard(("Menu", "menu:main")))


async def words(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Typed text: thanks."""
    assert update.effective_message is not None
    await update.effective_message.reply_text("Thank you for your feedback.", reply_markup=_keyboard(("Menu", "menu:main")))


async def _freeze_startup_objects(_application: Application) -> None:  # type: ignore[type-arg]
    freeze_startup_objects()


def main() -> None:
    """Run the bot until SIGTERM."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--api", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--httpx", action="store_true", help="PTB's default httpx backend instead of Carerline's aiohttp one")
    args = parser.parse_args()
    builder = Application.builder().token(args.token).base_url(f"{args.api}/bot").concurrent_updates(True)
    if not args.httpx:
        builder = builder.request(AiohttpRequest(connection_pool_size=64, timeout_s=15.0)).get_updates_request(
            AiohttpRequest(connection_pool_size=1, timeout_s=40.0)
        )
    # The same process treatment as `carerline serve` (carerline/memory.py): start-up objects frozen, so that
    # the comparison is of the bots' own work, not of garbage-collector pauses.
    application = builder.post_init(_freeze_startup_objects).build()
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("menu", show_menu))
    application.add_handler(CallbackQueryHandler(pressed))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, words))
    application.run_polling(allowed_updates=Update.ALL_TYPES, timeout=25)


if __name__ == "__main__":
    main()
