"""APScheduler with its job store in our own database, so scheduled work survives restarts."""

from __future__ import annotations

import asyncio

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from db.migrate import sync_database_url
from messaging.scheduler_executor import EventLoopExecutor

JOB_TABLE = "apscheduler_jobs"  # created by our Alembic migration, not by APScheduler


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
