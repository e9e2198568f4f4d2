"""The delivery worker: claims outbox rows, sends each at its slot, and records what happened.

Several workers (in `carerline serve` and in `carerline deliver` processes) can run against one
database; see messaging/delivery/claims.py for how they share the cap and messaging/delivery/probe.py for how a send
whose outcome is unknown is settled without sending twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
import socket
import time
from collections import deque
from datetime import UTC, datetime

from telegram.error import RetryAfter, TelegramError

from db.dao.delivery.claims import ClaimCandidate, release_claims, requeue_expired_leases
from db.dao.delivery.outbox import fetch_known_message_ids
from core.metrics import Metrics
from db.engine import Database
from messaging.delivery.claims import after, backoff_s, claim_batch
from messaging.delivery.settings import DeliverySettings
from messaging.outbox import markup_for_row
from messaging.delivery.probe import probe_delivery
from messaging.delivery.results import PendingResults, flush_results
from messaging.channels.telegram import DeliveryBot, SendOutcome, classify_error, retry_after_s

logger = logging.getLogger(__name__)
# Telegram does not say whether a 429 is for one chat or for the whole bot. Many different chats
# refused within a second, and a large share of what we sent, means the whole bot is flooding.
_FLOOD_WINDOW_S = 1.0
_FLOOD_MIN_CHATS = 5
_FLOOD_MIN_SHARE = 0.2


def new_worker_id() -> str:
    """Host, process and a random part: unique per worker, readable in the lease column."""
    return f"{socket.gethostname()[:32]}:{secrets.token_hex(4)}"


class DeliveryWorker:
    """One worker: a claim loop, one task per message, and a flusher."""

    def __init__(
        self, *, database: Database, bot: DeliveryBot, settings: DeliverySettings, worker_id: str | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.database = database
        self.metrics = metrics
        self.bot = bot
        self.settings = settings
        self.worker_id = worker_id or new_worker_id()
        self._results = PendingResults()
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._rows: dict[int, ClaimCandidate] = {}
        self._requests_started: set[int] = set()
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._room = asyncio.Event()
        self._flushed = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._flush_task: asyncio.Task[None] | None = None
        self._hand_back: asyncio.Future[None] | None = None
        self._recent_429s: deque[tuple[float, int]] = deque()
        # Enough for a second at the paid-broadcast rate; older entries fall off by themselves.
        self._recent_sends: deque[float] = deque(maxlen=2048)
        self._paused_until_s = 0.0
        self._last_reap_s = 0.0
        self.sent_count = 0
        self._claim_threshold = max(1, min(settings.max_batch, settings.max_in_flight // 2))

    async def start(self) -> None:
        """Start claiming and sending (the bot must be initialized)."""
        self._loop_task = asyncio.create_task(self._claim_loop(), name=f"delivery-claims-{self.worker_id}")
        self._flush_task = asyncio.create_task(self._flush_loop(), name=f"delivery-flush-{self.worker_id}")

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
            logger.exception("delivery worker %s could not hand back %d message(s)", self.worker_id, len(not_started))
            return
        logger.info("delivery worker %s handed back %d message(s) not yet sent", self.worker_id, len(not_started))

    async def stop(self, *, grace_s: float = 5.0) -> None:
        """Stop claiming, finish sends in flight within `grace_s` (the rest are marked in doubt), record everything."""
        await self.stop_claiming()
        if self._in_flight:
            await asyncio.wait(list(self._in_flight.values()), timeout=grace_s)
        cut_short = [self._rows[row_id] for row_id in self._in_flight if row_id in self._rows]
        for task in list(self._in_flight.values()):
            task.cancel()
        if self._in_flight:
            await asyncio.wait(list(self._in_flight.values()))
        # A request cut short may or may not have reached Telegram: the next worker probes before sending again.
        settle_at = _utc(time.time() + self.settings.in_doubt_settle_s)
        for row in cut_short:
            self._results.add_retry(row_id=row.id, not_before=settle_at, error="stopped mid-send", is_in_doubt=True)
        if cut_short:
            logger.warning("delivery worker %s: %d send(s) still in flight at the end of the grace period, "
                           "marked in doubt", self.worker_id, len(cut_short))
        if self._flush_task is not None:
            self._flush_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flush_task
        await self._flush()  # every outcome still buffered, in one transaction

    async def _claim_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                await self._reap_if_due()
                room = self.settings.max_in_flight - len(self._in_flight)
                # Claim in batches: waiting for room for a good batch saves a database round trip per message.
                if room <= 0 or (self._in_flight and room < self._claim_threshold):
                    self._room.clear()
                    if not self._stopping.is_set():
                        await self._wait(self._room, self.settings.poll_interval_s)
                    continue
                batch = await claim_batch(
                    self.database,
                    settings=self.settings,
                    worker_id=self.worker_id,
                    wanted=min(room, self.settings.max_batch),
                    now_s=time.time(),
                )
            except Exception:  # noqa: BLE001 - the database may be briefly away; keep the worker alive
                logger.exception("delivery worker could not claim work; retrying")
                await self._wait(self._stopping, self.settings.poll_interval_s)
                continue
            for candidate, send_at_s in batch.rows:
                task = asyncio.create_task(self._deliver(candidate, send_at_s))
                self._in_flight[candidate.id] = task
                self._rows[candidate.id] = candidate
                task.add_done_callback(lambda _task, row_id=candidate.id: self._finished(row_id))
            if batch.rows:
                continue
            await self._wait(self._wake, batch.wait_s or self.settings.poll_interval_s)
            self._wake.clear()

    def _finished(self, row_id: int) -> None:
        self._in_flight.pop(row_id, None)
        self._rows.pop(row_id, None)
        self._requests_started.discard(row_id)
        # Wake the claim loop only when there is room for a whole batch (not once per message).
        if self.settings.max_in_flight - len(self._in_flight) >= self._claim_threshold or not self._in_flight:
            self._room.set()

    async def _wait(self, event: asyncio.Event, timeout_s: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout=timeout_s)

    async def _reap_if_due(self) -> None:
        now_s = time.time()
        if now_s - self._last_reap_s < self.settings.reap_interval_s:
            return
        self._last_reap_s = now_s
        async with self.database.transaction() as session:
            requeued = await requeue_expired_leases(session, now=_utc(now_s))
        if requeued:
            logger.warning("%d message(s) left mid-send by a stopped worker will be checked, then sent", requeued)

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(self.settings.flush_interval_s)
            try:
                await self._flush()
            except Exception:  # noqa: BLE001 - outcomes stay buffered and are written next time
                logger.exception("delivery worker could not record outcomes; retrying")

    async def _flush(self) -> None:
        pending = self._results
        if not len(pending) and pending.global_pause_until_s is None and not pending.unreachable and not pending.refund_s:
            return
        results, self._results = self._results, PendingResults()
        try:
            await flush_results(self.database, results, now=_utc(time.time()))
        except BaseException:
            self._merge_back(results)
            raise

    def _merge_back(self, results: PendingResults) -> None:
        current = self._results
        for name in ("sent", "retries", "failed", "skipped", "chat_pauses"):
            getattr(results, name).extend(getattr(current, name))
        results.unreachable.update(current.unreachable)
        if current.global_pause_until_s is not None:
            results.pause_everything(until_s=current.global_pause_until_s)
        results.refund_s += current.refund_s
        self._results = results

    async def _deliver(self, row: ClaimCandidate, send_at_s: float) -> None:
        delay_s = max(send_at_s, self._paused_until_s) - time.time()
        if delay_s > 0:
            await asyncio.sleep(delay_s)
        now = _utc(time.time())
        reason = _skip_reason(row)
        if reason is not None:
            self._results.add_skipped(row_id=row.id, at=now, reason=reason)
            return
        assert row.chat_id is not None and row.text is not None
        markup = markup_for_row(row.reply_markup, outbox_id=row.id)
        self._requests_started.add(row.id)
        if row.is_in_doubt and markup is not None and not await self._settle_doubt(row, markup):
            return
        try:
            self._recent_sends.append(time.time())
            message_id = await self.bot.send_html(
                chat_id=row.chat_id, text=row.text, reply_markup=markup,
                allow_paid_broadcast=self.settings.paid_broadcast,
            )
        except TelegramError as error:
            self._record_error(row, error)
            return
        self.sent_count += 1
        if self.metrics is not None:
            self.metrics.messages_sent.labels(kind=row.purpose).inc()
        done = _utc(time.time())
        self._results.add_sent(
            row_id=row.id, chat_id=row.chat_id, message_id=message_id, at=done, kind=row.purpose, text=row.text
        )


    async def _settle_doubt(self, row: ClaimCandidate, markup: str) -> bool:
        """Probe for an earlier send of this row; True when it still has to be sent."""
        assert row.chat_id is not None
        async with self.database.transaction() as session:
            known = await fetch_known_message_ids(session, chat_id=row.chat_id, exclude_outbox_id=row.id)
        result = await probe_delivery(
            self.bot, chat_id=row.chat_id, reply_markup=markup, probe_from=row.probe_from_message_id or 0,
            known=known, max_probes=self.settings.max_probes,
        )
        now = _utc(time.time())
        if not result.is_settled:
            self._retry(row, error=result.error or "probe failed", is_in_doubt=True)
            return False
        if result.delivered_message_id is not None:
            self._results.add_sent(
                row_id=row.id, chat_id=row.chat_id, message_id=result.delivered_message_id, at=now,
                kind=row.purpose, text=row.text,
            )
            return False
        if row.attempts > self.settings.max_attempts:
            self._results.add_failed(row_id=row.id, at=now, error=row.last_error or "gave up")
            return False
        return True

    def _record_error(self, row: ClaimCandidate, error: TelegramError) -> None:
        assert row.chat_id is not None
        outcome = classify_error(error)
        now_s = time.time()
        now = _utc(now_s)
        description = f"{error.__class__.__name__}: {error.message}"
        if outcome is SendOutcome.RATE_LIMITED:
            assert isinstance(error, RetryAfter)
            wait_s = retry_after_s(error)
            self._results.pause_chat(chat_id=row.chat_id, until=after(now, wait_s))
            self._results.add_retry(row_id=row.id, not_before=after(now, wait_s), error=description, is_in_doubt=False)
            self._note_429(row.chat_id, now_s=now_s, wait_s=wait_s)
        elif outcome is SendOutcome.UNREACHABLE:
            self._results.add_failed(row_id=row.id, at=now, error=description)
            if row.carer_id is not None:
                self._results.unreachable[row.carer_id] = error.message
        elif outcome is SendOutcome.REJECTED:
            self._results.add_failed(row_id=row.id, at=now, error=description)
        else:
            if outcome is SendOutcome.SERVER_ERROR and self.settings.cap_per_s:
                # Telegram failed to serve it, so it did not count against the cap: its slot can be reused.
                self._results.refund_s += 1.0 / self.settings.cap_per_s
            self._retry(row, error=description, is_in_doubt=outcome is SendOutcome.IN_DOUBT)

    def _retry(self, row: ClaimCandidate, *, error: str, is_in_doubt: bool) -> None:
        now = _utc(time.time())
        if row.attempts >= self.settings.max_attempts and not is_in_doubt:
            self._results.add_failed(row_id=row.id, at=now, error=f"gave up after {row.attempts} attempts: {error}")
            return
        wait_s = backoff_s(
            attempts=row.attempts, base_s=self.settings.backoff_base_s, max_s=self.settings.backoff_max_s,
            jitter=random.uniform(0.5, 1.5),
        )
        if is_in_doubt:
            wait_s = max(wait_s, self.settings.in_doubt_settle_s)
        self._results.add_retry(row_id=row.id, not_before=after(now, wait_s), error=error, is_in_doubt=is_in_doubt)

    def _note_429(self, chat_id: int, *, now_s: float, wait_s: float) -> None:
        self._recent_429s.append((now_s, chat_id))
        while self._recent_429s and self._recent_429s[0][0] < now_s - _FLOOD_WINDOW_S:
            self._recent_429s.popleft()
        while self._recent_sends and self._recent_sends[0] < now_s - _FLOOD_WINDOW_S:
            self._recent_sends.popleft()
        chats = {chat for _, chat in self._recent_429s}
        if len(chats) >= _FLOOD_MIN_CHATS and len(self._recent_429s) >= _FLOOD_MIN_SHARE * max(1, len(self._recent_sends)):
            logger.warning("Telegram is refusing many chats at once: pausing all sends for %.0fs", wait_s)
            self._paused_until_s = max(self._paused_until_s, now_s + wait_s)
            self._results.pause_everything(until_s=now_s + wait_s)


def _skip_reason(row: ClaimCandidate) -> str | None:
    if row.chat_id is None or row.text is None:
        return "no_chat"
    if not row.carer_is_reachable and row.carer_id is not None:
        return "unreachable"
    if row.must_send:
        return None
    if not row.carer_has_consent:
        return "no_consent"
    if row.update_kind is not None and row.update_kind in row.carer_muted_kinds:
        return "muted"
    return None


def _utc(epoch_s: float) -> datetime:
    return datetime.fromtimestamp(epoch_s, tz=UTC)
