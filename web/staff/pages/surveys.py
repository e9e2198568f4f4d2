"""Survey pages: list, create (with an error summary), preview with the recipient count, send, close, results."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from reports.parental_views.publishing import published_count
from services.broadcasts.audiences import AUDIENCE_KINDS, describe_audience
from services.staff.permissions import Permission
from services.surveys.results import survey_results
from services.surveys.workflow import (
    MAX_INTRO_LENGTH,
    MAX_QUESTIONS,
    QuestionInput,
    SurveyError,
    SurveyInput,
    SurveyNotFound,
    close_survey,
    create_survey,
    find_survey,
    list_surveys,
    preview_survey,
    send_survey,
)
from web.auth.access import require
from web.auth.keys import CLOCK
from web.auth.principal import origin_of, require_principal
from web.keys import DATABASE
from web.staff.pages.audience_form import AUDIENCE_FIELDS, audience_context, chosen_audience_value, in_form_order, page_field
from web.staff.pages.date_fields import date_time_field
from web.staff.pages.transport import record_id
from web.staff.rendering import render_page

DATE_TIME_FIELDS = {"closes_at": "closing date", "remind_at": "reminder date"}
DATE_TIME_PARTS = tuple(f"{name}-{part}" for name in DATE_TIME_FIELDS for part in ("day", "month", "year", "time"))
TEXT_FIELDS = ("title", "intro", "rating_question", *AUDIENCE_FIELDS, *DATE_TIME_PARTS)
NOTICES = {"sent": "Survey sent: families are being invited now", "closed": "Survey closed: no more answers are taken"}
# A survey goes to families; "not answered a survey" is for following one up with a broadcast.
SURVEY_AUDIENCE_KINDS = [kind for kind in AUDIENCE_KINDS if kind != "not_answered_survey"]
# The fields as the form shows them, top to bottom: the error summary lists problems in this order.
FORM_ORDER = (
    "title", "intro", "rating_question",
    *(f"question_{number}_{part}" for number in range(1, MAX_QUESTIONS + 1) for part in ("text", "kind", "choices")),
    "asks_for_comments", *AUDIENCE_FIELDS, *DATE_TIME_FIELDS,
)


def _draft_from_form(form: MultiDictProxy[Any], errors: list[tuple[str, str]]) -> tuple[SurveyInput, dict[str, str]]:
    values = {name: str(form.get(name, "")) for name in TEXT_FIELDS}
    questions = []
    for number in range(1, MAX_QUESTIONS + 1):
        for part in ("text", "kind", "choices"):
            values[f"question_{number}_{part}"] = str(form.get(f"question_{number}_{part}", ""))
        choices = tuple(line for line in values[f"question_{number}_choices"].splitlines() if line.strip())
        questions.append(QuestionInput(values[f"question_{number}_text"], kind=values[f"question_{number}_kind"] or "text", choices=choices))
    values["asks_for_comments"] = "yes" if form.get("asks_for_comments") == "yes" else ""
    moments = {}
    for name, label in DATE_TIME_FIELDS.items():
        moments[name], problem = date_time_field(values, name, label, required=True)
        if problem:
            errors.append((name, problem))
    draft = SurveyInput(
        title=values["title"], intro=values["intro"], rating_question=values["rating_question"], questions=tuple(questions),
        asks_for_comments=bool(values["asks_for_comments"]), audience_kind=values["audience_kind"],
        audience_value=chosen_audience_value(values), closes_at=moments["closes_at"], remind_at=moments["remind_at"],
    )
    return draft, values


async def _form_context(request: web.Request) -> dict[str, object]:
    return {
        **await audience_context(request, kinds=SURVEY_AUDIENCE_KINDS),
        "question_numbers": list(range(1, MAX_QUESTIONS + 1)),
        "question_kind_options": [("text", "Answered in words"), ("choice", "Choose one answer from a list")],
        "intro_limit": MAX_INTRO_LENGTH,
    }


@require(Permission.MANAGE_SURVEYS)
async def surveys_page(request: web.Request) -> web.StreamResponse:
    """Every recent survey."""
    async with request.app[DATABASE].transaction() as session:
        surveys = await list_surveys(session)
    return render_page(request, "staff/surveys.html", {"surveys": surveys, "describe_audience": describe_audience})


@require(Permission.MANAGE_SURVEYS)
async def new_survey_page(request: web.Request) -> web.StreamResponse:
    """The survey form."""
    form = {"asks_for_comments": "yes", "audience_kind": "school"}
    return render_page(request, "staff/survey_new.html", {"form": form, **await _form_context(request)})


@require(Permission.MANAGE_SURVEYS)
async def new_survey_submit(request: web.Request) -> web.StreamResponse:
    """Save a draft and show its preview, or show every field to fix."""
    parse_errors: list[tuple[str, str]] = []
    draft, values = _draft_from_form(await request.post(), parse_errors)
    try:
        async with request.app[DATABASE].transaction() as session:
            survey = await create_survey(
                session, draft=draft, actor=require_principal(request).actor, now=request.app[CLOCK](), origin=origin_of(request)
            )
    except SurveyError as error:
        unparsed = {field for field, _ in parse_errors}
        found = parse_errors + [(page_field(field, values) or field, message) for field, message in error.errors if field not in unparsed]
        errors = in_form_order(found, order=FORM_ORDER)
        return render_page(request, "staff/survey_new.html", {"form": values, "errors": errors, **await _form_context(request)}, status=422)
    if parse_errors:  # cannot happen: a wrong date leaves the field empty, which create_survey refuses
        raise web.HTTPBadRequest()
    return web.Response(status=303, headers={"Location": f"/surveys/{survey.id}"})


@require(Permission.MANAGE_SURVEYS)
async def survey_page(request: web.Request) -> web.StreamResponse:
    """One survey: its questions, the real recipient count, the invitation as families read it."""
    return await _render_survey(request, record_id(request, "survey_id"), notice=NOTICES.get(request.query.get("notice", "")))


async def _render_survey(request: web.Request, survey_id: int, *, notice: str | None = None, errors: list[tuple[str, str]] | None = None) -> web.StreamResponse:
    try:
        async with request.app[DATABASE].transaction() as session:
            survey = await find_survey(session, survey_id=survey_id)
            preview = await preview_survey(session, survey=survey)
    except SurveyNotFound:
        raise web.HTTPNotFound() from None
    context = {"survey": survey, "preview": preview, "audience_label": describe_audience(survey.audience), "notice": notice, "errors": errors or []}
    return render_page(request, "staff/survey.html", context, status=409 if errors else 200)


async def _take_step(request: web.Request, step: str) -> web.StreamResponse:
    survey_id = record_id(request, "survey_id")
    arguments = {"survey_id": survey_id, "actor": require_principal(request).actor, "now": request.app[CLOCK](), "origin": origin_of(request)}
    try:
        async with request.app[DATABASE].transaction() as session:
            await (send_survey if step == "sent" else close_survey)(session, **arguments)
    except SurveyNotFound:
        raise web.HTTPNotFound() from None
    except SurveyError as error:
        return await _render_survey(request, survey_id, errors=[("survey-actions", error.message)])
    return web.Response(status=303, headers={"Location": f"/surveys/{survey_id}?notice={step}"})


@require(Permission.MANAGE_SURVEYS)
async def send_submit(request: web.Request) -> web.StreamResponse:
    """Invite the audience through the delivery engine."""
    return await _take_step(request, "sent")


@require(Permission.MANAGE_SURVEYS)
async def close_submit(request: web.Request) -> web.StreamResponse:
    """Stop taking answers."""
    return await _take_step(request, "closed")


@require(Permission.VIEW_FEEDBACK_FIGURES)
async def results_page(request: web.Request) -> web.StreamResponse:
    """Responses and rate, the ratings, answers aggregated; counts under 5 suppressed, free text redacted."""
    try:
        async with request.app[DATABASE].transaction() as session:
            results = await survey_results(session, survey_id=record_id(request, "survey_id"))
    except SurveyNotFound:
        raise web.HTTPNotFound() from None
    return render_page(request, "staff/survey_results.html", {"results": results, "shown": published_count})
