"""Sending a reply in a conversation, and recording it in the council's message log."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, InputFile, Message
from telegram.constants import ParseMode

from bot.context import CarerlineContext
from db.dao.delivery.message_log import save_deidentified_outbound_message, save_outbound_message


async def send_reply(
    *,
    context: CarerlineContext,
    chat_id: int,
    text: str,
    keyboard: InlineKeyboardMarkup | None = None,
    kind: str = "reply",
) -> Message:
    """Send HTML text (values already escaped by core.i18n) and record it."""
    message = await context.bot.send_message(
        chat_id=chat_id, text=text, parse_mode=ParseMode.HTML, reply_markup=keyboard
    )
    async with context.services.database.transaction() as session:
        await save_outbound_message(
            session, chat_id=chat_id, kind=kind, text=message.text, telegram_message_id=message.message_id
        )
    context.services.metrics.messages_sent.labels(kind=kind).inc()
    return message


async def send_document_reply(
    *,
    context: CarerlineContext,
    chat_id: int,
    content: bytes,
    file_name: str,
    caption: str,
    keyboard: InlineKeyboardMarkup | None = None,
    kind: str = "document",
) -> Message:
    """Send a file with an HTML caption and record that it went (its caption, not its bytes)."""
    message = await context.bot.send_document(
        chat_id=chat_id,
        document=InputFile(content, filename=file_name),
        caption=caption,
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard,
    )
    async with context.services.database.transaction() as session:
        await save_outbound_message(
            session, chat_id=chat_id, kind=kind, text=message.caption, telegram_message_id=message.message_id
        )
    context.services.metrics.messages_sent.labels(kind=kind).inc()
    return message


async def send_reply_after_erasure(
    *,
    context: CarerlineContext,
    chat_id: int,
    text: str,
    keyboard: InlineKeyboardMarkup | None = None,
    kind: str = "erased",
) -> Message:
    """The last reply to someone just erased: recorded without their chat id or the words."""
    message = await context.bot.send_message(
        chat_id=chat_id, text=text, parse_mode=ParseMode.HTML, reply_markup=keyboard
    )
    async with context.services.database.transaction() as session:
        await save_deidentified_outbound_message(session, kind=kind)
    context.services.metrics.messages_sent.labels(kind=kind).inc()
    return message
