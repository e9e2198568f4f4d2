"""/api/v1/transport/changes and the call list: record changes (JSON or CSV), their figures, who to telephone."""

from __future__ import annotations

import io
from datetime import date, datetime, time

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from db.models import ChangeKind
from services.changes.followups import CallListRow, write_call_list_csv
from services.changes.staff import (
    ChangeSummary,
    call_list_as,
    change_summary,
    import_changes_file,
    list_changes,
    record_change_as,
)
from services.staff.permissions import Permission
from services.changes.notices import FAMILY_TEXT_FIELDS, ChangeError, ChangeRequest, RecordedChange
from services.transport.staff import FileRejected, TransportNotFound
from web.api.registry import ApiCall, ApiInvalid, ApiNotFound, api_operation
from web.api.schemas import RecordId, StrictInput, plain_text
from web.api.operations.transport import CODE_PATTERN, EARLIEST, LATEST, TAG, FileProblem
from web.keys import SETTINGS

CHANGES_EXAMPLE = (
    "reference,kind,route_code,old_value,new_value,effective_from,reason\n"
    "CHG-2027-001,new_pickup_time,MA-101,7:45am,7:55am,2027-01-04,The new school timetable starts.\n"
)
class ChangeCreate(StrictInput):
    """A transport change: on one route (optionally one stop of it) or on every route of an operator."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "new_pickup_time",
                    "route_code": "MA-101",
                    "stop_sequence": 2,
                    "old_value": "7:45am",
                    "new_value": "7:55am",
                    "effective_from": "2027-01-04",
                    "reason": "The new school timetable starts.",
                    "reference": "CHG-2027-001",
                }
            ]
        },
    )

    kind: ChangeKind
    route_code: str | None = Field(default=None, pattern=CODE_PATTERN, examples=["MA-101"])
    operator_code: str | None = Field(default=None, pattern=CODE_PATTERN)
    stop_sequence: int | None = Field(default=None, ge=1, le=10_000)
    old_value: str | None = plain_text(
        default=None, max_length=FAMILY_TEXT_FIELDS["old_value"], description="What it was, e.g. 7:40am"
    )
    new_value: str | None = plain_text(
        default=None, max_length=FAMILY_TEXT_FIELDS["new_value"], description="What it will be, e.g. 7:55am"
    )
    effective_from: date = Field(ge=EARLIEST, le=LATEST)
    effective_until: date | None = Field(
        default=None, ge=EARLIEST, le=LATEST, description="Last day (suspensions)"
    )
    effective_time: str | None = Field(
        default=None,
        pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$",
        description="HH:MM, UK time it takes effect (default 06:00)",
    )
    is_urgent: bool = False
    must_send: bool = Field(
        default=False, description="Tell families who muted changes or withdrew consent too"
    )
    reason: str = plain_text(
        default="", max_length=FAMILY_TEXT_FIELDS["reason"], description="Why, in plain words families will read"
    )
    contact_phone: str | None = plain_text(default=None, max_length=32)
    reference: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_/-]{1,64}$",
        description="Recording it again changes nothing",
    )


class ChangeFigures(BaseModel):
    """How the change's notices are doing."""

    children: int
    families: int
    queued: int
    sent: int
    failed: int
    unreachable: int
    not_sent: int
    acknowledged: int
    reminded: int


class ChannelFigures(BaseModel):
    """One channel's messages about a change: sent, delivered (Notify's receipt), failed, seen and waiting."""

    channel: str = Field(examples=["sms"])
    sent: int
    delivered: int
    failed: int
    acknowledged: int
    waiting: int


class ChangePublic(BaseModel):
    """A change with its delivery and acknowledgement figures."""

    id: int
    reference: str
    kind: str
    route_code: str | None
    operator_code: str | None
    stop_id: int | None
    old_value: str | None
    new_value: str | None
    effective_from: date
    effective_until: date | None
    effective_at: datetime
    is_urgent: bool
    must_send: bool
    reason: str
    recorded_by: str
    recorded_at: datetime
    figures: ChangeFigures
    channels: list[ChannelFigures] = Field(default_factory=list, description="Per channel; only for one change")
    to_call: int = Field(default=0, description="Families no channel reached, on the call list now; only for one change")

    @classmethod
    def of(cls, summary: ChangeSummary) -> ChangePublic:
        """From the service's summary."""
        change = summary.change
        return cls(
            id=change.id or 0,
            reference=change.reference,
            kind=change.kind,
            route_code=summary.route_code,
            operator_code=summary.operator_code,
            stop_id=change.stop_id,
            old_value=change.old_value,
            new_value=change.new_value,
            effective_from=change.effective_from,
            effective_until=change.effective_until,
            effective_at=change.effective_at,
            is_urgent=change.is_urgent,
            must_send=change.must_send,
            reason=change.reason,
            recorded_by=change.recorded_by,
            recorded_at=change.recorded_at,
            figures=ChangeFigures.model_validate(summary.figures, from_attributes=True),
            channels=[ChannelFigures.model_validate(row, from_attributes=True) for row in summary.channels],
            to_call=summary.to_call,
        )


class ChangeList(BaseModel):
    """The most recent changes, latest to take effect first."""

    items: list[ChangePublic]


class ChangeRecorded(BaseModel):
    """A change just recorded and what was queued for families."""

    id: int
    reference: str
    is_new: bool
    affected_children: int
    carers: int
    children_without_carer: int
    queued: int
    held_for_quiet_hours: int
    not_sent: dict[str, int]


class ChangesImported(BaseModel):
    """Every change in the file."""

    items: list[ChangeRecorded]


class ChangePath(BaseModel):
    """A change's id in the path."""

    change_id: RecordId = Field(examples=[1])


class CallListEntryPublic(BaseModel):
    """One family to telephone about one change, and why."""

    change_reference: str
    change_kind: str
    effective_from: date
    route_code: str
    council_reference: str
    child_name: str
    carer_pseudonym: str
    carer_first_name: str
    reason: str
    tried: str = Field(description="What was tried on each channel", examples=["Telegram blocked; text failed: not a UK mobile; no email held"])
    notice_sent_at: datetime | None
    reminder_sent: bool


class CallList(BaseModel):
    """Families unacknowledged 24 hours before a change, and those Telegram cannot reach."""

    items: list[CallListEntryPublic]


def _recorded(item: RecordedChange) -> ChangeRecorded:
    return ChangeRecorded(
        id=item.change.id or 0,
        reference=item.change.reference,
        is_new=item.is_new,
        affected_children=item.affected_children,
        carers=item.carers,
        children_without_carer=item.children_without_carer,
        queued=item.notices.queued,
        held_for_quiet_hours=item.notices.held_for_quiet_hours,
        not_sent=dict(item.notices.skipped),
    )


@api_operation(
    "POST",
    "/transport/changes",
    summary="Record a transport change",
    tag=TAG,
    permission=Permission.RECORD_TRANSPORT_CHANGES,
    body=ChangeCreate,
    response=ChangeRecorded,
    status=201,
)
async def record_transport_change(call: ApiCall) -> ChangeRecorded:
    """Freeze the affected children and queue one personal notice per linked carer, in their language."""
    body: ChangeCreate = call.body
    request = ChangeRequest(
        kind=body.kind,
        effective_from=body.effective_from,
        recorded_by=call.actor.label[:128],
        route_code=body.route_code,
        operator_code=body.operator_code,
        stop_sequence=body.stop_sequence,
        old_value=body.old_value,
        new_value=body.new_value,
        effective_until=body.effective_until,
        effective_time=time.fromisoformat(body.effective_time) if body.effective_time else None,
        is_urgent=body.is_urgent,
        must_send=body.must_send,
        reason=body.reason,
        contact_phone=body.contact_phone,
        reference=body.reference,
    )
    try:
        async with call.database.transaction() as session:
            recorded = await record_change_as(
                session,
                request=request,
                actor=call.actor,
                origin=call.origin,
                now=call.now,
                council_phone=call.request.app[SETTINGS].council_transport_phone,
                council_hours=call.request.app[SETTINGS].council_transport_hours,
            )
    except ChangeError as error:
        raise ApiInvalid(
            str(error).split(": ", 1)[-1], field=error.field
        ) from None
    return _recorded(recorded)


@api_operation(
    "POST",
    "/transport/changes/import",
    summary="Record transport changes from a CSV file",
    tag=TAG,
    permission=Permission.RECORD_TRANSPORT_CHANGES,
    response=ChangesImported,
    accepts_csv_file=True,
    csv_example=CHANGES_EXAMPLE,
)
async def import_transport_changes(call: ApiCall) -> ChangesImported:
    """Every change in the file, or none: any bad row gives 422 with one `fields` entry per bad row ("line N")."""
    try:
        async with call.database.transaction() as session:
            recorded = await import_changes_file(
                session,
                data=call.body,
                actor=call.actor,
                origin=call.origin,
                now=call.now,
                council_phone=call.request.app[SETTINGS].council_transport_phone,
                council_hours=call.request.app[SETTINGS].council_transport_hours,
            )
    except FileRejected as rejected:
        raise FileProblem(rejected.errors) from None
    return ChangesImported(items=[_recorded(item) for item in recorded])


@api_operation(
    "GET",
    "/transport/changes",
    summary="List transport changes",
    tag=TAG,
    permission=Permission.VIEW_TRANSPORT,
    response=ChangeList,
)
async def list_transport_changes(call: ApiCall) -> ChangeList:
    """The 200 most recent changes with sent, acknowledged and unreachable counts."""
    async with call.database.transaction() as session:
        summaries = await list_changes(session)
    return ChangeList(items=[ChangePublic.of(summary) for summary in summaries])


@api_operation(
    "GET",
    "/transport/changes/{change_id}",
    summary="One transport change",
    tag=TAG,
    permission=Permission.VIEW_TRANSPORT,
    path_params=ChangePath,
    response=ChangePublic,
)
async def get_transport_change(call: ApiCall) -> ChangePublic:
    """The change with its delivery and acknowledgement counts, per channel too, and how many families to call."""
    try:
        async with call.database.transaction() as session:
            summary = await change_summary(session, change_id=call.params.change_id, now=call.now)
    except TransportNotFound:
        raise ApiNotFound(f"No change {call.params.change_id}") from None
    return ChangePublic.of(summary)


def _entry(row: CallListRow) -> CallListEntryPublic:
    return CallListEntryPublic.model_validate(row, from_attributes=True)


@api_operation(
    "GET",
    "/transport/call-list",
    summary="Families to telephone",
    tag=TAG,
    permission=Permission.RECORD_TRANSPORT_CHANGES,
    response=CallList,
)
async def get_call_list(call: ApiCall) -> CallList:
    """Unacknowledged 24 hours before a change takes effect, or not reachable on Telegram at all; audited."""
    async with call.database.transaction() as session:
        rows = await call_list_as(session, actor=call.actor, origin=call.origin, now=call.now)
    return CallList(items=[_entry(row) for row in rows])


@api_operation(
    "GET",
    "/transport/call-list.csv",
    summary="Families to telephone, as CSV",
    tag=TAG,
    permission=Permission.RECORD_TRANSPORT_CHANGES,
    produces_csv=True,
)
async def get_call_list_csv(call: ApiCall) -> web.StreamResponse:
    """The call list as a CSV file (the same columns as `carerline changes call-list`); audited."""
    async with call.database.transaction() as session:
        rows = await call_list_as(
            session, actor=call.actor, origin=call.origin, now=call.now, as_file=True
        )
    return csv_download(rows, filename=f"call-list-{call.now:%Y-%m-%d}.csv")


def csv_download(rows: list[CallListRow], *, filename: str) -> web.Response:
    """The call list as a CSV attachment."""
    handle = io.StringIO()
    write_call_list_csv(handle, rows)
    return web.Response(
        text=handle.getvalue(),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
