"""The last resort: log the error, and tell the parent kindly that nothing was lost. It never raises."""

from __future__ import annotations

import logging

from telegram import Chat, Update
from telegram.error import Forbidden

from bot.context import CarerlineContext
from bot.replies import send_reply
from core.i18n import language_for, text

logger = logging.getLogger(__name__)


async def handle_error(update: object, context: CarerlineContext) -> None:
    """Log every handler error; apologise to the person if there is one to apologise to."""
    try:
        context.services.metrics.handler_errors.inc()
        logger.error("error while handling an update", exc_info=context.error)
        chat_id, language = _who_to_apologise_to(update, context)
        if chat_id is None:
            return
        await send_reply(
            context=context,
            chat_id=chat_id,
            text=text("common.error", language=language, phone=context.services.settings.council_transport_phone),
            kind="error",
        )
    except Exception:  # noqa: BLE001 - the error handler is the last resort: it logs, it never raises
        logger.warning("could not send the apology either", exc_info=True)


def _who_to_apologise_to(update: object, context: CarerlineContext) -> tuple[int | None, str]:
    """The private chat to apologise in and its language; None when there is nobody (or they blocked us)."""
    if not isinstance(update, Update) or isinstance(context.error, Forbidden):
        return None, language_for(None)
    chat = update.effective_chat
    if chat is None or chat.type != Chat.PRIVATE or not isinstance(chat.id, int):
        return None, language_for(None)
    user = update.effective_user
    language_code = user.language_code if user is not None else None
    return chat.id, language_for(language_code if isinstance(language_code, str) else None)
