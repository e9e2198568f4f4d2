"""The last resort: log the error, and tell the parent kindly that nothing was lost."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError

from bot.context import CarerlineContext
from bot.replies import send_reply
from core.i18n import language_for, text

logger = logging.getLogger(__name__)


async def handle_error(update: object, context: CarerlineContext) -> None:
    """Log every handler error; apologise to the person if there is one to apologise to."""
    context.services.metrics.handler_errors.inc()
    logger.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.effective_chat.type != update.effective_chat.PRIVATE or isinstance(context.error, Forbidden):
        return
    language = language_for(update.effective_user.language_code if update.effective_user else None)
    try:
        await send_reply(
            context=context,
            chat_id=update.effective_chat.id,
            text=text("common.error", language=language, phone=context.services.settings.council_transport_phone),
            kind="error",
        )
    except (TelegramError, OSError):
        logger.warning("could not send the apology either", exc_info=True)
