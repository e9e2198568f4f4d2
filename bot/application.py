"""Wiring only: build the python-telegram-bot Application with our handlers."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    ApplicationBuilder,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.context import SERVICES_KEY, CarerlineApplication, CarerlineContext
from carerline.dependencies import Dependencies
from bot.handlers.errors import handle_error
from bot.handlers.fallback import not_understood
from bot.handlers.recording import record_incoming_update
from bot.handlers.start import start
from bot.processing import PerChatUpdateProcessor

RECORDING_GROUP = -1  # runs before every other group


def build_bot_application(*, services: Dependencies, webhook_mode: bool) -> CarerlineApplication:
    """The bot, talking to CARERLINE_BOT_API_URL; no Updater in webhook mode."""
    settings = services.settings
    root = settings.api_root
    builder = (
        ApplicationBuilder()
        .token(settings.require_bot_token())
        .base_url(f"{root}/bot")
        .base_file_url(f"{root}/file/bot")
        .context_types(ContextTypes(context=CarerlineContext))
        .concurrent_updates(PerChatUpdateProcessor())
        .connect_timeout(10.0)
        .read_timeout(15.0)
        .write_timeout(15.0)
        .pool_timeout(10.0)
        .get_updates_read_timeout(40.0)
    )
    if webhook_mode:
        builder = builder.updater(None)
    application: CarerlineApplication = builder.build()  # type: ignore[assignment]
    application.bot_data[SERVICES_KEY] = services
    _add_handlers(application)
    return application


def _add_handlers(application: CarerlineApplication) -> None:
    # Order matters: the recording handler sees every update first, in its own group.
    application.add_handler(TypeHandler(Update, record_incoming_update), group=RECORDING_GROUP)
    application.add_handler(CommandHandler("start", start))
    # Last: everything nobody else took gets a kind answer.
    application.add_handler(MessageHandler(filters.ALL, not_understood))
    application.add_error_handler(handle_error)
