"""`carerline seed-demo --year 2025-26`: a realistic generated academic year, and the one before, for the sandbox.

Its own schools, routes and children across Kent's twelve districts (references start "DY<year>-"),
about 3,000 carers at scale 1.0, feedback with themes and ratings, complaints at both stages,
transport changes with personal notices and acknowledgements, and problems reported on the day.
Rows go in with bulk inserts (thousands per statement); a fixed random seed per year makes the
same figures every time. Running it again for the same year changes nothing.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache

from db.dao.demo_bulk import count_children_with_reference_prefix, save_rows, save_rows_returning_ids
from db.dao.reports.parental_views import fetch_commentary, fetch_you_said_rows
from db.engine import Database
from db.migrate import upgrade_database_async
from db.models import (
    Carer, CarerChildLink, ChangeNotice, Child, Complaint, FeedbackItem, Operator, OutboxMessage, PactCommentary,
    ProblemReport, Route, School, TransportChange, YouSaidWeDid,
)
from db.models.carers import new_pseudonym
from services.calendar.periods import AcademicYear
from services.feedback.tagging import sentiment_score, tag_themes

DISTRICTS = ("Ashford", "Canterbury", "Dartford", "Dover", "Folkestone and Hythe", "Gravesham", "Maidstone",
             "Sevenoaks", "Swale", "Thanet", "Tonbridge and Malling", "Tunbridge Wells")
CHILD_NAMES = ("Sam", "Alfie", "Isla", "Noah", "Maya", "Leo", "Ava", "Oscar", "Ella", "Finley", "Ruby", "Theo", "A.J.", "M.K.")
CARER_NAMES = ("Alex", "Jo", "Priya", "Kasia", "Tom", "Sarah", "Mark", "Aisha", "Gemma", "Dan", "Marta", "Lee")
FEEDBACK_TEXTS = (
    "The bus was 20 minutes late three mornings this week.",
    "{child} missed the start of school again because the taxi was late.",
    "Nobody told us the pick-up time had changed until the driver rang.",
    "Thank you for the message about the new operator, it really helped us plan.",
    "Our driver Dave is brilliant with {child}, always calm and kind.",
    "The passenger assistant changed three times this term and {child} finds it very hard.",
    "The journey takes over an hour each way, far too long for {child}.",
    "The minibus has no working ramp so the wheelchair has to be lifted in.",
    "I felt {child} was not safe, the seatbelt was not checked.",
    "The application took months and nobody answered my emails.",
    "Great service this term, no problems at all. Thank you!",
    "Please ring me on 07700 900123 about the new route, I have had no letter.",
)
COMPLAINT_CATEGORIES = (("service_delivery", 6), ("staff_conduct", 2), ("communication", 3), ("other", 1))
PROBLEM_CATEGORIES = (("running_late", 8), ("transport_did_not_come", 3), ("wrong_pickup", 1), ("safety_concern", 1),
                      ("driver_or_assistant_changed", 2))
CARERS_AT_SCALE_ONE = 3_000
ProgressCallback = Callable[[str], None]


@dataclass(frozen=True)
class DemoYearSummary:
    """What was generated."""

    year: str
    carers: int
    feedback: int
    complaints: int
    problems: int
    changes: int
    already_there: bool = False

    def describe(self) -> str:
        """A few lines for the terminal."""
        if self.already_there:
            return f"  Demo year {self.year} is already in this database; nothing added."
        return (f"  Demo year {self.year} and the year before: {self.carers:,} carers, {self.feedback:,} pieces of feedback, "
                f"{self.complaints:,} complaints, {self.problems:,} problems reported, {self.changes:,} transport changes.\n"
                f"  See it: carerline report parental-views --year {self.year} --format html")


@lru_cache(maxsize=None)
def _tagged(text: str) -> tuple[list[str], float]:
    return [theme.value for theme in tag_themes(text)], sentiment_score(text)


def _moment(rng: random.Random, year: AcademicYear) -> datetime:
    """A school-day moment in the year (no August; weekdays 07:00-17:00 UTC)."""
    while True:
        day = year.first_day + timedelta(days=rng.randrange(0, 334))
        if day.weekday() < 5:
            return datetime.combine(day, time(7 + rng.randrange(10), rng.randrange(60)), tzinfo=UTC)


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([key for key, _ in choices], weights=[weight for _, weight in choices])[0]


async def _transport(database: Database, rng: random.Random, prefix: str, carers_wanted: int, linked_at: datetime) -> dict:
    """Schools, operators, routes, children and linked carers; ids by route."""
    async with database.transaction() as session:
        schools = await save_rows_returning_ids(session, model=School, rows=[
            {"code": f"{prefix}S{n:02d}", "name": f"{district} Demo School {n}", "district": district}
            for n, district in enumerate(DISTRICTS * 2)])
        operators = await save_rows_returning_ids(session, model=Operator, rows=[
            {"code": f"{prefix}O{n:02d}", "name": f"Demo Cars {n}", "public_phone": None} for n in range(10)])
        route_rows = [{"code": f"{prefix}R{n:03d}", "operator_id": rng.choice(operators), "school_id": schools[n % len(schools)],
                       "vehicle_type": rng.choice(("Taxi", "Minibus", "Wheelchair-accessible minibus")),
                       "district": DISTRICTS[n % len(DISTRICTS)], "is_suspended": False, "updated_at": linked_at}
                      for n in range(max(6, carers_wanted // 20))]
        routes = await save_rows_returning_ids(session, model=Route, rows=route_rows)
        children_count = max(6, int(carers_wanted / 1.15))
        child_rows = []
        for n in range(children_count):
            index = n % len(routes)
            child_rows.append({"council_reference": f"{prefix}{n:06d}", "display_name": rng.choice(CHILD_NAMES),
                               "school_id": route_rows[index]["school_id"], "route_id": routes[index], "stop_id": None,
                               "district": route_rows[index]["district"], "phase": rng.choice(("primary", "secondary", "post_16")),
                               "is_active": True, "updated_at": linked_at})
        children = await save_rows_returning_ids(session, model=Child, rows=child_rows)
        carer_rows, links = [], []
        for n in range(carers_wanted):
            child_index = n if n < len(children) else rng.randrange(len(children))
            carer_rows.append({"chat_id": None, "pseudonym": new_pseudonym(), "first_name": rng.choice(CARER_NAMES),
                               "language": "pl" if rng.random() < 0.05 else "en", "consent_notice_version": "demo",
                               "consent_given_at": linked_at, "muted_update_kinds": [], "created_at": linked_at})
            links.append(child_index)
        carers = await save_rows_returning_ids(session, model=Carer, rows=carer_rows)
        await save_rows(session, model=CarerChildLink, rows=[
            {"carer_id": carer, "child_id": children[index], "linked_at": linked_at} for carer, index in zip(carers, links, strict=True)])
    families = [(carer, children[index], child_rows[index]["route_id"], child_rows[index]["display_name"])
                for carer, index in zip(carers, links, strict=True)]
    return {"families": families, "routes": routes}


def _feedback_rows(rng: random.Random, year: AcademicYear, families: list, satisfied_bias: float, approve: int) -> list[dict]:
    rows = []
    for carer, child, _route, name in rng.sample(families, k=int(len(families) * 0.45)):
        text = rng.choice(FEEDBACK_TEXTS).format(child=name) if rng.random() < 0.7 else None
        themes, sentiment = _tagged(text) if text else ([], None)
        rating = min(5, max(1, round(rng.gauss(3.4 + satisfied_bias, 1.1))))
        consent = bool(text) and rng.random() < 0.15
        rows.append({"carer_id": carer, "child_id": child, "source": "bot" if rng.random() < 0.7 else "survey",
                     "survey_key": None, "rating": rating, "topic": "journey", "text": text, "themes": themes,
                     "sentiment": sentiment, "consent_to_quote": consent, "quote_status": "proposed" if consent else None,
                     "quote_curated_by_staff_id": None, "quote_curated_at": None, "created_at": _moment(rng, year)})
    for row in [row for row in rows if row["consent_to_quote"]][:approve]:
        row["quote_status"], row["quote_curated_at"] = "approved", row["created_at"] + timedelta(days=3)
    return rows


def _complaint_rows(rng: random.Random, year: AcademicYear, families: list, start_number: int) -> list[dict]:
    rows = []
    for number, (carer, child, _route, _name) in enumerate(rng.sample(families, k=max(5, len(families) // 60)), start=start_number):
        received = _moment(rng, year)
        acknowledged = received + timedelta(days=rng.choice((0, 1, 2, 3, 8)))
        responded = acknowledged + timedelta(days=rng.choice((5, 8, 10, 12, 13, 20, 25)))
        escalated = rng.random() < 0.15
        row = {"reference": f"HTST-{received.year}-{number:05d}", "carer_id": carer, "child_id": child, "route_code": None,
               "category": _weighted(rng, COMPLAINT_CATEGORIES), "description": "Demo complaint", "stage": 2 if escalated else 1,
               "status": "closed", "stage1_received_at": received, "stage1_acknowledged_at": acknowledged, "stage1_handled_by": 1,
               "stage1_responded_at": responded, "stage1_outcome": rng.choice(("upheld", "partly_upheld", "not_upheld")),
               "closed_at": responded, "stage2_received_at": None, "stage2_acknowledged_at": None, "stage2_handled_by": None,
               "stage2_responded_at": None, "stage2_outcome": None}
        if escalated:
            stage2 = responded + timedelta(days=rng.randrange(2, 15))
            row.update(stage2_received_at=stage2, stage2_acknowledged_at=stage2 + timedelta(days=2), stage2_handled_by=2,
                       stage2_responded_at=stage2 + timedelta(days=rng.choice((14, 21, 26, 35))),
                       stage2_outcome=rng.choice(("upheld", "partly_upheld", "not_upheld")))
            row["closed_at"] = row["stage2_responded_at"]
        rows.append(row)
    return rows


def _problem_rows(rng: random.Random, year: AcademicYear, families: list, start_number: int) -> list[dict]:
    rows = []
    for number, (carer, child, route, _name) in enumerate(rng.sample(families, k=max(5, len(families) // 12)), start=start_number):
        reported = _moment(rng, year)
        rows.append({"reference": f"PR-{reported.year}-{number:05d}", "carer_id": carer, "child_id": child, "route_id": route,
                     "category": _weighted(rng, PROBLEM_CATEGORIES), "details": None, "themes": [], "is_urgent": True,
                     "reported_at": reported, "resolved_at": reported + timedelta(hours=rng.lognormvariate(1.2, 1.0)),
                     "resolved_by_staff_id": 1})
    return rows


async def _changes(database: Database, rng: random.Random, year: AcademicYear, families: list, routes: list[int], acknowledge: float) -> int:
    carers_on = {}
    for carer, _child, route, _name in families:
        carers_on.setdefault(route, []).append(carer)
    picked = [rng.choice(routes) for _ in range(max(5, len(routes) // 2))]
    async with database.transaction() as session:
        change_rows = []
        for number, route in enumerate(picked):
            effective = _moment(rng, year).replace(hour=5, minute=0)
            queued = effective - timedelta(hours=rng.choice((4, 20, 48, 72, 120, 168, 240)))
            change_rows.append({"reference": f"DEMO-{year.label}-{number:04d}", "kind": "new_pickup_time", "route_id": route,
                                "old_value": "7:40am", "new_value": "7:55am", "effective_from": effective.date(),
                                "effective_at": effective, "is_urgent": False, "must_send": False, "reason": "New timetable",
                                "recorded_by": "demo", "recorded_at": queued, "notices_queued_at": queued})
        change_ids = await save_rows_returning_ids(session, model=TransportChange, rows=change_rows)
        messages, notices = [], []
        for change_id, row in zip(change_ids, change_rows, strict=True):
            for carer in carers_on.get(row["route_id"], []):
                seen = rng.random() < acknowledge
                sent = row["recorded_at"] + timedelta(minutes=1)
                messages.append({"idempotency_key": f"demo-year:{change_id}:{carer}", "carer_id": carer, "chat_id": None,
                                 "purpose": "change_notice", "update_kind": "transport_changes", "source_type": "transport_change",
                                 "source_id": change_id, "text": None, "is_urgent": False, "priority": 1, "must_send": False,
                                 "state": "acknowledged" if seen else "sent", "queued_at": row["recorded_at"],
                                 "not_before": row["recorded_at"], "sent_at": sent, "attempts": 1,
                                 "acknowledged_at": sent + timedelta(hours=3) if seen else None})
                # Marked reminded, so the follow-up job never chases demo families (who have no chat).
                notices.append({"change_id": change_id, "carer_id": carer, "child_ids": [], "queued_at": row["recorded_at"],
                                "acknowledged_at": sent + timedelta(hours=3) if seen else None,
                                "reminded_at": None if seen else sent + timedelta(hours=24)})
        message_ids = await save_rows_returning_ids(session, model=OutboxMessage, rows=messages)
        for notice, message_id in zip(notices, message_ids, strict=True):
            notice["outbox_message_id"] = message_id
        await save_rows(session, model=ChangeNotice, rows=notices)
    return len(change_rows)


async def _coordinators_words(database: Database, year: AcademicYear, now: datetime) -> None:
    async with database.transaction() as session:
        if not await fetch_you_said_rows(session, academic_year=year.label):
            await save_rows(session, model=YouSaidWeDid, rows=[
                {"academic_year": year.label, "you_said": said, "we_did": did, "position": n, "written_by_label": "Demo coordinator",
                 "written_at": now}
                for n, (said, did) in enumerate((
                    ("You heard about changes too late.", "Every change now reaches linked families on Carerline, with a reminder after 24 hours."),
                    ("Drivers and assistants changed too often.", "Officers now see children with more than 3 changes in a term and call the operator."),
                    ("Complaints took too long to answer.", "Complaints are tracked against the Ombudsman's Code, with due-soon alerts for officers."),
                ), start=1)])
        if await fetch_commentary(session, academic_year=year.label) is None:
            await save_rows(session, model=PactCommentary, rows=[{
                "academic_year": year.label, "written_by_label": "Demo coordinator", "written_at": now,
                "text": "Families told us that knowing about changes early matters most.\n\nPunctuality is still the "
                        "theme raised most often, and we will keep working with the council on it."}])


async def seed_demo_year(*, database_url: str, year: AcademicYear, scale: float = 1.0, on_step: ProgressCallback | None = None) -> DemoYearSummary:
    """Generate `year` and the year before (idempotent per year)."""
    step = on_step or (lambda _name: None)
    prefix = f"DY{year.first_calendar_year % 100:02d}-"
    rng = random.Random(year.first_calendar_year)
    await upgrade_database_async(database_url=database_url)
    database = Database(database_url)
    try:
        async with database.transaction() as session:
            if await count_children_with_reference_prefix(session, prefix=prefix):
                return DemoYearSummary(year.label, 0, 0, 0, 0, 0, already_there=True)
        carers_wanted = max(12, int(CARERS_AT_SCALE_ONE * scale))
        step(f"{carers_wanted:,} carers, their children and routes")
        transport = await _transport(database, rng, prefix, carers_wanted, datetime.combine(year.previous.first_day, time(8), tzinfo=UTC))
        families, totals = transport["families"], {"feedback": 0, "complaints": 0, "problems": 0, "changes": 0}
        for index, (period, bias, approve, acknowledge) in enumerate(((year.previous, -0.3, 0, 0.72), (year, 0.1, 12, 0.86))):
            step(f"{period.label}: feedback, complaints and problems")
            feedback = _feedback_rows(rng, period, families, bias, approve)
            complaints = _complaint_rows(rng, period, families, start_number=90_000 + index * 5_000)
            problems = _problem_rows(rng, period, families, start_number=90_000 + index * 5_000)
            async with database.transaction() as session:
                await save_rows(session, model=FeedbackItem, rows=feedback)
                await save_rows(session, model=Complaint, rows=complaints)
                await save_rows(session, model=ProblemReport, rows=problems)
            step(f"{period.label}: transport changes and acknowledgements")
            totals["changes"] += await _changes(database, rng, period, families, transport["routes"], acknowledge)
            totals["feedback"] += len(feedback)
            totals["complaints"] += len(complaints)
            totals["problems"] += len(problems)
        step("You said, we did and commentary")
        await _coordinators_words(database, year, datetime.combine(year.last_day, time(9), tzinfo=UTC))
    finally:
        await database.dispose()
    return DemoYearSummary(year.label, len(families), totals["feedback"], totals["complaints"], totals["problems"], totals["changes"])
