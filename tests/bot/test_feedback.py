"""Give feedback end to end: topic, rating, words or skip, consent to quote, thanks through the outbox."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from sqlmodel import select

from carerline.service import CarerlineService
from db.dao.reports.exports import ExportFilter
from db.engine import Database
from db.models import Child
from db.models.casework import FeedbackItem, QuoteStatus
from db.models.staff import ActorKind, StaffRole
from reports.exports.kinds import ExportKind
from reports.exports.service import ExportRequest, export_to_file
from reports.exports.writers import ExportFormat
from sandbox.emulator import BotApiEmulator
from services.feedback.records import MAX_FEEDBACK_LENGTH
from services.carers.codes import IssuedCode
from services.staff.audit import Actor
from tests.support.factories import make_child, make_route, make_school
from tests.support.phone import Phone, label, visible

IssueCode = Callable[..., Awaitable[tuple[Child, IssuedCode]]]


async def feedback_items(database: Database) -> list[FeedbackItem]:
    async with database.transaction() as session:
        return list((await session.exec(select(FeedbackItem).order_by(FeedbackItem.id))).all())


@pytest.mark.parametrize("language", ["en", "pl"])
async def test_feedback_with_words_and_consent_to_quote(
    language: str, emulator: BotApiEmulator, service: CarerlineService, issue_code: IssueCode, database: Database
) -> None:
    _, issued = await issue_code()
    phone = Phone(emulator, user_id=911, language_code=language)
    menu = await phone.press(await phone.send(f"/start {issued.payload}"), label("consent.button.agree", language=language))
    topics = await phone.press(menu, "menu:feedback")
    assert topics.text == visible("casework_bot.feedback.choose_topic", language=language)
    ratings = await phone.press(topics, label("casework_bot.feedback.topic.driver_and_assistant", language=language))
    assert phone.labels(ratings)[:5] == ["1", "2", "3", "4", "5"]
    ask = await phone.press(ratings, "fb:rate:driver_and_assistant:5")
    assert ask.text == visible("casework_bot.feedback.ask_text", language=language, limit=f"{MAX_FEEDBACK_LENGTH:,}")
    quote = await phone.send("y" * 5000)
    assert quote.text.startswith(visible("casework_bot.feedback.truncated", language=language, limit=f"{MAX_FEEDBACK_LENGTH:,}"))
    thanks = await phone.press(quote, label("casework_bot.feedback.button.quote_yes", language=language))
    assert thanks.text == visible("casework.feedback.thanks_quote", language=language)
    [item] = await feedback_items(database)
    assert (item.topic, item.rating, item.consent_to_quote, item.quote_status) == ("driver_and_assistant", 5, True, QuoteStatus.PROPOSED)
    assert item.text == "y" * MAX_FEEDBACK_LENGTH
    old = await phone.press(quote, label("casework_bot.feedback.button.quote_no", language=language))
    assert old.inline_keyboard and len(await feedback_items(database)) == 1


async def test_feedback_with_a_rating_only(
    emulator: BotApiEmulator, service: CarerlineService, issue_code: IssueCode, database: Database
) -> None:
    _, issued = await issue_code()
    phone = Phone(emulator, user_id=912)
    await phone.press(await phone.send(f"/start {issued.payload}"), label("consent.button.agree", language="en"))
    ratings = await phone.press(await phone.send("/feedback"), "fb:topic:journey")
    ask = await phone.press(ratings, "fb:rate:journey:2")
    thanks = await phone.press(ask, label("casework_bot.feedback.button.skip", language="en"))
    assert thanks.text == visible("casework.feedback.thanks", language="en")
    [item] = await feedback_items(database)
    assert (item.topic, item.rating, item.text, item.consent_to_quote) == ("journey", 2, None, False)


async def test_bot_feedback_keeps_the_childs_school_route_and_district_at_the_time_for_the_export_filters(
    emulator: BotApiEmulator, service: CarerlineService, issue_code: IssueCode, database: Database, tmp_path: Path
) -> None:
    async with database.transaction() as session:
        school = await make_school(session, district="Swale")
        route = await make_route(session, school=school)
        child = await make_child(session, route=route, display_name="Sam")
    _, issued = await issue_code(child=child)
    phone = Phone(emulator, user_id=913)
    await phone.press(await phone.send(f"/start {issued.payload}"), label("consent.button.agree", language="en"))
    ask = await phone.press(await phone.press(await phone.send("/feedback"), "fb:topic:journey"), "fb:rate:journey:4")
    await phone.press(ask, label("casework_bot.feedback.button.skip", language="en"))
    async with database.transaction() as session:  # the child moves school and route after the feedback
        new_school = await make_school(session, district="Thanet")
        new_route = await make_route(session, school=new_school)
        moved = await session.get(Child, child.id)
        assert moved is not None
        moved.school_id, moved.route_id, moved.district = new_route.school_id, new_route.id, "Thanet"
        session.add(moved)
    [item] = await feedback_items(database)
    assert (item.child_id, item.school_code, item.route_code, item.district) == (child.id, school.code, route.code, "Swale")
    officer = Actor(kind=ActorKind.USER, id=1, label="officer@kent.example", role=StaffRole.OFFICER.value)
    found = {}
    for name, where in [("school", ExportFilter(school_code=school.code)), ("route", ExportFilter(route_code=route.code)),
                        ("district", ExportFilter(district="Swale")), ("new school", ExportFilter(school_code=new_school.code))]:
        path = tmp_path / "feedback.json"
        request = ExportRequest(kind=ExportKind.FEEDBACK, export_format=ExportFormat.JSON, where=where)
        await export_to_file(database, actor=officer, request=request, path=path)
        found[name] = [(row["school"], row["route"], row["district"]) for row in json.loads(path.read_text())]
    assert found == {
        "school": [(school.code, route.code, "Swale")], "route": [(school.code, route.code, "Swale")],
        "district": [(school.code, route.code, "Swale")], "new school": [],
    }
