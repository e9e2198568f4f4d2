"""The Notify delivery worker: texts, emails and letters from the outbox through GOV.UK Notify.

It claims queued sms/email/letter rows (messaging/delivery/notify_claims.py: one shared schedule per API key, urgent
first), reads the family contact's detail at send time, fills the signed "I have seen this" link, sends with the
row's idempotency key as Notify's `reference`, and records Notify's id. A send whose outcome is unknown (a 5xx, a lost
connection, a lease that expired after a crash) is settled by asking Notify for the reference before sending again.
Failures and what they hold: messaging/README.md ("Notify").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from core.errors import ConfigurationError
from core.metrics import Metrics
from core.settings import Settings
from db.dao.delivery.claims import release_claims, requeue_expired_leases
from db.dao.delivery.notify_claims import NotifyCandidate
from db.engine import Database
from messaging.ack_links import ack_url
from messaging.channels.notify import NotifyClient, NotifyError, NotifyFailure, NotifySent, choose_template, personalisation_for
from messaging.delivery.claims import backoff_s
from messaging.delivery.notify_claims import CHANNELS, RATE_BUCKET, NotifyResults, claim_notify_batch, flush_notify_results, hold_name
from messaging.delivery.settings import DeliverySettings
from messaging.delivery.worker import new_worker_id
from messaging.limits import MAX_MESSAGE_CHARACTERS
from messaging.sms_length import sms_characters

logger = logging.getLogger(__name__)
ACK_LINK_PLACEHOLDER = "{ack_link}"
# A 429 RateLimitError: Notify's bucket for our key is empty (another user of the key, or clocks apart). It refills
# at 50 a second, so a short pause is enough; repeated 429s within the window double it, up to the configured most.
RATE_LIMIT_PAUSE_S = 0.1
RATE_LIMIT_WINDOW_S = 2.0
RATE_LIMIT_WARNING_EVERY_S = 30.0


def next_midnight_utc(now: datetime) -> datetime:
    """When Notify's daily limits start again."""
    return datetime.combine(now.astimezone(UTC).date() + timedelta(days=1), datetime.min.time(), tzinfo=UTC)


class NotifyDeliveryWorker:
    """One Notify worker: a claim loop, one task per message, a flusher; it owns its Notify client."""

    def __init__(self, *, database: Database, settings: Settings, delivery: DeliverySettings,
                 client: NotifyClient | None = None, worker_id: str | None = None, metrics: Metrics | None = None,
                 alert: Callable[[str], Awaitable[None]] | None = None) -> None:
        self.database = database
        self.settings = settings
        self.delivery = delivery
        self.client = client or NotifyClient.from_settings(settings)
        self.metrics = metrics
        # Tells the duty officers (carerline wires services/casework/duty_alerts here); once per configuration hold.
        self.alert = alert
        self._alerts: set[asyncio.Task[None]] = set()
        self.worker_id = worker_id or new_worker_id()
        self.cap_per_s = settings.notify_rate_per_minute / 60.0
        self._results = NotifyResults()
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._requests_started: set[int] = set()
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._flush_task: asyncio.Task[None] | None = None
        self._hand_back: asyncio.Future[None] | None = None
        self._paused_until_s = 0.0
        self._recent_429s: deque[float] = deque()
        self._last_429_warning_s = 0.0
        self._announced_holds: dict[str, float] = {}
        self._last_reap_s = 0.0
        self.sent_count = 0

    async def start(self) -> None:
        """Open the client's connection pool and start claiming."""
        await self.client.open()
        self._loop_task = asyncio.create_task(self._claim_loop(), name=f"notify-claims-{self.worker_id}")
        self._flush_task = asyncio.create_task(self._flush_loop(), name=f"notify-flush-{self.worker_id}")
        logger.info("Notify worker %s started (%d requests a minute)", self.worker_id, self.settings.notify_rate_per_minute)

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
        except Exception:  # noqa: BLE001 - their leases expire and the next worker asks Notify, then sends
            logger.exception("Notify worker %s could not hand back %d message(s)", self.worker_id, len(not_started))
            return
        logger.info("Notify worker %s handed back %d message(s) not yet sent", self.worker_id, len(not_started))

    async def stop(self, *, grace_s: float = 5.0) -> None:
        """Stop claiming, finish sends in flight within `grace_s` (the rest are marked in doubt), record, close."""
        await self.stop_claiming()
        if self._in_flight or self._alerts:  # duty alerts already on their way get the same time
            await asyncio.wait([*self._in_flight.values(), *self._alerts], timeout=grace_s)
        cut_short = list(self._in_flight)
        for task in list(self._in_flight.values()):
            task.cancel()
        if self._in_flight:
            await asyncio.wait(list(self._in_flight.values()))
        # Notify may have accepted a request cut short: the next attempt asks by reference before sending again.
        settle_at = _utc(time.time() + self.delivery.in_doubt_settle_s)
        for row_id in cut_short:
            self._results.add_retry(row_id=row_id, not_before=settle_at, error="stopped mid-send", is_in_doubt=True)
        if cut_short:
            logger.warning("Notify worker %s: %d send(s) still in flight at the end of the grace period, "
                           "marked in doubt", self.worker_id, len(cut_short))
        if self._flush_task is not None:
            self._flush_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flush_task
        try:
            await self._flush()  # every outcome still buffered, in one transaction
        finally:
            for task in list(self._alerts):
                task.cancel()
            await self.client.close()

    async def _claim_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                await self._reap_if_due()
                room = self.delivery.max_in_flight - len(self._in_flight)
                if room <= 0:
                    await self._wait(self.delivery.poll_interval_s)
                    continue
                batch = await claim_notify_batch(
                    self.database, cap_per_s=self.cap_per_s, horizon_s=self.delivery.horizon_s,
                    lease_s=max(self.delivery.lease_s, self.settings.notify_timeout_s * 2), worker_id=self.worker_id,
                    wanted=min(room, self.delivery.max_batch), now_s=time.time(), poll_s=self.delivery.poll_interval_s,
                )
            except Exception:  # noqa: BLE001 - the database may be briefly away; keep the worker alive
                logger.exception("Notify worker could not claim work; retrying")
                await self._wait(self.delivery.poll_interval_s)
                continue
            for candidate, send_at_s in batch.rows:
                task = asyncio.create_task(self._deliver(candidate, send_at_s))
                self._in_flight[candidate.id] = task
                task.add_done_callback(lambda _task, row_id=candidate.id: self._finished(row_id))
            if batch.rows:
                continue
            await self._wait(batch.wait_s or self.delivery.poll_interval_s)

    def _finished(self, row_id: int) -> None:
        self._in_flight.pop(row_id, None)
        self._requests_started.discard(row_id)

    async def _wait(self, timeout_s: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=max(0.001, timeout_s))
        self._wake.clear()

    async def _reap_if_due(self) -> None:
        now_s = time.time()
        if now_s - self._last_reap_s < self.delivery.reap_interval_s:
            return
        self._last_reap_s = now_s
        async with self.database.transaction() as session:
            requeued = await requeue_expired_leases(session, now=_utc(now_s))
        if requeued:
            logger.warning("%d message(s) left mid-send by a stopped worker will be checked, then sent", requeued)

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(self.delivery.flush_interval_s)
            try:
                await self._flush()
            except Exception:  # noqa: BLE001 - outcomes stay buffered and are written next time
                logger.exception("Notify worker could not record outcomes; retrying")

    async def _flush(self) -> None:
        if not len(self._results):
            return
        results, self._results = self._results, NotifyResults()
        try:
            await flush_notify_results(self.database, results, now=_utc(time.time()))
        except BaseException:
            results.merge(self._results)
            self._results = results
            raise

    async def _deliver(self, row: NotifyCandidate, send_at_s: float) -> None:
        delay_s = max(send_at_s, self._paused_until_s) - time.time()
        if delay_s > 0:
            await asyncio.sleep(delay_s)
        now = _utc(time.time())
        reason = _skip_reason(row)
        if reason is not None:
            self._results.add_skipped(row_id=row.id, at=now, reason=reason)
            return
        detail = row.detail
        if detail is None or not row.text:
            self._results.add_failed(row_id=row.id, at=now, error="no_contact: the family's detail for this channel "
                                     "was removed or erased" if detail is None else "nothing to send")
            return
        self._requests_started.add(row.id)
        if row.is_in_doubt and not await self._settle_doubt(row):
            return
        try:
            body = self._body(row, now=now)
            template = choose_template(settings=self.settings, kind=row.purpose, channel=row.channel)  # type: ignore[arg-type]
        except (ValueError, ConfigurationError) as error:
            self._hold_for_configuration(row, str(error), every_channel=isinstance(error, ConfigurationError))
            return
        if row.channel == "sms" and sms_characters(body) > MAX_MESSAGE_CHARACTERS:
            self._results.add_failed(row_id=row.id, at=now, error=f"longer than {MAX_MESSAGE_CHARACTERS} characters")
            return
        try:
            sent = await self._send(row, body=body, template_id=template.template_id, detail=detail)
        except NotifyError as error:
            self._record_error(row, error)
            return
        self.sent_count += 1
        self._count(row.channel, "sent")
        self._results.add_sent(row_id=row.id, notify_id=sent.id, at=_utc(time.time()))

    def _body(self, row: NotifyCandidate, *, now: datetime) -> str:
        assert row.text is not None
        if ACK_LINK_PLACEHOLDER not in row.text:
            return row.text
        link = ack_url(outbox_id=row.id, expires_at=row.ack_expires_at, now=now, settings=self.settings)
        return row.text.replace(ACK_LINK_PLACEHOLDER, link)

    async def _send(self, row: NotifyCandidate, *, body: str, template_id: str, detail: str) -> NotifySent:
        reference = row.idempotency_key
        if row.channel == "sms":
            return await self.client.send_sms(phone_number=detail, template_id=template_id, reference=reference,
                                              personalisation=personalisation_for(body=body))
        subject = row.subject or body.split("\n", 1)[0][:120]
        personalisation = personalisation_for(body=body, subject=subject)
        if row.channel == "email":
            return await self.client.send_email(email_address=detail, template_id=template_id, reference=reference,
                                                personalisation=personalisation)
        lines = [line.strip() for line in detail.split("\n") if line.strip()]
        return await self.client.send_letter(address_lines=lines, template_id=template_id, reference=reference,
                                             personalisation=personalisation)

    async def _settle_doubt(self, row: NotifyCandidate) -> bool:
        """Ask Notify whether an earlier attempt went through; True when the row still has to be sent."""
        try:
            found = await self.client.find_by_reference(reference=row.idempotency_key)
        except NotifyError as error:
            self._record_error(row, error)
            return False
        now = _utc(time.time())
        if found:
            logger.info("outbox row %d: Notify already has it (%s); recorded, not sent again", row.id, found[-1]["id"])
            self._count(row.channel, "found_by_reference")
            self._results.add_sent(row_id=row.id, notify_id=str(found[-1]["id"]), at=now)
            return False
        if row.attempts > self.delivery.max_attempts:
            self._results.add_failed(row_id=row.id, at=now, error=f"gave up after {row.attempts - 1} attempts")
            return False
        return True

    def _record_error(self, row: NotifyCandidate, error: NotifyError) -> None:
        now_s = time.time()
        now = _utc(now_s)
        description = f"Notify {error}"
        self._count(row.channel, error.failure.value)
        if error.failure is NotifyFailure.RECIPIENT:
            self._results.add_failed(row_id=row.id, at=now, error=description)
        elif error.failure is NotifyFailure.CONFIGURATION:
            self._hold_for_configuration(row, description, every_channel=error.error == "AuthError")
        elif error.failure is NotifyFailure.RATE_LIMITED:
            pause_s = self._note_429(now_s)
            self._results.add_retry(row_id=row.id, not_before=_utc(now_s + pause_s), error=description, is_in_doubt=False)
        elif error.failure is NotifyFailure.DAILY_LIMIT:
            until = next_midnight_utc(now)
            self._hold(hold_name(row.channel), until_s=until.timestamp(), reason="daily_limit", message=(
                f"GOV.UK Notify's daily limit for {row.channel} is used up: {row.channel} held until 00:00 UTC"))
            self._results.add_retry(row_id=row.id, not_before=until, error=description, is_in_doubt=False)
        else:
            self._retry(row, error=description)

    def _retry(self, row: NotifyCandidate, *, error: str) -> None:
        """A 5xx or no answer: Notify may have accepted it, so the next attempt asks by reference first."""
        wait_s = backoff_s(attempts=row.attempts, base_s=self.delivery.backoff_base_s, max_s=self.delivery.backoff_max_s,
                           jitter=random.uniform(0.5, 1.5))
        self._results.add_retry(row_id=row.id, not_before=_utc(time.time() + wait_s), error=error, is_in_doubt=True)

    def _note_429(self, now_s: float) -> float:
        """Slow the key's schedule for every process: a short pause, doubled by each 429 in the window."""
        self._recent_429s.append(now_s)
        while self._recent_429s and self._recent_429s[0] < now_s - RATE_LIMIT_WINDOW_S:
            self._recent_429s.popleft()
        pause_s = min(self.settings.notify_rate_limit_max_pause_s, RATE_LIMIT_PAUSE_S * 2 ** (len(self._recent_429s) - 1))
        self._paused_until_s = max(self._paused_until_s, now_s + pause_s)
        self._results.hold(name=RATE_BUCKET, until_s=now_s + pause_s)
        if pause_s >= 1.0 and now_s >= self._last_429_warning_s + RATE_LIMIT_WARNING_EVERY_S:
            self._last_429_warning_s = now_s
            logger.warning("GOV.UK Notify is refusing requests (429 RateLimitError): texts, emails and letters "
                           "paused %.1fs at a time, Telegram unaffected", pause_s)
        return pause_s

    def _hold_for_configuration(self, row: NotifyCandidate, message: str, *, every_channel: bool) -> None:
        until_s = time.time() + self.settings.notify_configuration_hold_s
        channels = CHANNELS if every_channel else (row.channel,)
        announced = False
        for channel in channels:
            announced |= self._hold(hold_name(channel), until_s=until_s, reason="configuration", message=(
                f"DUTY: GOV.UK Notify refused our configuration ({message}); {channel} held for "
                f"{self.settings.notify_configuration_hold_s:.0f}s: check CARERLINE_NOTIFY_* settings"), level=logging.ERROR)
        if announced and self.alert is not None:
            held = ", ".join(channels)
            task = asyncio.create_task(self._send_alert(
                f"GOV.UK Notify refused Carerline's configuration ({message}). Texts, emails or letters ({held}) "
                f"are held for {self.settings.notify_configuration_hold_s / 60:.0f} minutes and retried; "
                "check the CARERLINE_NOTIFY_* settings (API key, templates)."))
            self._alerts.add(task)
            task.add_done_callback(self._alerts.discard)
        self._results.add_retry(row_id=row.id, not_before=_utc(until_s), error=message, is_in_doubt=False)

    async def _send_alert(self, text: str) -> None:
        assert self.alert is not None
        try:
            await self.alert(text)
        except Exception:  # noqa: BLE001 - the hold and the log line stand without the alert
            logger.exception("could not send the duty alert about Notify")

    def _hold(self, name: str, *, until_s: float, reason: str, message: str, level: int = logging.WARNING) -> bool:
        """Hold a channel for every process; said once per hold in the log and in the metrics (True when said)."""
        self._results.hold(name=name, until_s=until_s)
        if self._announced_holds.get(name, 0.0) >= time.time():
            return False
        self._announced_holds[name] = until_s
        logger.log(level, message)
        if self.metrics is not None:
            self.metrics.notify_channel_held_until.labels(channel=name.split(":")[-1], reason=reason).set(until_s)
        return True

    def _count(self, channel: str, outcome: str) -> None:
        if self.metrics is not None:
            self.metrics.notify_requests.labels(channel=channel, outcome=outcome).inc()


def _skip_reason(row: NotifyCandidate) -> str | None:
    if row.must_send:
        return None
    if not row.carer_has_consent:
        return "no_consent"
    if row.update_kind is not None and row.update_kind in row.carer_muted_kinds:
        return "muted"
    return None


def _utc(epoch_s: float) -> datetime:
    return datetime.fromtimestamp(epoch_s, tz=UTC)
