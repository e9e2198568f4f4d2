"""/start: the first thing a parent sees."""

from __future__ import annotations

from telegram import Update

from bot.context import CarerlineContext
from bot.replies import send_reply
from carerline.i18n import language_for, text


async def start(update: Update, context: CarerlineContext) -> None:
    """Welcome the parent in their language."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None:
        return
    language = language_for(user.language_code)
    await send_reply(
        context=context,
        chat_id=chat.id,
        text=text("start.welcome", language=language, name=user.first_name),
        kind="welcome",
    )
