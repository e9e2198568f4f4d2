"""The standing job for surveys: reminders and closing (due times live in the surveys table, so restarts lose nothing)."""

from __future__ import annotations

import logging

from apscheduler.schedulers.base import BaseScheduler

from db.types import utc_now
from messaging.runtime_registry import current_services
from services.surveys import run_survey_followups

logger = logging.getLogger(__name__)
SURVEY_FOLLOWUPS_JOB_ID = "survey-followups"
SURVEY_FOLLOWUPS_INTERVAL_S = 60


async def send_survey_followups() -> None:
    """Queue due reminders and close surveys whose closing time has come."""
    services = current_services()
    if services is None:
        return
    async with services.database.transaction() as session:
        outcome = await run_survey_followups(session, now=utc_now())
    if outcome.reminders_queued or outcome.surveys_closed:
        logger.info("surveys: %d reminder(s) queued, %d survey(s) closed", outcome.reminders_queued, outcome.surveys_closed)


def add_survey_jobs(scheduler: BaseScheduler) -> None:
    """Schedule the standing job once (replace_existing keeps one copy across restarts)."""
    scheduler.add_job(
        "services.survey_jobs:send_survey_followups",
        trigger="interval",
        seconds=SURVEY_FOLLOWUPS_INTERVAL_S,
        id=SURVEY_FOLLOWUPS_JOB_ID,
        replace_existing=True,
    )
