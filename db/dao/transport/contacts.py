"""Data access for families' contact details (family_contacts)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import ContactChange, FamilyContact, School


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


async def fetch_contact(session: AsyncSession, *, contact_id: int) -> FamilyContact | None:
    """One contact by id."""
    return await session.get(FamilyContact, contact_id)


async def save_contacts(session: AsyncSession, *, contacts: Sequence[FamilyContact]) -> None:
    """Save new or changed contacts."""
    for contact in contacts:
        session.add(contact)
    await session.flush()


async def next_free_position(session: AsyncSession, *, child_id: int) -> int:
    """A position for a contact added in Carerline: 3 or above, so the import's carer1/carer2 never overwrite it."""
    result = await session.exec(select(func.max(FamilyContact.position)).where(FamilyContact.child_id == child_id))
    highest = result.one() or 0
    return max(highest, 2) + 1


async def save_contact_change(session: AsyncSession, *, change: ContactChange) -> ContactChange:
    """Record one change to a family's contact details (the consent record per channel)."""
    session.add(change)
    await session.flush()
    return change


async def fetch_contact_changes_for_carer(session: AsyncSession, *, carer_id: int) -> list[ContactChange]:
    """The carer's contact changes, oldest first."""
    result = await session.exec(
        select(ContactChange).where(ContactChange.carer_id == carer_id).order_by(col(ContactChange.occurred_at), col(ContactChange.id))
    )
    return list(result.all())


async def deidentify_contact_changes(session: AsyncSession, *, carer_id: int) -> int:
    """Keep the facts of each change but cut them loose from the carer."""
    result = await session.exec(update(ContactChange).where(col(ContactChange.carer_id) == carer_id).values(carer_id=None))
    return int(result.rowcount or 0)


async def fetch_school_name(session: AsyncSession, *, school_id: int) -> str:
    """A school's name (for the child's page)."""
    school = await session.get(School, school_id)
    return school.name if school else ""


async def fetch_contacts_by_ids(session: AsyncSession, *, contact_ids: Sequence[int]) -> list[FamilyContact]:
    """Contacts by id (erased ones too: the caller decides)."""
    if not contact_ids:
        return []
    result = await session.exec(select(FamilyContact).where(col(FamilyContact.id).in_(list(contact_ids))))
    return list(result.all())


async def fetch_contacts_for_carers(session: AsyncSession, *, carer_ids: Sequence[int]) -> dict[int, list[FamilyContact]]:
    """{carer id: the contacts they are attached to}, in chunks of 1,000 carers."""
    found: dict[int, list[FamilyContact]] = {}
    ids = list(carer_ids)
    for start in range(0, len(ids), 1000):
        result = await session.exec(select(FamilyContact).where(col(FamilyContact.carer_id).in_(ids[start : start + 1000])))
        for contact in result.all():
            found.setdefault(contact.carer_id or 0, []).append(contact)
    return found
