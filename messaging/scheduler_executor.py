"""Run APScheduler's job-store work off the event loop, and its jobs on it.

With SQLite, a synchronous job-store write on the event loop's thread can wait for a write lock
held by one of our own async transactions, which cannot finish while the loop is blocked: a
deadlock until the busy timeout. So the scheduler runs in its own thread (BackgroundScheduler),
and this executor hands each coroutine job back to the service's event loop.

Given a claim, the executor runs a job only when the claim for its (job id, due time) is won, so of
several replicas firing the same due time exactly one runs it (see messaging/scheduler.py).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from datetime import datetime
from typing import Any

from apscheduler.executors.base import BaseExecutor, run_coroutine_job, run_job
from apscheduler.util import iscoroutinefunction_partial

logger = logging.getLogger(__name__)
RunClaim = Callable[[str, datetime], Awaitable[bool]]


class EventLoopExecutor(BaseExecutor):
    """Submit coroutine jobs to a given event loop from the scheduler's thread."""

    def __init__(self, *, loop: asyncio.AbstractEventLoop, claim: RunClaim | None = None) -> None:
        super().__init__()
        self._loop = loop
        self._claim = claim
        self._pending: set[Future[Any]] = set()

    def shutdown(self, wait: bool = True) -> None:
        """Take no more jobs; jobs already running finish in `finish_running_jobs` (a cancelled job could
        leave a transaction, and with SQLite the write lock, half-way)."""

    async def finish_running_jobs(self, *, timeout_s: float) -> None:
        """Wait up to `timeout_s` for running jobs to finish on the loop, then cancel what is left."""
        running = [asyncio.wrap_future(future) for future in list(self._pending)]
        if not running:
            return
        _, unfinished = await asyncio.wait(running, timeout=timeout_s)
        for future in unfinished:
            future.cancel()
        if unfinished:
            logger.warning("%d scheduled job(s) still running at shutdown were cancelled", len(unfinished))
            await asyncio.wait(unfinished, timeout=1.0)

    def _do_submit_job(self, job: Any, run_times: list[Any]) -> None:
        def on_done(future: Future[Any]) -> None:
            self._pending.discard(future)
            try:
                events = future.result()
            except BaseException:  # noqa: BLE001 - reported to APScheduler's listeners
                self._run_job_error(job.id, *sys.exc_info()[1:])
            else:
                self._run_job_success(job.id, events)

        future = asyncio.run_coroutine_threadsafe(self._run_if_claimed(job, run_times), self._loop)
        future.add_done_callback(on_done)
        self._pending.add(future)

    async def _run_if_claimed(self, job: Any, run_times: list[datetime]) -> list[Any]:
        """Run the job unless another replica has already claimed this due time (coalesced: the latest)."""
        if self._claim is not None:
            due_at = run_times[-1]
            if not await self._claim(job.id, due_at):
                logger.info("scheduled job %s due %s: already claimed by another replica", job.id, due_at.isoformat())
                return []
            logger.info("scheduled job %s due %s: claimed, running here", job.id, due_at.isoformat())
        if iscoroutinefunction_partial(job.func):
            return await run_coroutine_job(job, job._jobstore_alias, run_times, self._logger.name)
        return await asyncio.to_thread(run_job, job, job._jobstore_alias, run_times, self._logger.name)
