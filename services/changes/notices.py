"""Recording a transport change and telling every affected family, personally and in their language."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.changes import fetch_change_by_reference, save_change, save_change_children, save_notices
from db.dao.transport.data import (
    fetch_active_children_on_routes,
    fetch_operator_by_code,
    fetch_route_by_code,
    fetch_route_ids_of_operator,
    fetch_routes_by_ids,
    fetch_stop,
)
from db.models import ChangeKind, Child, TransportChange
from messaging.limits import FAMILY_TEXT_LIMITS
from messaging.outbox import EnqueueResult, enqueue_messages
from services.changes.recipients import change_recipients, recipient_key, recipient_message

UK = ZoneInfo("Europe/London")
# A change dated for a school day takes effect before the morning run.
DEFAULT_EFFECTIVE_TIME = time(6, 0)
# What families read of an officer's words, held short so every channel's message stays under 918 characters.
FAMILY_TEXT_FIELDS = {
    "old_value": FAMILY_TEXT_LIMITS["change_value"],
    "new_value": FAMILY_TEXT_LIMITS["change_value"],
    "reason": FAMILY_TEXT_LIMITS["change_reason"],
}


class ChangeError(ValueError):
    """The change cannot be recorded; `field` names what was wrong, as the API, the CSV and the CLI name it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class ChangeRequest:
    """What an officer records (through the staff API, the CLI or a CSV row)."""

    kind: ChangeKind
    effective_from: date
    recorded_by: str
    route_code: str | None = None
    operator_code: str | None = None
    stop_sequence: int | None = None
    old_value: str | None = None
    new_value: str | None = None
    effective_until: date | None = None
    effective_time: time | None = None
    is_urgent: bool = False
    must_send: bool = False
    reason: str = ""
    contact_phone: str | None = None
    reference: str | None = None


@dataclass
class RecordedChange:
    """The change, whether it is new, and what was queued for families."""

    change: TransportChange
    is_new: bool
    affected_children: int = 0
    carers: int = 0
    contacts: int = 0
    unreachable: int = 0
    children_without_carer: int = 0
    children_without_contact: int = 0
    notices: EnqueueResult = field(default_factory=EnqueueResult)


async def record_change(
    session: AsyncSession, *, request: ChangeRequest, now: datetime, council_phone: str, council_hours: str = ""
) -> RecordedChange:
    """Save the change, resolve children then family members, queue one notice each on their channel plan (idempotent)."""
    if request.reference:
        existing = await fetch_change_by_reference(session, reference=request.reference)
        if existing is not None:
            return RecordedChange(change=existing, is_new=False)
    change, route_ids = await _build_change(session, request=request, now=now)
    await save_change(session, change=change)
    assert change.id is not None
    children = await fetch_active_children_on_routes(session, route_ids=route_ids, stop_id=change.stop_id)
    await save_change_children(session, change_id=change.id, child_ids=[child.id for child in children if child.id])
    recorded = RecordedChange(change=change, is_new=True, affected_children=len(children))
    await _queue_notices(
        session, recorded=recorded, children=children, now=now, council_phone=council_phone, council_hours=council_hours
    )
    change.notices_queued_at = now
    await save_change(session, change=change)
    return recorded


async def _build_change(session: AsyncSession, *, request: ChangeRequest, now: datetime) -> tuple[TransportChange, list[int]]:
    if (request.route_code is None) == (request.operator_code is None):
        raise ChangeError("route_code", "give either a route code or an operator code")
    if request.effective_until is not None and request.effective_until < request.effective_from:
        raise ChangeError("effective_until", "is before effective_from")
    if request.kind == ChangeKind.ROUTE_SUSPENDED and request.effective_until is None:
        raise ChangeError("effective_until", "a suspension needs the last day it lasts")
    if not request.recorded_by.strip():
        raise ChangeError("recorded_by", "say who recorded the change")
    for name, limit in FAMILY_TEXT_FIELDS.items():
        if len((getattr(request, name) or "").strip()) > limit:
            raise ChangeError(name, f"must be {limit} characters or fewer, so the families' message stays short")
    route_id = operator_id = stop_id = None
    if request.route_code is not None:
        route = await fetch_route_by_code(session, code=request.route_code)
        if route is None:
            raise ChangeError("route_code", f"no route {request.route_code}")
        route_id, route_ids = route.id, [route.id]
        if request.stop_sequence is not None:
            stop = await fetch_stop(session, route_id=route.id, sequence=request.stop_sequence)  # type: ignore[arg-type]
            if stop is None:
                raise ChangeError("stop_sequence", f"route {request.route_code} has no stop {request.stop_sequence}")
            stop_id = stop.id
    else:
        operator = await fetch_operator_by_code(session, code=request.operator_code or "")
        if operator is None:
            raise ChangeError("operator_code", f"no operator {request.operator_code}")
        operator_id = operator.id
        route_ids = await fetch_route_ids_of_operator(session, operator_id=operator.id)  # type: ignore[arg-type]
    change = TransportChange(
        reference=request.reference or f"CHG-{now:%Y%m%d}-{secrets.token_hex(3).upper()}",
        kind=request.kind.value,
        route_id=route_id,
        operator_id=operator_id,
        stop_id=stop_id,
        old_value=_clean(request.old_value),
        new_value=_clean(request.new_value),
        effective_from=request.effective_from,
        effective_until=request.effective_until,
        effective_at=_effective_at(request, now=now),
        is_urgent=request.is_urgent or request.kind == ChangeKind.CANCELLED_TODAY,
        must_send=request.must_send,
        reason=request.reason.strip(),
        contact_phone=_clean(request.contact_phone),
        recorded_by=request.recorded_by.strip(),
        recorded_at=now,
    )
    return change, [route_id for route_id in route_ids if route_id is not None]


def _clean(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


def _effective_at(request: ChangeRequest, *, now: datetime) -> datetime:
    if request.kind == ChangeKind.CANCELLED_TODAY and request.effective_time is None:
        return now
    moment = datetime.combine(request.effective_from, request.effective_time or DEFAULT_EFFECTIVE_TIME, tzinfo=UK)
    return moment.astimezone(now.tzinfo)


async def _queue_notices(
    session: AsyncSession, *, recorded: RecordedChange, children: list[Child], now: datetime, council_phone: str,
    council_hours: str = "",
) -> None:
    change = recorded.change
    children_by_id = {child.id: child for child in children if child.id is not None}
    routes = await fetch_routes_by_ids(session, route_ids=sorted({child.route_id for child in children if child.route_id}))
    recipients = await change_recipients(session, change=change, child_ids=list(children_by_id), now=now)
    told = {child_id for recipient in recipients for child_id in recipient.child_ids}
    recorded.carers = sum(1 for recipient in recipients if recipient.carer is not None)
    recorded.contacts = len(recipients) - recorded.carers
    recorded.unreachable = sum(1 for recipient in recipients if not recipient.is_reachable)
    recorded.children_without_carer = len(children_by_id) - len(
        {child_id for recipient in recipients if recipient.carer is not None for child_id in recipient.child_ids}
    )
    recorded.children_without_contact = len(children_by_id) - len(told)
    messages = {
        recipient_key(change, recipient): recipient_message(
            change, recipient=recipient, children=[children_by_id[i] for i in recipient.child_ids if i in children_by_id],
            routes=routes, council_phone=council_phone, council_hours=council_hours,
        )
        for recipient in recipients if recipient.is_reachable
    }
    recorded.notices = await enqueue_messages(session, messages=list(messages.values()), now=now)
    await save_notices(
        session,
        notices=[
            {
                "change_id": change.id,
                "carer_id": recipient.carer.id if recipient.carer is not None else None,
                "family_contact_id": recipient.contact.id if recipient.carer is None and recipient.contact else None,
                "child_ids": list(recipient.child_ids),
                "outbox_message_id": recorded.notices.outbox_ids.get(recipient_key(change, recipient)),
                "queued_at": now,
            }
            for recipient in recipients
        ],
    )
