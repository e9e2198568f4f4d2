"""After a report: the operator corrects or withdraws it within 10 minutes, or says it is resolved.

Families get one message per step, never a storm: a report is corrected at most once (a second
mistake is a withdrawal and a new report), and the follow-up goes only to the carers told of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.operators import fetch_disruption, fetch_disruptions, fetch_draft_of_disruption, fetch_route, save_disruption, save_draft
from db.models.transport import DisruptionStatus, DraftStatus, OperatorDisruption, StaffChanged
from services.casework.errors import council_day
from services.operators.family_notices import NoticeContext, NoticeStep, tell_families_again
from services.operators.reports import (
    FAMILY_KINDS,
    DisruptionError,
    DisruptionNotFound,
    NotYourRoute,
    TooLate,
    check_details,
    clean_note,
)
from services.staff.audit import Actor, RequestOrigin, record_audit

# "Sorry, wrong route": long enough to notice a slip, short enough that families are not misled for long.
CORRECTION_WINDOW = timedelta(minutes=10)


class Resolution(StrEnum):
    """How the operator closes a report families were told of."""

    BACK_ON_TIME = "back_on_time"
    ARRIVED = "arrived"


@dataclass(frozen=True)
class Correction:
    """New values for a report's details; None leaves a value as it was."""

    minutes_late: int | None = None
    staff_changed: StaffChanged | None = None
    new_staff_first_name: str | None = None
    note: str | None = None


async def own_disruption(
    session: AsyncSession, *, operator_id: int, disruption_id: int, for_update: bool = False
) -> OperatorDisruption:
    """One of this operator's reports; NotYourRoute for another operator's."""
    disruption = await fetch_disruption(session, disruption_id=disruption_id, for_update=for_update)
    if disruption is None:
        raise DisruptionNotFound("There is no report with that id")
    if disruption.operator_id != operator_id:
        raise NotYourRoute("This report is another operator's")
    return disruption


async def list_own_disruptions(session: AsyncSession, *, operator_id: int, now: datetime) -> list[OperatorDisruption]:
    """This operator's reports of the last week, newest first."""
    return await fetch_disruptions(session, operator_id=operator_id, since=now - timedelta(days=7))


def may_still_change(disruption: OperatorDisruption, *, now: datetime) -> bool:
    """True within 10 minutes of the report, while it is neither withdrawn nor decided."""
    open_statuses = {DisruptionStatus.FAMILIES_TOLD, DisruptionStatus.AWAITING_OFFICER, DisruptionStatus.COLLAPSED}
    return disruption.status in open_statuses and now - disruption.reported_at <= CORRECTION_WINDOW


async def correct_disruption(
    session: AsyncSession, *, operator_id: int, disruption_id: int, correction: Correction, actor: Actor,
    now: datetime, council_phone: str, origin: RequestOrigin | None = None,
) -> OperatorDisruption:
    """Change a report's details within 10 minutes; families already told get one correction."""
    disruption = await own_disruption(session, operator_id=operator_id, disruption_id=disruption_id, for_update=True)
    _check_window(disruption, now=now)
    if disruption.corrected_at is not None:
        raise TooLate("This report was corrected once already; withdraw it and report again")
    kind = disruption.kind
    minutes = correction.minutes_late if correction.minutes_late is not None else disruption.minutes_late
    staff = correction.staff_changed or disruption.staff_changed
    name = correction.new_staff_first_name or disruption.new_staff_first_name
    name = check_details(
        kind, minutes_late=minutes, staff_changed=staff, new_staff_first_name=name,
        from_date=disruption.from_date, today=council_day(now),
    )
    if correction == Correction():
        raise DisruptionError("body", "Give at least one detail to correct")
    disruption.minutes_late, disruption.staff_changed, disruption.new_staff_first_name = minutes, staff, name
    if correction.note is not None:
        disruption.note = clean_note(correction.note)
    disruption.corrected_at = now
    await save_disruption(session, disruption=disruption)
    told = 0
    if disruption.status == DisruptionStatus.FAMILIES_TOLD:
        told = await tell_families_again(
            session, disruption=disruption, step=NoticeStep.CORRECTED, context=await _context(session, disruption, council_phone), now=now
        )
    await _audit(session, disruption, action="disruption.corrected", actor=actor, origin=origin, now=now, carers=told)
    return disruption


async def withdraw_disruption(
    session: AsyncSession, *, operator_id: int, disruption_id: int, actor: Actor, now: datetime, council_phone: str,
    origin: RequestOrigin | None = None,
) -> OperatorDisruption:
    """Take a report back within 10 minutes: families told get one "please ignore", a draft is closed."""
    disruption = await own_disruption(session, operator_id=operator_id, disruption_id=disruption_id, for_update=True)
    _check_window(disruption, now=now)
    was = disruption.status
    disruption.status = DisruptionStatus.WITHDRAWN
    disruption.withdrawn_at = now
    await save_disruption(session, disruption=disruption)
    told = 0
    if was == DisruptionStatus.FAMILIES_TOLD:
        told = await tell_families_again(
            session, disruption=disruption, step=NoticeStep.WITHDRAWN, context=await _context(session, disruption, council_phone), now=now
        )
    draft = await fetch_draft_of_disruption(session, disruption_id=disruption.id or 0, for_update=True)
    if draft is not None and draft.status == DraftStatus.DRAFT:
        draft.status, draft.decided_at, draft.decided_by = DraftStatus.REJECTED, now, f"withdrawn by {actor.label}"[:254]
        await save_draft(session, draft=draft)
    await _audit(session, disruption, action="disruption.withdrawn", actor=actor, origin=origin, now=now, carers=told)
    return disruption


async def resolve_disruption(
    session: AsyncSession, *, operator_id: int, disruption_id: int, resolution: Resolution, actor: Actor,
    now: datetime, council_phone: str, origin: RequestOrigin | None = None,
) -> OperatorDisruption:
    """"Back on time" or "arrived": keep the promise with one follow-up to every carer told."""
    disruption = await own_disruption(session, operator_id=operator_id, disruption_id=disruption_id, for_update=True)
    if disruption.kind not in FAMILY_KINDS:
        raise TooLate("A cancellation is resolved by the council's officer, not here")
    if disruption.status == DisruptionStatus.COLLAPSED and disruption.collapsed_into_id is not None:
        disruption = await own_disruption(
            session, operator_id=operator_id, disruption_id=disruption.collapsed_into_id, for_update=True
        )
    if disruption.status != DisruptionStatus.FAMILIES_TOLD:
        raise TooLate(f"This report is {disruption.status.replace('_', ' ')} already")
    disruption.status = DisruptionStatus.RESOLVED
    disruption.resolved_at = now
    disruption.resolution = Resolution(resolution).value
    await save_disruption(session, disruption=disruption)
    told = await tell_families_again(
        session, disruption=disruption, step=NoticeStep.RESOLVED, context=await _context(session, disruption, council_phone), now=now
    )
    await _audit(session, disruption, action="disruption.resolved", actor=actor, origin=origin, now=now, carers=told)
    return disruption


def _check_window(disruption: OperatorDisruption, *, now: datetime) -> None:
    if not may_still_change(disruption, now=now):
        raise TooLate(
            "A report can be corrected or withdrawn only within 10 minutes, before it is resolved or decided; "
            "call the council's transport team"
        )


async def _context(session: AsyncSession, disruption: OperatorDisruption, council_phone: str) -> NoticeContext:
    route = await fetch_route(session, route_id=disruption.route_id)
    return NoticeContext(route_code=route.code if route else "-", council_phone=council_phone)


async def _audit(
    session: AsyncSession, disruption: OperatorDisruption, *, action: str, actor: Actor,
    origin: RequestOrigin | None, now: datetime, carers: int,
) -> None:
    await record_audit(
        session, actor=actor, action=action, object_type="operator_disruption", object_ids=[disruption.id or 0],
        detail={"reference": disruption.reference, "carers_told": carers}, origin=origin, now=now,
    )
