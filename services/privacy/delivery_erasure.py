"""Erasure for the outbox: the carer's chat id, words and buttons go; states, times and counts stay."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.delivery.outbox import erase_carer_delivery_records
from services.privacy.targets import ErasureTarget


async def erase_delivery_for(session: AsyncSession, target: ErasureTarget) -> None:
    """De-identify every outbox row of the carer (change notices keep only the pseudonymous carer id)."""
    await erase_carer_delivery_records(session, carer_id=target.carer_id)
