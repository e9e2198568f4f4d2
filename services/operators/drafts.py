"""A cancelled run or a route the operator cannot run: page the duty officer, draft the change, let an officer decide.

Families hear only when an officer confirms the draft (possibly edited): then it becomes an ordinary
transport change (services/changes/notices.py), so the change notice, acknowledgement, reminder and
call-list machinery takes over. A rejected draft tells nobody.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram.error import TelegramError

from core.settings import ConfigurationError, Settings
from db.dao.casework.shared import mark_duty_alert, save_duty_alert
from db.dao.operators import fetch_disruption, fetch_draft_of_disruption, fetch_operator, fetch_route, save_disruption, save_draft
from db.engine import Database
from db.models import ChangeKind, Route
from db.models.casework import DutyAlertStatus
from db.models.transport import DisruptionKind, DisruptionStatus, DraftStatus, OperatorDisruption, TransportChangeDraft
from services.casework.errors import council_day
from services.casework.duty_alerts import ChannelOutcome, DutyAlert, duty_notifier_from_settings, render_duty_alert
from services.changes.notices import ChangeError, ChangeRequest, record_change
from services.staff.audit import Actor, RequestOrigin, record_audit

STAFF_DISRUPTION_PATH = "/disruptions/{disruption_id}"
DUTY_ALERT_SUBJECT = "operator_disruption"
KIND_LABELS = {
    DisruptionKind.RUNNING_LATE: "Running late",
    DisruptionKind.VEHICLE_BREAKDOWN: "Vehicle breakdown",
    DisruptionKind.STAFF_CHANGED: "Driver or PA changed",
    DisruptionKind.RUN_CANCELLED: "Operator cancelled a run",
    DisruptionKind.CANNOT_RUN_FROM: "Operator cannot run the route",
}
# Officers may turn a draft into any of these before confirming it.
# A confirmed change taking effect this soon is urgent: ahead of bulk messages and not held for quiet hours.
URGENT_WITHIN = timedelta(days=1)
DRAFT_KINDS = (ChangeKind.CANCELLED_TODAY, ChangeKind.NEW_OPERATOR, ChangeKind.ROUTE_SUSPENDED, ChangeKind.VEHICLE_CHANGE)


class DraftError(ValueError):
    """A draft that cannot be confirmed or changed; `field` names what was wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class DraftNotOpen(RuntimeError):
    """The draft was decided already, or the report has none."""


@dataclass(frozen=True)
class DutyPaging:
    """The alert to send to the duty officer once the report is committed."""

    disruption_id: int
    alert: DutyAlert


@dataclass(frozen=True)
class DraftEdits:
    """An officer's edits to a draft before confirming it; None keeps the drafted value."""

    kind: ChangeKind | None = None
    effective_from: date | None = None
    effective_until: date | None = None
    new_value: str | None = None
    reason: str | None = None


async def open_change_draft(
    session: AsyncSession, *, disruption: OperatorDisruption, route: Route, now: datetime, staff_base_url: str
) -> DutyPaging:
    """Draft the change a cancelled run or a withdrawn route needs, and prepare the duty officer's alert."""
    assert disruption.id is not None and route.id is not None
    run_words = f"the {disruption.run} run"
    if disruption.kind == DisruptionKind.RUN_CANCELLED:
        draft = TransportChangeDraft(
            disruption_id=disruption.id, route_id=route.id, kind=ChangeKind.CANCELLED_TODAY.value,
            effective_from=disruption.run_date, reason=f"The operator cancelled {run_words}", status=DraftStatus.DRAFT,
            created_at=now,
        )
    else:
        assert disruption.from_date is not None
        draft = TransportChangeDraft(
            disruption_id=disruption.id, route_id=route.id, kind=ChangeKind.NEW_OPERATOR.value,
            effective_from=disruption.from_date, reason="The operator can no longer run this route",
            status=DraftStatus.DRAFT, created_at=now,
        )
    await save_draft(session, draft=draft)
    return duty_paging(disruption, route=route, now=now, staff_base_url=staff_base_url)


def duty_paging(disruption: OperatorDisruption, *, route: Route, now: datetime, staff_base_url: str) -> DutyPaging:
    """The duty officer's alert about a report: the reference, the kind, the route and a link, never a child's details."""
    assert disruption.id is not None
    alert = DutyAlert(
        reference=disruption.reference,
        category=KIND_LABELS[disruption.kind],
        route_code=route.code,
        child_name="every child on the route",
        reported_at=now,
        link=staff_base_url.rstrip("/") + STAFF_DISRUPTION_PATH.format(disruption_id=disruption.id),
        is_urgent=True,
    )
    return DutyPaging(disruption_id=disruption.id, alert=alert)


async def page_duty_officer(database: Database, *, settings: Settings, paging: DutyPaging, now: datetime) -> list[ChannelOutcome]:
    """Send the alert on every duty channel (no transaction open), then log each channel's outcome on the report."""
    try:
        async with duty_notifier_from_settings(settings) as notifier:
            outcomes = await notifier.send(render_duty_alert(paging.alert))
    except (ConfigurationError, TelegramError, OSError) as error:
        # The report is kept whatever happens here; a failed alert shows on the report and the dashboard.
        outcomes = [ChannelOutcome("none", False, f"{type(error).__name__}: {error}"[:300])]
    async with database.transaction() as session:
        for outcome in outcomes:
            record = await save_duty_alert(
                session, subject=DUTY_ALERT_SUBJECT, channel=outcome.channel, reference=paging.alert.reference, created_at=now
            )
            status = DutyAlertStatus.SENT if outcome.is_sent else DutyAlertStatus.FAILED
            await mark_duty_alert(session, alert_id=record.id or 0, status=status, at=now, error=outcome.error)
        disruption = await fetch_disruption(session, disruption_id=paging.disruption_id, for_update=True)
        if disruption is not None and any(outcome.is_sent for outcome in outcomes):
            disruption.duty_paged_at = now
            await save_disruption(session, disruption=disruption)
    return outcomes


async def open_draft(session: AsyncSession, *, disruption_id: int) -> tuple[OperatorDisruption, TransportChangeDraft]:
    """A report and its undecided draft, locked; DraftNotOpen when there is none to decide."""
    disruption = await fetch_disruption(session, disruption_id=disruption_id, for_update=True)
    if disruption is None:
        raise LookupError("There is no report with that id")
    draft = await fetch_draft_of_disruption(session, disruption_id=disruption_id, for_update=True)
    if draft is None or draft.status != DraftStatus.DRAFT:
        raise DraftNotOpen("This report has no change draft waiting for a decision")
    return disruption, draft


def apply_edits(draft: TransportChangeDraft, edits: DraftEdits) -> None:
    """Put an officer's edits on the draft."""
    if edits.kind is not None:
        if edits.kind not in DRAFT_KINDS:
            raise DraftError("kind", "Choose a cancellation, a new operator, a suspension or a vehicle change")
        draft.kind = edits.kind.value
    if edits.effective_from is not None:
        draft.effective_from = edits.effective_from
    if edits.effective_until is not None:
        draft.effective_until = edits.effective_until
    if edits.new_value is not None:
        draft.new_value = edits.new_value.strip()[:300] or None
    if edits.reason is not None:
        draft.reason = edits.reason.strip()[:1000]


async def confirm_draft(
    session: AsyncSession, *, disruption_id: int, edits: DraftEdits, actor: Actor, now: datetime, council_phone: str,
    origin: RequestOrigin | None = None,
) -> TransportChangeDraft:
    """Confirm (after any edits): record it as a transport change, which tells every affected family."""
    disruption, draft = await open_draft(session, disruption_id=disruption_id)
    apply_edits(draft, edits)
    if draft.kind == ChangeKind.NEW_OPERATOR.value and not draft.new_value:
        raise DraftError("new_value", "Enter the new operator's name, or make the change a suspension")
    route = await fetch_route(session, route_id=draft.route_id)
    assert route is not None
    handed_back = draft.kind == ChangeKind.NEW_OPERATOR.value and disruption.kind == DisruptionKind.CANNOT_RUN_FROM
    operator = await fetch_operator(session, operator_id=disruption.operator_id) if handed_back else None
    request = ChangeRequest(
        kind=ChangeKind(draft.kind), effective_from=draft.effective_from, effective_until=draft.effective_until,
        recorded_by=actor.label[:128], route_code=route.code, new_value=draft.new_value, reason=draft.reason,
        old_value=operator.name if operator is not None else None,
        # Today or tomorrow cannot wait for quiet hours or a broadcast; a route handed back from next month can.
        is_urgent=draft.effective_from <= council_day(now) + URGENT_WITHIN, reference=disruption.reference,
    )
    try:
        recorded = await record_change(session, request=request, now=now, council_phone=council_phone)
    except ChangeError as error:
        raise DraftError(error.field, str(error).split(": ", 1)[-1]) from None
    draft.status, draft.decided_at, draft.decided_by, draft.change_id = DraftStatus.CONFIRMED, now, actor.label[:254], recorded.change.id
    await save_draft(session, draft=draft)
    disruption.status, disruption.families_told_at, disruption.carers_told = DisruptionStatus.CONFIRMED, now, recorded.carers
    await save_disruption(session, disruption=disruption)
    await record_audit(
        session, actor=actor, action="disruption.draft_confirmed", object_type="operator_disruption",
        object_ids=[disruption.id or 0],
        detail={"reference": disruption.reference, "change": recorded.change.reference, "carers_told": recorded.carers},
        origin=origin, now=now,
    )
    return draft


async def reject_draft(
    session: AsyncSession, *, disruption_id: int, reason: str, actor: Actor, now: datetime, origin: RequestOrigin | None = None
) -> TransportChangeDraft:
    """Reject the draft: no family is told; the reason is kept."""
    disruption, draft = await open_draft(session, disruption_id=disruption_id)
    if not reason.strip():
        raise DraftError("reason", "Say why the draft is rejected")
    draft.status, draft.decided_at, draft.decided_by = DraftStatus.REJECTED, now, actor.label[:254]
    await save_draft(session, draft=draft)
    disruption.status = DisruptionStatus.REJECTED
    await save_disruption(session, disruption=disruption)
    await record_audit(
        session, actor=actor, action="disruption.draft_rejected", object_type="operator_disruption",
        object_ids=[disruption.id or 0], detail={"reference": disruption.reference, "reason": reason.strip()[:300]},
        origin=origin, now=now,
    )
    return draft


async def confirm_withdrawal(
    session: AsyncSession, *, disruption_ids: list[int], edits: DraftEdits, actor: Actor, now: datetime, council_phone: str,
    origin: RequestOrigin | None = None,
) -> list[TransportChangeDraft]:
    """An operator handing back several routes: confirm every route's draft at once, each a change on its own route."""
    if not disruption_ids or len(set(disruption_ids)) != len(disruption_ids):
        raise DraftError("disruption_ids", "Give each withdrawn route's report once")
    operators: set[int] = set()
    for disruption_id in disruption_ids:
        disruption, _ = await open_draft(session, disruption_id=disruption_id)
        if disruption.kind != DisruptionKind.CANNOT_RUN_FROM:
            raise DraftError("disruption_ids", f"Report {disruption.reference} is not a route the operator cannot run")
        operators.add(disruption.operator_id)
    if len(operators) != 1:
        raise DraftError("disruption_ids", "Confirm one operator's withdrawn routes at a time")
    drafts = [
        await confirm_draft(
            session, disruption_id=disruption_id, edits=edits, actor=actor, now=now, council_phone=council_phone, origin=origin
        )
        for disruption_id in disruption_ids
    ]
    await record_audit(
        session, actor=actor, action="disruption.withdrawal_confirmed", object_type="operator", object_ids=sorted(operators),
        detail={"reports": disruption_ids, "changes": [draft.change_id for draft in drafts]}, origin=origin, now=now,
    )
    return drafts
