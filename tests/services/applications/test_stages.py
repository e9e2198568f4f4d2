"""HTST applications: the family hears about every stage; past 20 working days without transport is flagged."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from db.engine import Database
from db.models import ApplicationStage, OutboxMessage
from services.applications.stages import (
    ApplicationError,
    CouncilContact,
    applications_for_carer,
    change_stage,
    fetch_overdue_applications,
    record_application,
)
from tests.support.factories import make_carer, make_child

CONTACT = CouncilContact(phone="03000 41 00 00", hours="Monday to Friday, 8:30am to 5pm")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


async def test_every_stage_is_told_to_each_linked_carer_and_kept_in_the_history(database: Database) -> None:
    async with database.transaction() as session:
        child = await make_child(session, display_name="Sam", council_reference="KCC-555")
        mum = await make_carer(session, children=[child])
        tata = await make_carer(session, language="pl", children=[child])
        received = await record_application(
            session, reference="HTST-1", council_reference="KCC-555", received_on=date(2026, 12, 1),
            recorded_by="o", now=NOW, contact=CONTACT,
        )
        arranging = await change_stage(
            session, reference="HTST-1", stage=ApplicationStage.TRANSPORT_BEING_ARRANGED, recorded_by="o",
            now=NOW + timedelta(days=3), contact=CONTACT, note_for_family="We will call you about the pick-up point.",
        )
        same = await change_stage(
            session, reference="HTST-1", stage=ApplicationStage.TRANSPORT_BEING_ARRANGED, recorded_by="o",
            now=NOW + timedelta(days=4), contact=CONTACT,
        )
        rows = (await session.exec(select(OutboxMessage).order_by(OutboxMessage.id))).all()
        history = await applications_for_carer(session, carer_id=mum.id)  # type: ignore[arg-type]
    assert (received.notices.queued, arranging.notices.queued, same.is_changed) == (2, 2, False)
    assert len(rows) == 4 and {row.carer_id for row in rows} == {mum.id, tata.id}
    assert all(row.update_kind == "application_status" and "ack:{outbox_id}" in (row.reply_markup or "") for row in rows)
    english = [row.text or "" for row in rows if row.carer_id == mum.id]
    assert "We have your transport application for Sam. Your reference is HTST-1." in english[0]
    assert "We are now setting it up" in english[1]
    assert "A note from the transport team: We will call you about the pick-up point." in english[1]
    polish = [row.text or "" for row in rows if row.carer_id == tata.id]
    assert "Mamy Twój wniosek o dowóz dla: Sam" in polish[0]
    [sam] = history
    assert [stage for _, stage in sam.steps] == ["received", "transport_being_arranged"]


async def test_unknown_child_or_application_is_refused(database: Database) -> None:
    async with database.transaction() as session:
        with pytest.raises(ApplicationError, match="no child"):
            await record_application(session, reference="X", council_reference="NOPE", received_on=date(2026, 1, 1),
                                     recorded_by="o", now=NOW, contact=CONTACT)
        with pytest.raises(ApplicationError, match="no application"):
            await change_stage(session, reference="NOPE", stage=ApplicationStage.ARRANGED, recorded_by="o", now=NOW, contact=CONTACT)


async def test_open_applications_past_twenty_working_days_are_flagged(database: Database) -> None:
    async with database.transaction() as session:
        for reference, received, stage in [
            ("OLD-OPEN", date(2026, 12, 1), ApplicationStage.TRANSPORT_BEING_ARRANGED),
            ("OLD-DONE", date(2026, 12, 1), ApplicationStage.ARRANGED),
            ("RECENT", date(2026, 12, 10), ApplicationStage.RECEIVED),
        ]:
            child = await make_child(session, council_reference=f"KCC-{reference}")
            await record_application(session, reference=reference, council_reference=child.council_reference,
                                     received_on=received, recorded_by="o", now=NOW, contact=CONTACT)
            if stage != ApplicationStage.RECEIVED:
                await change_stage(session, reference=reference, stage=stage, recorded_by="o", now=NOW, contact=CONTACT)
        on_the_day = await fetch_overdue_applications(session, today=date(2026, 12, 31))  # the 20th working day
        next_day = await fetch_overdue_applications(session, today=date(2027, 1, 4))  # Jan 1 is a bank holiday
    assert on_the_day == []
    [overdue] = next_day
    assert (overdue.reference, overdue.working_days_open, overdue.promised_by) == ("OLD-OPEN", 21, date(2026, 12, 31))
