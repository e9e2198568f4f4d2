"""A case's news goes to the carer who raised it in Telegram, with their held mobile and email behind it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlmodel import select

from core.settings import Settings
from db.engine import Database
from db.models import FamilyContact, OutboxMessage
from services.carers.channel_plans import CouncilContact
from services.casework.notifications import CarerNotice, TextKey, notify_carer
from tests.support.factories import COUNCIL, make_family

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


async def test_a_problem_update_holds_the_carers_text_and_email_as_fallbacks(database: Database) -> None:
    async with database.transaction() as session:
        carer, child = await make_family(session, language="pl")
        session.add(FamilyContact(child_id=child.id, position=1, mobile_e164="+447700900031",  # type: ignore[arg-type]
                                  email="ania@example.org", carer_id=carer.id))
        notice = CarerNotice(
            key="casework.problem.resolved", source_type="problem_report", source_id=5, step="resolved",
            values={"reference": "PR-2026-00005", "category": TextKey("casework.problem.category.transport_did_not_come")}, is_urgent=True,
        )
        assert await notify_carer(session, carer_id=carer.id, notice=notice, now=NOW, council=COUNCIL)
        row = (await session.exec(select(OutboxMessage))).one()
    assert (row.channel, row.channel_plan, row.must_send) == ("telegram", "sms,email", True)
    held = json.loads(row.fallback_texts or "{}")
    assert "PR-2026-00005" in held["sms"]["text"] and "03000 41 00 00" in held["sms"]["text"]
    assert "<" not in held["sms"]["text"] and held["email"]["subject"]


async def test_a_carer_with_nothing_else_held_has_telegram_only(database: Database) -> None:
    async with database.transaction() as session:
        carer, _ = await make_family(session)
        notice = CarerNotice(key="casework.complaint.closed", source_type="complaint", source_id=9, step="closed",
                             values={"reference": "C-9"})
        assert await notify_carer(session, carer_id=carer.id, notice=notice, now=NOW, council=COUNCIL)
        row = (await session.exec(select(OutboxMessage))).one()
    assert (row.channel, row.channel_plan, row.fallback_texts) == ("telegram", None, None)


async def test_a_complaint_updates_text_gives_the_phone_and_hours_the_council_configured(database: Database) -> None:
    configured = CouncilContact(phone="01622 694 123", hours="9am to 4pm")
    async with database.transaction() as session:
        carer, child = await make_family(session)
        session.add(FamilyContact(child_id=child.id, position=1, mobile_e164="+447700900032", carer_id=carer.id))  # type: ignore[arg-type]
        notice = CarerNotice(key="casework.complaint.closed", source_type="complaint", source_id=9, step="closed",
                             values={"reference": "C-2026-00009"})
        assert await notify_carer(session, carer_id=carer.id, notice=notice, now=NOW, council=configured)
        row = (await session.exec(select(OutboxMessage))).one()
    text = json.loads(row.fallback_texts or "{}")["sms"]["text"]
    assert "C-2026-00009" in text and "01622 694 123" in text and "9am to 4pm" in text
    assert Settings.model_fields["council_transport_phone"].default not in text
