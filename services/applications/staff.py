"""The staff side's HTST applications: record, change a stage, the overdue list; each action audited."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import ApplicationStage
from services.applications.stages import (
    CouncilContact,
    OverdueApplication,
    StageChangeResult,
    change_stage,
    fetch_overdue_applications,
    record_application,
)
from services.staff.audit import Actor, RequestOrigin, record_audit


async def record_application_as(
    session: AsyncSession,
    *,
    reference: str,
    council_reference: str,
    received_on: date,
    actor: Actor,
    origin: RequestOrigin | None,
    now: datetime,
    contact: CouncilContact,
) -> StageChangeResult:
    """Record a new application (ApplicationError if the child is unknown); audited."""
    result = await record_application(
        session,
        reference=reference,
        council_reference=council_reference,
        received_on=received_on,
        recorded_by=actor.label[:128],
        now=now,
        contact=contact,
    )
    await _audit(
        session, result, action="application.recorded", actor=actor, origin=origin, now=now
    )
    return result


async def change_stage_as(
    session: AsyncSession,
    *,
    reference: str,
    stage: ApplicationStage,
    note_for_family: str | None,
    actor: Actor,
    origin: RequestOrigin | None,
    now: datetime,
    contact: CouncilContact,
) -> StageChangeResult:
    """Move an application on and tell the family (ApplicationError if there is no such application); audited."""
    result = await change_stage(
        session,
        reference=reference,
        stage=stage,
        recorded_by=actor.label[:128],
        now=now,
        contact=contact,
        note_for_family=note_for_family,
    )
    await _audit(
        session, result, action="application.stage_changed", actor=actor, origin=origin, now=now
    )
    return result


async def _audit(
    session: AsyncSession,
    result: StageChangeResult,
    *,
    action: str,
    actor: Actor,
    origin: RequestOrigin | None,
    now: datetime,
) -> None:
    application = result.application
    await record_audit(
        session,
        actor=actor,
        action=action if result.is_changed else f"{action}.unchanged",
        object_type="htst_application",
        object_ids=[application.id or 0],
        detail={
            "reference": application.reference,
            "stage": application.stage,
            "queued": result.notices.queued,
        },
        origin=origin,
        now=now,
    )


async def overdue_applications_as(
    session: AsyncSession, *, today: date, actor: Actor, origin: RequestOrigin | None, now: datetime
) -> list[OverdueApplication]:
    """Open applications past 20 working days; audited, because they name children."""
    overdue = await fetch_overdue_applications(session, today=today)
    await record_audit(
        session,
        actor=actor,
        action="applications.overdue_viewed",
        object_type="htst_application",
        object_ids=[item.reference for item in overdue][:500],
        detail={"applications": len(overdue)},
        origin=origin,
        now=now,
    )
    return overdue
