"""What the Telegram and Notify delivery workers share: the claim loop, the flush loop, stopping with grace, reaping.

A worker subclasses ClaimingWorker and supplies `_claim` (one batch under its schedule), `_deliver` (one row at its
slot) and `_write_results` (one flush); OutcomeBuffer is the part of their result buffers that is the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, Protocol, Self, TypeVar

from db.dao.delivery.claims import release_claims, requeue_expired_leases
from db.engine import Database
from messaging.delivery.settings import DeliverySettings


def utc(epoch_s: float) -> datetime:
    """An epoch second as an aware UTC datetime."""
    return datetime.fromtimestamp(epoch_s, tz=UTC)


@dataclass
class OutcomeBuffer:
    """Rows retried, failed and skipped since the last flush (each worker adds what it sends and holds)."""

    sent: list[dict[str, Any]] = field(default_factory=list)
    retries: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.sent) + len(self.retries) + len(self.failed) + len(self.skipped)

    def is_empty(self) -> bool:
        """Nothing to write."""
        return not len(self)

    def add_retry(self, *, row_id: int, not_before: datetime, error: str, is_in_doubt: bool) -> None:
        """A row to try again later (in doubt: check for an earlier send first)."""
        self.retries.append({"row_id": row_id, "not_before": not_before, "error": error[:300], "in_doubt": is_in_doubt})

    def add_failed(self, *, row_id: int, at: datetime, error: str) -> None:
        """A row that will never be sent on its channel: the notice falls back to its next channel."""
        self.failed.append({"row_id": row_id, "at": at, "error": error[:300]})

    def add_skipped(self, *, row_id: int, at: datetime, reason: str) -> None:
        """A row not sent on purpose (muted, consent withdrawn, unreachable)."""
        self.skipped.append({"row_id": row_id, "at": at, "error": reason})

    def merge(self, later: Self) -> None:
        """Add what was learnt after these results (a failed flush is written again with them)."""
        for name in ("sent", "retries", "failed", "skipped"):
            getattr(self, name).extend(getattr(later, name))


class Claimed(Protocol):
    """A claimed outbox row: all the loop needs is its id."""

    @property
    def id(self) -> int:
        """The outbox row id."""
        ...


RowT = TypeVar("RowT", bound=Claimed)
ResultsT = TypeVar("ResultsT", bound=OutcomeBuffer)


class Batch(Protocol[RowT]):
    """What a claim returns: rows with their send times, or how long to wait."""

    @property
    def rows(self) -> list[tuple[RowT, float]]:
        """Rows to send, each with its send time (epoch seconds)."""
        ...

    @property
    def wait_s(self) -> float:
        """How long to wait when nothing was claimed (0: the poll interval)."""
        ...


class ClaimingWorker(Generic[RowT, ResultsT]):
    """A claim loop, one task per message, a flusher, and a stop that hands back or marks in doubt what is left."""

    label = "delivery worker"
    task_prefix = "delivery"
    log = logging.getLogger(__name__)

    def __init__(self, *, database: Database, delivery: DeliverySettings, worker_id: str, results: ResultsT,
                 claim_threshold: int) -> None:
        self.database = database
        self.delivery = delivery
        self.worker_id = worker_id
        self._results = results
        self._claim_threshold = claim_threshold
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._requests_started: set[int] = set()
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._room = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._flush_task: asyncio.Task[None] | None = None
        self._hand_back: asyncio.Future[None] | None = None
        self._last_reap_s = 0.0
        self._paused_until_s = 0.0
        self.sent_count = 0

    async def _claim(self, *, wanted: int, now_s: float) -> Batch[RowT]:
        raise NotImplementedError

    async def _deliver(self, row: RowT, send_at_s: float) -> None:
        raise NotImplementedError

    def _new_results(self) -> ResultsT:
        raise NotImplementedError

    async def _write_results(self, results: ResultsT, *, now: datetime) -> None:
        raise NotImplementedError

    def _start_loops(self) -> None:
        self._loop_task = asyncio.create_task(self._claim_loop(), name=f"{self.task_prefix}-claims-{self.worker_id}")
        self._flush_task = asyncio.create_task(self._flush_loop(), name=f"{self.task_prefix}-flush-{self.worker_id}")

    def wake(self) -> None:
        """Look for work now instead of at the next poll."""
        self._wake.set()

    async def stop_claiming(self) -> None:
        """Claim nothing more and hand back at once the rows claimed but not yet attempted (one transaction)."""
        if self._hand_back is None:
            self._hand_back = asyncio.ensure_future(self._hand_back_unstarted())
        await self._hand_back

    async def _hand_back_unstarted(self) -> None:
        self._stopping.set()
        self._wake.set()
        self._room.set()
        if self._loop_task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
        not_started = [row_id for row_id in self._in_flight if row_id not in self._requests_started]
        for row_id in not_started:
            self._in_flight[row_id].cancel()
        if not not_started:
            return
        try:
            async with self.database.transaction() as session:
                await release_claims(session, row_ids=not_started, worker_id=self.worker_id)
        except Exception:  # noqa: BLE001 - their leases expire and the next worker checks them, then sends
            self.log.exception("%s %s could not hand back %d message(s)", self.label, self.worker_id, len(not_started))
            return
        self.log.info("%s %s handed back %d message(s) not yet sent", self.label, self.worker_id, len(not_started))

    def _grace_tasks(self) -> Iterable[asyncio.Task[None]]:
        """Other tasks that get the same grace as the sends in flight."""
        return ()

    async def stop(self, *, grace_s: float = 5.0) -> None:
        """Stop claiming, finish sends in flight within `grace_s` (the rest are marked in doubt), record everything."""
        await self.stop_claiming()
        waiting = [*self._in_flight.values(), *self._grace_tasks()]
        if waiting:
            await asyncio.wait(waiting, timeout=grace_s)
        cut_short = list(self._in_flight)
        for task in list(self._in_flight.values()):
            task.cancel()
        if self._in_flight:
            await asyncio.wait(list(self._in_flight.values()))
        # A request cut short may or may not have been accepted: the next attempt checks before sending again.
        settle_at = utc(time.time() + self.delivery.in_doubt_settle_s)
        for row_id in cut_short:
            self._results.add_retry(row_id=row_id, not_before=settle_at, error="stopped mid-send", is_in_doubt=True)
        if cut_short:
            self.log.warning("%s %s: %d send(s) still in flight at the end of the grace period, marked in doubt",
                           self.label, self.worker_id, len(cut_short))
        if self._flush_task is not None:
            self._flush_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flush_task
        try:
            await self._flush()  # every outcome still buffered, in one transaction
        finally:
            await self._after_stop()

    async def _after_stop(self) -> None:
        """Anything to let go of once the last outcomes are written (or failed to be)."""

    async def _claim_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                await self._reap_if_due()
                room = self.delivery.max_in_flight - len(self._in_flight)
                # Claim in batches: waiting for room for a good batch saves a database round trip per message.
                if room <= 0 or (self._in_flight and room < self._claim_threshold):
                    await self._wait_for_room()
                    continue
                batch = await self._claim(wanted=min(room, self.delivery.max_batch), now_s=time.time())
            except Exception:  # noqa: BLE001 - the database may be briefly away; keep the worker alive
                self.log.exception("%s could not claim work; retrying", self.label)
                await self._wait_after_error()
                continue
            for candidate, send_at_s in batch.rows:
                task = asyncio.create_task(self._deliver(candidate, send_at_s))
                self._in_flight[candidate.id] = task
                task.add_done_callback(lambda _task, row_id=candidate.id: self._finished(row_id))
            if batch.rows:
                continue
            await self._wait_for_work(batch.wait_s or self.delivery.poll_interval_s)

    async def _due(self, *, row_id: int, send_at_s: float, skip_reason: str | None) -> datetime | None:
        """Sleep to the row's slot (or past a pause); the time then, or None when the row is skipped on purpose."""
        delay_s = max(send_at_s, self._paused_until_s) - time.time()
        if delay_s > 0:
            await asyncio.sleep(delay_s)
        now = utc(time.time())
        if skip_reason is not None:
            self._results.add_skipped(row_id=row_id, at=now, reason=skip_reason)
            return None
        return now

    def _finished(self, row_id: int) -> None:
        self._in_flight.pop(row_id, None)
        self._requests_started.discard(row_id)
        # Wake the claim loop only when there is room for a whole batch (not once per message).
        if self.delivery.max_in_flight - len(self._in_flight) >= self._claim_threshold or not self._in_flight:
            self._room.set()

    async def _wait_for_room(self) -> None:
        self._room.clear()
        if not self._stopping.is_set():
            await _wait_for(self._room, self.delivery.poll_interval_s)

    async def _wait_after_error(self) -> None:
        await _wait_for(self._stopping, self.delivery.poll_interval_s)

    async def _wait_for_work(self, timeout_s: float) -> None:
        await _wait_for(self._wake, timeout_s)
        self._wake.clear()

    async def _reap_if_due(self) -> None:
        now_s = time.time()
        if now_s - self._last_reap_s < self.delivery.reap_interval_s:
            return
        self._last_reap_s = now_s
        async with self.database.transaction() as session:
            requeued = await requeue_expired_leases(session, now=utc(now_s))
        if requeued:
            self.log.warning("%d message(s) left mid-send by a stopped worker will be checked, then sent", requeued)

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(self.delivery.flush_interval_s)
            try:
                await self._flush()
            except Exception:  # noqa: BLE001 - outcomes stay buffered and are written next time
                self.log.exception("%s could not record outcomes; retrying", self.label)

    async def _flush(self) -> None:
        if self._results.is_empty():
            return
        results, self._results = self._results, self._new_results()
        try:
            await self._write_results(results, now=utc(time.time()))
        except BaseException:
            results.merge(self._results)
            self._results = results
            raise


async def _wait_for(event: asyncio.Event, timeout_s: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), timeout=timeout_s)
