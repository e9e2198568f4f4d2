"""Give feedback: topic, a 1 to 5 rating, words or Skip, consent to quote; the thanks comes via the outbox."""

from __future__ import annotations

from telegram import InlineKeyboardButton, Update

from bot.context import CarerlineContext
from bot.guards import needs_consent
from bot.kind_answers import old_button
from bot.menu import button, keyboard, menu_button
from bot.turns import Turn, in_shared_transaction, matched, say
from core.i18n import plain_text, text
from db.types import utc_now
from services.carers.conversations import StaleStepError
from services.feedback.records import MAX_FEEDBACK_LENGTH, FeedbackTopic
from services.feedback.steps import add_feedback_text, answer_quote_consent, is_single_write, start_feedback_text

TOPIC_PATTERN = r"^fb:topic:([a-z_]+)$"
RATING_PATTERN = r"^fb:rate:([a-z_]+):([1-5])$"
SKIP_PATTERN = r"^fb:skip:(\d+)$"
QUOTE_PATTERN = r"^fb:quote:(\d+):([01])$"


@needs_consent
async def start_feedback(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """menu:feedback and /feedback: the topic buttons."""
    language = turn.language
    rows = [[button(f"casework_bot.feedback.topic.{topic.value}", f"fb:topic:{topic.value}", language=language)] for topic in FeedbackTopic]
    body = text("casework_bot.feedback.choose_topic", language=language)
    await say(context, turn, body, keyboard=keyboard(*rows, [menu_button(language)]), kind="feedback")


@needs_consent
async def choose_topic(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """fb:topic:<topic>: the rating buttons, 1 to 5."""
    try:
        topic = FeedbackTopic(matched(context))
    except ValueError:
        await old_button(update, context)
        return
    language = turn.language
    ratings = [InlineKeyboardButton(str(number), callback_data=f"fb:rate:{topic.value}:{number}") for number in range(1, 6)]
    body = text("casework_bot.feedback.choose_rating", language=language, topic=plain_text(f"casework_bot.feedback.topic.{topic.value}", language=language))
    await say(context, turn, body, keyboard=keyboard(ratings, [menu_button(language)]), kind="feedback")


@needs_consent
async def choose_rating(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """fb:rate:<topic>:<n>: ask for words, or Skip."""
    try:
        topic, rating, now = FeedbackTopic(matched(context, 1)), int(matched(context, 2)), utc_now()
        version = await in_shared_transaction(
            context, lambda session: start_feedback_text(session, chat_id=turn.chat_id, topic=topic, rating=rating, now=now),
            single_write=True,
        )
    except ValueError:
        await old_button(update, context)
        return
    language = turn.language
    body = text("casework_bot.feedback.ask_text", language=language, limit=f"{MAX_FEEDBACK_LENGTH:,}")
    buttons = keyboard([button("casework_bot.feedback.button.skip", f"fb:skip:{version}", language=language)], [menu_button(language)])
    await say(context, turn, body, keyboard=buttons, kind="feedback")


async def receive_text(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """Words typed while we wait for feedback (routed here by the chat's step)."""
    message = update.effective_message
    assert message is not None and message.text is not None
    await _add_text(update, context, turn, words=message.text, version=None)


@needs_consent(continues_step=True)
async def skip_text(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """fb:skip:<version>: no words; record the rating."""
    await _add_text(update, context, turn, words=None, version=int(matched(context)))


async def _add_text(update: Update, context: CarerlineContext, turn: Turn, *, words: str | None, version: int | None) -> None:
    now = utc_now()
    try:
        step = await in_shared_transaction(context, lambda session: add_feedback_text(
            session, chat_id=turn.chat_id, carer_id=turn.carer_id, text=words, version=version, now=now
        ), single_write=is_single_write(words))
    except StaleStepError:
        await old_button(update, context)
        return
    if step.is_recorded:
        return  # the thanks comes through the outbox
    language = turn.language
    parts = [text("casework_bot.feedback.truncated", language=language, limit=f"{MAX_FEEDBACK_LENGTH:,}")] if step.was_truncated else []
    parts.append(text("casework_bot.feedback.ask_quote", language=language))
    buttons = keyboard(
        [button("casework_bot.feedback.button.quote_yes", f"fb:quote:{step.version}:1", language=language)],
        [button("casework_bot.feedback.button.quote_no", f"fb:quote:{step.version}:0", language=language)],
        [menu_button(language)],
    )
    await say(context, turn, "\n\n".join(parts), keyboard=buttons, kind="feedback")


@needs_consent(continues_step=True)
async def answer_quote(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """fb:quote:<version>:<1 yes|0 no>: record the feedback; the thanks comes through the outbox."""
    version, consent, now = int(matched(context, 1)), matched(context, 2) == "1", utc_now()
    try:
        await in_shared_transaction(context, lambda session: answer_quote_consent(
            session, chat_id=turn.chat_id, carer_id=turn.carer_id, version=version, consent=consent, now=now
        ))
    except StaleStepError:
        await old_button(update, context)
