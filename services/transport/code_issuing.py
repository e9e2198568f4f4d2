"""Link codes issued by staff for the council's letters: for one child, by council reference, or for every
child without a usable code; each issue audited (the code is shown once, only its hash kept)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.carers.linking import fetch_children_by_reference, fetch_children_without_active_code
from db.dao.transport.staff import fetch_child_by_id
from services.carers.codes import IssuedCode, issue_linking_codes
from services.staff.audit import Actor, RequestOrigin, record_audit
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
