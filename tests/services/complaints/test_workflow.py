"""Complaints through the Complaint Handling Code, on the real database: references, every stage, the
family told at each step, deadlines across bank holidays and Christmas, and the statutory route."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from db.engine import Database
from db.models.casework import Complaint, ComplaintEvent, ComplaintOutcome, ComplaintStatus
from services.casework.errors import CaseworkError, NotYourCase, StepNotAllowed
from services.complaints.queue import complaint_queue, count_complaints_due_or_overdue
from services.complaints.timetable import ComplaintSubject, DeadlineStatus, ExtensionNotAllowed, SameOfficerError
from services.complaints.workflow import (
    ComplaintReceipt,
    StatutoryRouteAdvice,
    acknowledge_complaint,
    close_complaint,
    escalate_complaint,
    extend_complaint,
    respond_to_complaint,
    submit_complaint,
)
from services.casework.family_view import show_my_complaints
from tests.services.conftest import STAFF_BASE_URL
from tests.support.casework import outbox_rows, outbox_texts
from tests.support.factories import COUNCIL, make_family
from services.carers.channel_plans import CouncilContact

OFFICER_ANN = 101
OFFICER_BEN = 102
PHONE = "03000 41 00 00"


def at(day: date, hour: int = 10) -> datetime:
    """A moment on a day (10:00 UTC is 10:00 or 11:00 in England, the same day)."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


async def new_complaint(
    database: Database, *, received: datetime, language: str = "en", description: str = "The bus left without my son."
) -> tuple[ComplaintReceipt, int]:
    async with database.transaction() as session:
        carer, child = await make_family(session, language=language)
        receipt = await submit_complaint(
            session, carer_id=carer.id, child_id=child.id, subject=ComplaintSubject.SERVICE_DELIVERY,  # type: ignore[arg-type]
            description=description, now=received, council=CouncilContact(phone=PHONE, hours="8:30am to 5pm"),
        )
    assert isinstance(receipt, ComplaintReceipt)
    return receipt, carer.id  # type: ignore[return-value]


async def test_full_lifecycle_acknowledged_extended_answered_late_escalated_and_closed_by_another_officer(
    database: Database,
) -> None:
    # Received Thursday 5 March 2026; acknowledged by the bot at once.
    receipt, carer_id = await new_complaint(database, received=at(date(2026, 3, 5)))
    assert receipt.reference.startswith("HTST-2026-")
    assert receipt.respond_by == date(2026, 3, 19)  # 10 working days after Thu 5 March
    texts = await outbox_texts(database, source_type="complaint", source_id=receipt.complaint_id)
    assert len(texts) == 1
    assert receipt.reference in texts[0] and "Thursday 19 March 2026" in texts[0]

    async with database.transaction() as session:
        await extend_complaint(
            session, complaint_id=receipt.complaint_id, officer_id=OFFICER_ANN, working_days=5,
            reason="We are waiting for the operator's vehicle tracking records.", now=at(date(2026, 3, 16)), council=COUNCIL,
        )
    texts = await outbox_texts(database, source_type="complaint", source_id=receipt.complaint_id)
    assert "vehicle tracking records" in texts[-1] and "Thursday 26 March 2026" in texts[-1]

    async with database.transaction() as session:  # a second extension is refused (the Code allows one)
        with pytest.raises(ExtensionNotAllowed):
            await extend_complaint(
                session, complaint_id=receipt.complaint_id, officer_id=OFFICER_ANN, working_days=2,
                reason="More time", now=at(date(2026, 3, 17)), council=COUNCIL,
            )

    # Answered late: Friday 27 March, the day after the extended deadline.
    async with database.transaction() as session:
        await respond_to_complaint(
            session, complaint_id=receipt.complaint_id, officer_id=OFFICER_ANN,
            response="The driver left early. We have spoken to the operator.", outcome=ComplaintOutcome.UPHELD,
            now=at(date(2026, 3, 27)), council=COUNCIL,
        )
    texts = await outbox_texts(database, source_type="complaint", source_id=receipt.complaint_id)
    assert texts[-1].startswith("We are sorry that this answer is later than we said")
    assert "The driver left early" in texts[-1] and "we agree with your complaint" in texts[-1]

    async with database.transaction() as session:  # someone else's complaint cannot be escalated
        with pytest.raises(NotYourCase):
            await escalate_complaint(session, complaint_id=receipt.complaint_id, carer_id=carer_id + 999, reason="x", now=at(date(2026, 3, 30)), council=COUNCIL)
    async with database.transaction() as session:
        await escalate_complaint(
            session, complaint_id=receipt.complaint_id, carer_id=carer_id,
            reason="Nothing has changed: it happened again.", now=at(date(2026, 3, 30)), council=COUNCIL,
        )
    texts = await outbox_texts(database, source_type="complaint", source_id=receipt.complaint_id)
    assert "second look" in texts[-1] and "Monday 6 April" not in texts[-1]
    # Acknowledge by: 5 working days after Mon 30 March, skipping Good Friday 3 and Easter Monday 6 April.
    assert "Wednesday 8 April 2026" in texts[-1]

    async with database.transaction() as session:  # the stage 1 officer may not take stage 2
        with pytest.raises(SameOfficerError):
            await acknowledge_complaint(session, complaint_id=receipt.complaint_id, officer_id=OFFICER_ANN, now=at(date(2026, 3, 31)), council=COUNCIL)
    async with database.transaction() as session:
        await acknowledge_complaint(session, complaint_id=receipt.complaint_id, officer_id=OFFICER_BEN, now=at(date(2026, 3, 31)), council=COUNCIL)
    texts = await outbox_texts(database, source_type="complaint", source_id=receipt.complaint_id)
    # 20 working days after Tue 31 March, skipping Good Friday and Easter Monday.
    assert "new officer" in texts[-1] and "Thursday 30 April 2026" in texts[-1]

    async with database.transaction() as session:
        with pytest.raises(SameOfficerError):
            await respond_to_complaint(
                session, complaint_id=receipt.complaint_id, officer_id=OFFICER_ANN, response="Final.",
                outcome=ComplaintOutcome.UPHELD, now=at(date(2026, 4, 20)), council=COUNCIL,
            )
    async with database.transaction() as session:
        complaint = await respond_to_complaint(
            session, complaint_id=receipt.complaint_id, officer_id=OFFICER_BEN,
            response="We have changed the operator on this route.", outcome=ComplaintOutcome.PARTLY_UPHELD,
            now=at(date(2026, 4, 20)), council=COUNCIL,
        )
    assert complaint.status == ComplaintStatus.CLOSED and complaint.closed_by_staff_id == OFFICER_BEN
    texts = await outbox_texts(database, source_type="complaint", source_id=receipt.complaint_id)
    assert "final answer" in texts[-1] and "Ombudsman" in texts[-1] and "sorry" not in texts[-1]
    assert len(texts) == 6  # acknowledged, extended, stage 1 answer, escalated, stage 2 acknowledged, final answer

    async with database.transaction() as session:
        stored = (await session.exec(select(Complaint).where(Complaint.id == receipt.complaint_id))).one()
        events = (await session.exec(select(ComplaintEvent).where(ComplaintEvent.complaint_id == receipt.complaint_id).order_by(ComplaintEvent.id))).all()  # type: ignore[arg-type]
    assert stored.stage1_handled_by == OFFICER_ANN and stored.stage2_handled_by == OFFICER_BEN
    assert stored.stage1_extension_working_days == 5 and stored.stage1_outcome == ComplaintOutcome.UPHELD
    steps = [(event.stage, event.kind) for event in events if event.kind != "family_told"]
    assert steps == [
        (1, "received"), (1, "acknowledged"), (1, "extended"), (1, "responded"),
        (2, "escalated"), (2, "acknowledged"), (2, "responded"), (2, "closed"),
    ]
    responded = [event for event in events if event.kind == "responded"]
    assert [event.data["within_code"] for event in responded] == [False, True]
    assert sum(1 for event in events if event.kind == "family_told") == 6


async def test_deadlines_across_christmas_and_new_year(database: Database) -> None:
    # Thursday 24 December 2026: Christmas Day (Fri), Boxing Day substitute (Mon 28) and New Year's Day are skipped.
    receipt, _ = await new_complaint(database, received=at(date(2026, 12, 24)))
    assert receipt.respond_by == date(2027, 1, 12)
    async with database.transaction() as session:
        await extend_complaint(
            session, complaint_id=receipt.complaint_id, officer_id=OFFICER_ANN, working_days=10,
            reason="Schools are closed until 5 January.", now=at(date(2027, 1, 4)), council=COUNCIL,
        )
    texts = await outbox_texts(database, source_type="complaint", source_id=receipt.complaint_id)
    assert "Tuesday 26 January 2027" in texts[-1]


async def test_a_complaint_just_after_midnight_in_summer_time_counts_from_the_english_day(database: Database) -> None:
    # 23:30 UTC on Friday 3 April 2026 (Good Friday) is 00:30 on Saturday 4 April in England.
    receipt, _ = await new_complaint(database, received=datetime(2026, 4, 3, 23, 30, tzinfo=UTC))
    # First working day after Sat 4 April is Tue 7 April (Easter Monday skipped); 10th is Mon 20 April.
    assert receipt.respond_by == date(2026, 4, 20)


async def test_twenty_complaints_at_once_get_twenty_sequential_references(database: Database) -> None:
    async with database.transaction() as session:
        families = [await make_family(session) for _ in range(20)]
    received = at(date(2026, 5, 11))

    async def complain(carer_id: int, child_id: int) -> str:
        async with database.transaction() as session:
            receipt = await submit_complaint(
                session, carer_id=carer_id, child_id=child_id, subject=ComplaintSubject.COMMUNICATION,
                description="Nobody told us about the new route.", now=received, council=CouncilContact(phone=PHONE, hours="8:30am to 5pm"),
            )
        assert isinstance(receipt, ComplaintReceipt)
        return receipt.reference

    references = await asyncio.gather(*(complain(carer.id, child.id) for carer, child in families))  # type: ignore[arg-type]
    assert sorted(references) == [f"HTST-2026-{number:05d}" for number in range(1, 21)]
    async with database.transaction() as session:  # the counter carries on where it stopped
        carer, child = families[0]
        receipt = await submit_complaint(
            session, carer_id=carer.id, child_id=child.id, subject=ComplaintSubject.OTHER,  # type: ignore[arg-type]
            description="One more", now=received, council=CouncilContact(phone=PHONE, hours="8:30am to 5pm"),
        )
    assert isinstance(receipt, ComplaintReceipt) and receipt.reference == "HTST-2026-00021"


async def test_references_start_again_each_year(database: Database) -> None:
    first, _ = await new_complaint(database, received=at(date(2026, 12, 30)))
    second, _ = await new_complaint(database, received=at(date(2027, 1, 4)))
    assert (first.reference, second.reference) == ("HTST-2026-00001", "HTST-2027-00001")


@pytest.mark.parametrize("subject", [ComplaintSubject.ELIGIBILITY_DECISION, ComplaintSubject.SUITABILITY_OF_TRANSPORT])
async def test_eligibility_and_suitability_disputes_go_to_the_statutory_route(database: Database, subject: ComplaintSubject) -> None:
    async with database.transaction() as session:
        carer, child = await make_family(session)
        advice = await submit_complaint(
            session, carer_id=carer.id, child_id=child.id, subject=subject,  # type: ignore[arg-type]
            description="We were told our son is not eligible.", now=at(date(2026, 6, 1)), council=CouncilContact(phone=PHONE, hours="8:30am to 5pm"),
            decision_on=date(2026, 5, 26),
        )
    assert isinstance(advice, StatutoryRouteAdvice)
    assert advice.request_review_by == date(2026, 6, 23)  # 20 working days after Tue 26 May (no holidays between)
    async with database.transaction() as session:
        assert (await session.exec(select(Complaint))).all() == []
    texts = await outbox_texts(database, source_type="statutory_route", source_id=carer.id)  # type: ignore[arg-type]
    assert len(texts) == 1
    assert "look at the decision again" in texts[0] and "independent panel" in texts[0] and "Step 2" in texts[0]
    assert "Tuesday 23 June 2026" in texts[0] and PHONE in texts[0]


async def test_polish_carer_reads_every_step_in_polish(database: Database) -> None:
    receipt, carer_id = await new_complaint(database, received=at(date(2026, 3, 5)), language="pl")
    async with database.transaction() as session:
        await respond_to_complaint(
            session, complaint_id=receipt.complaint_id, officer_id=OFFICER_ANN, response="Przepraszamy <bardzo>.",
            outcome=ComplaintOutcome.NOT_UPHELD, now=at(date(2026, 3, 10)), council=COUNCIL,
        )
    texts = await outbox_texts(database, source_type="complaint", source_id=receipt.complaint_id)
    assert "Mamy Twoją skargę" in texts[0] and "czwartek 19 marca 2026" in texts[0]
    assert "nie przyznajemy Ci racji" in texts[1] and "Przepraszamy &lt;bardzo&gt;." in texts[1]
    async with database.transaction() as session:
        mine = await show_my_complaints(session, carer_id=carer_id, language="pl", today=date(2026, 3, 11))
    assert "Twoje skargi" in mine.text and receipt.reference in mine.text and "ponownie ją rozpatrzyć" in mine.text
    assert mine.can_escalate == ((receipt.complaint_id, receipt.reference),)


async def test_my_complaints_shows_the_due_date_and_offers_stage_2_once_late(database: Database) -> None:
    receipt, carer_id = await new_complaint(database, received=at(date(2026, 3, 5)))
    async with database.transaction() as session:
        before = await show_my_complaints(session, carer_id=carer_id, language="en", today=date(2026, 3, 10))
        late = await show_my_complaints(session, carer_id=carer_id, language="en", today=date(2026, 3, 20))
    assert "Our answer is due by Thursday 19 March 2026." in before.text and before.can_escalate == ()
    assert "We are sorry it is late" in late.text and late.can_escalate == ((receipt.complaint_id, receipt.reference),)
    async with database.transaction() as session:  # before it is late or answered, stage 2 is refused
        with pytest.raises(StepNotAllowed):
            await escalate_complaint(session, complaint_id=receipt.complaint_id, carer_id=carer_id, reason="x", now=at(date(2026, 3, 10)), council=COUNCIL)


async def test_queue_surfaces_due_soon_and_overdue_only(database: Database) -> None:
    early, _ = await new_complaint(database, received=at(date(2026, 3, 2)))  # due Mon 16 March
    later, _ = await new_complaint(database, received=at(date(2026, 3, 12)))  # due Thu 26 March
    async with database.transaction() as session:
        queue = await complaint_queue(session, today=date(2026, 3, 12), staff_base_url=STAFF_BASE_URL)
        assert [item.reference for item in queue] == [early.reference]
        assert queue[0].deadline.status == DeadlineStatus.DUE_SOON and queue[0].deadline.working_days_left == 2
        assert queue[0].link == f"{STAFF_BASE_URL}/casework/complaints/{early.complaint_id}"
        later_queue = await complaint_queue(session, today=date(2026, 3, 17), staff_base_url=STAFF_BASE_URL)
        assert [(item.reference, item.deadline.status) for item in later_queue] == [(early.reference, DeadlineStatus.OVERDUE)]
        assert await count_complaints_due_or_overdue(session, at(date(2026, 3, 25))) == 2
    async with database.transaction() as session:  # answered complaints leave the queue
        await respond_to_complaint(session, complaint_id=early.complaint_id, officer_id=OFFICER_ANN, response="Answer",
                                   outcome=ComplaintOutcome.UPHELD, now=at(date(2026, 3, 25)), council=COUNCIL)
        assert await count_complaints_due_or_overdue(session, at(date(2026, 3, 25))) == 1
    assert later.reference


async def test_closing_after_stage_1_and_refusals_of_steps_that_do_not_fit(database: Database) -> None:
    receipt, _ = await new_complaint(database, received=at(date(2026, 3, 5)))
    async with database.transaction() as session:
        with pytest.raises(StepNotAllowed):  # stage 1 was acknowledged by the bot already
            await acknowledge_complaint(session, complaint_id=receipt.complaint_id, officer_id=OFFICER_ANN, now=at(date(2026, 3, 6)), council=COUNCIL)
        with pytest.raises(CaseworkError, match="note is empty"):  # an open complaint is closed only with a reason
            await close_complaint(session, complaint_id=receipt.complaint_id, officer_id=OFFICER_ANN, now=at(date(2026, 3, 6)), council=COUNCIL)
    async with database.transaction() as session:
        with pytest.raises(StepNotAllowed):  # an extension must be agreed before the deadline
            await extend_complaint(session, complaint_id=receipt.complaint_id, officer_id=OFFICER_ANN, working_days=3,
                                   reason="Late request", now=at(date(2026, 3, 20)), council=COUNCIL)
    async with database.transaction() as session:
        await respond_to_complaint(session, complaint_id=receipt.complaint_id, officer_id=OFFICER_ANN, response="Sorted.",
                                   outcome=ComplaintOutcome.UPHELD, now=at(date(2026, 3, 20)), council=COUNCIL)
        closed = await close_complaint(session, complaint_id=receipt.complaint_id, officer_id=OFFICER_ANN, now=at(date(2026, 4, 20)), council=COUNCIL)
    assert closed.status == ComplaintStatus.CLOSED
    rows = await outbox_rows(database, source_type="complaint", source_id=receipt.complaint_id)
    assert "is now closed" in (rows[-1].text or "")
    assert all(row.must_send for row in rows) and rows[0].is_urgent and not rows[-1].is_urgent
    assert all("{outbox_id}" in str(row.reply_markup) for row in rows)
    async with database.transaction() as session:
        with pytest.raises(StepNotAllowed):
            await close_complaint(session, complaint_id=receipt.complaint_id, officer_id=OFFICER_ANN, now=at(date(2026, 4, 21)), council=COUNCIL)


async def test_a_rolled_back_step_queues_no_message(database: Database) -> None:
    receipt, _ = await new_complaint(database, received=at(date(2026, 3, 5)))
    with pytest.raises(RuntimeError):
        async with database.transaction() as session:
            await respond_to_complaint(session, complaint_id=receipt.complaint_id, officer_id=OFFICER_ANN, response="Answer",
                                       outcome=ComplaintOutcome.UPHELD, now=at(date(2026, 3, 6)), council=COUNCIL)
            raise RuntimeError("the page failed after the service call")
    assert len(await outbox_texts(database, source_type="complaint", source_id=receipt.complaint_id)) == 1
    async with database.transaction() as session:
        stored = (await session.exec(select(Complaint).where(Complaint.id == receipt.complaint_id))).one()
    assert stored.status == ComplaintStatus.AWAITING_RESPONSE and stored.stage1_response is None
