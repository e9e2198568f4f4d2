"""Erasure for the outbox and change notices: the carer's chat id, words, buttons, chat pacing row and the
children each notice was about go; states, times and counts stay with the pseudonymous carer."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.changes import deidentify_change_notices_for_carer
from db.dao.delivery.outbox import delete_chat_delivery_state, erase_carer_delivery_records
from db.dao.operators import deidentify_disruption_notices_for_carer
from services.privacy.targets import ErasureTarget


async def erase_delivery_for(session: AsyncSession, target: ErasureTarget) -> None:
    """De-identify every outbox row and change notice of the carer and forget their chat's pacing row."""
    await erase_carer_delivery_records(session, carer_id=target.carer_id, chat_id=target.chat_id)
    await deidentify_change_notices_for_carer(session, carer_id=target.carer_id)
    await deidentify_disruption_notices_for_carer(session, carer_id=target.carer_id)
    if target.chat_id is not None:
        await delete_chat_delivery_state(session, chat_id=target.chat_id)
