"""The "I've seen this" button under proactive messages."""

from __future__ import annotations

from telegram import Update
from telegram.error import BadRequest

from bot.context import CarerlineContext
from bot.menu import back_to_menu_keyboard
from bot.replies import edit_reply
from bot.turns import in_shared_transaction, turn_of
from db.types import utc_now
from services.changes.followups import acknowledge_message, is_single_write

# callback_data "ack:<outbox id>", written by messaging.outbox.seen_button_markup.
ACK_PATTERN = r"^ack:(\d{1,18})$"


async def acknowledge(update: Update, context: CarerlineContext) -> None:
    """Record that the carer saw the message, and show it on the message (the button becomes "Menu")."""
    query = update.callback_query
    chat = update.effective_chat
    if query is None or chat is None or query.message is None or not context.matches:
        return
    turn = turn_of(context)
    if turn is None:
        return
    outbox_id, message_id, now = int(context.matches[0].group(1)), query.message.message_id, utc_now()
    outcome = await in_shared_transaction(context, lambda session: acknowledge_message(
        session, outbox_id=outbox_id, chat_id=chat.id, telegram_message_id=message_id, language=turn.language, now=now,
    ), single_write=is_single_write(context.services.database))
    if outcome.seen_text is None:
        return
    try:
        await edit_reply(
            context, chat_id=chat.id, message_id=query.message.message_id, text=outcome.seen_text,
            keyboard=back_to_menu_keyboard(outcome.language),
        )
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            raise
