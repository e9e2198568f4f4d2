"""The delivery worker: claims outbox rows, sends each at its slot, and records what happened.

Several workers (in `carerline serve` and in `carerline deliver` processes) can run against one
database; see messaging/delivery/claims.py for how they share the cap and messaging/delivery/probe.py for how a send
whose outcome is unknown is settled without sending twice.
"""

from __future__ import annotations

import logging
import random
import secrets
import socket
import time
from collections import deque
from datetime import datetime

from telegram.error import RetryAfter, TelegramError

from db.dao.delivery.claims import ClaimCandidate
from db.dao.delivery.outbox import fetch_known_message_ids
from core.metrics import Metrics
from db.engine import Database
from messaging.delivery.claims import ClaimedBatch, after, backoff_s, claim_batch
from messaging.delivery.loop import ClaimingWorker
from messaging.delivery.loop import utc as _utc
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


class DeliveryWorker(ClaimingWorker[ClaimCandidate, PendingResults]):
    """One worker: a claim loop, one task per message, and a flusher (messaging/delivery/loop.py)."""

    log = logger

    def __init__(
        self, *, database: Database, bot: DeliveryBot, settings: DeliverySettings, worker_id: str | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        super().__init__(
            database=database, delivery=settings, worker_id=worker_id or new_worker_id(), results=PendingResults(),
            claim_threshold=max(1, min(settings.max_batch, settings.max_in_flight // 2)),
        )
        self.metrics = metrics
        self.bot = bot
        self.settings = settings
        self._recent_429s: deque[tuple[float, int]] = deque()
        # Enough for a second at the paid-broadcast rate; older entries fall off by themselves.
        self._recent_sends: deque[float] = deque(maxlen=2048)

    async def start(self) -> None:
        """Start claiming and sending (the bot must be initialized)."""
        self._start_loops()

    async def _claim(self, *, wanted: int, now_s: float) -> ClaimedBatch:
        return await claim_batch(self.database, settings=self.settings, worker_id=self.worker_id, wanted=wanted, now_s=now_s)

    def _new_results(self) -> PendingResults:
        return PendingResults()

    async def _write_results(self, results: PendingResults, *, now: datetime) -> None:
        await flush_results(self.database, results, now=now)

    async def _deliver(self, row: ClaimCandidate, send_at_s: float) -> None:
        now = await self._due(row_id=row.id, send_at_s=send_at_s, skip_reason=_skip_reason(row))
        if now is None:
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

