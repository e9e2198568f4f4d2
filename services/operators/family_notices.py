"""Telling every linked carer on a route what the operator reported: once, a correction, a withdrawal, the follow-up.

Each carer gets at most one message per report and step (the outbox idempotency key says so), so a
retried request, a double tap or a second correction never becomes a storm. Every message is urgent
(priority 0): it goes ahead of bulk broadcasts and is not held for quiet hours, because the child may
be waiting at the door.
"""

from __future__ import annotations

from collections import defaultdict
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
from db.dao.transport.data import fetch_active_children_on_routes, fetch_carers_of_children
from db.models import Carer, Child
from db.models.transport import OperatorDisruption
from messaging.outbox import OutgoingMessage, enqueue_messages, seen_button_markup
from messaging.rendering import button_label, day, names, render_message

SOURCE_TYPE = "operator_disruption"
# Families who muted transport changes have chosen not to hear about them; these are transport changes.
UPDATE_KIND = "transport_changes"
MESSAGE_KIND = "operator_disruption"


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


async def tell_families_on_route(
    session: AsyncSession, *, disruption: OperatorDisruption, context: NoticeContext, now: datetime
) -> int:
    """Queue the report to every linked carer of an active child on the route; how many carers were told."""
    children = await fetch_active_children_on_routes(session, route_ids=[disruption.route_id])
    by_id = {child.id: child for child in children if child.id is not None}
    carers: dict[int, Carer] = {}
    children_of: dict[int, list[Child]] = defaultdict(list)
    for carer, child_id in await fetch_carers_of_children(session, child_ids=list(by_id)):
        assert carer.id is not None
        carers[carer.id] = carer
        children_of[carer.id].append(by_id[child_id])
    return await _queue(
        session, disruption=disruption, carers=carers, children_of=children_of, step=NoticeStep.REPORTED,
        context=context, now=now,
    )


async def tell_families_again(
    session: AsyncSession, *, disruption: OperatorDisruption, step: NoticeStep, context: NoticeContext, now: datetime
) -> int:
    """Queue one follow-up (correction, withdrawal or resolution) to exactly the carers told of the report."""
    assert disruption.id is not None
    told = await fetch_disruption_notices(session, disruption_id=disruption.id, step=NoticeStep.REPORTED.value)
    carers = {carer.id: carer for carer in await fetch_carers_by_ids(session, carer_ids=[n.carer_id for n in told])}
    children = {
        child.id: child
        for child in await fetch_children_by_ids(session, child_ids=sorted({i for n in told for i in n.child_ids}))
    }
    children_of = {
        notice.carer_id: [children[i] for i in notice.child_ids if i in children] for notice in told if notice.carer_id in carers
    }
    return await _queue(
        session, disruption=disruption, carers={k: v for k, v in carers.items() if k is not None}, children_of=children_of,
        step=step, context=context, now=now,
    )


async def _queue(
    session: AsyncSession,
    *,
    disruption: OperatorDisruption,
    carers: dict[int, Carer],
    children_of: dict[int, list[Child]],
    step: NoticeStep,
    context: NoticeContext,
    now: datetime,
) -> int:
    assert disruption.id is not None
    messages = [
        _message(disruption, carer=carer, children=children_of[carer_id], step=step, context=context)
        for carer_id, carer in carers.items()
    ]
    result = await enqueue_messages(session, messages=messages, now=now)
    already = {notice.carer_id for notice in await fetch_disruption_notices(session, disruption_id=disruption.id, step=step.value)}
    await save_disruption_notices(
        session,
        notices=[
            {
                "disruption_id": disruption.id,
                "carer_id": carer_id,
                "step": step.value,
                "child_ids": [child.id for child in children_of[carer_id]],
                "outbox_message_id": result.outbox_ids.get(notice_key(disruption.id, carer_id, step)),
                "queued_at": now,
            }
            for carer_id in carers
            if carer_id not in already
        ],
    )
    return len(carers)


def _message(
    disruption: OperatorDisruption, *, carer: Carer, children: list[Child], step: NoticeStep, context: NoticeContext
) -> OutgoingMessage:
    """One carer's message about one report, in their language."""
    assert carer.id is not None and disruption.id is not None
    language = carer.language
    text = render_message(
        MESSAGE_KIND,
        language=language,
        disruption=disruption,
        step=step.value,
        children=names(sorted({child.display_name for child in children}), language=language),
        route=context.route_code,
        run_day=day(disruption.run_date, language=language),
        from_day=day(disruption.from_date, language=language) if disruption.from_date else "",
        phone=context.council_phone,
    )
    return OutgoingMessage(
        carer=carer,
        idempotency_key=notice_key(disruption.id, carer.id, step),
        purpose=f"disruption_{step.value}",
        source_type=SOURCE_TYPE,
        source_id=disruption.id,
        update_kind=UPDATE_KIND,
        text=text,
        reply_markup=seen_button_markup(
            button_label("updates.button.seen", language=language),
            menu_label=button_label("menu.button.back", language=language),
        ),
        is_urgent=True,
    )
