"""Typed text goes to the step the chat is at: a problem's details, feedback, or else codes and kind answers."""

from __future__ import annotations

from telegram import Update

from bot.context import CarerlineContext
from bot.guards import with_turn
from bot.handlers import complaints, feedback, linking, problems
from bot.handlers import surveys
from bot.turns import Turn
from services.surveys import steps as survey_steps
from services.carers.conversations import Step


@with_turn
async def receive_text(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """Route typed text by the chat's conversation step."""
    if turn.has_consent and turn.chat.step == Step.PROBLEM_DETAILS:
        await problems.receive_details(update, context, turn)
        return
    if turn.has_consent and turn.chat.step == Step.FEEDBACK_TEXT:
        await feedback.receive_text(update, context, turn)
        return
    if turn.has_consent and turn.chat.step in survey_steps.ALL_STEPS:
        await surveys.receive_text(update, context, turn)
        return
    if turn.has_consent and turn.chat.step == Step.COMPLAINT_DESCRIPTION:
        await complaints.receive_words(update, context, turn)
        return
    if turn.has_consent and turn.chat.step == Step.COMPLAINT_ESCALATION:
        await complaints.receive_reason(update, context, turn)
        return
    await linking.receive_text(update, context)
