"""Before any handler: throttle floods, then read the chat's carer and conversation state once."""

from __future__ import annotations

from telegram import Chat, Update
from telegram.error import BadRequest
from telegram.ext import ApplicationHandlerStop

from bot.context import CarerlineContext
from bot.routing.bad_input import warn_about_flood
from bot.turns import Turn, remember_turn
from core.i18n import language_for
from db.types import utc_now
from services.carers.conversations import ThrottleDecision, load_chat_context, register_update


async def begin_turn(update: Update, context: CarerlineContext) -> None:
    """Throttle floods, then read the chat's carer and conversation state for the handlers after us."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    if chat.type != Chat.PRIVATE:
        raise ApplicationHandlerStop  # parents talk to the bot one to one; groups get nothing
    if update.callback_query is not None:
        try:
            await update.callback_query.answer()
        except BadRequest:
            pass  # too old to answer; the reply below still explains
    if update.effective_message is None and update.callback_query is None:
        return
    services = context.services
    settings = services.settings
    async with services.database.transaction() as session:
        decision = await register_update(
            session,
            chat_id=chat.id,
            now=utc_now(),
            max_updates=settings.chat_flood_max_updates,
            window_s=settings.chat_flood_window_s,
        )
        chat_context = await load_chat_context(session, chat_id=chat.id)
    carer = chat_context.carer
    language = carer.language if carer is not None else language_for(user.language_code)
    turn = Turn(chat_id=chat.id, first_name=user.first_name or "", language=language, chat=chat_context)
    remember_turn(context, turn)
    if decision == ThrottleDecision.ALLOW:
        return
    if decision == ThrottleDecision.WARN:
        await warn_about_flood(context, turn)
    raise ApplicationHandlerStop
