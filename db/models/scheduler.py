"""APScheduler's job table, declared here so that Alembic, not APScheduler, creates it."""

from __future__ import annotations

from sqlalchemy import Column, Float, LargeBinary, String, Table
from sqlmodel import SQLModel

# Same shape as apscheduler.jobstores.sqlalchemy.SQLAlchemyJobStore (3.x) builds.
scheduler_jobs_table = Table(
    "apscheduler_jobs",
    SQLModel.metadata,
    Column("id", String(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
