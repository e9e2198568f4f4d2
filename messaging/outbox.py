"""The public way to send a proactive message: put it in the outbox (idempotently, in bulk).

Every message must carry an inline keyboard with at least one callback_data containing the
placeholder "{outbox_id}" (normally the "I've seen this" button, see `seen_button_markup`). The
worker fills in the row's id when sending. This makes every message's keyboard unique, which is
how a send whose outcome is unknown is later recognised in the chat (see messaging/README.md).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.delivery.outbox import fetch_outbox_ids, insert_outbox_rows
from db.models import Carer, OutboxState
from messaging.quiet_hours import quiet_hours_end

OUTBOX_ID_PLACEHOLDER = "{outbox_id}"
ACK_CALLBACK_PREFIX = "ack:"


@dataclass(frozen=True)
class OutgoingMessage:
    """One message for one carer, rendered already (HTML, values escaped)."""

    carer: Carer
    idempotency_key: str
    purpose: str
    source_type: str
    text: str
    reply_markup: dict[str, Any]
    source_id: int | None = None
    update_kind: str | None = None
    is_urgent: bool = False
    must_send: bool = False


@dataclass
class EnqueueResult:
    """What happened to each message handed to `enqueue_messages`."""

    queued: int = 0
    held_for_quiet_hours: int = 0
    already_queued: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    outbox_ids: dict[str, int] = field(default_factory=dict)

    @property
    def skipped_total(self) -> int:
        """Messages recorded but not to be sent (muted, no consent, unreachable)."""
        return sum(self.skipped.values())


def seen_button_markup(label: str, *, menu_label: str | None = None) -> dict[str, Any]:
    """The "I've seen this" button (callback data ack:<outbox id>), and a way to the menu when labelled."""
    rows = [[{"text": label, "callback_data": ACK_CALLBACK_PREFIX + OUTBOX_ID_PLACEHOLDER}]]
    if menu_label is not None:
        rows.append([{"text": menu_label, "callback_data": "menu:main"}])
    return {"inline_keyboard": rows}


def markup_for_row(reply_markup: str | None, *, outbox_id: int) -> str | None:
    """The stored keyboard (JSON text) with this row's id filled in, exactly as sent."""
    if reply_markup is None:
        return None
    return reply_markup.replace(OUTBOX_ID_PLACEHOLDER, str(outbox_id))


def skip_reason(message: OutgoingMessage) -> str | None:
    """Why this message must not be sent to this carer now, or None when it may go."""
    carer = message.carer
    if carer.chat_id is None or carer.erased_at is not None:
        return "no_chat"
    if carer.unreachable_since is not None:
        return "unreachable"
    if message.must_send:
        return None
    if not carer.has_consent:
        return "no_consent"
    if message.update_kind is not None and message.update_kind in (carer.muted_update_kinds or []):
        return "muted"
    return None


async def enqueue_messages(session: AsyncSession, *, messages: list[OutgoingMessage], now: datetime) -> EnqueueResult:
    """Write the messages to the outbox in bulk; a key already there is left alone (never sent twice)."""
    result = EnqueueResult()
    rows = []
    for message in messages:
        markup = json.dumps(message.reply_markup, ensure_ascii=False)
        if OUTBOX_ID_PLACEHOLDER not in markup:
            raise ValueError(f"{message.idempotency_key}: the keyboard needs a button with {OUTBOX_ID_PLACEHOLDER}")
        rows.append(_row(message, markup=markup, now=now))
    inserted = await insert_outbox_rows(session, rows=rows)
    result.outbox_ids.update(inserted)
    missing = [row["idempotency_key"] for row in rows if row["idempotency_key"] not in inserted]
    if missing:
        result.outbox_ids.update(await fetch_outbox_ids(session, idempotency_keys=missing))
    _count_outcomes(result, rows=rows, inserted=set(inserted))
    return result


def _row(message: OutgoingMessage, *, markup: str, now: datetime) -> dict[str, Any]:
    carer = message.carer
    reason = skip_reason(message)
    not_before = now
    if reason is None and not message.is_urgent:
        not_before = quiet_hours_end(now, start=carer.quiet_hours_start, end=carer.quiet_hours_end) or now
    return {
        "idempotency_key": message.idempotency_key,
        "carer_id": carer.id,
        "chat_id": carer.chat_id,
        "purpose": message.purpose,
        "update_kind": message.update_kind,
        "source_type": message.source_type,
        "source_id": message.source_id,
        "text": message.text,
        "reply_markup": markup,
        "is_urgent": message.is_urgent,
        "priority": 0 if message.is_urgent else 1,
        "must_send": message.must_send,
        "state": OutboxState.SKIPPED.value if reason else OutboxState.QUEUED.value,
        "queued_at": now,
        "not_before": not_before,
        "skipped_at": now if reason else None,
        "last_error": reason,
        "attempts": 0,
        "is_in_doubt": False,
    }


def _count_outcomes(result: EnqueueResult, *, rows: list[dict[str, Any]], inserted: set[str]) -> None:
    for row in rows:
        if row["idempotency_key"] not in inserted:
            result.already_queued += 1
        elif row["state"] == OutboxState.SKIPPED.value:
            result.skipped[row["last_error"]] += 1
        else:
            result.queued += 1
            if row["not_before"] > row["queued_at"]:
                result.held_for_quiet_hours += 1
