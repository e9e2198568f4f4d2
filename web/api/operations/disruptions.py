"""/api/v1/disruptions: officers read operators' reports and confirm, edit or reject the change drafts; the SitRep's operator figures."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from db.models import ChangeKind
from db.models.transport import DraftStatus
from reports.operator_figures import build_operator_figures
from reports.sitrep import PERIOD
from services.operators.drafts import DraftEdits, confirm_draft, confirm_withdrawal, reject_draft
from services.operators.review import ReviewedDisruption, review_disruption, review_recent_disruptions
from services.staff.permissions import Permission
from web.api.operations.operators import DisruptionPath, DisruptionPublic, operator_transaction
from web.api.registry import ApiCall, api_operation
from web.api.schemas import RecordId, StrictInput, plain_text
from web.keys import SETTINGS

TAG = "Disruptions"


class DraftPublic(BaseModel):
    """The change drafted from a report: families hear only once an officer confirms it."""

    id: int
    kind: str
    effective_from: date
    effective_until: date | None
    new_value: str | None
    reason: str
    status: DraftStatus
    decided_at: datetime | None
    decided_by: str | None
    change_id: int | None


class ReviewedPublic(BaseModel):
    """A report with its route, operator, draft and how many carers each step reached."""

    report: DisruptionPublic
    route_code: str
    operator_name: str
    draft: DraftPublic | None
    carers_told_by_step: dict[str, int] = Field(description="reported, corrected, withdrawn, resolved")

    @classmethod
    def of(cls, item: ReviewedDisruption, *, now: datetime) -> "ReviewedPublic":
        """From the service's view."""
        draft = DraftPublic.model_validate(item.draft, from_attributes=True) if item.draft is not None else None
        return cls(
            report=DisruptionPublic.of(item.disruption, now=now), route_code=item.route_code,
            operator_name=item.operator_name, draft=draft, carers_told_by_step=item.told_by_step,
        )


class ReviewedList(BaseModel):
    """Reports of the last fortnight, newest first."""

    items: list[ReviewedPublic]


class DraftConfirm(StrictInput):
    """Confirm the draft, optionally edited first; it becomes a transport change and families are told."""

    kind: ChangeKind | None = None
    effective_from: date | None = None
    effective_until: date | None = None
    new_value: str | None = plain_text(default=None, max_length=300, description="For a new operator: its name")
    reason: str | None = plain_text(default=None, max_length=1000)


class WithdrawalConfirm(DraftConfirm):
    """An operator handing back several routes: every route's draft confirmed at once, each its own change."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"disruption_ids": [1], "new_value": "Kent Coaches", "reason": "Garden Cars handed the route back"},
    ]})
    disruption_ids: list[RecordId] = Field(min_length=1, max_length=200, description="The cannot_run_from reports, one per route")


class WithdrawalConfirmed(BaseModel):
    """Each route's report with its confirmed draft and the change it became."""

    items: list[ReviewedPublic]


class DraftReject(StrictInput):
    """Reject the draft: nobody is told."""

    reason: str = plain_text(min_length=1, max_length=300)


@api_operation(
    "GET", "/disruptions", summary="Operators' reports of the last fortnight", tag=TAG,
    permission=Permission.REVIEW_DISRUPTIONS, response=ReviewedList,
)
async def list_reviewed_disruptions(call: ApiCall) -> ReviewedList:
    """Newest first, with drafts waiting for a decision."""
    async with operator_transaction(call) as session:
        items = await review_recent_disruptions(session, now=call.now)
    return ReviewedList(items=[ReviewedPublic.of(item, now=call.now) for item in items])


@api_operation(
    "GET", "/disruptions/{disruption_id}", summary="One operator report", tag=TAG,
    permission=Permission.REVIEW_DISRUPTIONS, path_params=DisruptionPath, response=ReviewedPublic,
)
async def get_reviewed_disruption(call: ApiCall) -> ReviewedPublic:
    """The report, its draft and who was told (counts)."""
    async with operator_transaction(call) as session:
        item = await review_disruption(session, disruption_id=call.params.disruption_id)
    return ReviewedPublic.of(item, now=call.now)


@api_operation(
    "POST", "/disruptions/{disruption_id}/confirm", summary="Confirm (or edit and confirm) a change draft", tag=TAG,
    permission=Permission.REVIEW_DISRUPTIONS, path_params=DisruptionPath, body=DraftConfirm, response=ReviewedPublic,
    errors=(409,),
)
async def confirm_disruption_draft(call: ApiCall) -> ReviewedPublic:
    """The draft becomes a transport change: every affected family gets the change notice."""
    body: DraftConfirm = call.body
    async with operator_transaction(call) as session:
        await confirm_draft(
            session, disruption_id=call.params.disruption_id, edits=DraftEdits(**body.model_dump()), actor=call.actor,
            now=call.now, council_phone=call.request.app[SETTINGS].council_transport_phone, origin=call.origin,
        )
        item = await review_disruption(session, disruption_id=call.params.disruption_id)
    return ReviewedPublic.of(item, now=call.now)


@api_operation(
    "POST", "/disruptions/{disruption_id}/reject", summary="Reject a change draft", tag=TAG,
    permission=Permission.REVIEW_DISRUPTIONS, path_params=DisruptionPath, body=DraftReject, response=ReviewedPublic,
    errors=(409,),
)
async def reject_disruption_draft(call: ApiCall) -> ReviewedPublic:
    """Nobody is told; the reason is kept in the audit log."""
    body: DraftReject = call.body
    async with operator_transaction(call) as session:
        await reject_draft(
            session, disruption_id=call.params.disruption_id, reason=body.reason, actor=call.actor, now=call.now,
            origin=call.origin,
        )
        item = await review_disruption(session, disruption_id=call.params.disruption_id)
    return ReviewedPublic.of(item, now=call.now)


@api_operation(
    "POST", "/disruption-withdrawals/confirm", summary="Confirm an operator's withdrawn routes at once", tag=TAG,
    permission=Permission.REVIEW_DISRUPTIONS, body=WithdrawalConfirm, response=WithdrawalConfirmed,
    errors=(404, 409),  # 404: an id in disruption_ids names no report, as an unknown route_id does in POST /operator/disruptions
)
async def confirm_withdrawn_routes(call: ApiCall) -> WithdrawalConfirmed:
    """All or none: each route becomes a transport change, so its families get the change notice to acknowledge."""
    body: WithdrawalConfirm = call.body
    edits = DraftEdits(**body.model_dump(exclude={"disruption_ids"}))
    async with operator_transaction(call) as session:
        await confirm_withdrawal(
            session, disruption_ids=list(body.disruption_ids), edits=edits, actor=call.actor, now=call.now,
            council_phone=call.request.app[SETTINGS].council_transport_phone, origin=call.origin,
        )
        items = [await review_disruption(session, disruption_id=disruption_id) for disruption_id in body.disruption_ids]
    return WithdrawalConfirmed(items=[ReviewedPublic.of(item, now=call.now) for item in items])


class OperatorCountPublic(BaseModel):
    """Reports one operator made of one kind this fortnight."""

    operator: str
    kind: str
    count: int


class SitRepOperatorsPublic(BaseModel):
    """The SitRep's operator figures: disruptions by operator and kind, and minutes from report to families told."""

    period_start: datetime
    produced_at: datetime
    disruptions: list[OperatorCountPublic]
    reports_timed: int = Field(description="Reports whose families' messages have been sent")
    minutes_to_families_median: float | None
    minutes_to_families_longest: float | None


@api_operation(
    "GET", "/reports/sitrep/operators", summary="The SitRep's operator figures now", tag="Reports",
    permission=Permission.VIEW_DASHBOARD, response=SitRepOperatorsPublic,
)
async def get_sitrep_operators(call: ApiCall) -> SitRepOperatorsPublic:
    """This fortnight: withdrawn reports and repeats joined to an earlier one are not counted."""
    async with call.database.transaction() as session:
        figures = await build_operator_figures(session, since=call.now - PERIOD, until=call.now)
    return SitRepOperatorsPublic(
        period_start=call.now - PERIOD, produced_at=call.now,
        disruptions=[OperatorCountPublic(operator=item.operator, kind=item.kind, count=item.count) for item in figures.counts],
        reports_timed=figures.reports_timed, minutes_to_families_median=figures.median_minutes,
        minutes_to_families_longest=figures.longest_minutes,
    )
