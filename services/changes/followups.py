"""Closing the loop on a change: acknowledgements, one reminder, and the officers' call list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.changes import (
    fetch_notice_rows,
    fetch_notices_open_for_reminder,
    mark_notices_escalated,
    save_notice,
)
from db.dao.delivery.fallback import stamp_fallback_queued
from db.dao.delivery.seen_in_chat import acknowledge_in_chat
from db.dao.portable import writes_in_one_statement
from db.dao.transport.contacts import fetch_contacts_for_carers
from db.dao.transport.data import fetch_children_by_ids, fetch_routes_by_ids
from db.engine import Database
from db.models import OutboxChannel, OutboxMessage, OutboxState
from core.i18n import text
from messaging.outbox import enqueue_messages
from services.carers.channel_plans import PlannedRecipient, carer_contact
# The call list lives in services/changes/call_list.py; its names stay importable from here.
from services.changes.call_list import (  # noqa: F401
    CALL_LIST_HORIZON, CallListRow, build_call_list, call_reason, write_call_list_csv,
)
from services.changes.recipients import recipient_key, recipient_message

REMINDER_AFTER = timedelta(hours=24)


@dataclass(frozen=True)
class AcknowledgementOutcome:
    """recorded (first press), already (pressed before) or not_found (not this chat's message)."""

    status: str
    seen_text: str | None = None
    language: str = "en"


def is_single_write(database: Database) -> bool:
    """True where `acknowledge_message` makes one write, last (Database.single_write): one statement there."""
    return writes_in_one_statement(database)


async def acknowledge_message(
    session: AsyncSession, *, outbox_id: int, chat_id: int, telegram_message_id: int | None, language: str, now: datetime
) -> AcknowledgementOutcome:
    """Record "I've seen this" on the message and its change notice; the message's text, marked seen, in `language`
    (the chat's carer's: a message is only acknowledged from its own chat)."""
    acknowledged = await acknowledge_in_chat(
        session, outbox_id=outbox_id, chat_id=chat_id, telegram_message_id=telegram_message_id, now=now
    )
    if acknowledged is None:
        return AcknowledgementOutcome(status="not_found")
    seen_text = f"{acknowledged.text}\n\n{text('updates.seen.done', language=language)}"
    return AcknowledgementOutcome(
        status="recorded" if acknowledged.is_new else "already", seen_text=seen_text, language=language
    )


async def send_due_reminders(
    session: AsyncSession, *, now: datetime, council_phone: str, council_hours: str = "",
    reminder_after: timedelta = REMINDER_AFTER,
) -> int:
    """Queue the one reminder for every notice sent `reminder_after` ago and still not acknowledged.

    The reminder goes by the next channel the family member holds (Telegram, then text, then email), on the
    notice's own key, so it is the same row fall back would make and can never be sent twice; when no other
    channel is held it goes again on the same one (a letter is never followed by a reminder: it takes days).
    """
    candidates = await fetch_notices_open_for_reminder(session, now=now)
    rows = await fetch_notice_rows(session, notices=[item.notice for item in candidates])
    due = [(item, plan) for item in candidates if (plan := reminder_plan(rows.get(item.notice.id or 0, []),
                                                                         sent_before=now - reminder_after))]
    if not due:
        return 0
    child_ids = sorted({child_id for item, _ in due for child_id in item.notice.child_ids})
    children = {child.id: child for child in await fetch_children_by_ids(session, child_ids=child_ids)}
    routes = await fetch_routes_by_ids(session, route_ids=sorted({c.route_id for c in children.values() if c.route_id}))
    held = await fetch_contacts_for_carers(session, carer_ids=[i.carer.id for i, _ in due if i.carer and i.carer.id])
    messages = []
    for item, plan in due:
        contact = item.contact
        if item.carer is not None and item.carer.id is not None:
            contact = carer_contact(held.get(item.carer.id, []), carer_id=item.carer.id)
        recipient = PlannedRecipient(item.carer, contact, tuple(item.notice.child_ids), plan.channels)
        messages.append(recipient_message(
            item.change, recipient=recipient, children=[children[i] for i in item.notice.child_ids if i in children],
            routes=routes, council_phone=council_phone, council_hours=council_hours, is_reminder=True,
            idempotency_key=plan.key_of(recipient_key(item.change, recipient)),
        ))
    result = await enqueue_messages(session, messages=messages, now=now)
    # The next channel is used now: the row before it must not fall back to it again later.
    await stamp_fallback_queued(session, row_ids=[plan.after_row_id for _, plan in due if plan.is_next_channel], now=now)
    for (item, _), message in zip(due, messages, strict=True):
        item.notice.reminded_at = now
        item.notice.reminder_outbox_message_id = result.outbox_ids.get(message.idempotency_key)
        await save_notice(session, notice=item.notice)
    return len(due)


@dataclass(frozen=True)
class ReminderPlan:
    """The channels a reminder goes by, and whether it joins the notice (next channel) or repeats the same one."""

    channels: tuple[OutboxChannel, ...]
    is_next_channel: bool
    after_row_id: int = 0  # the notice's latest row, whose plan the reminder takes up

    def key_of(self, notice_key: str) -> str:
        """The reminder's key: the notice's own on a new channel, else the notice's with ":reminder"."""
        return notice_key if self.is_next_channel else f"{notice_key}:reminder"


def reminder_plan(rows: list[OutboxMessage], *, sent_before: datetime) -> ReminderPlan | None:
    """How to remind: by the next channel of the latest row's plan, else the same channel; None if not due."""
    if not rows:
        return None
    latest = rows[-1]
    if latest.state != OutboxState.SENT.value or latest.sent_at is None or latest.sent_at > sent_before:
        return None
    if latest.channel == OutboxChannel.LETTER.value:
        return None
    plan = tuple(OutboxChannel(name) for name in (latest.channel_plan or "").split(",") if name)
    if plan and latest.fallback_queued_at is None:
        return ReminderPlan(channels=plan, is_next_channel=True, after_row_id=latest.id or 0)
    return ReminderPlan(channels=(OutboxChannel(latest.channel),), is_next_channel=False)


async def escalate_unacknowledged(session: AsyncSession, *, now: datetime, horizon: timedelta = CALL_LIST_HORIZON) -> int:
    """Stamp the notices that have just joined the call list (for the record and the metrics)."""
    return await mark_notices_escalated(session, effective_before=now + horizon, now=now)
