"""Acknowledgements outside Telegram: the signed link's page and a reply of YES by text, recorded as the button does."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlmodel.ext.asyncio.session import AsyncSession

from core.i18n import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES
from db.dao.changes import acknowledge_notice_of_row, fetch_notice_for_outbox
from db.dao.delivery.acknowledgements import fetch_latest_unacknowledged_text, fetch_row_language, lock_outbox_row
from db.dao.delivery.notify_receipts import save_inbound_text
from db.dao.delivery.outbox import fetch_outbox_message, save_acknowledgement
from db.models import OutboxMessage
from messaging.ack_links import DEFAULT_EXPIRY, PATH_PREFIX
from messaging.notify_receipts import parse_inbound_callback

ACK_LINK_PLACEHOLDER = "{ack_link}"
CHANGE_SOURCES = frozenset({"transport_change", "operator_disruption"})
# A reply that means "I have seen it": YES, Y, Tak (Polish), any case, trimmed, with a full stop or "!" at most.
_YES = re.compile(r"^\s*(yes|y|tak)\s*[.!]*\s*$", re.IGNORECASE)
AckStatus = Literal["recorded", "already", "not_found"]
TextOutcome = Literal["repeat", "acknowledged", "no_message", "not_yes"]


@dataclass(frozen=True)
class SeenNotice:
    """What the link's page shows: the notice as the family read it, in their language, and whether it is seen."""

    outbox_id: int
    text: str
    language: str
    is_acknowledged: bool


def is_yes(message: str) -> bool:
    """True for YES, yes., Y or Tak; anything else is kept for officers and not acted on."""
    return _YES.match(message) is not None


def page_text(row_text: str) -> str:
    """The notice's plain text without the line that carries the link (the reader is on that page already)."""
    lines = [line for line in row_text.splitlines() if ACK_LINK_PLACEHOLDER not in line and PATH_PREFIX not in line]
    return "\n".join(lines).strip()


async def _language(session: AsyncSession, *, row: OutboxMessage) -> str:
    language = await fetch_row_language(session, row=row)
    return language if language in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE


async def seen_notice(session: AsyncSession, *, outbox_id: int) -> SeenNotice | None:
    """The notice behind a link, read only (opening a link never acknowledges); None when it is gone."""
    row = await fetch_outbox_message(session, outbox_id=outbox_id)
    if row is None or not row.text:
        return None
    notice = await fetch_notice_for_outbox(session, outbox_id=outbox_id)
    seen = row.acknowledged_at is not None or (notice is not None and notice.acknowledged_at is not None)
    return SeenNotice(outbox_id=outbox_id, text=page_text(row.text), language=await _language(session, row=row),
                      is_acknowledged=seen)


async def row_language(session: AsyncSession, *, outbox_id: int) -> str:
    """The language to speak to a row's family in (English when the row or its carer is gone)."""
    row = await fetch_outbox_message(session, outbox_id=outbox_id)
    return DEFAULT_LANGUAGE if row is None else await _language(session, row=row)


async def is_about_a_change(session: AsyncSession, *, outbox_id: int) -> bool:
    """True when the row tells of a transport change or disruption (its link stops when that takes effect)."""
    row = await fetch_outbox_message(session, outbox_id=outbox_id)
    return row is not None and row.source_type in CHANGE_SOURCES


async def acknowledge_outbox_row(session: AsyncSession, *, outbox_id: int, now: datetime) -> AckStatus:
    """Record "I've seen this" on a row and its change notice, without a chat: recorded, already or not_found."""
    # Locked and read afresh first (PostgreSQL): a second press at the same moment waits, then finds it recorded.
    row = await lock_outbox_row(session, outbox_id=outbox_id)
    if row is None or not row.text:
        return "not_found"
    is_new = await save_acknowledgement(session, outbox_id=outbox_id, telegram_message_id=None, now=now)
    notice_was_open = await acknowledge_notice_of_row(session, outbox_id=outbox_id, notice_key=row.notice_key, now=now)
    return "recorded" if is_new or notice_was_open else "already"


async def receive_text_reply(session: AsyncSession, *, payload: Any, now: datetime) -> TextOutcome:
    """Keep a received text (ValueError for a bad body); a first YES acknowledges the number's latest open text."""
    inbound = parse_inbound_callback(payload, now=now)
    if not await save_inbound_text(session, text=inbound):
        return "repeat"  # Notify retries callbacks: the same id is acted on once
    if not is_yes(inbound.message):
        return "not_yes"
    row = await fetch_latest_unacknowledged_text(
        session, mobile_e164=inbound.source_number, now=now, default_expiry=DEFAULT_EXPIRY
    )
    if row is None or row.id is None:
        return "no_message"
    await acknowledge_outbox_row(session, outbox_id=row.id, now=now)
    return "acknowledged"
