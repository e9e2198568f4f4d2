"""What GOV.UK Notify posts to our callbacks: delivery receipts and received texts, checked and recorded.

Receipts are kept by Notify's id with our `reference` (the outbox row's idempotency key), and put on the outbox row
(matched by reference, so a receipt that beats the worker's record of the Notify id still finds it). A failure status
ends the row for good on its channel (Notify has stopped trying) and queues the notice's next channel.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.delivery.notify_receipts import save_inbound_text, save_receipt, save_receipt_on_outbox
from db.models import NotifyInboundText, NotifyReceipt
from messaging.fallback import fall_back

# Notify's statuses for texts and emails (and letters, should a receipt for one come).
STATUSES = frozenset({
    "created", "sending", "pending", "sent", "delivered", "permanent-failure", "temporary-failure",
    "technical-failure", "accepted", "received", "cancelled", "validation-failed", "virus-scan-failed",
})
# Notify has stopped trying: temporary and technical failures included (it retried for up to 72 hours already).
FAILURE_STATUSES = frozenset({"permanent-failure", "temporary-failure", "technical-failure", "validation-failed",
                              "virus-scan-failed", "cancelled"})
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
MAX_INBOUND_CHARACTERS = 2000


def parse_status_callback(payload: Any, *, now: datetime) -> NotifyReceipt:
    """A receipt from Notify's JSON, or ValueError saying what is wrong."""
    data = _object(payload)
    status = _text(data, "status", limit=32)
    if status not in STATUSES:
        raise ValueError(f"status {status!r} is not a Notify status")
    notification_type = _text(data, "notification_type", limit=8)
    if notification_type not in ("sms", "email", "letter"):
        raise ValueError("notification_type must be sms, email or letter")
    template_version = data.get("template_version")
    if template_version is not None and not isinstance(template_version, int):
        raise ValueError("template_version must be a number")
    return NotifyReceipt(
        notify_id=_uuid(data, "id"), reference=_optional_text(data, "reference", limit=255),
        notification_type=notification_type, status=status,
        template_id=_uuid(data, "template_id") if data.get("template_id") is not None else None,
        template_version=template_version, notify_created_at=_moment(data, "created_at"),
        sent_at=_moment(data, "sent_at"), completed_at=_moment(data, "completed_at"), received_at=now,
    )


def parse_inbound_callback(payload: Any, *, now: datetime) -> NotifyInboundText:
    """A received text from Notify's JSON, or ValueError saying what is wrong."""
    data = _object(payload)
    received = _moment(data, "date_received")
    if received is None:
        raise ValueError("date_received is required")
    return NotifyInboundText(
        notify_id=_uuid(data, "id"), source_number=e164(_text(data, "source_number", limit=20)),
        destination_number=_text(data, "destination_number", limit=20),
        message=_text(data, "message", limit=MAX_INBOUND_CHARACTERS, allow_empty=True),
        date_received=received, received_at=now,
    )


async def record_status_callback(session: AsyncSession, *, payload: Any, now: datetime) -> NotifyReceipt:
    """Check and record one delivery receipt (a repeated one updates the same row), on its outbox row too."""
    receipt = await save_receipt(session, receipt=parse_status_callback(payload, now=now))
    failed = await save_receipt_on_outbox(
        session, reference=receipt.reference, notify_id=receipt.notify_id, status=receipt.status,
        at=receipt.completed_at or now, fails_row=receipt.status in FAILURE_STATUSES,
    )
    if failed:
        await fall_back(session, row_ids=failed, reason=f"Notify: {receipt.status}", now=now)
    return receipt


async def record_inbound_text(session: AsyncSession, *, payload: Any, now: datetime) -> bool:
    """Check and record one received text; False if it was already held."""
    return await save_inbound_text(session, text=parse_inbound_callback(payload, now=now))


def e164(number: str) -> str:
    """Notify gives the sender as 447700900111 or 07700900111; we hold +447700900111."""
    digits = re.sub(r"\D", "", number)
    if not digits:
        raise ValueError("source_number has no digits")
    if digits.startswith("0"):
        digits = "44" + digits[1:]
    return "+" + digits


def _object(payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise ValueError("the body must be a JSON object")
    return payload


def _text(data: dict[str, Any], name: str, *, limit: int, allow_empty: bool = False) -> str:
    value = data.get(name)
    if not isinstance(value, str) or (not value.strip() and not allow_empty):
        raise ValueError(f"{name} is required")
    if len(value) > limit:
        raise ValueError(f"{name} is longer than {limit} characters")
    return value


def _optional_text(data: dict[str, Any], name: str, *, limit: int) -> str | None:
    return None if data.get(name) is None else _text(data, name, limit=limit)


def _uuid(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not _UUID.match(value):
        raise ValueError(f"{name} must be a Notify id (a UUID)")
    return value.lower()


def _moment(data: dict[str, Any], name: str) -> datetime | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a time")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{name} must be a time like 2026-12-07T09:30:00.000000Z") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)
