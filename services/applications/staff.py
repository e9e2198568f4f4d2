"""The staff side's linking codes and HTST applications: the domain services, each action audited."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.carers.linking import fetch_children_by_reference, fetch_children_without_active_code
from db.dao.transport.staff import fetch_child_by_id
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
from services.carers.codes import IssuedCode, issue_linking_codes
from services.transport.staff import TransportNotFound


async def issue_code_for_child(
    session: AsyncSession,
    *,
    child_id: int,
    ttl_days: int,
    actor: Actor,
    origin: RequestOrigin | None,
    now: datetime,
) -> IssuedCode:
    """A new code for one active child (shown once, only its hash kept); audited."""
    child = await fetch_child_by_id(session, child_id=child_id)
    if child is None or not child.is_active:
        raise TransportNotFound(f"no child {child_id}")
    [issued] = await issue_linking_codes(session, children=[child], ttl_days=ttl_days, now=now)
    await record_audit(
        session,
        actor=actor,
        action="linking_code.issued",
        object_type="child",
        object_ids=[child_id],
        detail={"codes": 1},
        origin=origin,
        now=now,
    )
    return issued


async def issue_code_for_council_reference(
    session: AsyncSession,
    *,
    council_reference: str,
    ttl_days: int,
    actor: Actor,
    origin: RequestOrigin | None,
    now: datetime,
) -> IssuedCode:
    """A new code for the child with this council reference (TransportNotFound if none); audited."""
    children = await fetch_children_by_reference(session, council_references=[council_reference])
    if not children or children[0].id is None:
        raise TransportNotFound(f"no child {council_reference}")
    return await issue_code_for_child(
        session, child_id=children[0].id, ttl_days=ttl_days, actor=actor, origin=origin, now=now
    )


async def issue_codes_for_children_without_one(
    session: AsyncSession,
    *,
    ttl_days: int,
    actor: Actor,
    origin: RequestOrigin | None,
    now: datetime,
) -> list[IssuedCode]:
    """A code for every active child with no usable code, in one transaction with its audit row."""
    children = await fetch_children_without_active_code(session, now=now)
    issued = (
        await issue_linking_codes(session, children=children, ttl_days=ttl_days, now=now)
        if children
        else []
    )
    await record_audit(
        session,
        actor=actor,
        action="linking_code.batch_issued",
        object_type="child",
        object_ids=[item.child_id for item in issued][:500],
        detail={"codes": len(issued)},
        origin=origin,
        now=now,
    )
    return issued


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
