"""/api/v1/operator/*: an operator's own routes, its disruption reports, and codes to link its Telegram chats."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime
from functools import partial

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models.transport import DisruptionKind, DisruptionStatus, OperatorDisruption, Run, StaffChanged
from services.operators.drafts import DraftError, DraftNotOpen, page_duty_officer
from services.operators.followups import (
    Correction,
    Resolution,
    correct_disruption,
    list_own_disruptions,
    may_still_change,
    own_disruption,
    resolve_disruption,
    withdraw_disruption,
)
from services.operators.reports import (
    DisruptionError,
    DisruptionNotFound,
    DisruptionRequest,
    NotYourRoute,
    ReportOutcome,
    TooLate,
    report_disruption,
)
from services.operators.chats import IssuedChatCode, issue_chat_code
from services.operators.routes import operator_routes
from services.staff.permissions import Permission
from web.api.registry import ApiCall, ApiConflict, ApiInvalid, ApiNotFound, ApiProblem, api_operation
from web.api.schemas import RecordId, StrictInput, plain_text
from web.keys import SETTINGS

TAG = "Operators"
operator_operation = partial(api_operation, tag=TAG, permission=Permission.REPORT_DISRUPTIONS)


class ApiForbidden(ApiProblem):
    """Another operator's route or report: 403."""

    status = 403


class DisruptionCreate(StrictInput):
    """A disruption report (SIRI-SX's situation, cut to a school run). Give only the details the kind needs."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"route_id": 1, "kind": "running_late", "run": "morning", "minutes_late": 20}]},
    )

    route_id: RecordId = Field(description="One of your routes (GET /api/v1/operator/routes)")
    kind: DisruptionKind
    run: Run | None = Field(default=None, description="Default: morning before midday, afternoon after")
    run_date: date | None = Field(default=None, description="Default: today")
    minutes_late: int | None = Field(default=None, description="running_late only: 1 to 240")
    staff_changed: StaffChanged | None = Field(default=None, description="staff_changed only")
    new_staff_first_name: str | None = plain_text(default=None, max_length=40, description="staff_changed only: first name")
    from_date: date | None = Field(default=None, description="cannot_run_from only: the first day you cannot run it")
    note: str | None = plain_text(default=None, max_length=300, description="Optional; families read it")


class DisruptionCorrect(StrictInput):
    """New details for a report, within 10 minutes of it; families told get one correction."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"minutes_late": 40}]})

    minutes_late: int | None = None
    staff_changed: StaffChanged | None = None
    new_staff_first_name: str | None = plain_text(default=None, max_length=40)
    note: str | None = plain_text(default=None, max_length=300)


class DisruptionResolve(StrictInput):
    """The operator's "back on time" or "arrived"."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"resolution": "arrived"}]})

    resolution: Resolution


class DisruptionPath(BaseModel):
    """A report's id in the path."""

    disruption_id: RecordId = Field(examples=[1])


class DisruptionPublic(BaseModel):
    """A report as its operator (and the council) sees it: timings and how many carers were told, never who."""

    id: int
    reference: str
    route_id: int
    kind: DisruptionKind
    run: Run
    run_date: date
    minutes_late: int | None
    staff_changed: StaffChanged | None
    new_staff_first_name: str | None
    from_date: date | None
    note: str | None
    status: DisruptionStatus
    collapsed_into_id: int | None = Field(description="The earlier report this one joined; families were not told twice")
    reported_at: datetime
    families_told_at: datetime | None
    carers_told: int
    duty_paged_at: datetime | None = Field(description="When the council's duty officer was alerted, if they were")
    corrected_at: datetime | None
    withdrawn_at: datetime | None
    resolved_at: datetime | None
    resolution: str | None
    may_correct_or_withdraw: bool = Field(description="True for 10 minutes after the report")

    @classmethod
    def of(cls, disruption: OperatorDisruption, *, now: datetime) -> "DisruptionPublic":
        """From the table row."""
        values = {name: getattr(disruption, name) for name in cls.model_fields if hasattr(disruption, name)}
        return cls(**values, may_correct_or_withdraw=may_still_change(disruption, now=now))


class DisruptionList(BaseModel):
    """Reports, newest first."""

    items: list[DisruptionPublic]


class StopPublic(BaseModel):
    """A pick-up point: its window and the first names picked up there."""

    sequence: int
    name: str
    pickup_from: str = Field(description="HH:MM, UK time")
    pickup_to: str = Field(description="HH:MM, UK time")
    first_names: list[str]


class RoutePublic(BaseModel):
    """One of the operator's routes."""

    id: int
    code: str
    vehicle_type: str
    is_suspended: bool
    stops: list[StopPublic]


class OperatorRoutes(BaseModel):
    """The operator and its routes."""

    id: int
    name: str
    routes: list[RoutePublic]


def operator_id_of(call: ApiCall) -> int:
    """The caller's operator; an operator account always has one."""
    if call.principal.operator_id is None:
        raise ApiForbidden("This account does not belong to an operator")
    return call.principal.operator_id


@asynccontextmanager
async def operator_transaction(call: ApiCall) -> AsyncIterator[AsyncSession]:
    """One transaction whose refusals answer as the API does: 422 naming the field, 403, 404 or 409."""
    try:
        async with call.database.transaction() as session:
            yield session
    except (DisruptionError, DraftError) as error:
        raise ApiInvalid(error.message, field=error.field) from None
    except NotYourRoute as error:
        raise ApiForbidden(str(error)) from None
    except (DisruptionNotFound, LookupError) as error:
        raise ApiNotFound(str(error)) from None
    except (TooLate, DraftNotOpen) as error:
        raise ApiConflict(str(error)) from None


async def page_if_needed(call: ApiCall, outcome: ReportOutcome) -> None:
    """Send the duty officer's alert once the report is committed."""
    if outcome.paging is not None:
        await page_duty_officer(call.database, settings=call.request.app[SETTINGS], paging=outcome.paging, now=call.now)


@operator_operation("GET", "/operator/routes", summary="Your routes, stops and pick-up windows", response=OperatorRoutes)
async def get_operator_routes(call: ApiCall) -> OperatorRoutes:
    """Only your own routes; on them, only first names and pick-up windows."""
    async with operator_transaction(call) as session:
        view = await operator_routes(session, operator_id=operator_id_of(call))
    return OperatorRoutes(
        id=view.id,
        name=view.name,
        routes=[
            RoutePublic(
                id=route.id, code=route.code, vehicle_type=route.vehicle_type, is_suspended=route.is_suspended,
                stops=[
                    StopPublic(
                        sequence=stop.sequence, name=stop.name, pickup_from=f"{stop.pickup_from:%H:%M}",
                        pickup_to=f"{stop.pickup_to:%H:%M}", first_names=stop.first_names,
                    )
                    for stop in route.stops
                ],
            )
            for route in view.routes
        ],
    )


@operator_operation(
    "POST", "/operator/disruptions", summary="Report disruption", body=DisruptionCreate, response=DisruptionPublic,
    status=201,
)
async def create_disruption(call: ApiCall) -> DisruptionPublic:
    """Running late, breakdown and driver/PA changes reach families at once; cancellations go to an officer first."""
    body: DisruptionCreate = call.body
    settings = call.request.app[SETTINGS]
    async with operator_transaction(call) as session:
        outcome = await report_disruption(
            session, operator_id=operator_id_of(call), request=DisruptionRequest(**body.model_dump()),
            actor=call.actor, now=call.now, council_phone=settings.council_transport_phone,
            staff_base_url=settings.staff_base_url, origin=call.origin,
        )
    await page_if_needed(call, outcome)
    return DisruptionPublic.of(outcome.disruption, now=call.now)


@operator_operation("GET", "/operator/disruptions", summary="Your reports of the last week", response=DisruptionList)
async def list_disruptions(call: ApiCall) -> DisruptionList:
    """Newest first."""
    async with operator_transaction(call) as session:
        items = await list_own_disruptions(session, operator_id=operator_id_of(call), now=call.now)
    return DisruptionList(items=[DisruptionPublic.of(item, now=call.now) for item in items])


@operator_operation(
    "GET", "/operator/disruptions/{disruption_id}", summary="One of your reports", path_params=DisruptionPath,
    response=DisruptionPublic,
)
async def get_disruption(call: ApiCall) -> DisruptionPublic:
    """403 for another operator's report."""
    async with operator_transaction(call) as session:
        item = await own_disruption(session, operator_id=operator_id_of(call), disruption_id=call.params.disruption_id)
    return DisruptionPublic.of(item, now=call.now)


@operator_operation(
    "POST", "/operator/disruptions/{disruption_id}/correct", summary="Correct a report (within 10 minutes, once)",
    path_params=DisruptionPath, body=DisruptionCorrect, response=DisruptionPublic, errors=(409,),
)
async def correct_report(call: ApiCall) -> DisruptionPublic:
    """Families already told get one correction; 409 after 10 minutes or a second time."""
    body: DisruptionCorrect = call.body
    async with operator_transaction(call) as session:
        item = await correct_disruption(
            session, operator_id=operator_id_of(call), disruption_id=call.params.disruption_id,
            correction=Correction(**body.model_dump()), actor=call.actor, now=call.now,
            council_phone=call.request.app[SETTINGS].council_transport_phone, origin=call.origin,
        )
    return DisruptionPublic.of(item, now=call.now)


@operator_operation(
    "POST", "/operator/disruptions/{disruption_id}/resolve", summary="Back on time, or arrived",
    path_params=DisruptionPath, body=DisruptionResolve, response=DisruptionPublic, errors=(409,),
)
async def resolve_report(call: ApiCall) -> DisruptionPublic:
    """Keeps the promise "we'll tell you when it's resolved": one follow-up to every carer told."""
    body: DisruptionResolve = call.body
    async with operator_transaction(call) as session:
        item = await resolve_disruption(
            session, operator_id=operator_id_of(call), disruption_id=call.params.disruption_id,
            resolution=body.resolution, actor=call.actor, now=call.now,
            council_phone=call.request.app[SETTINGS].council_transport_phone, origin=call.origin,
        )
    return DisruptionPublic.of(item, now=call.now)


@operator_operation(
    "POST", "/operator/disruptions/{disruption_id}/withdraw", summary="Withdraw a report (within 10 minutes)",
    path_params=DisruptionPath, response=DisruptionPublic, errors=(409,),
)
async def withdraw_report(call: ApiCall) -> DisruptionPublic:
    """Families told get one "please ignore our last message"; a change draft is closed."""
    async with operator_transaction(call) as session:
        item = await withdraw_disruption(
            session, operator_id=operator_id_of(call), disruption_id=call.params.disruption_id, actor=call.actor,
            now=call.now, council_phone=call.request.app[SETTINGS].council_transport_phone, origin=call.origin,
        )
    return DisruptionPublic.of(item, now=call.now)


class OperatorPath(BaseModel):
    """An operator's id in the path."""

    operator_id: RecordId = Field(examples=[1])


class ChatCodePublic(BaseModel):
    """A code shown once: the operator's person sends it to the bot (or opens the link) from the chat to link."""

    code: str = Field(description="Send to the bot as /start CODE, once, within 24 hours")
    display: str
    deep_link: str | None = Field(description="https://t.me/<bot>?start=<code> when the bot's username is set")
    expires_at: datetime


def _public(call: ApiCall, issued: IssuedChatCode) -> ChatCodePublic:
    return ChatCodePublic(
        code=issued.code, display=issued.display, expires_at=issued.expires_at,
        deep_link=issued.deep_link(bot_username=call.request.app[SETTINGS].bot_username),
    )


@api_operation(
    "POST", "/operator/chat-codes", summary="A one-time code to link your Telegram chat", tag=TAG,
    permission=Permission.REPORT_DISRUPTIONS, response=ChatCodePublic, status=201,
)
async def create_own_chat_code(call: ApiCall) -> ChatCodePublic:
    """For your own operator; shown once, works once within 24 hours."""
    async with operator_transaction(call) as session:
        issued = await issue_chat_code(
            session, operator_id=operator_id_of(call), actor=call.actor, now=call.now, origin=call.origin
        )
    return _public(call, issued)


@api_operation(
    "POST", "/operators/{operator_id}/chat-codes", summary="A one-time code to link an operator's Telegram chat", tag=TAG,
    permission=Permission.MANAGE_OPERATOR_ACCOUNTS, path_params=OperatorPath, response=ChatCodePublic, status=201,
)
async def create_chat_code(call: ApiCall) -> ChatCodePublic:
    """Officers and admins, for any operator; shown once, works once within 24 hours (audited)."""
    async with operator_transaction(call) as session:
        issued = await issue_chat_code(
            session, operator_id=call.params.operator_id, actor=call.actor, now=call.now, origin=call.origin
        )
    return _public(call, issued)
