"""Broadcasts over the API: compose, preview, approve, send, cancel and the live report."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from db.models.broadcasts import Broadcast, BroadcastStatus
from services.broadcasts.rendering import MAX_TEMPLATE_LENGTH
from services.broadcasts.workflow import (
    MAX_TITLE_LENGTH,
    BroadcastError,
    BroadcastNotFound,
    BroadcastReport,
    BroadcastStepNotAllowed,
    approve_broadcast,
    broadcast_report,
    cancel_broadcast,
    create_broadcast,
    find_broadcast,
    list_broadcasts,
    preview_broadcast,
    request_approval,
    schedule_broadcast,
    send_broadcast,
)
from services.carers.channel_plans import CouncilContact
from services.staff.permissions import Permission
from web.api.registry import ApiCall, ApiConflict, ApiInvalid, ApiNotFound, ApiProblem, api_operation
from web.api.schemas import RecordId, StrictInput, plain_text
from web.keys import SETTINGS

AudienceKind = Literal["everyone", "school", "route", "district", "phase", "open_complaint", "not_answered_survey"]


class BroadcastCreate(StrictInput):
    """A new draft broadcast."""

    title: str = plain_text(min_length=1, max_length=MAX_TITLE_LENGTH)
    template_text: str = Field(min_length=1, max_length=MAX_TEMPLATE_LENGTH, description="Text with {{ placeholders }}")
    audience_kind: AudienceKind
    audience_value: str | None = plain_text(default=None, max_length=64, description="School id, route code, district, phase or survey id")


class SchedulePath(BaseModel):
    """A broadcast's id in the path (the example names a draft the API tests seed)."""

    broadcast_id: RecordId = Field(examples=[5])


class BroadcastSchedule(StrictInput):
    """When to send: an aware date and time in the future."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"send_at": "2099-01-29T09:00:00Z"}]})

    send_at: AwareDatetime


class BroadcastPublic(BaseModel):
    """A broadcast as staff see it."""

    id: int
    title: str
    template_text: str
    audience: dict[str, str | int]
    status: BroadcastStatus
    created_by_staff_id: int | None
    approved_by_staff_id: int | None
    created_at: datetime
    approved_at: datetime | None
    scheduled_for: datetime | None
    sent_at: datetime | None
    cancelled_at: datetime | None

    @classmethod
    def of(cls, broadcast: Broadcast) -> "BroadcastPublic":
        """From the table row."""
        return cls.model_validate(broadcast, from_attributes=True)


class BroadcastList(BaseModel):
    """The newest broadcasts."""

    items: list[BroadcastPublic]


class BroadcastPath(BaseModel):
    """A broadcast's id in the path."""

    broadcast_id: RecordId


class SamplePublic(BaseModel):
    """One carer's rendered message (identified only by pseudonym)."""

    carer_pseudonym: str
    text: str


class PreviewPublic(BaseModel):
    """The real recipient count and two rendered samples."""

    count: int
    needs_approval: bool
    samples: list[SamplePublic]


class ReportPublic(BaseModel):
    """Delivery figures from the outbox, with percentages of the total."""

    broadcast_id: int
    status: BroadcastStatus
    total: int
    counts: dict[str, int]
    percentages: dict[str, int]
    finished: int
    is_complete: bool

    @classmethod
    def of(cls, report: BroadcastReport) -> "ReportPublic":
        """From the service's report."""
        return cls(
            broadcast_id=report.broadcast.id or 0,
            status=BroadcastStatus(report.broadcast.status),
            total=report.total,
            counts=report.counts,
            percentages={figure: report.percent(figure) for figure in report.counts},
            finished=report.finished,
            is_complete=report.is_complete,
        )


def _problem(error: BroadcastError) -> ApiProblem:
    if isinstance(error, BroadcastNotFound):
        return ApiNotFound(error.message)
    if isinstance(error, BroadcastStepNotAllowed):
        return ApiConflict(error.message)
    return ApiInvalid(error.message, field=error.field)


def _threshold(call: ApiCall) -> int:
    return call.request.app[SETTINGS].broadcast_approval_threshold


@api_operation("GET", "/broadcasts", summary="List broadcasts", tag="Broadcasts", permission=Permission.COMPOSE_BROADCASTS, response=BroadcastList)
async def list_all_broadcasts(call: ApiCall) -> BroadcastList:
    """The newest broadcasts first."""
    async with call.database.transaction() as session:
        broadcasts = await list_broadcasts(session)
    return BroadcastList(items=[BroadcastPublic.of(item) for item in broadcasts])


@api_operation(
    "POST", "/broadcasts", summary="Compose a broadcast", tag="Broadcasts", permission=Permission.COMPOSE_BROADCASTS,
    body=BroadcastCreate, response=BroadcastPublic, status=201,
)
async def compose_broadcast(call: ApiCall) -> BroadcastPublic:
    """Save a draft; 422 names the field at fault (an unknown placeholder, a missing school)."""
    body: BroadcastCreate = call.body
    try:
        async with call.database.transaction() as session:
            broadcast = await create_broadcast(
                session, title=body.title, template_text=body.template_text, audience_kind=body.audience_kind,
                audience_value=body.audience_value, actor=call.actor, now=call.now, origin=call.origin,
            )
    except BroadcastError as error:
        raise _problem(error) from None
    return BroadcastPublic.of(broadcast)


@api_operation(
    "GET", "/broadcasts/{broadcast_id}", summary="One broadcast", tag="Broadcasts", permission=Permission.COMPOSE_BROADCASTS,
    path_params=BroadcastPath, response=BroadcastPublic,
)
async def get_broadcast(call: ApiCall) -> BroadcastPublic:
    """The broadcast and its status."""
    try:
        async with call.database.transaction() as session:
            broadcast = await find_broadcast(session, broadcast_id=call.params.broadcast_id)
    except BroadcastError as error:
        raise _problem(error) from None
    return BroadcastPublic.of(broadcast)


@api_operation(
    "GET", "/broadcasts/{broadcast_id}/preview", summary="Preview a broadcast", tag="Broadcasts", permission=Permission.COMPOSE_BROADCASTS,
    path_params=BroadcastPath, response=PreviewPublic, errors=(422,),
)
async def preview_one_broadcast(call: ApiCall) -> PreviewPublic:
    """The real recipient count now and two rendered samples."""
    try:
        async with call.database.transaction() as session:
            broadcast = await find_broadcast(session, broadcast_id=call.params.broadcast_id)
            preview = await preview_broadcast(session, broadcast=broadcast, approval_threshold=_threshold(call))
    except BroadcastError as error:
        raise _problem(error) from None
    return PreviewPublic(
        count=preview.count, needs_approval=preview.needs_approval,
        samples=[SamplePublic(carer_pseudonym=sample.carer_pseudonym, text=sample.text) for sample in preview.samples],
    )


async def _step(call: ApiCall, step: str) -> BroadcastPublic:
    broadcast_id = call.params.broadcast_id
    try:
        async with call.database.transaction() as session:
            if step == "request":
                await request_approval(session, broadcast_id=broadcast_id, actor=call.actor, now=call.now, origin=call.origin)
            elif step == "approve":
                await approve_broadcast(session, broadcast_id=broadcast_id, actor=call.actor, now=call.now, origin=call.origin)
            elif step == "send":
                await send_broadcast(session, broadcast_id=broadcast_id, actor=call.actor, approval_threshold=_threshold(call), now=call.now, origin=call.origin,
                                     council=CouncilContact.from_settings(call.request.app[SETTINGS]))
            else:
                await cancel_broadcast(session, broadcast_id=broadcast_id, actor=call.actor, now=call.now, origin=call.origin)
            broadcast = await find_broadcast(session, broadcast_id=broadcast_id)
    except BroadcastError as error:
        raise _problem(error) from None
    return BroadcastPublic.of(broadcast)


@api_operation(
    "POST", "/broadcasts/{broadcast_id}/request-approval", summary="Ask a second person to approve", tag="Broadcasts",
    permission=Permission.COMPOSE_BROADCASTS, path_params=BroadcastPath, response=BroadcastPublic, errors=(409,),
)
async def request_broadcast_approval(call: ApiCall) -> BroadcastPublic:
    """A draft goes to the approvals list."""
    return await _step(call, "request")


@api_operation(
    "POST", "/broadcasts/{broadcast_id}/approve", summary="Approve someone else's broadcast", tag="Broadcasts",
    permission=Permission.APPROVE_BROADCASTS, path_params=BroadcastPath, response=BroadcastPublic, errors=(409,),
)
async def approve_one_broadcast(call: ApiCall) -> BroadcastPublic:
    """409 for the author: approval is someone else's."""
    return await _step(call, "approve")


@api_operation(
    "POST", "/broadcasts/{broadcast_id}/send", summary="Send a broadcast now", tag="Broadcasts",
    permission=Permission.SEND_BROADCASTS, path_params=BroadcastPath, response=BroadcastPublic, errors=(409,),
)
async def send_one_broadcast(call: ApiCall) -> BroadcastPublic:
    """Queue one message per carer through the delivery engine; 409 when approval is still needed."""
    return await _step(call, "send")


@api_operation(
    "POST", "/broadcasts/{broadcast_id}/cancel", summary="Cancel a broadcast", tag="Broadcasts",
    permission=Permission.SEND_BROADCASTS, path_params=BroadcastPath, response=BroadcastPublic, errors=(409,),
)
async def cancel_one_broadcast(call: ApiCall) -> BroadcastPublic:
    """Stop it; messages not yet handed to Telegram are withdrawn."""
    return await _step(call, "cancel")


@api_operation(
    "GET", "/broadcasts/{broadcast_id}/report", summary="A broadcast's delivery report", tag="Broadcasts",
    permission=Permission.SEND_BROADCASTS, path_params=BroadcastPath, response=ReportPublic,
)
async def get_broadcast_report(call: ApiCall) -> ReportPublic:
    """Queued, sent, failed, unreachable and acknowledged counts with percentages."""
    try:
        async with call.database.transaction() as session:
            report = await broadcast_report(session, broadcast_id=call.params.broadcast_id)
    except BroadcastError as error:
        raise _problem(error) from None
    return ReportPublic.of(report)


@api_operation(
    "POST", "/broadcasts/{broadcast_id}/schedule", summary="Schedule a broadcast", tag="Broadcasts",
    permission=Permission.SEND_BROADCASTS, path_params=SchedulePath, body=BroadcastSchedule, response=BroadcastPublic, errors=(409,),
)
async def schedule_one_broadcast(call: ApiCall) -> BroadcastPublic:
    """Send later: the same checks as sending now (409 when approval is still needed); 422 for a time not in the future."""
    body: BroadcastSchedule = call.body
    try:
        async with call.database.transaction() as session:
            broadcast = await schedule_broadcast(
                session, broadcast_id=call.params.broadcast_id, send_at=body.send_at, actor=call.actor,
                approval_threshold=_threshold(call), now=call.now, origin=call.origin,
            )
    except BroadcastError as error:
        raise _problem(error) from None
    return BroadcastPublic.of(broadcast)
