"""Notify's callbacks: a delivery receipt some seconds after a message is accepted, and each received text.

Both are POSTed as JSON with `Authorization: Bearer <the service's token>`; a failed callback is retried
(Notify: every 5 minutes, 5 times; here `retry_delay_s`, so tests need not wait minutes).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import aiohttp

from sandbox.notify.serialise import iso

if TYPE_CHECKING:
    from sandbox.notify.model import Notification, ReceivedText

LOGGER = logging.getLogger(__name__)
CALLBACK_ATTEMPTS = 5


@dataclass
class CallbackAttempt:
    """One POST to a callback URL and what it answered (0: no answer)."""

    kind: str
    notification_id: str
    status_code: int


@dataclass
class CallbackPoster:
    """Posts receipts and received texts; keeps a log of every attempt."""

    status_url: str | None = None
    status_token: str | None = None
    inbound_url: str | None = None
    inbound_token: str | None = None
    retry_delay_s: float = 300.0
    attempts: list[CallbackAttempt] = field(default_factory=list)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _http: aiohttp.ClientSession | None = None

    def configure(self, *, status_url: str | None, status_token: str | None, inbound_url: str | None,
                  inbound_token: str | None, retry_delay_s: float | None) -> None:
        """Set the callback URLs and tokens (None leaves a value as it is)."""
        for name, value in (("status_url", status_url), ("status_token", status_token),
                            ("inbound_url", inbound_url), ("inbound_token", inbound_token),
                            ("retry_delay_s", retry_delay_s)):
            if value is not None:
                setattr(self, name, value)

    async def open(self) -> None:
        """Create the HTTP client."""
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5))

    async def close(self) -> None:
        """Cancel what is pending and close the HTTP client."""
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._http is not None:
            await self._http.close()
            self._http = None

    def schedule_delivery(self, notification: Notification, *, outcome: str, delay_s: float) -> None:
        """Move the message to `sending` now and to `outcome` after the delay, then post the receipt."""
        task = asyncio.get_running_loop().create_task(self._deliver(notification, outcome=outcome, delay_s=delay_s))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, notification: Notification, *, outcome: str, delay_s: float) -> None:
        if notification.type != "letter":
            notification.status = "sending"
        notification.sent_at = datetime.now(timezone.utc)
        await asyncio.sleep(delay_s)  # the provider's time to deliver: the emulator's own behaviour
        notification.status = outcome
        notification.completed_at = datetime.now(timezone.utc)
        if notification.type == "letter":
            return  # receipts here cover texts and emails
        await self._post("status", notification.id, self.status_url, self.status_token, receipt_body(notification))

    async def post_received_text(self, text: ReceivedText) -> None:
        """Post one received text to the inbound callback (in the background)."""
        body = {"id": text.id, "source_number": text.source_number, "destination_number": text.destination_number,
                "message": text.message, "date_received": iso(text.date_received)}
        task = asyncio.get_running_loop().create_task(
            self._post("inbound", text.id, self.inbound_url, self.inbound_token, body)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _post(self, kind: str, item_id: str, url: str | None, token: str | None, body: dict[str, object]) -> None:
        if url is None or self._http is None:
            return
        for attempt in range(CALLBACK_ATTEMPTS):
            status_code = 0
            try:
                async with self._http.post(url, json=body, headers={"Authorization": f"Bearer {token or ''}"}) as response:
                    status_code = response.status
            except (aiohttp.ClientError, asyncio.TimeoutError):
                LOGGER.info("%s callback for %s got no answer", kind, item_id)
            self.attempts.append(CallbackAttempt(kind=kind, notification_id=item_id, status_code=status_code))
            if 200 <= status_code < 300 or attempt == CALLBACK_ATTEMPTS - 1:
                return
            await asyncio.sleep(self.retry_delay_s)


def receipt_body(notification: Notification) -> dict[str, object]:
    """The delivery receipt Notify posts (app/celery/service_callback_tasks.py)."""
    return {
        "id": notification.id,
        "reference": notification.reference,
        "to": notification.to,
        "status": notification.status,
        "created_at": iso(notification.created_at),
        "completed_at": iso(notification.completed_at),
        "sent_at": iso(notification.sent_at),
        "notification_type": notification.type,
        "template_id": notification.template.id,
        "template_version": notification.template.version,
    }
