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
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta

from core.errors import ConfigurationError
from core.metrics import Metrics
from core.settings import Settings
from db.dao.delivery.notify_claims import NotifyCandidate
from db.engine import Database
from messaging.ack_links import ack_url
from messaging.channels.notify import NotifyClient, NotifyError, NotifyFailure, NotifySent, choose_template, personalisation_for
from messaging.delivery.claims import backoff_s
from messaging.delivery.loop import ClaimingWorker
from messaging.delivery.loop import utc as _utc
from messaging.delivery.notify_claims import (
    CHANNELS,
    RATE_BUCKET,
    NotifyBatch,
    NotifyResults,
    claim_notify_batch,
    flush_notify_results,
    hold_name,
)
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


class NotifyDeliveryWorker(ClaimingWorker[NotifyCandidate, NotifyResults]):
    """One Notify worker: a claim loop, one task per message, a flusher; it owns its Notify client."""

    label = "Notify worker"
    task_prefix = "notify"
    log = logger

    def __init__(self, *, database: Database, settings: Settings, delivery: DeliverySettings,
                 client: NotifyClient | None = None, worker_id: str | None = None, metrics: Metrics | None = None,
                 alert: Callable[[str], Awaitable[None]] | None = None) -> None:
        super().__init__(database=database, delivery=delivery, worker_id=worker_id or new_worker_id(),
                         results=NotifyResults(), claim_threshold=1)
        self.settings = settings
        self.client = client or NotifyClient.from_settings(settings)
        self.metrics = metrics
        # Tells the duty officers (carerline wires services/casework/duty_alerts here); once per configuration hold.
        self.alert = alert
        self._alerts: set[asyncio.Task[None]] = set()
        self.cap_per_s = settings.notify_rate_per_minute / 60.0
        self._recent_429s: deque[float] = deque()
        self._last_429_warning_s = 0.0
        self._announced_holds: dict[str, float] = {}

    async def start(self) -> None:
        """Open the client's connection pool and start claiming."""
        await self.client.open()
        self._start_loops()
        logger.info("Notify worker %s started (%d requests a minute)", self.worker_id, self.settings.notify_rate_per_minute)

    def _grace_tasks(self) -> Iterable[asyncio.Task[None]]:
        return self._alerts  # duty alerts already on their way get the same time

    async def _after_stop(self) -> None:
        """Cancel duty alerts still going and close the Notify client."""
        for task in list(self._alerts):
            task.cancel()
        await self.client.close()

    async def _claim(self, *, wanted: int, now_s: float) -> NotifyBatch:
        return await claim_notify_batch(
            self.database, cap_per_s=self.cap_per_s, horizon_s=self.delivery.horizon_s,
            lease_s=max(self.delivery.lease_s, self.settings.notify_timeout_s * 2), worker_id=self.worker_id,
            wanted=wanted, now_s=now_s, poll_s=self.delivery.poll_interval_s,
        )

    def _new_results(self) -> NotifyResults:
        return NotifyResults()

    async def _write_results(self, results: NotifyResults, *, now: datetime) -> None:
        await flush_notify_results(self.database, results, now=now)

    async def _wait_for_room(self) -> None:
        await self._wait(self.delivery.poll_interval_s)

    async def _wait_after_error(self) -> None:
        await self._wait(self.delivery.poll_interval_s)

    async def _wait_for_work(self, timeout_s: float) -> None:
        await self._wait(timeout_s)

    async def _wait(self, timeout_s: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=max(0.001, timeout_s))
        self._wake.clear()

    async def _deliver(self, row: NotifyCandidate, send_at_s: float) -> None:
        now = await self._due(row_id=row.id, send_at_s=send_at_s, skip_reason=_skip_reason(row))
        if now is None:
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

