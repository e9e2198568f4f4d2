"""The officers' daily digest: due soon and overdue complaints, open reports, flagged driver changes,
sent by email (text and HTML) to a real SMTP server and to the Telegram duty group, also as the job."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from telegram import Bot

from messaging.dependencies import Dependencies
from core.metrics import Metrics
from core.settings import Settings
from db.engine import Database
from db.models.casework import DutyAlertRecord
from messaging.runtime_registry import register_services
from sandbox.emulator import BotApiEmulator
from services.casework.digest import build_casework_digest, render_casework_digest, send_casework_digest, send_daily_digest
from services.complaints.timetable import ComplaintSubject
from services.complaints.workflow import ComplaintReceipt, submit_complaint
from services.casework.duty_alerts import DutyNotifier, SmtpDutyClient, TelegramDutyClient
from services.feedback.tagging import ProblemCategory
from services.problems.reports import record_driver_change, report_problem
from sqlmodel import select
from tests.conftest import TEST_TOKEN
from tests.services.conftest import DUTY_GROUP_CHAT_ID, STAFF_BASE_URL
from tests.support.casework import LocalSmtpServer
from tests.support.factories import COUNCIL, make_family
from tests.support.waiting import wait_for_condition
from services.carers.channel_plans import CouncilContact

DIGEST_MORNING = datetime(2026, 3, 17, 7, 0, tzinfo=UTC)  # Tuesday


async def seed_casework(database: Database) -> dict[str, str]:
    """An overdue complaint, one due soon, one on time, an open report and a child with 4 driver changes."""
    references = {}
    async with database.transaction() as session:
        carer, child = await make_family(session)
        for label, received in (("overdue", date(2026, 3, 2)), ("due_soon", date(2026, 3, 5)), ("on_time", date(2026, 3, 16))):
            receipt = await submit_complaint(
                session, carer_id=carer.id, child_id=child.id, subject=ComplaintSubject.STAFF_CONDUCT,  # type: ignore[arg-type]
                description="The assistant shouted at my daughter.", now=datetime(received.year, received.month, received.day, 9, tzinfo=UTC),
                council=CouncilContact(phone="0300", hours="8:30am to 5pm"),
            )
            assert isinstance(receipt, ComplaintReceipt)
            references[label] = receipt.reference
        for day in (2, 3, 4, 5):
            await record_driver_change(session, child_id=child.id, changed_on=date(2026, 3, day), officer_id=1, now=DIGEST_MORNING)  # type: ignore[arg-type]
    receipt = await report_problem(
        database, notifier=DutyNotifier([]), carer_id=carer.id, child_id=child.id,  # type: ignore[arg-type]
        category=ProblemCategory.WRONG_PICKUP, details=None, now=DIGEST_MORNING, staff_base_url=STAFF_BASE_URL, council=COUNCIL,
    )
    references["problem"] = receipt.reference
    references["child"] = child.council_reference
    return references


async def test_digest_lists_what_needs_an_officer(database: Database) -> None:
    references = await seed_casework(database)
    async with database.transaction() as session:
        digest = await build_casework_digest(session, now=DIGEST_MORNING, staff_base_url=STAFF_BASE_URL, due_soon_working_days=2)
    # Received Mon 2 March: due Mon 16 March (overdue); received Thu 5 March: due Thu 19 March (2 working days).
    assert [item.reference for item in digest.overdue] == [references["overdue"]]
    assert [item.reference for item in digest.due_soon] == [references["due_soon"]]
    assert [report.reference for report in digest.open_problems] == [references["problem"]]
    assert [(flag.council_reference, flag.changes) for flag in digest.flagged_changes] == [(references["child"], 4)]
    rendered = render_casework_digest(digest)
    assert rendered.subject == "Carerline casework for Tuesday 17 March 2026: 1 overdue, 1 due soon, 1 open reports"
    assert references["on_time"] not in rendered.text
    assert "1 working days late" in rendered.text and "2 working days left" in rendered.text
    assert "The assistant shouted" not in rendered.text + rendered.html + rendered.telegram_html


async def test_digest_by_email_and_to_the_duty_group(
    database: Database, emulator: BotApiEmulator, duty_bot: Bot, smtp_server: LocalSmtpServer
) -> None:
    references = await seed_casework(database)
    notifier = DutyNotifier([
        TelegramDutyClient(bot=duty_bot, chat_id=DUTY_GROUP_CHAT_ID),
        SmtpDutyClient(host="127.0.0.1", port=smtp_server.port, sender="carerline@kent.gov.uk", recipients=["duty@kent.gov.uk"], starttls=False),
    ])
    outcomes = await send_casework_digest(database, notifier=notifier, now=DIGEST_MORNING, staff_base_url=STAFF_BASE_URL, due_soon_working_days=2)
    assert all(outcome.is_sent for outcome in outcomes)
    await wait_for_condition(lambda: len(smtp_server.messages) == 1, description="the digest email")
    email = smtp_server.messages[0]
    text_part = email.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    html_part = email.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert "OVERDUE COMPLAINTS (1)" in text_part and references["overdue"] in text_part
    assert f'<a href="{STAFF_BASE_URL}/casework/complaints/' in html_part and references["due_soon"] in html_part
    group_message = await emulator.wait_for_bot_message(chat_id=DUTY_GROUP_CHAT_ID, after_message_id=0)
    assert group_message.text is not None and "Overdue complaints: 1" in group_message.text
    assert references["problem"] in group_message.text
    async with database.transaction() as session:
        logged = (await session.exec(select(DutyAlertRecord).where(DutyAlertRecord.subject == "daily_digest"))).all()
    assert sorted((row.channel, row.status) for row in logged) == [("email", "sent"), ("telegram", "sent")]


async def test_the_scheduled_job_sends_the_digest_from_the_running_services(
    database: Database, database_url: str, smtp_server: LocalSmtpServer
) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=database_url, bot_token=TEST_TOKEN, duty_alert_channel="email",
        smtp_host="127.0.0.1", smtp_port=smtp_server.port, smtp_starttls=False,
        duty_email_to="duty@kent.gov.uk", duty_email_from="carerline@kent.gov.uk",
    )
    register_services(Dependencies(settings=settings, database=database, metrics=Metrics()))
    try:
        await send_daily_digest()
    finally:
        register_services(None)
    await wait_for_condition(lambda: len(smtp_server.messages) == 1, description="the job's digest email")
    body = smtp_server.messages[0].get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "Nothing is overdue or due soon" in body


async def test_the_scheduled_job_skips_with_a_warning_when_no_duty_channel_is_configured(
    database: Database, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(_env_file=None, database_url=database_url, bot_token=TEST_TOKEN)  # type: ignore[call-arg]
    register_services(Dependencies(settings=settings, database=database, metrics=Metrics()))
    try:
        with caplog.at_level("WARNING", logger="services.casework.digest"):
            await send_daily_digest()
    finally:
        register_services(None)
    assert "daily casework digest skipped: no duty channel is configured" in caplog.text
    async with database.transaction() as session:
        assert (await session.exec(select(DutyAlertRecord))).all() == []
