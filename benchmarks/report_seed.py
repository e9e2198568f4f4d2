"""A report year at any size for the year-report benchmark and tests: carers, feedback, complaints, problems, changes.

`seed_report_year(database, year=..., items=500_000)` puts `items` pieces of feedback in the year (and half as many
in the year before, for the comparisons), one carer per 5 pieces, a complaint per 50 and a problem report per 10,
a transport change per two routes with a notice to every carer on the route. Rows go in with COPY (PostgreSQL) or
one prepared executemany (SQLite) in batches, with a progress line per batch; a fixed seed gives the same rows.
Some carers are erased (no carer, no child on their feedback), some feedback has no recorded district, some
quotes are approved, some complaints are open or extended, some problems unresolved: every branch of the report.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from carerline.demo_year import (
    CARER_NAMES, CHILD_NAMES, COMPLAINT_CATEGORIES, DISTRICTS, FEEDBACK_TEXTS, PROBLEM_CATEGORIES, _tagged,
)
from db.dao.demo_bulk import copy_rows
from db.engine import Database
from db.models import (
    Carer, CarerChildLink, ChangeNotice, Child, Complaint, FeedbackItem, Operator, OutboxMessage, ProblemReport, Route,
    School, TransportChange,
)
from services.calendar.periods import AcademicYear

BATCH = 50_000
ITEMS_PER_CARER = 5
ITEMS_PER_COMPLAINT = 50
ITEMS_PER_PROBLEM = 10
CARERS_PER_ROUTE = 20
ProgressCallback = Callable[[str], None]
FEEDBACK_COLUMNS = ("carer_id", "child_id", "source", "rating", "topic", "text", "district", "themes", "sentiment",
                    "consent_to_quote", "quote_status", "created_at")
COMPLAINT_COLUMNS = ("reference", "carer_id", "child_id", "category", "stage", "status", "stage1_received_at",
                     "stage1_acknowledged_at", "stage1_extension_working_days", "stage1_extension_reason",
                     "stage1_responded_at", "stage1_outcome", "stage2_received_at", "stage2_acknowledged_at",
                     "stage2_responded_at", "stage2_outcome", "closed_at")
PROBLEM_COLUMNS = ("reference", "carer_id", "child_id", "route_id", "category", "themes", "is_urgent", "reported_at",
                   "resolved_at")


@dataclass(frozen=True, slots=True)
class SeededYear:
    """How many rows of each kind went in."""

    carers: int
    feedback: int
    complaints: int
    problems: int
    changes: int
    notices: int


@dataclass(frozen=True, slots=True)
class _Family:
    carer_id: int | None
    child_id: int | None
    route_id: int | None
    child_name: str
    district: str


def _school_days(year: AcademicYear) -> list[date]:
    days = [year.first_day + timedelta(days=offset) for offset in range(366)]
    return [day for day in days if day <= year.last_day and day.weekday() < 5]


def _moments(rng: random.Random, year: AcademicYear) -> Callable[[], datetime]:
    """Random school-day moments, 06:00 to 18:00 UTC (random() and indexing: a tenth of the cost of choice())."""
    starts = [datetime.combine(day, time(6), tzinfo=UTC) for day in _school_days(year)]
    draw, count = rng.random, len(starts)

    def moment() -> datetime:
        return starts[int(draw() * count)] + timedelta(seconds=int(draw() * 43_200))

    return moment


def _in_order(rng: random.Random, year: AcademicYear, count: int) -> Iterator[datetime]:
    """`count` moments in the year, earliest first: records arrive over the year, so ids follow time as in real use."""
    moment = _moments(rng, year)
    return iter(sorted(moment() for _ in range(count)))


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> Callable[[], str]:
    keys, weights = [key for key, _ in choices], [weight for _, weight in choices]
    return lambda: rng.choices(keys, weights=weights)[0]


async def _load(database: Database, model: Any, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    async with database.transaction() as session:
        await copy_rows(session, model=model, columns=columns, rows=rows)


async def _transport(database: Database, rng: random.Random, *, carers: int, linked_at: datetime) -> list[_Family]:
    """Schools, operators, routes, children and carers (1 in 50 erased); the families feedback is drawn from."""
    routes = max(6, carers // CARERS_PER_ROUTE)
    await _load(database, School, ("id", "code", "name", "district"),
                [(n, f"BS{n:03d}", f"{district} Bench School {n}", district) for n, district in enumerate(DISTRICTS * 2, start=1)])
    await _load(database, Operator, ("id", "code", "name"), [(n, f"BO{n:02d}", f"Bench Cars {n}") for n in range(1, 11)])
    await _load(database, Route, ("id", "code", "operator_id", "school_id", "vehicle_type", "district", "is_suspended", "updated_at"),
                [(n, f"BR{n:05d}", n % 10 + 1, n % 24 + 1, "Minibus", DISTRICTS[n % 12], False, linked_at) for n in range(1, routes + 1)])
    families, children, carer_rows, links = [], [], [], []
    for n in range(1, carers + 1):
        route = n % routes + 1
        name, district = rng.choice(CHILD_NAMES), DISTRICTS[route % 12]
        children.append((n, f"BENCH{n:07d}", name, route % 24 + 1, route, district, "primary", True, linked_at))
        is_erased = n % 50 == 0
        carer_rows.append((n, None, f"C-BENCH{n:08d}", None if is_erased else rng.choice(CARER_NAMES), "en", [], linked_at,
                           linked_at if is_erased else None))
        links.append((n, n, n, linked_at))
        families.append(_Family(None if is_erased else n, None if is_erased else n, route, name, district))
    await _load(database, Child, ("id", "council_reference", "display_name", "school_id", "route_id", "district", "phase",
                                  "is_active", "updated_at"), children)
    await _load(database, Carer, ("id", "chat_id", "pseudonym", "first_name", "language", "muted_update_kinds", "created_at",
                                  "erased_at"), carer_rows)
    await _load(database, CarerChildLink, ("id", "carer_id", "child_id", "linked_at"), links)
    return families


def _feedback(rng: random.Random, year: AcademicYear, families: list[_Family], count: int, *, bias: float) -> Iterator[tuple[Any, ...]]:
    moments, draw, gauss = _in_order(rng, year, count), rng.random, rng.gauss
    texts = [[(text.format(child=name), *_tagged(text.format(child=name))) for text in FEEDBACK_TEXTS] for name in CHILD_NAMES]
    names = {name: index for index, name in enumerate(CHILD_NAMES)}
    for _ in range(count):
        family = families[int(draw() * len(families))]
        if draw() < 0.7:
            text, themes, sentiment = texts[names[family.child_name]][int(draw() * len(FEEDBACK_TEXTS))]
        else:
            text, themes, sentiment = None, [], None
        consent = text is not None and draw() < 0.15
        status = ("approved" if draw() < 0.05 else "proposed") if consent else None
        rating = None if draw() < 0.1 else min(5, max(1, round(gauss(3.4 + bias, 1.1))))
        district = family.district if family.carer_id is not None and draw() < 0.7 else None
        yield (family.carer_id, family.child_id, "bot", rating, "journey", text, district, themes, sentiment, consent,
               status, next(moments))


def _complaints(rng: random.Random, year: AcademicYear, families: list[_Family], count: int, first: int) -> Iterator[tuple[Any, ...]]:
    moments, category = _in_order(rng, year, count), _weighted(rng, COMPLAINT_CATEGORIES)
    for number in range(first, first + count):
        family = rng.choice(families)
        received = next(moments)
        acknowledged = received + timedelta(days=rng.choice((0, 1, 2, 3, 8)), hours=rng.randrange(6))
        extension = 10 if rng.random() < 0.05 else None
        responded = None if rng.random() < 0.03 else acknowledged + timedelta(days=rng.choice((5, 8, 10, 12, 13, 20, 25)))
        outcome = rng.choice(("upheld", "partly_upheld", "not_upheld")) if responded else None
        stage2 = (responded + timedelta(days=rng.randrange(2, 15))) if responded and rng.random() < 0.15 else None
        stage2_answered = stage2 + timedelta(days=rng.choice((14, 21, 26, 35))) if stage2 and rng.random() < 0.9 else None
        is_open = responded is None or (stage2 is not None and stage2_answered is None)
        yield (f"BHTST-{received.year}-{number:07d}", family.carer_id, family.child_id, category(), 2 if stage2 else 1,
               "awaiting_response" if is_open else "closed", received, acknowledged, extension,
               "More time needed" if extension else None, responded, outcome, stage2,
               stage2 + timedelta(days=2) if stage2 else None, stage2_answered,
               rng.choice(("upheld", "not_upheld")) if stage2_answered else None,
               None if is_open else (stage2_answered or responded))


def _problems(rng: random.Random, year: AcademicYear, families: list[_Family], count: int, first: int) -> Iterator[tuple[Any, ...]]:
    moments, category = _in_order(rng, year, count), _weighted(rng, PROBLEM_CATEGORIES)
    for number in range(first, first + count):
        family = rng.choice(families)
        reported = next(moments)
        resolved = None if rng.random() < 0.05 else reported + timedelta(hours=rng.lognormvariate(1.2, 1.0))
        yield (f"BPR-{reported.year}-{number:07d}", family.carer_id, family.child_id, family.route_id, category(), [], True,
               reported, resolved)


async def _batched(database: Database, model: Any, columns: tuple[str, ...], rows: Iterator[tuple[Any, ...]], *,
                   total: int, label: str, step: ProgressCallback) -> None:
    done = 0
    while True:
        batch = [row for _, row in zip(range(BATCH), rows)]
        if not batch:
            return
        await _load(database, model, columns, batch)
        done += len(batch)
        step(f"{label}: {done:,} of {total:,}")


async def _changes(database: Database, rng: random.Random, year: AcademicYear, families: list[_Family]) -> tuple[int, int]:
    """A change on every other route, each with a personal notice (and its outbox message) per carer on the route."""
    on_route: dict[int, list[int]] = {}
    for family in families:
        if family.carer_id is not None and family.route_id is not None:
            on_route.setdefault(family.route_id, []).append(family.carer_id)
    moment = _moments(rng, year)
    changes, messages, notices = [], [], []
    for number, route in enumerate(sorted(on_route)[::2], start=1):
        effective = moment().replace(hour=5, minute=0, second=0)
        queued = effective - timedelta(hours=rng.choice((4, 20, 48, 72, 120, 168, 240)))
        changes.append((number, f"BENCH-{number:06d}", "new_pickup_time", route, effective.date(), effective, False, False,
                        "New timetable", "bench", queued, queued))
        for carer in on_route[route]:
            seen = rng.random() < 0.85
            sent = queued + timedelta(minutes=1)
            acknowledged = sent + timedelta(hours=3) if seen else None
            message_id = len(messages) + 1
            messages.append((message_id, f"bench:{number}:{carer}", carer, "change_notice", "transport_change", number,
                             "acknowledged" if seen else "sent", queued, queued, sent, 1, acknowledged))
            notices.append((number, carer, [], queued, acknowledged, message_id))
    await _load(database, TransportChange, ("id", "reference", "kind", "route_id", "effective_from", "effective_at", "is_urgent",
                                            "must_send", "reason", "recorded_by", "recorded_at", "notices_queued_at"), changes)
    await _load(database, OutboxMessage, ("id", "idempotency_key", "carer_id", "purpose", "source_type", "source_id", "state",
                                          "queued_at", "not_before", "sent_at", "attempts", "acknowledged_at"), messages)
    await _load(database, ChangeNotice, ("change_id", "carer_id", "child_ids", "queued_at", "acknowledged_at",
                                         "outbox_message_id"), notices)
    return len(changes), len(notices)


async def seed_report_year(
    database: Database, *, year: AcademicYear, items: int, seed: int = 2026, on_step: ProgressCallback | None = None
) -> SeededYear:
    """Seed `items` pieces of feedback in `year` (half as many the year before) and the rest in proportion."""
    step = on_step or (lambda _line: None)
    rng = random.Random(seed)
    carers = max(30, items // ITEMS_PER_CARER)
    step(f"{carers:,} carers, their children and routes")
    families = await _transport(database, rng, carers=carers, linked_at=datetime.combine(year.previous.first_day, time(8), tzinfo=UTC))
    complaints, problems = max(10, items // ITEMS_PER_COMPLAINT), max(10, items // ITEMS_PER_PROBLEM)
    for period, count, bias in ((year.previous, items // 2, -0.3), (year, items, 0.1)):
        await _batched(database, FeedbackItem, FEEDBACK_COLUMNS, _feedback(rng, period, families, count, bias=bias),
                       total=count, label=f"{period.label} feedback", step=step)
    first = 1
    for period, share in ((year.previous, 2), (year, 1)):
        await _batched(database, Complaint, COMPLAINT_COLUMNS, _complaints(rng, period, families, complaints // share, first),
                       total=complaints // share, label=f"{period.label} complaints", step=step)
        await _batched(database, ProblemReport, PROBLEM_COLUMNS, _problems(rng, period, families, problems // share, first),
                       total=problems // share, label=f"{period.label} problems", step=step)
        first += complaints + problems
    step("transport changes, notices and messages")
    changes, notices = await _changes(database, rng, year, families)
    return SeededYear(carers=carers, feedback=items + items // 2, complaints=complaints + complaints // 2,
                      problems=problems + problems // 2, changes=changes, notices=notices)
