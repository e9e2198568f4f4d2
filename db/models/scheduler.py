"""One row per scheduled run claimed by a replica, so each job runs once per due time across replicas."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, utc_now


class ScheduledJobRun(SQLModel, table=True):
    """A (job, due time) pair some replica claimed with INSERT ... ON CONFLICT DO NOTHING and then ran."""

    __tablename__ = "scheduled_job_runs"
    __table_args__ = (UniqueConstraint("job_id", "due_at", name="uq_scheduled_job_runs_job_id_due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    job_id: str = Field(sa_column=Column(String(191), nullable=False))
    due_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
    # hostname:pid of the replica that ran it, for the operator reading the table after an incident.
    claimed_by: str = Field(sa_column=Column(String(191), nullable=False))
    claimed_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False))
