"""Sending a reply in a conversation, and recording it in the council's message log.

A reply that meets Telegram's flood control (429) waits the retry_after it was given and goes again:
the update's chat is handled one update at a time (bot/intake/processing.py), so waiting here keeps that
chat's replies in order while other chats carry on.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardMarkup, InputFile, Message
from telegram.constants import ParseMode
from telegram.error import RetryAfter

from bot.context import CarerlineContext
from bot.intake.processing import finish_before_next_update
from db.dao.delivery.message_log import OutboundRow, save_outbound_messages
from db.group_commit import GroupCommit
from db.types import utc_now
from messaging.channels.telegram import ReplyBot, SentText, retry_after_s

logger = logging.getLogger(__name__)
# Telegram asks for about a second when a person taps quickly; a wait longer than this is an outage, not a tap.
MAX_FLOOD_WAIT_S = 60.0
MAX_SEND_ATTEMPTS = 5
_LOG_WRITER_KEY = "carerline_message_log_writer"
SentT = TypeVar("SentT")


async def send_reply(
    *,
    context: CarerlineContext,
    chat_id: int,
    text: str,
    keyboard: InlineKeyboardMarkup | None = None,
    kind: str = "reply",
) -> SentText:
    """Send HTML text (values already escaped by core.i18n) and record it."""
    sent = await _send_text(context, chat_id=chat_id, text=text, keyboard=keyboard)
    await _record(context, chat_id=chat_id, kind=kind, words=sent.text, message_id=sent.message_id)
    return sent


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
    message = await send_waiting_out_floods(
        lambda: context.bot.send_document(
            chat_id=chat_id,
            document=InputFile(content, filename=file_name),
            caption=caption,
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard,
        )
    )
    await _record(context, chat_id=chat_id, kind=kind, words=message.caption, message_id=message.message_id)
    return message


async def send_reply_after_erasure(
    *,
    context: CarerlineContext,
    chat_id: int,
    text: str,
    keyboard: InlineKeyboardMarkup | None = None,
    kind: str = "erased",
) -> SentText:
    """The last reply to someone just erased: recorded without their chat id or the words."""
    sent = await _send_text(context, chat_id=chat_id, text=text, keyboard=keyboard)
    await _record(context, chat_id=None, kind=kind, words=None, message_id=None)
    return sent


async def send_waiting_out_floods(send: Callable[[], Awaitable[SentT]]) -> SentT:
    """Send; on a 429 wait the retry_after Telegram gave and send again (a few times, never for long)."""
    for attempt in range(1, MAX_SEND_ATTEMPTS + 1):
        try:
            return await send()
        except RetryAfter as error:
            wait_s = retry_after_s(error)
            if attempt == MAX_SEND_ATTEMPTS or wait_s > MAX_FLOOD_WAIT_S:
                raise
            logger.info("Telegram asked us to wait %.0f s before replying (attempt %d)", wait_s, attempt)
            await asyncio.sleep(wait_s)
    raise AssertionError("unreachable: the last attempt returns or raises")


async def edit_reply(
    context: CarerlineContext, *, chat_id: int, message_id: int, text: str, keyboard: InlineKeyboardMarkup | None
) -> None:
    """Replace one of our messages' HTML text and keyboard (a 429 is waited out as for a reply)."""
    bot = _reply_bot(context)
    markup = _keyboard_json(keyboard) if keyboard is not None else None
    await send_waiting_out_floods(
        lambda: bot.edit_html_text(chat_id=chat_id, message_id=message_id, text=text, reply_markup=markup)
    )


def _keyboard_json(keyboard: InlineKeyboardMarkup) -> str:
    """PTB's to_json of a keyboard, kept for the keyboards that come again and again (the menu's: ~50 us each)."""
    return _kept_keyboard_json(keyboard) if _is_compared_whole(keyboard) else keyboard.to_json()


@functools.lru_cache(maxsize=1024)
def _kept_keyboard_json(keyboard: InlineKeyboardMarkup) -> str:
    return keyboard.to_json()


def _is_compared_whole(keyboard: InlineKeyboardMarkup) -> bool:
    # PTB's equality (the cache's key) leaves out these button fields; a keyboard using them is not kept.
    return all(
        button.copy_text is None and button.switch_inline_query_chosen_chat is None and not button.api_kwargs
        for row in keyboard.inline_keyboard
        for button in row
    )


def _reply_bot(context: CarerlineContext) -> ReplyBot:
    bot = context.bot
    if not isinstance(bot, ReplyBot):
        raise TypeError("the conversation bot is built by bot.application.build_bot_application")
    return bot


async def _send_text(
    context: CarerlineContext, *, chat_id: int, text: str, keyboard: InlineKeyboardMarkup | None
) -> SentText:
    bot = _reply_bot(context)
    markup = _keyboard_json(keyboard) if keyboard is not None else None
    return await send_waiting_out_floods(lambda: bot.send_html_text(chat_id=chat_id, text=text, reply_markup=markup))


async def _record(
    context: CarerlineContext, *, chat_id: int | None, kind: str, words: str | None, message_id: int | None
) -> None:
    """Keep the council's copy of a reply; without a chat id it is kept de-identified (after an erasure)."""
    deidentified = chat_id is None or message_id is None
    row = OutboundRow(
        chat_id=None if deidentified else chat_id,
        kind=kind,
        text=None if deidentified else words,
        telegram_message_id=None if deidentified else message_id,
        sent_at=utc_now(),
    )
    context.services.metrics.messages_sent.labels(kind=kind).inc()
    written = _log_writer(context).enqueue(row)
    if not finish_before_next_update(written):
        await asyncio.shield(written)


def _log_writer(context: CarerlineContext) -> GroupCommit[OutboundRow, None]:
    """The process's one writer for sent messages: the replies of a crowd share its transactions (group commit).

    A reply's row is written while the update goes on (its next reply need not wait for it), and the chat's next
    update begins only once it is written (bot/intake/processing.py: finish_before_next_update), so that update
    sees it and nothing is lost. A reply sent outside an update waits for its row.
    """
    writer = context.bot_data.get(_LOG_WRITER_KEY)
    if writer is None:
        writer = context.bot_data[_LOG_WRITER_KEY] = GroupCommit(
            database=context.services.database, write=_write_log_rows, name="message-log-writer", single_write=True
        )
    return writer


async def _write_log_rows(session: AsyncSession, rows: list[OutboundRow]) -> list[None]:
    await save_outbound_messages(session, messages=rows)
    return [None] * len(rows)
