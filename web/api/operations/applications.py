"""/api/v1/applications: HTST applications, their stages, and those past the four-week promise."""

from __future__ import annotations

from datetime import date, datetime

from messaging.limits import FAMILY_TEXT_LIMITS
from pydantic import BaseModel, ConfigDict, Field

from db.models import ApplicationStage, HtstApplication
from messaging.quiet_hours import UK
from services.applications.stages import ApplicationError, CouncilContact, StageChangeResult
from services.staff.permissions import Permission
from services.applications.staff import (
    change_stage_as,
    overdue_applications_as,
    record_application_as,
)
from web.api.registry import ApiCall, ApiInvalid, ApiNotFound, api_operation
from web.api.schemas import StrictInput, plain_text
from web.keys import SETTINGS

TAG = "Applications"
REFERENCE_PATTERN = r"^[A-Za-z0-9_-]{1,32}$"


class ApplicationCreate(StrictInput):
    """A new application, as CYPE Transport Eligibility received it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "reference": "HTST-2",
                    "council_reference": "KCC-100002",
                    "received_on": "2026-11-02",
                }
            ]
        },
    )

    reference: str = Field(pattern=REFERENCE_PATTERN, examples=["HTST-1"])
    council_reference: str = Field(pattern=r"^[A-Za-z0-9_/-]{1,32}$", examples=["KCC-100001"])
    received_on: date = Field(ge=date(2000, 1, 1), examples=["2026-11-02"])


class StageChange(StrictInput):
    """The stage an application has reached, and a short note for the family."""

    stage: ApplicationStage
    note_for_family: str | None = plain_text(default=None, max_length=FAMILY_TEXT_LIMITS["application_note"])


class ApplicationPath(BaseModel):
    """An application's reference in the path."""

    reference: str = Field(pattern=REFERENCE_PATTERN, examples=["HTST-1"])


class ApplicationPublic(BaseModel):
    """An application after the step, and how many carers were told."""

    reference: str
    stage: ApplicationStage
    received_on: date
    stage_changed_at: datetime
    is_changed: bool = Field(
        description="False when it was already recorded or already at that stage"
    )
    carers_told: int


class OverdueApplicationPublic(BaseModel):
    """An open application past 20 working days."""

    reference: str
    council_reference: str
    child_name: str
    stage: ApplicationStage
    received_on: date
    working_days_open: int
    promised_by: date


class OverdueApplications(BaseModel):
    """Open applications past the four-week promise, oldest first."""

    items: list[OverdueApplicationPublic]


def _contact(call: ApiCall) -> CouncilContact:
    settings = call.request.app[SETTINGS]
    return CouncilContact(
        phone=settings.council_transport_phone, hours=settings.council_transport_hours
    )


def _public(result: StageChangeResult) -> ApplicationPublic:
    application: HtstApplication = result.application
    return ApplicationPublic(
        reference=application.reference,
        stage=ApplicationStage(application.stage),
        received_on=application.received_on,
        stage_changed_at=application.stage_changed_at,
        is_changed=result.is_changed,
        carers_told=result.notices.queued,
    )


@api_operation(
    "POST",
    "/applications",
    summary="Record an application",
    tag=TAG,
    permission=Permission.RECORD_TRANSPORT_CHANGES,
    body=ApplicationCreate,
    response=ApplicationPublic,
    status=201,
)
async def record_htst_application(call: ApiCall) -> ApplicationPublic:
    """A new application at stage "received"; linked carers are told. Recording a reference again changes nothing."""
    body: ApplicationCreate = call.body
    if body.received_on > call.now.astimezone(UK).date():
        raise ApiInvalid("The date received cannot be in the future", field="received_on")
    try:
        async with call.database.transaction() as session:
            result = await record_application_as(
                session,
                reference=body.reference,
                council_reference=body.council_reference,
                received_on=body.received_on,
                actor=call.actor,
                origin=call.origin,
                now=call.now,
                contact=_contact(call),
            )
    except ApplicationError as error:
        raise ApiInvalid(str(error), field="council_reference") from None
    return _public(result)


@api_operation(
    "POST",
    "/applications/{reference}/stage",
    summary="Move an application to a stage",
    tag=TAG,
    permission=Permission.RECORD_TRANSPORT_CHANGES,
    path_params=ApplicationPath,
    body=StageChange,
    response=ApplicationPublic,
)
async def change_application_stage(call: ApiCall) -> ApplicationPublic:
    """Every stage change is sent to the linked carers; the same stage again changes nothing."""
    body: StageChange = call.body
    try:
        async with call.database.transaction() as session:
            result = await change_stage_as(
                session,
                reference=call.params.reference,
                stage=body.stage,
                note_for_family=body.note_for_family,
                actor=call.actor,
                origin=call.origin,
                now=call.now,
                contact=_contact(call),
            )
    except ApplicationError:
        raise ApiNotFound(f"No application {call.params.reference}") from None
    return _public(result)


@api_operation(
    "GET",
    "/applications/overdue",
    summary="Applications past 20 working days",
    tag=TAG,
    permission=Permission.RECORD_TRANSPORT_CHANGES,
    response=OverdueApplications,
)
async def list_overdue_applications(call: ApiCall) -> OverdueApplications:
    """Open applications received more than 20 working days ago without transport arranged; audited."""
    async with call.database.transaction() as session:
        overdue = await overdue_applications_as(
            session,
            today=call.now.astimezone(UK).date(),
            actor=call.actor,
            origin=call.origin,
            now=call.now,
        )
    return OverdueApplications(
        items=[
            OverdueApplicationPublic.model_validate(item, from_attributes=True) for item in overdue
        ]
    )
