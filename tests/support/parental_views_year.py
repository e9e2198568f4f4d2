"""A fixture year (2025-26, and 2024-25 before it) with known numbers, built through our services and factories.

Known numbers (what the parental-views section must show):
- linked carers 17; messages sent 10; changes notified 5; change notices 10, confirmed 70% (7);
  notice before a change: median and shortest 6 days 20 hours.
- feedback: autumn 2025, 12 Maidstone families (8 punctuality, 4 communication; 9 of 12 rated 4 or 5:
  75% (9)); spring 2026, 3 Dover families (fewer than 5); autumn 2024, 10 ratings, 5 satisfied: 50% (5),
  6 punctuality → themes: punctuality 8 (+2), communication 4 (fewer than 5).
- one approved quote (the family's words include a phone, an email, a postcode and the child's name).
- complaints: 6 at stage 1 (5 transport service, 1 communication), all answered, 5 within the Code's
  timescales: 83% (5); 1 escalated to stage 2; outcomes 5 upheld, 1 not upheld.
- problems: 7 "running late", all resolved in 2, 4, 6, 8, 10, 12 and 100 hours: median 8 hours,
  9 in 10 within 4 days 4 hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import update
from sqlmodel import col, select

from db.engine import Database
from db.models import CarerChildLink, ChangeNotice, Complaint, OutboxMessage, ProblemReport
from db.models.casework import ComplaintOutcome, ComplaintStatus, FeedbackSource
from services.feedback.records import curate_quote, record_feedback
from tests.support.factories import make_carer, make_child, make_route, make_school, make_transport_change

REPORT_NOW = datetime(2026, 9, 15, 9, 0, tzinfo=UTC)
AUTUMN_2025 = datetime(2025, 10, 6, 10, 0, tzinfo=UTC)
SPRING_2026 = datetime(2026, 2, 2, 10, 0, tzinfo=UTC)
AUTUMN_2024 = datetime(2024, 10, 7, 10, 0, tzinfo=UTC)
CHANGES_RECORDED = datetime(2025, 10, 1, 9, 0, tzinfo=UTC)
QUOTE_TEXT = ("The bus was late again this week. Ring me on 07700 900123 or bern.k@example.com, "
              "we are at ME14 1XQ. Tobias was upset.")
# Everything identifying in the fixture: none of it may appear in any rendering of the report.
IDENTIFYING = ("Bernadette", "Tobias", "Ophelia", "Wilhelmina", "Maximilian", "07700 900123", "07700900123",
               "bern.k@example.com", "ME14 1XQ", "ME141XQ", "KCC-PV")
FIRST_NAMES = ("Bernadette", "Ophelia", "Wilhelmina", "Maximilian")


@dataclass(frozen=True)
class FixtureYear:
    """Ids a test may need."""

    quote_feedback_id: int


async def build_fixture_year(database: Database) -> FixtureYear:
    """Create the known year on the given database."""
    async with database.transaction() as session:
        maidstone = await make_school(session, district="Maidstone")
        dover = await make_school(session, district="Dover")
        families = []
        for index in range(12):
            child = await make_child(session, route=await make_route(session, school=maidstone),
                                     display_name="Tobias" if index == 0 else "Sam", council_reference=f"KCC-PV{index:03d}")
            carer = await make_carer(session, first_name=FIRST_NAMES[index % 4], children=[child])
            families.append((carer, child))
        ratings = (5, 5, 5, 5, 4, 4, 4, 4, 4, 2, 2, 1)
        quote_id = 0
        for index, ((carer, child), rating) in enumerate(zip(families, ratings, strict=True)):
            text = QUOTE_TEXT if index == 0 else ("The bus was late again this week" if index < 8 else "Nobody told us about the change")
            item = await record_feedback(session, carer_id=carer.id, child_id=child.id, source=FeedbackSource.SURVEY,
                                         topic="journey", rating=rating, text=text, consent_to_quote=index == 0,
                                         now=AUTUMN_2025 + timedelta(hours=index))
            if index == 0:
                quote_id = item.id or 0
        for index in range(3):
            child = await make_child(session, route=await make_route(session, school=dover), council_reference=f"KCC-PVD{index}")
            carer = await make_carer(session, first_name="Ophelia", children=[child])
            await record_feedback(session, carer_id=carer.id, child_id=child.id, source=FeedbackSource.SURVEY,
                                  topic="journey", rating=5, text=None, consent_to_quote=False, now=SPRING_2026)
        for index, (carer, child) in enumerate(families[:10]):
            await record_feedback(session, carer_id=carer.id, child_id=child.id, source=FeedbackSource.SURVEY,
                                  topic="journey", rating=5 if index < 5 else 2,
                                  text="The bus was late again this week" if index < 6 else None,
                                  consent_to_quote=False, now=AUTUMN_2024)
        await curate_quote(session, feedback_id=quote_id, coordinator_id=1, is_approved=True, now=AUTUMN_2025)
        await _complaints(session, families)
        await _problems(session, families)
        await _changes(session, maidstone)
        await session.exec(update(CarerChildLink).values(linked_at=datetime(2025, 9, 2, tzinfo=UTC)))
    return FixtureYear(quote_feedback_id=quote_id)


async def _complaints(session, families) -> None:  # type: ignore[no-untyped-def]
    received = datetime(2025, 11, 3, 10, 0, tzinfo=UTC)  # Monday
    for index, (carer, child) in enumerate(families[:6]):
        is_late = index == 5
        session.add(Complaint(
            reference=f"HTST-2025-{index + 1:05d}", carer_id=carer.id, child_id=child.id,
            category="communication" if index == 5 else "service_delivery", description="Words held for officers",
            stage=2 if index == 4 else 1, status=ComplaintStatus.CLOSED,
            stage1_received_at=received, stage1_acknowledged_at=received, stage1_handled_by=1,
            stage1_responded_at=received + timedelta(days=42 if is_late else 7),
            stage1_outcome=ComplaintOutcome.NOT_UPHELD if is_late else ComplaintOutcome.UPHELD,
            stage2_received_at=received + timedelta(days=10) if index == 4 else None,
            stage2_acknowledged_at=received + timedelta(days=10) if index == 4 else None,
            stage2_responded_at=received + timedelta(days=20) if index == 4 else None,
            stage2_outcome=ComplaintOutcome.UPHELD if index == 4 else None,
        ))
    await session.flush()


async def _problems(session, families) -> None:  # type: ignore[no-untyped-def]
    for index, ((carer, child), hours) in enumerate(zip(families[:7], (2, 4, 6, 8, 10, 12, 100), strict=True)):
        reported = AUTUMN_2025 + timedelta(days=index)
        session.add(ProblemReport(reference=f"PR-2025-{index + 1:05d}", carer_id=carer.id, child_id=child.id,
                                  category="running_late", reported_at=reported,
                                  resolved_at=reported + timedelta(hours=hours), resolved_by_staff_id=1))
    await session.flush()


async def _changes(session, school) -> None:  # type: ignore[no-untyped-def]
    route = await make_route(session, school=school)
    for name in ("Wilhelmina", "Maximilian"):
        await make_carer(session, first_name=name, children=[await make_child(session, route=route)])
    for number in range(5):
        await make_transport_change(session, route=route, now=CHANGES_RECORDED, effective_from=date(2025, 10, 8),
                                    reference=f"PV-CHANGE-{number}", new_value=f"7:{50 + number}am")
    notices = list((await session.exec(select(ChangeNotice).order_by(col(ChangeNotice.id)))).all())
    for notice in notices[:7]:
        notice.acknowledged_at = CHANGES_RECORDED + timedelta(hours=2)
        session.add(notice)
    await session.exec(update(OutboxMessage).values(sent_at=CHANGES_RECORDED + timedelta(minutes=1), state="sent"))
    await session.flush()
