"""/api/v1/problem-reports: the officers' casework on problems reported on the day."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from db.models.casework import ProblemReport
from services.casework.errors import CaseNotFound, CaseworkError, StepNotAllowed
from services.feedback.tagging import ProblemCategory
from services.staff.permissions import Permission
from services.problems.staff import list_problem_reports, resolve_as_officer, view_problem_report
from services.problems.reports import MAX_NOTE_LENGTH, PROBLEM_LABELS
from web.api.registry import ApiCall, ApiConflict, ApiInvalid, ApiNotFound, api_operation
from web.api.schemas import RecordId, StrictInput
from services.carers.channel_plans import CouncilContact
from web.keys import SETTINGS

TAG = "Casework"


class ProblemReportSummary(BaseModel):
    """An open problem report as the list shows it."""

    id: int
    reference: str
    category: str
    category_label: str
    route_code: str | None
    child_name: str | None
    reported_at: datetime
    is_urgent: bool


class ProblemReportList(BaseModel):
    """Open problem reports, urgent first, then oldest first."""

    items: list[ProblemReportSummary]


class ProblemReportPublic(BaseModel):
    """One problem report, with the parent's own words."""

    id: int
    reference: str
    category: str
    category_label: str
    route_code: str | None
    details: str | None
    is_urgent: bool
    reported_at: datetime
    resolved_at: datetime | None
    resolution_note: str | None
    parent_told_at: datetime | None

    @classmethod
    def of(cls, report: ProblemReport) -> "ProblemReportPublic":
        """From the table row."""
        assert report.id is not None
        return cls(
            id=report.id,
            reference=report.reference,
            category=report.category,
            category_label=PROBLEM_LABELS[ProblemCategory(report.category)],
            route_code=report.route_code,
            details=report.details,
            is_urgent=report.is_urgent,
            reported_at=report.reported_at,
            resolved_at=report.resolved_at,
            resolution_note=report.resolution_note,
            parent_told_at=report.parent_told_at,
        )


class ProblemReportPath(BaseModel):
    """A problem report's id in the path."""

    report_id: RecordId


class ProblemResolve(StrictInput):
    """How the problem was dealt with; the note is sent to the family."""

    note: str | None = Field(
        default=None,
        max_length=MAX_NOTE_LENGTH,
        pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$",
        description="Told to the family, in their chat (line breaks allowed)",
    )


@api_operation(
    "GET",
    "/problem-reports",
    summary="Open problem reports",
    tag=TAG,
    permission=Permission.VIEW_CASEWORK,
    response=ProblemReportList,
)
async def list_problem_reports_api(call: ApiCall) -> ProblemReportList:
    """Every unresolved report, urgent first; audited."""
    async with call.database.transaction() as session:
        reports = await list_problem_reports(
            session, actor=call.actor, origin=call.origin, staff_base_url=call.request.app[SETTINGS].staff_base_url, now=call.now
        )
    items = [
        ProblemReportSummary(
            id=report.report_id,
            reference=report.reference,
            category=report.category.value,
            category_label=report.category_label,
            route_code=report.route_code,
            child_name=report.child_name,
            reported_at=report.reported_at,
            is_urgent=report.is_urgent,
        )
        for report in reports
    ]
    return ProblemReportList(items=items)


@api_operation(
    "GET",
    "/problem-reports/{report_id}",
    summary="One problem report",
    tag=TAG,
    permission=Permission.VIEW_CASEWORK,
    path_params=ProblemReportPath,
    response=ProblemReportPublic,
)
async def get_problem_report_api(call: ApiCall) -> ProblemReportPublic:
    """One report with the parent's words; audited."""
    try:
        async with call.database.transaction() as session:
            report = await view_problem_report(
                session, report_id=call.params.report_id, actor=call.actor, origin=call.origin, now=call.now
            )
    except CaseNotFound as error:
        raise ApiNotFound(str(error)) from None
    return ProblemReportPublic.of(report)


@api_operation(
    "POST",
    "/problem-reports/{report_id}/resolve",
    summary="Mark a problem report resolved",
    tag=TAG,
    permission=Permission.ANSWER_CASEWORK,
    path_params=ProblemReportPath,
    body=ProblemResolve,
    response=ProblemReportPublic,
    errors=(409,),
)
async def resolve_problem_report_api(call: ApiCall) -> ProblemReportPublic:
    """Record how it was dealt with and tell the family; 409 if it was already resolved."""
    body: ProblemResolve = call.body
    try:
        async with call.database.transaction() as session:
            report = await resolve_as_officer(
                session, report_id=call.params.report_id, note=body.note, actor=call.actor, origin=call.origin, now=call.now,
                council=CouncilContact.from_settings(call.request.app[SETTINGS]),
            )
    except CaseNotFound as error:
        raise ApiNotFound(str(error)) from None
    except StepNotAllowed as error:
        raise ApiConflict(str(error)) from None
    except CaseworkError as error:
        raise ApiInvalid(str(error), field="note") from None
    return ProblemReportPublic.of(report)
