"""APScheduler with its job store in our own database, so scheduled work survives restarts."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncio

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from db.migrate import sync_database_url
from messaging.scheduler_executor import EventLoopExecutor

JOB_TABLE = "apscheduler_jobs"  # created by our Alembic migration, not by APScheduler
HEARTBEAT_JOB_ID = "heartbeat"
HEARTBEAT_INTERVAL_S = 30
CHANGE_FOLLOWUPS_JOB_ID = "change-followups"
CHANGE_FOLLOWUPS_INTERVAL_S = 60
CASEWORK_DIGEST_JOB_ID = "casework-daily-digest"
ATTACHMENT_SWEEP_JOB_ID = "attachment-sweep"
SITREP_JOB_ID = "fortnightly-sitrep"


def build_scheduler(*, database_url: str, loop: asyncio.AbstractEventLoop) -> BackgroundScheduler:
    """A scheduler in its own thread, storing jobs in apscheduler_jobs and running them on `loop`.

    Call its blocking methods (start, add_job, shutdown) through asyncio.to_thread from async code.
    """
    connect_args = {"timeout": 30} if database_url.startswith("sqlite") else {}
    job_store = SQLAlchemyJobStore(
        url=sync_database_url(database_url),
        tablename=JOB_TABLE,
        engine_options={"connect_args": connect_args, "pool_pre_ping": True},
    )
    return BackgroundScheduler(
        jobstores={"default": job_store},
        executors={"default": EventLoopExecutor(loop=loop)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        timezone="Europe/London",
    )


def add_standing_jobs(scheduler: BackgroundScheduler) -> None:
    """Jobs every process schedules; replace_existing keeps one copy across restarts."""
    scheduler.add_job(
        "messaging.jobs:record_heartbeat",
        trigger="interval",
        seconds=HEARTBEAT_INTERVAL_S,
        id=HEARTBEAT_JOB_ID,
        replace_existing=True,
    )
    # Reminders and the call list's escalations: due times live in our tables, this job acts on them.
    scheduler.add_job(
        "messaging.followup_jobs:run_change_followups",
        trigger="interval",
        seconds=CHANGE_FOLLOWUPS_INTERVAL_S,
        id=CHANGE_FOLLOWUPS_JOB_ID,
        replace_existing=True,
        next_run_time=datetime.now(UTC),
    )
    # Casework: the officers' digest on weekday mornings, and files left by erasures or crashes swept nightly.
    scheduler.add_job(
        "services.casework_digest:send_daily_digest",
        trigger="cron",
        day_of_week="mon-fri",
        hour=7,
        minute=30,
        timezone="Europe/London",
        id=CASEWORK_DIGEST_JOB_ID,
        replace_existing=True,
    )
    scheduler.add_job(
        "services.casework_jobs:sweep_attachment_files",
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
