"""Telling every family on a route what the operator reported: once, a correction, a withdrawal, the follow-up.

Linked carers hear in Telegram (their held mobile and email as fallbacks); families who never linked hear by
text or email. Each family member gets at most one message per report and step (the outbox idempotency key says so), so a
retried request, a double tap or a second correction never becomes a storm. Every message is urgent
(priority 0): it goes ahead of bulk broadcasts and is not held for quiet hours, because the child may
be waiting at the door.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.operators import (
    fetch_carers_by_ids,
    fetch_children_by_ids,
    fetch_disruption_notices,
    save_disruption_notices,
)
from db.dao.transport.contacts import fetch_contacts_by_ids, fetch_contacts_for_carers, fetch_contacts_for_children
from db.dao.transport.data import fetch_active_children_on_routes, fetch_carers_of_children
from db.models import Child, OutboxChannel
from db.models.transport import OperatorDisruption
from messaging.outbox import OutgoingMessage, enqueue_messages, seen_button_markup
from messaging.rendering import button_label, day, names, render_message
from services.carers.channel_plans import (
    PlannedRecipient,
    carer_contact,
    held_channels,
    kind_renderer,
    plan_recipients,
    planned,
)

SOURCE_TYPE = "operator_disruption"
# Families who muted transport changes have chosen not to hear about them; these are transport changes.
UPDATE_KIND = "transport_changes"
MESSAGE_KIND = "operator_disruption"
# On the day: a text or an email can arrive in time, a letter cannot.
ON_THE_DAY = (OutboxChannel.SMS, OutboxChannel.EMAIL)


class NoticeStep(StrEnum):
    """Which message about a report a carer was sent."""

    REPORTED = "reported"
    CORRECTED = "corrected"
    WITHDRAWN = "withdrawn"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class NoticeContext:
    """What every message about a report needs besides the report: the route's code and the council's phone."""

    route_code: str
    council_phone: str


def notice_key(disruption_id: int, carer_id: int, step: NoticeStep) -> str:
    """The idempotency key of one carer's message about one report at one step."""
    return f"disruption:{disruption_id}:carer:{carer_id}:{step.value}"


def recipient_key(disruption_id: int, recipient: PlannedRecipient, step: NoticeStep) -> str:
    """A linked carer's key (notice_key), or disruption:<id>:contact:<contact id>:<step> for a family never linked."""
    if recipient.carer is not None:
        return notice_key(disruption_id, recipient.carer.id or 0, step)
    assert recipient.contact is not None
    return f"disruption:{disruption_id}:contact:{recipient.contact.id}:{step.value}"


async def tell_families_on_route(
    session: AsyncSession, *, disruption: OperatorDisruption, context: NoticeContext, now: datetime
) -> int:
    """Queue the report to every family of an active child on the route; how many family members were told.

    Linked carers by Telegram (their held mobile and email as fallbacks); families who never linked by text or
    email, never a letter: this is about today.
    """
    children = await fetch_active_children_on_routes(session, route_ids=[disruption.route_id])
    by_id = {child.id: child for child in children if child.id is not None}
    carers = await fetch_carers_of_children(session, child_ids=list(by_id))
    contacts = list((await fetch_contacts_for_children(session, child_ids=list(by_id))).values())
    recipients = [
        recipient
        for recipient in plan_recipients(carers=carers, contacts=contacts, allow_letter=False, contact_only_channels=ON_THE_DAY)
        if recipient.carer is not None or recipient.channels
    ]
    return await _queue(session, disruption=disruption, recipients=recipients, children=by_id, step=NoticeStep.REPORTED,
                        context=context, now=now)


async def tell_families_again(
    session: AsyncSession, *, disruption: OperatorDisruption, step: NoticeStep, context: NoticeContext, now: datetime
) -> int:
    """Queue one follow-up (correction, withdrawal or resolution) to exactly the family members told of the report."""
    assert disruption.id is not None
    told = await fetch_disruption_notices(session, disruption_id=disruption.id, step=NoticeStep.REPORTED.value)
    carers = {carer.id: carer for carer in await fetch_carers_by_ids(session, carer_ids=[n.carer_id for n in told if n.carer_id])}
    contacts = {
        contact.id: contact
        for contact in await fetch_contacts_by_ids(session, contact_ids=[n.family_contact_id for n in told if n.family_contact_id])
    }
    held = await fetch_contacts_for_carers(session, carer_ids=[carer_id for carer_id in carers if carer_id is not None])
    children = {
        child.id: child
        for child in await fetch_children_by_ids(session, child_ids=sorted({i for n in told for i in n.child_ids}))
        if child.id is not None
    }
    recipients = []
    for notice in told:
        carer = carers.get(notice.carer_id) if notice.carer_id is not None else None
        if carer is not None and carer.id is not None:
            contact = carer_contact(held.get(carer.id, []), carer_id=carer.id)
            channels = held_channels(carer=carer, contact=contact)
        elif notice.family_contact_id in contacts:
            contact = contacts[notice.family_contact_id]
            channels = tuple(c for c in held_channels(carer=None, contact=contact) if c in ON_THE_DAY)
        else:
            continue
        recipients.append(PlannedRecipient(carer, contact, tuple(notice.child_ids), channels))
    return await _queue(session, disruption=disruption, recipients=recipients, children=children, step=step,
                        context=context, now=now)


async def _queue(
    session: AsyncSession,
    *,
    disruption: OperatorDisruption,
    recipients: list[PlannedRecipient],
    children: dict[int, Child],
    step: NoticeStep,
    context: NoticeContext,
    now: datetime,
) -> int:
    assert disruption.id is not None
    messages = [
        _message(disruption, recipient=recipient, children=[children[i] for i in recipient.child_ids if i in children],
                 step=step, context=context)
        for recipient in recipients
    ]
    result = await enqueue_messages(session, messages=messages, now=now)
    already = {
        (notice.carer_id, notice.family_contact_id)
        for notice in await fetch_disruption_notices(session, disruption_id=disruption.id, step=step.value)
    }
    rows = []
    for recipient in recipients:
        carer_id = recipient.carer.id if recipient.carer is not None else None
        contact_id = recipient.contact.id if recipient.carer is None and recipient.contact is not None else None
        if (carer_id, contact_id) in already:
            continue
        rows.append({
            "disruption_id": disruption.id,
            "carer_id": carer_id,
            "family_contact_id": contact_id,
            "step": step.value,
            "child_ids": list(recipient.child_ids),
            "outbox_message_id": result.outbox_ids.get(recipient_key(disruption.id, recipient, step)),
            "queued_at": now,
        })
    await save_disruption_notices(session, notices=rows)
    return len(recipients)


def _message(
    disruption: OperatorDisruption, *, recipient: PlannedRecipient, children: list[Child], step: NoticeStep,
    context: NoticeContext,
) -> OutgoingMessage:
    """One family member's message about one report, in their language, on their channel."""
    assert disruption.id is not None
    language = recipient.language
    values = {
        "disruption": disruption,
        "step": step.value,
        "children": names(sorted({child.display_name for child in children}), language=language),
        "route": context.route_code,
        "run_day": day(disruption.run_date, language=language),
        "from_day": day(disruption.from_date, language=language) if disruption.from_date else "",
        "phone": context.council_phone,
    }
    telegram = OutgoingMessage(
        carer=recipient.carer,
        idempotency_key=recipient_key(disruption.id, recipient, step),
        purpose=f"disruption_{step.value}",
        source_type=SOURCE_TYPE,
        source_id=disruption.id,
        update_kind=UPDATE_KIND,
        text=render_message(MESSAGE_KIND, language=language, **values) if recipient.carer is not None else "",
        reply_markup=seen_button_markup(
            button_label("updates.button.seen", language=language),
            menu_label=button_label("menu.button.back", language=language),
        ),
        is_urgent=True,
    )
    render = kind_renderer(MESSAGE_KIND, language=language, **values)
    return planned(telegram, channels=recipient.channels, render=render, contact=recipient.contact)
