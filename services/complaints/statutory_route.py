"""Eligibility and suitability disputes are not complaints: the family is pointed to the statutory
review and appeal route (timetable in services/complaints/timetable.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from services.carers.channel_plans import CouncilContact
from services.casework.notifications import CarerNotice, notify_carer
from services.complaints.timetable import ComplaintSubject, statutory_review_timetable


@dataclass(frozen=True, slots=True)
class StatutoryRouteAdvice:
    """Not a complaint: the family was pointed to the statutory review and appeal route."""

    subject: ComplaintSubject
    request_review_by: date | None


async def advise_statutory_route(
    session: AsyncSession,
    *,
    carer_id: int,
    subject: ComplaintSubject,
    now: datetime,
    council: CouncilContact,
    decision_on: date | None,
) -> StatutoryRouteAdvice:
    """Tell the family at once where an eligibility or suitability dispute goes, with the date to ask by."""
    request_review_by = statutory_review_timetable(decision_on=decision_on).request_review_by if decision_on else None
    values: dict[str, object] = {"phone": council.phone}
    key = "casework.statutory_route"
    if request_review_by is not None:
        key, values["review_by"] = "casework.statutory_route_with_date", request_review_by
    notice = CarerNotice(
        key=key, source_type="statutory_route", source_id=carer_id, step=f"advice-{now.isoformat()}", values=values,
        is_urgent=True,
    )
    await notify_carer(session, carer_id=carer_id, notice=notice, now=now, council=council)
    return StatutoryRouteAdvice(subject=subject, request_review_by=request_review_by)
