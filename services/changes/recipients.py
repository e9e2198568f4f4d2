"""Who hears of a change and how: every linked carer and every family contact, each on their channel plan.

The plan itself (which channels a family member holds, in order) is services/carers/channel_plans.py; here is
what is particular to a change: a letter only for a change at least 5 working days away, the notice keys, and
the notice rendered for Telegram and for every channel held.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.transport.contacts import fetch_contacts_for_children
from db.dao.transport.data import fetch_carers_of_children
from db.models import Child, OutboxChannel, TransportChange
from messaging.outbox import OutgoingMessage, seen_button_markup
from messaging.rendering import button_label, names, render_message
from services.carers.channel_plans import PlannedRecipient, kind_renderer, letter_allowed, plan_recipients, planned

SOURCE_TYPE = "transport_change"
UPDATE_KIND = "transport_changes"


async def change_recipients(
    session: AsyncSession, *, change: TransportChange, child_ids: list[int], now: datetime
) -> list[PlannedRecipient]:
    """Every family member to tell of this change, with their channel plan (letters only 5+ working days ahead)."""
    carers = await fetch_carers_of_children(session, child_ids=child_ids)
    contacts = list((await fetch_contacts_for_children(session, child_ids=child_ids)).values())
    return plan_recipients(
        carers=carers, contacts=contacts, allow_letter=letter_allowed(effective_at=change.effective_at, now=now)
    )


def recipient_key(change: TransportChange, recipient: PlannedRecipient, *, is_reminder: bool = False) -> str:
    """The notice key: change:<id>:carer:<carer id>, or change:<id>:contact:<contact id> for a family never linked."""
    if recipient.carer is not None:
        return notice_key(change, recipient.carer.id or 0, is_reminder=is_reminder)
    assert recipient.contact is not None
    return f"change:{change.id}:contact:{recipient.contact.id}" + (":reminder" if is_reminder else "")


def notice_key(change: TransportChange, carer_id: int, *, is_reminder: bool = False) -> str:
    """The idempotency key of a carer's notice (or its reminder)."""
    return f"change:{change.id}:carer:{carer_id}" + (":reminder" if is_reminder else "")


@dataclass(frozen=True)
class NoticeWording:
    """What every form of one family's notice says: the children, their routes and who to call."""

    children: str
    routes: str
    phone: str
    hours: str


def wording(
    change: TransportChange, *, children: list[Child], routes: dict[int, str], language: str, council_phone: str,
    council_hours: str,
) -> NoticeWording:
    """The values the notice's templates take, in the family's language."""
    return NoticeWording(
        children=names(sorted({child.display_name for child in children}), language=language),
        routes=", ".join(sorted({routes[child.route_id] for child in children if child.route_id in routes})) or "-",
        phone=change.contact_phone or council_phone,
        hours="" if change.contact_phone else council_hours,
    )


def recipient_message(
    change: TransportChange, *, recipient: PlannedRecipient, children: list[Child], routes: dict[int, str],
    council_phone: str, council_hours: str = "", is_reminder: bool = False,
    channels: tuple[OutboxChannel, ...] | None = None, idempotency_key: str | None = None,
) -> OutgoingMessage:
    """One family member's notice (or reminder) on the first channel of their plan, the rest held as fallbacks.

    `channels` overrides the plan and `idempotency_key` the key (a reminder by the next channel joins the notice).
    """
    language = recipient.language
    kind = "change_reminder" if is_reminder else "transport_change"
    words = wording(change, children=children, routes=routes, language=language, council_phone=council_phone,
                    council_hours=council_hours)
    context = {"change": change, "children": words.children, "routes": words.routes, "phone": words.phone,
               "hours": words.hours, "is_reminder": is_reminder}
    telegram = OutgoingMessage(
        carer=recipient.carer,
        idempotency_key=idempotency_key or recipient_key(change, recipient, is_reminder=is_reminder),
        purpose=kind,
        source_type=SOURCE_TYPE,
        source_id=change.id,
        update_kind=UPDATE_KIND,
        text=render_message(kind, language=language, **context) if recipient.carer is not None else "",
        reply_markup=seen_button_markup(
            button_label("updates.button.seen", language=language),
            menu_label=button_label("menu.button.back", language=language),
        ),
        is_urgent=change.is_urgent,
        must_send=change.must_send,
        ack_expires_at=change.effective_at,
    )
    plan = recipient.channels if channels is None else channels
    return planned(telegram, channels=plan, render=kind_renderer(kind, language=language, **context),
                   contact=recipient.contact)
