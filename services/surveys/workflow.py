"""Surveys: create and check, send invites to an audience through the outbox, one reminder, close.

Answers are taken in the bot (services/surveys/steps.py); figures are in services/surveys/results.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from messaging.limits import FAMILY_TEXT_LIMITS
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from core.i18n import plain_text, text
from db.dao.surveys import (
    deidentify_survey_responses_for_carer,
    fetch_survey,
    fetch_surveys,
    fetch_surveys_due_closing,
    fetch_surveys_due_reminder,
    fetch_unanswered_carers,
    save_invitations,
    save_survey,
)
from db.models.carers import Carer
from db.models.surveys import Survey, SurveyStatus
from messaging.outbox import OUTBOX_ID_PLACEHOLDER, OutgoingMessage, enqueue_messages
from services.broadcasts.audiences import AudienceError, audience_spec, resolve_audience
from services.staff.audit import Actor, RequestOrigin, record_audit
from services.casework.notifications import format_day
from services.privacy.erasure import register_eraser
from services.privacy.targets import ErasureTarget

SOURCE_TYPE = "survey"
UPDATE_KIND = "surveys"
MAX_TITLE_LENGTH = 120
MAX_INTRO_LENGTH = FAMILY_TEXT_LIMITS["survey_intro"]
MAX_QUESTION_LENGTH = 300
MAX_QUESTIONS = 3
MIN_CHOICES, MAX_CHOICES = 2, 5
MAX_CHOICE_LENGTH = 40  # a button label people can read on a phone
QUESTION_KINDS = ("text", "choice")
COUNCIL_TIME_ZONE = ZoneInfo("Europe/London")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class SurveyError(ValueError):
    """A survey step refused; `errors` lists (field, message) for every field at fault."""

    def __init__(self, message: str, *, field: str | None = None, errors: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.errors = errors or ([(field, message)] if field else [])


class SurveyNotFound(SurveyError):
    """No such survey."""


class SurveyStepNotAllowed(SurveyError):
    """The step does not fit the survey's status."""


@dataclass(frozen=True, slots=True)
class QuestionInput:
    """One question as typed by staff: free text, or a choice with its options."""

    text: str
    kind: str = "text"
    choices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SurveyInput:
    """Everything a new survey needs, as typed by staff (checked by `clean_survey_input`)."""

    title: str
    intro: str
    rating_question: str
    questions: tuple[QuestionInput, ...]
    asks_for_comments: bool
    audience_kind: str
    audience_value: Any
    closes_at: datetime | None
    remind_at: datetime | None


@dataclass(frozen=True, slots=True)
class SurveyPreview:
    """What staff see before sending: the real recipient count and the invite as families read it."""

    count: int
    invite_text: str


def _plain(value: str | None) -> str:
    return _CONTROL.sub("", (value or "").strip())


def _required(errors: list[tuple[str, str]], field: str, value: str | None, *, limit: int, missing: str, label: str) -> str:
    cleaned = _plain(value)
    if not cleaned:
        errors.append((field, missing))
    elif len(cleaned) > limit:
        errors.append((field, f"{label} must be {limit:,} characters or fewer"))
    return cleaned


def _clean_questions(errors: list[tuple[str, str]], questions: tuple[QuestionInput, ...]) -> list[dict[str, Any]]:
    kept = [question for question in questions if _plain(question.text) or any(_plain(c) for c in question.choices)]
    if len(kept) > MAX_QUESTIONS:
        errors.append(("question_1_text", f"Ask {MAX_QUESTIONS} questions or fewer"))
    cleaned: list[dict[str, Any]] = []
    for number, question in enumerate(kept[:MAX_QUESTIONS], start=1):
        field = f"question_{number}"
        words = _required(errors, f"{field}_text", question.text, limit=MAX_QUESTION_LENGTH, missing=f"Enter question {number}", label=f"Question {number}")
        if question.kind not in QUESTION_KINDS:
            errors.append((f"{field}_kind", f"Choose whether question {number} is answered in words or by choosing"))
            continue
        choices = [_plain(choice) for choice in question.choices if _plain(choice)]
        if question.kind == "choice":
            if not MIN_CHOICES <= len(choices) <= MAX_CHOICES:
                errors.append((f"{field}_choices", f"Give question {number} between {MIN_CHOICES} and {MAX_CHOICES} answers to choose from, one a line"))
            elif any(len(choice) > MAX_CHOICE_LENGTH for choice in choices):
                errors.append((f"{field}_choices", f"Each answer to question {number} must be {MAX_CHOICE_LENGTH} characters or fewer"))
            elif len(set(choice.casefold() for choice in choices)) != len(choices):
                errors.append((f"{field}_choices", f"The answers to question {number} must all be different"))
        cleaned.append({"text": words, "kind": question.kind, "choices": choices if question.kind == "choice" else []})
    return cleaned


def _clean_times(errors: list[tuple[str, str]], *, closes_at: datetime | None, remind_at: datetime | None, now: datetime) -> None:
    if closes_at is None:
        errors.append(("closes_at", "Enter when the survey closes"))
    elif closes_at.tzinfo is None:
        errors.append(("closes_at", "Give the closing time with its time zone"))
    elif closes_at <= now:
        errors.append(("closes_at", "The closing time must be in the future"))
    if remind_at is None:
        errors.append(("remind_at", "Enter when to remind families who have not answered"))
    elif remind_at.tzinfo is None:
        errors.append(("remind_at", "Give the reminder time with its time zone"))
    elif remind_at <= now:
        errors.append(("remind_at", "The reminder time must be in the future"))
    elif closes_at is not None and closes_at.tzinfo is not None and remind_at >= closes_at:
        errors.append(("remind_at", "The reminder must go before the survey closes"))


def clean_survey_input(draft: SurveyInput, *, now: datetime) -> dict[str, Any]:
    """The checked fields of a new survey, or SurveyError listing every field at fault."""
    errors: list[tuple[str, str]] = []
    values: dict[str, Any] = {
        "title": _required(errors, "title", draft.title, limit=MAX_TITLE_LENGTH, missing="Enter a title staff will recognise", label="The title"),
        "intro": _required(errors, "intro", draft.intro, limit=MAX_INTRO_LENGTH, missing="Enter a short introduction for families", label="The introduction"),
        "rating_question": _required(
            errors, "rating_question", draft.rating_question, limit=MAX_QUESTION_LENGTH, missing="Enter the question families answer from 1 to 5", label="The rating question"
        ),
        "questions": _clean_questions(errors, draft.questions),
        "asks_for_comments": bool(draft.asks_for_comments),
    }
    try:
        values["audience"] = audience_spec(draft.audience_kind, draft.audience_value)
    except AudienceError as error:
        errors.append((error.field, error.message))
    _clean_times(errors, closes_at=draft.closes_at, remind_at=draft.remind_at, now=now)
    if errors:
        raise SurveyError(errors[0][1], field=errors[0][0], errors=errors)
    values["closes_at"], values["remind_at"] = draft.closes_at, draft.remind_at
    return values


async def create_survey(
    session: AsyncSession, *, draft: SurveyInput, actor: Actor, now: datetime, origin: RequestOrigin | None = None
) -> Survey:
    """Save a draft survey after checking every field."""
    values = clean_survey_input(draft, now=now)
    survey = await save_survey(
        session, survey=Survey(**values, created_by_kind=actor.kind.value, created_by_staff_id=actor.id, created_at=now)
    )
    await record_audit(
        session, actor=actor, action="survey.created", object_type="survey", object_ids=[survey.id or 0],
        detail={"audience": values["audience"]}, origin=origin, now=now,
    )
    return survey


async def find_survey(session: AsyncSession, *, survey_id: int, for_update: bool = False) -> Survey:
    """One survey, or SurveyNotFound."""
    survey = await fetch_survey(session, survey_id=survey_id, for_update=for_update)
    if survey is None:
        raise SurveyNotFound("There is no such survey")
    return survey


async def list_surveys(session: AsyncSession, *, statuses: list[str] | None = None) -> list[Survey]:
    """The newest surveys first."""
    return await fetch_surveys(session, statuses=statuses)


def closing_day(survey: Survey, *, language: str) -> str:
    """The closing date as families read it (UK date)."""
    return format_day(survey.closes_at.astimezone(COUNCIL_TIME_ZONE).date(), language=language)


def invite_text(survey: Survey, *, language: str, is_reminder: bool = False) -> str:
    """The invitation (or the reminder) in one language, values escaped for Telegram HTML."""
    key = "surveys.reminder" if is_reminder else "surveys.invite"
    return text(key, language=language, title=survey.title, intro=survey.intro, closes=closing_day(survey, language=language))


def start_markup(survey: Survey, *, language: str) -> dict[str, Any]:
    """The "Start the survey" button (unique per outbox row) and the way to the menu."""
    return {
        "inline_keyboard": [
            [{"text": plain_text("surveys.button.start", language=language), "callback_data": f"sv:go:{survey.id}:{OUTBOX_ID_PLACEHOLDER}"}],
            [{"text": plain_text("menu.button.back", language=language), "callback_data": "menu:main"}],
        ]
    }


async def preview_survey(session: AsyncSession, *, survey: Survey) -> SurveyPreview:
    """The real recipient count now and the English invitation."""
    audience = await resolve_audience(session, spec=survey.audience, mute_kind=UPDATE_KIND)
    return SurveyPreview(count=audience.count, invite_text=invite_text(survey, language="en"))


def _message(survey: Survey, carer: Carer, *, is_reminder: bool) -> OutgoingMessage:
    kind = "reminder:" if is_reminder else ""
    return OutgoingMessage(
        carer=carer,
        idempotency_key=f"survey:{survey.id}:{kind}carer:{carer.id}",
        purpose="survey_reminder" if is_reminder else "survey",
        source_type=SOURCE_TYPE,
        source_id=survey.id,
        text=invite_text(survey, language=carer.language, is_reminder=is_reminder),
        reply_markup=start_markup(survey, language=carer.language),
        update_kind=UPDATE_KIND,
    )


async def send_survey(
    session: AsyncSession, *, survey_id: int, actor: Actor, now: datetime, origin: RequestOrigin | None = None
) -> Survey:
    """Invite every carer in the audience: one outbox message each (never twice), and a response row to fill in."""
    survey = await find_survey(session, survey_id=survey_id, for_update=True)
    if survey.status != SurveyStatus.DRAFT.value:
        raise SurveyStepNotAllowed("Only a draft survey can be sent")
    if survey.closes_at <= now:
        raise SurveyStepNotAllowed("The closing time has passed: create the survey again with a later one")
    audience = await resolve_audience(session, spec=survey.audience, mute_kind=UPDATE_KIND)
    carers = [row.carer for row in audience.rows]
    await save_invitations(session, survey_id=survey_id, carer_ids=[carer.id for carer in carers if carer.id is not None], now=now)
    result = await enqueue_messages(session, messages=[_message(survey, carer, is_reminder=False) for carer in carers], now=now)
    survey.status = SurveyStatus.SENT.value
    survey.sent_at = now
    if survey.remind_at <= now:
        survey.reminded_at = now  # too late for a reminder: none goes
    await save_survey(session, survey=survey)
    await record_audit(
        session, actor=actor, action="survey.sent", object_type="survey", object_ids=[survey_id],
        detail={"queued": result.queued, "skipped": dict(result.skipped)}, origin=origin, now=now,
    )
    return survey


async def close_survey(
    session: AsyncSession, *, survey_id: int, actor: Actor, now: datetime, origin: RequestOrigin | None = None
) -> Survey:
    """Stop taking answers (a draft closes without ever being sent)."""
    survey = await find_survey(session, survey_id=survey_id, for_update=True)
    if survey.status == SurveyStatus.CLOSED.value:
        raise SurveyStepNotAllowed("This survey is already closed")
    survey.status = SurveyStatus.CLOSED.value
    survey.closed_at = now
    await save_survey(session, survey=survey)
    await record_audit(session, actor=actor, action="survey.closed", object_type="survey", object_ids=[survey_id], origin=origin, now=now)
    return survey


def is_open(survey: Survey, *, now: datetime) -> bool:
    """True while the survey takes answers."""
    return survey.status == SurveyStatus.SENT.value and survey.closes_at > now


@dataclass(frozen=True, slots=True)
class FollowupOutcome:
    """What one run of the standing job did."""

    reminders_queued: int
    surveys_closed: int


async def run_survey_followups(session: AsyncSession, *, now: datetime) -> FollowupOutcome:
    """The standing job: one reminder to carers who have not answered, and closing at the closing time."""
    queued = 0
    for survey in await fetch_surveys_due_reminder(session, now=now):
        carers = await fetch_unanswered_carers(session, survey_id=survey.id or 0)
        result = await enqueue_messages(session, messages=[_message(survey, carer, is_reminder=True) for carer in carers], now=now)
        queued += result.queued
        survey.reminded_at = now
        await save_survey(session, survey=survey)
        await record_audit(
            session, actor=Actor.system("survey reminder"), action="survey.reminded", object_type="survey",
            object_ids=[survey.id or 0], detail={"queued": result.queued}, now=now,
        )
    due = await fetch_surveys_due_closing(session, now=now)
    for survey in due:
        await close_survey(session, survey_id=survey.id or 0, actor=Actor.system("survey closing date"), now=now)
    return FollowupOutcome(reminders_queued=queued, surveys_closed=len(due))


async def _erase_survey_responses(session: AsyncSession, target: ErasureTarget) -> None:
    # Free-text answers are feedback items, de-identified by the casework eraser.
    await deidentify_survey_responses_for_carer(session, carer_id=target.carer_id)


register_eraser("surveys", _erase_survey_responses)
