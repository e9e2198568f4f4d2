"""Complaints under the Ombudsman's Complaint Handling Code, from the bot to the officers' answer.

Stage 1 is acknowledged by the bot the moment the family sends it (the Code allows up to 5 working
days; sooner is better and gives the family a date at once). Stage 2 starts when the family asks from
the bot; an officer acknowledges and answers it, and nobody who acted at stage 1 may (the Code: "a
different person"). Every step is a complaint event (who, when, what) and a message to the family.
Disputes about eligibility or suitability are not complaints: `submit_complaint` answers them with
the statutory review and appeal route and opens nothing.

Every refusal is a ValueError: a `CaseworkError` subclass, or the timetable's `ExtensionNotAllowed`
or `SameOfficerError`. Deadlines are in services/complaints/timetable.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from messaging.limits import FAMILY_TEXT_LIMITS
from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.carers.accounts import fetch_link
from db.dao.casework.shared import allocate_reference_number
from db.dao.casework.complaints import (
    fetch_complaint,
    fetch_staff_ids_at_stage,
    save_complaint,
    save_complaint_event,
)
from db.dao.casework.problem_reports import fetch_child_with_route
from db.models.casework import (
    Complaint,
    ComplaintEvent,
    ComplaintOutcome,
    ComplaintStatus,
    EventActor,
    ReferenceSeries,
)
from services.carers.channel_plans import CouncilContact
from services.casework.errors import CaseNotFound, NotYourCase, StepNotAllowed, clean_text, council_day
from services.casework.notifications import CarerNotice, TextKey, notify_carer
from services.complaints.statutory_route import StatutoryRouteAdvice, advise_statutory_route
from services.complaints.timetable import (
    ComplaintStage,
    ComplaintSubject,
    ReviewRoute,
    StageTimetable,
    format_complaint_reference,
    is_response_within_code,
    review_route_for,
    stage_timetable,
    validate_extension,
    validate_stage_two_officer,
)

STAFF_COMPLAINT_PATH = "/casework/complaints/{complaint_id}"
MAX_DESCRIPTION_LENGTH = 3000
# The answer must fit one Telegram message (4096 characters) with the words around it.
# Families read these (messaging/limits.py keeps every message under Notify's 918 characters).
MAX_RESPONSE_LENGTH = FAMILY_TEXT_LIMITS["complaint_answer"]
MAX_REASON_LENGTH = FAMILY_TEXT_LIMITS["complaint_reason"]

COMPLAINT_LABELS: dict[ComplaintSubject, str] = {
    ComplaintSubject.SERVICE_DELIVERY: "Transport service",
    ComplaintSubject.STAFF_CONDUCT: "Behaviour of a driver, assistant or officer",
    ComplaintSubject.COMMUNICATION: "Communication",
    ComplaintSubject.ELIGIBILITY_DECISION: "Eligibility decision",
    ComplaintSubject.SUITABILITY_OF_TRANSPORT: "Suitability of transport",
    ComplaintSubject.OTHER: "Something else",
}
OPEN_STATUSES = (ComplaintStatus.AWAITING_ACKNOWLEDGEMENT, ComplaintStatus.AWAITING_RESPONSE)


@dataclass(frozen=True, slots=True)
class ComplaintReceipt:
    """A complaint opened and acknowledged: its reference and the date the family can expect an answer."""

    complaint_id: int
    reference: str
    respond_by: date


def complaint_link(staff_base_url: str, complaint_id: int) -> str:
    """The staff page of one complaint."""
    return staff_base_url.rstrip("/") + STAFF_COMPLAINT_PATH.format(complaint_id=complaint_id)


def timetable_of(complaint: Complaint, *, stage: int | None = None) -> StageTimetable:
    """The Code's dates for one stage of a stored complaint (the current stage by default)."""
    stage = stage or complaint.stage
    if stage == 1:
        extension = None
        if complaint.stage1_extension_working_days:
            extension = validate_extension(
                stage=ComplaintStage.STAGE_1,
                working_days=complaint.stage1_extension_working_days,
                reason=complaint.stage1_extension_reason or "(reason removed)",
            )
        return stage_timetable(
            stage=ComplaintStage.STAGE_1,
            received_on=council_day(complaint.stage1_received_at),
            acknowledged_on=_day(complaint.stage1_acknowledged_at),
            extension=extension,
        )
    if complaint.stage2_received_at is None:
        raise StepNotAllowed(f"{complaint.reference} has not reached stage 2")
    return stage_timetable(
        stage=ComplaintStage.STAGE_2,
        received_on=council_day(complaint.stage2_received_at),
        acknowledged_on=_day(complaint.stage2_acknowledged_at),
    )


async def submit_complaint(
    session: AsyncSession,
    *,
    carer_id: int,
    child_id: int | None,
    subject: ComplaintSubject,
    description: str,
    now: datetime,
    council: CouncilContact,
    decision_on: date | None = None,
) -> ComplaintReceipt | StatutoryRouteAdvice:
    """Bot "Make a complaint": open it with a reference and acknowledge it at once, or point an
    eligibility/suitability dispute to the statutory review route (`decision_on` = the decision letter's date)."""
    subject = ComplaintSubject(subject)
    if review_route_for(subject) is ReviewRoute.STATUTORY_REVIEW_AND_APPEAL:
        return await advise_statutory_route(
            session, carer_id=carer_id, subject=subject, now=now, council=council, decision_on=decision_on
        )
    cleaned = clean_text(description, max_length=MAX_DESCRIPTION_LENGTH, field="description", required=True)
    route_code = None
    if child_id is not None:
        if await fetch_link(session, carer_id=carer_id, child_id=child_id) is None:
            raise NotYourCase("the carer is not linked to this child")
        found = await fetch_child_with_route(session, child_id=child_id)
        route_code = found[1].code if found and found[1] else None
    year = council_day(now).year
    number = await allocate_reference_number(session, series=ReferenceSeries.COMPLAINT, year=year)
    complaint = await save_complaint(
        session,
        complaint=Complaint(
            reference=format_complaint_reference(year, number),
            carer_id=carer_id,
            child_id=child_id,
            route_code=route_code,
            category=subject.value,
            description=cleaned,
            stage=1,
            status=ComplaintStatus.AWAITING_RESPONSE,
            stage1_received_at=now,
            stage1_acknowledged_at=now,
        ),
    )
    await _event(session, complaint, kind="received", actor=EventActor.CARER, now=now)
    respond_by = timetable_of(complaint).final_respond_by
    await _event(
        session, complaint, kind="acknowledged", actor=EventActor.SYSTEM, now=now,
        data={"respond_by": respond_by.isoformat(), "within_code": True},
    )
    await _tell(
        session, complaint, council=council, key="casework.complaint.acknowledged", step="stage1-acknowledged", now=now,
        is_reply=True, respond_by=respond_by,
    )
    assert complaint.id is not None
    return ComplaintReceipt(complaint_id=complaint.id, reference=complaint.reference, respond_by=respond_by)


async def acknowledge_complaint(
    session: AsyncSession, *, complaint_id: int, officer_id: int, now: datetime, council: CouncilContact
) -> Complaint:
    """Staff "Acknowledge" (stage 2, or a stage 1 not yet acknowledged): take it, tell the family the answer date."""
    complaint = await _load(session, complaint_id)
    _require_status(complaint, ComplaintStatus.AWAITING_ACKNOWLEDGEMENT, doing="acknowledge")
    await _require_new_officer_at_stage_two(session, complaint, officer_id)
    if complaint.stage == 1:
        complaint.stage1_acknowledged_at = now
        complaint.stage1_handled_by = complaint.stage1_handled_by or officer_id
    else:
        complaint.stage2_acknowledged_at = now
        complaint.stage2_handled_by = complaint.stage2_handled_by or officer_id
    complaint.status = ComplaintStatus.AWAITING_RESPONSE
    timetable = timetable_of(complaint)
    await save_complaint(session, complaint=complaint)
    on_time = council_day(now) <= timetable.acknowledge_by
    await _event(
        session, complaint, kind="acknowledged", actor=EventActor.STAFF, staff_id=officer_id, now=now,
        data={"respond_by": timetable.final_respond_by.isoformat(), "within_code": on_time},
    )
    key = "casework.complaint.acknowledged" if complaint.stage == 1 else "casework.complaint.stage2_acknowledged"
    await _tell(
        session, complaint, council=council, key=key, step=f"stage{complaint.stage}-acknowledged", now=now,
        respond_by=timetable.final_respond_by,
    )
    return complaint


async def extend_complaint(
    session: AsyncSession, *, complaint_id: int, officer_id: int, working_days: int, reason: str, now: datetime,
    council: CouncilContact,
) -> Complaint:
    """Staff "Extend": the Code's one stage 1 extension of up to 10 working days, explained to the family."""
    complaint = await _load(session, complaint_id)
    _require_status(complaint, ComplaintStatus.AWAITING_RESPONSE, doing="extend")
    cleaned = clean_text(reason, max_length=MAX_REASON_LENGTH, field="reason") or ""
    extension = validate_extension(
        stage=ComplaintStage(complaint.stage),
        working_days=working_days,
        reason=cleaned,
        extensions_already=1 if complaint.stage1_extension_working_days else 0,
    )
    current = timetable_of(complaint)
    if council_day(now) > current.final_respond_by:
        raise StepNotAllowed(
            f"the answer was due on {current.final_respond_by:%d %B %Y}: an extension must be agreed before the deadline"
        )
    complaint.stage1_extension_working_days = extension.working_days
    complaint.stage1_extension_reason = extension.reason
    complaint.stage1_handled_by = complaint.stage1_handled_by or officer_id
    await save_complaint(session, complaint=complaint)
    respond_by = timetable_of(complaint).final_respond_by
    await _event(
        session, complaint, kind="extended", actor=EventActor.STAFF, staff_id=officer_id, now=now, note=extension.reason,
        data={"working_days": extension.working_days, "respond_by": respond_by.isoformat()},
    )
    await _tell(
        session, complaint, council=council, key="casework.complaint.extended", step="stage1-extended", now=now,
        respond_by=respond_by, reason=extension.reason,
    )
    return complaint


async def respond_to_complaint(
    session: AsyncSession,
    *,
    complaint_id: int,
    officer_id: int,
    response: str,
    outcome: ComplaintOutcome,
    now: datetime,
    council: CouncilContact,
) -> Complaint:
    """Staff "Send answer": record the stage's answer and finding and send it to the family.

    A stage 2 answer is the council's final response and closes the complaint.
    """
    complaint = await _load(session, complaint_id)
    _require_status(complaint, ComplaintStatus.AWAITING_RESPONSE, doing="answer")
    await _require_new_officer_at_stage_two(session, complaint, officer_id)
    outcome = ComplaintOutcome(outcome)
    answer = clean_text(response, max_length=MAX_RESPONSE_LENGTH, field="answer", required=True)
    is_on_time = is_response_within_code(timetable_of(complaint), responded_on=council_day(now))
    if complaint.stage == 1:
        complaint.stage1_responded_at, complaint.stage1_response, complaint.stage1_outcome = now, answer, outcome
        complaint.stage1_handled_by = complaint.stage1_handled_by or officer_id
        complaint.status = ComplaintStatus.RESPONDED
    else:
        complaint.stage2_responded_at, complaint.stage2_response, complaint.stage2_outcome = now, answer, outcome
        complaint.stage2_handled_by = complaint.stage2_handled_by or officer_id
        complaint.status = ComplaintStatus.CLOSED
        complaint.closed_at, complaint.closed_by_staff_id = now, officer_id
    await save_complaint(session, complaint=complaint)
    await _event(
        session, complaint, kind="responded", actor=EventActor.STAFF, staff_id=officer_id, now=now, note=answer,
        data={"outcome": outcome.value, "within_code": is_on_time},
    )
    if complaint.status == ComplaintStatus.CLOSED:
        await _event(session, complaint, kind="closed", actor=EventActor.STAFF, staff_id=officer_id, now=now)
    await _tell(
        session, complaint, council=council, key=f"casework.complaint.stage{complaint.stage}_answered", step=f"stage{complaint.stage}-answered",
        now=now, lead_key=None if is_on_time else "casework.complaint.sorry_late",
        response=answer, outcome=TextKey(f"casework.outcome.{outcome.value}"),
    )
    return complaint


async def escalate_complaint(
    session: AsyncSession, *, complaint_id: int, carer_id: int, reason: str, now: datetime, council: CouncilContact
) -> Complaint:
    """Bot "Ask for stage 2": after the stage 1 answer, or once it is overdue; a different officer takes it."""
    complaint = await _load(session, complaint_id)
    if complaint.carer_id != carer_id:
        raise NotYourCase("this complaint is not the carer's")
    if complaint.stage != 1 or complaint.status == ComplaintStatus.CLOSED:
        raise StepNotAllowed(f"{complaint.reference} cannot go to stage 2 now")
    is_overdue = council_day(now) > timetable_of(complaint).final_respond_by
    if complaint.status != ComplaintStatus.RESPONDED and not is_overdue:
        raise StepNotAllowed(f"{complaint.reference} can go to stage 2 once stage 1 is answered or late")
    cleaned = clean_text(reason, max_length=MAX_DESCRIPTION_LENGTH, field="reason", required=True)
    complaint.stage = 2
    complaint.status = ComplaintStatus.AWAITING_ACKNOWLEDGEMENT
    complaint.stage2_received_at = now
    complaint.escalation_reason = cleaned
    await save_complaint(session, complaint=complaint)
    acknowledge_by = timetable_of(complaint).acknowledge_by
    await _event(
        session, complaint, kind="escalated", actor=EventActor.CARER, now=now, note=cleaned,
        data={"acknowledge_by": acknowledge_by.isoformat(), "stage1_overdue": is_overdue},
    )
    await _tell(
        session, complaint, council=council, key="casework.complaint.escalated", step="stage2-received", now=now,
        is_reply=True, acknowledge_by=acknowledge_by,
    )
    return complaint


async def close_complaint(
    session: AsyncSession, *, complaint_id: int, officer_id: int, now: datetime, council: CouncilContact,
    note: str | None = None,
) -> Complaint:
    """Staff "Close": after a stage 1 answer the family did not take further, or a withdrawal (note required)."""
    complaint = await _load(session, complaint_id)
    if complaint.status == ComplaintStatus.CLOSED:
        raise StepNotAllowed(f"{complaint.reference} is already closed")
    cleaned = clean_text(note, max_length=MAX_REASON_LENGTH, field="note", required=complaint.status in OPEN_STATUSES)
    await _require_new_officer_at_stage_two(session, complaint, officer_id)
    complaint.status = ComplaintStatus.CLOSED
    complaint.closed_at, complaint.closed_by_staff_id = now, officer_id
    await save_complaint(session, complaint=complaint)
    await _event(session, complaint, kind="closed", actor=EventActor.STAFF, staff_id=officer_id, now=now, note=cleaned)
    await _tell(session, complaint, key="casework.complaint.closed", step="closed", now=now, council=council)
    return complaint


# --- helpers -------------------------------------------------------------------------------------


def _day(moment: datetime | None) -> date | None:
    return None if moment is None else council_day(moment)


async def _load(session: AsyncSession, complaint_id: int) -> Complaint:
    complaint = await fetch_complaint(session, complaint_id=complaint_id, for_update=True)
    if complaint is None:
        raise CaseNotFound(f"no complaint {complaint_id}")
    return complaint


def _require_status(complaint: Complaint, status: ComplaintStatus, *, doing: str) -> None:
    if complaint.status != status:
        raise StepNotAllowed(f"cannot {doing} {complaint.reference}: it is {complaint.status.replace('_', ' ')}")


async def _require_new_officer_at_stage_two(session: AsyncSession, complaint: Complaint, officer_id: int) -> None:
    """Complaint Handling Code: stage 2 is handled by a different person from anyone who acted at stage 1."""
    if complaint.stage != 2:
        return
    assert complaint.id is not None
    for stage_one_officer in await fetch_staff_ids_at_stage(session, complaint_id=complaint.id, stage=1):
        validate_stage_two_officer(stage_one_officer_id=stage_one_officer, stage_two_officer_id=officer_id)


async def _event(
    session: AsyncSession,
    complaint: Complaint,
    *,
    kind: str,
    actor: EventActor,
    now: datetime,
    staff_id: int | None = None,
    note: str | None = None,
    data: dict[str, object] | None = None,
) -> None:
    assert complaint.id is not None
    await save_complaint_event(
        session,
        event=ComplaintEvent(
            complaint_id=complaint.id, stage=complaint.stage, kind=kind, actor=actor,
            actor_staff_id=staff_id, occurred_at=now, note=note, data=dict(data or {}),
        ),
    )


async def _tell(
    session: AsyncSession,
    complaint: Complaint,
    *,
    key: str,
    step: str,
    now: datetime,
    council: CouncilContact,
    lead_key: str | None = None,
    is_reply: bool = False,
    **values: object,
) -> None:
    """Tell the family about a step (`is_reply`: they just acted, so it goes even in quiet hours)."""
    assert complaint.id is not None
    notice = CarerNotice(
        key=key, source_type="complaint", source_id=complaint.id, step=step, lead_key=lead_key,
        values={"reference": complaint.reference, **values}, is_urgent=is_reply,
    )
    if await notify_carer(session, carer_id=complaint.carer_id, notice=notice, now=now, council=council):
        await _event(session, complaint, kind="family_told", actor=EventActor.SYSTEM, now=now, data={"message": key})
