"""Record every incoming update before any other handler sees it."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.context import CarerlineContext
from bot.updates import summarise_update
from db.dao.carers.accounts import fetch_carer_by_chat_id
from db.dao.delivery.message_log import save_inbound_message
from db.types import fits_bigint
from messaging.channels.telegram_updates import has_replaced_characters, is_unreadable


async def record_incoming_update(update: Update, context: CarerlineContext) -> None:
    """Keep the council's copy of what arrived; stop here if it is a redelivery or could not be read."""
    if not fits_bigint(update.update_id):
        raise ApplicationHandlerStop  # screening already warned; no column can hold this id
    summary = summarise_update(update)
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
    if not is_new:
        context.services.metrics.updates_duplicate.inc()
        raise ApplicationHandlerStop
    if is_unreadable(update):
        raise ApplicationHandlerStop  # recorded as "unreadable"; no handler meets it
