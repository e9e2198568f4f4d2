"""Data access for scheduled runs: the claim that makes a job run once per due time across replicas."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.portable import insert_ignoring_conflicts
from db.models import ScheduledJobRun
from db.types import utc_now


async def claim_job_run(session: AsyncSession, *, job_id: str, due_at: datetime, claimed_by: str) -> bool:
    """Insert-or-skip the (job, due time) row; True when this caller won it and should run the job."""
    return await insert_ignoring_conflicts(
        session,
        ScheduledJobRun,
        values={"job_id": job_id, "due_at": due_at, "claimed_by": claimed_by, "claimed_at": utc_now()},
        conflict_columns=["job_id", "due_at"],
    )


async def delete_job_runs_due_before(session: AsyncSession, *, before: datetime) -> int:
    """Forget claims older than any due time a replica could still be catching up on."""
    result = await session.exec(delete(ScheduledJobRun).where(ScheduledJobRun.due_at < before))  # type: ignore[arg-type]
    return int(result.rowcount or 0)


async def fetch_job_runs(session: AsyncSession, *, job_id: str) -> list[ScheduledJobRun]:
    """Every remembered run of one job, oldest due time first."""
    statement = select(ScheduledJobRun).where(ScheduledJobRun.job_id == job_id).order_by(ScheduledJobRun.due_at)  # type: ignore[arg-type]
    return list((await session.exec(statement)).all())
