"""Before any handler: throttle floods, then hand the handlers the chat's carer and conversation state, read once."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Chat, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.context import CarerlineContext
from bot.routing.bad_input import warn_about_flood
from bot.routing.recording import record_before_slot
from bot.turns import Turn, TurnOpening, opening_of, remember_turn
from core.i18n import language_for
from db.types import utc_now
from services.carers.conversations import ThrottleDecision, load_chat_context, register_update, remember_as_found

logger = logging.getLogger(__name__)
_ANSWERED_KEY = "carerline_presses_answered_before_slot"


async def prepare_turn(update: Update, *, bot_data: dict[str, Any]) -> None:
    """While the update waits for a working slot: record it, and answer it if it is a person's button press.

    Answering a press (its spinner stops) needs no working slot, so a parent's press is acknowledged as soon as
    it is recorded, even while a crowd's turns hold every slot; `begin_turn` answers only presses not answered
    here. A redelivery, an unreadable update or a press outside a private chat is left to the handlers.
    """
    record = await record_before_slot(update, bot_data=bot_data)
    if update.callback_query is None or record is None or not record.is_new or record.opening is None:
        return
    try:
        await update.callback_query.answer()
    except BadRequest:
        pass  # too old to answer; the reply still explains
    except TelegramError as error:  # the Bot API unreachable or busy: begin_turn tries again in the slot
        logger.info("answering press %s before its slot failed (%s); tried again later", update.update_id, error)
        return
    bot_data.setdefault(_ANSWERED_KEY, set()).add(update.update_id)


async def begin_turn(update: Update, context: CarerlineContext) -> None:
    """Answer a button press, stop floods, and prepare the turn for the handlers after us."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    if chat.type != Chat.PRIVATE:
        raise ApplicationHandlerStop  # parents talk to the bot one to one; groups get nothing
    if update.callback_query is not None and not _was_answered_before_slot(update, bot_data=context.bot_data):
        try:
            await update.callback_query.answer()
        except BadRequest:
            pass  # too old to answer; the reply below still explains
    if update.effective_message is None and update.callback_query is None:
        return
    # The recording transaction read these already; read them here only if it did not.
    opening = opening_of(context) or await _read_opening(context, chat_id=chat.id)
    remember_as_found(opening.chat)
    carer = opening.chat.carer
    language = carer.language if carer is not None else language_for(user.language_code)
    turn = Turn(chat_id=chat.id, first_name=user.first_name or "", language=language, chat=opening.chat)
    remember_turn(context, turn)
    if opening.decision == ThrottleDecision.ALLOW:
        return
    if opening.decision == ThrottleDecision.WARN:
        await warn_about_flood(context, turn)
    raise ApplicationHandlerStop


async def _read_opening(context: CarerlineContext, *, chat_id: int) -> TurnOpening:
    settings = context.services.settings
    async with context.services.database.transaction() as session:
        decision = await register_update(
            session,
            chat_id=chat_id,
            now=utc_now(),
            max_updates=settings.chat_flood_max_updates,
            window_s=settings.chat_flood_window_s,
        )
        chat = await load_chat_context(session, chat_id=chat_id)
    return TurnOpening(decision=decision, chat=chat)


def _was_answered_before_slot(update: Update, *, bot_data: dict[str, Any]) -> bool:
    """True (once) when `prepare_turn` answered this button press already."""
    answered: set[int] = bot_data.get(_ANSWERED_KEY, set())
    if update.update_id not in answered:
        return False
    answered.remove(update.update_id)
    return True
