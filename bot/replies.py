"""Sending a reply in a conversation, and recording it in the council's message log."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message
from telegram.constants import ParseMode

from bot.context import CarerlineContext
from db.dao.message_log import save_outbound_message


async def send_reply(
    *,
    context: CarerlineContext,
    chat_id: int,
    text: str,
    keyboard: InlineKeyboardMarkup | None = None,
    kind: str = "reply",
) -> Message:
    """Send HTML text (values already escaped by carerline.i18n) and record it."""
    message = await context.bot.send_message(
        chat_id=chat_id, text=text, parse_mode=ParseMode.HTML, reply_markup=keyboard
    )
    async with context.services.database.transaction() as session:
        await save_outbound_message(
            session, chat_id=chat_id, kind=kind, text=message.text, telegram_message_id=message.message_id
        )
    context.services.metrics.messages_sent.labels(kind=kind).inc()
    return message
