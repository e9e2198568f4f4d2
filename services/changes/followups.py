"""Closing the loop on a change: acknowledgements, one reminder, and the officers' call list."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TextIO

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.changes import (
    CallListEntry,
    fetch_call_list_entries,
    fetch_notice_for_outbox,
    fetch_notices_due_a_reminder,
    mark_notices_escalated,
    save_notice,
)
from db.dao.carers.accounts import fetch_carer
from db.dao.delivery.outbox import fetch_outbox_message, save_acknowledgement
from db.dao.transport.data import fetch_children_by_ids, fetch_routes_by_ids
from core.i18n import text
from messaging.outbox import enqueue_messages
from services.changes.notices import notice_key, notice_message

REMINDER_AFTER = timedelta(hours=24)
# Families still unacknowledged this long before a change takes effect are telephoned.
CALL_LIST_HORIZON = timedelta(hours=24)
# Families Telegram cannot reach are listed as soon as we know, not only 24 hours before.
CALL_AT_ONCE = frozenset({"unreachable", "not_delivered"})
CALL_LIST_COLUMNS = (
    "change_reference", "change_kind", "effective_from", "route_code", "council_reference", "child_name",
    "carer_pseudonym", "carer_first_name", "reason", "notice_sent_at", "reminder_sent",
)


@dataclass(frozen=True)
class AcknowledgementOutcome:
    """recorded (first press), already (pressed before) or not_found (not this chat's message)."""

    status: str
    seen_text: str | None = None
    language: str = "en"


async def acknowledge_message(
    session: AsyncSession, *, outbox_id: int, chat_id: int, telegram_message_id: int | None, now: datetime
) -> AcknowledgementOutcome:
    """Record "I've seen this" on the message and its change notice; the message's text, marked seen."""
    row = await fetch_outbox_message(session, outbox_id=outbox_id)
    if row is None or row.chat_id is None or row.chat_id != chat_id or row.text is None:
        return AcknowledgementOutcome(status="not_found")
    is_new = await save_acknowledgement(session, outbox_id=outbox_id, telegram_message_id=telegram_message_id, now=now)
    notice = await fetch_notice_for_outbox(session, outbox_id=outbox_id)
    if notice is not None and notice.acknowledged_at is None:
        notice.acknowledged_at = now
        await save_notice(session, notice=notice)
    carer = await fetch_carer(session, carer_id=row.carer_id) if row.carer_id is not None else None
    language = carer.language if carer is not None else "en"
    seen_text = f"{row.text}\n\n{text('updates.seen.done', language=language)}"
    return AcknowledgementOutcome(status="recorded" if is_new else "already", seen_text=seen_text, language=language)


async def send_due_reminders(
    session: AsyncSession, *, now: datetime, council_phone: str, council_hours: str = "",
    reminder_after: timedelta = REMINDER_AFTER,
) -> int:
    """Queue the one reminder for every notice delivered `reminder_after` ago and still not acknowledged."""
    due = await fetch_notices_due_a_reminder(session, sent_before=now - reminder_after, now=now)
    if not due:
        return 0
    child_ids = sorted({child_id for item in due for child_id in item.notice.child_ids})
    children = {child.id: child for child in await fetch_children_by_ids(session, child_ids=child_ids)}
    routes = await fetch_routes_by_ids(session, route_ids=sorted({c.route_id for c in children.values() if c.route_id}))
    messages = [
        notice_message(
            item.change, carer=item.carer, children=[children[i] for i in item.notice.child_ids if i in children],
            routes=routes, council_phone=council_phone, council_hours=council_hours, is_reminder=True,
        )
        for item in due
    ]
    result = await enqueue_messages(session, messages=messages, now=now)
    for item in due:
        item.notice.reminded_at = now
        item.notice.reminder_outbox_message_id = result.outbox_ids.get(
            notice_key(item.change, item.carer.id or 0, is_reminder=True)
        )
        await save_notice(session, notice=item.notice)
    return len(due)


async def escalate_unacknowledged(session: AsyncSession, *, now: datetime, horizon: timedelta = CALL_LIST_HORIZON) -> int:
    """Stamp the notices that have just joined the call list (for the record and the metrics)."""
    return await mark_notices_escalated(session, effective_before=now + horizon, now=now)


@dataclass(frozen=True)
class CallListRow:
    """One family to telephone about one change."""

    change_reference: str
    change_kind: str
    effective_from: date
    route_code: str
    council_reference: str
    child_name: str
    carer_pseudonym: str
    carer_first_name: str
    reason: str
    notice_sent_at: datetime | None
    reminder_sent: bool

    def as_csv(self) -> list[str]:
        """The row's values for the CSV export, in CALL_LIST_COLUMNS order."""
        values = [getattr(self, name) for name in CALL_LIST_COLUMNS]
        return ["" if value is None else value.isoformat() if hasattr(value, "isoformat") else str(value) for value in values]


async def build_call_list(session: AsyncSession, *, now: datetime, horizon: timedelta = CALL_LIST_HORIZON) -> list[CallListRow]:
    """Families to call: not acknowledged 24 hours before the change, or not reachable at all."""
    entries = await fetch_call_list_entries(session, ended_before=now - timedelta(days=1))
    rows = []
    for entry in entries:
        reason = call_reason(entry)
        is_due = entry.change.effective_at <= now + horizon
        if reason is not None and (is_due or reason in CALL_AT_ONCE):
            rows.append(_row(entry, reason))
    return rows


def call_reason(entry: CallListEntry) -> str | None:
    """Why this family needs a call, or None when they have seen the notice."""
    carer, notice, outbox = entry.carer, entry.notice, entry.outbox
    if carer is None:
        return "not_on_carerline"
    if notice is None:
        return "linked_after_change"
    if notice.acknowledged_at is not None:
        return None
    if carer.unreachable_since is not None:
        return "unreachable"
    if outbox is None:
        return "not_sent"
    if outbox.state == "skipped":
        return {"muted": "muted_changes", "no_consent": "no_consent"}.get(outbox.last_error or "", "unreachable")
    if outbox.state == "failed":
        return "not_delivered"
    if outbox.state in ("queued", "sending"):
        return "not_yet_sent"
    return "not_acknowledged"


def _row(entry: CallListEntry, reason: str) -> CallListRow:
    carer, notice, outbox = entry.carer, entry.notice, entry.outbox
    return CallListRow(
        change_reference=entry.change.reference,
        change_kind=entry.change.kind,
        effective_from=entry.change.effective_from,
        route_code=entry.route_code or "",
        council_reference=entry.child.council_reference,
        child_name=entry.child.display_name,
        carer_pseudonym=carer.pseudonym if carer else "",
        carer_first_name=(carer.first_name or "") if carer else "",
        reason=reason,
        notice_sent_at=outbox.sent_at if outbox else None,
        reminder_sent=notice is not None and notice.reminded_at is not None,
    )


def write_call_list_csv(handle: TextIO, rows: list[CallListRow]) -> None:
    """The call list as CSV for officers."""
    writer = csv.writer(handle)
    writer.writerow(CALL_LIST_COLUMNS)
    writer.writerows(row.as_csv() for row in rows)
