"""Broadcasts: sandboxed placeholders, preview, two-person approval, sending through the outbox, cancel, report."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from db.engine import Database
from db.models.outbox import OutboxMessage, OutboxState
from db.models.staff import ActorKind
from services.staff.audit import Actor
from services.carers.channel_plans import CouncilContact
from services.broadcasts.workflow import (
    BroadcastError,
    BroadcastStepNotAllowed,
    approve_broadcast,
    broadcast_report,
    cancel_broadcast,
    create_broadcast,
    preview_broadcast,
    request_approval,
    send_broadcast,
)
from tests.support.factories import COUNCIL, make_carer, make_child, make_route, make_school

NOW = datetime(2026, 6, 3, 10, tzinfo=UTC)
AUTHOR = Actor(kind=ActorKind.USER, id=11, label="Author", role="pact_coordinator")
SECOND = Actor(kind=ActorKind.USER, id=12, label="Second", role="officer")
MESSAGE = "Hello {{ carer_first_name }}, {{ child_name }}'s bus to {{ school }} on {{ route }} <changes> & more."


async def _school_with_carers(database: Database, names: list[str]) -> int:
    async with database.transaction() as session:
        school = await make_school(session, name="Oak & Ash")
        route = await make_route(session, school=school, code="OA1")
        for name in names:
            child = await make_child(session, route=route, display_name=f"{name}-child")
            await make_carer(session, first_name=name, children=[child])
        return school.id  # type: ignore[return-value]


async def _draft(database: Database, school_id: int, template: str = MESSAGE) -> int:
    async with database.transaction() as session:
        broadcast = await create_broadcast(
            session, title="Bus times", template_text=template, audience_kind="school", audience_value=str(school_id), actor=AUTHOR, now=NOW
        )
        return broadcast.id  # type: ignore[return-value]


async def test_preview_counts_and_renders_two_escaped_samples(database: Database) -> None:
    school_id = await _school_with_carers(database, ["Ann", "Bob", "Cy"])
    broadcast_id = await _draft(database, school_id)
    async with database.transaction() as session:
        from services.broadcasts.workflow import find_broadcast

        preview = await preview_broadcast(session, broadcast=await find_broadcast(session, broadcast_id=broadcast_id), approval_threshold=2)
    assert preview.count == 3 and preview.needs_approval
    assert [sample.text for sample in preview.samples] == [
        "Hello Ann, Ann-child's bus to Oak &amp; Ash on OA1 &lt;changes&gt; &amp; more.",
        "Hello Bob, Bob-child's bus to Oak &amp; Ash on OA1 &lt;changes&gt; &amp; more.",
    ]


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("Hi {{ password }}", "Unknown placeholder password"),
        ("Hi {{ carer_first_name.__class__.__mro__ }}", "no other template code"),
        ("{{ school|upper }}", "no other template code"),
        ("Hi {{ carer_first_name ", "not finished"),
        ("{% for x in range(10**9) %}{% endfor %}", "no other template code"),
        ("   ", "Enter the message"),
    ],
)
async def test_unsafe_or_broken_templates_are_refused_with_a_reason(database: Database, template: str, expected: str) -> None:
    school_id = await _school_with_carers(database, ["Ann"])
    with pytest.raises(BroadcastError) as caught:
        await _draft(database, school_id, template)
    assert expected in caught.value.message and caught.value.field == "template_text"


async def test_large_audience_needs_a_second_person_then_goes_through_the_outbox_once(database: Database) -> None:
    school_id = await _school_with_carers(database, ["Ann", "Bob", "Cy"])
    broadcast_id = await _draft(database, school_id)
    async with database.transaction() as session:
        with pytest.raises(BroadcastStepNotAllowed, match="approve"):
            await send_broadcast(session, broadcast_id=broadcast_id, actor=AUTHOR, approval_threshold=2, now=NOW, council=COUNCIL)
    async with database.transaction() as session:
        await request_approval(session, broadcast_id=broadcast_id, actor=AUTHOR, now=NOW)
    async with database.transaction() as session:
        with pytest.raises(BroadcastStepNotAllowed, match="other than the author"):
            await approve_broadcast(session, broadcast_id=broadcast_id, actor=AUTHOR, now=NOW)
    async with database.transaction() as session:
        await approve_broadcast(session, broadcast_id=broadcast_id, actor=SECOND, now=NOW)
        await send_broadcast(session, broadcast_id=broadcast_id, actor=AUTHOR, approval_threshold=2, now=NOW, council=COUNCIL)
    async with database.transaction() as session:
        with pytest.raises(BroadcastStepNotAllowed):
            await send_broadcast(session, broadcast_id=broadcast_id, actor=AUTHOR, approval_threshold=2, now=NOW, council=COUNCIL)
        rows = list((await session.exec(select(OutboxMessage).where(OutboxMessage.source_id == broadcast_id))).all())
        report = await broadcast_report(session, broadcast_id=broadcast_id)
    assert sorted(row.idempotency_key for row in rows) == sorted(f"broadcast:{broadcast_id}:carer:{row.carer_id}" for row in rows)
    assert len(rows) == 3 and {row.update_kind for row in rows} == {"broadcasts"}
    assert report.total == 3 and report.counts["queued"] == 3 and report.percent("queued") == 100


async def test_small_audience_sends_without_approval_and_cancel_withdraws_unsent(database: Database) -> None:
    school_id = await _school_with_carers(database, ["Ann", "Bob"])
    broadcast_id = await _draft(database, school_id)
    async with database.transaction() as session:
        await send_broadcast(session, broadcast_id=broadcast_id, actor=AUTHOR, approval_threshold=50, now=NOW, council=COUNCIL)
        first = (await session.exec(select(OutboxMessage).where(OutboxMessage.source_id == broadcast_id).order_by(OutboxMessage.id))).first()
        assert first is not None
        first.state = OutboxState.SENT.value
        session.add(first)
    async with database.transaction() as session:
        withdrawn = await cancel_broadcast(session, broadcast_id=broadcast_id, actor=SECOND, now=NOW)
        report = await broadcast_report(session, broadcast_id=broadcast_id)
    assert withdrawn == 1
    assert report.counts["sent"] == 1 and report.counts["queued"] == 0 and report.counts["not_sent"] == 1
    assert report.percent("sent") == 50 and report.is_complete


async def test_unreachable_carers_are_reported_apart(database: Database) -> None:
    school_id = await _school_with_carers(database, ["Ann", "Bob"])
    async with database.transaction() as session:
        from db.models.carers import Carer

        bob = (await session.exec(select(Carer).where(Carer.first_name == "Bob"))).one()
        bob.unreachable_since = NOW
    broadcast_id = await _draft(database, school_id)
    async with database.transaction() as session:
        await send_broadcast(session, broadcast_id=broadcast_id, actor=AUTHOR, approval_threshold=50, now=NOW, council=COUNCIL)
        report = await broadcast_report(session, broadcast_id=broadcast_id)
    assert report.counts["unreachable"] == 1 and report.counts["queued"] == 1 and report.percent("unreachable") == 50


async def test_a_scheduled_broadcast_goes_when_its_time_comes_and_not_before(database: Database) -> None:
    from datetime import timedelta

    from services.broadcasts.workflow import schedule_broadcast, send_due_broadcasts

    school_id = await _school_with_carers(database, ["Ann", "Bob"])
    broadcast_id = await _draft(database, school_id)
    later = NOW + timedelta(hours=3)
    async with database.transaction() as session:
        with pytest.raises(BroadcastError, match="future"):
            await schedule_broadcast(session, broadcast_id=broadcast_id, send_at=NOW, actor=AUTHOR, approval_threshold=50, now=NOW)
    async with database.transaction() as session:
        with pytest.raises(BroadcastStepNotAllowed, match="approve"):
            await schedule_broadcast(session, broadcast_id=broadcast_id, send_at=later, actor=AUTHOR, approval_threshold=1, now=NOW)
    async with database.transaction() as session:
        await schedule_broadcast(session, broadcast_id=broadcast_id, send_at=later, actor=AUTHOR, approval_threshold=50, now=NOW)
    async with database.transaction() as session:
        assert await send_due_broadcasts(session, now=later - timedelta(seconds=1), council=COUNCIL) == 0
    async with database.transaction() as session:
        assert await send_due_broadcasts(session, now=later, council=COUNCIL) == 1
    async with database.transaction() as session:
        assert await send_due_broadcasts(session, now=later + timedelta(minutes=1), council=COUNCIL) == 0
        report = await broadcast_report(session, broadcast_id=broadcast_id)
    assert report.broadcast.status == "sent" and report.counts["queued"] == 2


async def test_a_cancelled_schedule_never_goes(database: Database) -> None:
    from datetime import timedelta

    from services.broadcasts.workflow import schedule_broadcast, send_due_broadcasts

    school_id = await _school_with_carers(database, ["Ann"])
    broadcast_id = await _draft(database, school_id)
    later = NOW + timedelta(days=1)
    async with database.transaction() as session:
        await schedule_broadcast(session, broadcast_id=broadcast_id, send_at=later, actor=AUTHOR, approval_threshold=50, now=NOW)
        await cancel_broadcast(session, broadcast_id=broadcast_id, actor=AUTHOR, now=NOW)
    async with database.transaction() as session:
        assert await send_due_broadcasts(session, now=later, council=COUNCIL) == 0
        report = await broadcast_report(session, broadcast_id=broadcast_id)
    assert report.total == 0 and report.broadcast.status == "cancelled"


async def test_a_broadcast_holds_each_carers_mobile_and_email_in_plain_words(database: Database) -> None:
    from db.models import Carer, FamilyContact

    school_id = await _school_with_carers(database, ["Ann", "Bob"])
    async with database.transaction() as session:
        ann = (await session.exec(select(Carer).where(Carer.first_name == "Ann"))).one()
        from db.models import CarerChildLink

        link = (await session.exec(select(CarerChildLink).where(CarerChildLink.carer_id == ann.id))).one()
        session.add(FamilyContact(child_id=link.child_id, position=1, mobile_e164="+447700900041", carer_id=ann.id))
    broadcast_id = await _draft(database, school_id)
    async with database.transaction() as session:
        await send_broadcast(session, broadcast_id=broadcast_id, actor=AUTHOR, approval_threshold=10, now=NOW, council=COUNCIL)
        rows = (await session.exec(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    plans = {row.carer_id: (row.channel, row.channel_plan) for row in rows}
    assert plans[ann.id] == ("telegram", "sms") and sorted(plan or "" for _, plan in plans.values()) == ["", "sms"]
    import json

    text = json.loads(next(row for row in rows if row.carer_id == ann.id).fallback_texts or "{}")["sms"]["text"]
    assert text.startswith("Hello Ann, Ann-child's bus to Oak & Ash on OA1 <changes> & more.") and "&amp;" not in text


async def test_a_broadcasts_email_gives_the_phone_and_hours_the_council_configured(database: Database) -> None:
    import json

    from db.models import Carer, CarerChildLink, FamilyContact

    school_id = await _school_with_carers(database, ["Ann"])
    async with database.transaction() as session:
        ann = (await session.exec(select(Carer).where(Carer.first_name == "Ann"))).one()
        link = (await session.exec(select(CarerChildLink).where(CarerChildLink.carer_id == ann.id))).one()
        session.add(FamilyContact(child_id=link.child_id, position=1, email="ann@example.org", carer_id=ann.id))
    broadcast_id = await _draft(database, school_id)
    configured = CouncilContact(phone="01622 694 123", hours="9am to 4pm")
    async with database.transaction() as session:
        await send_broadcast(session, broadcast_id=broadcast_id, actor=AUTHOR, approval_threshold=10, now=NOW, council=configured)
        row = (await session.exec(select(OutboxMessage))).one()
    assert (row.channel, row.channel_plan) == ("telegram", "email")
    email = json.loads(row.fallback_texts or "{}")["email"]
    assert "01622 694 123" in email["text"] and "03000 41 00 00" not in email["text"]
