"""Officers' use of complaints from the staff pages and the API: list, read, step and download, each audited.

The Code's rules live in services/complaints/workflow.py; this adds who the officer is, the audit trail and
the views the pages and the API show. An API token acts as its own officer, with a negative id so
that it never matches a person's (the stage 2 "different officer" rule still applies to it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.casework.complaints import fetch_attachments, fetch_complaint, fetch_complaint_events, fetch_complaints_with_child
from db.dao.casework.problem_reports import fetch_child_with_route
from db.dao.staff.accounts import fetch_users
from db.models.casework import Complaint, ComplaintAttachment, ComplaintOutcome, ComplaintStatus, EventActor
from db.models.staff import ActorKind
from db.models.transport import Child
from services.carers.channel_plans import CouncilContact
from services.casework.attachments import read_complaint_attachment
from services.staff.audit import Actor, RequestOrigin, record_audit
from services.casework.errors import CaseNotFound, StepNotAllowed, council_day
from services.complaints.timetable import (
    ComplaintSubject,
    DeadlineCheck,
    DeadlineStatus,
    StageTimetable,
    next_deadline,
)
from services.complaints.workflow import (
    COMPLAINT_LABELS,
    OPEN_STATUSES,
    acknowledge_complaint,
    close_complaint,
    extend_complaint,
    respond_to_complaint,
    timetable_of,
)

OBJECT_TYPE = "complaint"
STATUS_LABELS = {
    ComplaintStatus.AWAITING_ACKNOWLEDGEMENT: "Awaiting acknowledgement",
    ComplaintStatus.AWAITING_RESPONSE: "Awaiting answer",
    ComplaintStatus.RESPONDED: "Answered",
    ComplaintStatus.CLOSED: "Closed",
}
OUTCOME_LABELS = {
    ComplaintOutcome.UPHELD: "Upheld",
    ComplaintOutcome.PARTLY_UPHELD: "Partly upheld",
    ComplaintOutcome.NOT_UPHELD: "Not upheld",
}
EVENT_LABELS = {
    "received": "Complaint received",
    "acknowledged": "Acknowledged",
    "extended": "Answer deadline extended",
    "responded": "Answer sent",
    "escalated": "Family asked for stage 2",
    "closed": "Closed",
    "family_told": "Family told in their chat",
}


@dataclass(frozen=True, slots=True)
class ComplaintSummary:
    """One complaint as the queue shows it."""

    complaint_id: int
    reference: str
    category: str
    category_label: str
    stage: int
    status: ComplaintStatus
    status_label: str
    child_name: str | None
    route_code: str | None
    received_at: datetime
    deadline: DeadlineCheck | None  # the next deadline while open


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One step of a complaint, with who took it."""

    occurred_at: datetime
    stage: int
    label: str
    who: str
    note: str | None


@dataclass(frozen=True, slots=True)
class ComplaintDetail:
    """Everything an officer sees on one complaint."""

    complaint: Complaint
    summary: ComplaintSummary
    timetables: list[StageTimetable]
    timeline: list[TimelineEntry]
    attachments: list[ComplaintAttachment]
    may_extend: bool


def officer_id_of(actor: Actor) -> int:
    """The id the Code's "different officer" rule compares: a person's id, or minus a token's id."""
    if actor.id is None or actor.kind not in (ActorKind.USER, ActorKind.TOKEN):
        raise StepNotAllowed("complaint steps need a named officer or API client")
    return actor.id if actor.kind is ActorKind.USER else -actor.id


def summarise(complaint: Complaint, child: Child | None, *, today: date) -> ComplaintSummary:
    """The queue line of one complaint, with its next deadline while open."""
    assert complaint.id is not None
    status = ComplaintStatus(complaint.status)
    is_open = status in OPEN_STATUSES
    return ComplaintSummary(
        complaint_id=complaint.id,
        reference=complaint.reference,
        category=complaint.category,
        category_label=COMPLAINT_LABELS[ComplaintSubject(complaint.category)],
        stage=complaint.stage,
        status=status,
        status_label=STATUS_LABELS[status],
        child_name=child.display_name if child else None,
        route_code=complaint.route_code,
        received_at=complaint.stage1_received_at,
        deadline=next_deadline(timetable_of(complaint), today=today) if is_open else None,
    )


async def list_complaints(
    session: AsyncSession,
    *,
    actor: Actor,
    origin: RequestOrigin,
    now: datetime,
    statuses: list[ComplaintStatus] | None = None,
    due: DeadlineStatus | None = None,
) -> list[ComplaintSummary]:
    """Complaints (open ones by default), soonest deadline first; the listing names children, so it is audited."""
    wanted = [status.value for status in (statuses or list(OPEN_STATUSES))]
    today = council_day(now)
    items = [summarise(complaint, child, today=today) for complaint, child in await fetch_complaints_with_child(session, statuses=wanted)]
    if due is not None:
        items = [item for item in items if item.deadline is not None and item.deadline.status is due]
    items.sort(key=lambda item: (item.deadline is None, item.deadline.due_on if item.deadline else date.max, item.reference))
    await record_audit(
        session, actor=actor, action="complaint.list", object_type=OBJECT_TYPE,
        object_ids=[item.complaint_id for item in items], origin=origin, now=now,
    )
    return items


async def view_complaint(
    session: AsyncSession, *, complaint_id: int, actor: Actor, origin: RequestOrigin, now: datetime
) -> ComplaintDetail:
    """One complaint with its timetable, timeline and attachments (CaseNotFound if unknown); audited."""
    detail = await _detail(session, complaint_id=complaint_id, now=now)
    await record_audit(
        session, actor=actor, action="complaint.view", object_type=OBJECT_TYPE, object_ids=[complaint_id], origin=origin, now=now
    )
    return detail


async def download_attachment(
    session: AsyncSession,
    *,
    complaint_id: int,
    attachment_id: int,
    attachments_dir: Path,
    actor: Actor,
    origin: RequestOrigin,
    now: datetime,
) -> tuple[ComplaintAttachment, bytes]:
    """An attachment's record and bytes (CaseNotFound unless it belongs to the complaint); audited."""
    try:
        attachment, content = await read_complaint_attachment(session, attachment_id=attachment_id, attachments_dir=attachments_dir)
    except FileNotFoundError:
        raise CaseNotFound(f"attachment {attachment_id} is no longer stored") from None
    if attachment.complaint_id != complaint_id:
        raise CaseNotFound(f"no attachment {attachment_id} on complaint {complaint_id}")
    await record_audit(
        session, actor=actor, action="complaint.attachment.download", object_type=OBJECT_TYPE,
        object_ids=[complaint_id], detail={"attachment_id": attachment_id}, origin=origin, now=now,
    )
    return attachment, content


async def acknowledge_as_officer(
    session: AsyncSession, *, complaint_id: int, actor: Actor, origin: RequestOrigin, now: datetime, council: CouncilContact
) -> Complaint:
    """Acknowledge (and take) the complaint's current stage; audited."""
    complaint = await acknowledge_complaint(
        session, complaint_id=complaint_id, officer_id=officer_id_of(actor), now=now, council=council
    )
    await _audit(session, "complaint.acknowledge", complaint_id, actor=actor, origin=origin, now=now)
    return complaint


async def extend_as_officer(
    session: AsyncSession, *, complaint_id: int, working_days: int, reason: str, actor: Actor, origin: RequestOrigin, now: datetime,
    council: CouncilContact,
) -> Complaint:
    """The stage 1 extension, explained to the family; audited."""
    complaint = await extend_complaint(
        session, complaint_id=complaint_id, officer_id=officer_id_of(actor), working_days=working_days, reason=reason, now=now,
        council=council,
    )
    await _audit(session, "complaint.extend", complaint_id, actor=actor, origin=origin, now=now, detail={"working_days": working_days})
    return complaint


async def respond_as_officer(
    session: AsyncSession,
    *,
    complaint_id: int,
    response: str,
    outcome: ComplaintOutcome,
    actor: Actor,
    origin: RequestOrigin,
    now: datetime,
    council: CouncilContact,
) -> Complaint:
    """The stage's answer and finding, sent to the family; audited."""
    complaint = await respond_to_complaint(
        session, complaint_id=complaint_id, officer_id=officer_id_of(actor), response=response, outcome=outcome, now=now,
        council=council,
    )
    await _audit(session, "complaint.respond", complaint_id, actor=actor, origin=origin, now=now, detail={"outcome": str(outcome)})
    return complaint


async def close_as_officer(
    session: AsyncSession, *, complaint_id: int, note: str | None, actor: Actor, origin: RequestOrigin, now: datetime,
    council: CouncilContact,
) -> Complaint:
    """Close the complaint and tell the family; audited."""
    complaint = await close_complaint(
        session, complaint_id=complaint_id, officer_id=officer_id_of(actor), note=note, now=now, council=council
    )
    await _audit(session, "complaint.close", complaint_id, actor=actor, origin=origin, now=now)
    return complaint


async def _audit(
    session: AsyncSession, action: str, complaint_id: int, *, actor: Actor, origin: RequestOrigin, now: datetime, detail: dict | None = None
) -> None:
    await record_audit(
        session, actor=actor, action=action, object_type=OBJECT_TYPE, object_ids=[complaint_id], detail=detail, origin=origin, now=now
    )


async def _detail(session: AsyncSession, *, complaint_id: int, now: datetime) -> ComplaintDetail:
    complaint = await fetch_complaint(session, complaint_id=complaint_id)
    if complaint is None:
        raise CaseNotFound(f"no complaint {complaint_id}")
    found = await fetch_child_with_route(session, child_id=complaint.child_id) if complaint.child_id is not None else None
    child = found[0] if found else None
    today = council_day(now)
    timetables = [timetable_of(complaint, stage=stage) for stage in range(1, complaint.stage + 1)]
    names = {user.id: user.display_name for user in await fetch_users(session)}
    timeline = [
        TimelineEntry(
            occurred_at=event.occurred_at,
            stage=event.stage,
            label=EVENT_LABELS.get(event.kind, event.kind.replace("_", " ").capitalize()),
            who=_who(event.actor, event.actor_staff_id, names),
            note=event.note,
        )
        for event in await fetch_complaint_events(session, complaint_id=complaint_id)
    ]
    may_extend = (
        complaint.stage == 1
        and complaint.status == ComplaintStatus.AWAITING_RESPONSE
        and not complaint.stage1_extension_working_days
        and today <= timetables[0].final_respond_by
    )
    return ComplaintDetail(
        complaint=complaint,
        summary=summarise(complaint, child, today=today),
        timetables=timetables,
        timeline=timeline,
        attachments=await fetch_attachments(session, complaint_id=complaint_id),
        may_extend=may_extend,
    )


def _who(actor: str, staff_id: int | None, names: dict[int | None, str]) -> str:
    if actor == EventActor.CARER:
        return "The family"
    if actor == EventActor.SYSTEM or staff_id is None:
        return "Carerline"
    if staff_id < 0:
        return f"API client {-staff_id}"
    return names.get(staff_id, f"Officer {staff_id}")
