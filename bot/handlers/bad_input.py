"""Input we cannot use: media, edits, unknown commands, old buttons, floods. Each gets a kind answer and the way back."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.context import CarerlineContext
from bot.guards import with_turn
from bot.menu import back_to_menu_keyboard, main_menu_keyboard
from bot.turns import Turn, say, turn_of
from carerline.i18n import text
from services.survey_steps import ALL_STEPS as SURVEY_STEPS

# Kinds of message we cannot read, each with its own short explanation.
MEDIA_KEYS = {
    "contact": "bad_input.contact",
    "location": "bad_input.location",
    "venue": "bad_input.location",
}


def _way_back(turn: Turn) -> InlineKeyboardMarkup:
    return main_menu_keyboard(turn.language) if turn.has_consent else back_to_menu_keyboard(turn.language)


async def warn_about_flood(context: CarerlineContext, turn: Turn) -> None:
    """The one polite reply of a flood window."""
    await say(context, turn, text("bad_input.flood", language=turn.language), keyboard=back_to_menu_keyboard(turn.language), kind="flood")


async def not_understood_text(context: CarerlineContext, turn: Turn) -> None:
    """Typed text we have no use for right now."""
    await say(context, turn, text("common.not_understood", language=turn.language), keyboard=_way_back(turn), kind="not_understood")


@with_turn
async def media(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """Stickers, photos, voice, video, files, contacts, places: we only read typed text and buttons."""
    if turn.has_consent and turn.chat.step in SURVEY_STEPS:
        from bot.handlers.surveys import ask_again_after_media  # imported here: that module uses this one

        await ask_again_after_media(context, turn)
        return
    message = update.effective_message
    assert message is not None
    key = next((value for kind, value in MEDIA_KEYS.items() if getattr(message, kind, None)), "bad_input.media")
    await say(context, turn, text(key, language=turn.language), keyboard=_way_back(turn), kind="bad_input")


@with_turn
async def edited(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """An edited message: we act on new messages only, so ask them to send it again."""
    await say(context, turn, text("bad_input.edited", language=turn.language), keyboard=_way_back(turn), kind="bad_input")


@with_turn
async def unknown_command(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """A /command we do not have."""
    await say(context, turn, text("bad_input.unknown_command", language=turn.language), keyboard=_way_back(turn), kind="bad_input")


async def old_button(update: Update, context: CarerlineContext) -> None:
    """A button from an older message (or one we no longer have): say so, and show the menu."""
    turn = turn_of(context)
    if turn is None:
        return
    await say(context, turn, text("bad_input.old_button", language=turn.language), keyboard=_way_back(turn), kind="old_button")


@with_turn
async def anything_else(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """Whatever nobody else took."""
    await not_understood_text(context, turn)
