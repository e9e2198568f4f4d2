"""Surveys: checked fields, invites through the outbox once, one reminder on the job's clock, closing, results."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from db.engine import Database
from db.models.casework import FeedbackItem, FeedbackSource
from db.models.outbox import OutboxMessage
from db.models.staff import ActorKind
from db.models.transport import School
from services.broadcasts.audiences import resolve_audience
from services.staff.audit import Actor
from services.carers.conversations import StaleStepError
from services.surveys.results import survey_results
from services.surveys.steps import PromptKind, add_comments, answer_question, answer_quote, begin_survey, choose_rating
from services.surveys.workflow import (
    QuestionInput,
    SurveyError,
    SurveyInput,
    SurveyStepNotAllowed,
    close_survey,
    create_survey,
    run_survey_followups,
    send_survey,
)
from tests.support.factories import make_carer, make_child, make_route, make_school

NOW = datetime(2026, 6, 3, 10, tzinfo=UTC)
COORDINATOR = Actor(kind=ActorKind.USER, id=21, label="Coordinator", role="pact_coordinator")


def survey_input(school_id: int | str, **changes: object) -> SurveyInput:
    values: dict[str, object] = {
        "title": "Summer term journeys",
        "intro": "Tell us how the journeys went this term.",
        "rating_question": "How were the journeys this term?",
        "questions": (
            QuestionInput("What would make the journey better?"),
            QuestionInput("Did you know your driver's name?", kind="choice", choices=("Yes", "No", "Not sure")),
        ),
        "asks_for_comments": True,
        "audience_kind": "school",
        "audience_value": str(school_id),
        "closes_at": NOW + timedelta(days=7),
        "remind_at": NOW + timedelta(days=5),
    }
    values.update(changes)
    return SurveyInput(**values)  # type: ignore[arg-type]


async def _school_with_carers(database: Database) -> tuple[int, list[tuple[int, int]]]:
    """A school with three carers (chat id, carer id) and one carer at another school."""
    async with database.transaction() as session:
        school = await make_school(session, name="Oakwood")
        route = await make_route(session, school=school)
        carers = []
        for name, kid in (("Ann", "Tom"), ("Bea", "Ola"), ("Cy", "Kit")):
            carer = await make_carer(session, first_name=name, children=[await make_child(session, route=route, display_name=kid)])
            carers.append((carer.chat_id, carer.id))
        await make_carer(session, first_name="Elsewhere", children=[await make_child(session)])
        return school.id, carers  # type: ignore[return-value]


async def test_every_wrong_field_is_named(database: Database) -> None:
    bad = survey_input(
        "x", title=" ", rating_question="", closes_at=NOW - timedelta(hours=1), remind_at=NOW + timedelta(days=1),
        questions=(QuestionInput("Pick one", kind="choice", choices=("Only",)), QuestionInput("a"), QuestionInput("b"), QuestionInput("c")),
    )
    async with database.transaction() as session:
        with pytest.raises(SurveyError) as caught:
            await create_survey(session, draft=bad, actor=COORDINATOR, now=NOW)
    fields = dict(caught.value.errors)
    assert set(fields) == {"title", "rating_question", "question_1_text", "question_1_choices", "audience_value", "closes_at", "remind_at"}
    assert fields["closes_at"] == "The closing time must be in the future"
    async with database.transaction() as session:
        with pytest.raises(SurveyError) as caught:
            await create_survey(session, draft=survey_input(1, remind_at=NOW + timedelta(days=8)), actor=COORDINATOR, now=NOW)
    assert caught.value.errors == [("remind_at", "The reminder must go before the survey closes")]


async def test_send_answer_remind_close_and_results(database: Database) -> None:
    school_id, carers = await _school_with_carers(database)
    (ann_chat, ann), (bea_chat, bea), (_, cy) = carers
    async with database.transaction() as session:
        survey = await create_survey(session, draft=survey_input(school_id), actor=COORDINATOR, now=NOW)
        survey_id = survey.id
        await send_survey(session, survey_id=survey_id, actor=COORDINATOR, now=NOW)
    async with database.transaction() as session:
        with pytest.raises(SurveyStepNotAllowed):
            await send_survey(session, survey_id=survey_id, actor=COORDINATOR, now=NOW)
        invites = (await session.exec(select(OutboxMessage).where(OutboxMessage.source_type == "survey"))).all()
    assert sorted(row.idempotency_key for row in invites) == sorted(f"survey:{survey_id}:carer:{carer}" for carer in (ann, bea, cy))
    assert all(f"sv:go:{survey_id}:{row.id}" in (row.reply_markup or "").replace("{outbox_id}", str(row.id)) for row in invites)

    answered_at = NOW + timedelta(days=1)
    async with database.transaction() as session:  # Ann: words, a choice, comments, agrees to be quoted
        assert (await begin_survey(session, chat_id=ann_chat, carer_id=ann, survey_id=survey_id, now=answered_at)).kind == PromptKind.RATING
        first = await choose_rating(session, chat_id=ann_chat, carer_id=ann, version=1, rating=2, now=answered_at)
        choice = await answer_question(session, chat_id=ann_chat, carer_id=ann, version=None, words="The driver Dave was 40 minutes late again, terrible and upsetting", now=answered_at)
        comments = await answer_question(session, chat_id=ann_chat, carer_id=ann, version=choice.version, choice=1, now=answered_at)
        quote = await add_comments(session, chat_id=ann_chat, carer_id=ann, version=None, words="Tom was anxious all week. Call 07700 900123.", now=answered_at)
        thanks = await answer_quote(session, chat_id=ann_chat, carer_id=ann, version=quote.version, consent=True, now=answered_at)
    assert (first.kind, choice.kind, comments.kind, quote.kind, thanks.kind) == (
        PromptKind.TEXT_QUESTION, PromptKind.CHOICE_QUESTION, PromptKind.COMMENTS, PromptKind.QUOTE, PromptKind.THANKS,
    )
    async with database.transaction() as session:  # Bea: a rating only, skipping everything
        await begin_survey(session, chat_id=bea_chat, carer_id=bea, survey_id=survey_id, now=answered_at)
        prompt = await choose_rating(session, chat_id=bea_chat, carer_id=bea, version=1, rating=5, now=answered_at)
        prompt = await answer_question(session, chat_id=bea_chat, carer_id=bea, version=prompt.version, now=answered_at)
        prompt = await answer_question(session, chat_id=bea_chat, carer_id=bea, version=prompt.version, now=answered_at)
        prompt = await add_comments(session, chat_id=bea_chat, carer_id=bea, version=prompt.version, words=None, now=answered_at)
        assert prompt.kind == PromptKind.THANKS
        again = await begin_survey(session, chat_id=bea_chat, carer_id=bea, survey_id=survey_id, now=answered_at)
        assert again.kind == PromptKind.ALREADY_ANSWERED

    remind_at = NOW + timedelta(days=5)
    async with database.transaction() as session:
        assert (await run_survey_followups(session, now=remind_at - timedelta(seconds=1))).reminders_queued == 0
    async with database.transaction() as session:
        assert (await run_survey_followups(session, now=remind_at)).reminders_queued == 1
    async with database.transaction() as session:
        assert (await run_survey_followups(session, now=remind_at + timedelta(hours=1))).reminders_queued == 0
        reminders = (await session.exec(select(OutboxMessage).where(OutboxMessage.purpose == "survey_reminder"))).all()
        not_answered = await resolve_audience(session, spec={"kind": "not_answered_survey", "value": survey_id})
    assert [row.carer_id for row in reminders] == [cy]
    assert [row.carer.id for row in not_answered.rows] == [cy]

    async with database.transaction() as session:
        feedback = list((await session.exec(select(FeedbackItem).order_by(FeedbackItem.id))).all())
        results = await survey_results(session, survey_id=survey_id)
    assert all(item.source == FeedbackSource.SURVEY for item in feedback)
    by_key = {(item.carer_id, item.survey_key): item for item in feedback}
    late = by_key[(ann, f"survey:{survey_id}:q1")]
    assert "punctuality" in late.themes and late.sentiment is not None and late.sentiment < 0 and late.consent_to_quote
    assert by_key[(ann, f"survey:{survey_id}")].rating == 2 and by_key[(bea, f"survey:{survey_id}")].text is None
    # Each answer carries where the family's child travels as they answer (the export's --school/--route/--district).
    async with database.transaction() as session:
        school_code = (await session.exec(select(School.code).where(School.id == school_id))).one()
    assert {(item.school_code, item.district) for item in feedback} == {(school_code, "Maidstone")}
    assert all(item.route_code and item.child_id for item in feedback)
    assert (results.invited, results.completed, results.response_rate, results.average_rating) == (3, 2, 67, 3.5)
    assert results.rating_counts == {1: 0, 2: 1, 3: 0, 4: 0, 5: 1}
    assert results.questions[1].choice_counts == [("Yes", 0), ("No", 1), ("Not sure", 0)]
    assert results.questions[0].answers == ["The driver [name] was 40 minutes late again, terrible and upsetting"]
    assert results.comments == ["[name] was anxious all week. Call [phone]."]

    async with database.transaction() as session:  # closing time: closed, and a late answer is refused kindly
        assert (await run_survey_followups(session, now=NOW + timedelta(days=7))).surveys_closed == 1
    cy_chat = carers[2][0]
    async with database.transaction() as session:
        late_answer = await begin_survey(session, chat_id=cy_chat, carer_id=cy, survey_id=survey_id, now=NOW + timedelta(days=8))
        with pytest.raises(SurveyStepNotAllowed):
            await close_survey(session, survey_id=survey_id, actor=COORDINATOR, now=NOW + timedelta(days=8))
    assert late_answer.kind == PromptKind.CLOSED


async def test_a_carer_not_invited_cannot_answer_and_a_closed_survey_stops_a_started_answer(database: Database) -> None:
    school_id, carers = await _school_with_carers(database)
    (ann_chat, ann), _, _ = carers
    async with database.transaction() as session:
        outsider = await make_carer(session, first_name="Out")
        survey = await create_survey(session, draft=survey_input(school_id, questions=()), actor=COORDINATOR, now=NOW)
        await send_survey(session, survey_id=survey.id, actor=COORDINATOR, now=NOW)  # type: ignore[arg-type]
    async with database.transaction() as session:
        with pytest.raises(StaleStepError):
            await begin_survey(session, chat_id=outsider.chat_id, carer_id=outsider.id, survey_id=survey.id, now=NOW)  # type: ignore[arg-type]
        await begin_survey(session, chat_id=ann_chat, carer_id=ann, survey_id=survey.id, now=NOW)  # type: ignore[arg-type]
        await close_survey(session, survey_id=survey.id, actor=COORDINATOR, now=NOW)  # type: ignore[arg-type]
        prompt = await choose_rating(session, chat_id=ann_chat, carer_id=ann, version=1, rating=4, now=NOW)
    assert prompt.kind == PromptKind.CLOSED
