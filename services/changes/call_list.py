"""The officers' call list: families no channel reached, with what was tried on each channel.

Reached means acknowledged on any channel, or a text or email Notify reports delivered; a child's family is
reached when any one of its carers or contacts is. A family whose every
channel ended for good (or who holds none) is listed at once; one sent a message but silent is listed 24 hours
before the change takes effect.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TextIO

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.changes import NOTIFY_FAILURES, ChangeCallFacts, fetch_call_list_facts
from db.models import Carer, ChangeNotice, Child, FamilyContact, OutboxMessage

# Families still unacknowledged this long before a change takes effect are telephoned.
CALL_LIST_HORIZON = timedelta(hours=24)
# Families no channel can reach are listed as soon as we know, not only 24 hours before.
CALL_AT_ONCE = frozenset({"unreachable", "not_delivered", "no_contact_held"})
CALL_LIST_COLUMNS = (
    "change_reference", "change_kind", "effective_from", "route_code", "council_reference", "child_name",
    "carer_pseudonym", "carer_first_name", "reason", "tried", "notice_sent_at", "reminder_sent",
)
CHANNEL_NAMES = {"telegram": "Telegram", "sms": "text", "email": "email", "letter": "letter"}
_SKIPS = {
    "no_chat": "not linked", "unreachable": "blocked", "muted": "changes muted", "no_consent": "no consent",
    "no_contact": "nothing held",
}


@dataclass(frozen=True)
class CallListRow:
    """One family to telephone about one change, and what was tried."""

    change_reference: str
    change_kind: str
    effective_from: date
    route_code: str
    council_reference: str
    child_name: str
    carer_pseudonym: str
    carer_first_name: str
    reason: str
    tried: str
    notice_sent_at: datetime | None
    reminder_sent: bool

    def as_csv(self) -> list[str]:
        """The row's values for the CSV export, in CALL_LIST_COLUMNS order."""
        values = [getattr(self, name) for name in CALL_LIST_COLUMNS]
        return ["" if value is None else value.isoformat() if hasattr(value, "isoformat") else str(value) for value in values]


async def build_call_list(
    session: AsyncSession, *, now: datetime, horizon: timedelta = CALL_LIST_HORIZON, change_id: int | None = None
) -> list[CallListRow]:
    """Families to call: no channel reached them (at once), or silent 24 hours before the change (one change, or all)."""
    rows: list[CallListRow] = []
    for facts in await fetch_call_list_facts(session, ended_before=now - timedelta(days=1), change_id=change_id):
        is_due = facts.change.effective_at <= now + horizon
        for child, route_code in facts.children:
            family = [
                (notice, carer, contact, facts.rows.get(notice.id or 0, []) if notice is not None else [])
                for notice, carer, contact in _family_of(facts, child)
            ]
            reasons = [call_reason(carer=carer, notice=notice, rows=outbox) for notice, carer, _, outbox in family]
            if any(reason is None for reason in reasons):
                continue  # one of the child's family saw it (or a text or email arrived): the family is reached
            for (notice, carer, contact, outbox), reason in zip(family, reasons, strict=True):
                if reason is not None and (is_due or reason in CALL_AT_ONCE):
                    rows.append(_row(facts, child, route_code, carer, notice, outbox, reason, contact))
    return rows


def _family_of(
    facts: ChangeCallFacts, child: Child
) -> list[tuple[ChangeNotice | None, Carer | None, FamilyContact | None]]:
    """Each family member of the child: (their notice, the carer, the contact), or one empty entry if none."""
    members: list[tuple[ChangeNotice | None, Carer | None, FamilyContact | None]] = []
    contacts = {contact.id: contact for contact in facts.contacts if contact.id is not None}
    noticed_carers = set()
    for notice in facts.notices:
        if child.id not in notice.child_ids:
            continue
        carer = facts.carers.get(notice.carer_id) if notice.carer_id is not None else None
        contact = contacts.get(notice.family_contact_id) if notice.family_contact_id is not None else None
        if carer is None and contact is None and notice.carer_id is not None:
            continue  # the carer was erased: nothing left to call
        noticed_carers.add(notice.carer_id)
        members.append((notice, carer, _held_contact(facts, carer) if carer is not None else contact))
    for carer_id, child_id in facts.links:
        if child_id == child.id and carer_id not in noticed_carers and carer_id in facts.carers:
            members.append((None, facts.carers[carer_id], None))  # linked after the change was recorded
    return members or [(None, None, None)]


def _held_contact(facts: ChangeCallFacts, carer: Carer) -> FamilyContact | None:
    return next((c for c in facts.contacts if c.carer_id == carer.id and c.erased_at is None), None)


def is_reached(rows: list[OutboxMessage]) -> bool:
    """Acknowledged on any channel, or a Notify receipt says delivered."""
    return any(row.acknowledged_at is not None or row.notify_status == "delivered" for row in rows)


def call_reason(*, carer: Carer | None, notice: ChangeNotice | None, rows: list[OutboxMessage]) -> str | None:
    """Why this family needs a call, or None when a channel reached them."""
    if notice is None:
        return "linked_after_change" if carer is not None else "not_on_carerline"
    if notice.acknowledged_at is not None or is_reached(rows):
        return None
    if not rows:
        return "not_sent" if carer is not None else "no_contact_held"
    latest = rows[-1]
    has_fallback_left = bool(latest.channel_plan) and latest.fallback_queued_at is None
    if latest.state == "skipped":
        if has_fallback_left:
            return "not_yet_sent"
        return {"muted": "muted_changes", "no_consent": "no_consent"}.get(latest.last_error or "", "unreachable")
    if latest.state == "failed" or latest.notify_status in NOTIFY_FAILURES:
        return "not_yet_sent" if has_fallback_left else "not_delivered"
    if latest.channel == "telegram" and carer is not None and carer.unreachable_since is not None:
        return "not_yet_sent" if has_fallback_left else "unreachable"
    if latest.state in ("queued", "sending"):
        return "not_yet_sent"
    return "not_acknowledged"


def tried(rows: list[OutboxMessage], *, contact: FamilyContact | None, carer: Carer | None) -> str:
    """What was tried, e.g. "Telegram blocked; text failed: not a UK mobile; no email held"."""
    parts = [_outcome(row) for row in rows]
    used = {row.channel for row in rows}
    live = contact if contact is not None and contact.erased_at is None else None
    if "telegram" not in used and carer is None:
        parts.append("not on Telegram")
    if "sms" not in used and (live is None or not live.mobile_e164):
        parts.append("no mobile held")
    if "email" not in used and (live is None or not live.email):
        parts.append("no email held")
    if "letter" not in used and live is not None and live.postal_address and not rows:
        parts.append("a letter would not arrive in time")
    return "; ".join(parts)


def _outcome(row: OutboxMessage) -> str:
    name = CHANNEL_NAMES.get(row.channel, row.channel)
    error = (row.last_error or "").strip()
    if row.acknowledged_at is not None:
        return f"{name} seen"
    if row.notify_status == "delivered":
        return f"{name} delivered"
    if row.state == "skipped":
        return f"{name} {_SKIPS.get(error, 'not sent: ' + error)}"
    if row.state == "failed" or row.notify_status in NOTIFY_FAILURES:
        if row.channel == "telegram" and "blocked" in error.lower():
            return "Telegram blocked"
        return f"{name} failed: {error or row.notify_status or 'unknown'}"
    if row.state in ("queued", "sending"):
        return f"{name} waiting to send"
    return f"{name} sent, not seen"


def _row(
    facts: ChangeCallFacts, child: Child, route_code: str | None, carer: Carer | None, notice: ChangeNotice | None,
    rows: list[OutboxMessage], reason: str, contact: FamilyContact | None,
) -> CallListRow:
    sent = [row.sent_at for row in rows if row.sent_at is not None]
    return CallListRow(
        change_reference=facts.change.reference,
        change_kind=facts.change.kind,
        effective_from=facts.change.effective_from,
        route_code=route_code or "",
        council_reference=child.council_reference,
        child_name=child.display_name,
        carer_pseudonym=carer.pseudonym if carer else "",
        carer_first_name=((carer.first_name or "") if carer else (contact.name or "") if contact else ""),
        reason=reason,
        tried=tried(rows, contact=contact, carer=carer) if notice is not None or carer is None else "",
        notice_sent_at=min(sent) if sent else None,
        reminder_sent=notice is not None and notice.reminded_at is not None,
    )


def write_call_list_csv(handle: TextIO, rows: list[CallListRow]) -> None:
    """The call list as CSV for officers."""
    writer = csv.writer(handle)
    writer.writerow(CALL_LIST_COLUMNS)
    writer.writerows(row.as_csv() for row in rows)
