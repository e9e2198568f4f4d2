"""The officers' complaint queue: open complaints with the deadline to act on next, for the dashboard and digest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.casework.complaints import fetch_open_complaints
from db.models.casework import ComplaintStatus
from services.casework.errors import council_day
from services.complaints.timetable import (
    DEFAULT_DUE_SOON_WORKING_DAYS,
    ComplaintSubject,
    DeadlineCheck,
    is_due_soon_or_overdue,
    next_deadline,
)
from services.complaints.workflow import COMPLAINT_LABELS, complaint_link, timetable_of


@dataclass(frozen=True, slots=True)
class ComplaintQueueItem:
    """One complaint on the officers' queue, with the deadline they must act on next."""

    complaint_id: int
    reference: str
    category_label: str
    stage: int
    status: ComplaintStatus
    deadline: DeadlineCheck
    child_name: str | None
    route_code: str | None
    link: str


async def complaint_queue(
    session: AsyncSession,
    *,
    today: date,
    staff_base_url: str,
    due_soon_working_days: int = DEFAULT_DUE_SOON_WORKING_DAYS,
    only_due_soon_or_overdue: bool = True,
) -> list[ComplaintQueueItem]:
    """Dashboard and digest: open complaints with their next deadline, most urgent first."""
    items = []
    for complaint, child in await fetch_open_complaints(session):
        assert complaint.id is not None
        check = next_deadline(timetable_of(complaint), today=today, due_soon_working_days=due_soon_working_days)
        if only_due_soon_or_overdue and not is_due_soon_or_overdue(check):
            continue
        items.append(
            ComplaintQueueItem(
                complaint_id=complaint.id,
                reference=complaint.reference,
                category_label=COMPLAINT_LABELS[ComplaintSubject(complaint.category)],
                stage=complaint.stage,
                status=complaint.status,
                deadline=check,
                child_name=child.display_name if child else None,
                route_code=complaint.route_code,
                link=complaint_link(staff_base_url, complaint.id),
            )
        )
    return sorted(items, key=lambda item: (item.deadline.due_on, item.reference))


async def count_complaints_due_or_overdue(session: AsyncSession, now: datetime) -> int:
    """Dashboard panel "Complaints due or overdue" (next deadline within 2 working days, or late)."""
    return len(await complaint_queue(session, today=council_day(now), staff_base_url=""))
