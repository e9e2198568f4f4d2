"""Broadcasts: compose, preview, approve (a second person above a threshold), send now or schedule through the outbox, cancel, report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from core.i18n import plain_text
from db.dao.broadcasts import (
    count_broadcast_outbox,
    fetch_broadcast,
    fetch_broadcasts,
    fetch_due_broadcasts,
    save_broadcast,
    save_cancelled_outbox_rows,
)
from db.models.broadcasts import Broadcast, BroadcastStatus
from db.models.staff import ActorKind
from db.dao.transport.contacts import fetch_contacts_for_carers
from db.models import FamilyContact
from messaging.outbox import OutgoingMessage, enqueue_messages, seen_button_markup
from messaging.rendering import plain
from services.carers.channel_plans import CouncilContact, carer_contact, kind_renderer, with_held_fallbacks
from services.broadcasts.audiences import Audience, AudienceError, audience_spec, resolve_audience
from services.staff.audit import Actor, RequestOrigin, record_audit
from services.broadcasts.rendering import RenderedSample, TemplateProblem, check_template, render_for, render_samples

SOURCE_TYPE = "broadcast"
MAX_TITLE_LENGTH = 120
REPORT_FIGURES = ("queued", "sent", "failed", "unreachable", "acknowledged")


class BroadcastError(ValueError):
    """A broadcast step refused, with the form field at fault when there is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class BroadcastNotFound(BroadcastError):
    """No such broadcast."""


class BroadcastStepNotAllowed(BroadcastError):
    """The step does not fit the broadcast's status or the person taking it."""


@dataclass(frozen=True, slots=True)
class Preview:
    """What staff see before sending: the real recipient count and two rendered samples."""

    count: int
    samples: list[RenderedSample]
    needs_approval: bool


@dataclass(frozen=True, slots=True)
class BroadcastReport:
    """Delivery figures from the outbox, with percentages of everyone the broadcast was addressed to."""

    broadcast: Broadcast
    total: int
    counts: dict[str, int]

    def percent(self, figure: str) -> int:
        """A figure as a whole percentage of the total (0 when nothing was addressed)."""
        return round(100 * self.counts.get(figure, 0) / self.total) if self.total else 0

    @property
    def finished(self) -> int:
        """Messages whose delivery is over, one way or another."""
        return self.total - self.counts.get("queued", 0)

    @property
    def is_complete(self) -> bool:
        """True when nothing is left in the queue."""
        return self.broadcast.status in {BroadcastStatus.SENT.value, BroadcastStatus.CANCELLED.value} and self.counts.get("queued", 0) == 0


def clean_broadcast_input(*, title: str, template_text: str, audience_kind: str, audience_value: Any) -> tuple[str, str, dict[str, Any]]:
    """Checked title, template and audience spec, or BroadcastError naming the field."""
    title = (title or "").strip()
    if not title:
        raise BroadcastError("Enter a title staff will recognise", field="title")
    if len(title) > MAX_TITLE_LENGTH:
        raise BroadcastError(f"The title must be {MAX_TITLE_LENGTH} characters or fewer", field="title")
    try:
        check_template(template_text or "")
    except TemplateProblem as problem:
        raise BroadcastError(problem.message, field="template_text") from None
    try:
        spec = audience_spec(audience_kind, audience_value)
    except AudienceError as error:
        raise BroadcastError(error.message, field=error.field) from None
    return title, template_text.strip(), spec


async def create_broadcast(
    session: AsyncSession, *, title: str, template_text: str, audience_kind: str, audience_value: Any,
    actor: Actor, now: datetime, origin: RequestOrigin | None = None,
) -> Broadcast:
    """Save a draft broadcast after checking its template and audience."""
    title, template_text, spec = clean_broadcast_input(
        title=title, template_text=template_text, audience_kind=audience_kind, audience_value=audience_value
    )
    broadcast = await save_broadcast(
        session,
        broadcast=Broadcast(
            title=title, template_text=template_text, audience=spec, created_by_kind=actor.kind.value, created_by_staff_id=actor.id, created_at=now
        ),
    )
    await record_audit(session, actor=actor, action="broadcast.created", object_type="broadcast", object_ids=[broadcast.id or 0], detail={"audience": spec}, origin=origin, now=now)
    return broadcast


async def find_broadcast(session: AsyncSession, *, broadcast_id: int, for_update: bool = False) -> Broadcast:
    """One broadcast, or BroadcastNotFound."""
    broadcast = await fetch_broadcast(session, broadcast_id=broadcast_id, for_update=for_update)
    if broadcast is None:
        raise BroadcastNotFound("There is no such broadcast")
    return broadcast


async def list_broadcasts(session: AsyncSession, *, awaiting_approval_only: bool = False) -> list[Broadcast]:
    """The newest broadcasts, or only those waiting for a second person."""
    statuses = [BroadcastStatus.AWAITING_APPROVAL.value] if awaiting_approval_only else None
    return await fetch_broadcasts(session, statuses=statuses)


async def preview_broadcast(session: AsyncSession, *, broadcast: Broadcast, approval_threshold: int) -> Preview:
    """The real recipient count now and the first two carers' messages."""
    audience = await resolve_audience(session, spec=broadcast.audience)
    try:
        samples = render_samples(broadcast.template_text, audience.rows)
    except TemplateProblem as problem:
        raise BroadcastError(problem.message, field="template_text") from None
    return Preview(count=audience.count, samples=samples, needs_approval=audience.count > approval_threshold)


async def request_approval(
    session: AsyncSession, *, broadcast_id: int, actor: Actor, now: datetime, origin: RequestOrigin | None = None
) -> Broadcast:
    """Put a draft in the approvals list for a second person."""
    broadcast = await find_broadcast(session, broadcast_id=broadcast_id, for_update=True)
    if broadcast.status != BroadcastStatus.DRAFT.value:
        raise BroadcastStepNotAllowed("Only a draft can be sent for approval")
    audience = await resolve_audience(session, spec=broadcast.audience)
    broadcast.status = BroadcastStatus.AWAITING_APPROVAL.value
    broadcast.approval_requested_at = now
    broadcast.audience_size_at_request = audience.count
    await save_broadcast(session, broadcast=broadcast)
    await record_audit(session, actor=actor, action="broadcast.approval_requested", object_type="broadcast", object_ids=[broadcast_id], detail={"audience_size": audience.count}, origin=origin, now=now)
    return broadcast


async def approve_broadcast(
    session: AsyncSession, *, broadcast_id: int, actor: Actor, now: datetime, origin: RequestOrigin | None = None
) -> Broadcast:
    """A second person approves: never the one (account or API token) who wrote it."""
    broadcast = await find_broadcast(session, broadcast_id=broadcast_id, for_update=True)
    if broadcast.status != BroadcastStatus.AWAITING_APPROVAL.value:
        raise BroadcastStepNotAllowed("Only a broadcast waiting for approval can be approved")
    if actor.kind not in {ActorKind.USER, ActorKind.TOKEN} or actor.id is None:
        raise BroadcastStepNotAllowed("A broadcast must be approved by a signed-in person or an API client")
    if (actor.kind.value, actor.id) == (broadcast.created_by_kind, broadcast.created_by_staff_id):
        raise BroadcastStepNotAllowed("Someone other than the author must approve this broadcast")
    broadcast.status = BroadcastStatus.APPROVED.value
    broadcast.approved_by_staff_id = actor.id
    broadcast.approved_at = now
    await save_broadcast(session, broadcast=broadcast)
    await record_audit(session, actor=actor, action="broadcast.approved", object_type="broadcast", object_ids=[broadcast_id], origin=origin, now=now)
    return broadcast


async def send_broadcast(
    session: AsyncSession, *, broadcast_id: int, actor: Actor, approval_threshold: int, now: datetime, council: CouncilContact,
    origin: RequestOrigin | None = None,
) -> Broadcast:
    """Queue one message per carer in the outbox (the delivery engine sends them); large audiences need approval first.

    `council`: the phone and hours the text and email fallbacks give (the council's settings, from the entry point).
    """
    broadcast = await find_broadcast(session, broadcast_id=broadcast_id, for_update=True)
    audience = await _audience_if_ready(session, broadcast=broadcast, approval_threshold=approval_threshold)
    return await _dispatch(session, broadcast=broadcast, audience=audience, actor=actor, now=now, origin=origin, council=council)


async def schedule_broadcast(
    session: AsyncSession, *, broadcast_id: int, send_at: datetime, actor: Actor, approval_threshold: int, now: datetime,
    origin: RequestOrigin | None = None,
) -> Broadcast:
    """Send later: the same checks as sending now; a standing job sends it when the time comes."""
    broadcast = await find_broadcast(session, broadcast_id=broadcast_id, for_update=True)
    if send_at.tzinfo is None:
        raise BroadcastError("Give the time with its time zone", field="send_at")
    if send_at <= now:
        raise BroadcastError("The time to send must be in the future", field="send_at")
    await _audience_if_ready(session, broadcast=broadcast, approval_threshold=approval_threshold)
    broadcast.status = BroadcastStatus.SCHEDULED.value
    broadcast.scheduled_for = send_at
    await save_broadcast(session, broadcast=broadcast)
    await record_audit(
        session, actor=actor, action="broadcast.scheduled", object_type="broadcast", object_ids=[broadcast_id],
        detail={"send_at": send_at.isoformat()}, origin=origin, now=now,
    )
    return broadcast


async def send_due_broadcasts(session: AsyncSession, *, now: datetime, council: CouncilContact) -> int:
    """Send every scheduled broadcast whose time has come (the standing job); returns how many."""
    due = await fetch_due_broadcasts(session, now=now)
    for broadcast in due:
        audience = await resolve_audience(session, spec=broadcast.audience)
        await _dispatch(session, broadcast=broadcast, audience=audience, actor=Actor.system("scheduled broadcast"), now=now, origin=None,
                        council=council)
    return len(due)


async def _audience_if_ready(session: AsyncSession, *, broadcast: Broadcast, approval_threshold: int) -> Audience:
    if broadcast.status not in {BroadcastStatus.DRAFT.value, BroadcastStatus.APPROVED.value}:
        raise BroadcastStepNotAllowed("This broadcast cannot be sent now")
    audience = await resolve_audience(session, spec=broadcast.audience)
    if broadcast.status == BroadcastStatus.DRAFT.value and audience.count > approval_threshold:
        raise BroadcastStepNotAllowed(
            f"This broadcast goes to {audience.count} families: ask someone to approve it first (over {approval_threshold} needs approval)"
        )
    return audience


async def _dispatch(
    session: AsyncSession, *, broadcast: Broadcast, audience: Audience, actor: Actor, now: datetime, origin: RequestOrigin | None,
    council: CouncilContact,
) -> Broadcast:
    carer_ids = [row.carer.id for row in audience.rows if row.carer.id is not None]
    held = await fetch_contacts_for_carers(session, carer_ids=carer_ids)
    try:
        messages = _outgoing_messages(broadcast, audience, held=held, council=council)
    except TemplateProblem as problem:
        raise BroadcastError(problem.message, field="template_text") from None
    result = await enqueue_messages(session, messages=messages, now=now)
    broadcast.status = BroadcastStatus.SENT.value
    broadcast.sent_by_staff_id = actor.id
    broadcast.sent_at = now
    await save_broadcast(session, broadcast=broadcast)
    await record_audit(
        session, actor=actor, action="broadcast.sent", object_type="broadcast", object_ids=[broadcast.id or 0],
        detail={"queued": result.queued, "skipped": dict(result.skipped)}, origin=origin, now=now,
    )
    return broadcast


async def cancel_broadcast(
    session: AsyncSession, *, broadcast_id: int, actor: Actor, now: datetime, origin: RequestOrigin | None = None
) -> int:
    """Cancel a broadcast; once sent, the messages not yet handed to Telegram are taken out of the queue. Returns how many."""
    broadcast = await find_broadcast(session, broadcast_id=broadcast_id, for_update=True)
    if broadcast.status == BroadcastStatus.CANCELLED.value:
        raise BroadcastStepNotAllowed("This broadcast is already cancelled")
    withdrawn = await save_cancelled_outbox_rows(session, broadcast_id=broadcast_id, now=now)
    broadcast.status = BroadcastStatus.CANCELLED.value
    broadcast.cancelled_by_staff_id = actor.id
    broadcast.cancelled_at = now
    await save_broadcast(session, broadcast=broadcast)
    await record_audit(session, actor=actor, action="broadcast.cancelled", object_type="broadcast", object_ids=[broadcast_id], detail={"withdrawn": withdrawn}, origin=origin, now=now)
    return withdrawn


async def broadcast_report(session: AsyncSession, *, broadcast_id: int) -> BroadcastReport:
    """Queued, sent, failed, unreachable and acknowledged counts from the outbox."""
    broadcast = await find_broadcast(session, broadcast_id=broadcast_id)
    by_state = await count_broadcast_outbox(session, broadcast_id=broadcast_id)
    counts = {
        "queued": by_state.get("queued", 0) + by_state.get("sending", 0),
        "sent": by_state.get("sent", 0) + by_state.get("acknowledged", 0),
        "failed": by_state.get("failed", 0),
        "unreachable": by_state.get("unreachable", 0),
        "acknowledged": by_state.get("acknowledged", 0),
        "not_sent": by_state.get("skipped", 0),
    }
    return BroadcastReport(broadcast=broadcast, total=sum(by_state.values()), counts=counts)


def _outgoing_messages(
    broadcast: Broadcast, audience: Audience, *, held: dict[int, list[FamilyContact]], council: CouncilContact
) -> list[OutgoingMessage]:
    """One message per carer in Telegram, with their held mobile and email as fallbacks (the same words, plain)."""
    messages = []
    for row in audience.rows:
        body = render_for(broadcast.template_text, row)
        message = OutgoingMessage(
            carer=row.carer,
            idempotency_key=f"broadcast:{broadcast.id}:carer:{row.carer.id}",
            purpose="broadcast",
            source_type=SOURCE_TYPE,
            source_id=broadcast.id,
            text=body,
            reply_markup=seen_button_markup(plain_text("updates.button.seen", language=row.carer.language)),
            update_kind="broadcasts",
        )
        contact = carer_contact(held.get(row.carer.id or 0, []), carer_id=row.carer.id or 0)
        render = kind_renderer("broadcast", language=row.carer.language, body=plain(body), **council.values())
        messages.append(with_held_fallbacks(message, contact=contact, render=render))
    return messages
