"""A complaint end to end through the emulator: made with a photo in the bot, acknowledged at once,
extended and answered late by an officer, taken to stage 2 by the parent, refused to the stage 1
officer, acknowledged and answered by another; the parent is told at each step.

The bot and the staff side run on set clocks: received Monday 15 December 2025, so stage 1 runs over
Christmas and New Year, and stage 2 is asked for on Thursday 2 April 2026, before the Easter
bank-holiday weekend (and its answer date passes the early May bank holiday). The dates are in the
past so the outbox, which runs on the real clock, sends each message at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from bot.handlers.complaints import BOT_CLOCK
from carerline.service import CarerlineService
from db.engine import Database
from db.models import Child
from db.models.casework import Complaint, ComplaintAttachment, ComplaintStatus
from db.models.staff import AuditEvent, StaffRole, StaffUser
from sandbox.emulator import BotApiEmulator, SentMessage
from services.complaints.workflow import MAX_DESCRIPTION_LENGTH
from services.carers.codes import IssuedCode
from tests.support.casework import pdf_bytes, windows_executable_bytes
from tests.support.factories import make_child, make_linking_code
from tests.support.phone import Phone, label, visible
from tests.support.staff import SettableClock, StaffClient, StaffWeb, running_staff_web

IssueCode = Callable[..., Awaitable[tuple[Child, IssuedCode]]]


def at(year: int, month: int, day: int, hour: int = 11) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


@pytest.fixture
def attachments_dir(tmp_path: Path) -> Path:
    return tmp_path / "attachments"


@pytest.fixture
async def staff_web(database_url: str, attachments_dir: Path) -> AsyncIterator[StaffWeb]:
    """The staff pages over the same database and attachments folder as the bot."""
    async with running_staff_web(database_url=database_url, clock=SettableClock(at(2025, 12, 15)), attachments_dir=attachments_dir) as running:
        yield running


async def only_complaint(database: Database) -> Complaint:
    async with database.transaction() as session:
        return (await session.exec(select(Complaint))).one()


async def next_from_bot(phone: Phone, after: int) -> SentMessage:
    return await phone.reply_after(after)


async def move_clock(staff_web: StaffWeb, when: datetime, *officers: tuple[StaffClient, StaffUser]) -> None:
    """Move the staff clock (days pass, sessions expire) and sign the officers in again."""
    staff_web.clock.now = when
    for client, user in officers:
        assert (await client.sign_in(user.email)).status == 303


async def officer_form(client: StaffClient, path: str, data: dict[str, str]) -> tuple[int, str]:
    response = await client.post_form(path, data)
    return response.status, await response.text()


async def test_complaint_with_a_photo_goes_through_both_stages_with_the_parent_told_each_time(
    emulator: BotApiEmulator,
    start_service: Callable[..., Awaitable[CarerlineService]],
    issue_code: IssueCode,
    database: Database,
    staff_web: StaffWeb,
    attachments_dir: Path,
) -> None:
    service = await start_service(attachments_dir=attachments_dir)
    bot_clock = SettableClock(at(2025, 12, 15, 10))
    assert service.bot_application is not None
    service.bot_application.bot_data[BOT_CLOCK] = bot_clock
    _, issued = await issue_code(display_name="Sam")
    phone = Phone(emulator, user_id=961, first_name="Amira", language_code="en")
    menu = await phone.press(await phone.send(f"/start {issued.payload}"), label("consent.button.agree", language="en"))

    # The parent makes the complaint: stickers and voice notes get a clear answer, words add up, a photo is kept.
    categories = await phone.press(menu, "menu:complaint")
    assert label("casework.complaint.category.service_delivery", language="en") in phone.labels(categories)
    ask = await phone.press(categories, label("casework.complaint.category.service_delivery", language="en"))
    assert "Next" not in " ".join(phone.labels(ask))  # nothing typed yet: only the way back
    sticker = await phone.act(emulator.send_sticker(user_id=961))
    assert sticker.text == visible("complaints_bot.words_only", language="en")
    await phone.send("The bus left without Sam <twice> & nobody called.")
    too_long = await phone.send("y" * MAX_DESCRIPTION_LENGTH)
    assert too_long.text.startswith("That message is too long to add")
    added = await phone.send("Please make sure it waits.")
    assert added.text.startswith("Thank you, we have added that")
    summary = await phone.press(added, label("complaints_bot.button.next", language="en"))
    assert "The bus left without Sam <twice> & nobody called.\n\nPlease make sure it waits." in summary.text
    photo = await phone.act(emulator.send_photo(user_id=961))
    assert photo.text == visible("complaints_bot.file_added", language="en", count="1")
    voice = await phone.act(emulator.send_voice(user_id=961))
    assert voice.text == visible("complaints_bot.words_only", language="en")
    before = phone.last_message_id
    await emulator.press_button(user_id=961, message_id=voice.message_id, callback_data=phone.callback_data(voice, label("complaints_bot.button.send", language="en")))
    acknowledged = await next_from_bot(phone, before)

    complaint = await only_complaint(database)
    assert complaint.reference == "HTST-2025-00001" and complaint.route_code and complaint.child_id is not None
    assert complaint.description == "The bus left without Sam <twice> & nobody called.\n\nPlease make sure it waits."
    # Christmas Day and Boxing Day are not working days: 10 working days from 15 December end on 31 December.
    assert acknowledged.text == visible("casework.complaint.acknowledged", language="en", reference=complaint.reference, respond_by="Wednesday 31 December 2025")
    async with database.transaction() as session:
        attachment = (await session.exec(select(ComplaintAttachment))).one()
    assert attachment.content_type == "image/png" and (attachments_dir / attachment.stored_name).is_file()

    # Officer A: the queue tags it due soon; the page lists the photo; the download is audited; extends with a reason.
    officer_a, user_a = await staff_web.signed_in(StaffRole.OFFICER)
    await move_clock(staff_web, at(2025, 12, 30), (officer_a, user_a))
    queue = await officer_a.get("/casework/complaints")
    queue_html = await queue.text()
    assert queue.status == 200 and complaint.reference in queue_html and "Due soon" in queue_html
    page = await officer_a.get(f"/casework/complaints/{complaint.id}")
    download_path = f"/casework/complaints/{complaint.id}/attachments/{attachment.id}/download"
    assert download_path in await page.text()
    download = await officer_a.get(download_path)
    assert download.status == 200 and hashlib.sha256(await download.read()).hexdigest() == attachment.sha256
    assert download.headers["Content-Disposition"].startswith("attachment;")
    status, html = await officer_form(officer_a, f"/casework/complaints/{complaint.id}/extend", {"working_days": "10", "reason": ""})
    assert status == 422 and "govuk-error-summary" in html
    before = phone.last_message_id
    status, _ = await officer_form(
        officer_a, f"/casework/complaints/{complaint.id}/extend", {"working_days": "10", "reason": "We are waiting for the operator's report"}
    )
    assert status == 303
    # New Year's Day is skipped too: 10 more working days after 31 December end on 15 January.
    extended = await next_from_bot(phone, before)
    assert extended.text == visible(
        "casework.complaint.extended", language="en", reference=complaint.reference,
        reason="We are waiting for the operator's report", respond_by="Thursday 15 January 2026",
    )

    # Answered a day late: the parent gets an apology with the answer.
    await move_clock(staff_web, at(2026, 1, 16), (officer_a, user_a))
    assert "Overdue" in await (await officer_a.get("/casework/complaints")).text()
    before = phone.last_message_id
    status, _ = await officer_form(
        officer_a, f"/casework/complaints/{complaint.id}/respond", {"response": "The driver has been told to wait.", "outcome": "partly_upheld"}
    )
    assert status == 303
    answered = await next_from_bot(phone, before)
    assert answered.text.startswith(visible("casework.complaint.sorry_late", language="en"))
    assert "The driver has been told to wait." in answered.text

    # The parent asks for stage 2 from the bot on the Thursday before Easter.
    bot_clock.now = at(2026, 4, 2, 10)
    mine = await phone.send("/complaints")
    assert "The driver has been told to wait." in mine.text
    ask_reason = await phone.press(mine, label("casework.button.escalate", language="en", reference=complaint.reference))
    assert ask_reason.text == visible("complaints_bot.ask_reason", language="en", reference=complaint.reference, limit=f"{MAX_DESCRIPTION_LENGTH:,}")
    voice_reason = await phone.act(emulator.send_voice(user_id=961))
    assert voice_reason.text == visible("complaints_bot.reason_in_words", language="en")
    escalated = await phone.send("It still leaves without him.")
    # Good Friday and Easter Monday are bank holidays: 5 working days from 2 April end on 13 April.
    assert escalated.text == visible("casework.complaint.escalated", language="en", reference=complaint.reference, acknowledge_by="Monday 13 April 2026")

    # Officer A may not take stage 2; officer B acknowledges and gives the final answer.
    await move_clock(staff_web, at(2026, 4, 7), (officer_a, user_a))
    before = phone.last_message_id
    status, html = await officer_form(officer_a, f"/casework/complaints/{complaint.id}/acknowledge", {})
    assert status == 409 and "different officer" in html
    officer_b, user_b = await staff_web.signed_in(StaffRole.OFFICER)
    status, _ = await officer_form(officer_b, f"/casework/complaints/{complaint.id}/acknowledge", {})
    assert status == 303
    stage2 = await next_from_bot(phone, before)
    # 20 working days from 7 April, past the early May bank holiday (4 May): 6 May.
    assert stage2.text == visible("casework.complaint.stage2_acknowledged", language="en", reference=complaint.reference, respond_by="Wednesday 6 May 2026")
    await move_clock(staff_web, at(2026, 4, 20), (officer_b, user_b))
    before = phone.last_message_id
    status, _ = await officer_form(
        officer_b, f"/casework/complaints/{complaint.id}/respond", {"response": "A new driver starts on Monday.", "outcome": "upheld"}
    )
    assert status == 303
    final = await next_from_bot(phone, before)
    assert final.text.startswith(f"Our final answer to your complaint {complaint.reference}")

    closed = await only_complaint(database)
    assert closed.status == ComplaintStatus.CLOSED and closed.stage1_handled_by == user_a.id and closed.stage2_handled_by == user_b.id
    async with database.transaction() as session:
        actions = [event.action for event in (await session.exec(select(AuditEvent))).all()]
    assert {"complaint.list", "complaint.view", "complaint.attachment.download", "complaint.extend", "complaint.respond", "complaint.acknowledge"} <= set(actions)
    mine = await phone.send("/complaints")
    assert "Closed on" in mine.text and not any("second look" in text for text in phone.labels(mine))


async def test_polish_parent_with_two_children_gets_the_statutory_route_and_sends_a_pdf(
    emulator: BotApiEmulator, service: CarerlineService, issue_code: IssueCode, database: Database
) -> None:
    first, issued = await issue_code(display_name="Sam")
    phone = Phone(emulator, user_id=962, first_name="Ola", language_code="pl")
    await phone.press(await phone.send(f"/start {issued.payload}"), label("consent.button.agree", language="pl"))
    async with database.transaction() as session:
        second = await make_child(session, display_name="Lea")
        other = await make_linking_code(session, child=second)
    await phone.send(f"/start {other.payload}")

    # Eligibility is not a complaint: the statutory review and appeal route, with its timescales, and nothing opened.
    choose = await phone.send("/complaint")
    assert choose.text == visible("complaints_bot.choose_child", language="pl")
    categories = await phone.press(choose, f"cmp:child:{first.id}")
    advice = await phone.press(categories, label("casework.complaint.category.eligibility_decision", language="pl"))
    assert advice.text == visible("casework.statutory_route", language="pl", phone=service.settings.council_transport_phone)

    categories = await phone.press(await phone.send("/complaint"), f"cmp:child:{second.id}")
    await phone.press(categories, label("casework.complaint.category.communication", language="pl"))
    early_pdf = await phone.act(
        emulator.send_document(user_id=962, filename="list.pdf", content=pdf_bytes(), mime_type="application/pdf", caption="List z urzędu.")
    )
    assert early_pdf.text == visible("complaints_bot.file_added_type_words", language="pl", count="1")
    words = await phone.send("Nikt nas nie poinformował o zmianie trasy.")
    summary = await phone.press(words, label("complaints_bot.button.next", language="pl"))
    assert "Lea" in summary.text and "Dodane pliki: 1" in summary.text
    assert "List z urzędu.\n\nNikt nas nie poinformował o zmianie trasy." in summary.text  # words sent with a file are kept
    renamed = await phone.act(emulator.send_document(user_id=962, filename="zdjecie.pdf", content=windows_executable_bytes()))
    assert renamed.text == visible("complaints_bot.file_rejected.not_allowed", language="pl")
    before = phone.last_message_id
    await emulator.press_button(user_id=962, message_id=renamed.message_id, callback_data=phone.callback_data(renamed, label("complaints_bot.button.send", language="pl")))
    acknowledged = await phone.reply_after(before)
    complaint = await only_complaint(database)
    assert complaint.child_id == second.id and complaint.category == "communication"
    assert acknowledged.text.startswith(f"Mamy Twoją skargę. Jej numer to {complaint.reference}.")
    async with database.transaction() as session:
        assert [row.content_type for row in (await session.exec(select(ComplaintAttachment))).all()] == ["application/pdf"]
    resent = await phone.press(renamed, label("complaints_bot.button.send", language="pl"))  # an old button: no second complaint
    assert resent.text == visible("bad_input.old_button", language="pl")

    mine = await phone.send("/complaints")
    assert complaint.reference in mine.text and mine.text.startswith(visible("casework.my.complaints_title", language="pl"))
    assert label("casework.button.escalate", language="pl", reference=complaint.reference) not in phone.labels(mine)
    reports = await phone.press(mine, label("complaints_bot.button.my_reports", language="pl"))
    assert reports.text == visible("casework.my.no_reports", language="pl")
    back = await phone.press(reports, "menu:main")
    assert back.text.startswith(visible("menu.main", language="pl", name="Ola").split("\n")[0])
