"""Run APScheduler's job-store work off the event loop, and its jobs on it.

With SQLite, a synchronous job-store write on the event loop's thread can wait for a write lock
held by one of our own async transactions, which cannot finish while the loop is blocked: a
deadlock until the busy timeout. So the scheduler runs in its own thread (BackgroundScheduler),
and this executor hands each coroutine job back to the service's event loop.
"""

from __future__ import annotations

import asyncio
import sys
from concurrent.futures import Future
from typing import Any

from apscheduler.executors.base import BaseExecutor, run_coroutine_job, run_job
from apscheduler.util import iscoroutinefunction_partial


class EventLoopExecutor(BaseExecutor):
    """Submit coroutine jobs to a given event loop from the scheduler's thread."""

    def __init__(self, *, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._loop = loop
        self._pending: set[Future[Any]] = set()

    def shutdown(self, wait: bool = True) -> None:
        """Cancel jobs not yet finished; the service has already drained its own work."""
        for future in list(self._pending):
            future.cancel()
        self._pending.clear()

    def _do_submit_job(self, job: Any, run_times: list[Any]) -> None:
        def on_done(future: Future[Any]) -> None:
            self._pending.discard(future)
            try:
                events = future.result()
            except BaseException:  # noqa: BLE001 - reported to APScheduler's listeners
                self._run_job_error(job.id, *sys.exc_info()[1:])
            else:
                self._run_job_success(job.id, events)

        if iscoroutinefunction_partial(job.func):
            coroutine = run_coroutine_job(job, job._jobstore_alias, run_times, self._logger.name)
            future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        else:
            future = asyncio.run_coroutine_threadsafe(
                asyncio.to_thread(run_job, job, job._jobstore_alias, run_times, self._logger.name),
                self._loop,
            )
        future.add_done_callback(on_done)
        self._pending.add(future)
