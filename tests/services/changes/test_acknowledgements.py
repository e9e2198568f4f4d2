"""Acknowledging without Telegram: by outbox row (the signed link's page) and by a reply of YES to a text."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from db.dao.delivery.notify_receipts import count_inbound_texts
from db.engine import Database
from db.models import ChangeNotice, FamilyContact, OutboxChannel, OutboxMessage
from messaging.outbox import OutgoingMessage, enqueue_messages
from services.changes.acknowledgements import acknowledge_outbox_row, is_yes, page_text, receive_text_reply, seen_notice
from tests.support.acknowledgements import TextedFamily, texted_family
from tests.support.factories import make_child, make_route

RECORDED = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday
EFFECTIVE = date(2026, 11, 26)
TAKES_EFFECT = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
MOBILE = "+447700900111"


def inbound(message: str, *, source: str = "447700900111", notify_id: str | None = None) -> dict[str, Any]:
    """A received text as Notify posts it."""
    return {"id": notify_id or str(uuid.uuid4()), "source_number": source, "destination_number": "07700900999",
            "message": message, "date_received": "2026-11-23T12:00:00.000000Z"}


async def _family(database: Database, **changes: Any) -> TextedFamily:
    values: dict[str, Any] = {"now": RECORDED, "effective_from": EFFECTIVE, "expires_at": TAKES_EFFECT, **changes}
    return await texted_family(database, **values)


async def _states(database: Database, family: TextedFamily) -> tuple[datetime | None, datetime | None]:
    async with database.transaction() as session:
        row = await session.get(OutboxMessage, family.sms_row_id)
        notice = await session.get(ChangeNotice, family.notice_id)
    assert row is not None and notice is not None
    return row.acknowledged_at, notice.acknowledged_at


@pytest.mark.parametrize("reply", ["YES", "yes", " Yes. ", "y", "Y!", "Tak", "tak.", "TAK"])
def test_yes_in_either_language_counts(reply: str) -> None:
    assert is_yes(reply)


@pytest.mark.parametrize("reply", ["no", "NIE", "yes please", "Yes, but the bus was late", "", "yess", "ok", "y y"])
def test_anything_else_is_not_yes(reply: str) -> None:
    assert not is_yes(reply)


def test_the_page_leaves_out_the_line_with_the_link() -> None:
    shown = page_text("Sam's bus changes.\nTell us you have read this: {ack_link}\nQuestions? Call us.")
    assert shown == "Sam's bus changes.\nQuestions? Call us."
    assert page_text("Bus at 8am.\nhttps://carerline.example/seen/4c.5Cm.abc") == "Bus at 8am."


async def test_acknowledging_a_row_records_it_on_the_row_and_its_notice_once(database: Database) -> None:
    family = await _family(database)
    async with database.transaction() as session:
        before = await seen_notice(session, outbox_id=family.sms_row_id)
        first = await acknowledge_outbox_row(session, outbox_id=family.sms_row_id, now=RECORDED + timedelta(hours=1))
        again = await acknowledge_outbox_row(session, outbox_id=family.sms_row_id, now=RECORDED + timedelta(hours=2))
        missing = await acknowledge_outbox_row(session, outbox_id=family.sms_row_id + 1000, now=RECORDED)
        after = await seen_notice(session, outbox_id=family.sms_row_id)
    assert (first, again, missing) == ("recorded", "already", "not_found")
    assert before is not None and not before.is_acknowledged and "{ack_link}" not in before.text
    assert before.text.startswith("Sam's pick-up time is changing.")
    assert after is not None and after.is_acknowledged
    assert await _states(database, family) == (RECORDED + timedelta(hours=1), RECORDED + timedelta(hours=1))


async def test_the_page_is_in_the_carers_language(database: Database) -> None:
    family = await _family(database, language="pl")
    async with database.transaction() as session:
        notice = await seen_notice(session, outbox_id=family.sms_row_id)
    assert notice is not None and notice.language == "pl"


@pytest.mark.parametrize("reply", ["YES", " yes. ", "Tak"])
async def test_a_yes_acknowledges_the_text_sent_to_that_number(database: Database, reply: str) -> None:
    family = await _family(database)
    moment = RECORDED + timedelta(hours=3)
    async with database.transaction() as session:
        outcome = await receive_text_reply(session, payload=inbound(reply), now=moment)
    assert outcome == "acknowledged"
    assert await _states(database, family) == (moment, moment)


async def test_a_repeated_callback_is_acted_on_once(database: Database) -> None:
    await _family(database)
    notify_id = str(uuid.uuid4())
    async with database.transaction() as session:
        first = await receive_text_reply(session, payload=inbound("YES", notify_id=notify_id), now=RECORDED)
        again = await receive_text_reply(session, payload=inbound("YES", notify_id=notify_id), now=RECORDED)
        held = await count_inbound_texts(session)
    assert (first, again, held) == ("acknowledged", "repeat", 1)


async def test_a_no_or_a_question_is_kept_for_officers_and_not_acted_on(database: Database) -> None:
    family = await _family(database)
    async with database.transaction() as session:
        outcomes = [await receive_text_reply(session, payload=inbound(reply), now=RECORDED)
                    for reply in ("no", "Is it the same driver?")]
        held = await count_inbound_texts(session)
    assert outcomes == ["not_yes", "not_yes"] and held == 2
    assert await _states(database, family) == (None, None)


async def test_a_yes_from_an_unknown_number_is_kept_and_acknowledges_nothing(database: Database) -> None:
    family = await _family(database)
    async with database.transaction() as session:
        outcome = await receive_text_reply(session, payload=inbound("YES", source="07700900222"), now=RECORDED)
        held = await count_inbound_texts(session)
    assert (outcome, held) == ("no_message", 1)
    assert await _states(database, family) == (None, None)


async def test_a_yes_after_the_change_took_effect_acknowledges_nothing(database: Database) -> None:
    family = await _family(database)
    async with database.transaction() as session:
        outcome = await receive_text_reply(session, payload=inbound("YES"), now=TAKES_EFFECT + timedelta(minutes=1))
    assert outcome == "no_message"
    assert await _states(database, family) == (None, None)


async def test_each_yes_acknowledges_the_most_recent_open_text_first(database: Database) -> None:
    older = await _family(database, route_code="MA-101")
    newer = await _family(database, route_code="MA-102", now=RECORDED + timedelta(hours=1))
    async with database.transaction() as session:
        first = await receive_text_reply(session, payload=inbound("yes"), now=RECORDED + timedelta(hours=2))
    assert first == "acknowledged"
    assert (await _states(database, newer))[0] is not None and await _states(database, older) == (None, None)
    async with database.transaction() as session:
        second = await receive_text_reply(session, payload=inbound("Y"), now=RECORDED + timedelta(hours=3))
        third = await receive_text_reply(session, payload=inbound("Y"), now=RECORDED + timedelta(hours=4))
    assert (second, third) == ("acknowledged", "no_message")
    assert (await _states(database, older))[0] is not None


async def test_two_presses_at_once_record_one_acknowledgement(database: Database) -> None:
    family = await _family(database)

    async def one_press(minutes: int) -> str:
        async with database.transaction() as session:
            return await acknowledge_outbox_row(
                session, outbox_id=family.sms_row_id, now=RECORDED + timedelta(minutes=minutes)
            )

    outcomes = await asyncio.gather(one_press(1), one_press(2))
    assert sorted(outcomes) == ["already", "recorded"]
    row_at, notice_at = await _states(database, family)
    assert row_at is not None and row_at == notice_at


async def test_a_family_with_no_telegram_acknowledges_by_text(database: Database) -> None:
    async with database.transaction() as session:
        child = await make_child(session, route=await make_route(session, code="MA-404"), display_name="Ola")
        contact = FamilyContact(child_id=child.id or 0, position=1, name="Ewa", mobile_e164="+447700900444", language="pl")
        session.add(contact)
        await session.flush()
        message = OutgoingMessage(
            carer=None, contact=contact, channel=OutboxChannel.SMS, idempotency_key="test:contact-notice",
            purpose="change_notice", source_type="transport_change", text="Ola's bus is changing.\n{ack_link}",
            reply_markup={}, ack_expires_at=TAKES_EFFECT,
        )
        row_id = (await enqueue_messages(session, messages=[message], now=RECORDED)).outbox_ids["test:contact-notice"]
        row = await session.get(OutboxMessage, row_id)
        assert row is not None
        row.state, row.sent_at = "sent", RECORDED
        session.add(row)
    async with database.transaction() as session:
        page = await seen_notice(session, outbox_id=row_id)
        outcome = await receive_text_reply(session, payload=inbound("yes", source="07700900444"), now=RECORDED)
        acknowledged = await session.get(OutboxMessage, row_id)
    assert page is not None and (page.text, page.language) == ("Ola's bus is changing.", "pl")  # the contact's language
    assert outcome == "acknowledged" and acknowledged is not None and acknowledged.acknowledged_at == RECORDED
