"""Data access for HTST applications and their stage history."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import ApplicationStageChange, CarerChildLink, Child, HtstApplication


async def fetch_application_by_reference(session: AsyncSession, *, reference: str) -> HtstApplication | None:
    """One application by the council's reference."""
    return (await session.exec(select(HtstApplication).where(HtstApplication.reference == reference))).first()


async def save_application(session: AsyncSession, *, application: HtstApplication) -> HtstApplication:
    """Insert or update an application."""
    session.add(application)
    await session.flush()
    return application


async def save_stage_change(session: AsyncSession, *, step: ApplicationStageChange) -> ApplicationStageChange:
    """Add a step to an application's history."""
    session.add(step)
    await session.flush()
    return step


async def fetch_open_applications(session: AsyncSession, *, stages: Sequence[str]) -> list[tuple[HtstApplication, Child]]:
    """Applications in these stages, with their child, oldest first."""
    result = await session.exec(
        select(HtstApplication, Child)
        .join(Child, col(Child.id) == HtstApplication.child_id)
        .where(col(HtstApplication.stage).in_(list(stages)))
        .order_by(col(HtstApplication.received_on), col(HtstApplication.id))
    )
    return list(result.all())


async def fetch_applications_for_carer(session: AsyncSession, *, carer_id: int) -> list[tuple[HtstApplication, Child]]:
    """Applications for the children this carer is linked to."""
    result = await session.exec(
        select(HtstApplication, Child)
        .join(Child, col(Child.id) == HtstApplication.child_id)
        .join(CarerChildLink, col(CarerChildLink.child_id) == Child.id)
        .where(CarerChildLink.carer_id == carer_id)
        .order_by(col(HtstApplication.received_on), col(HtstApplication.id))
    )
    return list(result.all())


async def fetch_history(session: AsyncSession, *, application_ids: Sequence[int]) -> list[ApplicationStageChange]:
    """Every step of these applications, in order."""
    if not application_ids:
        return []
    result = await session.exec(
        select(ApplicationStageChange)
        .where(col(ApplicationStageChange.application_id).in_(list(application_ids)))
        .order_by(col(ApplicationStageChange.changed_at), col(ApplicationStageChange.id))
    )
    return list(result.all())
