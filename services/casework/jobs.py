"""Scheduled casework housekeeping: the sweep of attachment files no record points to."""

from __future__ import annotations

import logging

from db.types import utc_now
from messaging.runtime_registry import current_services
from services.casework.attachments import sweep_orphaned_attachments

logger = logging.getLogger(__name__)


async def sweep_attachment_files() -> None:
    """APScheduler job ("services.casework.jobs:sweep_attachment_files"): remove orphaned attachment files."""
    services = current_services()
    if services is None:
        logger.warning("attachment sweep skipped: no running service")
        return
    async with services.database.transaction() as session:
        removed = await sweep_orphaned_attachments(session, attachments_dir=services.settings.attachments_dir, now=utc_now())
    if removed:
        logger.info("removed %d orphaned attachment files", removed)
