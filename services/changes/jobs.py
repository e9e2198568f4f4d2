"""Scheduled follow-ups of transport changes (stored in APScheduler's job table, so they survive restarts)."""

from __future__ import annotations

import logging

from db.types import utc_now
from messaging.runtime_registry import current_services
from services.changes.followups import escalate_unacknowledged, send_due_reminders

logger = logging.getLogger(__name__)


async def run_change_followups() -> None:
    """Queue due reminders and stamp notices joining the call list."""
    services = current_services()
    if services is None:
        return
    now = utc_now()
    async with services.database.transaction() as session:
        reminded = await send_due_reminders(
            session, now=now, council_phone=services.settings.council_transport_phone,
            council_hours=services.settings.council_transport_hours,
        )
        escalated = await escalate_unacknowledged(session, now=now)
    if reminded or escalated:
        logger.info("change follow-ups: %d reminder(s) queued, %d notice(s) now on the call list", reminded, escalated)
