"""A transport change reaches a linked parent; "I've seen this" is recorded and shown; reminders; My application."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from bot.handlers.complaints import BOT_CLOCK
from carerline.service import CarerlineService
from db.engine import Database
from db.models import ApplicationStage, ChangeKind, ChangeNotice, Child, OutboxMessage, Route
from db.types import utc_now
from messaging.rendering import day
from sandbox.emulator import BotApiEmulator
from services.applications.stages import CouncilContact, change_stage, record_application
from services.carers.codes import IssuedCode
from tests.support.factories import make_transport_change
from tests.support.phone import Phone, label, visible
from tests.support.staff import SettableClock
from tests.support.waiting import wait_for_condition

IssueCode = Callable[..., Awaitable[tuple[Child, IssuedCode]]]
NOTICE_TIMEOUT_S = 15


async def linked_phone(emulator: BotApiEmulator, issued: IssuedCode, *, user_id: int, language: str) -> Phone:
    """A parent who opened the deep link in their letter and agreed to the privacy notice."""
    phone = Phone(emulator, user_id=user_id, first_name="Amira", language_code=language)
    notice = await phone.send(f"/start {issued.payload}")
    await phone.press(notice, label("consent.button.agree", language=language))
    return phone


async def _record_change(database: Database, child: Child, **fields: object) -> None:
    async with database.transaction() as session:
        route = await session.get(Route, child.route_id)
        assert route is not None
        await make_transport_change(session, route=route, **fields)


@pytest.mark.parametrize(("language", "title", "seen"), [
    ("en", "New pick-up time for Sam", "✅ You told us you have seen this. Thank you."),
    ("pl", "Nowa godzina odbioru: Sam", "✅ Dziękujemy za potwierdzenie, że ta wiadomość do Ciebie dotarła."),
])
async def test_a_change_arrives_and_i_have_seen_this_is_recorded(
    language: str, title: str, seen: str, emulator: BotApiEmulator, service: CarerlineService,
    issue_code: IssueCode, database: Database,
) -> None:
    child, issued = await issue_code(display_name="Sam")
    phone = await linked_phone(emulator, issued, user_id=801, language=language)
    before = phone.last_message_id
    await _record_change(database, child, effective_from=date.today() + timedelta(days=5))
    notice = await emulator.wait_for_bot_message(chat_id=801, after_message_id=before, timeout_s=NOTICE_TIMEOUT_S)
    assert title in (notice.text or "")
    button, menu = notice.callback_data_values()
    assert button.startswith("ack:") and menu == "menu:main"
    await emulator.press_button(user_id=801, message_id=notice.message_id, callback_data=button)
    await emulator.wait_until(lambda: bool(emulator.bot_messages(chat_id=801)[-1].edits), timeout_s=10)
    edited = next(message for message in emulator.bot_messages(chat_id=801) if message.message_id == notice.message_id)
    assert (edited.text or "").startswith(notice.text or "") and (edited.text or "").endswith(seen)
    assert edited.callback_data_values() == ["menu:main"]  # "I've seen this" is gone; the way to the menu stays
    async with database.transaction() as session:
        stored = (await session.exec(select(ChangeNotice))).one()
        row = (await session.exec(select(OutboxMessage).where(OutboxMessage.id == int(button.split(":")[1])))).one()
    assert stored.acknowledged_at is not None
    assert row.state == "acknowledged" and row.acknowledged_at is not None and row.telegram_message_id == notice.message_id


async def test_a_parent_cannot_acknowledge_someone_elses_message(
    emulator: BotApiEmulator, service: CarerlineService, issue_code: IssueCode, database: Database
) -> None:
    child, issued = await issue_code(display_name="Sam")
    phone = await linked_phone(emulator, issued, user_id=802, language="en")
    before = phone.last_message_id
    await _record_change(database, child, kind=ChangeKind.NEW_DRIVER, old_value=None, new_value="Dave")
    notice = await emulator.wait_for_bot_message(chat_id=802, after_message_id=before, timeout_s=NOTICE_TIMEOUT_S)
    # A forged press (another message's id in the callback data) changes nothing.
    notice.reply_markup["inline_keyboard"][0][0]["callback_data"] = "ack:999999"  # type: ignore[index]
    await emulator.press_button(user_id=802, message_id=notice.message_id, callback_data="ack:999999")
    await emulator.wait_until(lambda: any(answer.callback_data == "ack:999999" for answer in emulator.callback_answers(user_id=802)))
    async with database.transaction() as session:
        assert (await session.exec(select(ChangeNotice))).one().acknowledged_at is None


async def test_my_application_shows_every_step(
    emulator: BotApiEmulator, service: CarerlineService, issue_code: IssueCode, database: Database
) -> None:
    child, issued = await issue_code(display_name="Sam")
    phone = await linked_phone(emulator, issued, user_id=803, language="en")
    contact = CouncilContact(phone="03000 41 00 00", hours="Monday to Friday, 8:30am to 5pm")
    async with database.transaction() as session:
        await record_application(session, reference="HTST-77", council_reference=child.council_reference,
                                 received_on=date(2026, 11, 2), recorded_by="o", now=utc_now(), contact=contact)
        await change_stage(session, reference="HTST-77", stage=ApplicationStage.ELIGIBILITY_DECIDED, recorded_by="o",
                           now=utc_now(), contact=contact)
    status = await emulator.wait_for_bot_message(chat_id=803, after_message_id=phone.last_message_id - 1, timeout_s=NOTICE_TIMEOUT_S)
    await wait_for_condition(lambda: len(emulator.bot_messages(chat_id=803)) >= 4, timeout_s=NOTICE_TIMEOUT_S,
                             description="both status messages")
    texts = [message.text or "" for message in emulator.bot_messages(chat_id=803)]
    for stage in ("received", "eligibility_decided"):
        told = visible(f"updates.application.stage.{stage}", language="en", child="Sam", reference="HTST-77")
        assert any(told in text for text in texts), status
    reply = await phone.send("/application")
    assert visible("updates.my_application.heading", language="en") in (reply.text or "")
    assert visible("updates.my_application.child", language="en", child="Sam", reference="HTST-77",
                   date=day(date(2026, 11, 2), language="en")) in (reply.text or "")
    assert visible("updates.my_application.stage.eligibility_decided", language="en") in (reply.text or "")
    menu = await phone.send("/menu")
    by_button = await phone.press(menu, "menu:application")
    assert by_button.text == reply.text


@pytest.mark.parametrize("language", ["en", "pl"])
async def test_my_application_shows_the_received_and_promised_by_dates_and_says_when_it_is_late(
    language: str, emulator: BotApiEmulator, service: CarerlineService, issue_code: IssueCode, database: Database,
) -> None:
    # Received on Monday 28 September, typed in by an officer on 20 October: the family sees 28 September.
    user_id = 804 if language == "en" else 805
    child, issued = await issue_code(display_name="Sam")
    phone = await linked_phone(emulator, issued, user_id=user_id, language=language)
    assert service.bot_application is not None
    bot_clock = SettableClock(datetime(2026, 10, 20, 10, 0, tzinfo=UTC))
    service.bot_application.bot_data[BOT_CLOCK] = bot_clock
    settings = service.settings
    contact = CouncilContact(phone=settings.council_transport_phone, hours=settings.council_transport_hours)
    async with database.transaction() as session:
        await record_application(session, reference="HTST-78", council_reference=child.council_reference,
                                 received_on=date(2026, 9, 28), recorded_by="o", now=bot_clock(), contact=contact)
    await wait_for_condition(lambda: len(emulator.bot_messages(chat_id=user_id)) >= 3, timeout_s=NOTICE_TIMEOUT_S,
                             description="the received message")
    received = visible("updates.my_application.child", language=language, child="Sam", reference="HTST-78",
                       date=day(date(2026, 9, 28), language=language))
    promised = visible("updates.my_application.promised_by", language=language, date=day(date(2026, 10, 26), language=language))
    late = visible("updates.my_application.late", language=language, date=day(date(2026, 10, 26), language=language),
                   reference="HTST-78", phone=settings.council_transport_phone, hours=settings.council_transport_hours)
    on_time = (await phone.send("/application")).text or ""
    assert received in on_time and promised in on_time and late not in on_time
    assert day(date(2026, 10, 20), language=language) not in on_time  # never the day it was typed in
    bot_clock.advance(timedelta(days=7))  # Tuesday 27 October: past the promise (Monday 26 October), still open
    overdue = (await phone.send("/application")).text or ""
    assert late in overdue and settings.council_transport_phone in overdue
    before = len(emulator.bot_messages(chat_id=user_id))
    async with database.transaction() as session:
        await change_stage(session, reference="HTST-78", stage=ApplicationStage.ARRANGED, recorded_by="o",
                           now=bot_clock(), contact=contact)
    await wait_for_condition(lambda: len(emulator.bot_messages(chat_id=user_id)) > before, timeout_s=NOTICE_TIMEOUT_S,
                             description="the arranged message")
    done = (await phone.send("/application")).text or ""
    assert visible("updates.my_application.stage.arranged", language=language) in done
    assert late not in done and promised not in done
