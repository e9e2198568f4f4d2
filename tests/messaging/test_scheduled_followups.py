"""Reminders come from a job in APScheduler's store in our database: it survives restarts and acts on start."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select as sa_select
from sqlmodel import select

from carerline.service import CarerlineService
from db.engine import Database
from db.models import ChangeNotice, OutboxMessage, scheduler_jobs_table
from db.types import utc_now
from carerline.jobs import CHANGE_FOLLOWUPS_JOB_ID
from sandbox.emulator import BotApiEmulator
from tests.conftest import make_settings
from tests.messaging.conftest import fast_delivery
from tests.support.factories import make_carer, make_child, make_route, make_transport_change


async def _stored_job_ids(database: Database) -> set[str]:
    async with database.transaction() as session:
        return set((await session.exec(sa_select(scheduler_jobs_table.c.id))).scalars().all())  # type: ignore[call-overload]


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
        assert (reminder.text or "").startswith("Reminder: we have not heard that you saw this message yet.")
        assert CHANGE_FOLLOWUPS_JOB_ID in await _stored_job_ids(database)
    finally:
        await service.stop()

    restarted = CarerlineService(settings=settings, delivery=fast_delivery())
    await restarted.start()
    try:
        assert CHANGE_FOLLOWUPS_JOB_ID in await _stored_job_ids(database)
        async with database.transaction() as session:
            notice = (await session.exec(select(ChangeNotice))).one()
        assert notice.reminded_at is not None
    finally:
        await restarted.stop()
    assert len(emulator.bot_messages(chat_id=901)) == 1  # one reminder, never two
