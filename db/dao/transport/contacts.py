"""Data access for families' contact details (family_contacts)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import FamilyContact


async def fetch_contacts_for_children(
    session: AsyncSession, *, child_ids: Sequence[int]
) -> dict[tuple[int, int], FamilyContact]:
    """Contacts of these children, by (child id, position), in chunks of 1,000 children."""
    found: dict[tuple[int, int], FamilyContact] = {}
    ids = list(child_ids)
    for start in range(0, len(ids), 1000):
        result = await session.exec(select(FamilyContact).where(col(FamilyContact.child_id).in_(ids[start : start + 1000])))
        found.update({(contact.child_id, contact.position): contact for contact in result.all()})
    return found


async def fetch_contacts_of_child(session: AsyncSession, *, child_id: int) -> list[FamilyContact]:
    """A child's contacts, carer 1 first."""
    result = await session.exec(
        select(FamilyContact).where(FamilyContact.child_id == child_id).order_by(col(FamilyContact.position))
    )
    return list(result.all())


async def fetch_contacts_for_carer(session: AsyncSession, *, carer_id: int) -> list[FamilyContact]:
    """Contacts linked to a carer who linked in Telegram."""
    result = await session.exec(select(FamilyContact).where(FamilyContact.carer_id == carer_id))
    return list(result.all())


async def delete_contacts(session: AsyncSession, *, contact_ids: Sequence[int]) -> None:
    """Remove contacts the council no longer holds."""
    if contact_ids:
        await session.exec(delete(FamilyContact).where(col(FamilyContact.id).in_(list(contact_ids))))
        await session.flush()


async def erase_contacts(session: AsyncSession, *, contacts: Sequence[FamilyContact], now: datetime) -> None:
    """Empty every detail of these contacts; the rows stay, marked erased, so an import cannot bring them back."""
    for contact in contacts:
        contact.name = contact.mobile_e164 = contact.email = contact.postal_address = None
        contact.preferred_channel = None
        contact.erased_at = now
        session.add(contact)
    await session.flush()
