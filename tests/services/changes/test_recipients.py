"""A change reaches every family on its channel plan: Telegram, text, email, a letter in time, or the call list."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from db.dao.delivery.outbox import fetch_outbox_for_source
from db.engine import Database
from db.models import ChangeNotice, Child, FamilyContact, OutboxMessage, Route
from messaging.fallback import fall_back
from services.changes.acknowledgements import acknowledge_outbox_row
from services.changes.call_list import build_call_list
from services.changes.followups import send_due_reminders
from services.changes.staff import change_summary
from services.transport.imports import import_transport_data
from tests.support.factories import make_carer, make_transport_change

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday
IN_FIVE_WORKING_DAYS = date(2026, 11, 30)  # the next Monday: a letter can arrive
IN_FOUR_WORKING_DAYS = date(2026, 11, 27)  # Friday: too soon for a letter
HEADER = (
    "council_reference,child_name,school_code,school_name,district,phase,route_code,operator_code,operator_name,"
    "operator_phone,vehicle_type,stop_sequence,stop_name,pickup_from,pickup_to,"
    "carer1_name,carer1_mobile,carer1_email,carer1_channel,carer1_address,"
    "carer2_name,carer2_mobile,carer2_email,carer2_channel,carer2_address\n"
)
ROUTE = "SCH-OAK,Oakwood Park School,Maidstone,primary,MA-101,OP-GC,Garden Cars,01622 000 111,Minibus,1,Tonbridge Road,07:35,07:45"
EXPORT = HEADER + "".join(
    f"{reference},{name},{ROUTE},{carer}\n"
    for reference, name, carer in (
        ("KCC-000001", "Sam", "Amira,07700 900001,amira@example.org,,,,,,,"),  # links in Telegram
        ("KCC-000002", "Ola", "Anna,07700 900002,,sms,,,,,,"),  # a mobile only
        ("KCC-000003", "Kit", "Emma,,emma@example.org,email,,,,,,"),  # an email only
        ("KCC-000004", "Max", "Tom,,,,,,,,,"),  # a name and nothing else
        ("KCC-000005", "Zoe", 'Kim,,,letter,"12 Northdown Road, Margate, CT9 2RN",,,,,'),  # an address only
    )
)


async def _families(database: Database) -> dict[str, Child]:
    """The export imported with its contacts, and Amira linked in Telegram (attached to her contact)."""
    async with database.transaction() as session:
        report = await import_transport_data(session, data=EXPORT, now=NOW)
        assert report.is_ok, report.errors
        children = {child.council_reference: child for child in (await session.exec(select(Child))).all()}
        amira = await make_carer(session, first_name="Amira", children=[children["KCC-000001"]])
        contact = (await session.exec(select(FamilyContact).where(FamilyContact.child_id == children["KCC-000001"].id))).one()
        contact.carer_id = amira.id
        session.add(contact)
    return children


async def _record(database: Database, *, effective_from: date) -> tuple[object, dict[str, OutboxMessage]]:
    async with database.transaction() as session:
        ma101 = (await session.exec(select(Route).where(Route.code == "MA-101"))).one()
        recorded = await make_transport_change(session, route=ma101, now=NOW, effective_from=effective_from)
        rows = await fetch_outbox_for_source(session, source_type="transport_change", source_id=recorded.change.id)
    return recorded, {row.notice_key or "": row for row in rows}


async def test_each_family_is_told_on_its_own_channel_with_the_others_held(database: Database) -> None:
    await _families(database)
    recorded, rows = await _record(database, effective_from=IN_FIVE_WORKING_DAYS)
    async with database.transaction() as session:
        notices = (await session.exec(select(ChangeNotice).order_by(ChangeNotice.id))).all()
        contacts = {c.name: c for c in (await session.exec(select(FamilyContact))).all()}
    change_id = recorded.change.id  # type: ignore[attr-defined]
    assert (recorded.carers, recorded.contacts, recorded.unreachable) == (1, 4, 1)  # type: ignore[attr-defined]
    by_channel = {(row.channel, row.channel_plan) for row in rows.values()}
    assert by_channel == {("telegram", "sms,email"), ("sms", None), ("email", None), ("letter", None)}
    amira = next(row for row in rows.values() if row.channel == "telegram")
    assert amira.notice_key == amira.idempotency_key and amira.family_contact_id == contacts["Amira"].id
    held = json.loads(amira.fallback_texts or "{}")
    assert set(held) == {"sms", "email"} and "{ack_link}" in held["sms"]["text"] and "{ack_link}" in held["email"]["text"]
    assert held["email"]["subject"] == "New pick-up time for Sam" and "<b>" not in held["sms"]["text"]
    text_row = rows[f"change:{change_id}:contact:{contacts['Anna'].id}"]
    assert text_row.idempotency_key == f"change:{change_id}:contact:{contacts['Anna'].id}#sms"
    assert text_row.text and text_row.text.startswith("New pick-up time for Ola.") and text_row.text.endswith("{ack_link}")
    assert text_row.carer_id is None and text_row.chat_id is None and text_row.reply_markup is None
    assert text_row.ack_expires_at == recorded.change.effective_at  # type: ignore[attr-defined]
    email_row = rows[f"change:{change_id}:contact:{contacts['Emma'].id}"]
    assert email_row.subject == "New pick-up time for Kit" and "Route MA-101" in (email_row.text or "")
    letter = rows[f"change:{change_id}:contact:{contacts['Kim'].id}"]
    assert letter.channel == "letter" and letter.state == "queued"
    # Tom holds nothing: a notice with no message, straight to the call list.
    assert [(n.family_contact_id, n.outbox_message_id) for n in notices if n.outbox_message_id is None] == [(contacts["Tom"].id, None)]
    assert sum(1 for n in notices if n.carer_id is not None) == 1 and len(notices) == 5


async def test_a_letter_only_when_the_change_is_five_working_days_away(database: Database) -> None:
    children = await _families(database)
    recorded, rows = await _record(database, effective_from=IN_FOUR_WORKING_DAYS)
    assert "letter" not in {row.channel for row in rows.values()}
    async with database.transaction() as session:
        calls = await build_call_list(session, now=NOW)
    listed = {(row.council_reference, row.reason): row for row in calls}
    assert set(listed) == {("KCC-000004", "no_contact_held"), ("KCC-000005", "no_contact_held")}
    kim = listed[("KCC-000005", "no_contact_held")]
    assert kim.carer_first_name == "Kim" and kim.tried.endswith("a letter would not arrive in time")
    assert listed[("KCC-000004", "no_contact_held")].tried == "not on Telegram; no mobile held; no email held"
    assert children["KCC-000002"].council_reference not in {row.council_reference for row in calls}


async def _finish(database: Database, *, key: str, state: str, at: datetime, **fields: object) -> OutboxMessage:
    """Stand in for the delivery workers: the row with this key ended as `state` at `at`."""
    async with database.transaction() as session:
        row = (await session.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == key))).one()
        row.state = state
        if state == "sent":
            row.sent_at = at
        if state == "failed":
            row.failed_at = at
        for name, value in fields.items():
            setattr(row, name, value)
        session.add(row)
    return row


async def test_an_unacknowledged_telegram_notice_is_reminded_by_text_and_a_yes_on_the_text_settles_it(database: Database) -> None:
    await _families(database)
    recorded, rows = await _record(database, effective_from=IN_FIVE_WORKING_DAYS)
    amira = next(row for row in rows.values() if row.channel == "telegram")
    await _finish(database, key=amira.idempotency_key, state="sent", at=NOW)
    for row in rows.values():
        if row.channel != "telegram":
            await _finish(database, key=row.idempotency_key, state="sent", at=NOW, notify_status="delivered")
    async with database.transaction() as session:
        assert await send_due_reminders(session, now=NOW + timedelta(hours=23), council_phone="1") == 0
        reminded = await send_due_reminders(session, now=NOW + timedelta(hours=25), council_phone="1")
        again = await send_due_reminders(session, now=NOW + timedelta(hours=30), council_phone="1")
        notice = (await session.exec(select(ChangeNotice).where(ChangeNotice.carer_id == amira.carer_id))).one()
        reminder = (
            await session.exec(select(OutboxMessage).where(OutboxMessage.purpose == "change_reminder"))
        ).all()
    # Amira, Anna (text delivered), Emma (email delivered) and Kim (a letter: never reminded) -- only the
    # Telegram notice and the two Notify ones are due; the Notify ones have nothing else held, so they repeat.
    assert again == 0 and reminded == 3
    by_recipient = {row.notice_key: row for row in reminder}
    amira_reminder = by_recipient[amira.notice_key]
    assert (amira_reminder.channel, amira_reminder.channel_plan) == ("sms", "email")
    assert amira_reminder.idempotency_key == f"{amira.notice_key}#sms"
    assert (amira_reminder.text or "").startswith("Reminder: New pick-up time for Sam.")
    assert notice.reminder_outbox_message_id == amira_reminder.id
    async with database.transaction() as session:
        telegram_row = (await session.exec(select(OutboxMessage).where(OutboxMessage.id == amira.id))).one()
    assert telegram_row.fallback_queued_at == NOW + timedelta(hours=25)  # its plan is taken up: no second text later
    others = sorted(row.idempotency_key for row in reminder if row.notice_key != amira.notice_key)
    assert all(key.endswith(":reminder#sms") or key.endswith(":reminder#email") for key in others) and len(others) == 2

    async with database.transaction() as session:
        assert await acknowledge_outbox_row(session, outbox_id=amira_reminder.id or 0, now=NOW + timedelta(hours=26)) == "recorded"
        notice = (await session.exec(select(ChangeNotice).where(ChangeNotice.carer_id == amira.carer_id))).one()
        summary = await change_summary(session, change_id=recorded.change.id, now=NOW + timedelta(hours=26))  # type: ignore[attr-defined]
    assert notice.acknowledged_at == NOW + timedelta(hours=26)
    figures = {row.channel: row for row in summary.channels}
    assert (figures["telegram"].sent, figures["telegram"].acknowledged) == (1, 0)
    # Texts: Anna's (delivered), Amira's reminder (seen), Anna's reminder (waiting); emails: Emma's and her reminder.
    assert (figures["sms"].sent, figures["sms"].delivered, figures["sms"].acknowledged, figures["sms"].waiting) == (2, 1, 1, 1)
    assert (figures["email"].sent, figures["email"].delivered, figures["email"].waiting) == (1, 1, 1)
    assert (figures["letter"].sent, figures["letter"].delivered) == (1, 1)
    assert summary.figures.families == 5 and summary.figures.acknowledged == 1 and summary.figures.unreachable == 1
    assert summary.to_call == 1  # Tom, who holds nothing


async def test_the_call_list_holds_only_families_no_channel_reached_with_what_was_tried(database: Database) -> None:
    await _families(database)
    _, rows = await _record(database, effective_from=IN_FIVE_WORKING_DAYS)
    amira = next(row for row in rows.values() if row.channel == "telegram")
    await _finish(database, key=amira.idempotency_key, state="failed", at=NOW, last_error="Forbidden: bot was blocked by the user")
    async with database.transaction() as session:  # the Telegram worker falls back to the text, which Notify refuses
        await fall_back(session, row_ids=[amira.id or 0], reason="blocked", now=NOW)
    await _finish(database, key=f"{amira.notice_key}#sms", state="failed", at=NOW, last_error="not a UK mobile",
                  notify_status="permanent-failure")
    text_rows = [row for row in rows.values() if row.channel == "sms"]
    await _finish(database, key=text_rows[0].idempotency_key, state="sent", at=NOW, notify_status="delivered")
    async with database.transaction() as session:
        calls = await build_call_list(session, now=NOW)
    listed = {row.council_reference: row for row in calls}
    # Sam's family: Telegram blocked, text failed, email still held (not yet sent) -> listed only when due.
    assert "KCC-000001" not in listed
    assert "KCC-000002" not in listed  # Anna's text was delivered
    assert set(listed) == {"KCC-000004"}  # Tom holds nothing: at once; Emma's email and Kim's letter are waiting
    due = {row.council_reference: row for row in await _call_list_when_due(database)}
    assert due["KCC-000001"].reason == "not_yet_sent"
    assert due["KCC-000001"].tried == "Telegram blocked; text failed: not a UK mobile"
    assert {"KCC-000003", "KCC-000005"} <= set(due) and "KCC-000002" not in due

    # The email goes next and bounces: nothing is left, so Sam's family is listed at once.
    async with database.transaction() as session:
        sms = (await session.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == f"{amira.notice_key}#sms"))).one()
        await fall_back(session, row_ids=[sms.id or 0], reason="permanent-failure", now=NOW)
    await _finish(database, key=f"{amira.notice_key}#email", state="failed", at=NOW, last_error="permanent-failure",
                  notify_status="permanent-failure")
    async with database.transaction() as session:
        now_listed = {row.council_reference: row for row in await build_call_list(session, now=NOW)}
    assert now_listed["KCC-000001"].reason == "not_delivered"
    assert now_listed["KCC-000001"].tried == (
        "Telegram blocked; text failed: not a UK mobile; email failed: permanent-failure"
    )


async def _call_list_when_due(database: Database) -> list:  # type: ignore[type-arg]
    async with database.transaction() as session:
        return await build_call_list(session, now=datetime(2026, 11, 29, 8, 0, tzinfo=UTC))


async def test_a_yes_on_a_fallback_text_acknowledges_the_whole_notice(database: Database) -> None:
    await _families(database)
    recorded, rows = await _record(database, effective_from=IN_FIVE_WORKING_DAYS)
    amira = next(row for row in rows.values() if row.channel == "telegram")
    await _finish(database, key=amira.idempotency_key, state="failed", at=NOW, last_error="Forbidden: bot was blocked by the user")
    for row in rows.values():
        if row.channel != "telegram":
            await _finish(database, key=row.idempotency_key, state="sent", at=NOW)
    async with database.transaction() as session:  # the Telegram worker falls back to the text
        await fall_back(session, row_ids=[amira.id or 0], reason="blocked", now=NOW)
    fallback = await _finish(database, key=f"{amira.notice_key}#sms", state="sent", at=NOW)
    assert (fallback.fallback_of_id, fallback.channel_plan) == (amira.id, "email")
    async with database.transaction() as session:
        assert await acknowledge_outbox_row(session, outbox_id=fallback.id or 0, now=NOW + timedelta(hours=1)) == "recorded"
        notice = (await session.exec(select(ChangeNotice).where(ChangeNotice.carer_id == amira.carer_id))).one()
        reminded = await send_due_reminders(session, now=NOW + timedelta(days=2), council_phone="1")
    assert notice.acknowledged_at == NOW + timedelta(hours=1) and notice.outbox_message_id == amira.id
    due = {row.council_reference for row in await _call_list_when_due(database)}
    assert "KCC-000001" not in due
    assert reminded == 2  # Anna's and Emma's; Amira's notice is acknowledged and Kim's letter is never reminded


async def test_a_family_who_never_linked_is_written_to_in_the_language_the_import_gives(database: Database) -> None:
    export = EXPORT.replace("carer2_address\n", "carer2_address,carer1_language\n", 1)
    export = export.replace("Emma,,emma@example.org,email,,,,,,", "Emma,,emma@example.org,email,,,,,,,polski")
    export = export.replace("Anna,07700 900002,,sms,,,,,,", "Anna,07700 900002,,sms,,,,,,,English")
    async with database.transaction() as session:
        report = await import_transport_data(session, data=export, now=NOW)
        assert report.is_ok, report.errors
        contacts = {c.name: c for c in (await session.exec(select(FamilyContact))).all()}
    assert (contacts["Emma"].language, contacts["Anna"].language, contacts["Kim"].language) == ("pl", "en", None)
    recorded, rows = await _record(database, effective_from=IN_FIVE_WORKING_DAYS)
    change_id = recorded.change.id  # type: ignore[attr-defined]
    emma = rows[f"change:{change_id}:contact:{contacts['Emma'].id}"]
    anna = rows[f"change:{change_id}:contact:{contacts['Anna'].id}"]
    kim = rows[f"change:{change_id}:contact:{contacts['Kim'].id}"]
    assert (emma.channel, emma.subject) == ("email", "Nowa godzina odbioru: Kit")
    assert anna.channel == "sms" and "New pick-up time for Ola" in (anna.text or "")
    assert kim.channel == "letter" and kim.subject == "New pick-up time for Zoe"  # no language given: English
