"""The standing job that sends scheduled broadcasts (due times live in the broadcasts table, so restarts lose nothing)."""

from __future__ import annotations

import logging

from apscheduler.schedulers.base import BaseScheduler

from db.types import utc_now
from messaging.runtime_registry import current_services
from services.broadcasts import send_due_broadcasts

logger = logging.getLogger(__name__)
SCHEDULED_BROADCASTS_JOB_ID = "scheduled-broadcasts"
SCHEDULED_BROADCASTS_INTERVAL_S = 30


async def send_scheduled_broadcasts() -> None:
    """Hand every broadcast whose time has come to the delivery engine."""
    services = current_services()
    if services is None:
        return
    async with services.database.transaction() as session:
        sent = await send_due_broadcasts(session, now=utc_now())
    if sent:
        logger.info("scheduled broadcasts: %d sent to the outbox", sent)


def add_broadcast_jobs(scheduler: BaseScheduler) -> None:
    """Schedule the standing job once (replace_existing keeps one copy across restarts)."""
    scheduler.add_job(
        "services.broadcast_jobs:send_scheduled_broadcasts",
        trigger="interval",
        seconds=SCHEDULED_BROADCASTS_INTERVAL_S,
        id=SCHEDULED_BROADCASTS_JOB_ID,
        replace_existing=True,
    )
