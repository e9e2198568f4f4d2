"""/start (with or without the code from the letter's link) and codes typed into the chat."""

from __future__ import annotations

from telegram import Update

from bot.context import CarerlineContext
from bot.guards import needs_consent, with_turn
from bot.kind_answers import not_understood_text
from bot.handlers import contact_settings
from bot.handlers.consent import show_privacy_notice
from bot.handlers.menu import send_menu
from bot.linking_replies import link_reply
from bot.menu import back_to_menu_keyboard
from bot.turns import Turn, say
from core.i18n import text
from db.types import utc_now
from services.carers.conversations import CONTACT_STEPS, Step
from services.carers.linking import ask_for_code, link_with_code
from services.carers.codes import normalise_code


@with_turn
async def start(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """Welcome: the privacy notice first; with consent, link the code in the link or show the menu."""
    payload = context.args[0] if context.args else None
    if not turn.has_consent:
        await show_privacy_notice(context, turn, pending_code=normalise_code(payload) if payload else None)
        return
    if payload:
        await _try_code(context, turn, payload)
        return
    await send_menu(context, turn)


@with_turn
async def receive_text(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """Typed text: a code while we wait for one (or anything shaped like a code); otherwise a kind answer."""
    message = update.effective_message
    assert message is not None and message.text is not None
    if turn.has_consent and turn.chat.step in CONTACT_STEPS:
        # bot/routing/typed_text.py sends every step it does not know here; a contact detail is not a code.
        await contact_settings.receive_text(update, context, turn)
        return
    code = normalise_code(message.text)
    if not turn.has_consent:
        intro = "consent.code_kept_until_consent" if code else None
        await show_privacy_notice(context, turn, pending_code=code, intro_key=intro)
        return
    if code is not None or turn.chat.step == Step.AWAITING_CODE:
        await _try_code(context, turn, message.text)
        return
    await not_understood_text(context, turn)


async def ask_for_a_code(context: CarerlineContext, turn: Turn) -> None:
    """Invite the carer to type the code from their letter (to link another child)."""
    async with context.services.database.transaction() as session:
        await ask_for_code(session, chat_id=turn.chat_id, now=utc_now())
    body = text("linking.ask_code", language=turn.language)
    await say(context, turn, body, keyboard=back_to_menu_keyboard(turn.language), kind="linking_ask_code")


async def _try_code(context: CarerlineContext, turn: Turn, raw_code: str) -> None:
    async with context.services.database.transaction() as session:
        result = await link_with_code(
            session, carer_id=turn.carer_id, chat_id=turn.chat_id, raw_code=raw_code, now=utc_now()
        )
    await link_reply(context, turn, result)


@needs_consent
async def link_another(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """link:another: ask for the code of another child."""
    await ask_for_a_code(context, turn)
