"""Running late reaches families who never linked by text or email (never a letter), and the follow-up finds them again."""

from __future__ import annotations

import json

from db.engine import Database
from db.models import FamilyContact
from db.models.transport import DisruptionKind, DisruptionNotice
from db.types import utc_now
from services.operators.followups import Resolution, resolve_disruption
from services.operators.reports import DisruptionRequest, report_disruption
from services.staff.audit import Actor
from sqlmodel import select
from tests.support.factories import make_child
from tests.support.operators import make_operator_world, outbox_rows

ADDRESS = "12 Northdown Road\nMargate\nCT9 2RN"


async def test_running_late_goes_by_text_or_email_to_contacts_and_telegram_carers_hold_their_mobile(database: Database) -> None:
    world = await make_operator_world(database)
    async with database.transaction() as session:
        kim = await make_child(session, route=world.route_a, display_name="Zoe")
        max_ = await make_child(session, route=world.route_a, display_name="Max")
        session.add_all([
            FamilyContact(child_id=world.children_a[0].id, position=1, name="Alex", mobile_e164="+447700900011",  # type: ignore[arg-type]
                          carer_id=world.carers_a[0].id),
            FamilyContact(child_id=world.children_a[1].id, position=2, name="Piotr", email="piotr@example.org"),  # type: ignore[arg-type]
            FamilyContact(child_id=kim.id, position=1, name="Kim", postal_address=ADDRESS),  # type: ignore[arg-type]
            FamilyContact(child_id=max_.id, position=1, name="Tom", mobile_e164="+447700900012",  # type: ignore[arg-type]
                          preferred_channel="letter", postal_address=ADDRESS),
        ])
    now = utc_now()
    async with database.transaction() as session:
        outcome = await report_disruption(
            session, operator_id=world.operator_a,
            request=DisruptionRequest(route_id=world.route_a.id or 0, kind=DisruptionKind.RUNNING_LATE, minutes_late=20),
            actor=Actor.system("tests"), now=now, council_phone="03000 41 00 00", staff_base_url="http://staff",
        )
    rows = await outbox_rows(database)
    by_channel = sorted((row.channel, row.channel_plan or "", row.is_urgent) for row in rows)
    # Alex and Ania in Telegram (Alex's mobile held behind), Piotr by email, Tom by text; Kim holds only an address.
    assert by_channel == [("email", "", True), ("sms", "", True), ("telegram", "", True), ("telegram", "sms", True)]
    assert outcome.disruption.carers_told == 4
    alex = next(row for row in rows if row.carer_id == world.carers_a[0].id)
    assert "about 20 minutes late" in json.loads(alex.fallback_texts or "{}")["sms"]["text"]
    text = next(row for row in rows if row.channel == "sms")
    assert text.carer_id is None and "about 20 minutes late" in (text.text or "") and "Max" in (text.text or "")
    email = next(row for row in rows if row.channel == "email")
    assert email.subject and "Ola" in (email.text or "") + email.subject

    async with database.transaction() as session:
        await resolve_disruption(
            session, operator_id=world.operator_a, disruption_id=outcome.disruption.id or 0,
            resolution=Resolution.BACK_ON_TIME, actor=Actor.system("tests"), now=now, council_phone="03000 41 00 00",
        )
        notices = (await session.exec(select(DisruptionNotice).where(DisruptionNotice.step == "resolved"))).all()
    follow_ups = [row for row in await outbox_rows(database) if row.purpose == "disruption_resolved"]
    assert sorted(row.channel for row in follow_ups) == ["email", "sms", "telegram", "telegram"]
    assert sum(1 for notice in notices if notice.family_contact_id is not None) == 2
