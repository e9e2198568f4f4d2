"""Erasure for families' contact details: the carer's names, numbers, emails and addresses, and their texts to us."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.delivery.notify_receipts import delete_inbound_texts_from
from db.dao.transport.contacts import erase_contacts, fetch_contacts_for_carer
from db.types import utc_now
from services.privacy.targets import ErasureTarget


async def erase_contacts_for(session: AsyncSession, target: ErasureTarget) -> None:
    """Empty the carer's contact rows (kept as erased, so a re-import leaves them empty) and delete texts from their mobiles."""
    contacts = await fetch_contacts_for_carer(session, carer_id=target.carer_id)
    numbers = [contact.mobile_e164 for contact in contacts if contact.mobile_e164]
    await delete_inbound_texts_from(session, numbers=numbers)
    await erase_contacts(session, contacts=contacts, now=utc_now())
