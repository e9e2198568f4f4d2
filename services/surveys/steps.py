"""The bot's survey steps: rating, each question in turn, optional comments, consent to quote, then saved.

Where the chat is lives in the conversation state (like feedback), so a restart carries on. Each
function returns the Prompt to show next; the bot turns it into words and buttons.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.surveys import fetch_response, save_response
from db.models.casework import FeedbackSource
from db.models.surveys import Survey
from services.carers.conversations import StaleStepError, leave_step, load_chat_context, move_to, require_step
from services.feedback.records import MAX_FEEDBACK_LENGTH, place_of_carer, record_feedback
from services.surveys.workflow import SurveyNotFound, find_survey, is_open

FEEDBACK_TOPIC = "survey"


class SurveyStep(StrEnum):
    """The survey's conversation states (data: {"survey_id", "rating", "index", "texts", "choices", "comments"})."""

    RATING = "survey_rating"
    QUESTION = "survey_question"
    COMMENTS = "survey_comments"
    QUOTE = "survey_quote"


TEXT_STEPS = frozenset({SurveyStep.QUESTION.value, SurveyStep.COMMENTS.value})
ALL_STEPS = frozenset(step.value for step in SurveyStep)


class PromptKind(StrEnum):
    """What the bot shows next."""

    RATING = "rating"
    TEXT_QUESTION = "text_question"
    CHOICE_QUESTION = "choice_question"
    COMMENTS = "comments"
    QUOTE = "quote"
    THANKS = "thanks"
    CLOSED = "closed"
    ALREADY_ANSWERED = "already_answered"


@dataclass(frozen=True, slots=True)
class Prompt:
    """The next thing to ask (or say), with the version its buttons carry."""

    kind: PromptKind
    version: int = 0
    title: str = ""
    question: str = ""
    number: int = 0
    total: int = 0
    choices: list[str] = field(default_factory=list)
    was_truncated: bool = False
    was_typed_at_buttons: bool = False  # words typed where a button was wanted: the question again


def _prompt(survey: Survey, step: str, data: dict[str, Any], version: int, *, was_truncated: bool = False) -> Prompt:
    if step == SurveyStep.RATING:
        return Prompt(PromptKind.RATING, version, title=survey.title, question=survey.rating_question)
    if step == SurveyStep.QUESTION:
        index = int(data["index"])
        question = survey.questions[index]
        kind = PromptKind.CHOICE_QUESTION if question["kind"] == "choice" else PromptKind.TEXT_QUESTION
        return Prompt(
            kind, version, title=survey.title, question=question["text"], number=index + 1, total=len(survey.questions),
            choices=list(question.get("choices") or []), was_truncated=was_truncated,
        )
    if step == SurveyStep.COMMENTS:
        return Prompt(PromptKind.COMMENTS, version, title=survey.title, was_truncated=was_truncated)
    return Prompt(PromptKind.QUOTE, version, title=survey.title, was_truncated=was_truncated)


async def begin_survey(session: AsyncSession, *, chat_id: int, carer_id: int, survey_id: int, now: datetime) -> Prompt:
    """"Start the survey" pressed: the rating question, or why not (closed, answered); StaleStepError if not invited."""
    try:
        survey = await find_survey(session, survey_id=survey_id)
    except SurveyNotFound:
        raise StaleStepError(chat_id) from None
    response = await fetch_response(session, survey_id=survey_id, carer_id=carer_id)
    if response is None:
        raise StaleStepError(chat_id)
    if response.completed_at is not None:
        return Prompt(PromptKind.ALREADY_ANSWERED, title=survey.title)
    if not is_open(survey, now=now):
        return Prompt(PromptKind.CLOSED, title=survey.title)
    version = await move_to(session, chat_id=chat_id, step=SurveyStep.RATING, data={"survey_id": survey_id}, now=now)  # type: ignore[arg-type]
    return _prompt(survey, SurveyStep.RATING, {}, version)


async def current_prompt(session: AsyncSession, *, chat_id: int) -> Prompt | None:
    """The question the chat is at now (to ask again after a sticker or a stray message), or None."""
    context = await load_chat_context(session, chat_id=chat_id)
    if context.step not in ALL_STEPS:
        return None
    survey = await find_survey(session, survey_id=int(context.data["survey_id"]))
    return _prompt(survey, context.step, context.data, context.version)


async def choose_rating(session: AsyncSession, *, chat_id: int, carer_id: int, version: int, rating: int, now: datetime) -> Prompt:
    """A number from 1 to 5 pressed: on to the first question."""
    if not 1 <= rating <= 5:
        raise StaleStepError(chat_id)
    context = await require_step(session, chat_id=chat_id, step=SurveyStep.RATING, version=version)  # type: ignore[arg-type]
    return await _advance(session, chat_id=chat_id, carer_id=carer_id, data={**context.data, "rating": rating, "index": -1}, now=now)


async def answer_question(
    session: AsyncSession, *, chat_id: int, carer_id: int, version: int | None, words: str | None = None,
    choice: int | None = None, now: datetime,
) -> Prompt:
    """Words typed, a choice pressed, or Skip (neither) for the current question; then the next step."""
    context = await require_step(session, chat_id=chat_id, step=SurveyStep.QUESTION, version=version)  # type: ignore[arg-type]
    data = dict(context.data)
    survey = await find_survey(session, survey_id=int(data["survey_id"]))
    index = int(data["index"])
    question = survey.questions[index]
    if choice is not None:
        if question["kind"] != "choice" or not 0 <= choice < len(question["choices"]):
            raise StaleStepError(chat_id)
        data["choices"] = {**data.get("choices", {}), str(index): choice}
    was_truncated = False
    if words is not None:
        if question["kind"] == "choice":
            asked = _prompt(survey, SurveyStep.QUESTION, data, context.version)
            return replace(asked, was_typed_at_buttons=True)
        kept, was_truncated = _kept_words(words)
        if kept:
            data["texts"] = {**data.get("texts", {}), str(index): kept}
    return await _advance(session, chat_id=chat_id, carer_id=carer_id, data=data, now=now, survey=survey, was_truncated=was_truncated)


async def add_comments(session: AsyncSession, *, chat_id: int, carer_id: int, version: int | None, words: str | None, now: datetime) -> Prompt:
    """Anything else, typed or skipped (None): on to consent to quote, or saved."""
    context = await require_step(session, chat_id=chat_id, step=SurveyStep.COMMENTS, version=version)  # type: ignore[arg-type]
    data = dict(context.data)
    kept, was_truncated = _kept_words(words or "")
    if kept:
        data["comments"] = kept
    data["index"] = "comments"
    return await _advance(session, chat_id=chat_id, carer_id=carer_id, data=data, now=now, was_truncated=was_truncated)


async def answer_quote(session: AsyncSession, *, chat_id: int, carer_id: int, version: int, consent: bool, now: datetime) -> Prompt:
    """Yes or no to being quoted: save the answers."""
    context = await require_step(session, chat_id=chat_id, step=SurveyStep.QUOTE, version=version)  # type: ignore[arg-type]
    survey = await find_survey(session, survey_id=int(context.data["survey_id"]))
    return await _finish(session, chat_id=chat_id, carer_id=carer_id, survey=survey, data=context.data, consent=consent, now=now)


def _kept_words(words: str) -> tuple[str | None, bool]:
    cleaned = words.strip()
    was_truncated = len(cleaned) > MAX_FEEDBACK_LENGTH
    return (cleaned[:MAX_FEEDBACK_LENGTH].strip() or None), was_truncated


async def _advance(
    session: AsyncSession, *, chat_id: int, carer_id: int, data: dict[str, Any], now: datetime,
    survey: Survey | None = None, was_truncated: bool = False,
) -> Prompt:
    """Move to the step after the one in `data`: the next question, comments, consent, or saved."""
    survey = survey or await find_survey(session, survey_id=int(data["survey_id"]))
    if not is_open(survey, now=now):
        await leave_step(session, chat_id=chat_id, now=now)
        return Prompt(PromptKind.CLOSED, title=survey.title)
    position = data.get("index", -1)
    if position != "comments":
        next_index = int(position) + 1
        if next_index < len(survey.questions):
            data = {**data, "index": next_index}
            version = await move_to(session, chat_id=chat_id, step=SurveyStep.QUESTION, data=data, now=now)  # type: ignore[arg-type]
            return _prompt(survey, SurveyStep.QUESTION, data, version, was_truncated=was_truncated)
        if survey.asks_for_comments:
            data = {**data, "index": "comments"}
            version = await move_to(session, chat_id=chat_id, step=SurveyStep.COMMENTS, data=data, now=now)  # type: ignore[arg-type]
            return _prompt(survey, SurveyStep.COMMENTS, data, version, was_truncated=was_truncated)
    if data.get("texts") or data.get("comments"):
        version = await move_to(session, chat_id=chat_id, step=SurveyStep.QUOTE, data=data, now=now)  # type: ignore[arg-type]
        return _prompt(survey, SurveyStep.QUOTE, data, version, was_truncated=was_truncated)
    return await _finish(session, chat_id=chat_id, carer_id=carer_id, survey=survey, data=data, consent=False, now=now)


async def _finish(
    session: AsyncSession, *, chat_id: int, carer_id: int, survey: Survey, data: dict[str, Any], consent: bool, now: datetime
) -> Prompt:
    """Save the response and turn its rating and words into feedback records (themes, sentiment, consent)."""
    await leave_step(session, chat_id=chat_id, now=now)
    if not is_open(survey, now=now):
        return Prompt(PromptKind.CLOSED, title=survey.title)
    response = await fetch_response(session, survey_id=survey.id or 0, carer_id=carer_id, for_update=True)
    if response is None or response.completed_at is not None:
        return Prompt(PromptKind.ALREADY_ANSWERED, title=survey.title)
    response.rating = int(data["rating"])
    response.choices = {key: int(value) for key, value in (data.get("choices") or {}).items()}
    response.consent_to_quote = consent
    response.completed_at = now
    await save_response(session, response=response)
    key = f"survey:{survey.id}"
    place = await place_of_carer(session, carer_id=carer_id)  # where the child travels as the family answers
    await record_feedback(
        session, carer_id=carer_id, child_id=None, source=FeedbackSource.SURVEY, topic=FEEDBACK_TOPIC, rating=response.rating,
        text=data.get("comments"), consent_to_quote=consent, now=now, survey_key=key, place=place,
    )
    for index, words in sorted((data.get("texts") or {}).items()):
        await record_feedback(
            session, carer_id=carer_id, child_id=None, source=FeedbackSource.SURVEY, topic=FEEDBACK_TOPIC, rating=None,
            text=words, consent_to_quote=consent, now=now, survey_key=f"{key}:q{int(index) + 1}", place=place,
        )
    return Prompt(PromptKind.THANKS, title=survey.title)
