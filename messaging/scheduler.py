"""APScheduler in each process, and a claimed row per run so that replicas together run each job once.

Why a claimed row and not APScheduler's shared job store, an advisory lock or APScheduler 4:
- APScheduler 3 documents that one job store shared by two schedulers runs jobs twice or misses them.
- A PostgreSQL advisory lock only stops two replicas running a job at the same moment; a replica that
  fires a little later (clock skew, catching up after a restart) would run the same due time again,
  and SQLite has no advisory locks. A row per (job id, due time), inserted with ON CONFLICT DO NOTHING,
  says "this due time has been run" on both databases, and names the replica that ran it.
- APScheduler 4's shared data store is built for this, but 4.x is still a pre-release whose API
  changes between alphas; adopting it would rewrite our scheduling for an unstable dependency.
Every job is a standing job re-added at each start (carerline/jobs.py), so the job store is in memory:
the persistent store only ever gave us a run missed during a short restart, which the standing jobs
now catch up on by starting from one misfire grace period ago (the claim stops a double run).
"""

from __future__ import annotations

import asyncio
import os
import socket
from datetime import datetime, timedelta

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from db.dao.scheduler import claim_job_run, delete_job_runs_due_before
from db.engine import Database
from messaging.scheduler_executor import EventLoopExecutor, RunClaim

MISFIRE_GRACE_S = 300
ONCE_ACROSS_REPLICAS = "default"  # the executor that claims each run first
ON_EVERY_REPLICA = "every-replica"  # for per-process work such as the heartbeat
CLAIMS_KEPT_FOR = timedelta(days=7)


def replica_name() -> str:
    """This process as the claims table names it: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


def claim_runs_in(*, database: Database, replica: str) -> RunClaim:
    """A claim that inserts-or-skips the (job id, due time) row in one short transaction."""

    async def claim(job_id: str, due_at: datetime) -> bool:
        async with database.transaction() as session:
            is_won = await claim_job_run(session, job_id=job_id, due_at=due_at, claimed_by=replica)
            if is_won:
                await delete_job_runs_due_before(session, before=due_at - CLAIMS_KEPT_FOR)
        return is_won

    return claim


def build_scheduler(
    *, database: Database, loop: asyncio.AbstractEventLoop, replica: str | None = None
) -> BackgroundScheduler:
    """A scheduler in its own thread, its jobs in memory, each run claimed in `database` and run on `loop`.

    Call its blocking methods (start, add_job, shutdown) through asyncio.to_thread from async code.
    """
    claim = claim_runs_in(database=database, replica=replica or replica_name())
    return BackgroundScheduler(
        jobstores={"default": MemoryJobStore()},
        executors={
            ONCE_ACROSS_REPLICAS: EventLoopExecutor(loop=loop, claim=claim),
            ON_EVERY_REPLICA: EventLoopExecutor(loop=loop),
        },
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_S},
        timezone="Europe/London",
    )


async def finish_scheduled_jobs(scheduler: BackgroundScheduler, *, timeout_s: float) -> None:
    """After `shutdown`, let the jobs each executor is running finish before the database closes."""
    # APScheduler 3 has no public list of executors; ours are the two named in build_scheduler.
    for name in (ONCE_ACROSS_REPLICAS, ON_EVERY_REPLICA):
        executor = scheduler._lookup_executor(name)  # noqa: SLF001
        if isinstance(executor, EventLoopExecutor):
            await executor.finish_running_jobs(timeout_s=timeout_s)
