"""Factories over the real database: each builds what it needs with sensible defaults."""

from __future__ import annotations

import itertools
from datetime import datetime, time
from typing import TYPE_CHECKING

from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Carer, CarerChildLink, Child, Operator, Phase, Route, RouteStop, School
from db.types import utc_now
from services.carers.channel_plans import CouncilContact

if TYPE_CHECKING:
    from services.carers.codes import IssuedCode

_sequence = itertools.count(1)

# The council's phone and hours as the tests configure them (entry points build this from Settings).
COUNCIL = CouncilContact(phone="03000 41 00 00", hours="8:30am to 5pm")


def _next() -> int:
    return next(_sequence)


async def make_school(session: AsyncSession, *, name: str | None = None, district: str = "Maidstone") -> School:
    n = _next()
    school = School(code=f"SCH{n:04d}", name=name or f"Oakwood School {n}", district=district)
    session.add(school)
    await session.flush()
    return school


async def make_operator(session: AsyncSession, *, name: str | None = None, public_phone: str | None = "01622 000 111") -> Operator:
    n = _next()
    operator = Operator(code=f"OP{n:04d}", name=name or f"Garden Cars {n}", public_phone=public_phone)
    session.add(operator)
    await session.flush()
    return operator


async def make_route(
    session: AsyncSession,
    *,
    school: School | None = None,
    operator: Operator | None = None,
    code: str | None = None,
    district: str | None = None,
    vehicle_type: str = "Wheelchair-accessible minibus",
    stops: int = 2,
) -> Route:
    school = school or await make_school(session)
    operator = operator or await make_operator(session)
    route = Route(
        code=code or f"R{_next():04d}",
        operator_id=operator.id,  # type: ignore[arg-type]
        school_id=school.id,  # type: ignore[arg-type]
        vehicle_type=vehicle_type,
        district=district or school.district,
    )
    session.add(route)
    await session.flush()
    for sequence in range(1, stops + 1):
        session.add(
            RouteStop(
                route_id=route.id,  # type: ignore[arg-type]
                sequence=sequence,
                name=f"Stop {sequence}, High Street",
                pickup_from=time(7, 30 + sequence * 5),
                pickup_to=time(7, 40 + sequence * 5),
            )
        )
    await session.flush()
    return route


async def make_child(
    session: AsyncSession,
    *,
    route: Route | None = None,
    display_name: str = "Sam",
    council_reference: str | None = None,
    phase: Phase = Phase.PRIMARY,
) -> Child:
    route = route or await make_route(session)
    child = Child(
        council_reference=council_reference or f"KCC-{_next():06d}",
        display_name=display_name,
        school_id=route.school_id,
        route_id=route.id,
        district=route.district,
        phase=phase,
    )
    session.add(child)
    await session.flush()
    return child


async def make_carer(
    session: AsyncSession,
    *,
    chat_id: int | None = None,
    first_name: str = "Alex",
    language: str = "en",
    has_consent: bool = True,
    children: list[Child] | None = None,
) -> Carer:
    carer = Carer(
        chat_id=chat_id if chat_id is not None else 10_000 + _next(),
        first_name=first_name,
        language=language,
        consent_notice_version="test" if has_consent else None,
        consent_given_at=utc_now() if has_consent else None,
    )
    session.add(carer)
    await session.flush()
    for child in children or []:
        session.add(CarerChildLink(carer_id=carer.id, child_id=child.id))  # type: ignore[arg-type]
    await session.flush()
    return carer


async def make_linking_code(
    session: AsyncSession, *, child: Child | None = None, ttl_days: int = 60, now: datetime | None = None
) -> IssuedCode:
    """Issue a real linking code (the only moment the code is known) for a child, made if not given."""
    from services.carers.codes import issue_linking_codes

    child = child or await make_child(session)
    [issued] = await issue_linking_codes(session, children=[child], ttl_days=ttl_days, now=now or utc_now())
    return issued


async def make_family(
    session: AsyncSession, *, language: str = "en", child_name: str = "Sam", carer_name: str = "Alex"
) -> tuple[Carer, Child]:
    """A consenting carer linked to one child on a route (casework tests)."""
    child = await make_child(session, display_name=child_name)
    carer = await make_carer(session, first_name=carer_name, language=language, children=[child])
    return carer, child


async def make_transport_change(
    session: AsyncSession, *, route: Route, now: datetime | None = None, council_phone: str = "03000 41 00 00", **fields: object
) -> object:
    """Record a transport change on a route through the real service (notices queued); the RecordedChange."""
    from datetime import timedelta

    from db.models import ChangeKind
    from services.changes.notices import ChangeRequest, record_change

    now = now or utc_now()
    values: dict[str, object] = {
        "kind": ChangeKind.NEW_PICKUP_TIME,
        "effective_from": (now + timedelta(days=7)).date(),
        "recorded_by": "test officer",
        "route_code": route.code,
        "old_value": "7:40am",
        "new_value": "7:55am",
        "reason": "Road works on the A20",
    }
    values.update(fields)
    return await record_change(session, request=ChangeRequest(**values), now=now, council_phone=council_phone)  # type: ignore[arg-type]


async def make_sample_transport(session: AsyncSession, *, now: datetime | None = None) -> None:
    """The README's sample export and changes imported, and application HTST-1 (for API runs that need records)."""
    from pathlib import Path

    from services.applications.stages import CouncilContact, record_application
    from services.changes.csv_intake import import_changes
    from services.transport.imports import import_transport_data

    now = now or utc_now()
    samples = Path(__file__).resolve().parents[2] / "docs" / "samples"
    report = await import_transport_data(session, data=(samples / "transport_export.csv").read_bytes(), now=now)
    assert report.is_ok, report.errors
    await import_changes(session, data=(samples / "transport_changes.csv").read_bytes(), recorded_by="tests", now=now, council_phone="03000 41 00 00")
    await record_application(
        session, reference="HTST-1", council_reference="KCC-100001", received_on=now.date(), recorded_by="tests", now=now,
        contact=CouncilContact(phone="03000 41 00 00", hours="8:30am to 5pm"),
    )
