"""Closing the loop: acknowledgements, one reminder after 24 hours, and the officers' call list."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import select

from db.dao.delivery.outbox import fetch_outbox_for_source
from db.engine import Database
from db.models import ChangeNotice, OutboxMessage
from services.changes.call_list import CALL_LIST_COLUMNS, build_call_list, write_call_list_csv
from services.changes.followups import (
    acknowledge_message, escalate_unacknowledged, is_single_write, send_due_reminders,
)
from tests.support.factories import make_carer, make_child, make_route, make_transport_change

RECORDED = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday
EFFECTIVE = date(2026, 11, 26)  # Thursday: takes effect at 06:00


async def _mark_sent(database: Database, *, at: datetime) -> None:
    """Stand in for the delivery worker: every queued notice was delivered at `at`."""
    async with database.transaction() as session:
        for number, row in enumerate((await session.exec(select(OutboxMessage).where(OutboxMessage.state == "queued"))).all()):
            row.state, row.sent_at, row.telegram_message_id = "sent", at, 100 + number
            session.add(row)


async def _family(database: Database, *, language: str = "en", **carer_fields: object):  # type: ignore[no-untyped-def]
    async with database.transaction() as session:
        route = await make_route(session, code="MA-101")
        child = await make_child(session, route=route, display_name="Sam", council_reference="KCC-000777")
        carer = await make_carer(session, language=language, children=[child], first_name="Amira")
        for name, value in carer_fields.items():
            setattr(carer, name, value)
        session.add(carer)
        recorded = await make_transport_change(session, route=route, now=RECORDED, effective_from=EFFECTIVE)
    return carer, child, recorded


async def test_one_reminder_after_24_hours_then_never_again(database: Database) -> None:
    carer, _, recorded = await _family(database)
    await _mark_sent(database, at=RECORDED)
    async with database.transaction() as session:
        too_early = await send_due_reminders(session, now=RECORDED + timedelta(hours=23), council_phone="1")
        due = await send_due_reminders(session, now=RECORDED + timedelta(hours=24, minutes=1), council_phone="1")
        again = await send_due_reminders(session, now=RECORDED + timedelta(hours=30), council_phone="1")
        rows = await fetch_outbox_for_source(session, source_type="transport_change", source_id=recorded.change.id)
        notice = (await session.exec(select(ChangeNotice))).one()
    assert (too_early, due, again) == (0, 1, 0)
    reminder = next(row for row in rows if row.purpose == "change_reminder")
    assert reminder.text is not None and reminder.text.startswith("<b>Reminder:</b>")
    assert notice.reminded_at is not None and notice.reminder_outbox_message_id == reminder.id


async def test_a_non_urgent_reminder_waits_for_quiet_hours_to_end(database: Database) -> None:
    await _family(database, quiet_hours_start=time(21, 0), quiet_hours_end=time(7, 0))
    await _mark_sent(database, at=RECORDED - timedelta(hours=13))
    late = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)
    async with database.transaction() as session:
        assert await send_due_reminders(session, now=late, council_phone="1") == 1
        reminder = (await session.exec(select(OutboxMessage).where(OutboxMessage.purpose == "change_reminder"))).one()
    assert reminder.not_before == datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


async def test_an_acknowledged_notice_gets_no_reminder_and_leaves_the_call_list(database: Database) -> None:
    carer, _, recorded = await _family(database)
    await _mark_sent(database, at=RECORDED)
    async with database.transaction() as session:
        [row] = await fetch_outbox_for_source(session, source_type="transport_change", source_id=recorded.change.id)
        wrong_chat = await acknowledge_message(session, outbox_id=row.id, chat_id=1, telegram_message_id=100, language="en", now=RECORDED)
        outcome = await acknowledge_message(session, outbox_id=row.id, chat_id=carer.chat_id, telegram_message_id=100, language="en", now=RECORDED)
        twice = await acknowledge_message(session, outbox_id=row.id, chat_id=carer.chat_id, telegram_message_id=100, language="en", now=RECORDED)
        reminded = await send_due_reminders(session, now=RECORDED + timedelta(days=2), council_phone="1")
        calls = await build_call_list(session, now=datetime(2026, 11, 25, 7, 0, tzinfo=UTC))
    assert (wrong_chat.status, outcome.status, twice.status) == ("not_found", "recorded", "already")
    assert outcome.seen_text is not None and outcome.seen_text.endswith("✅ You told us you have seen this. Thank you.")
    assert reminded == 0 and calls == []


async def test_seen_pressed_on_the_reminder_closes_the_notice_once_and_only_from_its_own_chat(database: Database) -> None:
    carer, _, recorded = await _family(database)
    await _mark_sent(database, at=RECORDED)
    async with database.transaction() as session:
        assert await send_due_reminders(session, now=RECORDED + timedelta(hours=25), council_phone="1") == 1
    await _mark_sent(database, at=RECORDED + timedelta(hours=25))
    pressed_at = RECORDED + timedelta(hours=26)
    block = database.single_write() if is_single_write(database) else database.transaction()
    async with database.transaction() as session:
        reminder = (await session.exec(select(OutboxMessage).where(OutboxMessage.purpose == "change_reminder"))).one()
    async with database.transaction() as session:
        wrong_chat = await acknowledge_message(
            session, outbox_id=reminder.id, chat_id=1, telegram_message_id=7, language="en", now=pressed_at
        )
        still_open = (await session.exec(select(ChangeNotice))).one().acknowledged_at
    async with block as session:
        outcome = await acknowledge_message(
            session, outbox_id=reminder.id, chat_id=carer.chat_id, telegram_message_id=7, language="pl", now=pressed_at
        )
    async with database.transaction() as session:
        twice = await acknowledge_message(
            session, outbox_id=reminder.id, chat_id=carer.chat_id, telegram_message_id=7, language="en",
            now=pressed_at + timedelta(minutes=1),
        )
        notice = (await session.exec(select(ChangeNotice))).one()
        rows = {row.purpose: row for row in (await session.exec(select(OutboxMessage))).all()}
    assert (wrong_chat.status, still_open) == ("not_found", None)
    assert (outcome.status, twice.status) == ("recorded", "already")
    assert outcome.seen_text is not None and outcome.seen_text.startswith("<b>Reminder:</b>")
    assert notice.acknowledged_at == pressed_at  # the second press changed nothing
    assert (rows["change_reminder"].state, rows["change_reminder"].acknowledged_at) == ("acknowledged", pressed_at)
    assert rows["transport_change"].acknowledged_at is None  # only the row pressed; the notice is the family's


async def test_still_unacknowledged_24_hours_before_the_change_means_a_call(database: Database) -> None:
    carer, child, recorded = await _family(database)
    await _mark_sent(database, at=RECORDED)
    async with database.transaction() as session:
        two_days_before = await build_call_list(session, now=datetime(2026, 11, 24, 5, 0, tzinfo=UTC))
        day_before = await build_call_list(session, now=datetime(2026, 11, 25, 6, 30, tzinfo=UTC))
        escalated = await escalate_unacknowledged(session, now=datetime(2026, 11, 25, 6, 30, tzinfo=UTC))
    assert two_days_before == [] and escalated == 1
    [row] = day_before
    assert (row.reason, row.council_reference, row.child_name, row.carer_first_name) == (
        "not_acknowledged", "KCC-000777", "Sam", "Amira"
    )
    assert (row.change_reference, row.route_code, row.effective_from) == (recorded.change.reference, "MA-101", EFFECTIVE)
    handle = io.StringIO()
    write_call_list_csv(handle, day_before)
    parsed = list(csv.DictReader(io.StringIO(handle.getvalue())))
    assert tuple(parsed[0]) == CALL_LIST_COLUMNS and parsed[0]["reason"] == "not_acknowledged"


async def test_families_who_cannot_be_reached_are_listed_at_once(database: Database) -> None:
    async with database.transaction() as session:
        route = await make_route(session)
        blocked_child = await make_child(session, route=route, council_reference="KCC-1")
        nobody_child = await make_child(session, route=route, council_reference="KCC-2")
        muted_child = await make_child(session, route=route, council_reference="KCC-3")
        blocked = await make_carer(session, children=[blocked_child])
        blocked.unreachable_since, blocked.unreachable_reason = RECORDED, "Forbidden: bot was blocked by the user"
        muted = await make_carer(session, children=[muted_child])
        muted.muted_update_kinds = ["transport_changes"]
        session.add_all([blocked, muted])
        await make_transport_change(session, route=route, now=RECORDED, effective_from=date(2026, 12, 14))
        soon = await build_call_list(session, now=RECORDED)
        near = await build_call_list(session, now=datetime(2026, 12, 13, 7, 0, tzinfo=UTC))
    assert [(row.council_reference, row.reason) for row in soon] == [("KCC-1", "unreachable")]
    assert sorted((row.council_reference, row.reason) for row in near) == [
        ("KCC-1", "unreachable"), ("KCC-2", "not_on_carerline"), ("KCC-3", "muted_changes")
    ]
    assert nobody_child.id is not None
