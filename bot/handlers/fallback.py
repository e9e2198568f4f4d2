"""Anything no other handler took: a kind answer and the way back."""

from __future__ import annotations

from telegram import Update

from bot.context import CarerlineContext
from bot.replies import send_reply
from carerline.i18n import language_for, text


async def not_understood(update: Update, context: CarerlineContext) -> None:
    """Say we did not understand and point to /start."""
    chat = update.effective_chat
    if chat is None or chat.type != chat.PRIVATE:
        return
    language = language_for(update.effective_user.language_code if update.effective_user else None)
    await send_reply(
        context=context, chat_id=chat.id, text=text("common.not_understood", language=language), kind="fallback"
    )
