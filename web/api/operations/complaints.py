"""/api/v1/complaints: the officers' complaints casework under the Complaint Handling Code."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from aiohttp import web
from pydantic import BaseModel, Field

from db.models.casework import Complaint, ComplaintOutcome, ComplaintStatus
from services.casework.errors import CaseNotFound, CaseworkError, StepNotAllowed
from services.complaints.staff import (
    ComplaintDetail,
    ComplaintSummary,
    acknowledge_as_officer,
    close_as_officer,
    download_attachment,
    extend_as_officer,
    list_complaints,
    respond_as_officer,
    view_complaint,
)
from services.complaints.timetable import STAGE_1_MAX_EXTENSION_WORKING_DAYS, DeadlineStatus, ExtensionNotAllowed, SameOfficerError
from services.complaints.workflow import MAX_REASON_LENGTH, MAX_RESPONSE_LENGTH
from services.staff.permissions import Permission
from web.api.registry import ApiCall, ApiConflict, ApiInvalid, ApiNotFound, ApiProblem, api_operation
from web.api.schemas import RecordId, StrictInput
from services.carers.channel_plans import CouncilContact
from web.keys import SETTINGS
from web.staff.pages.complaints import file_response

TAG = "Complaints"
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"  # line breaks allowed


class Deadline(BaseModel):
    """The next deadline of an open complaint."""

    step: Literal["acknowledge", "respond"]
    due_on: date
    status: DeadlineStatus
    working_days_left: int


class ComplaintItem(BaseModel):
    """A complaint as the queue shows it."""

    id: int
    reference: str
    category: str
    category_label: str
    stage: int
    status: ComplaintStatus
    child_name: str | None
    route_code: str | None
    received_at: datetime
    deadline: Deadline | None

    @classmethod
    def of(cls, item: ComplaintSummary) -> "ComplaintItem":
        """From the service's summary."""
        deadline = item.deadline
        return cls(
            id=item.complaint_id, reference=item.reference, category=item.category, category_label=item.category_label,
            stage=item.stage, status=item.status, child_name=item.child_name, route_code=item.route_code, received_at=item.received_at,
            deadline=None if deadline is None else Deadline(
                step=deadline.deadline, due_on=deadline.due_on, status=deadline.status, working_days_left=deadline.working_days_left  # type: ignore[arg-type]
            ),
        )


class ComplaintList(BaseModel):
    """Complaints, soonest deadline first."""

    items: list[ComplaintItem]


class StageDates(BaseModel):
    """One stage's dates under the Code."""

    stage: int
    received_on: date
    acknowledge_by: date
    acknowledged_on: date | None
    respond_by: date
    extended_respond_by: date | None
    extension_reason: str | None


class TimelineItem(BaseModel):
    """One step of the complaint."""

    occurred_at: datetime
    stage: int
    what: str
    who: str
    note: str | None


class AttachmentItem(BaseModel):
    """A photo or PDF the family sent (download it from its download path)."""

    id: int
    content_type: str
    size_bytes: int
    uploaded_at: datetime
    download_path: str


class ComplaintPublic(BaseModel):
    """One complaint with its words, dates, answers, timeline and attachments."""

    complaint: ComplaintItem
    description: str | None
    escalation_reason: str | None
    stage1_response: str | None
    stage1_outcome: ComplaintOutcome | None
    stage2_response: str | None
    stage2_outcome: ComplaintOutcome | None
    closed_at: datetime | None
    stages: list[StageDates]
    timeline: list[TimelineItem]
    attachments: list[AttachmentItem]

    @classmethod
    def of(cls, detail: ComplaintDetail) -> "ComplaintPublic":
        """From the service's detail."""
        complaint: Complaint = detail.complaint
        return cls(
            complaint=ComplaintItem.of(detail.summary),
            description=complaint.description,
            escalation_reason=complaint.escalation_reason,
            stage1_response=complaint.stage1_response,
            stage1_outcome=complaint.stage1_outcome,
            stage2_response=complaint.stage2_response,
            stage2_outcome=complaint.stage2_outcome,
            closed_at=complaint.closed_at,
            stages=[
                StageDates(
                    stage=int(timetable.stage), received_on=timetable.received_on, acknowledge_by=timetable.acknowledge_by,
                    acknowledged_on=timetable.acknowledged_on, respond_by=timetable.respond_by,
                    extended_respond_by=timetable.extended_respond_by,
                    extension_reason=timetable.extension.reason if timetable.extension else None,
                )
                for timetable in detail.timetables
            ],
            timeline=[
                TimelineItem(occurred_at=entry.occurred_at, stage=entry.stage, what=entry.label, who=entry.who, note=entry.note)
                for entry in detail.timeline
            ],
            attachments=[
                AttachmentItem(
                    id=attachment.id or 0, content_type=attachment.content_type, size_bytes=attachment.size_bytes,
                    uploaded_at=attachment.uploaded_at,
                    download_path=f"/api/v1/complaints/{complaint.id}/attachments/{attachment.id}/download",
                )
                for attachment in detail.attachments
            ],
        )


class ComplaintFilter(StrictInput):
    """Which complaints to list: open ones by default."""

    status: ComplaintStatus | None = Field(default=None, description="Only complaints in this status")
    due: Literal["on_time", "due_soon", "overdue"] | None = Field(default=None, description="Only open complaints whose next deadline stands so")


class ComplaintPath(BaseModel):
    """A complaint's id in the path."""

    complaint_id: RecordId


class AttachmentPath(BaseModel):
    """A complaint's and one of its attachments' ids in the path."""

    complaint_id: RecordId
    attachment_id: RecordId


class ExtendInput(StrictInput):
    """The one stage 1 extension and the reason the family reads."""

    working_days: int = Field(ge=1, le=STAGE_1_MAX_EXTENSION_WORKING_DAYS)
    reason: str = Field(min_length=1, max_length=MAX_REASON_LENGTH, pattern=TEXT_PATTERN)


class RespondInput(StrictInput):
    """The stage's answer (sent to the family) and the finding."""

    response: str = Field(min_length=1, max_length=MAX_RESPONSE_LENGTH, pattern=TEXT_PATTERN)
    outcome: ComplaintOutcome


class CloseInput(StrictInput):
    """Why the complaint is closed (needed while it is still open)."""

    note: str | None = Field(default=None, max_length=MAX_REASON_LENGTH, pattern=TEXT_PATTERN)


class ApiForbidden(ApiProblem):
    """Stage 2 by an officer who acted at stage 1: the Code forbids it (403)."""

    status = 403


@api_operation(
    "GET", "/complaints", summary="Complaints, soonest deadline first", tag=TAG,
    permission=Permission.VIEW_CASEWORK, query=ComplaintFilter, response=ComplaintList,
)
async def list_complaints_api(call: ApiCall) -> ComplaintList:
    """Open complaints by default; filter by status or by where the next deadline stands; audited."""
    query: ComplaintFilter = call.query
    async with call.database.transaction() as session:
        items = await list_complaints(
            session, actor=call.actor, origin=call.origin, now=call.now,
            statuses=[query.status] if query.status else None, due=DeadlineStatus(query.due) if query.due else None,
        )
    return ComplaintList(items=[ComplaintItem.of(item) for item in items])


@api_operation(
    "GET", "/complaints/{complaint_id}", summary="One complaint", tag=TAG,
    permission=Permission.VIEW_CASEWORK, path_params=ComplaintPath, response=ComplaintPublic,
)
async def get_complaint_api(call: ApiCall) -> ComplaintPublic:
    """One complaint with the family's words, dates and timeline; audited."""
    try:
        async with call.database.transaction() as session:
            detail = await view_complaint(session, complaint_id=call.params.complaint_id, actor=call.actor, origin=call.origin, now=call.now)
    except CaseNotFound as error:
        raise ApiNotFound(str(error)) from None
    return ComplaintPublic.of(detail)


async def _step_then_show(call: ApiCall, field: str | None, step: object) -> ComplaintPublic:
    """Run one step in a transaction, then answer the complaint as it now stands."""
    try:
        async with call.database.transaction() as session:
            await step(session)  # type: ignore[operator]
            detail = await view_complaint(session, complaint_id=call.params.complaint_id, actor=call.actor, origin=call.origin, now=call.now)
    except CaseNotFound as error:
        raise ApiNotFound(str(error)) from None
    except SameOfficerError as error:
        raise ApiForbidden(str(error)) from None
    except StepNotAllowed as error:
        raise ApiConflict(str(error)) from None
    except (ExtensionNotAllowed, CaseworkError, ValueError) as error:
        raise ApiInvalid(str(error), field=field) from None
    return ComplaintPublic.of(detail)


def _council(call: ApiCall) -> CouncilContact:
    """The phone and hours the family's texts and emails give, as the council configured them."""
    return CouncilContact.from_settings(call.request.app[SETTINGS])


@api_operation(
    "POST", "/complaints/{complaint_id}/acknowledge", summary="Acknowledge the complaint's current stage", tag=TAG,
    permission=Permission.ANSWER_CASEWORK, path_params=ComplaintPath, response=ComplaintPublic, errors=(409,),
)
async def acknowledge_complaint_api(call: ApiCall) -> ComplaintPublic:
    """Take the stage and tell the family the answer date; 409 if it is not awaiting acknowledgement."""
    return await _step_then_show(call, None, lambda session: acknowledge_as_officer(
        session, complaint_id=call.params.complaint_id, actor=call.actor, origin=call.origin, now=call.now,
        council=_council(call),
    ))


@api_operation(
    "POST", "/complaints/{complaint_id}/extend", summary="Extend the stage 1 answer deadline", tag=TAG,
    permission=Permission.ANSWER_CASEWORK, path_params=ComplaintPath, body=ExtendInput, response=ComplaintPublic, errors=(409,),
)
async def extend_complaint_api(call: ApiCall) -> ComplaintPublic:
    """The Code's one extension of up to 10 working days, explained to the family; 422 if the Code does not allow it."""
    body: ExtendInput = call.body
    return await _step_then_show(call, "working_days", lambda session: extend_as_officer(
        session, complaint_id=call.params.complaint_id, working_days=body.working_days, reason=body.reason,
        actor=call.actor, origin=call.origin, now=call.now, council=_council(call),
    ))


@api_operation(
    "POST", "/complaints/{complaint_id}/respond", summary="Send the stage's answer", tag=TAG,
    permission=Permission.ANSWER_CASEWORK, path_params=ComplaintPath, body=RespondInput, response=ComplaintPublic, errors=(409,),
)
async def respond_complaint_api(call: ApiCall) -> ComplaintPublic:
    """Record the answer and finding and send them to the family; a stage 2 answer closes the complaint."""
    body: RespondInput = call.body
    return await _step_then_show(call, "response", lambda session: respond_as_officer(
        session, complaint_id=call.params.complaint_id, response=body.response, outcome=body.outcome,
        actor=call.actor, origin=call.origin, now=call.now, council=_council(call),
    ))


@api_operation(
    "POST", "/complaints/{complaint_id}/close", summary="Close a complaint", tag=TAG,
    permission=Permission.ANSWER_CASEWORK, path_params=ComplaintPath, body=CloseInput, response=ComplaintPublic, errors=(409,),
)
async def close_complaint_api(call: ApiCall) -> ComplaintPublic:
    """Close it and tell the family; a note is needed while it is still open; 409 if already closed."""
    body: CloseInput = call.body
    return await _step_then_show(call, "note", lambda session: close_as_officer(
        session, complaint_id=call.params.complaint_id, note=body.note, actor=call.actor, origin=call.origin, now=call.now,
        council=_council(call),
    ))


@api_operation(
    "GET", "/complaints/{complaint_id}/attachments/{attachment_id}/download", summary="Download an attachment", tag=TAG,
    permission=Permission.VIEW_CASEWORK, path_params=AttachmentPath,
)
async def download_complaint_attachment_api(call: ApiCall) -> web.StreamResponse:
    """The file's bytes as an attachment (photo or PDF); audited."""
    try:
        async with call.database.transaction() as session:
            attachment, content = await download_attachment(
                session, complaint_id=call.params.complaint_id, attachment_id=call.params.attachment_id,
                attachments_dir=call.request.app[SETTINGS].attachments_dir, actor=call.actor, origin=call.origin, now=call.now,
            )
    except CaseNotFound as error:
        raise ApiNotFound(str(error)) from None
    return file_response(attachment.id or 0, attachment.content_type, attachment.stored_name, content)
