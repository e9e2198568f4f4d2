"""Kind answers any handler may give: typed text or media we cannot use now, and a button that has expired."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.context import CarerlineContext
from bot.menu import back_to_menu_keyboard, button, keyboard, main_menu_keyboard, menu_button
from bot.turns import Turn, say, turn_of
from core.i18n import text
from services.carers.conversations import Step


# Kinds of message we cannot read, each with its own short explanation.
MEDIA_KEYS = {
    "contact": "bad_input.contact",
    "location": "bad_input.location",
    "venue": "bad_input.location",
}
# While we wait for a typed contact detail, media gets an answer that says what to type.
CONTACT_MEDIA_KEYS = {Step.CONTACT_MOBILE: "contact.media_mobile", Step.CONTACT_EMAIL: "contact.media_email"}


def way_back(turn: Turn) -> InlineKeyboardMarkup:
    return main_menu_keyboard(turn.language) if turn.has_consent else back_to_menu_keyboard(turn.language)


async def not_understood_text(context: CarerlineContext, turn: Turn) -> None:
    """Typed text we have no use for right now."""
    await say(context, turn, text("common.not_understood", language=turn.language), keyboard=way_back(turn), kind="not_understood")


async def old_button(update: Update, context: CarerlineContext) -> None:
    """A button from an older message (or one we no longer have): say so, and show the menu."""
    turn = turn_of(context)
    if turn is None:
        return
    await say(context, turn, text("bad_input.old_button", language=turn.language), keyboard=way_back(turn), kind="old_button")


async def explain_unusable_media(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """Stickers, photos, voice, files, contacts, places: say which we cannot read, and the way back."""
    message = update.effective_message
    assert message is not None
    if turn.has_consent and turn.chat.step in CONTACT_MEDIA_KEYS:
        # We are waiting for a mobile number or email: say what to type, and keep the way back to the contact page.
        back = keyboard([button("contact.button.back", "set:contact", language=turn.language), menu_button(turn.language)])
        await say(context, turn, text(CONTACT_MEDIA_KEYS[turn.chat.step], language=turn.language), keyboard=back, kind="bad_input")
        return
    key = next((value for kind, value in MEDIA_KEYS.items() if getattr(message, kind, None)), "bad_input.media")
    await say(context, turn, text(key, language=turn.language), keyboard=way_back(turn), kind="bad_input")
