"""Input we cannot use: media, edits, unknown commands, old buttons, floods. Each gets a kind answer and the way back."""

from __future__ import annotations

from telegram import Update

from bot.context import CarerlineContext
from bot.guards import with_turn
from bot.handlers.complaints import COMPLAINT_STEPS, receive_media as receive_complaint_media
from bot.handlers.surveys import ask_again_after_media
from bot.kind_answers import explain_unusable_media, not_understood_text, way_back
from bot.menu import back_to_menu_keyboard
from bot.turns import Turn, say
from core.i18n import text
from services.surveys.steps import ALL_STEPS as SURVEY_STEPS

async def warn_about_flood(context: CarerlineContext, turn: Turn) -> None:
    """The one polite reply of a flood window."""
    await say(context, turn, text("bad_input.flood", language=turn.language), keyboard=back_to_menu_keyboard(turn.language), kind="flood")


@with_turn
async def media(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """Stickers, photos, voice, video, files, contacts, places: we only read typed text and buttons."""
    if turn.has_consent and turn.chat.step in COMPLAINT_STEPS:
        await receive_complaint_media(update, context)
        return
    if turn.has_consent and turn.chat.step in SURVEY_STEPS:
        await ask_again_after_media(context, turn)
        return
    await explain_unusable_media(update, context, turn)


@with_turn
async def edited(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """An edited message: we act on new messages only, so ask them to send it again."""
    await say(context, turn, text("bad_input.edited", language=turn.language), keyboard=way_back(turn), kind="bad_input")


@with_turn
async def unknown_command(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """A /command we do not have."""
    await say(context, turn, text("bad_input.unknown_command", language=turn.language), keyboard=way_back(turn), kind="bad_input")


@with_turn
async def anything_else(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """Whatever nobody else took."""
    await not_understood_text(context, turn)
