"""Fallback: when a notice's row ends for good, the next channel of its plan gets a row, once.

Called by the Telegram worker's outcome flush (failed for good, or skipped as no_chat / unreachable), by the Notify
worker (a recipient Notify will not take, a contact erased or removed), by receipts (a Notify failure status), by
`enqueue_messages` (a first row skipped at once) and by services (not acknowledged within the reminder window).
A channel of the plan that is no longer held (the number removed, the chat blocked) is recorded as skipped and the
plan moves on; a notice whose last row ended with nothing left to try is "exhausted" (the call list).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from core.i18n import plain_text
from db.dao.delivery.fallback import (
    Recipient,
    fetch_exhausted_notice_keys,
    fetch_recipient,
    lock_rows_to_fall_back,
    stamp_fallback_queued,
)
from db.dao.delivery.outbox import insert_outbox_rows
from db.models import OutboxChannel, OutboxMessage, OutboxState
from messaging.outbox_keys import notify_idempotency_key, seen_button_markup
from messaging.quiet_hours import quiet_hours_end

logger = logging.getLogger(__name__)
# Skips that mean "this channel cannot reach them": the next channel is tried. Muted or no consent: nothing is.
FALL_BACK_SKIPS = frozenset({"no_chat", "unreachable", "no_contact"})


async def fall_back(session: AsyncSession, *, row_ids: Sequence[int], reason: str, now: datetime) -> dict[int, int]:
    """Queue the next channel for each row that ended for good; {row id: new row id}. Idempotent."""
    queued: dict[int, int] = {}
    rows = await lock_rows_to_fall_back(session, row_ids=row_ids)
    for row in rows:
        assert row.id is not None
        recipient = await fetch_recipient(session, carer_id=row.carer_id, contact_id=row.family_contact_id)
        new_id = await _queue_next(session, row=row, recipient=recipient, now=now)
        if new_id is not None:
            queued[row.id] = new_id
            logger.info("notice %s: %s row %d ended (%s); next channel queued as row %d",
                        row.notice_key, row.channel, row.id, reason, new_id)
        else:
            logger.info("notice %s: %s row %d ended (%s); no channel left", row.notice_key, row.channel, row.id, reason)
    await stamp_fallback_queued(session, row_ids=[row.id for row in rows if row.id is not None], now=now)
    return queued


async def exhausted_notices(session: AsyncSession, *, notice_keys: Sequence[str]) -> set[str]:
    """The notices no channel reached: every row ended, nothing left to try, nothing acknowledged."""
    return await fetch_exhausted_notice_keys(session, notice_keys=notice_keys)


async def _queue_next(session: AsyncSession, *, row: OutboxMessage, recipient: Recipient, now: datetime) -> int | None:
    """Insert rows down the plan: skipped ones for channels no longer held, then one queued; its id."""
    plan = [channel for channel in (row.channel_plan or "").split(",") if channel]
    texts: dict[str, dict[str, Any]] = json.loads(row.fallback_texts or "{}")
    previous_id = row.id
    while plan:
        channel, plan = plan[0], plan[1:]
        rendered = texts.get(channel)
        held = rendered is not None and recipient.holds(channel)
        values = _next_row(row, channel=channel, rest=plan, texts=texts, recipient=recipient, now=now,
                           previous_id=previous_id, skip=None if held else _skip_for(channel))
        inserted = await insert_outbox_rows(session, rows=[values])
        if values["idempotency_key"] not in inserted:
            return None  # queued already by someone else: nothing more to do
        previous_id = inserted[values["idempotency_key"]]
        if held:
            return previous_id
    return None


def _skip_for(channel: str) -> str:
    return "no_chat" if channel == OutboxChannel.TELEGRAM.value else "no_contact"


def _next_row(row: OutboxMessage, *, channel: str, rest: list[str], texts: dict[str, dict[str, Any]],
              recipient: Recipient, now: datetime, previous_id: int | None, skip: str | None) -> dict[str, Any]:
    notice_key = row.notice_key or row.idempotency_key
    is_telegram = channel == OutboxChannel.TELEGRAM.value
    rendered = texts.get(channel) or {}
    remaining = {name: texts[name] for name in rest if name in texts}
    not_before = now
    if skip is None and not row.is_urgent:
        start, end = recipient.quiet_hours
        not_before = quiet_hours_end(now, start=start, end=end) or now
    markup = None
    if is_telegram:
        label = plain_text("updates.button.seen", language=recipient.language)
        markup = json.dumps(seen_button_markup(label), ensure_ascii=False)
    return {
        "idempotency_key": notice_key if is_telegram else notify_idempotency_key(notice_key,
                                                                                  channel=OutboxChannel(channel)),
        "notice_key": notice_key,
        "channel": channel,
        "carer_id": row.carer_id,
        "chat_id": recipient.chat_id if is_telegram else None,
        "family_contact_id": recipient.contact_id,
        "purpose": row.purpose,
        "update_kind": row.update_kind,
        "source_type": row.source_type,
        "source_id": row.source_id,
        "text": rendered.get("text"),
        "subject": rendered.get("subject"),
        "reply_markup": markup,
        "channel_plan": ",".join(rest) or None,
        "fallback_texts": json.dumps(remaining, ensure_ascii=False) if remaining else None,
        "fallback_of_id": previous_id,
        "fallback_queued_at": now if skip is not None else None,
        "ack_expires_at": row.ack_expires_at,
        "is_urgent": row.is_urgent,
        "priority": row.priority,
        "must_send": row.must_send,
        "state": OutboxState.SKIPPED.value if skip else OutboxState.QUEUED.value,
        "queued_at": now,
        "not_before": not_before,
        "skipped_at": now if skip else None,
        "last_error": skip,
        "attempts": 0,
        "is_in_doubt": False,
    }
