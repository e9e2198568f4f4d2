"""The standing job that sends scheduled broadcasts (due times live in the broadcasts table, so restarts lose nothing)."""

from __future__ import annotations

import logging

from db.types import utc_now
from messaging.runtime_registry import current_services
from services.broadcasts.workflow import send_due_broadcasts
from services.carers.channel_plans import CouncilContact

logger = logging.getLogger(__name__)


async def send_scheduled_broadcasts() -> None:
    """Hand every broadcast whose time has come to the delivery engine."""
    services = current_services()
    if services is None:
        return
    async with services.database.transaction() as session:
        sent = await send_due_broadcasts(session, now=utc_now(), council=CouncilContact.from_settings(services.settings))
    if sent:
        logger.info("scheduled broadcasts: %d sent to the outbox", sent)
