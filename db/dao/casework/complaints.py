"""Data access for complaints, their timeline and their attachments."""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models.casework import (
    Complaint,
    ComplaintAttachment,
    ComplaintEvent,
    ComplaintStatus,
    EventActor,
)
from db.models.transport import Child


async def save_complaint(session: AsyncSession, *, complaint: Complaint) -> Complaint:
    """Insert or update a complaint."""
    session.add(complaint)
    await session.flush()
    return complaint


async def fetch_complaint(session: AsyncSession, *, complaint_id: int, for_update: bool = False) -> Complaint | None:
    """One complaint by id; `for_update` locks it so two officers cannot take the same step at once."""
    statement = select(Complaint).where(Complaint.id == complaint_id)
    if for_update:
        statement = statement.with_for_update()
    return (await session.exec(statement)).first()


async def fetch_complaint_by_reference(session: AsyncSession, *, reference: str) -> Complaint | None:
    """One complaint by its reference (HTST-2026-00042)."""
    return (await session.exec(select(Complaint).where(Complaint.reference == reference))).first()


async def fetch_open_complaints(session: AsyncSession) -> list[tuple[Complaint, Child | None]]:
    """Complaints waiting for an officer (acknowledgement or response), oldest first, with the child."""
    result = await session.exec(
        select(Complaint, Child)
        .outerjoin(Child, col(Child.id) == Complaint.child_id)
        .where(
            col(Complaint.status).in_(
                [ComplaintStatus.AWAITING_ACKNOWLEDGEMENT.value, ComplaintStatus.AWAITING_RESPONSE.value]
            )
        )
        .order_by(col(Complaint.id))
    )
    return list(result.all())


async def fetch_complaints_for_carer(session: AsyncSession, *, carer_id: int, limit: int = 10) -> list[Complaint]:
    """A carer's own complaints, newest first."""
    result = await session.exec(
        select(Complaint)
        .where(Complaint.carer_id == carer_id)
        .order_by(col(Complaint.stage1_received_at).desc(), col(Complaint.id).desc())
        .limit(limit)
    )
    return list(result.all())


async def save_complaint_event(session: AsyncSession, *, event: ComplaintEvent) -> ComplaintEvent:
    """Add one step to a complaint's timeline."""
    session.add(event)
    await session.flush()
    return event


async def fetch_complaint_events(session: AsyncSession, *, complaint_id: int) -> list[ComplaintEvent]:
    """A complaint's timeline, oldest first."""
    result = await session.exec(
        select(ComplaintEvent)
        .where(ComplaintEvent.complaint_id == complaint_id)
        .order_by(col(ComplaintEvent.occurred_at), col(ComplaintEvent.id))
    )
    return list(result.all())


async def fetch_staff_ids_at_stage(session: AsyncSession, *, complaint_id: int, stage: int) -> set[int]:
    """Every officer who took a step at one stage of a complaint."""
    result = await session.exec(
        select(ComplaintEvent.actor_staff_id).where(
            ComplaintEvent.complaint_id == complaint_id,
            ComplaintEvent.stage == stage,
            col(ComplaintEvent.actor_staff_id).is_not(None),
        )
    )
    return {int(staff_id) for staff_id in result.all() if staff_id is not None}


async def save_attachment(session: AsyncSession, *, attachment: ComplaintAttachment) -> ComplaintAttachment:
    """Record an attachment whose bytes are already on disk."""
    session.add(attachment)
    await session.flush()
    return attachment


async def fetch_attachments(session: AsyncSession, *, complaint_id: int) -> list[ComplaintAttachment]:
    """A complaint's attachments, in the order they came."""
    result = await session.exec(
        select(ComplaintAttachment)
        .where(ComplaintAttachment.complaint_id == complaint_id)
        .order_by(col(ComplaintAttachment.id))
    )
    return list(result.all())


async def fetch_attachment(session: AsyncSession, *, attachment_id: int) -> ComplaintAttachment | None:
    """One attachment by id."""
    return await session.get(ComplaintAttachment, attachment_id)


async def fetch_all_attachment_names(session: AsyncSession) -> list[str]:
    """Stored file name of every attachment still recorded (the sweep keeps only these files)."""
    result = await session.exec(select(ComplaintAttachment.stored_name))
    return [str(name) for name in result.all()]


async def fetch_complaints_to_erase(session: AsyncSession, *, carer_id: int) -> list[tuple[Complaint, str | None]]:
    """Erasure: the carer's complaints with the name of the child each was about (for redaction)."""
    result = await session.exec(
        select(Complaint, Child.display_name)
        .outerjoin(Child, col(Child.id) == Complaint.child_id)
        .where(Complaint.carer_id == carer_id)
        .order_by(col(Complaint.id))
    )
    return [(complaint, child_name) for complaint, child_name in result.all()]


async def fetch_staff_notes(session: AsyncSession, *, complaint_ids: list[int]) -> list[ComplaintEvent]:
    """Erasure: the timeline steps officers wrote words on (answers, extension reasons, closing notes)."""
    if not complaint_ids:
        return []
    result = await session.exec(
        select(ComplaintEvent).where(
            col(ComplaintEvent.complaint_id).in_(complaint_ids),
            ComplaintEvent.actor == EventActor.STAFF,
            col(ComplaintEvent.note).is_not(None),
        )
    )
    return list(result.all())


async def deidentify_complaints_for_carer(session: AsyncSession, *, carer_id: int) -> int:
    """Erasure: keep categories, stages, dates, outcomes and officers' (already redacted) words; drop the family's."""
    ids = list(
        (await session.exec(select(Complaint.id).where(Complaint.carer_id == carer_id))).all()
    )
    if not ids:
        return 0
    await session.exec(delete(ComplaintAttachment).where(col(ComplaintAttachment.complaint_id).in_(ids)))
    # Words of anyone but an officer (the family's reasons, system notes) go; kinds and dates stay.
    await session.exec(
        update(ComplaintEvent)
        .where(col(ComplaintEvent.complaint_id).in_(ids), ComplaintEvent.actor != EventActor.STAFF)
        .values(note=None)
    )
    await session.exec(
        update(ComplaintEvent)
        .where(col(ComplaintEvent.complaint_id).in_(ids), ComplaintEvent.actor == EventActor.CARER)
        .values(data={})
    )
    await session.exec(
        update(Complaint)
        .where(col(Complaint.id).in_(ids))
        .values(carer_id=None, child_id=None, description=None, escalation_reason=None)
    )
    return len(ids)


async def fetch_complaints_with_child(
    session: AsyncSession, *, statuses: list[str] | None = None, limit: int = 500
) -> list[tuple[Complaint, Child | None]]:
    """Complaints (optionally only in some statuses) with their child, newest first."""
    statement = select(Complaint, Child).outerjoin(Child, col(Child.id) == Complaint.child_id)
    if statuses is not None:
        statement = statement.where(col(Complaint.status).in_(statuses))
    result = await session.exec(statement.order_by(col(Complaint.id).desc()).limit(limit))
    return list(result.all())
