"""Record every incoming update before any other handler sees it, in one short transaction with the turn's reads."""

from __future__ import annotations

from telegram import Chat, Update
from telegram.ext import ApplicationHandlerStop

from bot.context import CarerlineContext
from bot.turns import TurnOpening, remember_opening
from bot.updates import summarise_update
from db.dao.carers.accounts import fetch_carer_by_chat_id
from db.dao.delivery.message_log import save_inbound_message
from db.types import fits_bigint, utc_now
from messaging.channels.telegram_updates import has_replaced_characters, is_unreadable
from services.carers.conversations import load_chat_context, register_update


async def record_incoming_update(update: Update, context: CarerlineContext) -> None:
    """Keep the council's copy of what arrived; stop here if it is a redelivery or could not be read.

    The same transaction counts the update in the chat's flood window and reads the chat's carer (once) and
    conversation state for `begin_turn`, so a turn starts with one write, not two.
    """
    if not fits_bigint(update.update_id):
        raise ApplicationHandlerStop  # screening already warned; no column can hold this id
    summary = summarise_update(update)
    turn_chat_id = None if is_unreadable(update) else turn_chat_of(update)
    settings = context.services.settings
    async with context.services.database.transaction() as session:
        # Until a carer consents (and after they withdraw) we keep what kind of message came, not its words.
        carer = await fetch_carer_by_chat_id(session, chat_id=summary.chat_id) if summary.chat_id is not None else None
        has_consent = carer is not None and carer.has_consent
        is_new = await save_inbound_message(
            session,
            update_id=update.update_id,
            chat_id=summary.chat_id,
            kind=summary.kind,
            text=summary.text if has_consent else None,
            telegram_message_id=summary.telegram_message_id,
            has_replaced_characters=has_replaced_characters(update),
        )
        if is_new and turn_chat_id is not None:
            decision = await register_update(
                session,
                chat_id=turn_chat_id,
                now=utc_now(),
                max_updates=settings.chat_flood_max_updates,
                window_s=settings.chat_flood_window_s,
            )
            chat = await load_chat_context(session, chat_id=turn_chat_id, carer=carer)
            remember_opening(context, TurnOpening(decision=decision, chat=chat))
    if not is_new:
        context.services.metrics.updates_duplicate.inc()
        raise ApplicationHandlerStop
    if is_unreadable(update):
        raise ApplicationHandlerStop  # recorded as "unreadable"; no handler meets it


def turn_chat_of(update: Update) -> int | None:
    """The private chat whose turn this update is (a message or a button press from a person), else None."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or chat.type != Chat.PRIVATE:
        return None
    if update.effective_message is None and update.callback_query is None:
        return None
    return chat.id
