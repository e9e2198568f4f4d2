"""Surveys over the API: create, list, get, send, close and results (counts under 5 suppressed, words redacted)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from db.models.surveys import Survey, SurveyStatus
from reports.parental_views.publishing import is_suppressed
from services.staff.permissions import Permission
from services.surveys.results import SurveyResults, survey_results
from services.surveys.workflow import (
    MAX_CHOICES,
    MAX_INTRO_LENGTH,
    MAX_QUESTION_LENGTH,
    MAX_QUESTIONS,
    MAX_TITLE_LENGTH,
    QuestionInput,
    SurveyError,
    SurveyInput,
    SurveyNotFound,
    SurveyStepNotAllowed,
    close_survey,
    create_survey,
    find_survey,
    list_surveys,
    send_survey,
)
from web.api.registry import ApiCall, ApiConflict, ApiInvalid, ApiNotFound, ApiProblem, api_operation
from web.api.schemas import RecordId, StrictInput, plain_text

TAG = "Surveys"
SurveyAudienceKind = Literal["everyone", "school", "route", "district", "phase", "open_complaint"]
EXAMPLE = {
    "title": "Autumn term journeys",
    "intro": "Tell us how this term's journeys went.",
    "rating_question": "How were the journeys this term?",
    "questions": [{"text": "What would make the journey better?", "kind": "text"}, {"text": "Do you know the driver?", "kind": "choice", "choices": ["Yes", "No"]}],
    "asks_for_comments": True,
    "audience_kind": "everyone",
    "remind_at": "2099-01-29T17:00:00Z",
    "closes_at": "2099-01-31T17:00:00Z",
}


class QuestionCreate(StrictInput):
    """One question: answered in words, or by choosing one of 2 to 5 answers."""

    text: str = plain_text(min_length=1, max_length=MAX_QUESTION_LENGTH)
    kind: Literal["text", "choice"] = "text"
    choices: list[str] = Field(default_factory=list, max_length=MAX_CHOICES, description="Only for a choice")


class SurveyCreate(StrictInput):
    """A new draft survey."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})

    title: str = plain_text(min_length=1, max_length=MAX_TITLE_LENGTH)
    intro: str = Field(min_length=1, max_length=MAX_INTRO_LENGTH, description="Shown to families in the invitation")
    rating_question: str = plain_text(min_length=1, max_length=MAX_QUESTION_LENGTH, description="Answered from 1 to 5")
    questions: list[QuestionCreate] = Field(default_factory=list, max_length=MAX_QUESTIONS)
    asks_for_comments: bool = True
    audience_kind: SurveyAudienceKind
    audience_value: str | None = plain_text(default=None, max_length=64, description="School id, route code, district or phase")
    remind_at: AwareDatetime = Field(description="When families who have not answered get one reminder")
    closes_at: AwareDatetime


class QuestionPublic(BaseModel):
    """A question as families see it."""

    text: str
    kind: Literal["text", "choice"]
    choices: list[str]


class SurveyPublic(BaseModel):
    """A survey as staff see it."""

    id: int
    title: str
    intro: str
    rating_question: str
    questions: list[QuestionPublic]
    asks_for_comments: bool
    audience: dict[str, str | int]
    status: SurveyStatus
    remind_at: datetime
    closes_at: datetime
    created_at: datetime
    sent_at: datetime | None
    reminded_at: datetime | None
    closed_at: datetime | None

    @classmethod
    def of(cls, survey: Survey) -> "SurveyPublic":
        """From the table row."""
        return cls.model_validate(survey, from_attributes=True)


class SurveyList(BaseModel):
    """The newest surveys."""

    items: list[SurveyPublic]


class SurveyPath(BaseModel):
    """A survey's id in the path."""

    survey_id: RecordId


class ChoiceCount(BaseModel):
    """How many families chose one answer (null when fewer than 5)."""

    choice: str
    count: int | None


class QuestionResultPublic(BaseModel):
    """One question's answers: counts per choice, or the families' words, redacted."""

    number: int
    text: str
    kind: Literal["text", "choice"]
    choice_counts: list[ChoiceCount]
    answers: list[str]


class ResultsPublic(BaseModel):
    """A survey's figures; any count under 5 in a breakdown is null ("fewer than 5")."""

    survey_id: int
    status: SurveyStatus
    invited: int
    responses: int
    response_rate_percent: int
    rating_counts: dict[str, int | None]
    average_rating: float | None = Field(description="Null below 5 responses")
    questions: list[QuestionResultPublic]
    comments: list[str]

    @classmethod
    def of(cls, results: SurveyResults) -> "ResultsPublic":
        """From the service's results, small counts suppressed."""

        def shown(count: int) -> int | None:
            return None if is_suppressed(count) else count

        return cls(
            survey_id=results.survey.id or 0,
            status=SurveyStatus(results.survey.status),
            invited=results.invited,
            responses=results.completed,
            response_rate_percent=results.response_rate,
            rating_counts={str(rating): shown(count) for rating, count in results.rating_counts.items()},
            average_rating=None if is_suppressed(results.completed) else results.average_rating,
            questions=[
                QuestionResultPublic(
                    number=question.number, text=question.text, kind=question.kind,  # type: ignore[arg-type]
                    choice_counts=[ChoiceCount(choice=choice, count=shown(count)) for choice, count in question.choice_counts],
                    answers=question.answers,
                )
                for question in results.questions
            ],
            comments=results.comments,
        )


def _problem(error: SurveyError) -> ApiProblem:
    if isinstance(error, SurveyNotFound):
        return ApiNotFound(error.message)
    if isinstance(error, SurveyStepNotAllowed):
        return ApiConflict(error.message)
    problem = ApiInvalid(error.message, field=_api_field(error.field))
    problem.fields = [{"location": "body", "field": _api_field(field), "message": message} for field, message in error.errors]
    return problem


def _api_field(field: str | None) -> str | None:
    """The service's field as this body names it: question_2_choices is questions.1.choices (as Pydantic names it)."""
    matched = re.fullmatch(r"question_(\d+)_(text|kind|choices)", field or "")
    return f"questions.{int(matched.group(1)) - 1}.{matched.group(2)}" if matched else field


def _draft(body: SurveyCreate) -> SurveyInput:
    questions = tuple(QuestionInput(question.text, kind=question.kind, choices=tuple(question.choices)) for question in body.questions)
    return SurveyInput(
        title=body.title, intro=body.intro, rating_question=body.rating_question, questions=questions,
        asks_for_comments=body.asks_for_comments, audience_kind=body.audience_kind, audience_value=body.audience_value,
        closes_at=body.closes_at, remind_at=body.remind_at,
    )


@api_operation("GET", "/surveys", summary="List surveys", tag=TAG, permission=Permission.MANAGE_SURVEYS, response=SurveyList)
async def list_all_surveys(call: ApiCall) -> SurveyList:
    """The newest surveys first."""
    async with call.database.transaction() as session:
        surveys = await list_surveys(session)
    return SurveyList(items=[SurveyPublic.of(item) for item in surveys])


@api_operation(
    "POST", "/surveys", summary="Create a survey", tag=TAG, permission=Permission.MANAGE_SURVEYS, body=SurveyCreate,
    response=SurveyPublic, status=201,
)
async def create_one_survey(call: ApiCall) -> SurveyPublic:
    """Save a draft; 422 lists every field at fault (question_2_choices, remind_at...)."""
    try:
        async with call.database.transaction() as session:
            survey = await create_survey(session, draft=_draft(call.body), actor=call.actor, now=call.now, origin=call.origin)
    except SurveyError as error:
        raise _problem(error) from None
    return SurveyPublic.of(survey)


@api_operation("GET", "/surveys/{survey_id}", summary="One survey", tag=TAG, permission=Permission.MANAGE_SURVEYS, path_params=SurveyPath, response=SurveyPublic)
async def get_survey(call: ApiCall) -> SurveyPublic:
    """The survey and its status."""
    try:
        async with call.database.transaction() as session:
            survey = await find_survey(session, survey_id=call.params.survey_id)
    except SurveyError as error:
        raise _problem(error) from None
    return SurveyPublic.of(survey)


async def _step(call: ApiCall, step: Any) -> SurveyPublic:
    try:
        async with call.database.transaction() as session:
            survey = await step(session, survey_id=call.params.survey_id, actor=call.actor, now=call.now, origin=call.origin)
    except SurveyError as error:
        raise _problem(error) from None
    return SurveyPublic.of(survey)


@api_operation(
    "POST", "/surveys/{survey_id}/send", summary="Send a survey", tag=TAG, permission=Permission.MANAGE_SURVEYS,
    path_params=SurveyPath, response=SurveyPublic, errors=(409,),
)
async def send_one_survey(call: ApiCall) -> SurveyPublic:
    """Invite the audience through the delivery engine; 409 unless it is a draft that has not passed its closing time."""
    return await _step(call, send_survey)


@api_operation(
    "POST", "/surveys/{survey_id}/close", summary="Close a survey", tag=TAG, permission=Permission.MANAGE_SURVEYS,
    path_params=SurveyPath, response=SurveyPublic, errors=(409,),
)
async def close_one_survey(call: ApiCall) -> SurveyPublic:
    """Stop taking answers; 409 when already closed."""
    return await _step(call, close_survey)


@api_operation(
    "GET", "/surveys/{survey_id}/results", summary="A survey's results", tag=TAG, permission=Permission.VIEW_FEEDBACK_FIGURES,
    path_params=SurveyPath, response=ResultsPublic,
)
async def get_survey_results(call: ApiCall) -> ResultsPublic:
    """Responses and rate, ratings and answers; counts under 5 are null, families' words redacted."""
    try:
        async with call.database.transaction() as session:
            results = await survey_results(session, survey_id=call.params.survey_id)
    except SurveyError as error:
        raise _problem(error) from None
    return ResultsPublic.of(results)
