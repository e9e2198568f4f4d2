"""The schedule: every standing job, wired here by the application (APScheduler stores jobs by reference,
so each job is a module-level function; replace_existing keeps one copy of each across restarts)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from apscheduler.schedulers.base import BaseScheduler

from messaging.runtime_registry import current_services

HEARTBEAT_JOB_ID = "heartbeat"
HEARTBEAT_INTERVAL_S = 30
CHANGE_FOLLOWUPS_JOB_ID = "change-followups"
CHANGE_FOLLOWUPS_INTERVAL_S = 60
CASEWORK_DIGEST_JOB_ID = "casework-daily-digest"
ATTACHMENT_SWEEP_JOB_ID = "attachment-sweep"
SITREP_JOB_ID = "fortnightly-sitrep"
SCHEDULED_BROADCASTS_JOB_ID = "scheduled-broadcasts"
SCHEDULED_BROADCASTS_INTERVAL_S = 30
SURVEY_FOLLOWUPS_JOB_ID = "survey-followups"
SURVEY_FOLLOWUPS_INTERVAL_S = 60


async def record_heartbeat() -> None:
    """Show on /metrics that the scheduler is alive."""
    services = current_services()
    if services is not None:
        services.metrics.scheduler_heartbeat.set(time.time())


def add_standing_jobs(scheduler: BaseScheduler) -> None:
    """Every job each process schedules, from the heartbeat to the fortnightly SitRep."""
    scheduler.add_job(
        "carerline.jobs:record_heartbeat",
        trigger="interval",
        seconds=HEARTBEAT_INTERVAL_S,
        id=HEARTBEAT_JOB_ID,
        replace_existing=True,
    )
    # Reminders and the call list's escalations: due times live in our tables, this job acts on them.
    scheduler.add_job(
        "services.changes.jobs:run_change_followups",
        trigger="interval",
        seconds=CHANGE_FOLLOWUPS_INTERVAL_S,
        id=CHANGE_FOLLOWUPS_JOB_ID,
        replace_existing=True,
        next_run_time=datetime.now(UTC),
    )
    # Casework: the officers' digest on weekday mornings, and files left by erasures or crashes swept nightly.
    scheduler.add_job(
        "services.casework.digest:send_daily_digest",
        trigger="cron",
        day_of_week="mon-fri",
        hour=7,
        minute=30,
        timezone="Europe/London",
        id=CASEWORK_DIGEST_JOB_ID,
        replace_existing=True,
    )
    scheduler.add_job(
        "services.casework.jobs:sweep_attachment_files",
        trigger="cron",
        hour=2,
        minute=40,
        timezone="Europe/London",
        id=ATTACHMENT_SWEEP_JOB_ID,
        replace_existing=True,
    )
    # The officers' SitRep every other Monday at 08:00 (odd ISO weeks), emailed if the duty email is set.
    scheduler.add_job(
        "reports.sitrep:send_fortnightly_sitrep",
        trigger="cron",
        week="*/2",
        day_of_week="mon",
        hour=8,
        minute=0,
        timezone="Europe/London",
        id=SITREP_JOB_ID,
        replace_existing=True,
    )
    """Schedule the standing job once (replace_existing keeps one copy across restarts)."""
    scheduler.add_job(
        "services.broadcasts.jobs:send_scheduled_broadcasts",
        trigger="interval",
        seconds=SCHEDULED_BROADCASTS_INTERVAL_S,
        id=SCHEDULED_BROADCASTS_JOB_ID,
        replace_existing=True,
    )
    """Schedule the standing job once (replace_existing keeps one copy across restarts)."""
    scheduler.add_job(
        "services.surveys.jobs:send_survey_followups",
        trigger="interval",
        seconds=SURVEY_FOLLOWUPS_INTERVAL_S,
        id=SURVEY_FOLLOWUPS_JOB_ID,
        replace_existing=True,
    )
