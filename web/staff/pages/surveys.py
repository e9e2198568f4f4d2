"""Survey pages: list, create (with an error summary), preview with the recipient count, send, close, results."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from db.dao.broadcasts import fetch_audience_choices
from db.models.transport import Phase
from reports.parental_views.publishing import published_count
from services.broadcasts.audiences import AUDIENCE_KINDS, describe_audience
from services.staff.permissions import Permission
from services.surveys.results import survey_results
from services.surveys.workflow import (
    COUNCIL_TIME_ZONE,
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
from web.staff.rendering import render_page

AUDIENCE_FIELDS = ("audience_kind", "audience_school", "audience_route", "audience_district", "audience_phase")
TEXT_FIELDS = ("title", "intro", "rating_question", "closes_at", "remind_at", *AUDIENCE_FIELDS)
NOTICES = {"sent": "Survey sent: families are being invited now", "closed": "Survey closed: no more answers are taken"}
# A survey goes to families; "not answered a survey" is for following one up with a broadcast.
SURVEY_AUDIENCE_KINDS = [(kind, label) for kind, label in AUDIENCE_KINDS.items() if kind != "not_answered_survey"]


def _survey_id(request: web.Request) -> int:
    raw = request.match_info["survey_id"]
    if not raw.isdigit() or not 0 < int(raw) < 2**31:
        raise web.HTTPNotFound()
    return int(raw)


def parse_local_time(raw: str, *, field: str, errors: list[tuple[str, str]]) -> datetime | None:
    """A datetime-local value (UK time) as an aware datetime; None when empty or wrong (wrong is added to errors)."""
    if not raw.strip():
        return None
    try:
        return datetime.strptime(raw.strip(), "%Y-%m-%dT%H:%M").replace(tzinfo=COUNCIL_TIME_ZONE)
    except ValueError:
        errors.append((field, "Enter a date and time, for example 14/03/2027 17:00"))
        return None


def _draft_from_form(form: MultiDictProxy[Any], errors: list[tuple[str, str]]) -> tuple[SurveyInput, dict[str, str]]:
    values = {name: str(form.get(name, "")) for name in TEXT_FIELDS}
    questions = []
    for number in range(1, MAX_QUESTIONS + 1):
        for part in ("text", "kind", "choices"):
            values[f"question_{number}_{part}"] = str(form.get(f"question_{number}_{part}", ""))
        choices = tuple(line for line in values[f"question_{number}_choices"].splitlines() if line.strip())
        questions.append(QuestionInput(values[f"question_{number}_text"], kind=values[f"question_{number}_kind"] or "text", choices=choices))
    values["asks_for_comments"] = "yes" if form.get("asks_for_comments") == "yes" else ""
    kind = values["audience_kind"]
    draft = SurveyInput(
        title=values["title"], intro=values["intro"], rating_question=values["rating_question"], questions=tuple(questions),
        asks_for_comments=bool(values["asks_for_comments"]), audience_kind=kind, audience_value=values.get(f"audience_{kind}"),
        closes_at=parse_local_time(values["closes_at"], field="closes_at", errors=errors),
        remind_at=parse_local_time(values["remind_at"], field="remind_at", errors=errors),
    )
    return draft, values


async def _form_context(request: web.Request) -> dict[str, object]:
    async with request.app[DATABASE].transaction() as session:
        schools, routes, districts = await fetch_audience_choices(session)
    blank = [("", "Choose")]
    return {
        "kind_options": SURVEY_AUDIENCE_KINDS,
        "school_options": blank + [(str(school.id), school.name) for school in schools],
        "route_options": blank + [(code, code) for code in routes],
        "district_options": blank + [(district, district) for district in districts],
        "phase_options": blank + [(phase.value, phase.value.replace("_", " ").capitalize()) for phase in Phase],
        "question_numbers": list(range(1, MAX_QUESTIONS + 1)),
        "question_kind_options": [("text", "Answered in words"), ("choice", "Choose one answer from a list")],
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
        errors = parse_errors + [(field, message) for field, message in error.errors if field not in unparsed]
        return render_page(request, "staff/survey_new.html", {"form": values, "errors": errors, **await _form_context(request)}, status=422)
    if parse_errors:  # cannot happen: a wrong time leaves the field empty, which create_survey refuses
        raise web.HTTPBadRequest()
    return web.Response(status=303, headers={"Location": f"/surveys/{survey.id}"})


@require(Permission.MANAGE_SURVEYS)
async def survey_page(request: web.Request) -> web.StreamResponse:
    """One survey: its questions, the real recipient count, the invitation as families read it."""
    return await _render_survey(request, _survey_id(request), notice=NOTICES.get(request.query.get("notice", "")))


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
    survey_id = _survey_id(request)
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
            results = await survey_results(session, survey_id=_survey_id(request))
    except SurveyNotFound:
        raise web.HTTPNotFound() from None
    return render_page(request, "staff/survey_results.html", {"results": results, "shown": published_count})
