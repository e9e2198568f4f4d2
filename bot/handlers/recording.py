"""Record every incoming update before any other handler sees it."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.context import CarerlineContext
from bot.updates import summarise_update
from db.dao.message_log import save_inbound_message


async def record_incoming_update(update: Update, context: CarerlineContext) -> None:
    """Keep the council's copy of what arrived; stop here if it is a redelivery."""
    summary = summarise_update(update)
    async with context.services.database.transaction() as session:
        is_new = await save_inbound_message(
            session,
            update_id=update.update_id,
            chat_id=summary.chat_id,
            kind=summary.kind,
            text=summary.text,
            telegram_message_id=summary.telegram_message_id,
        )
    if not is_new:
        context.services.metrics.updates_duplicate.inc()
        raise ApplicationHandlerStop
