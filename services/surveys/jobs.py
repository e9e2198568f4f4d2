"""The standing job for surveys: reminders and closing (due times live in the surveys table, so restarts lose nothing)."""

from __future__ import annotations

import logging

from db.types import utc_now
from messaging.runtime_registry import current_services
from services.surveys.workflow import run_survey_followups

logger = logging.getLogger(__name__)


async def send_survey_followups() -> None:
    """Queue due reminders and close surveys whose closing time has come."""
    services = current_services()
    if services is None:
        return
    async with services.database.transaction() as session:
        outcome = await run_survey_followups(session, now=utc_now())
    if outcome.reminders_queued or outcome.surveys_closed:
        logger.info("surveys: %d reminder(s) queued, %d survey(s) closed", outcome.reminders_queued, outcome.surveys_closed)
