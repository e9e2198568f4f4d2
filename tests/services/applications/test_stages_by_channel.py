"""Application news reaches a family who never linked by their channel, and a Telegram carer holds their mobile."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from sqlmodel import col, select

from db.engine import Database
from db.models import FamilyContact, OutboxMessage
from services.applications.stages import CouncilContact, record_application
from tests.support.factories import make_carer, make_child

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
COUNCIL = CouncilContact(phone="03000 41 00 00", hours="9am to 5pm")


async def test_the_family_hears_on_every_channel_held(database: Database) -> None:
    async with database.transaction() as session:
        child = await make_child(session, display_name="Sam", council_reference="KCC-000321")
        amira = await make_carer(session, first_name="Amira", children=[child])
        session.add_all([
            FamilyContact(child_id=child.id, position=1, name="Amira", mobile_e164="+447700900021", carer_id=amira.id),  # type: ignore[arg-type]
            FamilyContact(child_id=child.id, position=2, name="Piotr", email="piotr@example.org",  # type: ignore[arg-type]
                          postal_address="1 Quarry Rise\nMaidstone\nME14 1XQ"),
        ])
        result = await record_application(session, reference="HTST-77", council_reference="KCC-000321",
                                          received_on=date(2026, 11, 20), recorded_by="tests", now=NOW, contact=COUNCIL)
        rows = (await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))).all()
    assert result.notices is not None and result.notices.queued == 2
    telegram, email = rows
    assert (telegram.channel, telegram.channel_plan, telegram.carer_id) == ("telegram", "sms", amira.id)
    assert "HTST-77" in json.loads(telegram.fallback_texts or "{}")["sms"]["text"]
    assert (email.channel, email.carer_id, email.channel_plan) == ("email", None, None)  # a letter? not for news
    assert email.idempotency_key.endswith("#email") and "HTST-77" in (email.text or "") and email.subject
