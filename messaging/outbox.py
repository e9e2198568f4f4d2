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
from db.models import Carer, FamilyContact, OutboxChannel, OutboxState
from messaging.fallback import FALL_BACK_SKIPS, fall_back
from messaging.outbox_keys import (  # noqa: F401 - the outbox's public helpers, kept importable from here
    ACK_CALLBACK_PREFIX,
    OUTBOX_ID_PLACEHOLDER,
    notify_idempotency_key,
    seen_button_markup,
)
from messaging.quiet_hours import quiet_hours_end


@dataclass(frozen=True)
class ChannelText:
    """A notice rendered for one Notify channel: plain text, and an email's subject."""

    text: str
    subject: str | None = None


@dataclass(frozen=True)
class OutgoingMessage:
    """One message for one family member on its first channel, rendered already (Telegram: HTML, values escaped).

    `carer` is set for a carer linked in Telegram, `contact` for a family contact from the council's import
    (both when a linked carer's contact details are held). `channel_plan` lists the channels to fall back to,
    in order, and `fallback_texts` holds the notice rendered for each of them.
    """

    carer: Carer | None
    idempotency_key: str
    purpose: str
    source_type: str
    text: str
    reply_markup: dict[str, Any]
    source_id: int | None = None
    update_kind: str | None = None
    is_urgent: bool = False
    must_send: bool = False
    channel: OutboxChannel = OutboxChannel.TELEGRAM
    contact: FamilyContact | None = None
    subject: str | None = None
    channel_plan: tuple[OutboxChannel, ...] = ()
    fallback_texts: dict[OutboxChannel, ChannelText] = field(default_factory=dict)
    ack_expires_at: datetime | None = None


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


def markup_for_row(reply_markup: str | None, *, outbox_id: int) -> str | None:
    """The stored keyboard (JSON text) with this row's id filled in, exactly as sent."""
    if reply_markup is None:
        return None
    return reply_markup.replace(OUTBOX_ID_PLACEHOLDER, str(outbox_id))


def skip_reason(message: OutgoingMessage) -> str | None:
    """Why this message must not be sent on its channel now, or None when it may go."""
    carer = message.carer
    if message.channel == OutboxChannel.TELEGRAM:
        if carer is None or carer.chat_id is None or carer.erased_at is not None:
            return "no_chat"
        if carer.unreachable_since is not None:
            return "unreachable"
    elif not _contact_holds(message.contact, channel=message.channel):
        return "no_contact"
    if message.must_send or carer is None:
        return None
    if not carer.has_consent:
        return "no_consent"
    if message.update_kind is not None and message.update_kind in (carer.muted_update_kinds or []):
        return "muted"
    return None


def _contact_holds(contact: FamilyContact | None, *, channel: OutboxChannel) -> bool:
    if contact is None or contact.erased_at is not None:
        return False
    detail = {OutboxChannel.SMS: contact.mobile_e164, OutboxChannel.EMAIL: contact.email,
              OutboxChannel.LETTER: contact.postal_address}.get(channel)
    return bool(detail)


async def enqueue_messages(session: AsyncSession, *, messages: list[OutgoingMessage], now: datetime) -> EnqueueResult:
    """Write the messages to the outbox in bulk; a key already there is left alone (never sent twice).

    `outbox_ids` is keyed by each message's `idempotency_key` (the notice key), whatever its first channel.
    """
    result = EnqueueResult()
    rows = []
    for message in messages:
        markup = json.dumps(message.reply_markup, ensure_ascii=False) if message.reply_markup else None
        if message.channel == OutboxChannel.TELEGRAM and (markup is None or OUTBOX_ID_PLACEHOLDER not in markup):
            raise ValueError(f"{message.idempotency_key}: the keyboard needs a button with {OUTBOX_ID_PLACEHOLDER}")
        rows.append(_row(message, markup=markup, now=now))
    inserted = await insert_outbox_rows(session, rows=rows)
    by_row_key = {row["idempotency_key"]: row["notice_key"] for row in rows}
    result.outbox_ids.update({by_row_key[key]: row_id for key, row_id in inserted.items()})
    missing = [row["idempotency_key"] for row in rows if row["idempotency_key"] not in inserted]
    if missing:
        found = await fetch_outbox_ids(session, idempotency_keys=missing)
        result.outbox_ids.update({by_row_key[key]: row_id for key, row_id in found.items()})
    _count_outcomes(result, rows=rows, inserted=set(inserted))
    await _fall_back_from_skipped(session, rows=rows, inserted=inserted, now=now)
    return result


async def _fall_back_from_skipped(
    session: AsyncSession, *, rows: list[dict[str, Any]], inserted: dict[str, int], now: datetime
) -> None:
    """A first row skipped because its channel cannot reach them (no chat, no number): the plan's next channel."""
    row_ids = [inserted[row["idempotency_key"]] for row in rows if row["idempotency_key"] in inserted
               and row["state"] == OutboxState.SKIPPED.value and row["last_error"] in FALL_BACK_SKIPS
               and row["channel_plan"]]
    if row_ids:
        await fall_back(session, row_ids=row_ids, reason="cannot be reached on the first channel", now=now)


def _row(message: OutgoingMessage, *, markup: str | None, now: datetime) -> dict[str, Any]:
    carer = message.carer
    reason = skip_reason(message)
    not_before = now
    if reason is None and not message.is_urgent and carer is not None:
        not_before = quiet_hours_end(now, start=carer.quiet_hours_start, end=carer.quiet_hours_end) or now
    is_telegram = message.channel == OutboxChannel.TELEGRAM
    key = message.idempotency_key if is_telegram else notify_idempotency_key(message.idempotency_key,
                                                                               channel=message.channel)
    fallback_texts = {
        channel.value: {"text": rendered.text, "subject": rendered.subject}
        for channel, rendered in message.fallback_texts.items() if channel in message.channel_plan
    }
    return {
        "idempotency_key": key,
        "notice_key": message.idempotency_key,
        "channel": message.channel.value,
        "carer_id": carer.id if carer is not None else None,
        "chat_id": carer.chat_id if carer is not None and is_telegram else None,
        "family_contact_id": message.contact.id if message.contact is not None else None,
        "purpose": message.purpose,
        "update_kind": message.update_kind,
        "source_type": message.source_type,
        "source_id": message.source_id,
        "text": message.text,
        "subject": message.subject,
        "reply_markup": markup if is_telegram else None,
        "channel_plan": ",".join(channel.value for channel in message.channel_plan) or None,
        "fallback_texts": json.dumps(fallback_texts, ensure_ascii=False) if fallback_texts else None,
        "fallback_of_id": None,
        "ack_expires_at": message.ack_expires_at,
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
