"""Erasure for families' contact details: the carer's names, numbers, emails and addresses, and their texts to us."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.delivery.notify_receipts import delete_inbound_texts_from
from db.dao.transport.contacts import deidentify_contact_changes, erase_contacts, fetch_contacts_for_carer
from db.types import utc_now
from services.privacy.targets import ErasureTarget


async def erase_contacts_for(session: AsyncSession, target: ErasureTarget) -> None:
    """Empty the carer's contacts (kept as erased, so no import refills them), delete their texts, unname their changes."""
    contacts = await fetch_contacts_for_carer(session, carer_id=target.carer_id)
    numbers = [contact.mobile_e164 for contact in contacts if contact.mobile_e164]
    await delete_inbound_texts_from(session, numbers=numbers)
    await erase_contacts(session, contacts=contacts, now=utc_now())
    # The consent record per channel keeps what changed and when, no longer whose.
    await deidentify_contact_changes(session, carer_id=target.carer_id)
