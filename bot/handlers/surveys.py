"""Answer a survey: start from the invite, rate 1 to 5, each question in turn, comments or Skip, consent to quote."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import CarerlineContext
from bot.guards import needs_consent
from bot.kind_answers import not_understood_text, old_button
from bot.menu import button, keyboard, menu_button
from bot.turns import Turn, in_shared_transaction, matched, say
from core.i18n import text
from db.types import utc_now
from services.carers.conversations import StaleStepError
from services.feedback.records import MAX_FEEDBACK_LENGTH
from services.surveys.steps import (
    Prompt,
    PromptKind,
    SurveyStep,
    add_comments,
    answer_question,
    answer_quote,
    begin_survey,
    choose_rating,
    current_prompt,
)

START_PATTERN = r"^sv:go:(\d+)(?::\d+)?$"
RATING_PATTERN = r"^sv:rate:(\d+):([1-5])$"
PICK_PATTERN = r"^sv:pick:(\d+):(\d)$"
SKIP_PATTERN = r"^sv:skip:(\d+)$"
QUOTE_PATTERN = r"^sv:quote:(\d+):([01])$"
LIMIT = f"{MAX_FEEDBACK_LENGTH:,}"


def _render(prompt: Prompt, language: str) -> tuple[str, InlineKeyboardMarkup]:
    """The words and buttons for a prompt."""
    back = [menu_button(language)]
    version = prompt.version
    skip = [button("surveys.button.skip", f"sv:skip:{version}", language=language)]
    if prompt.kind == PromptKind.RATING:
        ratings = [InlineKeyboardButton(str(number), callback_data=f"sv:rate:{version}:{number}") for number in range(1, 6)]
        return text("surveys.ask_rating", language=language, title=prompt.title, question=prompt.question), keyboard(ratings, back)
    if prompt.kind == PromptKind.TEXT_QUESTION:
        body = text("surveys.ask_text", language=language, number=prompt.number, total=prompt.total, question=prompt.question, limit=LIMIT)
        return body, keyboard(skip, back)
    if prompt.kind == PromptKind.CHOICE_QUESTION:
        body = text("surveys.ask_choice", language=language, number=prompt.number, total=prompt.total, question=prompt.question)
        choices = [[InlineKeyboardButton(choice, callback_data=f"sv:pick:{version}:{index}")] for index, choice in enumerate(prompt.choices)]
        return body, keyboard(*choices, skip, back)
    if prompt.kind == PromptKind.COMMENTS:
        return text("surveys.ask_comments", language=language, limit=LIMIT), keyboard(skip, back)
    if prompt.kind == PromptKind.QUOTE:
        buttons = keyboard(
            [button("surveys.button.quote_yes", f"sv:quote:{version}:1", language=language)],
            [button("surveys.button.quote_no", f"sv:quote:{version}:0", language=language)],
            back,
        )
        return text("surveys.ask_quote", language=language), buttons
    key = {PromptKind.THANKS: "surveys.thanks", PromptKind.CLOSED: "surveys.closed"}.get(prompt.kind, "surveys.already_answered")
    return text(key, language=language, title=prompt.title), keyboard(back)


async def _show(context: CarerlineContext, turn: Turn, prompt: Prompt, *, lead: str | None = None) -> None:
    body, buttons = _render(prompt, turn.language)
    if prompt.was_truncated:
        lead = text("surveys.truncated", language=turn.language, limit=LIMIT)
    elif prompt.was_typed_at_buttons:
        lead = text("surveys.use_buttons", language=turn.language)
    await say(context, turn, f"{lead}\n\n{body}" if lead else body, keyboard=buttons, kind="survey")


@needs_consent
async def start_survey(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """sv:go:<survey>:<outbox id>: the rating question (or why the survey cannot be answered)."""
    survey_id, now = int(matched(context)), utc_now()
    try:
        prompt = await in_shared_transaction(context, lambda session: begin_survey(
            session, chat_id=turn.chat_id, carer_id=turn.carer_id, survey_id=survey_id, now=now
        ))
    except StaleStepError:
        await old_button(update, context)
        return
    await _show(context, turn, prompt)


@needs_consent(continues_step=True)
async def rate(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """sv:rate:<version>:<n>: on to the first question."""
    await _step(update, context, turn, choose_rating, version=int(matched(context, 1)), rating=int(matched(context, 2)))


@needs_consent(continues_step=True)
async def pick(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """sv:pick:<version>:<choice>: an answer chosen."""
    await _step(update, context, turn, answer_question, version=int(matched(context, 1)), choice=int(matched(context, 2)))


@needs_consent(continues_step=True)
async def skip(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """sv:skip:<version>: no answer to this question (or no comments)."""
    step_function = add_comments if turn.chat.step == SurveyStep.COMMENTS else answer_question
    extra = {"words": None} if step_function is add_comments else {}
    await _step(update, context, turn, step_function, version=int(matched(context)), **extra)


@needs_consent(continues_step=True)
async def quote(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """sv:quote:<version>:<1 yes|0 no>: save the answers and say thank you."""
    await _step(update, context, turn, answer_quote, version=int(matched(context, 1)), consent=matched(context, 2) == "1")


async def receive_text(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """Words typed during a survey (routed here by the chat's step); at a button step, the question again."""
    message = update.effective_message
    assert message is not None and message.text is not None
    if turn.chat.step == SurveyStep.COMMENTS:
        await _step(update, context, turn, add_comments, version=None, words=message.text)
    elif turn.chat.step == SurveyStep.QUESTION:
        await _step(update, context, turn, answer_question, version=None, words=message.text)
    else:
        await _ask_again(context, turn, lead_key="surveys.use_buttons")


async def ask_again_after_media(context: CarerlineContext, turn: Turn) -> None:
    """Stickers, photos, voice... during a survey (from bad_input.media): we read typed words and buttons; ask again."""
    await _ask_again(context, turn, lead_key="surveys.media")


async def _ask_again(context: CarerlineContext, turn: Turn, *, lead_key: str) -> None:
    async with context.services.database.transaction() as session:
        prompt = await current_prompt(session, chat_id=turn.chat_id)
    if prompt is None:
        await not_understood_text(context, turn)
        return
    await _show(context, turn, prompt, lead=text(lead_key, language=turn.language))


async def _step(update: Update, context: CarerlineContext, turn: Turn, step_function, **arguments: object) -> None:  # type: ignore[no-untyped-def]
    now = utc_now()
    try:
        prompt = await in_shared_transaction(context, lambda session: step_function(
            session, chat_id=turn.chat_id, carer_id=turn.carer_id, now=now, **arguments
        ))
    except StaleStepError:
        await old_button(update, context)
        return
    await _show(context, turn, prompt)
