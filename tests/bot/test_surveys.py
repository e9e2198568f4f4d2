"""A survey end to end: invites through the outbox, two parents answer (one in Polish), one gets one reminder, a late answer is refused kindly."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlmodel import select

from carerline.service import CarerlineService
from db.engine import Database
from db.models import Child
from db.models.casework import FeedbackItem
from db.models.surveys import Survey
from db.models.staff import ActorKind
from db.types import utc_now
from sandbox.emulator import BotApiEmulator, SentMessage
from services.broadcasts.audiences import resolve_audience
from services.staff.audit import Actor
from services.feedback.records import MAX_FEEDBACK_LENGTH
from services.carers.codes import IssuedCode
from services.surveys.workflow import QuestionInput, SurveyInput, close_survey, create_survey, run_survey_followups, send_survey
from tests.support.factories import make_child, make_route
from tests.support.phone import Phone, label, visible

IssueCode = Callable[..., Awaitable[tuple[Child, IssuedCode]]]
INVITE_TIMEOUT_S = 15
COORDINATOR = Actor(kind=ActorKind.USER, id=31, label="Coordinator", role="pact_coordinator")


async def _linked(emulator: BotApiEmulator, issue_code: IssueCode, child: Child, *, user_id: int, language: str) -> Phone:
    _, issued = await issue_code(child=child)
    phone = Phone(emulator, user_id=user_id, first_name="Parent", language_code=language)
    await phone.press(await phone.send(f"/start {issued.payload}"), label("consent.button.agree", language=language))
    return phone


async def _invite(emulator: BotApiEmulator, phone: Phone, before: int) -> SentMessage:
    return await emulator.wait_for_bot_message(chat_id=phone.user_id, after_message_id=before, timeout_s=INVITE_TIMEOUT_S)


async def test_two_parents_answer_one_is_reminded_once_and_a_late_answer_is_refused_kindly(
    emulator: BotApiEmulator, service: CarerlineService, issue_code: IssueCode, database: Database
) -> None:
    async with database.transaction() as session:
        route = await make_route(session)
        children = [await make_child(session, route=route, display_name=name) for name in ("Tom", "Ola", "Kit")]
    english = await _linked(emulator, issue_code, children[0], user_id=951, language="en")
    polish = await _linked(emulator, issue_code, children[1], user_id=952, language="pl")
    silent = await _linked(emulator, issue_code, children[2], user_id=953, language="en")
    marks = {phone.user_id: phone.last_message_id for phone in (english, polish, silent)}
    now = utc_now()
    async with database.transaction() as session:
        survey = await create_survey(
            session,
            draft=SurveyInput(
                title="Autumn journeys", intro="Tell us about this term's journeys.", rating_question="How were the journeys?",
                questions=(QuestionInput("What would make the journey better?"), QuestionInput("Do you know the driver?", kind="choice", choices=("Yes", "No"))),
                asks_for_comments=True, audience_kind="school", audience_value=str(route.school_id),
                closes_at=now + timedelta(days=7), remind_at=now + timedelta(days=5),
            ),
            actor=COORDINATOR, now=now,
        )
        survey_id = survey.id
        await send_survey(session, survey_id=survey_id, actor=COORDINATOR, now=now)  # type: ignore[arg-type]
    invites = {phone.user_id: await _invite(emulator, phone, marks[phone.user_id]) for phone in (english, polish, silent)}
    assert "Autumn journeys" in (invites[951].text or "") and "closes on" in (invites[951].text or "")
    assert Phone.labels(invites[952])[0] == label("surveys.button.start", language="pl")

    # English: a rating, 5,000 characters (kept to the limit), a choice, comments, yes to quoting.
    rating = await english.press(invites[951], label("surveys.button.start", language="en"))
    assert Phone.labels(rating)[:5] == ["1", "2", "3", "4", "5"]
    question = await english.press(rating, next(data for data in rating.callback_data_values() if data.endswith(":2")))
    assert "Question 1 of 2" in (question.text or "")
    choice = await english.send("The bus was late every day. " + "x" * 5000)
    assert (choice.text or "").startswith(visible("surveys.truncated", language="en", limit=f"{MAX_FEEDBACK_LENGTH:,}"))
    comments = await english.press(choice, "No")
    quote = await english.send("Lovely driver, very kind to Tom.")
    thanks = await english.press(quote, label("surveys.button.quote_yes", language="en"))
    assert thanks.text == visible("surveys.thanks", language="en", title="Autumn journeys")

    # Polish: a sticker mid-survey is answered kindly with the question again; skip, choose, no comments.
    rating = await polish.press(invites[952], label("surveys.button.start", language="pl"))
    question = await polish.press(rating, next(data for data in rating.callback_data_values() if data.endswith(":4")))
    again = await polish.act(emulator.send_sticker(user_id=952))
    assert (again.text or "").startswith(visible("surveys.media", language="pl")) and "Pytanie 1 z 2" in (again.text or "")
    choice = await polish.press(again, label("surveys.button.skip", language="pl"))
    typed = await polish.send("Tak")  # words where a button is wanted: the question again, with its buttons
    assert (typed.text or "").startswith(visible("surveys.use_buttons", language="pl")) and "Pytanie 2 z 2" in (typed.text or "")
    comments = await polish.press(typed, "Yes")
    thanks = await polish.press(comments, label("surveys.button.skip", language="pl"))
    assert thanks.text == visible("surveys.thanks", language="pl", title="Autumn journeys")

    async with database.transaction() as session:
        items = list((await session.exec(select(FeedbackItem).order_by(FeedbackItem.id))).all())
    assert [(item.survey_key, item.rating) for item in items] == [
        (f"survey:{survey_id}", 2), (f"survey:{survey_id}:q1", None), (f"survey:{survey_id}", 4),
    ]
    assert "punctuality" in items[1].themes and len(items[1].text or "") == MAX_FEEDBACK_LENGTH
    assert "praise" in items[0].themes and (items[0].sentiment or 0) > 0 and items[0].consent_to_quote

    # The reminder's time comes (moved to now so the delivery worker may send it): the job reminds the silent parent once.
    async with database.transaction() as session:
        stored = await session.get(Survey, survey_id)
        assert stored is not None
        stored.remind_at = utc_now() - timedelta(seconds=1)
    async with database.transaction() as session:
        await run_survey_followups(session, now=utc_now())
    reminder = await _invite(emulator, silent, invites[953].message_id)
    assert "A reminder" in (reminder.text or "")
    async with database.transaction() as session:
        assert (await run_survey_followups(session, now=utc_now())).reminders_queued == 0
        audience = await resolve_audience(session, spec={"kind": "not_answered_survey", "value": survey_id})
        await close_survey(session, survey_id=survey_id, actor=COORDINATOR, now=utc_now())  # type: ignore[arg-type]
    assert [row.child_name for row in audience.rows] == ["Kit"]
    assert all("A reminder" not in (message.text or "") for phone in (english, polish) for message in emulator.bot_messages(chat_id=phone.user_id))

    late = await silent.press(reminder, label("surveys.button.start", language="en"))
    assert late.text == visible("surveys.closed", language="en", title="Autumn journeys")
