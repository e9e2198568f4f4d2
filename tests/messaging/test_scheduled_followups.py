"""Reminders come from a standing job that acts on start; each run it makes is claimed in our database."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from carerline.service import CarerlineService
from db.engine import Database
from db.dao.scheduler import fetch_job_runs
from db.models import ChangeNotice, OutboxMessage
from db.types import utc_now
from carerline.jobs import CHANGE_FOLLOWUPS_JOB_ID
from sandbox.emulator import BotApiEmulator
from tests.conftest import make_settings
from tests.messaging.conftest import fast_delivery
from tests.support.factories import make_carer, make_child, make_route, make_transport_change


async def _claimed_runs(database: Database) -> int:
    async with database.transaction() as session:
        return len(await fetch_job_runs(session, job_id=CHANGE_FOLLOWUPS_JOB_ID))


async def test_a_reminder_due_while_the_service_was_down_is_sent_after_it_starts(
    emulator: BotApiEmulator, database: Database, database_url: str
) -> None:
    emulator.add_user(user_id=901, first_name="Amira", has_started=True)
    two_days_ago = utc_now() - timedelta(days=2)
    async with database.transaction() as session:
        route = await make_route(session)
        child = await make_child(session, route=route, display_name="Sam")
        await make_carer(session, chat_id=901, children=[child])
        await make_transport_change(session, route=route, now=two_days_ago, effective_from=(utc_now() + timedelta(days=5)).date())
        # The notice went out two days ago (before this service started) and was never acknowledged.
        row = (await session.exec(select(OutboxMessage))).one()
        row.state, row.sent_at, row.telegram_message_id = "sent", two_days_ago, 1
        session.add(row)

    settings = make_settings(database_url=database_url, emulator=emulator)
    service = CarerlineService(settings=settings, delivery=fast_delivery())
    await service.start()
    try:
        reminder = await emulator.wait_for_bot_message(chat_id=901, after_message_id=0, timeout_s=15)
        assert (reminder.text or "").startswith("Reminder: we do not know yet if you have seen this message.")
        assert await _claimed_runs(database) >= 1
    finally:
        await service.stop()

    restarted = CarerlineService(settings=settings, delivery=fast_delivery())
    await restarted.start()
    try:
        async with database.transaction() as session:
            notice = (await session.exec(select(ChangeNotice))).one()
        assert notice.reminded_at is not None
    finally:
        await restarted.stop()
    assert len(emulator.bot_messages(chat_id=901)) == 1  # one reminder, never two
