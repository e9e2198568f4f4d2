"""Report a problem today end to end: the parent reports, the duty group is alerted, an officer resolves, the parent is told."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from sqlmodel import select

from carerline.service import CarerlineService
from db.engine import Database
from db.models import Child
from db.models.casework import ProblemReport
from db.models.staff import StaffRole
from sandbox.emulator import BotApiEmulator, SentMessage
from services.carers.codes import IssuedCode
from services.problems.reports import MAX_DETAILS_LENGTH
from tests.support.factories import make_child, make_linking_code
from tests.support.phone import Phone, label, visible
from tests.support.staff import StaffWeb

IssueCode = Callable[..., Awaitable[tuple[Child, IssuedCode]]]
DUTY_GROUP = -100_777


async def linked(emulator: BotApiEmulator, issued: IssuedCode, *, user_id: int, language: str) -> tuple[Phone, SentMessage]:
    phone = Phone(emulator, user_id=user_id, first_name="Amira", language_code=language)
    menu = await phone.press(await phone.send(f"/start {issued.payload}"), label("consent.button.agree", language=language))
    return phone, menu


async def only_report(database: Database) -> ProblemReport:
    async with database.transaction() as session:
        return (await session.exec(select(ProblemReport))).one()


@pytest.mark.parametrize("language", ["en", "pl"])
async def test_no_show_alerts_the_duty_group_and_the_parent_is_told_when_resolved(
    language: str,
    emulator: BotApiEmulator,
    start_service: Callable[..., Awaitable[CarerlineService]],
    issue_code: IssueCode,
    database: Database,
    staff_web: StaffWeb,
) -> None:
    emulator.add_group(chat_id=DUTY_GROUP, title="SEN transport duty")
    service = await start_service(duty_telegram_chat_id=DUTY_GROUP)
    contact = {"phone": service.settings.council_transport_phone, "hours": service.settings.council_transport_hours}
    _, issued = await issue_code(display_name="Sam")
    phone, menu = await linked(emulator, issued, user_id=901, language=language)

    categories = await phone.press(menu, "menu:problem")
    assert categories.text.startswith(visible("casework_bot.problem.choose_category", language=language, child="Sam").split("\n")[0])
    assert label("casework.problem.category.transport_did_not_come", language=language) in phone.labels(categories)
    ask = await phone.press(categories, label("casework.problem.category.transport_did_not_come", language=language))
    assert label("menu.button.back", language=language) in phone.labels(ask)
    confirm = await phone.send("Nobody came at 8 <again> & we waited")
    assert "Nobody came at 8 <again> & we waited" in confirm.text
    received = await phone.press(confirm, label("casework_bot.problem.button.send", language=language))

    report = await only_report(database)
    assert report.category == "transport_did_not_come" and report.is_urgent and report.route_code
    assert report.details == "Nobody came at 8 <again> & we waited"
    category = label("casework.problem.category.transport_did_not_come", language=language)
    assert received.text == visible(
        "casework.problem.received_urgent", language=language, category=category, reference=report.reference, **contact
    )

    await emulator.wait_until(lambda: bool(emulator.bot_messages(chat_id=DUTY_GROUP)), description="the duty alert")
    alert = emulator.bot_messages(chat_id=DUTY_GROUP)[0].text or ""
    assert report.reference in alert and "Sam" in alert and "Nobody came" not in alert

    coordinator, _ = await staff_web.signed_in(StaffRole.PACT_COORDINATOR)
    refused = await coordinator.http.post(
        f"/api/v1/problem-reports/{report.id}/resolve", json={"note": "x"}, headers={"X-CSRF-Token": coordinator.csrf_token or ""}
    )
    assert refused.status == 403
    officer, _ = await staff_web.signed_in(StaffRole.OFFICER)
    listed = await officer.http.get("/api/v1/problem-reports")
    assert [item["reference"] for item in (await listed.json())["items"]] == [report.reference]
    before = phone.last_message_id
    resolved = await officer.http.post(
        f"/api/v1/problem-reports/{report.id}/resolve",
        json={"note": "The driver is on his way <10 min>"},
        headers={"X-CSRF-Token": officer.csrf_token or ""},
    )
    assert resolved.status == 200, await resolved.text()
    again = await officer.http.post(
        f"/api/v1/problem-reports/{report.id}/resolve", json={}, headers={"X-CSRF-Token": officer.csrf_token or ""}
    )
    assert again.status == 409

    told = await phone.reply_after(before)
    assert told.text == visible(
        "casework.problem.resolved_with_note", language=language, reference=report.reference, category=category, note="The driver is on his way <10 min>"
    )
    assert (await only_report(database)).parent_told_at is not None


async def test_two_children_long_details_and_no_duty_channel(
    emulator: BotApiEmulator, service: CarerlineService, issue_code: IssueCode, database: Database
) -> None:
    first, issued = await issue_code(display_name="Sam")
    phone, _ = await linked(emulator, issued, user_id=902, language="en")
    async with database.transaction() as session:
        second = await make_child(session, display_name="Lea")
        other = await make_linking_code(session, child=second)
    await phone.send(f"/start {other.payload}")

    choose = await phone.send("/problem")
    assert choose.text == visible("casework_bot.problem.choose_child", language="en")
    categories = await phone.press(choose, f"prob:child:{second.id}")
    assert "Lea" in categories.text
    ask = await phone.press(categories, label("casework.problem.category.running_late", language="en"))
    confirm = await phone.send("x" * 5000)
    assert confirm.text.startswith(visible("casework_bot.problem.truncated", language="en", limit=f"{MAX_DETAILS_LENGTH:,}"))
    old_skip = await phone.press(ask, label("casework_bot.problem.button.no_details", language="en"))
    assert old_skip.inline_keyboard  # the step moved on: an old button gets a kind answer with a way on
    before = phone.last_message_id
    await phone.press(confirm, label("casework_bot.problem.button.send", language="en"))
    contact = {"phone": service.settings.council_transport_phone, "hours": service.settings.council_transport_hours}
    await emulator.wait_until(
        lambda: {message.text for message in emulator.bot_messages(chat_id=902) if message.message_id > before}
        >= {visible("casework_bot.problem.alert_failed", language="en", **contact)}
        and len([m for m in emulator.bot_messages(chat_id=902) if m.message_id > before]) >= 2,
        description="the reference and the advice to call",
    )
    report = await only_report(database)
    assert report.child_id == second.id and report.details == "x" * MAX_DETAILS_LENGTH and not report.is_urgent
    sent_twice = await phone.press(confirm, label("casework_bot.problem.button.send", language="en"))
    assert sent_twice.inline_keyboard
    async with database.transaction() as session:
        assert len((await session.exec(select(ProblemReport))).all()) == 1
    assert first.id != second.id
