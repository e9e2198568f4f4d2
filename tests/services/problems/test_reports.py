"""Problems reported on the day: reference, urgent record, duty alert, resolution told to the family,
driver and assistant changes counted per term, and erasure of a carer's casework."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select
from telegram import Bot

from db.engine import Database
from db.models.casework import Complaint, ComplaintEvent, DriverChange, DutyAlertRecord, FeedbackItem, ProblemReport
from db.models.transport import Route
from sandbox.emulator import BotApiEmulator
from services.casework.errors import NotYourCase, StepNotAllowed
from services.complaints.timetable import ComplaintSubject
from services.complaints.workflow import ComplaintReceipt, respond_to_complaint, submit_complaint
from services.casework.duty_alerts import DutyNotifier, SmtpDutyClient, TelegramDutyClient
from services.privacy.erasure import erase_carer
from services.feedback.records import FeedbackTopic, record_feedback
from db.models.casework import ComplaintOutcome, FeedbackSource
from services.feedback.tagging import ProblemCategory
from services.casework.family_view import show_my_reports
from services.problems.reports import (
    count_problems_reported_today,
    driver_changes_in_term,
    flagged_driver_changes,
    list_open_problem_reports,
    record_driver_change,
    report_problem,
    resolve_problem_report,
)
from tests.services.conftest import DUTY_GROUP_CHAT_ID, STAFF_BASE_URL
from tests.support.casework import LocalSmtpServer, outbox_rows, outbox_texts
from tests.support.factories import COUNCIL, make_carer, make_family
from tests.support.waiting import wait_for_condition
from services.carers.channel_plans import CouncilContact

MONDAY_MORNING = datetime(2026, 3, 9, 7, 55, tzinfo=UTC)
OFFICER = 201


def telegram_notifier(bot: Bot) -> DutyNotifier:
    return DutyNotifier([TelegramDutyClient(bot=bot, chat_id=DUTY_GROUP_CHAT_ID)])


async def test_a_no_show_alerts_the_duty_group_and_the_family_is_told_when_resolved(
    database: Database, emulator: BotApiEmulator, duty_bot: Bot
) -> None:
    async with database.transaction() as session:
        carer, child = await make_family(session, child_name="Sam", carer_name="Priya")
        route_code = (await session.get(Route, child.route_id)).code  # type: ignore[union-attr]
    receipt = await report_problem(
        database, notifier=telegram_notifier(duty_bot), carer_id=carer.id, child_id=child.id,  # type: ignore[arg-type]
        category=ProblemCategory.TRANSPORT_DID_NOT_COME, details="Nobody came. Call me on 07700 900123.",
        now=MONDAY_MORNING, staff_base_url=STAFF_BASE_URL, council=COUNCIL,
    )
    assert receipt.reference == "PR-2026-00001" and receipt.is_urgent and receipt.is_alert_delivered
    assert receipt.route_code == route_code

    alert = await emulator.wait_for_bot_message(chat_id=DUTY_GROUP_CHAT_ID, after_message_id=0)
    assert alert.text is not None
    assert "URGENT" in alert.text and "Transport did not come" in alert.text and receipt.reference in alert.text
    assert route_code in alert.text and "Sam" in alert.text and "07:55" in alert.text
    # Only what the duty officer needs: never the carer's name or the parent's own words.
    assert "Priya" not in alert.text and "07700" not in alert.text and "Nobody came" not in alert.text
    link = f"{STAFF_BASE_URL}/casework/problems/{receipt.report_id}"
    assert any(entity.get("url") == link for entity in alert.entities), alert.entities

    texts = await outbox_texts(database, source_type="problem_report", source_id=receipt.report_id)
    assert len(texts) == 1 and receipt.reference in texts[0] and "Transport did not come" in texts[0]

    async with database.transaction() as session:
        open_reports = await list_open_problem_reports(session, staff_base_url=STAFF_BASE_URL)
        assert [(item.reference, item.is_urgent, item.child_name) for item in open_reports] == [(receipt.reference, True, "Sam")]
        assert await count_problems_reported_today(session, MONDAY_MORNING) == 1
        alerts = (await session.exec(select(DutyAlertRecord))).all()
        assert [(a.channel, a.status, a.reference) for a in alerts] == [("telegram", "sent", receipt.reference)]

    async with database.transaction() as session:
        await resolve_problem_report(
            session, report_id=receipt.report_id, officer_id=OFFICER,
            note="The operator sent a taxi; it arrives at 8:20.", now=MONDAY_MORNING.replace(hour=8, minute=5), council=COUNCIL,
        )
    rows = await outbox_rows(database, source_type="problem_report", source_id=receipt.report_id)
    assert len(rows) == 2 and rows[1].is_urgent
    assert "dealt with your report" in (rows[1].text or "") and "arrives at 8:20" in (rows[1].text or "")
    async with database.transaction() as session:
        stored = await session.get(ProblemReport, receipt.report_id)
        assert stored is not None and stored.resolved_by_staff_id == OFFICER and stored.parent_told_at is not None
        assert await list_open_problem_reports(session, staff_base_url=STAFF_BASE_URL) == []
        with pytest.raises(StepNotAllowed):
            await resolve_problem_report(session, report_id=receipt.report_id, officer_id=OFFICER, note=None, now=MONDAY_MORNING, council=COUNCIL)
        mine = await show_my_reports(session, carer_id=carer.id, language="en")  # type: ignore[arg-type]
    assert receipt.reference in mine and "Dealt with on Monday 9 March 2026" in mine


async def test_alert_by_email_to_a_real_smtp_server(database: Database, smtp_server: LocalSmtpServer) -> None:
    async with database.transaction() as session:
        carer, child = await make_family(session, child_name="T.J.")
    notifier = DutyNotifier([
        SmtpDutyClient(host="127.0.0.1", port=smtp_server.port, sender="carerline@kent.gov.uk",
                       recipients=["duty-transport@kent.gov.uk"], starttls=False)
    ])
    receipt = await report_problem(
        database, notifier=notifier, carer_id=carer.id, child_id=child.id,  # type: ignore[arg-type]
        category=ProblemCategory.RUNNING_LATE, details=None, now=MONDAY_MORNING, staff_base_url=STAFF_BASE_URL, council=COUNCIL,
    )
    await wait_for_condition(lambda: len(smtp_server.messages) == 1, description="the alert email")
    email = smtp_server.messages[0]
    assert email["Subject"] == f"Running late on route {receipt.route_code} ({receipt.reference})"
    assert email["X-Envelope-To"] == "duty-transport@kent.gov.uk"
    text_part = email.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    html_part = email.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert "URGENT" not in text_part and "T.J." in text_part and receipt.reference in text_part
    assert f'href="{STAFF_BASE_URL}/casework/problems/{receipt.report_id}"' in html_part


async def test_a_failed_channel_is_logged_and_the_report_still_stands(database: Database, duty_bot: Bot) -> None:
    async with database.transaction() as session:
        carer, child = await make_family(session)
    closed_port = LocalSmtpServer().port  # nothing listens there
    notifier = DutyNotifier([
        SmtpDutyClient(host="127.0.0.1", port=closed_port, sender="c@kent.gov.uk", recipients=["d@kent.gov.uk"], starttls=False, timeout_s=2),
        TelegramDutyClient(bot=duty_bot, chat_id=DUTY_GROUP_CHAT_ID),
    ])
    receipt = await report_problem(
        database, notifier=notifier, carer_id=carer.id, child_id=child.id,  # type: ignore[arg-type]
        category=ProblemCategory.SAFETY_CONCERN, details=None, now=MONDAY_MORNING, staff_base_url=STAFF_BASE_URL, council=COUNCIL,
    )
    assert receipt.is_alert_delivered
    async with database.transaction() as session:
        alerts = {a.channel: a for a in (await session.exec(select(DutyAlertRecord))).all()}
    assert alerts["email"].status == "failed" and alerts["email"].error and alerts["email"].attempts == 1
    assert alerts["telegram"].status == "sent" and alerts["telegram"].sent_at is not None


async def test_a_carer_can_report_only_for_their_own_child(database: Database) -> None:
    async with database.transaction() as session:
        _, child = await make_family(session)
        stranger = await make_carer(session)
    with pytest.raises(NotYourCase):
        await report_problem(
            database, notifier=DutyNotifier([]), carer_id=stranger.id, child_id=child.id,  # type: ignore[arg-type]
            category=ProblemCategory.WRONG_PICKUP, details=None, now=MONDAY_MORNING, staff_base_url=STAFF_BASE_URL, council=COUNCIL,
        )
    async with database.transaction() as session:
        assert (await session.exec(select(ProblemReport))).all() == []


async def test_driver_changes_are_counted_per_term_and_more_than_three_are_flagged(database: Database) -> None:
    async with database.transaction() as session:
        carer, child = await make_family(session)
    for day in (2, 3, 4):  # three changes reported by the family in the spring term 2026
        receipt = await report_problem(
            database, notifier=DutyNotifier([]), carer_id=carer.id, child_id=child.id,  # type: ignore[arg-type]
            category=ProblemCategory.DRIVER_OR_ASSISTANT_CHANGED, details="New driver again, nobody told us",
            now=datetime(2026, 3, day, 8, tzinfo=UTC), staff_base_url=STAFF_BASE_URL, council=COUNCIL,
        )
    assert receipt.driver_changes_this_term is not None and receipt.driver_changes_this_term.changes == 3
    assert not receipt.driver_changes_this_term.is_flagged
    async with database.transaction() as session:
        assert await flagged_driver_changes(session, today=date(2026, 3, 5)) == []
        # One in the autumn term does not count towards spring.
        await record_driver_change(session, child_id=child.id, changed_on=date(2025, 11, 10), officer_id=OFFICER, now=MONDAY_MORNING)  # type: ignore[arg-type]
        assert await flagged_driver_changes(session, today=date(2026, 3, 5)) == []
        fourth = await record_driver_change(session, child_id=child.id, changed_on=date(2026, 3, 6), officer_id=OFFICER, now=MONDAY_MORNING)  # type: ignore[arg-type]
        assert fourth is not None and fourth.changes == 4 and fourth.is_flagged and fourth.term.name == "Spring 2026"
        flagged = await flagged_driver_changes(session, today=date(2026, 3, 9))
        assert [(count.child, count.changes) for count in flagged] == [(child.id, 4)]
        sources = sorted(change.source for change in (await session.exec(select(DriverChange))).all())
        assert sources == ["officer", "officer", "parent_report", "parent_report", "parent_report"]
        report = (await session.exec(select(ProblemReport).where(ProblemReport.reference == receipt.reference))).one()
        assert report.themes == ["communication", "staff_changes"]
        assert (await driver_changes_in_term(session, child_id=child.id, day=date(2026, 5, 1))).changes == 0  # type: ignore[arg-type, union-attr]


async def test_erasure_keeps_de_identified_casework_for_statistics(database: Database) -> None:
    now = MONDAY_MORNING
    async with database.transaction() as session:
        carer, child = await make_family(session, carer_name="Priya")
    report = await report_problem(
        database, notifier=DutyNotifier([]), carer_id=carer.id, child_id=child.id,  # type: ignore[arg-type]
        category=ProblemCategory.RUNNING_LATE, details="Priya here, 20 minutes late again", now=now, staff_base_url=STAFF_BASE_URL, council=COUNCIL,
    )
    async with database.transaction() as session:
        complaint = await submit_complaint(
            session, carer_id=carer.id, child_id=child.id, subject=ComplaintSubject.SERVICE_DELIVERY,  # type: ignore[arg-type]
            description="Late every day this week.", now=now, council=CouncilContact(phone="0300", hours="8:30am to 5pm"),
        )
        assert isinstance(complaint, ComplaintReceipt)
        await respond_to_complaint(session, complaint_id=complaint.complaint_id, officer_id=OFFICER,
                                   response="Dear Priya, we are sorry.", outcome=ComplaintOutcome.UPHELD, now=now, council=COUNCIL)
        await record_feedback(session, carer_id=carer.id, child_id=child.id, source=FeedbackSource.BOT,
                              topic=FeedbackTopic.JOURNEY, rating=2, text="The driver was rude", consent_to_quote=True, now=now)
    async with database.transaction() as session:
        assert await erase_carer(session, carer_id=carer.id, now=now)  # type: ignore[arg-type]
    async with database.transaction() as session:
        stored_report = await session.get(ProblemReport, report.report_id)
        stored_complaint = await session.get(Complaint, complaint.complaint_id)
        feedback = (await session.exec(select(FeedbackItem))).one()
        events = (await session.exec(select(ComplaintEvent))).all()
    assert stored_report is not None and stored_complaint is not None
    assert (stored_report.carer_id, stored_report.child_id, stored_report.details) == (None, None, None)
    assert stored_report.category == "running_late" and stored_report.route_code == report.route_code
    assert (stored_complaint.carer_id, stored_complaint.description) == (None, None)
    # The officer's answer is the council's record: kept, redacted of the family's identity, not blanked.
    assert stored_complaint.stage1_response == "Dear [name], we are sorry."
    assert stored_complaint.stage1_outcome == "upheld" and stored_complaint.reference == complaint.reference
    assert (feedback.carer_id, feedback.text, feedback.quote_status) == (None, None, None)
    assert (feedback.rating, feedback.themes) == (2, ["driver_or_assistant_conduct"]) and feedback.sentiment is not None
    assert {event.kind: event.note for event in events if event.note is not None} == {"responded": "Dear [name], we are sorry."}
    assert {event.kind for event in events} >= {"received", "responded"}
