"""Erasure for the outbox: the carer's chat id, words and buttons go; states, times and counts stay."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.outbox import erase_carer_delivery_records

if TYPE_CHECKING:
    from services.erasure import ErasureTarget


async def erase_delivery_for(session: AsyncSession, target: "ErasureTarget") -> None:
    """De-identify every outbox row of the carer (change notices keep only the pseudonymous carer id)."""
    await erase_carer_delivery_records(session, carer_id=target.carer_id)
