"""APScheduler with its job store in our own database, so scheduled work survives restarts."""

from __future__ import annotations

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import create_engine

from db.migrate import sync_database_url

JOB_TABLE = "apscheduler_jobs"  # created by our Alembic migration, not by APScheduler
HEARTBEAT_JOB_ID = "heartbeat"
HEARTBEAT_INTERVAL_S = 30


def build_scheduler(*, database_url: str) -> AsyncIOScheduler:
    """A scheduler whose default job store is the apscheduler_jobs table."""
    connect_args = {"timeout": 10} if database_url.startswith("sqlite") else {}
    engine = create_engine(sync_database_url(database_url), connect_args=connect_args, pool_pre_ping=True)
    job_store = SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE)
    return AsyncIOScheduler(
        jobstores={"default": job_store},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        timezone="Europe/London",
    )


def add_standing_jobs(scheduler: AsyncIOScheduler) -> None:
    """Jobs every process schedules; replace_existing keeps one copy across restarts."""
    scheduler.add_job(
        "messaging.jobs:record_heartbeat",
        trigger="interval",
        seconds=HEARTBEAT_INTERVAL_S,
        id=HEARTBEAT_JOB_ID,
        replace_existing=True,
    )
